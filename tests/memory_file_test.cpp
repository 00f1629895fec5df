// MemoryFile: every constructor, the file-like cursor, modes, datasets opened and created in it,
// lifetimes, sidecars and shared directories (issue 3's contract).

#include <algorithm>
#include <cstring>
#include <numeric>
#include <sstream>

#include <gtest/gtest.h>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include "test_support.hpp"

namespace {

using rastio::ArgumentError;
using rastio::ClosedError;
using rastio::DriverError;
using rastio::IOError;
using rastio::MemoryFile;
using rastio::MemoryFileOptions;
using rastio::ModeError;
using rastio::Whence;

/// The value make_gtiff writes at (band, row, col), band 0-based.
std::uint8_t fixture_value(std::size_t b, std::size_t r, std::size_t c) {
    return static_cast<std::uint8_t>((b * 31 + r * 7 + c * 3) % 251);
}

/// Checks that `ds` holds exactly what make_gtiff(width, height, bands) wrote.
void expect_fixture(const rastio::Dataset& ds, int width, int height, int bands) {
    ASSERT_EQ(ds.width(), width);
    ASSERT_EQ(ds.height(), height);
    ASSERT_EQ(ds.count(), bands);
    const auto a = ds.read().as<std::uint8_t>();
    std::size_t wrong = 0;
    for (std::size_t b = 0; b < a.bands(); ++b) {
        for (std::size_t r = 0; r < a.rows(); ++r) {
            for (std::size_t c = 0; c < a.cols(); ++c) wrong += a(b, r, c) != fixture_value(b, r, c);
        }
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_EQ(ds.transform(), rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30));
}

std::vector<std::byte> bytes_of(std::string_view text) {
    std::vector<std::byte> out(text.size());
    std::memcpy(out.data(), text.data(), text.size());
    return out;
}

std::string text_of(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): test helper
}

rastio::Profile gtiff_profile(int width, int height, int count, rastio::DType dtype = rastio::DType::uint8) {
    return rastio::Profile{.driver = "GTiff", .width = width, .height = height, .count = count, .dtype = dtype,
                           .crs = rastio::CRS::from_epsg(32618),
                           .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30)};
}

rastio::Array<std::uint8_t> ramp(std::size_t bands, std::size_t rows, std::size_t cols) {
    rastio::Array<std::uint8_t> a({bands, rows, cols});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>((i * 13 + i / cols) % 256);
    return a;
}

// --- Constructors -------------------------------------------------------------------------

TEST(MemoryFileTest, EmptyIsWritableAndHoldsNothing) {
    MemoryFile mf;
    EXPECT_EQ(mf.mode(), "w+");
    EXPECT_FALSE(mf.closed());
    EXPECT_FALSE(mf.exists());
    EXPECT_EQ(mf.size(), 0u);
    EXPECT_TRUE(mf.getbuffer().empty());
    EXPECT_EQ(mf.name().rfind("/vsimem/", 0), 0u);
    EXPECT_TRUE(mf.name().ends_with(".tif"));
}

TEST(MemoryFileTest, CopiesFromStdString) {
    const auto tif = rastio::test::make_gtiff(20, 10, 2);
    const std::string bytes(reinterpret_cast<const char*>(tif.data()), tif.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): test data
    MemoryFile mf(bytes);
    EXPECT_EQ(mf.mode(), "r");
    EXPECT_TRUE(mf.exists());
    EXPECT_EQ(mf.size(), bytes.size());
    EXPECT_NE(static_cast<const void*>(mf.getbuffer().data()), static_cast<const void*>(bytes.data()));
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
    expect_fixture(mf.open(), 20, 10, 2);
}

TEST(MemoryFileTest, CopiesFromVectorOfUint8) {
    const auto tif = rastio::test::make_gtiff(20, 10, 1);
    std::vector<std::uint8_t> bytes(tif.size());
    std::memcpy(bytes.data(), tif.data(), tif.size());
    MemoryFile mf(bytes);
    EXPECT_NE(static_cast<const void*>(mf.getbuffer().data()), static_cast<const void*>(bytes.data()));
    bytes[0] = 0; // the copy is independent of the caller's bytes
    expect_fixture(mf.open(), 20, 10, 1);
}

TEST(MemoryFileTest, CopiesFromSpanOfConstByte) {
    const auto tif = rastio::test::make_gtiff(8, 8, 3);
    MemoryFile mf{std::span<const std::byte>(tif)};
    EXPECT_EQ(mf.mode(), "r");
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
    expect_fixture(mf.open(), 8, 8, 3);
}

TEST(MemoryFileTest, AdoptsVectorOfByteWithoutCopy) {
    auto tif = rastio::test::make_gtiff(16, 16, 1);
    const std::byte* caller = tif.data();
    const std::size_t n = tif.size();
    MemoryFile mf(std::move(tif));
    EXPECT_EQ(mf.getbuffer().data(), caller);
    EXPECT_EQ(mf.size(), n);
    EXPECT_EQ(mf.mode(), "r");
    expect_fixture(mf.open(), 16, 16, 1);
}

TEST(MemoryFileTest, AdoptsVectorOfUint8WithoutCopy) {
    const auto tif = rastio::test::make_gtiff(16, 16, 1);
    std::vector<std::uint8_t> bytes(tif.size());
    std::memcpy(bytes.data(), tif.data(), tif.size());
    const void* caller = bytes.data();
    MemoryFile mf(std::move(bytes));
    EXPECT_EQ(static_cast<const void*>(mf.getbuffer().data()), caller);
    expect_fixture(mf.open(), 16, 16, 1);
}

TEST(MemoryFileTest, AdoptsStringWithoutCopy) {
    const auto tif = rastio::test::make_gtiff(16, 16, 1);
    std::string bytes(reinterpret_cast<const char*>(tif.data()), tif.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): test data
    const void* caller = bytes.data();
    MemoryFile mf(std::move(bytes));
    EXPECT_EQ(static_cast<const void*>(mf.getbuffer().data()), caller);
    expect_fixture(mf.open(), 16, 16, 1);
}

TEST(MemoryFileTest, BorrowsWithoutCopy) {
    const auto tif = rastio::test::make_gtiff(16, 16, 2);
    MemoryFile mf = MemoryFile::borrow(tif);
    EXPECT_EQ(mf.getbuffer().data(), tif.data());
    EXPECT_EQ(mf.mode(), "r");
    expect_fixture(mf.open(), 16, 16, 2);
}

TEST(MemoryFileTest, ReadsAnIstreamToItsEnd) {
    const auto tif = rastio::test::make_gtiff(300, 300, 1); // more than one 64 KiB chunk
    std::istringstream in(text_of(tif));
    MemoryFile mf(in);
    EXPECT_EQ(mf.mode(), "r");
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
    expect_fixture(mf.open(), 300, 300, 1);
}

TEST(MemoryFileTest, FailedIstreamIsIOError) {
    std::istringstream in("II*\0");
    in.setstate(std::ios::badbit);
    EXPECT_THROW(MemoryFile{in}, IOError);
}

TEST(MemoryFileTest, EmptyBytesMakeAReadOnlyFileThatCannotOpen) {
    MemoryFile mf(std::string{});
    EXPECT_EQ(mf.mode(), "r");
    EXPECT_EQ(mf.size(), 0u);
    EXPECT_THROW(mf.open(), IOError);
}

// --- Options: dirname, filename, ext ---------------------------------------------------------

TEST(MemoryFileTest, OptionsNameTheFile) {
    MemoryFile mf(rastio::test::make_gtiff(4, 4, 1), MemoryFileOptions{.dirname = "opts-dir", .filename = "a.tif"});
    EXPECT_EQ(mf.name(), "/vsimem/opts-dir/a.tif");
    MemoryFile png(MemoryFileOptions{.ext = ".png"});
    EXPECT_TRUE(png.name().ends_with(".png"));
    MemoryFile same_dir(MemoryFileOptions{.dirname = "/vsimem/opts-dir/", .filename = "b.tif"});
    EXPECT_EQ(same_dir.name(), "/vsimem/opts-dir/b.tif");
    expect_fixture(rastio::open(mf.name()), 4, 4, 1);
}

TEST(MemoryFileTest, BadOptionsAreArgumentErrors) {
    EXPECT_THROW(MemoryFile(MemoryFileOptions{.dirname = "../escape"}), ArgumentError);
    EXPECT_THROW(MemoryFile(MemoryFileOptions{.filename = "a/b.tif"}), ArgumentError);
    EXPECT_THROW(MemoryFile(MemoryFileOptions{.filename = ".."}), ArgumentError);
    MemoryFile first(MemoryFileOptions{.dirname = "taken", .filename = "x.tif"});
    EXPECT_THROW(MemoryFile(MemoryFileOptions{.dirname = "taken", .filename = "x.tif"}), ArgumentError);
}

TEST(MemoryFileTest, VrtBytesOpenWithVrtExt) {
    MemoryFile src(rastio::test::make_gtiff(10, 6, 1));
    const std::string vrt = "<VRTDataset rasterXSize=\"10\" rasterYSize=\"6\">\n"
                            "  <VRTRasterBand dataType=\"Byte\" band=\"1\">\n"
                            "    <SimpleSource>\n"
                            "      <SourceFilename relativeToVRT=\"0\">" + src.name() + "</SourceFilename>\n"
                            "      <SourceBand>1</SourceBand>\n"
                            "    </SimpleSource>\n"
                            "  </VRTRasterBand>\n"
                            "</VRTDataset>\n";
    MemoryFile mf(vrt, MemoryFileOptions{.ext = ".vrt"});
    EXPECT_TRUE(mf.name().ends_with(".vrt"));
    auto ds = mf.open();
    EXPECT_EQ(ds.driver(), "VRT");
    const auto a = ds.read().as<std::uint8_t>();
    ASSERT_EQ(a.shape(), (rastio::Shape{1, 6, 10}));
    EXPECT_EQ(a(0, 5, 9), fixture_value(0, 5, 9));
}

TEST(MemoryFileTest, SrtmHgtZipNeedsItsExactFileName) {
    RASTIO_REQUIRE_CORPUS();
    const auto zip = rastio::test::read_file(rastio::test::corpus("N10W110.hgt.zip"));
    MemoryFile named(zip, MemoryFileOptions{.filename = "N10W110.hgt.zip"});
    auto ds = named.open();
    EXPECT_EQ(ds.driver(), "SRTMHGT");
    EXPECT_EQ(ds.width(), 1201);
    EXPECT_EQ(ds.height(), 1201);
    EXPECT_EQ(ds.dtypes().front(), rastio::DType::int16);
    EXPECT_EQ(ds.nodata(), -32768.0);
    // Under a generated name GDAL does not recognise the tile.
    MemoryFile anonymous(zip, MemoryFileOptions{.ext = ".zip"});
    EXPECT_THROW(anonymous.open(), IOError);
}

// --- write / seek / tell / read ----------------------------------------------------------------

TEST(MemoryFileTest, WriteInPiecesThenOpen) {
    const auto tif = rastio::test::make_gtiff(120, 90, 3);
    MemoryFile mf;
    std::size_t total = 0;
    for (std::size_t off = 0; off < tif.size(); off += 8192) {
        const auto piece = std::span<const std::byte>(tif).subspan(off, std::min<std::size_t>(8192, tif.size() - off));
        total += mf.write(piece);
        EXPECT_EQ(mf.tell(), off + piece.size());
    }
    EXPECT_EQ(total, tif.size());
    EXPECT_EQ(mf.size(), tif.size());
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
    expect_fixture(mf.open(), 120, 90, 3);
}

TEST(MemoryFileTest, WriteAcceptsStringsVectorsAndSpans) {
    MemoryFile mf;
    EXPECT_EQ(mf.write(std::string_view("ab")), 2u);
    EXPECT_EQ(mf.write(std::vector<std::uint8_t>{'c', 'd'}), 2u);
    EXPECT_EQ(mf.write(bytes_of("ef")), 2u);
    EXPECT_EQ(mf.write(std::span<const std::byte>{}), 0u);
    EXPECT_EQ(text_of(mf.getbuffer()), "abcdef");
}

TEST(MemoryFileTest, SeekReturnsTheNewPositionFromEachOrigin) {
    MemoryFile mf;
    mf.write(std::string_view("0123456789"));
    EXPECT_EQ(mf.seek(3), 3u);
    EXPECT_EQ(mf.tell(), 3u);
    EXPECT_EQ(mf.seek(2, Whence::cur), 5u);
    EXPECT_EQ(mf.seek(-1, Whence::cur), 4u);
    EXPECT_EQ(mf.seek(-2, Whence::end), 8u);
    EXPECT_EQ(text_of(mf.read()), "89");
    EXPECT_EQ(mf.seek(0, Whence::end), 10u);
    EXPECT_TRUE(mf.read().empty());
    EXPECT_EQ(mf.seek(25), 25u); // past the end is allowed
    EXPECT_TRUE(mf.read(4).empty());
    EXPECT_EQ(mf.tell(), 25u);
}

TEST(MemoryFileTest, NegativePositionIsArgumentErrorAndKeepsTheCursor) {
    MemoryFile mf;
    mf.write(std::string_view("0123"));
    mf.seek(2);
    EXPECT_THROW(mf.seek(-1), ArgumentError);
    EXPECT_THROW(mf.seek(-3, Whence::cur), ArgumentError);
    EXPECT_THROW(mf.seek(-5, Whence::end), ArgumentError);
    EXPECT_EQ(mf.tell(), 2u);
    EXPECT_EQ(mf.seek(-2, Whence::cur), 0u); // exactly zero is fine
}

TEST(MemoryFileTest, ReadWithAndWithoutSize) {
    MemoryFile mf;
    mf.write(std::string_view("II*\0rest-of-file", 16));
    mf.seek(0);
    EXPECT_EQ(text_of(mf.read(4)), std::string("II*\0", 4));
    EXPECT_EQ(mf.tell(), 4u);
    EXPECT_EQ(text_of(mf.read(0)), "");
    EXPECT_EQ(text_of(mf.read()), "rest-of-file");
    EXPECT_EQ(mf.tell(), 16u);
    mf.seek(-4, Whence::end);
    EXPECT_EQ(text_of(mf.read(100)), "file");
}

TEST(MemoryFileTest, WriteInTheMiddleOverwrites) {
    MemoryFile mf;
    mf.write(std::string_view("aaaaaaaa"));
    mf.seek(2);
    mf.write(std::string_view("BB"));
    EXPECT_EQ(mf.tell(), 4u);
    EXPECT_EQ(text_of(mf.getbuffer()), "aaBBaaaa");
    mf.seek(6);
    mf.write(std::string_view("CCCC"));
    EXPECT_EQ(text_of(mf.getbuffer()), "aaBBaaCCCC");
}

TEST(MemoryFileTest, SeekPastTheEndThenWriteZeroFills) {
    MemoryFile mf;
    mf.write(std::string_view("head"));
    mf.seek(100);
    mf.write(std::string_view("tail"));
    ASSERT_EQ(mf.size(), 104u);
    const auto buf = mf.getbuffer();
    EXPECT_EQ(text_of(buf.first(4)), "head");
    EXPECT_TRUE(std::ranges::all_of(buf.subspan(4, 96), [](std::byte b) { return b == std::byte{0}; }));
    EXPECT_EQ(text_of(buf.last(4)), "tail");
}

TEST(MemoryFileTest, ShrinkingWriterLeavesNoStaleBytesInALaterGap) {
    // GDAL keeps the allocation when a file shrinks: a gap written later must still read as zeros.
    MemoryFile mf;
    std::vector<std::byte> ones(4096, std::byte{0xff});
    mf.write(ones);
    {
        VSILFILE* fp = VSIFOpenL(mf.name().c_str(), "r+b");
        ASSERT_NE(fp, nullptr);
        ASSERT_EQ(VSIFTruncateL(fp, 10), 0);
        VSIFCloseL(fp);
    }
    mf.seek(3000);
    mf.write(std::string_view("x"));
    const auto buf = mf.getbuffer();
    ASSERT_EQ(buf.size(), 3001u);
    EXPECT_TRUE(std::ranges::all_of(buf.subspan(10, 2990), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(MemoryFileTest, Boto3DownloadPatternTailFirstThenHead) {
    const auto tif = rastio::test::make_gtiff(800, 800, 1); // about 640 kB, uncompressed
    ASSERT_GT(tif.size(), 600000u);
    const auto all = std::span<const std::byte>(tif);
    MemoryFile mf;
    EXPECT_EQ(mf.seek(600000), 600000u);
    mf.write(all.subspan(600000));
    EXPECT_EQ(mf.seek(0), 0u);
    mf.write(all.first(600000));
    EXPECT_EQ(mf.size(), tif.size());
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
    expect_fixture(mf.open(), 800, 800, 1);
}

TEST(MemoryFileTest, ManySmallWritesGrowPastSeveralMegabytes) {
    // Crosses the sizes where write() grows its capacity geometrically (and asks for huge pages).
    MemoryFile mf;
    std::vector<std::byte> chunk(8192);
    const std::size_t chunks = 1000; // 8 MB
    for (std::size_t i = 0; i < chunks; ++i) {
        for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] = static_cast<std::byte>((i * 7 + j) % 253);
        ASSERT_EQ(mf.write(chunk), chunk.size());
    }
    const auto buf = mf.getbuffer();
    ASSERT_EQ(buf.size(), chunks * chunk.size());
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < chunks; ++i) {
        for (std::size_t j = 0; j < chunk.size(); j += 61) {
            wrong += buf[i * chunk.size() + j] != static_cast<std::byte>((i * 7 + j) % 253);
        }
    }
    EXPECT_EQ(wrong, 0u);
}

TEST(MemoryFileTest, AReaderKeepsWorkingWhileWritesGrowTheFile) {
    const auto tif = rastio::test::make_gtiff(64, 64, 1);
    MemoryFile mf;
    mf.write(tif);
    auto ds = mf.open();
    std::vector<std::byte> junk(1 << 20, std::byte{0x5a});
    for (int i = 0; i < 5; ++i) mf.write(junk); // 5 MB appended after the GeoTIFF
    expect_fixture(ds, 64, 64, 1);
    expect_fixture(mf.open(), 64, 64, 1);
    EXPECT_EQ(mf.size(), tif.size() + 5 * junk.size());
}

TEST(MemoryFileTest, WriteAfterDatasetGrewTheFileByPathKeepsItsBytes) {
    MemoryFile mf;
    mf.write(std::string_view("0123456789"));
    {
        // Something else extends the file through GDAL while write()'s handle is cached.
        VSILFILE* fp = VSIFOpenL(mf.name().c_str(), "r+b");
        ASSERT_NE(fp, nullptr);
        VSIFSeekL(fp, 0, SEEK_END);
        VSIFWriteL("abc", 1, 3, fp);
        VSIFCloseL(fp);
    }
    mf.seek(0, Whence::end);
    mf.write(std::string_view("!"));
    EXPECT_EQ(text_of(mf.getbuffer()), "0123456789abc!");
}

// --- Read-only MemoryFiles: the caller's bytes are never modified ---------------------------

TEST(MemoryFileTest, WriteOnBytesIsModeErrorWithAClearMessage) {
    const auto tif = rastio::test::make_gtiff(8, 8, 1);
    MemoryFile mf(tif);
    try {
        mf.write(std::string_view("more"));
        FAIL() << "write() on a MemoryFile made from bytes did not throw";
    } catch (const ModeError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("cannot extend MemoryFile"), std::string::npos) << what;
        EXPECT_NE(what.find(mf.name()), std::string::npos) << what;
        EXPECT_NE(what.find("create an empty MemoryFile"), std::string::npos) << what;
    }
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), tif));
}

TEST(MemoryFileTest, BorrowedBytesAreNeverModified) {
    auto tif = rastio::test::make_gtiff(32, 32, 1);
    const auto original = tif;
    {
        MemoryFile mf = MemoryFile::borrow(tif);
        EXPECT_THROW(mf.write(std::string_view("XXXX")), ModeError);
        mf.seek(0);
        EXPECT_THROW(mf.write(std::string_view("XXXX")), ModeError);
        EXPECT_THROW(rastio::open(mf.name(), "r+"), ModeError);
        EXPECT_THROW(mf.open(gtiff_profile(4, 4, 1)), ModeError);
        EXPECT_THROW(rastio::open(mf.name(), "w", gtiff_profile(4, 4, 1)), ModeError);
        auto ds = mf.open();
        EXPECT_THROW(ds.write(ramp(1, 32, 32)), ModeError);
        EXPECT_THROW(ds.set_nodata(7.0), ModeError);
    }
    EXPECT_EQ(tif, original);
}

TEST(MemoryFileTest, OpeningBytesForUpdateByPathIsRefusedWithAClearMessage) {
    auto tif = rastio::test::make_gtiff(8, 8, 1);
    const auto original = tif;
    MemoryFile mf(std::move(tif));
    try {
        (void)rastio::open(mf.name(), "r+");
        FAIL() << "r+ on bytes was not refused";
    } catch (const ModeError& e) {
        EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::ranges::equal(mf.getbuffer(), original));
}

// --- open(): readers ---------------------------------------------------------------------------

TEST(MemoryFileTest, OpenOnEmptyIsIOErrorSayingWhatToDo) {
    MemoryFile mf;
    try {
        (void)mf.open();
        FAIL() << "open() on an empty MemoryFile did not throw";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
    }
}

TEST(MemoryFileTest, OpenOnBytesThatAreNoRasterIsIOError) {
    MemoryFile mf(std::string(1000, 'x'));
    EXPECT_THROW(mf.open(), IOError);
}

TEST(MemoryFileTest, OpenPassesOpenOptionsSuchAsOverviewLevel) {
    // A GeoTIFF with internal overviews, made with GDAL's C API.
    const std::string path = "/vsimem/ovr-fixture.tif";
    {
        auto tif = rastio::test::make_gtiff(64, 32, 1);
        VSILFILE* fp = VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(tif.data()), tif.size(), FALSE); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GDAL's API
        VSIFCloseL(fp);
        auto copy = rastio::test::take_vsimem(path); // GDAL must own bytes it may grow
        auto* owned = static_cast<GByte*>(VSIMalloc(copy.size()));
        std::memcpy(owned, copy.data(), copy.size());
        VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), owned, copy.size(), TRUE));
        GDALDatasetH h = GDALOpen(path.c_str(), GA_Update);
        ASSERT_NE(h, nullptr);
        int levels[] = {2, 4};
        ASSERT_EQ(GDALBuildOverviews(h, "AVERAGE", 2, levels, 0, nullptr, nullptr, nullptr), CE_None);
        GDALClose(h);
    }
    MemoryFile mf(rastio::test::take_vsimem(path));
    EXPECT_EQ(mf.open().width(), 64);
    auto level0 = mf.open({{"OVERVIEW_LEVEL", "0"}});
    EXPECT_EQ(level0.width(), 32);
    EXPECT_EQ(level0.height(), 16);
    EXPECT_EQ(mf.open({{"OVERVIEW_LEVEL", "1"}}).width(), 16);
}

TEST(MemoryFileTest, OpenByNameOrByMemoryFileIsTheSameFile) {
    MemoryFile mf(rastio::test::make_gtiff(12, 12, 1));
    expect_fixture(rastio::open(mf), 12, 12, 1);
    auto by_name = rastio::open(mf.name());
    expect_fixture(by_name, 12, 12, 1);
    mf.close();
    EXPECT_TRUE(by_name.closed()); // tracked although it was opened by path
}

// --- open(profile): writers --------------------------------------------------------------------

TEST(MemoryFileTest, ProfileWithAMissingFieldIsArgumentError) {
    MemoryFile mf;
    auto p = gtiff_profile(4, 4, 1);
    auto without = [&](auto clear) {
        auto q = p;
        clear(q);
        return q;
    };
    EXPECT_THROW(mf.open(without([](auto& q) { q.driver.clear(); })), ArgumentError);
    EXPECT_THROW(mf.open(without([](auto& q) { q.width.reset(); })), ArgumentError);
    EXPECT_THROW(mf.open(without([](auto& q) { q.height.reset(); })), ArgumentError);
    EXPECT_THROW(mf.open(without([](auto& q) { q.count.reset(); })), ArgumentError);
    EXPECT_THROW(mf.open(without([](auto& q) { q.dtype.reset(); })), ArgumentError);
    EXPECT_FALSE(mf.exists()); // nothing was created
    EXPECT_NO_THROW(mf.open(p).close());
}

TEST(MemoryFileTest, UnknownDriverIsDriverError) {
    MemoryFile mf;
    auto p = gtiff_profile(4, 4, 1);
    p.driver = "NoSuchDriver";
    EXPECT_THROW(mf.open(p), DriverError);
    EXPECT_FALSE(mf.exists());
}

TEST(MemoryFileTest, GTiffWriterReadsBackBeforeClosingThenReopens) {
    const auto a = ramp(3, 256, 512);
    MemoryFile out;
    {
        auto p = gtiff_profile(512, 256, 3);
        p.options = {{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}};
        auto dst = out.open(p);
        EXPECT_EQ(dst.mode(), "w+");
        dst.write(a);
        EXPECT_EQ(dst.read().as<std::uint8_t>(), a); // w+: what was written reads back before closing
    }
    auto ds = out.open();
    EXPECT_EQ(ds.mode(), "r");
    EXPECT_EQ(ds.read().as<std::uint8_t>(), a);
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_EQ(ds.profile().options.at("COMPRESS"), "DEFLATE");
    out.seek(0);
    EXPECT_EQ(text_of(out.read(4)), std::string("II*\0", 4));
    EXPECT_EQ(out.tell(), 4u);
    EXPECT_EQ(out.getbuffer().size(), out.size());
}

TEST(MemoryFileTest, WhileAWriterIsOpenBytesAreRefusedNamingIt) {
    MemoryFile out;
    auto dst = out.open(gtiff_profile(16, 16, 1));
    dst.write(ramp(1, 16, 16));
    auto expect_names_writer = [&](auto&& call) {
        try {
            call();
            ADD_FAILURE() << "no ModeError while the writer is open";
        } catch (const ModeError& e) {
            EXPECT_NE(std::string(e.what()).find(dst.name()), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("close the dataset"), std::string::npos) << e.what();
        }
    };
    expect_names_writer([&] { (void)out.read(); });
    expect_names_writer([&] { (void)out.getbuffer(); });
    expect_names_writer([&] { (void)out.size(); });
    expect_names_writer([&] { (void)out.open(); });
    expect_names_writer([&] { (void)out.write(std::string_view("x")); });
    expect_names_writer([&] { (void)out.open(gtiff_profile(4, 4, 1)); });
    dst.close();
    EXPECT_GT(out.size(), 16u * 16u);
    EXPECT_EQ(out.open().read().as<std::uint8_t>(), ramp(1, 16, 16));
}

TEST(MemoryFileTest, WriterOnANonEmptyFileIsModeError) {
    MemoryFile mf;
    mf.write(std::string_view("not empty"));
    EXPECT_THROW(mf.open(gtiff_profile(4, 4, 1)), ModeError);
    EXPECT_EQ(text_of(mf.getbuffer()), "not empty");
}

struct CopyDriverCase {
    std::string driver;
    std::string ext;
    rastio::Options options;
    bool lossless;
};

class CreateCopyDriverTest : public ::testing::TestWithParam<CopyDriverCase> {};

TEST_P(CreateCopyDriverTest, WritesThroughTheSameCall) {
    const auto& c = GetParam();
    if (GDALGetDriverByName(c.driver.c_str()) == nullptr) GTEST_SKIP() << "skipped: GDAL lacks the " << c.driver << " driver";
    const auto a = ramp(3, 64, 96);
    MemoryFile out(MemoryFileOptions{.ext = c.ext});
    {
        auto p = gtiff_profile(96, 64, 3);
        p.driver = c.driver;
        p.options = c.options;
        auto dst = out.open(p);
        dst.write(a);
        EXPECT_EQ(dst.read().as<std::uint8_t>(), a); // buffered until close, readable before
    }
    ASSERT_GT(out.size(), 0u);
    auto ds = out.open();
    EXPECT_EQ(ds.driver(), c.driver == "COG" ? "GTiff" : c.driver);
    EXPECT_EQ(ds.width(), 96);
    EXPECT_EQ(ds.height(), 64);
    EXPECT_EQ(ds.count(), 3);
    const auto back = ds.read().as<std::uint8_t>();
    if (c.lossless) {
        EXPECT_EQ(back, a);
    } else {
        double diff = 0;
        for (std::size_t i = 0; i < a.size(); ++i) diff += std::abs(int(a.data()[i]) - int(back.data()[i]));
        EXPECT_LT(diff / static_cast<double>(a.size()), 60.0);
    }
}

INSTANTIATE_TEST_SUITE_P(MemoryFileTest, CreateCopyDriverTest,
                         ::testing::Values(CopyDriverCase{"PNG", ".png", {}, true},
                                           CopyDriverCase{"JPEG", ".jpg", {{"QUALITY", "95"}}, false},
                                           CopyDriverCase{"COG", ".tif", {{"COMPRESS", "DEFLATE"}}, true},
                                           CopyDriverCase{"WEBP", ".webp", {{"LOSSLESS", "TRUE"}}, true}),
                         [](const auto& param_info) { return param_info.param.driver; });

// --- Lifetimes ---------------------------------------------------------------------------------

TEST(MemoryFileTest, CloseClosesEveryDatasetOpenedFromIt) {
    MemoryFile mf(rastio::test::make_gtiff(8, 8, 1));
    auto a = mf.open();
    auto b = mf.open();
    auto c = rastio::open(mf.name());
    mf.close();
    EXPECT_TRUE(mf.closed());
    for (auto* ds : {&a, &b, &c}) {
        EXPECT_TRUE(ds->closed());
        EXPECT_THROW((void)ds->read(), ClosedError);
        EXPECT_THROW((void)ds->width(), ClosedError);
    }
    EXPECT_NO_THROW(mf.close()); // idempotent
}

TEST(MemoryFileTest, CloseCompletesAnOpenWriterSoNothingDangles) {
    rastio::Dataset dst;
    {
        MemoryFile out;
        dst = out.open(gtiff_profile(8, 8, 1));
        dst.write(ramp(1, 8, 8));
    } // the destructor closes the writer, then frees the bytes
    EXPECT_TRUE(dst.closed());
    EXPECT_THROW(dst.write(ramp(1, 8, 8)), ClosedError);
}

TEST(MemoryFileTest, DestructorClosesDatasetsThatOutliveIt) {
    rastio::Dataset ds;
    {
        MemoryFile mf(rastio::test::make_gtiff(8, 8, 1));
        ds = mf.open();
        EXPECT_FALSE(ds.closed());
    }
    EXPECT_TRUE(ds.closed());
    EXPECT_THROW((void)ds.read(), ClosedError);
}

TEST(MemoryFileTest, EveryOperationOnAClosedMemoryFileIsClosedError) {
    MemoryFile mf;
    mf.write(rastio::test::make_gtiff(8, 8, 1));
    const std::string name = mf.name();
    mf.close();
    EXPECT_TRUE(mf.closed());
    EXPECT_EQ(mf.name(), name); // still says which file it was
    EXPECT_THROW((void)mf.size(), ClosedError);
    EXPECT_THROW((void)mf.exists(), ClosedError);
    EXPECT_THROW((void)mf.open(), ClosedError);
    EXPECT_THROW((void)mf.open(gtiff_profile(4, 4, 1)), ClosedError);
    EXPECT_THROW((void)mf.write(std::string_view("x")), ClosedError);
    EXPECT_THROW((void)mf.read(), ClosedError);
    EXPECT_THROW((void)mf.seek(0), ClosedError);
    EXPECT_THROW((void)mf.tell(), ClosedError);
    EXPECT_THROW((void)mf.getbuffer(), ClosedError);
    EXPECT_THROW((void)mf.getbuffer(name.substr(name.rfind('/') + 1)), ClosedError);
    EXPECT_THROW((void)mf.files(), ClosedError);
    EXPECT_THROW((void)rastio::open(mf), ClosedError);
    EXPECT_THROW((void)rastio::open(name), IOError); // the file is gone
}

TEST(MemoryFileTest, MovedFromIsClosedAndTheTargetWorks) {
    MemoryFile a(rastio::test::make_gtiff(8, 8, 1));
    const std::string name = a.name();
    auto ds = a.open();
    MemoryFile b(std::move(a));
    EXPECT_TRUE(a.closed()); // NOLINT(bugprone-use-after-move): the moved-from state is under test
    EXPECT_THROW((void)a.name(), ClosedError); // NOLINT(bugprone-use-after-move)
    EXPECT_THROW((void)a.open(), ClosedError); // NOLINT(bugprone-use-after-move)
    EXPECT_THROW((void)a.write(std::string_view("x")), ClosedError); // NOLINT(bugprone-use-after-move)
    EXPECT_NO_THROW(a.close()); // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.name(), name);
    EXPECT_FALSE(ds.closed());
    expect_fixture(b.open(), 8, 8, 1);

    MemoryFile c(rastio::test::make_gtiff(4, 4, 1));
    auto old = c.open();
    c = std::move(b); // the old file of c is closed, with its datasets
    EXPECT_TRUE(old.closed());
    EXPECT_EQ(c.name(), name);
    EXPECT_FALSE(ds.closed());
    c.close();
    EXPECT_TRUE(ds.closed());
}

// --- Sidecars ----------------------------------------------------------------------------------

TEST(MemoryFileTest, PngGeoreferencingGoesToAnAuxXmlSidecar) {
    MemoryFile out(MemoryFileOptions{.ext = ".png"});
    {
        auto p = gtiff_profile(16, 8, 1);
        p.driver = "PNG";
        auto dst = out.open(p);
        dst.write(ramp(1, 8, 16));
    }
    const std::string main = out.name().substr(out.name().rfind('/') + 1);
    const auto files = out.files();
    EXPECT_EQ(files, (std::vector<std::string>{main, main + ".aux.xml"}));
    EXPECT_TRUE(text_of(out.getbuffer(main + ".aux.xml")).starts_with("<PAMDataset"));
    EXPECT_EQ(out.getbuffer(main).data(), out.getbuffer().data());
    auto ds = out.open();
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_EQ(ds.transform(), rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30));
}

TEST(MemoryFileTest, AsciiGridProjectionGoesToAPrjSidecar) {
    MemoryFile out(MemoryFileOptions{.filename = "grid.asc"});
    {
        auto p = gtiff_profile(5, 4, 1, rastio::DType::int16);
        p.driver = "AAIGrid";
        auto dst = out.open(p);
        rastio::Array<std::int16_t> a({1, 4, 5});
        std::iota(a.data(), a.data() + a.size(), std::int16_t{-3});
        dst.write(a);
    }
    const auto files = out.files();
    EXPECT_NE(std::ranges::find(files, "grid.prj"), files.end()) << ::testing::PrintToString(files);
    auto ds = out.open();
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_EQ(ds.read_as<std::int16_t>()(0, 3, 4), 16);
}

TEST(MemoryFileTest, ExternalMaskAndOverviewsStayInTheMemoryFilesDirectory) {
    MemoryFile out(MemoryFileOptions{.filename = "masked.tif"});
    {
        rastio::Env env(std::map<std::string, std::string>{{"GDAL_TIFF_INTERNAL_MASK", "NO"}});
        auto dst = out.open(gtiff_profile(32, 32, 1));
        dst.write(ramp(1, 32, 32));
        auto* h = static_cast<GDALDatasetH>(dst.gdal_handle());
        ASSERT_EQ(GDALCreateDatasetMaskBand(h, GMF_PER_DATASET), CE_None);
        GDALRasterBandH mask = GDALGetMaskBand(GDALGetRasterBand(h, 1));
        std::vector<GByte> m(32 * 32, 255);
        std::fill(m.begin(), m.begin() + 32, GByte{0}); // first row masked out
        ASSERT_EQ(GDALRasterIO(mask, GF_Write, 0, 0, 32, 32, m.data(), 32, 32, GDT_Byte, 0, 0), CE_None);
    }
    {
        auto ds = out.open();
        int levels[] = {2};
        auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
        ASSERT_EQ(GDALBuildOverviews(h, "NEAREST", 1, levels, 0, nullptr, nullptr, nullptr), CE_None);
    }
    EXPECT_EQ(out.files(), (std::vector<std::string>{"masked.tif", "masked.tif.msk", "masked.tif.msk.ovr", "masked.tif.ovr"}));
    EXPECT_TRUE(text_of(out.getbuffer("masked.tif.ovr").first(2)) == "II");
    EXPECT_TRUE(text_of(out.getbuffer("masked.tif.msk").first(2)) == "II");
    auto ds = out.open();
    auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
    EXPECT_EQ(GDALGetMaskFlags(GDALGetRasterBand(h, 1)), GMF_PER_DATASET);
    EXPECT_EQ(GDALGetOverviewCount(GDALGetRasterBand(h, 1)), 1);
}

TEST(MemoryFileTest, GetbufferOfAFileItDoesNotHoldIsIOError) {
    MemoryFile mf(rastio::test::make_gtiff(4, 4, 1), MemoryFileOptions{.filename = "x.tif"});
    EXPECT_THROW((void)mf.getbuffer("x.tif.msk"), IOError);
    EXPECT_THROW((void)mf.getbuffer("y.tif"), IOError);
    EXPECT_THROW((void)mf.getbuffer("../x.tif"), IOError);
    EXPECT_EQ(mf.getbuffer("x.tif").size(), mf.size());
}

TEST(MemoryFileTest, DatasetAndMaskInTwoMemoryFilesSharingADirnameOpenTogether) {
    RASTIO_REQUIRE_CORPUS();
    const auto tif = rastio::test::read_file(rastio::test::corpus("RGB2.byte.tif"));
    const auto msk = rastio::test::read_file(rastio::test::corpus("RGB2.byte.tif.msk"));
    MemoryFile image(tif, MemoryFileOptions{.dirname = "shared-rgb2", .filename = "RGB2.byte.tif"});
    MemoryFile mask(msk, MemoryFileOptions{.dirname = "shared-rgb2", .filename = "RGB2.byte.tif.msk"});
    EXPECT_EQ(image.files(), (std::vector<std::string>{"RGB2.byte.tif", "RGB2.byte.tif.msk"}));
    EXPECT_EQ(mask.files(), (std::vector<std::string>{"RGB2.byte.tif.msk"}));
    {
        auto ds = image.open();
        auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
        GDALRasterBandH band = GDALGetRasterBand(h, 1);
        ASSERT_EQ(GDALGetMaskFlags(band), GMF_PER_DATASET);
        const int w = ds.width(), ht = ds.height();
        std::vector<GByte> m(static_cast<std::size_t>(w) * static_cast<std::size_t>(ht));
        ASSERT_EQ(GDALRasterIO(GDALGetMaskBand(band), GF_Read, 0, 0, w, ht, m.data(), w, ht, GDT_Byte, 0, 0), CE_None);
        const auto masked = std::ranges::count(m, GByte{0});
        EXPECT_GT(masked, 0);
        EXPECT_LT(masked, static_cast<std::ptrdiff_t>(m.size()));
        EXPECT_EQ(m.front(), 0); // the corner of RGB.byte is outside the image
        EXPECT_EQ(m[m.size() / 2 + static_cast<std::size_t>(w) / 2], 255);
    }
    // Closing the image never deletes the mask the other MemoryFile holds, and the reverse.
    image.close();
    EXPECT_TRUE(std::ranges::equal(mask.getbuffer(), msk));
    MemoryFile image2(tif, MemoryFileOptions{.dirname = "shared-rgb2", .filename = "RGB2.byte.tif"});
    mask.close();
    EXPECT_TRUE(std::ranges::equal(image2.getbuffer(), tif));
    EXPECT_EQ(image2.files(), (std::vector<std::string>{"RGB2.byte.tif"}));
}

TEST(MemoryFileTest, ClosingOneOfTwoInASharedDirnameKeepsTheOther) {
    MemoryFile a(rastio::test::make_gtiff(4, 4, 1), MemoryFileOptions{.dirname = "shared-two", .filename = "a.tif"});
    MemoryFile b(rastio::test::make_gtiff(6, 6, 1), MemoryFileOptions{.dirname = "shared-two", .filename = "b.tif"});
    EXPECT_EQ(a.files(), (std::vector<std::string>{"a.tif"}));
    auto ds = b.open();
    a.close();
    EXPECT_FALSE(ds.closed());
    expect_fixture(ds, 6, 6, 1);
    expect_fixture(b.open(), 6, 6, 1);
}

TEST(MemoryFileTest, SharedDirnameWithAnUnrelatedGdalFileLeavesItAlone) {
    // A file someone else put in the directory is not ours to delete.
    const std::string other = "/vsimem/shared-foreign/other.bin";
    VSIFCloseL(VSIFileFromMemBuffer(other.c_str(), static_cast<GByte*>(VSIMalloc(3)), 3, TRUE));
    {
        MemoryFile a(rastio::test::make_gtiff(4, 4, 1), MemoryFileOptions{.dirname = "shared-foreign", .filename = "a.tif"});
        (void)a.open();
    }
    VSIStatBufL st;
    EXPECT_EQ(VSIStatL(other.c_str(), &st), 0);
    VSIUnlink(other.c_str());
    VSIRmdir("/vsimem/shared-foreign");
}

} // namespace
