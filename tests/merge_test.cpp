// rastio::merge's refusals (rasterio's merge accepts some of these and returns nonsense): no
// source, another CRS, another band count, a missing band, no overlap with the bounds, bad
// resolution or bounds, a rotated grid. Each leaves nothing behind; the happy path is MergeParity.

#include <gtest/gtest.h>

#include <rastio/memory_file.hpp>
#include <rastio/merge.hpp>

using namespace rastio;

namespace {

/// A 20x20 uint8 raster at (x, y), 10 m pixels, in a MemoryFile.
MemoryFile raster(double x, double y, int count = 1, int epsg = 32633, bool rotated = false) {
    MemoryFile mf;
    Profile p{.driver = "GTiff", .width = 20, .height = 20, .count = count, .dtype = DType::uint8, .crs = CRS::from_epsg(epsg),
              .transform = rotated ? Affine{10, 1, x, 1, -10, y} : Affine::from_origin(x, y, 10, 10), .nodata = 0.0};
    auto ds = mf.open(p);
    Array<std::uint8_t> a({static_cast<std::size_t>(count), 20, 20});
    for (auto& v : a.values()) v = 9;
    ds.write(a);
    ds.close();
    return mf;
}

template <class F>
void expect_argument_error(F&& f, const std::string& needle) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one saying " << needle;
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

} // namespace

TEST(MergeTest, RefusesNoSources) {
    expect_argument_error([] { (void)merge({}); }, "no sources");
}

TEST(MergeTest, RefusesAnotherCrs) {
    auto a = raster(500000, 5600000), b = raster(500100, 5600000, 1, 32632);
    auto da = a.open(), db = b.open();
    expect_argument_error([&] { (void)merge({da, db}); }, "another CRS");
}

TEST(MergeTest, RefusesAnotherBandCountUnlessIndexesAreGiven) {
    auto a = raster(500000, 5600000, 3), b = raster(500100, 5600000, 1);
    auto da = a.open(), db = b.open();
    expect_argument_error([&] { (void)merge({da, db}); }, "has 1 bands, source 1 has 3");
    expect_argument_error([&] { (void)merge({da, db}, {.indexes = {2}}); }, "has no band 2");
    const Merged m = merge({da, db}, {.indexes = {1}});
    EXPECT_EQ(m.data.shape(), (Shape{1, 20, 30}));
}

TEST(MergeTest, RefusesBoundsThatNoSourceOverlaps) {
    auto a = raster(500000, 5600000);
    auto da = a.open();
    expect_argument_error([&] { (void)merge({da}, {.bounds = Bounds{0, 0, 100, 100}}); }, "no source overlaps");
    // Touching only: rasterio reads nothing from it either.
    expect_argument_error([&] { (void)merge({da}, {.bounds = Bounds{500200, 5599800, 500300, 5599900}}); },
                          "no source overlaps");
}

TEST(MergeTest, RefusesBadResolutionBoundsAndGrids) {
    auto a = raster(500000, 5600000), r = raster(500000, 5600000, 1, 32633, true);
    auto da = a.open(), dr = r.open();
    expect_argument_error([&] { (void)merge({da}, {.res = std::pair{0.0, 10.0}}); }, "must be positive");
    expect_argument_error([&] { (void)merge({da}, {.res = std::pair{1e-9, 1e-9}}); }, "more than a raster can hold");
    expect_argument_error([&] { (void)merge({da}, {.bounds = Bounds{10, 10, 0, 0}}); }, "bad bounds");
    expect_argument_error([&] { (void)merge({dr}); }, "north-up");
    expect_argument_error([&] { (void)merge({da}, {.resampling = Resampling::max}); }, "warp method");
    expect_argument_error([&] { (void)merge({da}, {.output_count = 2}); }, "only a custom method");
}

TEST(MergeTest, PathsThatCannotBeOpenedAreIOErrors) {
    EXPECT_THROW((void)merge({"/nonexistent/merge-a.tif"}), IOError);
}

TEST(MergeTest, MethodNamesRoundTrip) {
    for (const auto m : {MergeMethod::first, MergeMethod::last, MergeMethod::min, MergeMethod::max, MergeMethod::sum,
                         MergeMethod::count}) {
        EXPECT_EQ(parse_merge_method(to_string(m)), m);
    }
    EXPECT_THROW((void)parse_merge_method("mean"), ArgumentError);
}
