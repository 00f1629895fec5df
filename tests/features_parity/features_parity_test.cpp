// rastio's features (rasterize, geometry_mask, bounds, geometry_window, raster_geometry_mask,
// mask) against rasterio 1.3.5 on fresh random inputs each run: star-shaped polygons with holes,
// multipolygons with overlapping parts, lines, points and a collection over and around rasters
// in four CRSs, five dtypes and every nodata kind (none, a value, NaN, a per-dataset mask).
// rasterio's answers come from rasterio_features_expect.py (a ctest fixture, or run by this
// program when run alone). Arrays, transforms, windows and bounds must be identical; refusals too.

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>

#include "peer_expectations.hpp"
#include "test_support.hpp"

using namespace rastio;
using nlohmann::json;

namespace {

const rastio::test::PeerExpectations& expectations() {
    static const auto e =
        rastio::test::load_peer_expectations("RASTIO_FEATURES_EXPECT", RASTIO_PARITY_PYTHON, RASTIO_FEATURES_EXPECT_SCRIPT);
    return e;
}

#define REQUIRE_PEER()                                                          \
    do {                                                                        \
        if (!expectations().skip.empty()) GTEST_SKIP() << expectations().skip; \
    } while (0)

/// The rasters, each read once into a MemoryFile and opened from it.
const Dataset& raster(const std::string& name) {
    static std::map<std::string, std::pair<MemoryFile, Dataset>> files;
    auto it = files.find(name);
    if (it == files.end()) {
        MemoryFile mf(rastio::test::read_file(expectations().dir + "/" + name + ".tif"));
        Dataset ds = mf.open();
        it = files.emplace(name, std::pair{std::move(mf), std::move(ds)}).first;
    }
    return it->second.second;
}

Affine affine_of(const json& t) { return {t[0], t[1], t[2], t[3], t[4], t[5]}; }

/// GeoJSON geometries, handed over as nlohmann::json values.
std::vector<Geometry> geoms_of(const json& c) {
    std::vector<Geometry> out;
    for (const auto& g : c.at("geoms")) out.emplace_back(g);
    return out;
}

BurnValue burn_value(const json& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    return v.get<double>();
}

std::vector<GeometryValue> shapes_of(const json& c) {
    std::vector<GeometryValue> out;
    const json& values = c.at("values");
    std::size_t i = 0;
    for (const auto& g : c.at("geoms")) {
        if (values.is_null()) {
            out.emplace_back(Geometry(g));
        } else {
            out.emplace_back(Geometry(g), burn_value(values.at(i)));
        }
        ++i;
    }
    return out;
}

RasterizeOptions rasterize_options(const json& c) {
    RasterizeOptions o;
    const auto s = c.at("out_shape").get<std::vector<int>>();
    o.out_shape = std::pair{s.at(0), s.at(1)};
    o.transform = affine_of(c.at("transform"));
    const json& opts = c.at("options");
    o.all_touched = opts.value("all_touched", false);
    if (opts.value("merge_alg", "replace") == "add") o.merge_alg = MergeAlg::add;
    if (opts.contains("fill")) o.fill = burn_value(opts.at("fill"));
    if (opts.contains("default_value")) o.default_value = burn_value(opts.at("default_value"));
    if (opts.contains("dtype")) o.dtype = parse_dtype(opts.at("dtype").get<std::string>());
    return o;
}

double value_at(const std::byte* p, DType t, std::size_t i) {
    return visit_dtype(t, [&](auto v) -> double {
        using T = decltype(v);
        if constexpr (std::is_arithmetic_v<T>) {
            std::memcpy(&v, p + i * sizeof(T), sizeof(T));
            return static_cast<double>(v);
        } else {
            return 0.0;
        }
    });
}

/// Expects `got` to hold rasterio's array `bin` (dtype and shape from `c`), pixel for pixel (NaN = NaN).
void expect_array(const AnyArray& got, const json& c, const std::string& bin) {
    const std::string name = c.at("name").get<std::string>();
    ASSERT_EQ(std::string(to_string(got.dtype())), c.at("dtype").get<std::string>()) << name;
    auto s = c.at("shape").get<std::vector<std::size_t>>();
    if (s.size() == 2) s.insert(s.begin(), 1);
    ASSERT_EQ(got.shape(), (Shape{s.at(0), s.at(1), s.at(2)})) << name;
    const auto want = rastio::test::read_file(expectations().dir + "/" + bin);
    ASSERT_EQ(want.size(), got.bytes().size()) << name;
    std::size_t differing = 0, first = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double a = value_at(got.bytes().data(), got.dtype(), i), b = value_at(want.data(), got.dtype(), i);
        if (a == b || (std::isnan(a) && std::isnan(b))) continue;
        if (differing++ == 0) first = i;
    }
    EXPECT_EQ(differing, 0u) << name << ": " << differing << " of " << got.size() << " differ, first at " << first
                             << ": " << value_at(got.bytes().data(), got.dtype(), first) << " vs "
                             << value_at(want.data(), got.dtype(), first);
}

/// Runs `f` on every case of `kind` (those with or without an "error"); returns how many ran.
template <class F>
int each(const char* kind, bool errors, F&& f) {
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != kind || c.contains("error") != errors) continue;
        SCOPED_TRACE(c.at("name").get<std::string>());
        f(c);
        ++n;
    }
    return n;
}

/// Warnings raised on this thread while alive.
struct Warnings {
    std::vector<Warning> seen;
    WarningScope scope{[this](const Warning& w) { seen.push_back(w); }};
};

} // namespace

TEST(FeaturesParity, RasterizeEveryOptionAndDtype) {
    REQUIRE_PEER();
    const int n = each("rasterize", false, [](const json& c) {
        Warnings w;
        const AnyArray got = rasterize(shapes_of(c), rasterize_options(c));
        expect_array(got, c, c.at("bin"));
    });
    EXPECT_EQ(n, 5 * 5 * 8 + 1);
}

TEST(FeaturesParity, RasterizeIntoAnExistingArray) {
    REQUIRE_PEER();
    const int n = each("rasterize_out", false, [](const json& c) {
        const auto s = c.at("shape").get<std::vector<std::size_t>>();
        Array<std::int16_t> start(Shape{1, s.at(0), s.at(1)});
        const auto bytes = rastio::test::read_file(expectations().dir + "/" + c.at("start").get<std::string>());
        ASSERT_EQ(bytes.size(), start.bytes().size());
        std::memcpy(start.data(), bytes.data(), bytes.size());
        AnyArray out(std::move(start));
        const void* before = out.data();
        RasterizeOptions o;
        o.out = &out;
        o.transform = affine_of(c.at("transform"));
        o.merge_alg = MergeAlg::add;
        EXPECT_TRUE(rasterize(shapes_of(c), o).empty());
        EXPECT_EQ(out.data(), before); // burnt in place
        expect_array(out, c, c.at("bin"));
    });
    EXPECT_EQ(n, 5 * 5);
}

TEST(FeaturesParity, GeometryMask) {
    REQUIRE_PEER();
    const int n = each("geometry_mask", false, [](const json& c) {
        const auto s = c.at("out_shape").get<std::vector<int>>();
        const Array<std::uint8_t> got = geometry_mask(geoms_of(c), {s.at(0), s.at(1)}, affine_of(c.at("transform")),
                                                      c.at("all_touched").get<bool>(), c.at("invert").get<bool>());
        expect_array(got, c, c.at("bin"));
    });
    EXPECT_EQ(n, 5 * 5 * 4);
}

TEST(FeaturesParity, Bounds) {
    REQUIRE_PEER();
    const int n = each("bounds", false, [](const json& c) {
        const Geometry g(c.at("geom"));
        const auto as_vec = [](const Bounds& b) { return std::vector<double>{b.left, b.bottom, b.right, b.top}; };
        EXPECT_EQ(as_vec(bounds(g)), c.at("plain").get<std::vector<double>>());
        EXPECT_EQ(as_vec(bounds(g, false)), c.at("south").get<std::vector<double>>());
        EXPECT_EQ(as_vec(bounds(g, true, affine_of(c.at("transform")))), c.at("pixels").get<std::vector<double>>());
    });
    EXPECT_EQ(n, 5 * 25);
}

TEST(FeaturesParity, GeometryWindow) {
    REQUIRE_PEER();
    int outside = 0;
    const int n = each("geometry_window", false, [&](const json& c) {
        const Dataset& ds = raster(c.at("raster"));
        const auto geoms = geoms_of(c);
        const double px = c.at("pad_x").get<double>(), py = c.at("pad_y").get<double>();
        const bool boundless = c.at("boundless").get<bool>();
        if (c.at("window").is_null()) {
            ++outside;
            EXPECT_THROW(geometry_window(ds, geoms, px, py, boundless), ArgumentError);
            return;
        }
        const auto w = c.at("window").get<std::vector<int>>();
        EXPECT_EQ(geometry_window(ds, geoms, px, py, boundless), (Window(w[0], w[1], w[2], w[3])));
    });
    EXPECT_EQ(n, 5 * 5 * 5);
    RecordProperty("windows_outside", outside);
}

TEST(FeaturesParity, RasterGeometryMask) {
    REQUIRE_PEER();
    const int n = each("raster_geometry_mask", false, [](const json& c) {
        const json& opts = c.at("options");
        RasterGeometryMaskOptions o;
        o.crop = opts.value("crop", false);
        o.pad = opts.value("pad", false);
        o.invert = opts.value("invert", false);
        o.all_touched = opts.value("all_touched", false);
        Warnings w;
        const RasterGeometryMask got = raster_geometry_mask(raster(c.at("raster")), geoms_of(c), o);
        expect_array(got.mask, c, c.at("bin"));
        EXPECT_EQ(got.transform, affine_of(c.at("transform")));
        if (c.at("window").is_null()) {
            EXPECT_FALSE(got.window.has_value());
        } else {
            const auto win = c.at("window").get<std::vector<int>>();
            ASSERT_TRUE(got.window.has_value());
            EXPECT_EQ(*got.window, (Window(win[0], win[1], win[2], win[3])));
        }
    });
    EXPECT_EQ(n + each("raster_geometry_mask", true, [](const json&) {}), 5 * 5 * 3);
}

namespace {

MaskOptions mask_options(const json& opts) {
    MaskOptions o;
    o.crop = opts.value("crop", false);
    o.pad = opts.value("pad", false);
    o.pad_width = opts.value("pad_width", 0.5);
    o.invert = opts.value("invert", false);
    o.all_touched = opts.value("all_touched", false);
    o.filled = opts.value("filled", true);
    if (opts.contains("nodata")) o.nodata = opts.at("nodata").get<double>();
    if (opts.contains("indexes")) o.indexes = opts.at("indexes").get<Bands>();
    return o;
}

} // namespace

TEST(FeaturesParity, MaskFilledAndUnfilled) {
    REQUIRE_PEER();
    int unfilled = 0;
    const int n = each("mask", false, [&](const json& c) {
        const MaskOptions o = mask_options(c.at("options"));
        Warnings w;
        const MaskedRaster got = mask(raster(c.at("raster")), geoms_of(c), o);
        expect_array(got.data, c, c.at("bin"));
        EXPECT_EQ(got.transform, affine_of(c.at("transform")));
        if (c.contains("mask_bin")) {
            ++unfilled;
            // rasterio's numpy mask is True where masked; rastio's is 0 there, 255 where valid.
            const auto want = rastio::test::read_file(expectations().dir + "/" + c.at("mask_bin").get<std::string>());
            ASSERT_EQ(want.size(), got.mask.size());
            std::size_t differing = 0;
            for (std::size_t i = 0; i < want.size(); ++i)
                differing += (got.mask.values()[i] == 0) != (want[i] != std::byte{0});
            EXPECT_EQ(differing, 0u);
        } else {
            EXPECT_TRUE(got.mask.empty());
        }
        if (c.at("name").get<std::string>().ends_with("/outside_plain")) {
            ASSERT_EQ(w.seen.size(), 1u);
            EXPECT_NE(w.seen[0].message.find("shapes are outside bounds of raster"), std::string::npos);
        }
    });
    EXPECT_EQ(n + each("mask", true, [](const json&) {}), 5 * 5 * 8 + 5 * 2);
    EXPECT_GT(unfilled, 0);
}

TEST(FeaturesParity, RefusedWhereRasterioRefuses) {
    REQUIRE_PEER();
    int n = each("mask", true, [](const json& c) {
        try {
            mask(raster(c.at("raster")), geoms_of(c), mask_options(c.at("options")));
            ADD_FAILURE() << "not refused; rasterio said: " << c.at("error");
        } catch (const ArgumentError& e) {
            EXPECT_EQ(std::string(e.what()), c.at("error").get<std::string>());
        }
    });
    n += each("raster_geometry_mask", true, [](const json& c) {
        RasterGeometryMaskOptions o;
        o.crop = c.at("options").value("crop", false);
        o.pad = c.at("options").value("pad", false);
        EXPECT_THROW(raster_geometry_mask(raster(c.at("raster")), geoms_of(c), o), ArgumentError);
    });
    n += each("rasterize", true, [](const json& c) {
        try {
            rasterize(shapes_of(c), rasterize_options(c));
            ADD_FAILURE() << "not refused; rasterio said: " << c.at("error");
        } catch (const ArgumentError& e) {
            // Same message, but for rasterio's typo "default_vaue".
            std::string want = c.at("error").get<std::string>();
            if (const auto p = want.find("default_vaue"); p != std::string::npos) want.replace(p, 12, "default_value");
            EXPECT_EQ(std::string(e.what()), want);
        }
    });
    EXPECT_GE(n, 5 + 7);
}

TEST(FeaturesParity, SkippedShapeWarnsWithItsIndex) {
    REQUIRE_PEER();
    const int n = each("rasterize", false, [](const json& c) {
        if (!c.at("name").get<std::string>().starts_with("skip/")) return;
        Warnings w;
        const AnyArray got = rasterize(shapes_of(c), rasterize_options(c));
        expect_array(got, c, c.at("bin"));
        ASSERT_EQ(w.seen.size(), 1u);
        EXPECT_NE(w.seen[0].message.find("at index 0 will not be rasterized"), std::string::npos) << w.seen[0].message;
    });
    EXPECT_GT(n, 0);
}
