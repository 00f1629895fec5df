// Bad input gives the right rastio exception with a message that says what, where and what to do;
// GDAL never prints to stderr on rastio's behalf.

#include <cstdio>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <gdal.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using namespace rastio;
using rastio::test::TempDir;

namespace {

/// Runs f, expecting exception E whose message contains every one of `parts`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "no exception thrown";
    } catch (const E& e) {
        const std::string what = e.what();
        for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "\"" << p << "\" not in: " << what;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "another exception: " << e.what();
    }
}

/// Everything written to file descriptor 2 while f runs.
template <class F>
std::string capture_stderr(F&& f) {
    TempDir dir;
    const std::string path = dir.file("stderr.txt");
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
    try {
        f();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string make_rgb(const TempDir& dir) {
    const std::string path = dir.file("rgb.tif");
    auto ds = open(path, "w", Profile{.driver = "GTiff", .width = 10, .height = 8, .count = 3, .dtype = DType::uint8});
    ds.close();
    return path;
}

} // namespace

TEST(ErrorsTest, EveryExceptionIsARastioErrorAndARuntimeError) {
    EXPECT_THROW(throw IOError("x"), Error);
    EXPECT_THROW(throw DriverError("x"), Error);
    EXPECT_THROW(throw ArgumentError("x"), Error);
    EXPECT_THROW(throw ModeError("x"), Error);
    EXPECT_THROW(throw ClosedError("x"), Error);
    EXPECT_THROW(throw ClosedError("x"), std::runtime_error);
    const IOError e("cannot read", "/a/b.tif", 3, "gdal says");
    EXPECT_STREQ(e.what(), "cannot read");
    EXPECT_EQ(e.path(), "/a/b.tif");
    EXPECT_EQ(e.gdal_errno(), 3);
    EXPECT_EQ(e.gdal_message(), "gdal says");
}

TEST(ErrorsTest, MissingFileGivesIOErrorNamingThePath) {
    TempDir dir;
    const std::string path = dir.file("missing.tif");
    try {
        (void)open(path);
        FAIL() << "expected IOError";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
        EXPECT_EQ(e.path(), path);
        EXPECT_NE(e.gdal_errno(), 0);
    }
}

TEST(ErrorsTest, TextFileGivesIOErrorWithGdalsMessage) {
    TempDir dir;
    const std::string path = dir.file("notes.txt");
    std::ofstream(path) << "this is not a raster\n";
    try {
        (void)open(path);
        FAIL() << "expected IOError";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find("not recognized as a supported file format"), std::string::npos) << e.what();
        EXPECT_EQ(e.path(), path);
        EXPECT_FALSE(e.gdal_message().empty());
        EXPECT_NE(e.gdal_errno(), 0);
    }
}

TEST(ErrorsTest, ZeroByteFileGivesIOError) {
    TempDir dir;
    const std::string path = dir.file("empty.tif");
    std::ofstream{path};
    expect_error<IOError>([&] { (void)open(path); }, {"cannot open", path});
}

TEST(ErrorsTest, DirectoryGivesIOError) {
    TempDir dir;
    expect_error<IOError>([&] { (void)open(dir.path().string()); }, {dir.path().string()});
}

TEST(ErrorsTest, BandZeroOrFourOfThreeGivesArgumentError) {
    TempDir dir;
    auto ds = open(make_rgb(dir));
    expect_error<ArgumentError>([&] { (void)ds.read(Bands{0}); }, {"band 0", "3 bands", "start at 1"});
    expect_error<ArgumentError>([&] { (void)ds.read(Bands{1, 4}); }, {"band 4", "3 bands"});
    expect_error<ArgumentError>([&] { (void)ds.read(Bands{-1}); }, {"band -1"});
    expect_error<ArgumentError>([&] { (void)ds.read(Bands{}); }, {"no bands"});
    expect_error<ArgumentError>([&] { (void)ds.tags(4); }, {"band 4"});
    expect_error<ArgumentError>([&] { (void)ds.read_as<float>({4}); }, {"band 4"});
}

// Reads crop windows to the raster (as rasterio); a negative size, or a write outside, is an error.
TEST(ErrorsTest, NegativeWindowOrWriteOutsideGivesArgumentError) {
    TempDir dir;
    auto ds = open(make_rgb(dir));
    for (const Window& w : {Window{0, 0, -3, 5}, Window{0, 0, 5, -1}, Window{-5, -5, -1, -1}}) {
        SCOPED_TRACE(w.to_string());
        expect_error<ArgumentError>([&] { (void)ds.read(w); }, {"negative size", w.to_string()});
        expect_error<ArgumentError>([&] { (void)ds.read_masks(ReadOptions{.window = w}); }, {"negative size"});
        expect_error<ArgumentError>([&] { (void)ds.read(ReadOptions{.window = w, .boundless = true}); }, {"negative size"});
    }
    expect_error<ArgumentError>([&] { (void)ds.read(ReadOptions{.out_shape = std::pair{-1, 3}}); }, {"negative"});
    expect_error<ArgumentError>([&] { (void)ds.read(ReadOptions{.window = Window{10, 0, 5, 5}, .out_shape = std::pair{2, 2}}); },
                                {"holds no pixel", "10x8", "out_shape (2, 2)"});
    auto rw = open(ds.name(), "r+");
    expect_error<ArgumentError>([&] { rw.write(Array<std::uint8_t>({1, 1, 1}), {1}, Window{10, 0, 1, 1}); },
                                {"not inside"});
}

TEST(ErrorsTest, ArrayOfWrongShapeOrDTypeGivesArgumentError) {
    TempDir dir;
    auto ds = open(make_rgb(dir), "r+");
    expect_error<ArgumentError>([&] { ds.write(Array<std::uint8_t>({3, 8, 9})); }, {"(3, 8, 9)", "(3, 8, 10)"});
    expect_error<ArgumentError>([&] { ds.write(Array<std::uint8_t>({2, 8, 10})); }, {"(2, 8, 10)"});
    expect_error<ArgumentError>([&] { ds.write(Array<std::uint8_t>({1, 8, 10}), {1, 2}); }, {"does not match"});
    const AnyArray a = ds.read();
    expect_error<ArgumentError>([&] { (void)a.as<float>(); }, {"uint8", "float32"});
    std::vector<std::byte> buf(10);
    expect_error<ArgumentError>([&] { ds.read_into({1}, Window{0, 0, 10, 1}, DType::uint16, buf); },
                                {"does not fit"});
    expect_error<ArgumentError>(
        [&] { ds.write_bytes({1}, Window{0, 0, 10, 1}, DType::uint16, std::span<const std::byte>(buf)); },
        {"uint16"});
}

TEST(ErrorsTest, ProfileWithoutARequiredFieldGivesArgumentError) {
    TempDir dir;
    const std::string path = dir.file("p.tif");
    const Profile full{.driver = "GTiff", .width = 4, .height = 4, .count = 1, .dtype = DType::uint8};
    Profile p = full;
    p.width.reset();
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"width"});
    p = full;
    p.height.reset();
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"height"});
    p = full;
    p.count.reset();
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"count"});
    p = full;
    p.dtype.reset();
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"dtype"});
    p = full;
    p.driver.clear();
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"driver"});
    p = full;
    p.width = 0;
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"not positive"});
    p = full;
    p.count = -1;
    expect_error<ArgumentError>([&] { (void)open(path, "w", p); }, {"not positive"});
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ErrorsTest, UnknownDriverGivesDriverErrorSayingHowToListDrivers) {
    TempDir dir;
    expect_error<DriverError>(
        [&] {
            (void)open(dir.file("x.foo"), "w",
                       Profile{.driver = "NoSuchDriver", .width = 1, .height = 1, .count = 1, .dtype = DType::uint8});
        },
        {"NoSuchDriver", "rastio env --formats"});
    // A driver that can only read.
    expect_error<DriverError>(
        [&] {
            (void)open(dir.file("x.h5"), "w",
                       Profile{.driver = "HDF5", .width = 1, .height = 1, .count = 1, .dtype = DType::uint8});
        },
        {"HDF5", "not write"});
}

TEST(ErrorsTest, BadModeGivesArgumentError) {
    TempDir dir;
    const std::string path = make_rgb(dir);
    expect_error<ArgumentError>([&] { (void)open(path, "x"); }, {"\"x\""});
    expect_error<ArgumentError>([&] { (void)open(path, "w"); }, {"profile"});
    expect_error<ArgumentError>(
        [&] { (void)open(path, "r", Profile{.driver = "GTiff", .width = 1, .height = 1, .count = 1, .dtype = DType::uint8}); },
        {"\"w\""});
}

TEST(ErrorsTest, CreatingInAMissingFolderGivesIOError) {
    TempDir dir;
    const std::string path = dir.file("no/such/folder/x.tif");
    expect_error<IOError>(
        [&] { (void)open(path, "w", Profile{.driver = "GTiff", .width = 1, .height = 1, .count = 1, .dtype = DType::uint8}); },
        {"cannot create", path});
}

TEST(ErrorsTest, InvalidCrsGivesArgumentError) {
    expect_error<ArgumentError>([] { (void)CRS::from_string("EPSG:999999"); }, {"EPSG:999999"});
    expect_error<ArgumentError>([] { (void)CRS::from_string("not a crs"); }, {"invalid CRS"});
    expect_error<ArgumentError>([] { (void)CRS::from_epsg(-5); }, {"-5"});
    expect_error<ArgumentError>([] { (void)parse_dtype("uint7"); }, {"uint7", "uint8"});
}

TEST(ErrorsTest, GdalPrintsNothingToStderrOnFailures) {
    TempDir dir;
    const std::string rgb = make_rgb(dir);
    const std::string text = dir.file("t.txt");
    std::ofstream(text) << "text\n";
    const std::string out = capture_stderr([&] {
        EXPECT_THROW((void)open(dir.file("missing.tif")), IOError);
        EXPECT_THROW((void)open(text), IOError);
        EXPECT_THROW((void)open(dir.file("no/dir/x.tif"), "w",
                                Profile{.driver = "GTiff", .width = 1, .height = 1, .count = 1, .dtype = DType::uint8}),
                     IOError);
        EXPECT_THROW((void)CRS::from_string("EPSG:999999"), ArgumentError);
        EXPECT_THROW((void)CRS::from_string("+proj=nonsense"), ArgumentError);
        auto ds = open(rgb);
        (void)ds.transform();
        (void)ds.crs();
        auto jpeg = open(dir.file("five.jpg"), "w",
                         Profile{.driver = "JPEG", .width = 8, .height = 8, .count = 5, .dtype = DType::uint8});
        EXPECT_THROW(jpeg.close(), IOError);
        if (!rastio::test::corpus_dir().empty()) {
            auto corrupt = open(rastio::test::corpus("corrupt.tif"));
            EXPECT_THROW((void)corrupt.read(), IOError);
        }
    });
    EXPECT_EQ(out, "");
    // The capture itself works: GDAL's default handler, outside rastio, does print.
    const std::string control = capture_stderr([&] {
        GDALDatasetH h = GDALOpen(text.c_str(), GA_ReadOnly);
        EXPECT_EQ(h, nullptr);
    });
    EXPECT_NE(control.find("not recognized"), std::string::npos) << control;
}
