// ZipMemoryFile: members opened by path, namelist, missing members, a VRT beside its JPEG.

#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include <cpl_vsi.h>

#include "test_support.hpp"

namespace {

using rastio::ClosedError;
using rastio::IOError;
using rastio::ZipMemoryFile;

using Member = std::pair<std::string, std::vector<std::byte>>;

/// A zip archive written with GDAL's own /vsizip/ writer (not rastio).
std::vector<std::byte> make_zip(const std::vector<Member>& members) {
    const std::string zip = "/vsimem/zip-fixture.zip";
    VSILFILE* archive = VSIFOpenL(("/vsizip/" + zip).c_str(), "wb");
    if (archive == nullptr) throw std::runtime_error("cannot create the zip fixture");
    for (const auto& [name, bytes] : members) {
        VSILFILE* f = VSIFOpenL(("/vsizip/" + zip + "/" + name).c_str(), "wb");
        if (f == nullptr) throw std::runtime_error("cannot add " + name + " to the zip fixture");
        VSIFWriteL(bytes.data(), 1, bytes.size(), f);
        VSIFCloseL(f);
    }
    VSIFCloseL(archive);
    return rastio::test::take_vsimem(zip);
}

std::uint8_t fixture_value(std::size_t b, std::size_t r, std::size_t c) {
    return static_cast<std::uint8_t>((b * 31 + r * 7 + c * 3) % 251);
}

std::vector<std::byte> fixture_zip() {
    return make_zip({{"a.tif", rastio::test::make_gtiff(10, 8, 1)},
                     {"dir/b.tif", rastio::test::make_gtiff(6, 5, 2)},
                     {"notes.txt", std::vector<std::byte>(5, std::byte{'x'})}});
}

TEST(ZipMemoryFileTest, OpensMembersWithOrWithoutLeadingSlash) {
    ZipMemoryFile zip(fixture_zip());
    for (const std::string path : {"a.tif", "/a.tif"}) {
        auto ds = zip.open(path);
        EXPECT_EQ(ds.width(), 10);
        EXPECT_EQ(ds.read().as<std::uint8_t>()(0, 7, 9), fixture_value(0, 7, 9));
        EXPECT_NE(ds.name().find("/vsizip/"), std::string::npos);
    }
    auto b = zip.open("/dir/b.tif");
    EXPECT_EQ(b.count(), 2);
    EXPECT_EQ(b.read().as<std::uint8_t>()(1, 4, 5), fixture_value(1, 4, 5));
    EXPECT_EQ(b.crs().to_epsg(), 32618);
}

TEST(ZipMemoryFileTest, NamelistListsEveryFileWithItsFolders) {
    ZipMemoryFile zip(fixture_zip());
    EXPECT_EQ(zip.namelist(), (std::vector<std::string>{"a.tif", "dir/b.tif", "notes.txt"}));
    EXPECT_TRUE(zip.name().ends_with(".zip"));
}

TEST(ZipMemoryFileTest, MissingMemberIsIOErrorNamingIt) {
    ZipMemoryFile zip(fixture_zip());
    try {
        (void)zip.open("dir/nothere.tif");
        FAIL() << "a missing member did not throw";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find("dir/nothere.tif"), std::string::npos) << e.what();
        EXPECT_NE(e.path().find("dir/nothere.tif"), std::string::npos) << e.path();
    }
    EXPECT_THROW((void)zip.open("notes.txt"), IOError); // a member, but no raster
    EXPECT_THROW((void)zip.open("/"), rastio::ArgumentError);
}

TEST(ZipMemoryFileTest, AdoptsAndBorrowsWithoutCopy) {
    auto bytes = fixture_zip();
    const auto copy = bytes;
    {
        auto borrowed = ZipMemoryFile::borrow(bytes);
        EXPECT_EQ(borrowed.getbuffer().data(), bytes.data());
        EXPECT_EQ(borrowed.open("a.tif").width(), 10);
    }
    const std::byte* caller = bytes.data();
    ZipMemoryFile adopted(std::move(bytes));
    EXPECT_EQ(adopted.getbuffer().data(), caller);
    EXPECT_TRUE(std::ranges::equal(adopted.getbuffer(), copy));
    EXPECT_EQ(adopted.namelist().size(), 3u);
}

TEST(ZipMemoryFileTest, VrtInsideTheZipReadsTheJpegBesideIt) {
    RASTIO_REQUIRE_CORPUS();
    const auto jpg = rastio::test::read_file(rastio::test::corpus("389225main_sw_1965_1024.jpg"));
    const auto vrt = rastio::test::read_file(rastio::test::corpus("white-gemini-iv.vrt"));
    ZipMemoryFile zip(make_zip({{"white-gemini-iv.vrt", vrt}, {"389225main_sw_1965_1024.jpg", jpg}}));
    auto ds = zip.open("white-gemini-iv.vrt");
    EXPECT_EQ(ds.driver(), "VRT");
    EXPECT_EQ(ds.width(), 1024);
    EXPECT_EQ(ds.height(), 768);
    EXPECT_EQ(ds.count(), 3);
    // The pixels are the JPEG's, read through the VRT.
    rastio::MemoryFile jpeg(jpg, rastio::MemoryFileOptions{.ext = ".jpg"});
    EXPECT_EQ(ds.read(rastio::Window(100, 200, 64, 32)), jpeg.open().read(rastio::Window(100, 200, 64, 32)));
}

TEST(ZipMemoryFileTest, CorpusZipsOpenLikeTheirFiles) {
    RASTIO_REQUIRE_CORPUS();
    ZipMemoryFile files(rastio::test::read_file(rastio::test::corpus("files.zip")));
    EXPECT_EQ(files.namelist(), (std::vector<std::string>{"RGB.byte.tif", "float.tif", "float_nan.tif", "shade.tif"}));
    auto in_zip = files.open("RGB.byte.tif");
    auto on_disk = rastio::open(rastio::test::corpus("RGB.byte.tif"));
    EXPECT_EQ(in_zip.read(), on_disk.read());
    EXPECT_EQ(in_zip.transform(), on_disk.transform()); // (their CRSs differ: the zipped copy is older)
    EXPECT_EQ(in_zip.nodata(), 0.0);

    ZipMemoryFile ak(rastio::test::read_file(rastio::test::corpus("ak-compdcs.zip")));
    auto t = ak.open("test.tif");
    EXPECT_EQ(t.width(), 2607);
    EXPECT_EQ(t.dtypes().front(), rastio::DType::int16);
}

TEST(ZipMemoryFileTest, CloseClosesMemberDatasetsAndEveryUseIsClosedError) {
    ZipMemoryFile zip(fixture_zip());
    auto ds = zip.open("a.tif");
    zip.close();
    EXPECT_TRUE(zip.closed());
    EXPECT_TRUE(ds.closed());
    EXPECT_THROW((void)ds.read(), ClosedError);
    EXPECT_THROW((void)zip.open("a.tif"), ClosedError);
    EXPECT_THROW((void)zip.namelist(), ClosedError);
    EXPECT_THROW((void)zip.getbuffer(), ClosedError);
}

TEST(ZipMemoryFileTest, BytesThatAreNoZipAreIOError) {
    ZipMemoryFile zip(std::string(200, 'z'));
    EXPECT_THROW((void)zip.namelist(), IOError);
    EXPECT_THROW((void)zip.open("a.tif"), IOError);
}

TEST(ZipMemoryFileTest, MemberPathsAreTrackedWhenOpenedByName) {
    ZipMemoryFile zip(fixture_zip());
    auto ds = rastio::open("/vsizip/" + zip.name() + "/a.tif");
    EXPECT_THROW((void)rastio::open("/vsizip/" + zip.name() + "/a.tif", "r+"), rastio::ModeError);
    zip.close();
    EXPECT_TRUE(ds.closed());
}

} // namespace
