// Datasets on disk and in /vsimem/: every dtype round-trips exactly through every layout, windows,
// band subsets, conversion, georeferencing and tags agree with GDAL's own reading of the file.

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using namespace rastio;
using rastio::test::TempDir;

namespace {

constexpr std::array<DType, 14> k_all_dtypes{
    DType::uint8,   DType::int8,    DType::uint16, DType::int16,  DType::uint32,   DType::int32,    DType::uint64,
    DType::int64,   DType::float32, DType::float64, DType::cint16, DType::cint32, DType::cfloat32, DType::cfloat64};

/// An array of random bytes (every bit pattern, so NaNs and extremes too) of the given dtype.
AnyArray random_array(DType t, const Shape& shape, unsigned seed) {
    AnyArray a(t, shape);
    std::mt19937 gen(seed);
    auto bytes = a.writable_bytes();
    for (auto& b : bytes) b = static_cast<std::byte>(gen() & 0xFFu);
    return a;
}

/// Profile for a small GeoTIFF of dtype t.
Profile gtiff_profile(DType t, int width, int height, int count, Options options = {}) {
    return Profile{.driver = "GTiff", .width = width, .height = height, .count = count, .dtype = t,
                   .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(101985.0, 2826915.0, 30, 30),
                   .options = std::move(options)};
}

/// Reads a whole file with GDAL's C API (not rastio), band-sequential, in each band's own type.
std::vector<std::byte> gdal_read_all(const std::string& path) {
    GDALDatasetH h = GDALOpen(path.c_str(), GA_ReadOnly);
    if (h == nullptr) throw std::runtime_error("GDAL cannot open " + path);
    const int w = GDALGetRasterXSize(h), hh = GDALGetRasterYSize(h), n = GDALGetRasterCount(h);
    const GDALDataType gdt = GDALGetRasterDataType(GDALGetRasterBand(h, 1));
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    std::vector<std::byte> out(esize * static_cast<std::size_t>(w) * static_cast<std::size_t>(hh) *
                               static_cast<std::size_t>(n));
    const CPLErr err = GDALDatasetRasterIO(h, GF_Read, 0, 0, w, hh, out.data(), w, hh, gdt, n, nullptr, 0, 0, 0);
    GDALClose(h);
    if (err != CE_None) throw std::runtime_error("GDAL cannot read " + path);
    return out;
}

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

/// The window `w` of bands `bands` (1-based) of a (count, rows, cols) array, as bytes.
std::vector<std::byte> expected_window(const AnyArray& a, const Bands& bands, const Window& w) {
    const std::size_t esize = dtype_size(a.dtype());
    const std::size_t rows = a.shape()[1], cols = a.shape()[2];
    std::vector<std::byte> out;
    for (int b : bands) {
        for (int r = w.row_off; r < w.row_off + w.height; ++r) {
            const std::size_t start =
                ((static_cast<std::size_t>(b - 1) * rows + static_cast<std::size_t>(r)) * cols +
                 static_cast<std::size_t>(w.col_off)) * esize;
            const auto src = a.bytes().subspan(start, static_cast<std::size_t>(w.width) * esize);
            out.insert(out.end(), src.begin(), src.end());
        }
    }
    return out;
}

struct Layout {
    const char* name;
    Options options;
};

std::vector<Layout> layouts() {
    std::vector<Layout> out;
    for (const char* compress : {"NONE", "DEFLATE", "LZW", "ZSTD"}) {
        for (const char* interleave : {"PIXEL", "BAND"}) {
            for (bool tiled : {false, true}) {
                Options o{{"COMPRESS", compress}, {"INTERLEAVE", interleave}};
                if (tiled) {
                    o["TILED"] = "YES";
                    o["BLOCKXSIZE"] = "16";
                    o["BLOCKYSIZE"] = "16";
                } else {
                    o["BLOCKYSIZE"] = "5";
                }
                out.push_back({nullptr, std::move(o)});
            }
        }
    }
    return out;
}

std::string describe(const Options& o) {
    std::string s;
    for (const auto& [k, v] : o) s += k + "=" + v + " ";
    return s;
}

class DTypeRoundTrip : public ::testing::TestWithParam<DType> {};

} // namespace

// Every dtype, through 16 layouts (striped/tiled x pixel/band interleave x 4 compressions), reads
// back bit for bit, both through rastio and through GDAL's own C API; the profile reports the layout.
TEST_P(DTypeRoundTrip, EveryLayoutReadsBackBitForBitOnDisk) {
    const DType t = GetParam();
    TempDir dir;
    const int width = 37, height = 23, count = 3;
    const AnyArray data = random_array(t, {3, 23, 37}, static_cast<unsigned>(t) + 1);
    int i = 0;
    for (const auto& layout : layouts()) {
        SCOPED_TRACE(describe(layout.options));
        const std::string path = dir.file("rt" + std::to_string(i++) + ".tif");
        {
            auto ds = open(path, "w", gtiff_profile(t, width, height, count, layout.options));
            EXPECT_EQ(ds.mode(), "w");
            ds.write(data);
            ds.close();
            EXPECT_TRUE(ds.closed());
        }
        auto ds = open(path);
        EXPECT_EQ(ds.dtypes(), std::vector<DType>(3, t));
        const AnyArray back = ds.read();
        EXPECT_EQ(back.dtype(), t);
        EXPECT_EQ(back.shape(), data.shape());
        EXPECT_TRUE(same_bytes(back.bytes(), data.bytes())) << "rastio read differs";
        EXPECT_TRUE(same_bytes(gdal_read_all(path), data.bytes())) << "GDAL read differs";

        const Profile p = ds.profile();
        EXPECT_EQ(p.dtype, t);
        EXPECT_EQ(p.options.at("INTERLEAVE"), layout.options.at("INTERLEAVE"));
        EXPECT_EQ(p.options.at("TILED"), layout.options.count("TILED") ? "YES" : "NO");
        EXPECT_EQ(p.options.at("BLOCKYSIZE"), layout.options.at("BLOCKYSIZE"));
        if (layout.options.at("COMPRESS") == "NONE") {
            EXPECT_EQ(p.options.count("COMPRESS"), 0u);
        } else {
            EXPECT_EQ(p.options.at("COMPRESS"), layout.options.at("COMPRESS"));
        }
        const auto blocks = ds.block_shapes();
        ASSERT_EQ(blocks.size(), 3u);
        EXPECT_EQ(blocks[0], layout.options.count("TILED") ? std::make_pair(16, 16) : std::make_pair(5, width));
    }
}

// int8 is stored as Byte with PIXELTYPE=SIGNEDBYTE in GDAL 3.6, and negative values survive.
TEST(DatasetTest, Int8IsWrittenAsSignedByteAndNegativeValuesSurvive) {
    TempDir dir;
    const std::string path = dir.file("int8.tif");
    Array<std::int8_t> a({1, 2, 3});
    const std::array<std::int8_t, 6> values{-128, -1, 0, 1, 100, 127};
    std::copy(values.begin(), values.end(), a.data());
    {
        auto ds = open(path, "w", gtiff_profile(DType::int8, 3, 2, 1));
        ds.write(a);
    }
    GDALDatasetH h = GDALOpen(path.c_str(), GA_ReadOnly);
    ASSERT_NE(h, nullptr);
    GDALRasterBandH band = GDALGetRasterBand(h, 1);
    EXPECT_EQ(GDALGetRasterDataType(band), GDT_Byte);
    const char* pixeltype = GDALGetMetadataItem(band, "PIXELTYPE", "IMAGE_STRUCTURE");
    EXPECT_STREQ(pixeltype ? pixeltype : "", "SIGNEDBYTE");
    GDALClose(h);

    auto ds = open(path);
    EXPECT_EQ(ds.dtypes().front(), DType::int8);
    EXPECT_EQ(ds.read().as<std::int8_t>(), a);
    // Converted reads keep the sign.
    const auto wide = ds.read_as<std::int16_t>();
    EXPECT_EQ(wide.values()[0], -128);
    EXPECT_EQ(wide.values()[5], 127);
    const auto as_float = ds.read_as<double>();
    EXPECT_EQ(as_float.values()[1], -1.0);
    // To an unsigned type, negatives clamp to 0 (as GDAL clamps).
    const auto as_u8 = ds.read_as<std::uint8_t>();
    EXPECT_EQ(as_u8.values()[0], 0);
    EXPECT_EQ(as_u8.values()[5], 127);
}

// Writing a non-int8 array into an int8 band converts (clamping), and int8 into an int16 band keeps the sign.
TEST(DatasetTest, WritingAcrossInt8ConvertsWithClamping) {
    TempDir dir;
    {
        auto ds = open(dir.file("a.tif"), "w", gtiff_profile(DType::int8, 4, 1, 1));
        Array<std::int16_t> src({1, 1, 4});
        const std::array<std::int16_t, 4> v{-300, -5, 5, 300};
        std::copy(v.begin(), v.end(), src.data());
        ds.write(src);
        const auto back = ds.read().as<std::int8_t>();
        EXPECT_EQ(back.values()[0], -128);
        EXPECT_EQ(back.values()[1], -5);
        EXPECT_EQ(back.values()[2], 5);
        EXPECT_EQ(back.values()[3], 127);
    }
    {
        auto ds = open(dir.file("b.tif"), "w", gtiff_profile(DType::int16, 2, 1, 1));
        Array<std::int8_t> src({1, 1, 2});
        src.data()[0] = -7;
        src.data()[1] = 7;
        ds.write(src);
        const auto back = ds.read().as<std::int16_t>();
        EXPECT_EQ(back.values()[0], -7);
        EXPECT_EQ(back.values()[1], 7);
    }
}

// Windows touching each edge and corner, and band subsets in any order, read the right pixels.
TEST(DatasetTest, WindowsAtEdgesAndBandSubsetsReadTheRightPixels) {
    TempDir dir;
    const std::string path = dir.file("win.tif");
    const AnyArray data = random_array(DType::uint16, {3, 23, 37}, 7);
    {
        auto ds = open(path, "w", gtiff_profile(DType::uint16, 37, 23, 3, {{"TILED", "YES"}, {"BLOCKXSIZE", "16"}, {"BLOCKYSIZE", "16"}}));
        ds.write(data);
    }
    auto ds = open(path);
    const std::vector<Window> windows{{0, 0, 1, 1},   {36, 22, 1, 1}, {36, 0, 1, 23}, {0, 22, 37, 1},
                                      {30, 15, 7, 8}, {0, 0, 37, 23}, {15, 15, 2, 2}, {16, 16, 16, 7}};
    const std::vector<Bands> band_sets{{1, 2, 3}, {3, 1}, {2}, {3, 3}, {3, 2, 1}};
    for (const auto& w : windows) {
        for (const auto& bands : band_sets) {
            SCOPED_TRACE(w.to_string() + " bands " + std::to_string(bands.size()));
            const AnyArray got = ds.read(bands, w);
            EXPECT_EQ(got.shape(), (Shape{bands.size(), static_cast<std::size_t>(w.height),
                                          static_cast<std::size_t>(w.width)}));
            EXPECT_TRUE(same_bytes(got.bytes(), expected_window(data, bands, w)));
        }
    }
    // read(bands) and read(window) agree with read(bands, window).
    EXPECT_TRUE(same_bytes(ds.read(Bands{2}).bytes(), expected_window(data, {2}, Window::full(37, 23))));
    EXPECT_TRUE(same_bytes(ds.read(Window{5, 6, 7, 8}).bytes(), expected_window(data, {1, 2, 3}, {5, 6, 7, 8})));
}

// Writing one band in a window changes only those pixels.
TEST(DatasetTest, WriteIntoWindowOfOneBandChangesOnlyThosePixels) {
    TempDir dir;
    const std::string path = dir.file("w.tif");
    {
        auto ds = open(path, "w", gtiff_profile(DType::uint8, 10, 8, 2));
        ds.write(Array<std::uint8_t>({2, 8, 10}));
        Array<std::uint8_t> patch({1, 3, 4});
        for (auto& v : patch.values()) v = 200;
        ds.write(patch, {2}, Window{6, 5, 4, 3});
    }
    auto ds = open(path, "r+");
    const auto all = ds.read().as<std::uint8_t>();
    for (std::size_t b = 0; b < 2; ++b) {
        for (std::size_t r = 0; r < 8; ++r) {
            for (std::size_t c = 0; c < 10; ++c) {
                const bool inside = b == 1 && r >= 5 && c >= 6;
                ASSERT_EQ(all(b, r, c), inside ? 200 : 0) << b << "," << r << "," << c;
            }
        }
    }
    // r+ updates in place.
    Array<std::uint8_t> one({1, 1, 1});
    one.data()[0] = 9;
    ds.write(one, {1}, Window{0, 0, 1, 1});
    ds.close();
    EXPECT_EQ(open(path).read().as<std::uint8_t>()(0, 0, 0), 9);
}

// read_as converts through GDAL: rounding and clamping to integers, widening exactly.
TEST(DatasetTest, ReadAsConvertsRoundingAndClamping) {
    TempDir dir;
    const std::string path = dir.file("f.tif");
    Array<float> a({1, 1, 6});
    const std::array<float, 6> v{2.4f, 2.6f, -5.0f, 300.0f, 0.0f, 255.0f};
    std::copy(v.begin(), v.end(), a.data());
    {
        auto ds = open(path, "w", gtiff_profile(DType::float32, 6, 1, 1));
        ds.write(a);
    }
    auto ds = open(path);
    const auto u8 = ds.read_as<std::uint8_t>();
    EXPECT_EQ(u8.dtype(), DType::uint8);
    const std::array<std::uint8_t, 6> want{2, 3, 0, 255, 0, 255};
    EXPECT_TRUE(std::equal(want.begin(), want.end(), u8.values().begin()));
    const auto f64 = ds.read_as<double>({1}, Window{1, 0, 2, 1});
    EXPECT_EQ(f64.shape(), (Shape{1, 1, 2}));
    EXPECT_EQ(f64.values()[0], static_cast<double>(2.6f));
    EXPECT_EQ(f64.values()[1], -5.0);
    const auto c = ds.read_as<std::complex<double>>();
    EXPECT_EQ(c.values()[3], std::complex<double>(300.0, 0.0));
}

// read_into fills the caller's buffer, and refuses one of the wrong size.
TEST(DatasetTest, ReadIntoFillsCallerBufferAndRejectsWrongSize) {
    TempDir dir;
    const std::string path = dir.file("r.tif");
    const AnyArray data = random_array(DType::int32, {2, 9, 11}, 3);
    {
        auto ds = open(path, "w", gtiff_profile(DType::int32, 11, 9, 2));
        ds.write(data);
    }
    auto ds = open(path);
    std::vector<std::byte> buf(2 * 3 * 4 * sizeof(std::int32_t));
    ds.read_into({2, 1}, Window{7, 6, 4, 3}, DType::int32, buf);
    EXPECT_TRUE(same_bytes(buf, expected_window(data, {2, 1}, {7, 6, 4, 3})));
    std::vector<std::byte> small(buf.size() - 1);
    try {
        ds.read_into({2, 1}, Window{7, 6, 4, 3}, DType::int32, small);
        FAIL() << "expected ArgumentError";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
    }
}

// CRS, transform, nodata, tags and descriptions survive a round trip on disk and are what gdalinfo reports.
TEST(DatasetTest, GeoreferencingAndTagsRoundTripAndMatchGdalinfo) {
    RASTIO_REQUIRE_GDALINFO();
    TempDir dir;
    const std::string path = dir.file("geo.tif");
    const Affine transform{0.5, 0.0, -120.25, 0.0, -0.25, 45.75};
    {
        Profile p = gtiff_profile(DType::int16, 8, 6, 2);
        p.crs = CRS::from_epsg(4326);
        p.transform = transform;
        p.nodata = -9999;
        auto ds = open(path, "w", p);
        ds.update_tags({{"AREA", "test"}, {"ÜNICODE", "välue=with equals"}});
        ds.update_tags({{"BAND_TAG", "two"}}, 2);
        ds.update_tags({{"OTHER", "ns"}}, 0, "MYDOMAIN");
        ds.set_description(1, "first band");
        ds.write(Array<std::int16_t>({2, 6, 8}));
    }
    auto ds = open(path);
    EXPECT_EQ(ds.crs(), CRS::from_epsg(4326));
    EXPECT_EQ(ds.crs().to_string(), "EPSG:4326");
    EXPECT_EQ(ds.transform(), transform);
    EXPECT_EQ(ds.nodata(), -9999.0);
    EXPECT_EQ(ds.nodatavals(), (std::vector<std::optional<double>>{-9999.0, -9999.0}));
    EXPECT_EQ(ds.tags().at("AREA"), "test");
    EXPECT_EQ(ds.tags().at("ÜNICODE"), "välue=with equals");
    EXPECT_EQ(ds.tags(2).at("BAND_TAG"), "two");
    EXPECT_EQ(ds.tags(1).count("BAND_TAG"), 0u);
    EXPECT_EQ(ds.tags(0, "MYDOMAIN").at("OTHER"), "ns");
    EXPECT_EQ(ds.descriptions(), (std::vector<std::string>{"first band", ""}));
    const Bounds b = ds.bounds();
    EXPECT_EQ(b, (Bounds{-120.25, 44.25, -116.25, 45.75}));
    EXPECT_EQ(ds.res(), std::make_pair(0.5, 0.25));

    const auto info = rastio::test::gdalinfo_json(path, "-mdd all");
    const auto& gt = info["geoTransform"];
    EXPECT_EQ(Affine::from_gdal({gt[0].get<double>(), gt[1].get<double>(), gt[2].get<double>(), gt[3].get<double>(),
                                 gt[4].get<double>(), gt[5].get<double>()}),
              ds.transform());
    EXPECT_EQ(CRS::from_wkt(info["coordinateSystem"]["wkt"].get<std::string>()), ds.crs());
    EXPECT_EQ(info["size"][0].get<int>(), ds.width());
    EXPECT_EQ(info["size"][1].get<int>(), ds.height());
    for (int band = 1; band <= 2; ++band) {
        const auto& jb = info["bands"][static_cast<std::size_t>(band - 1)];
        EXPECT_TRUE(rastio::test::same_nodata(rastio::test::json_nodata(jb), ds.nodatavals()[static_cast<std::size_t>(band - 1)]));
        EXPECT_EQ(jb["type"].get<std::string>(), "Int16");
        const Tags band_tags = ds.tags(band);
        const auto jtags = jb.contains("metadata") && jb["metadata"].contains("") ? jb["metadata"][""] : nlohmann::json::object();
        EXPECT_EQ(jtags.size(), band_tags.size());
        for (const auto& [k, v] : band_tags) EXPECT_EQ(jtags.value(k, std::string("<missing>")), v) << k;
    }
    EXPECT_EQ(info["bands"][0].value("description", std::string()), "first band");
    const Tags tags = ds.tags();
    const auto& jtags = info["metadata"][""];
    EXPECT_EQ(jtags.size(), tags.size());
    for (const auto& [k, v] : tags) EXPECT_EQ(jtags.value(k, std::string("<missing>")), v) << k;
    EXPECT_EQ(info["metadata"]["MYDOMAIN"]["OTHER"].get<std::string>(), "ns");
}

// NaN, +inf and -inf nodata on float bands, and extreme integer nodata, round trip and match gdalinfo.
TEST(DatasetTest, SpecialNodataValuesRoundTripAndMatchGdalinfo) {
    RASTIO_REQUIRE_GDALINFO();
    TempDir dir;
    struct Case {
        DType t;
        double nodata;
    };
    const std::vector<Case> cases{{DType::float32, std::numeric_limits<double>::quiet_NaN()},
                                  {DType::float64, std::numeric_limits<double>::quiet_NaN()},
                                  {DType::float32, std::numeric_limits<double>::infinity()},
                                  {DType::float64, -std::numeric_limits<double>::infinity()},
                                  {DType::float32, -3.4028234663852886e38},
                                  {DType::uint8, 255},
                                  {DType::int16, -32768},
                                  {DType::uint32, 4294967295.0},
                                  {DType::int64, -9223372036854775808.0},
                                  {DType::uint64, 9007199254740992.0}};
    int i = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(to_string(c.t)) + " nodata " + std::to_string(c.nodata));
        const std::string path = dir.file("nd" + std::to_string(i++) + ".tif");
        {
            Profile p = gtiff_profile(c.t, 2, 2, 1);
            p.nodata = c.nodata;
            auto ds = open(path, "w", p);
            EXPECT_TRUE(rastio::test::same_nodata(ds.nodata(), c.nodata));
        }
        auto ds = open(path);
        EXPECT_TRUE(rastio::test::same_nodata(ds.nodata(), c.nodata)) << ds.nodata().value_or(-1);
        EXPECT_TRUE(rastio::test::same_nodata(ds.profile().nodata, c.nodata));
        const auto info = rastio::test::gdalinfo_json(path);
        // gdalinfo prints a float32 nodata with float32's precision.
        EXPECT_TRUE(rastio::test::same_nodata(rastio::test::json_nodata(info["bands"][0]), c.nodata,
                                              c.t == DType::float32 ? 1e-7 : 1e-15))
            << info["bands"][0]["noDataValue"].dump();
    }
}

// Nodata can be changed and removed in r+; a nodata an int64/uint64 band cannot hold is refused.
TEST(DatasetTest, SetNodataInUpdateModeAndRejectUnrepresentable) {
    TempDir dir;
    const std::string path = dir.file("n.tif");
    { auto ds = open(path, "w", gtiff_profile(DType::uint64, 2, 2, 1)); }
    {
        auto ds = open(path, "r+");
        EXPECT_EQ(ds.nodata(), std::nullopt);
        ds.set_nodata(42.0);
        EXPECT_THROW(ds.set_nodata(std::numeric_limits<double>::quiet_NaN()), ArgumentError);
        EXPECT_THROW(ds.set_nodata(-1.0), ArgumentError);
        EXPECT_THROW(ds.set_nodata(1.8446744073709552e19), ArgumentError);
    }
    EXPECT_EQ(open(path).nodata(), 42.0);
    {
        auto ds = open(path, "r+");
        ds.set_nodata(std::nullopt);
    }
    EXPECT_EQ(open(path).nodata(), std::nullopt);
}

// CRS and transform set after creation, in "w" and in "r+", are written to the file.
TEST(DatasetTest, SetCrsAndTransformInWriteAndUpdateModes) {
    TempDir dir;
    const std::string path = dir.file("c.tif");
    {
        auto ds = open(path, "w", Profile{.driver = "GTiff", .width = 4, .height = 4, .count = 1, .dtype = DType::uint8});
        EXPECT_TRUE(ds.crs().empty());
        EXPECT_EQ(ds.transform(), Affine::identity());
        ds.set_crs(CRS::from_epsg(3857));
        ds.set_transform(Affine::from_origin(10, 20, 1, 1));
    }
    {
        auto ds = open(path, "r+");
        EXPECT_EQ(ds.crs(), CRS::from_epsg(3857));
        EXPECT_EQ(ds.transform(), Affine::from_origin(10, 20, 1, 1));
        ds.set_crs(CRS::from_epsg(32618));
        ds.set_transform(Affine::from_origin(0, 0, 2, 2));
    }
    auto ds = open(path);
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_EQ(ds.transform(), Affine::from_origin(0, 0, 2, 2));
}

// A dataset's profile creates a similar dataset.
TEST(DatasetTest, ProfileOfOneDatasetCreatesASimilarOne) {
    TempDir dir;
    const AnyArray data = random_array(DType::float32, {2, 20, 30}, 11);
    {
        Profile p = gtiff_profile(DType::float32, 30, 20, 2, {{"COMPRESS", "LZW"}, {"TILED", "YES"}, {"BLOCKXSIZE", "16"}, {"BLOCKYSIZE", "16"}});
        p.nodata = -1;
        auto ds = open(dir.file("a.tif"), "w", p);
        ds.write(data);
    }
    const Profile p = open(dir.file("a.tif")).profile();
    EXPECT_EQ(p.driver, "GTiff");
    EXPECT_EQ(p.width, 30);
    EXPECT_EQ(p.height, 20);
    EXPECT_EQ(p.count, 2);
    EXPECT_EQ(p.nodata, -1.0);
    EXPECT_EQ(p.options.at("COMPRESS"), "LZW");
    EXPECT_EQ(p.options.at("BLOCKXSIZE"), "16");
    {
        auto ds = open(dir.file("b.tif"), "w", p);
        ds.write(data);
    }
    auto b = open(dir.file("b.tif"));
    EXPECT_EQ(b.profile().options, p.options);
    EXPECT_EQ(b.crs(), p.crs);
    EXPECT_EQ(b.transform(), *p.transform);
    EXPECT_TRUE(same_bytes(b.read().bytes(), data.bytes()));
}

// Files made by GDAL's C API in /vsimem/ (not by rastio) read back with rastio, for every dtype.
TEST(DatasetTest, VsimemFixturesMadeByGdalReadBackForEveryDType) {
    GDALAllRegister();
    for (DType t : k_all_dtypes) {
        SCOPED_TRACE(std::string(to_string(t)));
        const std::string path = "/vsimem/dataset_test_fixture.tif";
        const AnyArray data = random_array(t, {2, 5, 7}, 99);
        CPLStringList opts;
        opts.AddString("TILED=YES");
        opts.AddString("COMPRESS=DEFLATE");
        if (t == DType::int8) opts.AddString("PIXELTYPE=SIGNEDBYTE");
        const GDALDataType gdt = t == DType::int8 ? GDT_Byte : GDALGetDataTypeByName([&] {
            switch (t) {
            case DType::uint8: return "Byte";
            case DType::uint16: return "UInt16";
            case DType::int16: return "Int16";
            case DType::uint32: return "UInt32";
            case DType::int32: return "Int32";
            case DType::uint64: return "UInt64";
            case DType::int64: return "Int64";
            case DType::float32: return "Float32";
            case DType::float64: return "Float64";
            case DType::cint16: return "CInt16";
            case DType::cint32: return "CInt32";
            case DType::cfloat32: return "CFloat32";
            default: return "CFloat64";
            }
        }());
        GDALDatasetH h = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 7, 5, 2, gdt, opts.List());
        ASSERT_NE(h, nullptr);
        ASSERT_EQ(GDALDatasetRasterIO(h, GF_Write, 0, 0, 7, 5, const_cast<void*>(data.data()), 7, 5, gdt, 2, nullptr, 0, 0, 0), CE_None); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL does not write to it
        GDALClose(h);
        {
            auto ds = open(path);
            EXPECT_EQ(ds.dtypes(), std::vector<DType>(2, t));
            EXPECT_TRUE(same_bytes(ds.read().bytes(), data.bytes()));
            EXPECT_TRUE(same_bytes(ds.read({2}, Window{6, 4, 1, 1}).bytes(), expected_window(data, {2}, {6, 4, 1, 1})));
        }
        VSIUnlink(path.c_str());
    }
}

// A fixture in /vsimem/ made by test_support reads with its georeferencing.
TEST(DatasetTest, OpensVsimemPathWithGeoreferencing) {
    const auto bytes = rastio::test::make_gtiff(40, 30, 3, {"TILED=YES", "COMPRESS=LZW"});
    const std::string path = "/vsimem/dataset_test_fixture2.tif";
    VSILFILE* f = VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(const_cast<std::byte*>(bytes.data())), // NOLINT: GDAL's buffer type
                                       bytes.size(), FALSE);
    ASSERT_NE(f, nullptr);
    VSIFCloseL(f);
    {
        auto ds = open(path);
        EXPECT_EQ(ds.name(), path);
        EXPECT_EQ(ds.driver(), "GTiff");
        EXPECT_EQ(ds.width(), 40);
        EXPECT_EQ(ds.height(), 30);
        EXPECT_EQ(ds.count(), 3);
        EXPECT_EQ(ds.indexes(), (Bands{1, 2, 3}));
        EXPECT_EQ(ds.crs().to_epsg(), 32618);
        EXPECT_EQ(ds.transform(), Affine::from_origin(101985.0, 2826915.0, 30, 30));
        EXPECT_EQ(ds.res(), std::make_pair(30.0, 30.0));
        EXPECT_EQ(ds.bounds(), (Bounds{101985.0, 2826915.0 - 900, 101985.0 + 1200, 2826915.0}));
        const auto a = ds.read().as<std::uint8_t>();
        EXPECT_EQ(a(2, 29, 39), (2 * 31 + 29 * 7 + 39 * 3) % 251);
        EXPECT_EQ(a(0, 0, 0), 0);
    }
    VSIUnlink(path.c_str());
}

// Move-only: the moved-from dataset is closed and throws ClosedError; close() is idempotent.
TEST(DatasetTest, MovedFromAndClosedDatasetsThrowClosedError) {
    TempDir dir;
    const std::string path = dir.file("m.tif");
    { auto ds = open(path, "w", gtiff_profile(DType::uint8, 3, 3, 1)); }
    auto a = open(path);
    Dataset b = std::move(a);
    EXPECT_TRUE(a.closed()); // NOLINT(bugprone-use-after-move): testing the moved-from state
    EXPECT_FALSE(b.closed());
    EXPECT_THROW((void)a.read(), ClosedError); // NOLINT(bugprone-use-after-move)
    EXPECT_THROW((void)a.width(), ClosedError); // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.width(), 3);
    b.close();
    b.close();
    EXPECT_TRUE(b.closed());
    EXPECT_EQ(b.name(), path); // the name stays known, as in rasterio
    auto expect_closed = [&](auto&& f, const char* what) {
        try {
            f();
            ADD_FAILURE() << what << " did not throw";
        } catch (const ClosedError& e) {
            EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << what << " threw another exception: " << e.what();
        }
    };
    expect_closed([&] { (void)b.driver(); }, "driver");
    expect_closed([&] { (void)b.width(); }, "width");
    expect_closed([&] { (void)b.height(); }, "height");
    expect_closed([&] { (void)b.count(); }, "count");
    expect_closed([&] { (void)b.dtypes(); }, "dtypes");
    expect_closed([&] { (void)b.indexes(); }, "indexes");
    expect_closed([&] { (void)b.crs(); }, "crs");
    expect_closed([&] { (void)b.transform(); }, "transform");
    expect_closed([&] { (void)b.nodata(); }, "nodata");
    expect_closed([&] { (void)b.nodatavals(); }, "nodatavals");
    expect_closed([&] { (void)b.bounds(); }, "bounds");
    expect_closed([&] { (void)b.res(); }, "res");
    expect_closed([&] { (void)b.profile(); }, "profile");
    expect_closed([&] { (void)b.block_shapes(); }, "block_shapes");
    expect_closed([&] { (void)b.tags(); }, "tags");
    expect_closed([&] { b.update_tags({{"A", "B"}}); }, "update_tags");
    expect_closed([&] { (void)b.descriptions(); }, "descriptions");
    expect_closed([&] { b.set_description(1, "x"); }, "set_description");
    expect_closed([&] { b.set_crs(CRS::from_epsg(4326)); }, "set_crs");
    expect_closed([&] { b.set_transform(Affine{}); }, "set_transform");
    expect_closed([&] { b.set_nodata(1.0); }, "set_nodata");
    expect_closed([&] { (void)b.read(); }, "read");
    expect_closed([&] { (void)b.read_as<float>(); }, "read_as");
    expect_closed([&] {
        std::vector<std::byte> buf(9);
        b.read_into({1}, Window{0, 0, 3, 3}, DType::uint8, buf);
    }, "read_into");
    expect_closed([&] { b.write(Array<std::uint8_t>({1, 3, 3})); }, "write");
    expect_closed([&] { (void)b.gdal_handle(); }, "gdal_handle");
    Dataset c;
    EXPECT_TRUE(c.closed());
    EXPECT_THROW((void)c.count(), ClosedError);
    // Move-assigning over an open dataset closes it.
    Dataset d = open(path);
    d = open(path, "r+");
    EXPECT_EQ(d.mode(), "r+");
}

// A read-only dataset refuses every write with ModeError, saying to use "r+".
TEST(DatasetTest, ReadOnlyDatasetRefusesWritesWithModeError) {
    TempDir dir;
    const std::string path = dir.file("ro.tif");
    { auto ds = open(path, "w", gtiff_profile(DType::uint8, 3, 3, 1)); }
    auto ds = open(path);
    EXPECT_EQ(ds.mode(), "r");
    try {
        ds.write(Array<std::uint8_t>({1, 3, 3}));
        FAIL() << "expected ModeError";
    } catch (const ModeError& e) {
        EXPECT_NE(std::string(e.what()).find("r+"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ds.update_tags({{"A", "B"}}), ModeError);
    EXPECT_THROW(ds.set_crs(CRS::from_epsg(4326)), ModeError);
    EXPECT_THROW(ds.set_transform(Affine{}), ModeError);
    EXPECT_THROW(ds.set_nodata(1.0), ModeError);
    EXPECT_THROW(ds.set_description(1, "d"), ModeError);
}

// Drivers that only CreateCopy are written through open(path, "w", profile) and read back.
TEST(DatasetTest, CreateCopyOnlyDriversWriteThroughOpenW) {
    TempDir dir;
    struct Case {
        const char* driver;
        const char* file;
        DType t;
        int count;
        bool lossless;
    };
    const std::vector<Case> cases{{"PNG", "a.png", DType::uint8, 3, true},     {"PNG", "b.png", DType::uint16, 1, true},
                                  {"JPEG", "c.jpg", DType::uint8, 3, false},   {"COG", "d.tif", DType::float32, 2, true},
                                  {"AAIGrid", "e.asc", DType::int32, 1, true}, {"WEBP", "f.webp", DType::uint8, 3, false}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.driver);
        if (GDALGetDriverByName(c.driver) == nullptr) {
            std::printf("skipped driver %s: not in this GDAL\n", c.driver);
            continue;
        }
        const std::string path = dir.file(c.file);
        const int w = 64, h = 48;
        AnyArray data(c.t, {static_cast<std::size_t>(c.count), static_cast<std::size_t>(h), static_cast<std::size_t>(w)});
        visit_dtype(c.t, [&](auto v) {
            using T = decltype(v);
            if constexpr (std::is_arithmetic_v<T>) {
                auto& a = data.as<T>();
                for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<T>((i / 8) % 200);
            }
        });
        {
            Profile p{.driver = c.driver, .width = w, .height = h, .count = c.count, .dtype = c.t,
                      .crs = CRS::from_epsg(4326), .transform = Affine::from_origin(10, 50, 0.5, 0.5)};
            auto ds = open(path, "w", p);
            EXPECT_EQ(ds.driver(), "MEM"); // buffered until close
            EXPECT_FALSE(std::filesystem::exists(path));
            ds.write(data);
            ds.close();
        }
        ASSERT_TRUE(std::filesystem::exists(path));
        auto ds = open(path);
        EXPECT_EQ(ds.driver(), std::string(c.driver) == "COG" ? "GTiff" : c.driver);
        EXPECT_EQ(ds.width(), w);
        EXPECT_EQ(ds.height(), h);
        EXPECT_EQ(ds.count(), c.count);
        EXPECT_EQ(ds.dtypes().front(), c.t);
        EXPECT_TRUE(ds.transform().almost_equals(Affine::from_origin(10, 50, 0.5, 0.5), 1e-9)) << ds.transform().to_string();
        if (c.lossless) {
            EXPECT_TRUE(same_bytes(ds.read().bytes(), data.bytes()));
        }
    }
}

// A CreateCopy that fails (JPEG cannot hold 5 bands) throws IOError on close and leaves no file.
TEST(DatasetTest, FailedCreateCopyThrowsAndLeavesNoPartialFile) {
    TempDir dir;
    const std::string path = dir.file("five.jpg");
    auto ds = open(path, "w", Profile{.driver = "JPEG", .width = 8, .height = 8, .count = 5, .dtype = DType::uint8});
    ds.write(Array<std::uint8_t>({5, 8, 8}));
    try {
        ds.close();
        FAIL() << "expected IOError";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find("JPEG"), std::string::npos) << e.what();
        EXPECT_EQ(e.path(), path);
        EXPECT_FALSE(e.gdal_message().empty());
    }
    EXPECT_TRUE(ds.closed());
    EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "partial output left behind";
}

// A driver that cannot write the dtype is refused before anything is created.
TEST(DatasetTest, DriverThatCannotWriteTheDTypeGivesDriverError) {
    TempDir dir;
    try {
        (void)open(dir.file("x.png"), "w", Profile{.driver = "PNG", .width = 2, .height = 2, .count = 1, .dtype = DType::float64});
        FAIL() << "expected DriverError";
    } catch (const DriverError& e) {
        EXPECT_NE(std::string(e.what()).find("float64"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Paths inside a zip open read-only through /vsizip/.
TEST(DatasetTest, OpensAMemberOfAZipThroughVsizip) {
    RASTIO_REQUIRE_CORPUS();
    auto ds = open("/vsizip/" + rastio::test::corpus("files.zip") + "/float.tif");
    EXPECT_EQ(ds.dtypes().front(), DType::float64);
    EXPECT_EQ(ds.width(), 3);
    EXPECT_EQ(ds.height(), 2);
    EXPECT_EQ(ds.read().shape(), (Shape{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(AllDTypes, DTypeRoundTrip, ::testing::ValuesIn(k_all_dtypes),
                         [](const ::testing::TestParamInfo<DType>& p) { return std::string(to_string(p.param)); });
