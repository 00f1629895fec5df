// The direct GeoTIFF reader (src/gtiff_direct.cpp) against GDAL: identical arrays on every layout
// it accepts, and GDAL serving everything else.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <rastio/rastio.hpp>

#include "gtiff_direct.hpp"
#include "test_support.hpp"

namespace {

using rastio::Bands;
using rastio::Window;

/// A GTiff made with GDAL's C API: smooth fields plus noise, so predictors and codecs see real work.
std::vector<std::byte> make_tiff(int width, int height, int bands, GDALDataType type,
                                 const std::vector<std::string>& options) {
    GDALAllRegister();
    static int counter = 0;
    const std::string path = "/vsimem/fast-read-fixture-" + std::to_string(counter++) + ".tif";
    CPLStringList opts;
    for (const auto& o : options) opts.AddString(o.c_str());
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, bands, type, opts.List());
    if (ds == nullptr) throw std::runtime_error("GDALCreate failed for " + path + ": " + CPLGetLastErrorMsg());
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler); // NBITS fixtures warn about clipping
    std::vector<double> buf(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    std::uint32_t seed = 12345;
    const bool is_float = type == GDT_Float32 || type == GDT_Float64;
    const bool is_signed = type == GDT_Int16 || type == GDT_Int32 || type == GDT_Int64 || is_float;
    const double amp = type == GDT_Byte ? 100.0 : 20000.0;
    for (int b = 0; b < bands; ++b) {
        for (int r = 0; r < height; ++r) {
            for (int c = 0; c < width; ++c) {
                seed = seed * 1664525U + 1013904223U;
                const double noise = static_cast<double>(seed >> 24) / 16.0;
                double v = amp * std::sin(c / 17.0 + b) * std::cos(r / 23.0) + noise;
                if (!is_signed) v += amp + 20;
                if (is_float) v = v / 7.0 + 1e-3 * noise;
                buf[static_cast<std::size_t>(r) * static_cast<std::size_t>(width) + static_cast<std::size_t>(c)] = v;
            }
        }
        if (GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, width, height, buf.data(), width, height,
                         GDT_Float64, 0, 0) != CE_None) {
            GDALClose(ds);
            throw std::runtime_error("GDALRasterIO failed for the test fixture");
        }
    }
    GDALClose(ds);
    return rastio::test::take_vsimem(path);
}

/// Reads through the direct path (asserting it served the read) and through GDAL; both must agree.
void expect_same(rastio::MemoryFile& mf, const Bands& bands, const Window& w, bool direct_expected) {
    auto ds = mf.open();
    const auto before = rastio::detail::gtiff_direct_read_count();
    const rastio::AnyArray fast = ds.read(bands, w);
    const auto after = rastio::detail::gtiff_direct_read_count();
    EXPECT_EQ(after - before, direct_expected ? 1U : 0U) << "direct path " << (direct_expected ? "not " : "")
                                                        << "taken for " << w.to_string();
    rastio::AnyArray slow;
    {
        rastio::Env env(std::map<std::string, std::string>{{"RASTIO_DIRECT_READ", "NO"}});
        slow = ds.read(bands, w);
        EXPECT_EQ(rastio::detail::gtiff_direct_read_count(), after) << "RASTIO_DIRECT_READ=NO must turn it off";
    }
    ASSERT_EQ(fast.dtype(), slow.dtype());
    ASSERT_EQ(fast.shape(), slow.shape());
    const auto a = fast.bytes(), b = slow.bytes();
    ASSERT_EQ(a.size(), b.size());
    std::size_t first_diff = a.size();
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
            first_diff = i;
            break;
        }
    }
    EXPECT_EQ(first_diff, a.size()) << "arrays differ at byte " << first_diff << " for " << w.to_string();
}

/// Whole raster, an unaligned window across block edges, a one-pixel window, bands reordered and repeated.
void check_layout(GDALDataType type, const std::vector<std::string>& options, bool direct_expected = true) {
    constexpr int width = 150, height = 101, count = 3;
    std::string label = GDALGetDataTypeName(type);
    for (const auto& o : options) label += " " + o;
    SCOPED_TRACE(label);
    rastio::MemoryFile mf(make_tiff(width, height, count, type, options));
    expect_same(mf, {1, 2, 3}, Window::full(width, height), direct_expected);
    expect_same(mf, {3, 1}, Window(13, 29, 97, 61), direct_expected);
    expect_same(mf, {2, 2}, Window(149, 100, 1, 1), direct_expected);
    expect_same(mf, {2}, Window(0, 47, 150, 5), direct_expected);
}

const std::vector<std::vector<std::string>> k_layouts = {
    {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=48", "INTERLEAVE=PIXEL"},
    {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=16", "INTERLEAVE=BAND"},
    {"BLOCKYSIZE=7", "INTERLEAVE=PIXEL"},
    {"BLOCKYSIZE=10", "INTERLEAVE=BAND"},
    {"INTERLEAVE=PIXEL"}, // GDAL's default strips
};

std::vector<std::string> with(std::vector<std::string> base, std::initializer_list<std::string> more) {
    base.insert(base.end(), more);
    return base;
}

TEST(FastReadTest, UncompressedEveryDtypeAndLayoutMatchesGdal) {
    for (GDALDataType t : {GDT_Byte, GDT_UInt16, GDT_Int16, GDT_UInt32, GDT_Int32, GDT_UInt64, GDT_Int64,
                           GDT_Float32, GDT_Float64}) {
        for (const auto& layout : k_layouts) check_layout(t, layout);
    }
}

TEST(FastReadTest, DeflateLzwZstdWithPredictorsMatchGdal) {
    for (const char* comp : {"COMPRESS=DEFLATE", "COMPRESS=LZW", "COMPRESS=ZSTD"}) {
        for (const auto& layout : k_layouts) {
            for (GDALDataType t : {GDT_Byte, GDT_UInt16, GDT_Int32, GDT_UInt64}) {
                check_layout(t, with(layout, {comp, "PREDICTOR=1"}));
                check_layout(t, with(layout, {comp, "PREDICTOR=2"}));
            }
            for (GDALDataType t : {GDT_Float32, GDT_Float64}) {
                check_layout(t, with(layout, {comp, "PREDICTOR=1"}));
                check_layout(t, with(layout, {comp, "PREDICTOR=3"}));
            }
        }
    }
}

TEST(FastReadTest, SignedBytesAndBigTiffMatchGdal) {
    check_layout(GDT_Byte, {"PIXELTYPE=SIGNEDBYTE", "COMPRESS=DEFLATE", "PREDICTOR=2"});
    check_layout(GDT_Byte, {"BIGTIFF=YES", "TILED=YES", "COMPRESS=LZW", "PREDICTOR=2"});
    check_layout(GDT_Float32, {"BIGTIFF=YES", "INTERLEAVE=BAND", "COMPRESS=ZSTD", "PREDICTOR=3"});
    // int8 through rastio's typed read as well.
    rastio::MemoryFile mf(make_tiff(40, 30, 1, GDT_Byte, {"PIXELTYPE=SIGNEDBYTE", "COMPRESS=LZW"}));
    auto ds = mf.open();
    const auto before = rastio::detail::gtiff_direct_read_count();
    const auto a = ds.read_as<std::int8_t>();
    EXPECT_EQ(rastio::detail::gtiff_direct_read_count(), before + 1);
    rastio::Env env(std::map<std::string, std::string>{{"RASTIO_DIRECT_READ", "NO"}});
    EXPECT_EQ(a, ds.read_as<std::int8_t>());
}

TEST(FastReadTest, LargeReadDecodesInParallelAndMatchesGdal) {
    // Over 4 MiB of output, so several threads share the blocks.
    for (const char* comp : {"COMPRESS=NONE", "COMPRESS=DEFLATE"}) {
        rastio::MemoryFile mf(make_tiff(1300, 1200, 3, GDT_Byte, {"TILED=YES", comp, "INTERLEAVE=PIXEL"}));
        expect_same(mf, {1, 2, 3}, Window::full(1300, 1200), true);
    }
}

TEST(FastReadTest, OtherLayoutsFallBackToGdal) {
    // Big-endian, JPEG, PACKBITS, sub-byte and 12-bit samples, half floats, complex: GDAL reads them.
    check_layout(GDT_UInt16, {"ENDIANNESS=BIG", "COMPRESS=DEFLATE", "PREDICTOR=2"}, false);
    check_layout(GDT_Byte, {"COMPRESS=JPEG", "PHOTOMETRIC=YCBCR"}, false);
    check_layout(GDT_Byte, {"COMPRESS=PACKBITS"}, false);
    check_layout(GDT_Byte, {"NBITS=4", "COMPRESS=LZW"}, false);
    check_layout(GDT_UInt16, {"NBITS=12"}, false);
    check_layout(GDT_Float32, {"NBITS=16"}, false);
    check_layout(GDT_CFloat32, {"COMPRESS=DEFLATE"}, false);
    check_layout(GDT_Byte, {"PHOTOMETRIC=MINISWHITE"}, false);
}

TEST(FastReadTest, SparseFileFallsBackToGdal) {
    // Blocks never written have no bytes: GDAL fills them (with 0 or nodata), the direct path declines.
    GDALAllRegister();
    const std::string path = "/vsimem/fast-read-sparse.tif";
    CPLStringList opts;
    opts.AddString("SPARSE_OK=YES");
    opts.AddString("TILED=YES");
    opts.AddString("BLOCKXSIZE=16");
    opts.AddString("BLOCKYSIZE=16");
    GDALDatasetH h = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 64, 64, 1, GDT_Byte, opts.List());
    ASSERT_NE(h, nullptr);
    std::vector<unsigned char> px(16 * 16, 7);
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(h, 1), GF_Write, 0, 0, 16, 16, px.data(), 16, 16, GDT_Byte, 0, 0),
              CE_None);
    GDALClose(h);
    rastio::MemoryFile mf(rastio::test::take_vsimem(path));
    expect_same(mf, {1}, Window::full(64, 64), false);
}

TEST(FastReadTest, CorruptBlockFallsBackToGdalWhichReportsIt) {
    auto bytes = make_tiff(64, 64, 1, GDT_Byte, {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"});
    // Scramble the middle of the file, where the compressed tiles are.
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64 && i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::byte>(0x5a);
    }
    rastio::MemoryFile mf(std::move(bytes));
    auto ds = mf.open();
    const auto before = rastio::detail::gtiff_direct_read_count();
    EXPECT_THROW(ds.read(), rastio::IOError);
    EXPECT_EQ(rastio::detail::gtiff_direct_read_count(), before);
}

TEST(FastReadTest, UpdateModeAndOverviewsUseGdal) {
    // A dataset open for update may hold unwritten blocks: the direct path stays out of it.
    rastio::MemoryFile mf;
    {
        rastio::Profile p;
        p.driver = "GTiff";
        p.width = 32;
        p.height = 32;
        p.count = 1;
        p.dtype = rastio::DType::uint8;
        auto w = mf.open(p);
        w.write(rastio::AnyArray(rastio::Array<std::uint8_t>(rastio::Shape{1, 32, 32})));
        const auto before = rastio::detail::gtiff_direct_read_count();
        (void)w.read();
        EXPECT_EQ(rastio::detail::gtiff_direct_read_count(), before);
        w.close();
    }
    // An overview level opens another IFD: its size differs from the first, so GDAL reads it.
    const std::string path = "/vsimem/fast-read-ovr.tif";
    GDALDatasetH h = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 64, 64, 1, GDT_Byte, nullptr);
    ASSERT_NE(h, nullptr);
    int level = 2;
    ASSERT_EQ(GDALBuildOverviews(h, "NEAREST", 1, &level, 0, nullptr, nullptr, nullptr), CE_None);
    GDALClose(h);
    rastio::MemoryFile ovr(rastio::test::take_vsimem(path));
    auto ds = ovr.open(rastio::Options{{"OVERVIEW_LEVEL", "0"}});
    ASSERT_EQ(ds.width(), 32);
    const auto before = rastio::detail::gtiff_direct_read_count();
    (void)ds.read();
    EXPECT_EQ(rastio::detail::gtiff_direct_read_count(), before);
}

TEST(FastReadTest, LargeRgbOutputsWrittenWithStreamingStoresMatchGdal) {
    // Over 16 MiB of output: the 8-bit RGB de-interleave writes with streaming stores, in
    // parallel; rows of an unaligned window take the ordinary path.
    for (const auto& options : {std::vector<std::string>{"TILED=YES"}, std::vector<std::string>{},
                                std::vector<std::string>{"TILED=YES", "COMPRESS=DEFLATE"}}) {
        rastio::MemoryFile mf(make_tiff(2500, 2400, 3, GDT_Byte, options));
        expect_same(mf, {1, 2, 3}, Window::full(2500, 2400), true);
        expect_same(mf, {3, 2, 1}, Window(3, 5, 2491, 2391), true);
    }
}

TEST(FastReadTest, LzwDecoderRejectsUndefinedCodesAndOldStyle) {
    // 9-bit codes MSB-first: 300 before any string is defined.
    const std::vector<std::byte> bad = {std::byte{0x96}, std::byte{0x00}, std::byte{0x00}};
    std::vector<std::byte> out(16);
    EXPECT_EQ(rastio::detail::tiff_lzw_decode(bad, out), -1);
    const std::vector<std::byte> old_style = {std::byte{0x00}, std::byte{0x01}, std::byte{0x02}};
    EXPECT_EQ(rastio::detail::tiff_lzw_decode(old_style, out), -1);
}

} // namespace
