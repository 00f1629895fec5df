// The direct GeoTIFF writer (src/gtiff_direct_write.cpp) against GDAL's own writer: for every
// layout it takes, the file it completes must read back through GDAL with the same pixels,
// georeferencing, tags and structure as the file GDAL writes alone.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <rastio/rastio.hpp>

#include "gdal_handle.hpp"
#include "gtiff_direct_write.hpp"

namespace {

using rastio::AnyArray;
using rastio::DType;

/// Smooth fields plus noise, in any dtype (complex types get an imaginary part too).
AnyArray make_pixels(DType t, int bands, int rows, int cols) {
    AnyArray a(t, {static_cast<std::size_t>(bands), static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)});
    const std::size_t n = a.size();
    std::vector<double> v(n * 2);
    std::uint32_t seed = 99;
    for (std::size_t i = 0; i < n; ++i) {
        seed = seed * 1664525U + 1013904223U;
        const std::size_t c = i % static_cast<std::size_t>(cols), r = (i / static_cast<std::size_t>(cols)) % static_cast<std::size_t>(rows);
        v[2 * i] = 60.0 * std::sin(static_cast<double>(c) / 13.0) * std::cos(static_cast<double>(r) / 7.0) + 60.0 +
                   static_cast<double>(seed >> 27);
        v[2 * i + 1] = static_cast<double>(seed >> 28);
    }
    GDALCopyWords64(v.data(), GDT_CFloat64, 16, a.data(), rastio::detail::to_gdal(t), static_cast<int>(rastio::dtype_size(t)),
                    static_cast<GPtrDiff_t>(n));
    return a;
}

/// What GDAL itself reads from a GTiff's bytes: pixels, georeferencing, tags and structure.
struct Seen {
    std::vector<std::byte> pixels;
    std::string wkt, structure, tags, nodata;
    std::array<double, 6> gt{};
    int block_w = 0, block_h = 0;
    bool operator==(const Seen&) const = default;
};

Seen seen_by_gdal(const std::vector<std::byte>& bytes) {
    static int counter = 0;
    const std::string path = "/vsimem/direct-write-check-" + std::to_string(counter++) + ".tif";
    VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(const_cast<std::byte*>(bytes.data())), // NOLINT: GDAL's API
                                    bytes.size(), FALSE));
    Seen s;
    {
        const char* const gtiff[] = {"GTiff", nullptr};
        GDALDatasetH h = GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, gtiff, nullptr, nullptr);
        EXPECT_NE(h, nullptr) << CPLGetLastErrorMsg();
        if (h != nullptr) {
            const int w = GDALGetRasterXSize(h), hh = GDALGetRasterYSize(h), n = GDALGetRasterCount(h);
            GDALRasterBandH b1 = GDALGetRasterBand(h, 1);
            const GDALDataType t = GDALGetRasterDataType(b1);
            s.pixels.resize(static_cast<std::size_t>(w) * hh * n * GDALGetDataTypeSizeBytes(t));
            EXPECT_EQ(GDALDatasetRasterIO(h, GF_Read, 0, 0, w, hh, s.pixels.data(), w, hh, t, n, nullptr, 0, 0, 0),
                      CE_None);
            s.wkt = GDALGetProjectionRef(h);
            GDALGetGeoTransform(h, s.gt.data());
            for (const char* domain : {"IMAGE_STRUCTURE", ""}) {
                char** md = GDALGetMetadata(h, domain);
                for (int i = 0; md != nullptr && md[i] != nullptr; ++i) (domain[0] ? s.structure : s.tags) += std::string(md[i]) + ";";
            }
            int has = 0;
            const double nd = GDALGetRasterNoDataValue(b1, &has);
            s.nodata = has ? std::to_string(nd) : "none";
            GDALGetBlockSize(b1, &s.block_w, &s.block_h);
            GDALClose(h);
        }
    }
    VSIUnlink(path.c_str());
    return s;
}

struct Made {
    std::vector<std::byte> bytes;
    bool direct = false; // whether the direct writer completed the file
};

/// Creates a GTiff in a MemoryFile with `profile`, runs `body` on the writer, returns its bytes.
Made make(const rastio::Profile& profile, bool allow_direct, const std::function<void(rastio::Dataset&)>& body) {
    CPLSetThreadLocalConfigOption("RASTIO_DIRECT_WRITE", allow_direct ? nullptr : "NO");
    const auto before = rastio::detail::gtiff_direct_write_count();
    Made out;
    {
        rastio::MemoryFile mf;
        auto ds = mf.open(profile);
        body(ds);
        ds.close();
        const auto buf = mf.getbuffer();
        out.bytes.assign(buf.begin(), buf.end());
    }
    CPLSetThreadLocalConfigOption("RASTIO_DIRECT_WRITE", nullptr);
    out.direct = rastio::detail::gtiff_direct_write_count() > before;
    return out;
}

rastio::Profile profile_of(DType t, int bands, int rows, int cols, std::map<std::string, std::string> options) {
    rastio::Profile p;
    p.driver = "GTiff";
    p.width = cols;
    p.height = rows;
    p.count = bands;
    p.dtype = t;
    p.crs = rastio::CRS::from_epsg(32633);
    p.transform = rastio::Affine::from_origin(500000, 4100000, 10, 10);
    p.options = std::move(options);
    return p;
}

struct Layout {
    const char* name;
    DType dtype;
    int bands, rows, cols;
    std::map<std::string, std::string> options;
};

// Sizes are odd so that the last strip is short and edge tiles are padded; each is >= 4 MiB.
const Layout k_layouts[] = {
    {"uint8 x3 strips", DType::uint8, 3, 1201, 1203, {}},
    {"uint8 x3 strips DEFLATE", DType::uint8, 3, 1201, 1203, {{"COMPRESS", "DEFLATE"}}},
    {"uint8 x3 tiles", DType::uint8, 3, 1201, 1203, {{"TILED", "YES"}}},
    {"uint8 x3 band-interleaved tiles", DType::uint8, 3, 1201, 1203, {{"TILED", "YES"}, {"INTERLEAVE", "BAND"}}},
    {"uint8 x3 tiles DEFLATE zlevel 1", DType::uint8, 3, 1201, 1203,
     {{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}, {"ZLEVEL", "1"}}},
    {"uint16 x2 band-interleaved strips", DType::uint16, 2, 1001, 1111, {{"INTERLEAVE", "BAND"}}},
    {"int16 x4 tiles 128x64", DType::int16, 4, 700, 801,
     {{"TILED", "YES"}, {"BLOCKXSIZE", "128"}, {"BLOCKYSIZE", "64"}}},
    {"float32 tiles band-interleaved DEFLATE", DType::float32, 2, 777, 999,
     {{"TILED", "YES"}, {"INTERLEAVE", "BAND"}, {"COMPRESS", "DEFLATE"}}},
    {"float64 strips of 7 rows", DType::float64, 1, 751, 999, {{"BLOCKYSIZE", "7"}}},
    {"int8 x5 strips", DType::int8, 5, 1000, 1001, {}},
    {"uint32 one strip", DType::uint32, 1, 1100, 1000, {{"BLOCKYSIZE", "1100"}}},
    {"int64 BigTIFF tiles", DType::int64, 1, 700, 900, {{"BIGTIFF", "YES"}, {"TILED", "YES"}}},
    {"complex64 x2 strips DEFLATE", DType::cfloat32, 2, 500, 700, {{"COMPRESS", "DEFLATE"}}},
    {"uint8 x3 tiles BigTIFF DEFLATE", DType::uint8, 3, 1300, 1300,
     {{"BIGTIFF", "YES"}, {"TILED", "YES"}, {"COMPRESS", "DEFLATE"}, {"NUM_THREADS", "2"}}},
};

class DirectWrite : public ::testing::TestWithParam<Layout> {};

TEST_P(DirectWrite, SameFileContentAsGdal) {
    const Layout& L = GetParam();
    const AnyArray pixels = make_pixels(L.dtype, L.bands, L.rows, L.cols);
    auto p = profile_of(L.dtype, L.bands, L.rows, L.cols, L.options);
    p.nodata = 3;
    auto body = [&](rastio::Dataset& ds) {
        ds.write(pixels);
        ds.update_tags({{"SOURCE", "direct-write-test"}});
    };
    const Made fast = make(p, true, body);
    const Made gdal = make(p, false, body);
    EXPECT_TRUE(fast.direct) << "the direct writer did not take " << L.name;
    EXPECT_FALSE(gdal.direct);
    const Seen a = seen_by_gdal(fast.bytes), b = seen_by_gdal(gdal.bytes);
    EXPECT_TRUE(a.pixels == b.pixels) << L.name;
    EXPECT_EQ(std::memcmp(a.pixels.data(), pixels.bytes().data(), std::min(a.pixels.size(), pixels.bytes().size())), 0);
    EXPECT_EQ(a.wkt, b.wkt);
    EXPECT_EQ(a.gt, b.gt);
    EXPECT_EQ(a.structure, b.structure);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.nodata, b.nodata);
    EXPECT_EQ(a.block_w, b.block_w);
    EXPECT_EQ(a.block_h, b.block_h);
    // rastio reads its own file back with the same pixels (through its direct reader).
    rastio::MemoryFile back(fast.bytes);
    EXPECT_TRUE(back.open().read() == pixels);
    // At most GDAL's size plus the room left for the header in front of the blocks (32 KiB plus
    // 16 bytes a block; these layouts have fewer than 20,000 blocks).
    EXPECT_LT(fast.bytes.size(), gdal.bytes.size() + 32768 + 16 * 20000);
}

INSTANTIATE_TEST_SUITE_P(Layouts, DirectWrite, ::testing::ValuesIn(k_layouts),
                         [](const ::testing::TestParamInfo<Layout>& param_info) {
                             std::string s = param_info.param.name;
                             for (char& c : s) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return s;
                         });

/// The stored bytes of block (x, y) of band 1 of a GTiff held in `bytes`.
std::vector<std::byte> stored_block(const std::vector<std::byte>& bytes, int x, int y) {
    const std::string path = "/vsimem/direct-write-block.tif";
    VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(const_cast<std::byte*>(bytes.data())), // NOLINT: GDAL's API
                                    bytes.size(), FALSE));
    std::vector<std::byte> out;
    GDALDatasetH h = GDALOpen(path.c_str(), GA_ReadOnly);
    if (h != nullptr) {
        const std::string key = std::to_string(x) + "_" + std::to_string(y);
        const char* off = GDALGetMetadataItem(GDALGetRasterBand(h, 1), ("BLOCK_OFFSET_" + key).c_str(), "TIFF");
        const char* len = GDALGetMetadataItem(GDALGetRasterBand(h, 1), ("BLOCK_SIZE_" + key).c_str(), "TIFF");
        if (off != nullptr && len != nullptr) {
            const auto at = static_cast<std::size_t>(std::stoull(off)), n = static_cast<std::size_t>(std::stoull(len));
            if (at + n <= bytes.size()) out.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        GDALClose(h);
    }
    VSIUnlink(path.c_str());
    return out;
}

// DEFLATE blocks are compressed by the same library at the same level as GDAL's (libdeflate,
// ZLEVEL or 6): the stored bytes of every block are GDAL's own, not merely the same pixels.
// This is why the DEFLATE write's floor is the compressor's (BENCHMARKS.md).
TEST(DirectWrite, DeflateBlocksHoldTheBytesGdalWrites) {
    const AnyArray pixels = make_pixels(DType::uint8, 3, 1201, 1203);
    for (const char* level : {"6", "1"}) {
        const auto p = profile_of(DType::uint8, 3, 1201, 1203, {{"TILED", "YES"}, {"COMPRESS", "DEFLATE"}, {"ZLEVEL", level}});
        auto body = [&](rastio::Dataset& ds) { ds.write(pixels); };
        const Made fast = make(p, true, body);
        const Made gdal = make(p, false, body);
        ASSERT_TRUE(fast.direct);
        for (int y = 0; y < 5; ++y) {
            for (int x = 0; x < 5; ++x) {
                const auto a = stored_block(fast.bytes, x, y), b = stored_block(gdal.bytes, x, y);
                ASSERT_FALSE(a.empty());
                EXPECT_TRUE(a == b) << "block " << x << "," << y << " at ZLEVEL " << level << ": " << a.size() << " vs "
                                    << b.size() << " bytes";
            }
        }
    }
}

TEST(DirectWrite, ReadingBeforeCloseSeesThePixelsAndLaterWritesGoToGdal) {
    const AnyArray pixels = make_pixels(DType::uint16, 3, 900, 1000);
    const auto p = profile_of(DType::uint16, 3, 900, 1000, {{"COMPRESS", "DEFLATE"}});
    AnyArray patch = make_pixels(DType::uint16, 3, 10, 20);
    auto body = [&](rastio::Dataset& ds) {
        ds.write(pixels);
        EXPECT_TRUE(ds.read() == pixels); // the writer reads what it wrote
        ds.write(patch, {1, 2, 3}, rastio::Window{5, 7, 20, 10});
        ds.set_nodata(0);
    };
    const Made fast = make(p, true, body);
    const Made gdal = make(p, false, body);
    EXPECT_TRUE(fast.direct);
    EXPECT_TRUE(seen_by_gdal(fast.bytes) == seen_by_gdal(gdal.bytes));
}

TEST(DirectWrite, BlocksNobodyWroteHoldNodataAsGdalWritesThem) {
    for (const auto& options : {std::map<std::string, std::string>{},
                                std::map<std::string, std::string>{{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}}}) {
        auto p = profile_of(DType::int16, 2, 1200, 1000, options);
        p.nodata = -9999;
        const AnyArray part = make_pixels(DType::int16, 2, 100, 1000);
        auto body = [&](rastio::Dataset& ds) { ds.write(part, {1, 2}, rastio::Window{0, 300, 1000, 100}); };
        const Made fast = make(p, true, body);
        const Made gdal = make(p, false, body);
        EXPECT_FALSE(fast.direct); // a partial write goes through GDAL
        const Seen a = seen_by_gdal(fast.bytes), b = seen_by_gdal(gdal.bytes);
        EXPECT_TRUE(a.pixels == b.pixels);
        EXPECT_EQ(a.structure, b.structure);
        const auto* first = reinterpret_cast<const std::int16_t*>(a.pixels.data()); // NOLINT: pixels of a known type
        EXPECT_EQ(first[0], -9999);
        // Nothing written at all: every block is nodata.
        const Made none = make(p, true, [](rastio::Dataset&) {});
        const Made none_gdal = make(p, false, [](rastio::Dataset&) {});
        EXPECT_TRUE(seen_by_gdal(none.bytes) == seen_by_gdal(none_gdal.bytes));
    }
}

TEST(DirectWrite, LayoutsItDoesNotTakeStayWithGdal) {
    const AnyArray pixels = make_pixels(DType::uint8, 3, 1201, 1203);
    for (const auto& options : {std::map<std::string, std::string>{{"COMPRESS", "LZW"}},
                                std::map<std::string, std::string>{{"COMPRESS", "DEFLATE"}, {"PREDICTOR", "2"}},
                                std::map<std::string, std::string>{{"SPARSE_OK", "TRUE"}}}) {
        const auto p = profile_of(DType::uint8, 3, 1201, 1203, options);
        const Made m = make(p, true, [&](rastio::Dataset& ds) { ds.write(pixels); });
        EXPECT_FALSE(m.direct) << options.begin()->first;
        rastio::MemoryFile back(m.bytes);
        EXPECT_TRUE(back.open().read() == pixels);
    }
    // Small rasters too (under 4 MiB), and writes in another dtype than the bands'.
    const AnyArray small = make_pixels(DType::uint8, 3, 100, 100);
    EXPECT_FALSE(make(profile_of(DType::uint8, 3, 100, 100, {}), true, [&](rastio::Dataset& ds) { ds.write(small); }).direct);
    const AnyArray as_float = make_pixels(DType::float32, 3, 1201, 1203);
    const Made converted = make(profile_of(DType::uint8, 3, 1201, 1203, {}), true,
                                [&](rastio::Dataset& ds) { ds.write(as_float); });
    EXPECT_FALSE(converted.direct);
}

TEST(DirectWrite, OverviewsBuiltAfterTheWriteSeeItsPixels) {
    const AnyArray pixels = make_pixels(DType::uint8, 3, 1201, 1203);
    const auto p = profile_of(DType::uint8, 3, 1201, 1203, {{"TILED", "YES"}});
    auto body = [&](rastio::Dataset& ds) {
        ds.write(pixels);
        ds.build_overviews({2, 4}, rastio::Resampling::average);
    };
    const Made fast = make(p, true, body);
    const Made gdal = make(p, false, body);
    EXPECT_TRUE(fast.direct);
    rastio::MemoryFile a(fast.bytes), b(gdal.bytes);
    auto da = a.open(), db = b.open();
    ASSERT_EQ(da.overviews(1), db.overviews(1));
    for (const char* level : {"0", "1"}) {
        auto oa = a.open(rastio::Options{{"OVERVIEW_LEVEL", level}});
        auto ob = b.open(rastio::Options{{"OVERVIEW_LEVEL", level}});
        EXPECT_TRUE(oa.read() == ob.read()) << "overview level " << level;
    }
}

TEST(DirectWrite, ASecondWholeWriteReplacesTheFirst) {
    const AnyArray first = make_pixels(DType::uint8, 3, 1201, 1203);
    AnyArray second = first;
    for (auto& b : second.writable_bytes()) b = static_cast<std::byte>(255 - std::to_integer<int>(b));
    const auto p = profile_of(DType::uint8, 3, 1201, 1203, {});
    const Made m = make(p, true, [&](rastio::Dataset& ds) {
        ds.write(first);
        ds.write(second);
    });
    rastio::MemoryFile back(m.bytes);
    EXPECT_TRUE(back.open().read() == second);
}

TEST(DirectWrite, ClosingTheMemoryFileCompletesTheDataset) {
    const AnyArray pixels = make_pixels(DType::uint8, 3, 1201, 1203);
    rastio::MemoryFile mf;
    auto ds = mf.open(profile_of(DType::uint8, 3, 1201, 1203, {{"COMPRESS", "DEFLATE"}}));
    ds.write(pixels);
    mf.close(); // closes the dataset first; nothing may leak (the test harness checks /vsimem/)
    EXPECT_TRUE(ds.closed());
}

} // namespace
