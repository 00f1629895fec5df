// rastio's features beyond what the rasterio parity suite replays: refusals of input rasterio
// cannot even receive (text that is not JSON, an `out` of several bands), warnings, burning in
// place, MemoryFile datasets, and nothing left behind.

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/env.hpp>
#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>

#include "test_support.hpp"

using namespace rastio;

namespace {

const char* k_square = R"({"type": "Polygon", "coordinates": [[[1, 1], [5, 1], [5, 5], [1, 5], [1, 1]]]})";

std::string what_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ArgumentError& e) {
        return e.what();
    }
    return "(no ArgumentError)";
}

} // namespace

TEST(FeaturesTest, RasterizeBurnsCentresOfCoveredPixels) {
    const AnyArray a = rasterize({{Geometry(k_square), 7}}, {.out_shape = std::pair{6, 6}});
    ASSERT_EQ(a.dtype(), DType::uint8);
    const auto& px = a.as<std::uint8_t>();
    EXPECT_EQ(px(0, 0, 0), 0);
    EXPECT_EQ(px(0, 1, 1), 7);
    EXPECT_EQ(px(0, 4, 4), 7);
    EXPECT_EQ(px(0, 5, 5), 0);
    EXPECT_EQ(std::count(px.values().begin(), px.values().end(), std::uint8_t{7}), 16);
}

TEST(FeaturesTest, GeometryFromNlohmannJsonIsTheSameAsFromText) {
    const auto j = nlohmann::json::parse(k_square);
    const AnyArray a = rasterize({Geometry(j)}, {.out_shape = std::pair{6, 6}});
    const AnyArray b = rasterize({Geometry(std::string(k_square))}, {.out_shape = std::pair{6, 6}});
    EXPECT_EQ(a, b);
}

TEST(FeaturesTest, TextThatIsNotJsonIsRefusedNamingItsIndex) {
    const std::string w = what_of([] { rasterize({Geometry(k_square), Geometry("{not json")}, {.out_shape = std::pair{6, 6}}); });
    EXPECT_NE(w.find("index 1"), std::string::npos) << w;
    EXPECT_NE(w.find("not GeoJSON"), std::string::npos) << w;
}

TEST(FeaturesTest, InvalidGeometryIsSkippedWithAWarningNamingItsIndex) {
    std::vector<Warning> seen;
    WarningScope scope([&](const Warning& w) { seen.push_back(w); });
    const AnyArray a = rasterize({{Geometry(k_square), 2}, {Geometry(R"({"type": "Point", "coordinates": []})"), 3}},
                                 {.out_shape = std::pair{6, 6}});
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_NE(seen[0].message.find("at index 1 will not be rasterized"), std::string::npos) << seen[0].message;
    EXPECT_EQ(a.as<std::uint8_t>()(0, 2, 2), 2);
}

TEST(FeaturesTest, OutIsBurntInPlaceAndMustHaveOneBand) {
    AnyArray out(Array<std::int32_t>(Shape{1, 6, 6}));
    out.as<std::int32_t>()(0, 2, 2) = 100;
    RasterizeOptions o{.merge_alg = MergeAlg::add};
    o.out = &out;
    EXPECT_TRUE(rasterize({{Geometry(k_square), -5}}, o).empty());
    EXPECT_EQ(out.as<std::int32_t>()(0, 2, 2), 95);
    EXPECT_EQ(out.as<std::int32_t>()(0, 0, 0), 0);

    AnyArray two(Array<std::int32_t>(Shape{2, 6, 6}));
    o.out = &two;
    EXPECT_NE(what_of([&] { rasterize({Geometry(k_square)}, o); }).find("one band"), std::string::npos);
    AnyArray int8(Array<std::int8_t>(Shape{1, 6, 6}));
    o.out = &int8;
    EXPECT_NE(what_of([&] { rasterize({Geometry(k_square)}, o); }).find("out dtype must be one of"), std::string::npos);
}

TEST(FeaturesTest, BoundsRefusesWhatIsNotGeoJson) {
    EXPECT_THROW(bounds(Geometry("[1, 2]")), ArgumentError);
    EXPECT_THROW(bounds(Geometry(R"({"type": "Feature", "properties": {}})")), ArgumentError);
    EXPECT_THROW(bounds(Geometry("nonsense")), ArgumentError);
    const Bounds b = bounds(Geometry(R"({"type": "Feature", "geometry": {"type": "Point", "coordinates": [3, 4]}})"));
    EXPECT_EQ(b, (Bounds{3, 4, 3, 4}));
}

TEST(FeaturesTest, MaskOnAMemoryFileLeavesNothingBehind) {
    const auto before = test::vsimem_entries();
    const int fds = test::open_fd_count();
    {
        MemoryFile mf(test::make_gtiff(16, 16, 2));
        Dataset ds = mf.open();
        // Pixels (1, 1) to (5, 5) of make_gtiff's grid: 30 m pixels from (101985, 2826915).
        const Geometry square(R"({"type": "Polygon", "coordinates": [[[102015, 2826885], [102135, 2826885],
            [102135, 2826765], [102015, 2826765], [102015, 2826885]]]})");
        const MaskedRaster m = mask(ds, {square}, {.filled = false, .crop = true});
        EXPECT_EQ(m.data.shape(), (Shape{2, 4, 4}));
        EXPECT_EQ(m.transform, (Affine{30, 0, 102015, 0, -30, 2826885}));
        EXPECT_EQ(std::count(m.mask.values().begin(), m.mask.values().end(), std::uint8_t{255}), 32);
        const Geometry far(R"({"type": "Point", "coordinates": [104985.3, 2823914.7]})"); // pixel (100.01, 100.01)
        EXPECT_EQ(what_of([&] { mask(ds, {far}, {.crop = true}); }), "Input shapes do not overlap raster.");
        EXPECT_THROW(geometry_window(ds, {far}), ArgumentError);
        EXPECT_EQ(geometry_window(ds, {far}, 0, 0, true), (Window(100, 100, 1, 1)));
    }
    EXPECT_EQ(test::vsimem_entries(), before);
    EXPECT_EQ(test::open_fd_count(), fds);
}

namespace {

std::size_t thread_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
}

/// Shapes on which a change of rounding would show: edges on pixel edges and through pixel
/// centres, points on pixel corners, lines along grid lines, shapes across every strip border,
/// overlapping shapes with different values (order matters), and generic ones.
std::vector<GeometryValue> awkward_shapes() {
    std::vector<GeometryValue> shapes;
    auto poly = [&](double x0, double y0, double x1, double y1, std::int64_t v) {
        shapes.emplace_back(Geometry("{\"type\": \"Polygon\", \"coordinates\": [[[" + std::to_string(x0) + ", " +
                                     std::to_string(y0) + "], [" + std::to_string(x1) + ", " + std::to_string(y0) +
                                     "], [" + std::to_string(x1) + ", " + std::to_string(y1) + "], [" +
                                     std::to_string(x0) + ", " + std::to_string(y1) + "], [" + std::to_string(x0) +
                                     ", " + std::to_string(y0) + "]]]}"),
                            v);
    };
    // 0.1 units a pixel from (100.3, 50.7): pixel edges are not exact in binary.
    for (int i = 0; i < 40; ++i) {
        const double x0 = 100.3 + 0.1 * (i % 7), y0 = 50.7 - 0.1 * (3 * i % 37);
        poly(x0, y0, x0 + 0.1 * (2 + i % 9), y0 - 0.1 * (1 + 5 * i % 13), 1 + i % 5);
        poly(x0 + 0.05, y0 - 0.05, x0 + 0.05 + 0.1 * (1 + i % 4), y0 - 0.05 - 0.1 * (2 + i % 11), 2 + i % 3);
    }
    shapes.emplace_back(Geometry(R"({"type": "Polygon", "coordinates": [[[100.35, 50.65], [104.35, 46.65], [100.35, 46.65], [100.35, 50.65]]]})"), 9);
    shapes.emplace_back(Geometry(R"({"type": "LineString", "coordinates": [[100.3, 49.7], [104.3, 49.7], [104.3, 46.7], [100.8, 47.2]]})"), 7);
    shapes.emplace_back(Geometry(R"({"type": "LineString", "coordinates": [[101.0, 50.7], [101.0, 46.7]]})"), 6);
    shapes.emplace_back(Geometry(R"({"type": "MultiPoint", "coordinates": [[100.4, 50.6], [101.3, 48.7], [102.0, 47.3], [103.35, 49.05]]})"), 5);
    shapes.emplace_back(Geometry(R"({"type": "Polygon", "coordinates": [[[100.13, 50.91], [103.77, 50.22], [104.9, 46.31], [101.1, 46.9], [100.13, 50.91]], [[101.2, 49.9], [102.6, 49.1], [101.9, 48.2], [101.2, 49.9]]]})"), 3);
    return shapes;
}

} // namespace

TEST(FeaturesTest, StripsOnSeveralThreadsBurnWhatOneCallBurns) {
    const std::vector<GeometryValue> shapes = awkward_shapes();
    const std::size_t threads = thread_count();
    for (const bool all_touched : {false, true}) {
        for (const MergeAlg alg : {MergeAlg::replace, MergeAlg::add}) {
            for (const DType t : {DType::uint8, DType::float32}) {
                RasterizeOptions o{.out_shape = std::pair{41, 47}, .transform = Affine{0.1, 0, 100.3, 0, -0.1, 50.7},
                                   .all_touched = all_touched, .merge_alg = alg, .dtype = t};
                AnyArray whole;
                {
                    Env one({{"RASTIO_RASTERIZE_STRIPS", "1"}});
                    whole = rasterize(shapes, o);
                }
                for (const char* n : {"2", "3", "7", "41"}) {
                    Env strips({{"RASTIO_RASTERIZE_STRIPS", n}});
                    const AnyArray split = rasterize(shapes, o);
                    ASSERT_EQ(split.dtype(), whole.dtype());
                    EXPECT_EQ(std::memcmp(split.data(), whole.data(), whole.size() * dtype_size(t)), 0)
                        << n << " strips, all_touched " << all_touched << ", add " << (alg == MergeAlg::add) << ", "
                        << to_string(t);
                }
            }
        }
    }
    EXPECT_EQ(thread_count(), threads); // every strip's thread joined before rasterize returns
}
