// rastio's own polygonizer (src/features/polygonize.cpp, behind rastio::shapes) against GDAL 3.6's
// GDALPolygonize / GDALFPolygonize, called here directly into an OGR Memory layer, on many fresh
// random rasters: 1x1 to 200x200, few and many classes, smooth fields with speckle, 4 and 8
// connectivity, with and without a mask, every integer dtype shapes takes and float32 (values a
// few units in the last place apart, NaN, infinities, GDAL's marker value), several transforms.
// Polygons, their order, every ring's vertices in order and the values must be exactly equal.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>

#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>

#include "features/polygonize.hpp"
#include "test_support.hpp"

using namespace rastio;

namespace {

using Ring = std::vector<std::pair<double, double>>;

/// One polygon: its value and rings, exactly as produced.
struct Poly {
    double value = 0;
    std::vector<Ring> rings;
    bool operator==(const Poly& o) const {
        // Bitwise for the value: NaN equals NaN, -0 differs from 0.
        return std::memcmp(&value, &o.value, sizeof value) == 0 && rings == o.rings;
    }
};

std::string describe(const Poly& p) {
    std::ostringstream s;
    s.precision(17);
    s << p.value << ":";
    for (const auto& r : p.rings) {
        s << " (";
        for (const auto& [x, y] : r) s << x << " " << y << ",";
        s << ")";
    }
    return s.str();
}

/// A raster case: pixels in the source dtype (as bytes), an optional mask, how to polygonize.
struct Case {
    DType dtype = DType::uint8;
    int rows = 1;
    int cols = 1;
    std::vector<std::byte> pixels;
    std::vector<std::uint8_t> mask; // empty: no mask
    int connectivity = 4;
    Affine transform;
    std::string label;
};

GDALDataType gdal_type(DType t) {
    switch (t) {
    case DType::uint8: return GDT_Byte;
    case DType::uint16: return GDT_UInt16;
    case DType::int16: return GDT_Int16;
    case DType::int32: return GDT_Int32;
    default: return GDT_Float32;
    }
}

/// GDAL's answer for a band (and mask band): GDALPolygonize (integers) or GDALFPolygonize
/// (float32) into a Memory layer with an integer or real field, as rasterio 1.3.5 sets it up.
std::vector<Poly> gdal_polygons(GDALRasterBandH band, GDALRasterBandH mask_band, bool is_float, int connectivity) {
    GDALDatasetH vds = GDALCreate(GDALGetDriverByName("Memory"), "", 0, 0, 0, GDT_Unknown, nullptr);
    OGRLayerH layer = GDALDatasetCreateLayer(vds, "polygons", nullptr, wkbPolygon, nullptr);
    OGRFieldDefnH field = OGR_Fld_Create("value", is_float ? OFTReal : OFTInteger);
    OGR_L_CreateField(layer, field, TRUE);
    OGR_Fld_Destroy(field);
    char** opts = connectivity == 8 ? CSLSetNameValue(nullptr, "8CONNECTED", "8") : nullptr;
    const CPLErr err = is_float ? GDALFPolygonize(band, mask_band, layer, 0, opts, nullptr, nullptr)
                                : GDALPolygonize(band, mask_band, layer, 0, opts, nullptr, nullptr);
    EXPECT_EQ(err, CE_None);
    CSLDestroy(opts);
    std::vector<Poly> out;
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
        Poly p;
        p.value = is_float ? OGR_F_GetFieldAsDouble(f, 0) : static_cast<double>(OGR_F_GetFieldAsInteger(f, 0));
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        for (int r = 0; r < OGR_G_GetGeometryCount(g); ++r) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(g, r);
            Ring pts;
            for (int i = 0; i < OGR_G_GetPointCount(ring); ++i) pts.emplace_back(OGR_G_GetX(ring, i), OGR_G_GetY(ring, i));
            p.rings.push_back(std::move(pts));
        }
        out.push_back(std::move(p));
        OGR_F_Destroy(f);
    }
    GDALClose(vds);
    return out;
}

/// GDAL's answer for a case, over MEM datasets.
std::vector<Poly> gdal_polygons(const Case& c) {
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDatasetH src = GDALCreate(mem, "", c.cols, c.rows, 1, gdal_type(c.dtype), nullptr);
    const auto gt = c.transform.to_gdal();
    GDALSetGeoTransform(src, const_cast<double*>(gt.data())); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL 3.6 takes a non-const pointer
    GDALRasterBandH band = GDALGetRasterBand(src, 1);
    EXPECT_EQ(GDALRasterIO(band, GF_Write, 0, 0, c.cols, c.rows, const_cast<std::byte*>(c.pixels.data()), c.cols, c.rows, // NOLINT(cppcoreguidelines-pro-type-const-cast): written from, not to
                           gdal_type(c.dtype), 0, 0),
              CE_None);
    GDALDatasetH mds = nullptr;
    GDALRasterBandH mask_band = nullptr;
    if (!c.mask.empty()) {
        mds = GDALCreate(mem, "", c.cols, c.rows, 1, GDT_Byte, nullptr);
        mask_band = GDALGetRasterBand(mds, 1);
        EXPECT_EQ(GDALRasterIO(mask_band, GF_Write, 0, 0, c.cols, c.rows, const_cast<std::uint8_t*>(c.mask.data()), c.cols, // NOLINT(cppcoreguidelines-pro-type-const-cast): written from, not to
                               c.rows, GDT_Byte, 0, 0),
                  CE_None);
    }
    auto out = gdal_polygons(band, mask_band, c.dtype == DType::float32, c.connectivity);
    if (mds) GDALClose(mds);
    GDALClose(src);
    return out;
}

/// rastio's shapes as polygons.
std::vector<Poly> to_polys(const std::vector<RegionShape>& found) {
    std::vector<Poly> out;
    for (const RegionShape& s : found) {
        Poly p;
        p.value = s.value;
        EXPECT_EQ(s.geometry.at("type"), "Polygon");
        for (const auto& ring : s.geometry.at("coordinates")) {
            Ring pts;
            for (const auto& xy : ring) pts.emplace_back(xy.at(0).get<double>(), xy.at(1).get<double>());
            p.rings.push_back(std::move(pts));
        }
        out.push_back(std::move(p));
    }
    return out;
}

/// rastio's answer, through the public shapes().
std::vector<Poly> rastio_polygons(const Case& c) {
    AnyArray a = AnyArray::uninitialized(c.dtype, Shape{1, static_cast<std::size_t>(c.rows), static_cast<std::size_t>(c.cols)});
    std::memcpy(a.data(), c.pixels.data(), c.pixels.size());
    ShapesOptions o{.connectivity = c.connectivity, .transform = c.transform};
    Array<std::uint8_t> m(Shape{1, static_cast<std::size_t>(c.rows), static_cast<std::size_t>(c.cols)});
    if (!c.mask.empty()) {
        std::memcpy(m.data(), c.mask.data(), c.mask.size());
        o.mask.emplace(m);
    }
    return to_polys(shapes(a, o));
}

/// rastio's answer for a Dataset band, with another band of the dataset as the mask.
std::vector<Poly> rastio_polygons(const Dataset& ds, int connectivity, bool masked) {
    ShapesOptions o{.connectivity = connectivity};
    if (masked) o.mask.emplace(ds, 2);
    return to_polys(shapes(BandRef(ds, 1), o));
}

/// Fails with the first difference (and the raster when it is small).
void expect_same(const Case& c) {
    const auto want = gdal_polygons(c);
    const auto got = rastio_polygons(c);
    std::string where;
    if (got.size() != want.size()) where = std::to_string(got.size()) + " polygons, GDAL " + std::to_string(want.size());
    for (std::size_t i = 0; where.empty() && i < got.size(); ++i) {
        if (!(got[i] == want[i])) {
            where = "polygon " + std::to_string(i) + ":\n  rastio " + describe(got[i]) + "\n  GDAL   " + describe(want[i]);
        }
    }
    if (where.empty()) return;
    std::ostringstream s;
    if (c.rows * c.cols <= 400 && c.dtype != DType::float32) {
        for (int r = 0; r < c.rows; ++r) {
            s << "\n   ";
            for (int col = 0; col < c.cols; ++col) {
                const auto i = static_cast<std::size_t>(r * c.cols + col);
                std::int64_t v = 0;
                switch (c.dtype) {
                case DType::uint8: v = static_cast<std::uint8_t>(c.pixels[i]); break;
                case DType::uint16: { std::uint16_t x; std::memcpy(&x, &c.pixels[i * 2], 2); v = x; break; }
                case DType::int16: { std::int16_t x; std::memcpy(&x, &c.pixels[i * 2], 2); v = x; break; }
                default: { std::int32_t x; std::memcpy(&x, &c.pixels[i * 4], 4); v = x; break; }
                }
                s << " " << v;
                if (!c.mask.empty() && c.mask[i] == 0) s << "m";
            }
        }
    }
    ADD_FAILURE() << c.label << " (" << c.rows << "x" << c.cols << ", " << to_string(c.dtype) << ", connectivity "
                  << c.connectivity << (c.mask.empty() ? "" : ", masked") << "): " << where << s.str();
}

/// Random cases from one seed: sizes, classes, textures, masks, transforms and dtypes vary.
class CaseMaker {
public:
    explicit CaseMaker(std::uint32_t seed) : m_rng(seed) {}

    Case make(DType t, int rows, int cols, int connectivity, bool masked) {
        Case c;
        c.dtype = t;
        c.rows = rows;
        c.cols = cols;
        c.connectivity = connectivity;
        c.transform = transform();
        const int classes = pick({1, 2, 3, 5, 12, 200});
        const int texture = pick({0, 1, 2});
        const std::vector<double> palette = values(t, classes);
        const double fx = uniform(0.02, 0.6);
        const double fy = uniform(0.02, 0.6);
        const double speck = pick({0.0, 0.01, 0.2});
        c.pixels.resize(static_cast<std::size_t>(rows * cols) * dtype_size(t));
        std::uniform_int_distribution<std::size_t> any(0, palette.size() - 1);
        for (int r = 0; r < rows; ++r) {
            for (int col = 0; col < cols; ++col) {
                std::size_t k = 0;
                if (texture == 0) {
                    k = any(m_rng); // noise
                } else if (texture == 1) { // smooth field cut into classes
                    const double f = std::sin(col * fx) * std::cos(r * fy) + std::sin((col + r) * fx * 0.3);
                    k = static_cast<std::size_t>(std::clamp((f + 2.0) / 4.0, 0.0, 0.999) * static_cast<double>(palette.size()));
                } else { // blocks
                    k = static_cast<std::size_t>((r / 3 + col / 4) % static_cast<int>(palette.size()));
                }
                if (speck > 0 && uniform(0, 1) < speck) k = any(m_rng);
                put(c, static_cast<std::size_t>(r * cols + col), palette[k]);
            }
        }
        if (masked) {
            c.mask.resize(static_cast<std::size_t>(rows * cols));
            const int kind = pick({0, 1, 2});
            for (int r = 0; r < rows; ++r) {
                for (int col = 0; col < cols; ++col) {
                    std::uint8_t v = 1;
                    if (kind == 0) v = uniform(0, 1) < 0.3 ? 0 : static_cast<std::uint8_t>(pick({1, 255}));
                    if (kind == 1) v = (r - rows / 2) * (r - rows / 2) + (col - cols / 3) * (col - cols / 3) < rows * cols / 5 ? 255 : 0;
                    if (kind == 2) v = (r * 7 + col * 3) % 11 < 3 ? 0 : 1;
                    c.mask[static_cast<std::size_t>(r * cols + col)] = v;
                }
            }
        }
        return c;
    }

    int pick(std::initializer_list<int> xs) { return *(xs.begin() + std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(m_rng)); }
    double pick(std::initializer_list<double> xs) { return *(xs.begin() + std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(m_rng)); }
    int size(int most) { return std::uniform_int_distribution<int>(1, most)(m_rng); }

private:
    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(m_rng); }

    Affine transform() {
        switch (pick({0, 1, 2, 3})) {
        case 0: return Affine{};
        case 1: return Affine{10.0, 0.0, 500000.0, 0.0, -10.0, 4200000.0};
        case 2: return Affine{0.1, 0.0, -179.95, 0.0, -0.1, 89.95};
        default: return Affine{0.3, 0.05, 1234.567, -0.07, -0.25, 9876.543}; // rotated, inexact steps
        }
    }

    /// `n` distinct-ish values of dtype t; for float32 some a few ULPs apart, and special values.
    std::vector<double> values(DType t, int n) {
        std::vector<double> out;
        for (int i = 0; i < n; ++i) {
            switch (t) {
            case DType::uint8: out.push_back(std::uniform_int_distribution<int>(0, 255)(m_rng)); break;
            case DType::uint16: out.push_back(std::uniform_int_distribution<int>(0, 65535)(m_rng)); break;
            case DType::int16: out.push_back(std::uniform_int_distribution<int>(-32768, 32767)(m_rng)); break;
            case DType::int32:
                out.push_back(i == 1 ? double(detail::polygonize_nodata_marker)
                                     : std::uniform_int_distribution<std::int32_t>(std::numeric_limits<std::int32_t>::min(),
                                                                                   std::numeric_limits<std::int32_t>::max())(m_rng));
                break;
            default: {
                const int kind = pick({0, 0, 1, 2, 3});
                float v = static_cast<float>(uniform(-1000, 1000));
                // A few ULPs from another value: GDAL's equality. Not from the marker: GDAL 3.6 then
                // writes its id map at -1 when such a pixel meets a marked one (rastio runs GDAL
                // for those bands, see NearMarkerFloatsGoToGdal).
                if (kind == 1 && !out.empty() && out.back() != double(detail::polygonize_nodata_marker)) {
                    v = static_cast<float>(out.back());
                    const int steps = pick({1, 3, 9, 10, 11, 12});
                    for (int s = 0; s < steps; ++s) v = std::nextafter(v, std::numeric_limits<float>::infinity());
                }
                if (kind == 2) v = static_cast<float>(pick({0.0, -0.0, 1.0, -4.0, 0.5}));
                if (kind == 3) {
                    v = static_cast<float>(pick({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                                 -std::numeric_limits<double>::infinity(), double(detail::polygonize_nodata_marker)}));
                }
                out.push_back(v);
            }
            }
        }
        return out;
    }

    static void put(Case& c, std::size_t i, double v) {
        switch (c.dtype) {
        case DType::uint8: c.pixels[i] = static_cast<std::byte>(static_cast<std::uint8_t>(v)); break;
        case DType::uint16: { const auto x = static_cast<std::uint16_t>(v); std::memcpy(&c.pixels[i * 2], &x, 2); break; }
        case DType::int16: { const auto x = static_cast<std::int16_t>(v); std::memcpy(&c.pixels[i * 2], &x, 2); break; }
        case DType::int32: { const auto x = static_cast<std::int32_t>(v); std::memcpy(&c.pixels[i * 4], &x, 4); break; }
        default: { const auto x = static_cast<float>(v); std::memcpy(&c.pixels[i * 4], &x, 4); break; }
        }
    }

    std::mt19937 m_rng;
};

/// A fresh seed each run (printed on failure), or RASTIO_POLYGONIZE_SEED to replay one.
std::uint32_t seed() {
    if (const char* s = std::getenv("RASTIO_POLYGONIZE_SEED")) return static_cast<std::uint32_t>(std::stoul(s));
    return std::random_device{}();
}

void run_random(DType t, int count, int most) {
    const std::uint32_t s = seed();
    SCOPED_TRACE("RASTIO_POLYGONIZE_SEED=" + std::to_string(s));
    CaseMaker maker(s);
    for (int i = 0; i < count; ++i) {
        const int rows = maker.size(i % 4 == 0 ? 6 : most);
        const int cols = maker.size(i % 4 == 0 ? 6 : most);
        Case c = maker.make(t, rows, cols, maker.pick({4, 8}), maker.pick({0, 1}) == 1);
        c.label = "case " + std::to_string(i);
        expect_same(c);
        if (::testing::Test::HasFailure()) return;
    }
}

} // namespace

TEST(PolygonizeTest, GdalFloatEqualsAsGdal36) {
    EXPECT_TRUE(detail::gdal_float_equals(1.0f, 1.0f));
    float ten = 1.0f;
    for (int i = 0; i < 10; ++i) ten = std::nextafter(ten, 2.0f);
    EXPECT_TRUE(detail::gdal_float_equals(1.0f, ten));
    EXPECT_FALSE(detail::gdal_float_equals(1.0f, std::nextafter(ten, 2.0f)));
    EXPECT_TRUE(detail::gdal_float_equals(0.0f, -0.0f));
    EXPECT_TRUE(detail::gdal_float_equals(1.0f, -4.0f)); // a difference of 2^31: GDAL's abs(INT_MIN)
    EXPECT_TRUE(detail::gdal_float_equals(std::nanf(""), std::nanf("")));
}

TEST(PolygonizeTest, SmallCasesOfEveryKindAsGdal) {
    const std::uint32_t s = seed();
    SCOPED_TRACE("RASTIO_POLYGONIZE_SEED=" + std::to_string(s));
    CaseMaker maker(s);
    int n = 0;
    for (const DType t : {DType::uint8, DType::uint16, DType::int16, DType::int32, DType::float32}) {
        for (const int conn : {4, 8}) {
            for (const bool masked : {false, true}) {
                for (int rows = 1; rows <= 4; ++rows) {
                    for (int cols = 1; cols <= 4; ++cols) {
                        Case c = maker.make(t, rows, cols, conn, masked);
                        c.label = "small case " + std::to_string(n++);
                        expect_same(c);
                        if (HasFailure()) return;
                    }
                }
            }
        }
    }
}

TEST(PolygonizeTest, RandomUint8AsGdal) { run_random(DType::uint8, 80, 100); }
TEST(PolygonizeTest, RandomInt16Uint16AsGdal) {
    run_random(DType::int16, 30, 80);
    run_random(DType::uint16, 30, 80);
}
TEST(PolygonizeTest, RandomInt32AsGdal) { run_random(DType::int32, 40, 80); }
TEST(PolygonizeTest, RandomFloat32AsGdal) { run_random(DType::float32, 80, 100); }

TEST(PolygonizeTest, LargeRastersAsGdal) {
    const std::uint32_t s = seed();
    SCOPED_TRACE("RASTIO_POLYGONIZE_SEED=" + std::to_string(s));
    CaseMaker maker(s);
    for (const DType t : {DType::uint8, DType::float32}) {
        for (const int conn : {4, 8}) {
            Case c = maker.make(t, 200, 190, conn, conn == 8);
            c.label = "large";
            expect_same(c);
        }
    }
}

TEST(PolygonizeTest, NearMarkerFloatsGoToGdal) {
    // Values a few ULPs from GDAL's marker: rastio hands the band to GDAL, whose answer is defined
    // here because no pixel is masked or holds the marker itself.
    const float marker = static_cast<float>(detail::polygonize_nodata_marker);
    const float near = std::nextafter(marker, 0.0f);
    Case c;
    c.dtype = DType::float32;
    c.rows = 5;
    c.cols = 6;
    c.label = "near the marker";
    for (int i = 0; i < c.rows * c.cols; ++i) {
        const float v = (i % 7 == 0) ? near : static_cast<float>(i % 3);
        const auto* b = reinterpret_cast<const std::byte*>(&v); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the float's bytes
        c.pixels.insert(c.pixels.end(), b, b + sizeof v);
    }
    for (const int conn : {4, 8}) {
        c.connectivity = conn;
        expect_same(c);
    }
}

TEST(PolygonizeTest, DatasetBandsWithABandAsMaskAsGdal) {
    // A GeoTIFF band read through GDAL row by row (its own geotransform), the mask another band.
    const std::uint32_t s = seed();
    SCOPED_TRACE("RASTIO_POLYGONIZE_SEED=" + std::to_string(s));
    CaseMaker maker(s);
    for (const DType t : {DType::uint8, DType::float32}) {
        for (const int conn : {4, 8}) {
            const bool masked = t == DType::uint8; // GTiff bands share a dtype; the mask must be uint8
            Case c = maker.make(t, 70, 90, conn, masked);
            const std::string path = "/vsimem/polygonize_test_" + std::to_string(conn) + std::string(to_string(t)) + ".tif";
            GDALDatasetH h = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), c.cols, c.rows, masked ? 2 : 1,
                                        gdal_type(t), nullptr);
            ASSERT_NE(h, nullptr);
            double gt[6] = {500000.0, 10.0, 0.0, 4200000.0, 0.0, -10.0};
            GDALSetGeoTransform(h, gt);
            EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(h, 1), GF_Write, 0, 0, c.cols, c.rows, c.pixels.data(), c.cols, c.rows,
                                   gdal_type(t), 0, 0),
                      CE_None);
            if (masked) {
                EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(h, 2), GF_Write, 0, 0, c.cols, c.rows, c.mask.data(), c.cols, c.rows,
                                       GDT_Byte, 0, 0),
                          CE_None);
            }
            GDALClose(h);
            MemoryFile mf(rastio::test::take_vsimem(path));
            const Dataset ds = mf.open();
            auto* dh = static_cast<GDALDatasetH>(ds.gdal_handle());
            const auto want = gdal_polygons(GDALGetRasterBand(dh, 1), masked ? GDALGetRasterBand(dh, 2) : nullptr,
                                            t == DType::float32, conn);
            const auto got = rastio_polygons(ds, conn, masked);
            ASSERT_EQ(got.size(), want.size()) << to_string(t) << " connectivity " << conn;
            for (std::size_t i = 0; i < got.size(); ++i) {
                ASSERT_TRUE(got[i] == want[i]) << to_string(t) << " connectivity " << conn << " polygon " << i << ":\n  rastio "
                                               << describe(got[i]) << "\n  GDAL   " << describe(want[i]);
            }
        }
    }
}
