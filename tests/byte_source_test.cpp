// rastio::ByteSource: rasters opened through the caller's own reader, with every driver.

#include <atomic>
#include <cstring>
#include <stdexcept>

#include <gtest/gtest.h>

#include <cpl_vsi.h>
#include <gdal.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

namespace {

using rastio::test::corpus;

/// The caller's reader of the tests: bytes in memory, counting calls, failing on demand.
class CountingSource : public rastio::ByteSource {
public:
    explicit CountingSource(std::vector<std::byte> bytes, std::string name = "mem://counting.tif")
        : m_bytes(std::move(bytes)), m_name(std::move(name)) {}
    std::uint64_t size() override {
        if (fail_size) throw std::runtime_error("size lookup refused");
        return m_bytes.size() + extra_size;
    }
    void read_at(std::uint64_t offset, std::span<std::byte> out) override {
        const auto n = ++reads;
        if (fail_after >= 0 && n > fail_after) throw std::runtime_error("connection reset by peer");
        if (offset + out.size() > m_bytes.size()) throw std::out_of_range("read past the bytes held");
        std::memcpy(out.data(), m_bytes.data() + offset, out.size());
        bytes_read += out.size();
    }
    void read_ranges(std::span<const rastio::ReadRange> ranges) override {
        ++batches;
        ByteSource::read_ranges(ranges);
    }
    std::string name() const override { return m_name; }

    std::atomic<long> reads{0};
    std::atomic<long> batches{0};
    std::atomic<std::uint64_t> bytes_read{0};
    long fail_after = -1;
    bool fail_size = false;
    std::uint64_t extra_size = 0;

private:
    std::vector<std::byte> m_bytes;
    std::string m_name;
};

/// The same read through the source and through GDAL on the file itself.
void expect_same_read(rastio::Dataset& via_source, rastio::Dataset& local, const rastio::ReadOptions& opts) {
    const auto a = via_source.read(opts);
    const auto b = local.read(opts);
    ASSERT_EQ(a.shape(), b.shape());
    ASSERT_EQ(a.dtype(), b.dtype());
    const auto ab = a.bytes();
    const auto bb = b.bytes();
    ASSERT_EQ(ab.size(), bb.size());
    EXPECT_EQ(std::memcmp(ab.data(), bb.data(), ab.size()), 0);
}

TEST(ByteSourceTest, FileSourceReadsCogWindowsAsGdalDoes) {
    RASTIO_REQUIRE_CORPUS();
    const auto path = corpus("cogeo.tif");
    auto src = std::make_shared<rastio::FileByteSource>(path);
    auto ds = rastio::open(src);
    auto local = rastio::open(path);
    EXPECT_EQ(ds.driver(), "GTiff");
    EXPECT_EQ(ds.width(), local.width());
    EXPECT_EQ(ds.height(), local.height());
    EXPECT_EQ(ds.crs(), local.crs());
    EXPECT_EQ(ds.transform(), local.transform());
    EXPECT_EQ(ds.overviews(1), local.overviews(1));
    expect_same_read(ds, local, {.window = rastio::Window{100, 37, 300, 211}});
    expect_same_read(ds, local, {.window = rastio::Window{0, 0, ds.width(), ds.height()}, .out_shape = std::pair{64, 64}});
    expect_same_read(ds, local, {});
    ds.close();
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
}

TEST(ByteSourceTest, OpensJpegPngAndStripedTiffs) {
    RASTIO_REQUIRE_CORPUS();
    for (const char* name : {"389225main_sw_1965_1024.jpg", "RGB.byte.tif", "rgb_lzw.tif", "float_nan.tif"}) {
        SCOPED_TRACE(name);
        auto ds = rastio::open(std::make_shared<rastio::FileByteSource>(corpus(name)));
        auto local = rastio::open(corpus(name));
        EXPECT_EQ(ds.driver(), local.driver());
        expect_same_read(ds, local, {});
    }
    // A PNG written by GDAL into a MemoryFile, read back through MemoryFileByteSource.
    rastio::MemoryFile png(rastio::MemoryFileOptions{.ext = ".png"});
    {
        auto w = png.open(rastio::Profile{.driver = "PNG", .width = 40, .height = 30, .count = 3,
                                          .dtype = rastio::DType::uint8});
        w.write(rastio::open(corpus("RGB.byte.tif")).read(rastio::Window{200, 200, 40, 30}));
    }
    auto ds = rastio::open(std::make_shared<rastio::MemoryFileByteSource>(png));
    EXPECT_EQ(ds.driver(), "PNG");
    auto local = png.open();
    expect_same_read(ds, local, {});
}

TEST(ByteSourceTest, MemoryFileSourceReadsTiledTiffAndFailsOnceTheFileCloses) {
    rastio::MemoryFile mf(rastio::test::make_gtiff(600, 400, 2, {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"}));
    auto src = std::make_shared<rastio::MemoryFileByteSource>(mf);
    EXPECT_EQ(src->name(), mf.name());
    auto ds = rastio::open(src);
    auto local = mf.open();
    expect_same_read(ds, local, {.window = rastio::Window{10, 20, 130, 70}});
    mf.close();
    // The dataset on the source still holds GDAL's handle but the bytes are gone: an error, not
    // stale pixels (past the first 64 KiB, which rastio fetched once and keeps).
    try {
        (void)ds.read(rastio::ReadOptions{.window = rastio::Window{500, 300, 64, 64}});
        FAIL() << "reading a closed MemoryFile through its ByteSource succeeded";
    } catch (const rastio::IOError& e) {
        EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
    }
    ds.close();
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
}

TEST(ByteSourceTest, ReadFailureIsAnIOErrorNamingTheSource) {
    // Uncompressed, so that the tiles lie past the header rastio fetches (and keeps) first.
    auto bytes = rastio::test::make_gtiff(512, 512, 1, {"TILED=YES"});
    auto src = std::make_shared<CountingSource>(bytes, "https://example.invalid/bucket/x.tif");
    auto ds = rastio::open(src);
    src->fail_after = src->reads; // every read from now on fails
    try {
        (void)ds.read();
        FAIL() << "a failing source gave pixels";
    } catch (const rastio::IOError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("https://example.invalid/bucket/x.tif"), std::string::npos) << what;
        EXPECT_NE(what.find("connection reset by peer"), std::string::npos) << what;
    }
    ds.close();
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
}

TEST(ByteSourceTest, ReadFailureUnderGdalThreadsIsAnIOErrorAndPrintsNothing) {
    auto bytes = rastio::test::make_gtiff(1024, 512, 3, {"TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=128",
                                                         "BLOCKYSIZE=128"});
    auto src = std::make_shared<CountingSource>(bytes, "gs://bucket/threads.tif");
    rastio::Env env({{"GDAL_NUM_THREADS", "2"}});
    auto ds = rastio::open(src);
    rastio::MemoryFile mf(bytes);
    auto local = mf.open();
    expect_same_read(ds, local, {.window = rastio::Window{0, 0, 1024, 256}});
    src->fail_after = src->reads;
    testing::internal::CaptureStderr();
    std::string what;
    try {
        (void)ds.read(rastio::ReadOptions{.window = rastio::Window{0, 256, 1024, 256}});
    } catch (const rastio::IOError& e) {
        what = e.what();
    }
    const std::string printed = testing::internal::GetCapturedStderr();
    EXPECT_NE(what.find("gs://bucket/threads.tif"), std::string::npos) << what;
    EXPECT_EQ(printed, "");
}

TEST(ByteSourceTest, OpenFailuresNameTheSource) {
    auto bytes = rastio::test::make_gtiff(64, 64, 1);
    {
        auto src = std::make_shared<CountingSource>(bytes, "s3://bucket/size.tif");
        src->fail_size = true;
        try {
            (void)rastio::open(src);
            FAIL();
        } catch (const rastio::IOError& e) {
            EXPECT_NE(std::string(e.what()).find("s3://bucket/size.tif"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("size lookup refused"), std::string::npos) << e.what();
        }
    }
    {
        auto src = std::make_shared<CountingSource>(bytes, "s3://bucket/header.tif");
        src->fail_after = 0;
        try {
            (void)rastio::open(src);
            FAIL();
        } catch (const rastio::IOError& e) {
            EXPECT_NE(std::string(e.what()).find("s3://bucket/header.tif"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("connection reset by peer"), std::string::npos) << e.what();
        }
    }
    {
        std::vector<std::byte> junk(1000, std::byte{0x42});
        auto src = std::make_shared<CountingSource>(junk, "junk.bin");
        EXPECT_THROW((void)rastio::open(src), rastio::IOError);
    }
    EXPECT_THROW((void)rastio::open(std::shared_ptr<rastio::ByteSource>()), rastio::ArgumentError);
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
}

TEST(ByteSourceTest, SourceLongerThanItsBytesFailsNotTruncates) {
    auto bytes = rastio::test::make_gtiff(128, 128, 1);
    auto src = std::make_shared<CountingSource>(bytes, "short.tif");
    src->extra_size = 1; // claims one byte more than it can give
    try {
        auto ds = rastio::open(src);
        // GDAL may never ask for the last byte of a file: then the pixels must still be right.
        rastio::MemoryFile mf(bytes);
        auto local = mf.open();
        expect_same_read(ds, local, {});
    } catch (const rastio::IOError& e) {
        EXPECT_NE(std::string(e.what()).find("short.tif"), std::string::npos) << e.what();
    }
}

TEST(ByteSourceTest, DatasetKeepsTheSourceAliveAndUnregistersOnClose) {
    auto bytes = rastio::test::make_gtiff(64, 64, 3);
    std::weak_ptr<CountingSource> weak;
    const auto before_fds = rastio::test::open_fd_count();
    {
        auto src = std::make_shared<CountingSource>(bytes);
        weak = src;
        auto ds = rastio::open(src);
        auto ds2 = rastio::open(src);
        EXPECT_EQ(rastio::registered_byte_sources(), 2U);
        src.reset();
        EXPECT_FALSE(weak.expired());
        EXPECT_EQ(ds.read().shape(), (rastio::Shape{3, 64, 64}));
        EXPECT_TRUE(ds.name().rfind("/vsirastio/", 0) == 0) << ds.name();
        ds.close();
        EXPECT_EQ(rastio::registered_byte_sources(), 1U);
        EXPECT_FALSE(weak.expired()); // ds2 still reads it
        // GDAL sees no file at a closed dataset's path.
        VSIStatBufL st;
        EXPECT_NE(VSIStatL(ds.name().c_str(), &st), 0);
        EXPECT_EQ(VSIStatL(ds2.name().c_str(), &st), 0);
    }
    EXPECT_TRUE(weak.expired());
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
    EXPECT_EQ(rastio::test::open_fd_count(), before_fds);
}

TEST(ByteSourceTest, GdalCannotWriteThroughASource) {
    auto src = std::make_shared<CountingSource>(rastio::test::make_gtiff(32, 32, 1));
    auto ds = rastio::open(src);
    VSILFILE* fp = nullptr;
    {
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        fp = VSIFOpenL(ds.name().c_str(), "r+b");
    }
    EXPECT_EQ(fp, nullptr);
    if (fp != nullptr) VSIFCloseL(fp);
}

TEST(ByteSourceTest, FileSourceErrors) {
    EXPECT_THROW(rastio::FileByteSource("/nonexistent/x.tif"), rastio::IOError);
    EXPECT_THROW(rastio::FileByteSource("/tmp"), rastio::IOError);
    RASTIO_REQUIRE_CORPUS();
    rastio::FileByteSource f(corpus("byte.tif"));
    std::vector<std::byte> buf(16);
    EXPECT_THROW(f.read_at(f.size() - 4, buf), rastio::IOError);
    f.read_at(0, std::span(buf).first(4));
    EXPECT_EQ(std::to_integer<int>(buf[0]), 'I');
}

} // namespace
