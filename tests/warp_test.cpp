// Reprojection: transform, transform_bounds (antimeridian), calculate_default_transform,
// aligned_target, reproject (arrays, datasets, MemoryFiles) and WarpedVRT reads; errors.

#include <algorithm>
#include <cmath>

#include <gdal.h>
#include <gtest/gtest.h>

#include <rastio/env.hpp>
#include <rastio/warp.hpp>

#include "gtiff_direct.hpp"
#include "test_support.hpp"

using namespace rastio;

namespace {

/// A 64x64 ramp in UTM 18N (EPSG:32618), 30 m pixels.
Array<std::uint8_t> ramp(std::size_t bands = 1, std::size_t rows = 64, std::size_t cols = 64) {
    Array<std::uint8_t> a({bands, rows, cols});
    for (std::size_t b = 0; b < bands; ++b)
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c) a(b, r, c) = static_cast<std::uint8_t>(1 + (b * 40 + r * 2 + c) % 250);
    return a;
}

const Affine k_utm_transform = Affine::from_origin(700000, 4500000, 30, 30); // east of the central meridian: rotated in 4326

/// A GeoTIFF in a MemoryFile holding `a` in UTM 18N.
MemoryFile utm_file(const Array<std::uint8_t>& a, std::optional<double> nodata = {}) {
    MemoryFile mf;
    auto ds = mf.open(Profile{.driver = "GTiff", .width = static_cast<int>(a.shape()[2]),
                              .height = static_cast<int>(a.shape()[1]), .count = static_cast<int>(a.shape()[0]),
                              .dtype = DType::uint8, .crs = CRS::from_epsg(32618), .transform = k_utm_transform,
                              .nodata = nodata});
    ds.write(a);
    ds.close();
    return mf;
}

} // namespace

TEST(WarpTest, TransformPointsUtmToGeographic) {
    const std::vector<double> xs{500000, 600000};
    const std::vector<double> ys{4500000, 4600000};
    const auto p = rastio::transform(CRS::from_epsg(32618), CRS::from_epsg(4326), xs, ys);
    ASSERT_EQ(p.xs.size(), 2u);
    EXPECT_NEAR(p.xs[0], -75.0, 1e-9); // the central meridian of zone 18
    EXPECT_NEAR(p.ys[0], 40.65, 0.01);
    EXPECT_GT(p.xs[1], -75.0);
    EXPECT_TRUE(p.zs.empty());
    // And back.
    const auto q = rastio::transform(CRS::from_epsg(4326), CRS::from_epsg(32618), p.xs, p.ys);
    EXPECT_NEAR(q.xs[1], 600000, 1e-6);
    EXPECT_NEAR(q.ys[1], 4600000, 1e-6);
}

TEST(WarpTest, TransformRejectsMismatchedLengthsAndEmptyCrs) {
    const std::vector<double> xs{1, 2};
    const std::vector<double> ys{1};
    EXPECT_THROW(rastio::transform(CRS::from_epsg(4326), CRS::from_epsg(3857), xs, ys), ArgumentError);
    try {
        rastio::transform(CRS(), CRS::from_epsg(3857), xs, xs);
        FAIL() << "no error for an empty CRS";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("source CRS"), std::string::npos) << e.what();
    }
}

TEST(WarpTest, TransformBoundsAcrossTheAntimeridian) {
    // A box in UTM zone 60 (EPSG:32660) straddling 180 degrees east.
    const Bounds utm{700000, 5000000, 900000, 5200000};
    const Bounds geo = transform_bounds(CRS::from_epsg(32660), CRS::from_epsg(4326), utm);
    EXPECT_GT(geo.left, geo.right) << "a box crossing the antimeridian has left > right";
    EXPECT_GT(geo.left, 170.0);
    EXPECT_LT(geo.right, -170.0);
    EXPECT_LT(geo.bottom, geo.top);
}

TEST(WarpTest, TransformBoundsOrdinaryBox) {
    const Bounds b = transform_bounds(CRS::from_epsg(4326), CRS::from_epsg(3857), {-10, -10, 10, 10});
    EXPECT_NEAR(b.left, -1113194.9079327357, 1e-6);
    EXPECT_NEAR(b.right, 1113194.9079327357, 1e-6);
    EXPECT_NEAR(b.top, 1118889.9748579594, 1e-6);
    EXPECT_THROW(transform_bounds(CRS::from_epsg(4326), CRS::from_epsg(3857), {-10, -10, 10, 10}, -1), ArgumentError);
}

TEST(WarpTest, CalculateDefaultTransformKeepsAreaAndHonoursResolutionAndSize) {
    const Bounds b{500000, 4500000 - 64 * 30, 500000 + 64 * 30, 4500000};
    const Grid g = calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b);
    EXPECT_GT(g.width, 50);
    EXPECT_GT(g.height, 50);
    EXPECT_NEAR(g.transform.c, -75.0, 0.01);
    EXPECT_LT(g.transform.e, 0);
    const Grid r = calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b,
                                               {.resolution = std::pair{0.001, 0.001}});
    EXPECT_EQ(r.transform.a, 0.001);
    EXPECT_EQ(r.transform.e, -0.001);
    EXPECT_EQ(r.transform.c, g.transform.c);
    const Grid d = calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b,
                                               {.dst_width = 10, .dst_height = 20});
    EXPECT_EQ(d.width, 10);
    EXPECT_EQ(d.height, 20);
    EXPECT_NEAR(d.transform.a * 10, g.transform.a * g.width, 1e-12);
    EXPECT_THROW(calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b,
                                             {.dst_width = 10}),
                 ArgumentError);
    EXPECT_THROW(calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b,
                                             {.resolution = std::pair{1.0, 1.0}, .dst_width = 1, .dst_height = 1}),
                 ArgumentError);
    EXPECT_THROW(calculate_default_transform(CRS::from_epsg(32618), CRS(), 64, 64, b), ArgumentError);
}

TEST(WarpTest, CalculateDefaultTransformFromGcps) {
    GCPs gcps;
    gcps.crs = CRS::from_epsg(4326);
    gcps.points = {{.row = 0, .col = 0, .x = 10, .y = 50}, {.row = 0, .col = 100, .x = 11, .y = 50},
                   {.row = 100, .col = 0, .x = 10, .y = 49}, {.row = 100, .col = 100, .x = 11, .y = 49}};
    const Grid g = calculate_default_transform(CRS::from_epsg(4326), 100, 100, gcps);
    EXPECT_NEAR(g.transform.c, 10, 1e-6);
    EXPECT_NEAR(g.transform.f, 50, 1e-6);
    EXPECT_NEAR(g.transform.a * g.width, 1.0, 0.02);
    EXPECT_THROW(calculate_default_transform(CRS::from_epsg(4326), 100, 100, GCPs{}), ArgumentError);
}

TEST(WarpTest, AlignedTargetSnapsOutward) {
    const Grid g = aligned_target(Affine::from_origin(101.5, 203.2, 1, 1), 10, 10, {5, 5});
    EXPECT_EQ(g.transform, Affine::from_origin(100, 205, 5, 5));
    EXPECT_EQ(g.width, 3);  // 100..115
    EXPECT_EQ(g.height, 3); // 190..205
    EXPECT_THROW(aligned_target(Affine(), 10, 10, {0, 1}), ArgumentError);
}

TEST(WarpTest, ReprojectArrayRoundTripIsCloseAndMadeGridCoversSource) {
    const auto src = ramp();
    const AnyArray source = src;
    auto out = reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                         WarpDestination::make(CRS::from_epsg(3857)));
    ASSERT_EQ(out.array.dtype(), DType::uint8);
    EXPECT_EQ(out.array.shape()[0], 1u);
    EXPECT_GT(out.array.shape()[1], 40u);
    // Back onto the source grid: nearest of nearest gives back most pixels exactly.
    auto back = reproject(WarpSource::from_array(out.array, out.transform, CRS::from_epsg(3857)),
                          WarpDestination::into(AnyArray(DType::uint8, {1, 64, 64}), k_utm_transform,
                                                CRS::from_epsg(32618)));
    const auto& b = back.array.as<std::uint8_t>();
    std::size_t same = 0;
    for (std::size_t r = 4; r < 60; ++r)
        for (std::size_t c = 4; c < 60; ++c) same += b(0, r, c) == src(0, r, c);
    EXPECT_GT(same, 56u * 56u * 9 / 10);
    EXPECT_EQ(back.transform, k_utm_transform);
}

TEST(WarpTest, ReprojectNodataFillsOutsideAndIsSkippedInside) {
    auto src = ramp();
    for (std::size_t c = 0; c < 64; ++c) src(0, 10, c) = 0; // a row of nodata
    const AnyArray source = src;
    ReprojectOptions opts{.resampling = Resampling::bilinear, .src_nodata = 0};
    auto out = reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                         WarpDestination::make(CRS::from_epsg(4326)), opts);
    // The made grid is larger than the rotated source: its corners are outside, hence dst_nodata = 0.
    const auto& a = out.array.as<std::uint8_t>();
    EXPECT_EQ(a(0, 0, 0), 0);
    // Explicit dst_nodata out of range is refused.
    opts.dst_nodata = 300;
    EXPECT_THROW(reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                           WarpDestination::make(CRS::from_epsg(4326)), opts),
                 ArgumentError);
}

TEST(WarpTest, ReprojectDatasetIntoEmptyMemoryFile) {
    const auto src = ramp(3);
    auto in = utm_file(src);
    auto ds = in.open();
    const Grid g = calculate_default_transform(ds.crs(), CRS::from_epsg(3857), ds.width(), ds.height(), ds.bounds());
    MemoryFile out;
    {
        auto dst = out.open(Profile{.driver = "GTiff", .width = g.width, .height = g.height, .count = 3,
                                    .dtype = DType::uint8, .crs = CRS::from_epsg(3857), .transform = g.transform});
        auto r = reproject(WarpSource::from_dataset(ds), WarpDestination::into(dst),
                           {.resampling = Resampling::cubic, .num_threads = 2});
        EXPECT_TRUE(r.array.empty());
        EXPECT_EQ(r.transform, g.transform);
    }
    auto back = out.open();
    // The same warp into an array gives the same pixels.
    auto arr = reproject(WarpSource::from_dataset(ds),
                         WarpDestination::into(AnyArray(DType::uint8, {3, static_cast<std::size_t>(g.height),
                                                                       static_cast<std::size_t>(g.width)}),
                                               g.transform, CRS::from_epsg(3857)),
                         {.resampling = Resampling::cubic});
    EXPECT_EQ(back.read(), arr.array);
}

TEST(WarpTest, ReprojectErrorsNameTheCause) {
    const AnyArray source = ramp();
    try {
        reproject(WarpSource::from_array(source, k_utm_transform, CRS()), WarpDestination::make(CRS::from_epsg(4326)));
        FAIL();
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("no CRS"), std::string::npos) << e.what();
    }
    EXPECT_THROW(reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                           WarpDestination::make(CRS())),
                 ArgumentError);
    EXPECT_THROW(reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                           WarpDestination::make(CRS::from_epsg(4326)), {.resampling = Resampling::gauss}),
                 ArgumentError);
    EXPECT_THROW(reproject(WarpSource{}, WarpDestination::make(CRS::from_epsg(4326))), ArgumentError);
    // A dataset without georeferencing.
    MemoryFile mf;
    {
        auto ds = mf.open(Profile{.driver = "GTiff", .width = 8, .height = 8, .count = 1, .dtype = DType::uint8});
        ds.write(AnyArray(DType::uint8, {1, 8, 8}));
    }
    auto plain = mf.open();
    try {
        reproject(WarpSource::from_dataset(plain), WarpDestination::make(CRS::from_epsg(4326)));
        FAIL();
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("no georeferencing"), std::string::npos) << e.what();
    }
    EXPECT_THROW(WarpedVRT(plain, {.crs = CRS::from_epsg(4326)}), ArgumentError);
    // A read-only destination.
    EXPECT_THROW(reproject(WarpSource::from_array(source, k_utm_transform, CRS::from_epsg(32618)),
                           WarpDestination::into(plain)),
                 ModeError);
}

TEST(WarpTest, WarpedVrtReadsLikeReproject) {
    const auto src = ramp(2);
    auto mf = utm_file(src);
    auto ds = mf.open();
    WarpedVRT vrt(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear});
    EXPECT_EQ(vrt.crs(), CRS::from_epsg(3857));
    EXPECT_EQ(vrt.count(), 2);
    EXPECT_EQ(vrt.mode(), "r");
    auto expected = reproject(WarpSource::from_dataset(ds),
                              WarpDestination::into(AnyArray(DType::uint8, {2, static_cast<std::size_t>(vrt.height()),
                                                                            static_cast<std::size_t>(vrt.width())}),
                                                    vrt.transform(), vrt.crs()),
                              {.resampling = Resampling::bilinear});
    EXPECT_EQ(vrt.read(), expected.array);
    // A window reads the same pixels as the whole.
    const Window w(5, 7, 20, 11);
    const auto part = vrt.read(ReadOptions{.window = w}).as<std::uint8_t>();
    const auto& whole = expected.array.as<std::uint8_t>();
    for (std::size_t r = 0; r < 11; ++r)
        for (std::size_t c = 0; c < 20; ++c) ASSERT_EQ(part(1, r, c), whole(1, r + 7, c + 5));
    EXPECT_THROW(vrt.write(expected.array), ModeError);
}

TEST(WarpTest, WarpedVrtOutlivesSourceDatasetAndClosesWithMemoryFile) {
    auto mf = utm_file(ramp());
    WarpedVRT vrt;
    {
        auto ds = mf.open();
        vrt = WarpedVRT(ds, {.crs = CRS::from_epsg(4326), .add_alpha = true});
    }
    EXPECT_EQ(vrt.count(), 2);
    EXPECT_EQ(vrt.colorinterp()[1], ColorInterp::alpha);
    const auto mask = vrt.dataset_mask();
    const auto zeros = std::count(mask.values().begin(), mask.values().end(), 0);
    EXPECT_GT(zeros, 0); // the corners outside the rotated source
    EXPECT_LT(static_cast<std::size_t>(zeros), mask.size());
    mf.close();
    EXPECT_TRUE(vrt.closed());
    EXPECT_THROW(vrt.read(), ClosedError);
}

TEST(WarpTest, WarpedVrtGridOptionsAndBoundlessReads) {
    auto mf = utm_file(ramp(), 0.0);
    auto ds = mf.open();
    // Pure scaling in the same CRS (rasterio's case 2).
    WarpedVRT half(ds, {.width = 32, .height = 32, .resampling = Resampling::average});
    EXPECT_EQ(half.transform(), Affine::from_origin(700000, 4500000, 60, 60));
    EXPECT_EQ(half.nodata(), 0.0);
    // A size in another CRS (case 3), and an explicit grid (case 1).
    WarpedVRT sized(ds, {.crs = CRS::from_epsg(3857), .width = 50, .height = 40});
    EXPECT_EQ(sized.width(), 50);
    EXPECT_EQ(sized.height(), 40);
    WarpedVRT grid(ds, {.crs = CRS::from_epsg(3857), .transform = sized.transform(), .width = 50, .height = 40});
    EXPECT_EQ(grid.read(), sized.read());
    // Boundless and out_shape reads, masked reads.
    const auto b = grid.read(ReadOptions{.window = Window(-10, -10, 30, 30), .boundless = true});
    EXPECT_EQ(b.shape(), (Shape{1, 30, 30}));
    const auto small = grid.read(ReadOptions{.out_shape = std::pair{20, 25}, .resampling = Resampling::bilinear});
    EXPECT_EQ(small.shape(), (Shape{1, 20, 25}));
    const auto m = grid.read_masked();
    EXPECT_EQ(m.mask.shape(), (Shape{1, 40, 50}));
    EXPECT_EQ(grid.read_masks(), m.mask);
}

TEST(WarpTest, CalculateDefaultTransformAndReprojectFromRpcs) {
    // A north-up RPC model: sample follows longitude, line follows latitude, over 1 x 1 degree
    // (RPC line/sample 0 is the first pixel's centre, hence the offsets of 31.5).
    RPC rpc;
    rpc.line_off = 31.5;
    rpc.line_scale = 32;
    rpc.samp_off = 31.5;
    rpc.samp_scale = 32;
    rpc.lat_off = 45;
    rpc.lat_scale = 0.5;
    rpc.long_off = 10;
    rpc.long_scale = 0.5;
    rpc.height_scale = 1;
    rpc.line_num_coeff[2] = -1; // latitude term
    rpc.line_den_coeff[0] = 1;
    rpc.samp_num_coeff[1] = 1; // longitude term
    rpc.samp_den_coeff[0] = 1;
    const Grid g = calculate_default_transform(CRS::from_epsg(4326), 64, 64, rpc);
    EXPECT_NEAR(g.transform.c, 9.5, 0.02);
    EXPECT_NEAR(g.transform.f, 45.5, 0.02);
    EXPECT_NEAR(g.transform.a * g.width, 1.0, 0.05);
    const AnyArray src = ramp();
    auto out = reproject(WarpSource::from_array(src, rpc), WarpDestination::into(AnyArray(DType::uint8, {1, 64, 64}),
                                                                                  Affine::from_origin(9.5, 45.5, 1.0 / 64, 1.0 / 64),
                                                                                  CRS::from_epsg(4326)));
    // The model is the identity grid: nearest gives the source back, away from the edges.
    const auto& a = out.array.as<std::uint8_t>();
    const auto& s = src.as<std::uint8_t>();
    std::size_t same = 0;
    for (std::size_t r = 2; r < 62; ++r)
        for (std::size_t c = 2; c < 62; ++c) same += a(0, r, c) == s(0, r, c);
    EXPECT_GT(same, 60u * 60u * 9 / 10);
}

TEST(WarpTest, ReprojectFromGcpsMatchesTheEquivalentTransform) {
    GCPs gcps;
    gcps.crs = CRS::from_epsg(32618);
    const Affine t = k_utm_transform;
    for (double row : {0.0, 64.0}) {
        for (double col : {0.0, 64.0}) {
            const auto [x, y] = t.apply(col, row);
            gcps.points.push_back({.row = row, .col = col, .x = x, .y = y});
        }
    }
    const AnyArray src = ramp();
    auto by_gcps = reproject(WarpSource::from_array(src, gcps), WarpDestination::make(CRS::from_epsg(3857)));
    auto by_transform =
        reproject(WarpSource::from_array(src, t, CRS::from_epsg(32618)), WarpDestination::make(CRS::from_epsg(3857)));
    EXPECT_TRUE(by_gcps.transform.almost_equals(by_transform.transform, 1e-3)) << by_gcps.transform.to_string();
    EXPECT_EQ(by_gcps.array.shape(), by_transform.array.shape());
}

TEST(WarpTest, ThreadsMemoryLimitAndWarpOptionsReachGdal) {
    const AnyArray src = ramp(2, 200, 300);
    const auto run = [&](const ReprojectOptions& o) {
        return reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)),
                         WarpDestination::make(CRS::from_epsg(4326)), o);
    };
    const auto one = run({.resampling = Resampling::bilinear});
    EXPECT_EQ(run({.resampling = Resampling::bilinear, .num_threads = 2}).array, one.array);
    EXPECT_EQ(run({.resampling = Resampling::bilinear, .num_threads = 1}).array, one.array);
    EXPECT_EQ(run({.resampling = Resampling::bilinear, .warp_mem_limit = 1}).array, one.array);
    // INIT_DEST passed through: outside the source the destination holds 9 instead of 0.
    const auto init9 = run({.resampling = Resampling::bilinear, .init_dest_nodata = false,
                            .warp_options = {{"INIT_DEST", "9"}}});
    EXPECT_EQ(one.array.as<std::uint8_t>()(0, 0, 0), 0);
    EXPECT_EQ(init9.array.as<std::uint8_t>()(0, 0, 0), 9);
    EXPECT_THROW(run({.num_threads = -1}), ArgumentError);
    EXPECT_THROW(run({.warp_mem_limit = -1}), ArgumentError);
}

TEST(WarpTest, ReprojectIntoSelectedDatasetBandsAndDtype) {
    const AnyArray src = ramp(1);
    MemoryFile mf;
    {
        auto dst = mf.open(Profile{.driver = "GTiff", .width = 64, .height = 64, .count = 3, .dtype = DType::uint8,
                                   .crs = CRS::from_epsg(32618), .transform = k_utm_transform});
        reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)), WarpDestination::into(dst, {2}));
    }
    auto back = mf.open();
    const auto a = back.read().as<std::uint8_t>();
    EXPECT_EQ(a(0, 30, 30), 0);
    EXPECT_EQ(a(1, 30, 30), src.as<std::uint8_t>()(0, 30, 30)); // same grid, nearest: the same pixels
    EXPECT_EQ(a(2, 30, 30), 0);
    // A made float destination.
    auto dst = WarpDestination::make(CRS::from_epsg(3857));
    dst.dtype = DType::float32;
    auto f = reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)), std::move(dst),
                       {.resampling = Resampling::bilinear});
    EXPECT_EQ(f.array.dtype(), DType::float32);
}

TEST(WarpTest, WarpedVrtOptionsDtypeNodataAndErrors) {
    auto mf = utm_file(ramp(), 0.0);
    auto ds = mf.open();
    WarpedVRT vrt(ds, {.crs = CRS::from_epsg(3857), .nodata = 255, .src_nodata = 1, .dtype = DType::float32});
    EXPECT_EQ(vrt.dtypes()[0], DType::float32);
    EXPECT_EQ(vrt.nodata(), 255.0);
    EXPECT_EQ(vrt.src_nodata(), 1.0);
    EXPECT_EQ(vrt.src_crs(), CRS::from_epsg(32618));
    EXPECT_EQ(vrt.driver(), "VRT");
    const auto masked = vrt.read_masked();
    EXPECT_EQ(masked.data.dtype(), DType::float32);
    // Moved from: closed.
    WarpedVRT moved = std::move(vrt);
    EXPECT_TRUE(vrt.closed()); // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_THROW(vrt.read(), ClosedError);
    EXPECT_FALSE(moved.closed());
    // A view of a view cannot reopen its source; a transform without a size; gauss.
    EXPECT_THROW(WarpedVRT(moved, {.crs = CRS::from_epsg(4326)}), ArgumentError);
    EXPECT_THROW(WarpedVRT(ds, {.transform = k_utm_transform}), ArgumentError);
    EXPECT_THROW(WarpedVRT(ds, {.resampling = Resampling::gauss}), ArgumentError);
    // A dataset still being written through a copy-only driver has no file to reopen yet.
    MemoryFile png(MemoryFileOptions{.ext = ".png"});
    auto writer = png.open(Profile{.driver = "PNG", .width = 8, .height = 8, .count = 1, .dtype = DType::uint8});
    EXPECT_THROW(WarpedVRT(writer, {.crs = CRS::from_epsg(4326)}), Error);
    // A source with an alpha band cannot get a second one.
    MemoryFile rgba;
    {
        auto w = rgba.open(Profile{.driver = "GTiff", .width = 8, .height = 8, .count = 2, .dtype = DType::uint8,
                                   .crs = CRS::from_epsg(32618), .transform = k_utm_transform});
        w.set_colorinterp({ColorInterp::gray, ColorInterp::alpha});
    }
    auto a = rgba.open();
    EXPECT_THROW(WarpedVRT(a, {.crs = CRS::from_epsg(4326), .add_alpha = true}), ArgumentError);
    EXPECT_EQ(WarpedVRT(a, {.crs = CRS::from_epsg(4326)}).count(), 2);
}

TEST(WarpTest, WarpedVrtWindowReadDoesNotCopyTheSource) {
    // A 2048x2048 tiled source (4 MiB); one 64x64 window of the view warps only the tiles it needs.
    Array<std::uint8_t> big({1, 2048, 2048});
    for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = static_cast<std::uint8_t>(i % 251);
    MemoryFile mf;
    {
        auto w = mf.open(Profile{.driver = "GTiff", .width = 2048, .height = 2048, .count = 1, .dtype = DType::uint8,
                                 .crs = CRS::from_epsg(32618), .transform = k_utm_transform,
                                 .options = {{"TILED", "YES"}}});
        w.write(big);
    }
    auto ds = mf.open();
    WarpedVRT vrt(ds, {.crs = CRS::from_epsg(3857)});
    const auto before = GDALGetCacheUsed64();
    const auto tile = vrt.read(ReadOptions{.window = Window(1000, 1000, 64, 64)});
    const auto cached = GDALGetCacheUsed64() - before;
    EXPECT_EQ(tile.shape(), (Shape{1, 64, 64}));
    EXPECT_LT(cached, 1024 * 1024) << "the block cache grew by " << cached << " bytes for one 64x64 window";
}

TEST(WarpTest, UnusableCrsAndGridErrorsNameTheCause) {
    const CRS local = CRS::from_wkt(R"(LOCAL_CS["arbitrary",UNIT["metre",1]])");
    try {
        transform_bounds(local, CRS::from_epsg(4326), {0, 0, 1, 1});
        FAIL() << "no error for an engineering CRS";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot transform"), std::string::npos) << e.what();
    }
    const std::vector<double> xs{0};
    EXPECT_THROW(rastio::transform(CRS::from_epsg(4326), CRS::from_epsg(3857), xs, std::vector<double>{95}), Error);
}

TEST(WarpTest, WarpedVrtOverADiskFileReleasesItsHandle) {
    RASTIO_REQUIRE_CORPUS();
    // The leak check after each test counts file descriptors: the view's own handle must close.
    auto ds = open(rastio::test::corpus("RGB.byte.tif"));
    {
        WarpedVRT vrt(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear});
        const auto expected = reproject(WarpSource::from_dataset(ds),
                                        WarpDestination::into(AnyArray(DType::uint8, {3, static_cast<std::size_t>(vrt.height()),
                                                                                      static_cast<std::size_t>(vrt.width())}),
                                                              vrt.transform(), vrt.crs()),
                                        {.resampling = Resampling::bilinear});
        // The view warps block by block, reproject in one chunk: GDAL's warper then differs on
        // many pixels (rasterio 1.3.5 gives exactly the same difference on this file: 346154 of
        // 1773024 values, up to 255 at the nodata edge). So only the agreement in bulk is checked.
        const auto got = vrt.read();
        ASSERT_EQ(got.shape(), expected.array.shape());
        const auto& a = got.as<std::uint8_t>();
        const auto& b = expected.array.as<std::uint8_t>();
        std::size_t close = 0;
        for (std::size_t i = 0; i < a.size(); ++i) close += std::abs(int(a.data()[i]) - int(b.data()[i])) <= 2;
        EXPECT_GT(close, a.size() * 9 / 10);
        EXPECT_EQ(vrt.dataset_mask().shape(), (Shape{1, static_cast<std::size_t>(vrt.height()),
                                                      static_cast<std::size_t>(vrt.width())}));
    }
    ds.close();
}

TEST(WarpTest, WarpedVrtClosesItsSourceHandleInEveryGridCase) {
    // GDAL lists every open dataset, so a leaked one would stay reachable (LeakSanitizer is
    // silent): count them before and after.
    const auto open_datasets = [] {
        int n = 0;
        GDALDatasetH* list = nullptr;
        GDALGetOpenDatasets(&list, &n);
        return n;
    };
    auto mf = utm_file(ramp());
    auto ds = mf.open();
    const int before = open_datasets();
    {
        WarpedVRT automatic(ds, {.crs = CRS::from_epsg(3857)});
        WarpedVRT scaled(ds, {.width = 10, .height = 10});
        WarpedVRT sized(ds, {.crs = CRS::from_epsg(4326), .width = 10, .height = 10});
        WarpedVRT exact(ds, {.crs = CRS::from_epsg(4326), .transform = sized.transform(), .width = 10, .height = 10,
                             .tolerance = 0});
        EXPECT_EQ(exact.read().shape(), sized.read().shape());
        EXPECT_GT(open_datasets(), before);
    }
    EXPECT_EQ(open_datasets(), before);
}

TEST(WarpTest, WarpedVrtSharingTheSourceHandleReadsTheSamePixelsAndClosesWithIt) {
    const auto open_datasets = [] {
        int n = 0;
        GDALDatasetH* list = nullptr;
        GDALGetOpenDatasets(&list, &n);
        return n;
    };
    auto mf = utm_file(ramp(3, 200, 300), 0.0);
    {
        // Overviews, so that an out_shape read goes through the source's overview bands.
        auto rw = rastio::open(mf.name(), "r+");
        rw.build_overviews({2, 4}, Resampling::average);
    }
    auto ds = mf.open();
    const int before = open_datasets();
    const WarpedVRTOptions cases[] = {
        {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear},
        {.width = 75, .height = 50, .resampling = Resampling::average},
        {.crs = CRS::from_epsg(4326), .width = 64, .height = 48, .resampling = Resampling::cubic},
    };
    for (auto o : cases) {
        WarpedVRT reopened(ds, o);
        o.share_source = true;
        WarpedVRT shared(ds, o);
        // GDAL lists the datasets it opened, not the VRTs made in memory: only the reopened
        // view's own source handle shows, the shared view opened nothing.
        EXPECT_EQ(open_datasets(), before + 1);
        EXPECT_EQ(shared.transform(), reopened.transform());
        EXPECT_EQ(shared.read(), reopened.read());
        const ReadOptions small{.out_shape = std::pair{17, 23}, .resampling = Resampling::bilinear};
        EXPECT_EQ(shared.read(small), reopened.read(small));
        EXPECT_EQ(shared.dataset_mask(), reopened.dataset_mask());
        const ReadOptions boundless{.window = Window(-5, -5, 40, 30), .boundless = true};
        EXPECT_EQ(shared.read(boundless), reopened.read(boundless));
    }
    EXPECT_EQ(open_datasets(), before);

    // A writable source cannot be shared: its writes would race the view's reads.
    {
        auto rw = rastio::open(mf.name(), "r+");
        EXPECT_THROW(WarpedVRT(rw, {.crs = CRS::from_epsg(3857), .share_source = true}), ArgumentError);
    }
    // Closing the source first closes the view on its handle: ClosedError, not a freed handle.
    WarpedVRT shared(ds, {.crs = CRS::from_epsg(3857), .share_source = true});
    ASSERT_FALSE(shared.closed());
    ds.close();
    EXPECT_TRUE(shared.closed());
    EXPECT_THROW(shared.read(), ClosedError);
    EXPECT_THROW(WarpedVRT(ds, {.crs = CRS::from_epsg(3857), .share_source = true}), ClosedError);
    // A view closed before its source leaves the source readable, and the MemoryFile closes both.
    auto again = mf.open();
    {
        WarpedVRT view(again, {.crs = CRS::from_epsg(3857), .share_source = true});
        (void)view.read();
    }
    EXPECT_EQ(again.read().shape(), (Shape{3, 200, 300}));
    WarpedVRT last(again, {.crs = CRS::from_epsg(3857), .share_source = true});
    mf.close();
    EXPECT_TRUE(last.closed());
    EXPECT_TRUE(again.closed());
    EXPECT_EQ(open_datasets(), before - 1);
}

TEST(WarpTest, ReprojectStraightIntoACogWriterInAMemoryFile) {
    const AnyArray src = ramp(3);
    const Grid g = calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(3857), 64, 64,
                                               {700000, 4500000 - 64 * 30, 700000 + 64 * 30, 4500000});
    MemoryFile cog;
    Reprojected r;
    {
        auto dst = cog.open(Profile{.driver = "COG", .width = g.width, .height = g.height, .count = 3,
                                    .dtype = DType::uint8, .crs = CRS::from_epsg(3857), .transform = g.transform,
                                    .options = {{"COMPRESS", "DEFLATE"}}});
        r = reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)), WarpDestination::into(dst),
                      {.resampling = Resampling::lanczos});
    } // the COG is written here
    auto back = cog.open();
    EXPECT_EQ(back.tags(0, "IMAGE_STRUCTURE").at("LAYOUT"), "COG");
    EXPECT_EQ(back.transform(), g.transform);
    auto direct = reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)),
                            WarpDestination::into(AnyArray(DType::uint8, {3, static_cast<std::size_t>(g.height),
                                                                          static_cast<std::size_t>(g.width)}),
                                                  g.transform, CRS::from_epsg(3857)),
                            {.resampling = Resampling::lanczos});
    EXPECT_EQ(back.read(), direct.array);
}

TEST(WarpTest, HugeTargetGridsAreRefusedBeforeAllocating) {
    const Bounds b{700000, 4500000 - 64 * 30, 700000 + 64 * 30, 4500000};
    EXPECT_THROW(calculate_default_transform(CRS::from_epsg(32618), CRS::from_epsg(4326), 64, 64, b,
                                             {.resolution = std::pair{1e-12, 1e-12}}),
                 ArgumentError);
    const AnyArray src = ramp();
    auto dst = WarpDestination::make(CRS::from_epsg(4326));
    dst.resolution = std::pair{1e-9, 1e-9}; // about 2e7 x 1.7e7 pixels: 340 TB
    EXPECT_THROW(reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)), std::move(dst)),
                 ArgumentError);
}

TEST(WarpTest, ProgressIsReportedAndFalseCancelsTheWarp) {
    const AnyArray src = ramp(1, 200, 300);
    const auto run = [&](const ReprojectOptions& o) {
        return reproject(WarpSource::from_array(src, k_utm_transform, CRS::from_epsg(32618)),
                         WarpDestination::make(CRS::from_epsg(4326)), o);
    };
    for (int threads : {1, 2}) {
        std::vector<double> seen;
        const auto done = run({.num_threads = threads, .progress = [&](double f) {
                                   seen.push_back(f);
                                   return true;
                               }});
        ASSERT_FALSE(seen.empty()) << threads << " threads";
        EXPECT_DOUBLE_EQ(seen.back(), 1.0) << threads << " threads";
        EXPECT_EQ(done.array, run({.num_threads = threads}).array);
        int calls = 0;
        EXPECT_THROW(run({.num_threads = threads, .progress = [&](double) { return ++calls < 1; }}), IOError);
        EXPECT_GE(calls, 1);
    }
}

TEST(WarpTest, GeoTiffSourcesInMemoryAreWarpedFromTheFileWithoutGdalsBlockCache) {
    // Layouts the direct reader decodes: tiled pixel-interleaved, striped band-interleaved, DEFLATE.
    Array<std::uint8_t> a({3, 512, 448});
    std::uint32_t x = 12345;
    for (std::size_t i = 0; i < a.size(); ++i) {
        x = x * 1664525U + 1013904223U;
        a.data()[i] = static_cast<std::uint8_t>(x >> 24);
    }
    const std::vector<Options> layouts = {
        {{"TILED", "YES"}}, {{"INTERLEAVE", "BAND"}}, {{"TILED", "YES"}, {"COMPRESS", "DEFLATE"}}};
    for (const auto& options : layouts) {
        SCOPED_TRACE(options.begin()->first + "=" + options.begin()->second + (options.size() > 1 ? " + DEFLATE" : ""));
        MemoryFile mf;
        {
            auto w = mf.open(Profile{.driver = "GTiff", .width = 448, .height = 512, .count = 3, .dtype = DType::uint8,
                                     .crs = CRS::from_epsg(32618), .transform = k_utm_transform, .options = options});
            w.write(a);
        }
        auto ds = mf.open();
        for (const Resampling r : {Resampling::nearest, Resampling::bilinear}) {
            // A 1 MiB memory limit splits the warp into several chunks, each read from the file.
            const ReprojectOptions o{.resampling = r, .warp_mem_limit = 1};
            const auto reads = detail::gtiff_direct_read_count();
            const auto cached = GDALGetCacheUsed64();
            const Reprojected fast = reproject(WarpSource::from_dataset(ds), WarpDestination::make(CRS::from_epsg(3857)), o);
            EXPECT_GT(detail::gtiff_direct_read_count() - reads, 1U) << "the chunks were not read directly";
            EXPECT_EQ(GDALGetCacheUsed64(), cached) << "GDAL's block cache holds the source";
            Env gdal_reads({{"RASTIO_DIRECT_READ", "NO"}});
            const Reprojected slow = reproject(WarpSource::from_dataset(ds), WarpDestination::make(CRS::from_epsg(3857)), o);
            EXPECT_EQ(fast.array, slow.array);
            EXPECT_EQ(fast.transform, slow.transform);
        }
        // A view's blocks are read the same way, and read the same pixels as through GDAL.
        const WarpedVRTOptions vo{.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear};
        const Window w(100, 120, 200, 150);
        WarpedVRT direct(ds, vo);
        const auto reads = detail::gtiff_direct_read_count();
        const AnyArray fast = direct.read(ReadOptions{.window = w});
        EXPECT_GT(detail::gtiff_direct_read_count(), reads);
        Env gdal_reads({{"RASTIO_DIRECT_READ", "NO"}});
        WarpedVRT through_gdal(ds, vo);
        EXPECT_EQ(fast, through_gdal.read(ReadOptions{.window = w}));
        WarpedVRT shared(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear, .share_source = true});
        EXPECT_EQ(fast, shared.read(ReadOptions{.window = w}));
    }
}

TEST(WarpTest, WarpedVrtKeepsWhatItHasWarpedWithinABudget) {
    // A 2600x2600x3 view (about 20 MB) read window by window, as a tile server does: GDAL's block cache
    // would keep every warped block; the view keeps its 16 MiB most recently read.
    Array<std::uint8_t> a({3, 2600, 2600});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>((i * 7 + i / 2601) % 251);
    MemoryFile mf;
    {
        auto w = mf.open(Profile{.driver = "GTiff", .width = 2600, .height = 2600, .count = 3, .dtype = DType::uint8,
                                 .crs = CRS::from_epsg(32618), .transform = k_utm_transform,
                                 .options = {{"TILED", "YES"}}});
        w.write(a);
    }
    auto ds = mf.open();
    const WarpedVRTOptions vo{.crs = CRS::from_epsg(3857)};
    WarpedVRT vrt(ds, vo);
    const auto before = GDALGetCacheUsed64();
    GIntBig most = 0;
    const Window first(0, 0, 300, 300);
    const AnyArray first_read = vrt.read(ReadOptions{.window = first});
    for (int r = 0; r + 300 <= vrt.height(); r += 300) {
        for (int c = 0; c + 300 <= vrt.width(); c += 300) {
            (void)vrt.read(ReadOptions{.window = Window(c, r, 300, 300)});
            most = std::max(most, GDALGetCacheUsed64() - before);
        }
    }
    EXPECT_LE(most, GIntBig{17} << 20) << "the view's blocks grew the cache by " << most << " bytes";
    EXPECT_GT(most, GIntBig{8} << 20) << "the view should keep what it reads up to its budget";
    // The first window's blocks have left the cache: read again, they are warped again, the same.
    EXPECT_EQ(vrt.read(ReadOptions{.window = first}), first_read);
    WarpedVRT fresh(ds, vo);
    EXPECT_EQ(fresh.read(ReadOptions{.window = first}), first_read);
}
