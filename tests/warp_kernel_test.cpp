// rastio's warp kernel (src/warp_kernel.cpp) against GDAL 3.6's own (GDALWarpKernel::PerformWarp,
// chosen with RASTIO_WARP_KERNEL=gdal): the same bytes for every case it covers (nearest and
// 4-sample bilinear, Byte/Int16/UInt16/Float32, any band count), over random rasters, CRS pairs
// (UTM, Web Mercator, geographic, polar), finer and coarser grids, small chunks (warp_mem_limit)
// and 1 to 3 threads, from arrays and from GeoTIFFs in memory (tiled and striped), and through
// WarpedVRT reads; chunks it does not cover (other types and methods, bilinear to a much coarser
// grid, nodata masks) are left to GDAL. rastio with GDAL's kernel is compared with rasterio in
// tests/warp_parity, and so is rastio's default (this kernel).

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <cpl_conv.h>

#include <rastio/rastio.hpp>
#include <rastio/warp.hpp>

#include "test_support.hpp"
#include "warp_kernel.hpp"

namespace {

using namespace rastio;

/// Runs `f` with GDAL's kernel for every chunk (on this thread).
template <class F> auto with_gdal_kernel(F&& f) {
    CPLSetThreadLocalConfigOption("RASTIO_WARP_KERNEL", "gdal");
    struct Reset {
        ~Reset() { CPLSetThreadLocalConfigOption("RASTIO_WARP_KERNEL", nullptr); }
    } reset;
    return f();
}

/// Pixels for a case, from the test's random generator.
AnyArray random_raster(DType dtype, int bands, int height, int width, std::mt19937& rng) {
    return test::smooth_field(dtype, bands, height, width, static_cast<unsigned>(rng()));
}

struct Grid {
    CRS crs;
    Affine transform;
};

/// Sources in several CRSs, each about 30 km on a side (some far from the projection's centre).
std::vector<Grid> source_grids() {
    return {
        {CRS::from_epsg(32633), Affine{90, 0, 400000, 0, -90, 5600000}},
        {CRS::from_epsg(4326), Affine{0.004, 0, 13.1, 0, -0.003, 52.7}},
        {CRS::from_epsg(3857), Affine{120, 0, 1500000, 0, -120, 7000000}},
        {CRS::from_epsg(32661), Affine{100, 0, 2000000, 0, -100, 2100000}}, // UPS North
        {CRS::from_epsg(4326), Affine{0.005, 0, 179.2, 0, -0.005, -16.5}},  // reaches the antimeridian
    };
}

std::vector<CRS> destination_crss() {
    return {CRS::from_epsg(3857), CRS::from_epsg(4326), CRS::from_epsg(32633), CRS::from_epsg(3413)};
}

struct Case {
    DType dtype;
    int bands;
    Resampling resampling;
    double scale; ///< destination pixel size over calculate_default_transform's
    int mem_limit;
    int threads;
    bool gtiff;
    bool tiled;
};

std::string describe(const Case& c, const Grid& g, const CRS& dst) {
    return std::string(to_string(c.dtype)) + " x" + std::to_string(c.bands) + " " + std::string(to_string(c.resampling)) +
           " scale " + std::to_string(c.scale) + " mem " + std::to_string(c.mem_limit) + " threads " +
           std::to_string(c.threads) + (c.gtiff ? (c.tiled ? " tiled GTiff" : " striped GTiff") : " array") + " " +
           g.crs.to_string().substr(0, 40) + " -> " + dst.to_string().substr(0, 40);
}

enum class Expect { kernel, gdal, either };

/// Who warps the case's chunks: bilinear takes the 4-sample formula only where a chunk's grid
/// is not much coarser than its source window (GDAL's test, 0.95), which a default grid may or
/// may not meet after a strong rotation; a grid 0.6 times as coarse always does, 1.7 never.
Expect expected(const Case& c) {
    const bool type = c.dtype == DType::uint8 || c.dtype == DType::int16 || c.dtype == DType::uint16 ||
                      c.dtype == DType::float32;
    if (!type) return Expect::gdal;
    if (c.resampling == Resampling::nearest) return Expect::kernel;
    if (c.resampling != Resampling::bilinear) return Expect::gdal;
    return c.scale < 0.9 ? Expect::kernel : c.scale > 1.5 ? Expect::gdal : Expect::either;
}

TEST(WarpKernelTest, RandomWarpsGiveGdalsBytes) {
    std::mt19937 rng(20261208);
    const auto grids = source_grids();
    const auto dsts = destination_crss();
    const DType dtypes[] = {DType::uint8, DType::int16, DType::uint16, DType::float32, DType::int32, DType::float64};
    const Resampling methods[] = {Resampling::nearest, Resampling::bilinear, Resampling::bilinear, Resampling::cubic};
    const int band_counts[] = {1, 2, 3, 4, 5};
    const double scales[] = {0.6, 1.0, 1.0, 1.04, 1.7};
    int covered_cases = 0, compared = 0;
    for (int i = 0; i < 70; ++i) {
        Case c{dtypes[rng() % 6],
               band_counts[rng() % 5],
               methods[rng() % 4],
               scales[rng() % 5],
               (rng() % 3 == 0) ? 1 : 0,
               1 + static_cast<int>(rng() % 3),
               rng() % 2 == 0,
               rng() % 2 == 0};
        if (i < 6) c = Case{DType::uint8, 3, i % 2 ? Resampling::bilinear : Resampling::nearest, 1.0, i / 2 == 1 ? 1 : 0,
                            1 + i / 2, i / 2 == 2, true};
        const Grid& g = grids[rng() % grids.size()];
        const CRS& dst_crs = dsts[rng() % dsts.size()];
        if (dst_crs == g.crs) continue;
        const int width = 200 + static_cast<int>(rng() % 180), height = 150 + static_cast<int>(rng() % 150);
        const AnyArray src = random_raster(c.dtype, c.bands, height, width, rng);
        const std::string what = describe(c, g, dst_crs);

        MemoryFile mf;
        if (c.gtiff) {
            Options co;
            if (c.tiled) co = {{"TILED", "YES"}, {"BLOCKXSIZE", "64"}, {"BLOCKYSIZE", "64"}};
            auto w = mf.open(Profile{.driver = "GTiff", .width = width, .height = height, .count = c.bands,
                                     .dtype = c.dtype, .crs = g.crs, .transform = g.transform, .options = co});
            w.write(src);
        }
        auto run = [&] {
            Dataset ds;
            WarpSource source = WarpSource::from_array(src, g.transform, g.crs);
            if (c.gtiff) {
                ds = mf.open();
                source = WarpSource::from_dataset(ds);
            }
            WarpDestination d = WarpDestination::make(dst_crs);
            if (c.scale != 1.0) {
                const Bounds b{g.transform.c, g.transform.f + g.transform.e * height, g.transform.c + g.transform.a * width,
                               g.transform.f};
                const auto grid = calculate_default_transform(g.crs, dst_crs, width, height, b);
                d.resolution = std::make_pair(grid.transform.a * c.scale, -grid.transform.e * c.scale);
            }
            return reproject(source, d,
                             {.resampling = c.resampling, .num_threads = c.threads, .warp_mem_limit = c.mem_limit});
        };
        const auto before = detail::WarpKernel::total_chunks();
        Reprojected ours;
        try {
            ours = run();
        } catch (const Error& e) {
            ADD_FAILURE() << what << ": " << e.what();
            continue;
        }
        const auto used = detail::WarpKernel::total_chunks() - before;
        const Reprojected gdals = with_gdal_kernel(run);
        EXPECT_EQ(detail::WarpKernel::total_chunks() - before, used) << what << ": RASTIO_WARP_KERNEL=gdal was ignored";
        ASSERT_EQ(ours.array.shape(), gdals.array.shape()) << what;
        EXPECT_EQ(ours.transform, gdals.transform) << what;
        const auto a = ours.array.bytes(), b = gdals.array.bytes();
        std::size_t differ = 0;
        for (std::size_t k = 0; k < a.size(); ++k) differ += a[k] != b[k];
        EXPECT_EQ(differ, 0u) << what << ": " << differ << " of " << a.size() << " bytes differ";
        const Expect e = expected(c);
        if (e == Expect::kernel) {
            EXPECT_GT(used, 0u) << what << ": the kernel warped no chunk";
        } else if (e == Expect::gdal) {
            EXPECT_EQ(used, 0u) << what << ": the kernel took a chunk it does not cover";
        }
        if (used > 0) ++covered_cases;
        ++compared;
    }
    EXPECT_GT(covered_cases, 15);
    EXPECT_GT(compared, 40);
}

TEST(WarpKernelTest, NodataMasksAreLeftToGdal) {
    std::mt19937 rng(7);
    const AnyArray src = random_raster(DType::uint8, 3, 200, 240, rng);
    const Affine tf{90, 0, 400000, 0, -90, 5600000};
    const auto before = detail::WarpKernel::total_chunks();
    const auto out = reproject(WarpSource::from_array(src, tf, CRS::from_epsg(32633), 0.0),
                               WarpDestination::make(CRS::from_epsg(3857)), {.resampling = Resampling::bilinear});
    EXPECT_EQ(detail::WarpKernel::total_chunks(), before) << "a chunk with a nodata mask went to rastio's kernel";
    EXPECT_GT(out.array.shape()[1], 100u);
}

TEST(WarpKernelTest, WarpedVrtReadsGiveGdalsBytes) {
    std::mt19937 rng(99);
    const int width = 700, height = 500;
    for (const DType dtype : {DType::uint8, DType::uint16, DType::float32}) {
        const AnyArray src = random_raster(dtype, 3, height, width, rng);
        MemoryFile mf;
        {
            auto w = mf.open(Profile{.driver = "GTiff", .width = width, .height = height, .count = 3, .dtype = dtype,
                                     .crs = CRS::from_epsg(32633), .transform = Affine{60, 0, 400000, 0, -60, 5600000},
                                     .options = {{"TILED", "YES"}}});
            w.write(src);
        }
        auto ds = mf.open();
        for (const Resampling r : {Resampling::nearest, Resampling::bilinear}) {
            const WarpedVRTOptions o{.crs = CRS::from_epsg(3857), .resampling = r, .num_threads = 1};
            const std::vector<ReadOptions> reads = {ReadOptions{}, ReadOptions{.window = Window(130, 70, 256, 256)},
                                                    ReadOptions{.window = Window(-50, 400, 300, 300), .boundless = true}};
            const auto before = detail::WarpKernel::total_chunks();
            std::vector<AnyArray> ours;
            {
                WarpedVRT vrt(ds, o);
                for (const auto& rd : reads) ours.push_back(vrt.read(rd));
            }
            EXPECT_GT(detail::WarpKernel::total_chunks(), before) << to_string(r);
            with_gdal_kernel([&] {
                WarpedVRT vrt(ds, o);
                for (std::size_t i = 0; i < reads.size(); ++i) {
                    EXPECT_EQ(vrt.read(reads[i]), ours[i]) << to_string(dtype) << " " << to_string(r) << " read " << i;
                }
                return 0;
            });
        }
    }
}

TEST(WarpKernelTest, ProgressIsReportedAndCancelStopsTheWarp) {
    std::mt19937 rng(3);
    const AnyArray src = random_raster(DType::uint8, 3, 900, 900, rng);
    const Affine tf{30, 0, 400000, 0, -30, 5600000};
    const auto source = WarpSource::from_array(src, tf, CRS::from_epsg(32633));
    std::vector<double> seen;
    const auto before = detail::WarpKernel::total_chunks();
    (void)reproject(source, WarpDestination::make(CRS::from_epsg(3857)),
                    {.resampling = Resampling::bilinear, .num_threads = 2, .warp_mem_limit = 1,
                     .progress = [&](double f) {
                         seen.push_back(f);
                         return true;
                     }});
    EXPECT_GT(detail::WarpKernel::total_chunks(), before + 1) << "expected several chunks through the kernel";
    ASSERT_GT(seen.size(), 3u);
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
    EXPECT_DOUBLE_EQ(seen.back(), 1.0);
    int calls = 0;
    EXPECT_THROW((void)reproject(source, WarpDestination::make(CRS::from_epsg(3857)),
                                 {.resampling = Resampling::bilinear, .num_threads = 2,
                                  .progress = [&](double) { return ++calls < 3; }}),
                 Error);
}

/// A destination array already holding pixels, as a caller reprojecting into a mosaic has.
AnyArray prefilled(DType dtype, int bands, int height, int width) {
    return test::smooth_field(dtype, bands, height, width, 4242);
}

TEST(WarpKernelTest, DestinationArraysGiveGdalsBytesWhateverTheirInitialisation) {
    // Into a given array: its pixels stay where no source lands (init_dest_nodata = false), or
    // INIT_DEST's values go there (the default 0, or a value of the caller's), with the kernel
    // warping straight into the array, or GDAL's kernel (cubic; bilinear to a coarse grid) in
    // its own buffer.
    const Affine src_tf{90, 0, 400000, 0, -90, 5600000};
    // The source's grid in Web Mercator, widened by a quarter on each side: part of each
    // destination below has no source.
    const rastio::Grid g = calculate_default_transform(CRS::from_epsg(32633), CRS::from_epsg(3857), 300, 260,
                                               Bounds{400000, 5600000 - 90 * 260, 400000 + 90 * 300, 5600000});
    const double extent = g.transform.a * g.width;
    const Affine dst_tf{1, 0, g.transform.c - extent / 4, 0, -1, g.transform.f + extent / 4};
    struct IntoCase {
        DType dtype;
        Resampling resampling;
        bool init;
        const char* init_dest; ///< INIT_DEST given by the caller, or null
        double pixel;          ///< destination pixel size
    };
    const IntoCase cases[] = {
        {DType::uint8, Resampling::bilinear, false, nullptr, 100},   {DType::uint8, Resampling::nearest, true, nullptr, 100},
        {DType::uint8, Resampling::bilinear, true, "7", 100},        {DType::uint16, Resampling::bilinear, true, "3,9", 100},
        {DType::float32, Resampling::nearest, false, nullptr, 100},  {DType::float32, Resampling::bilinear, true, "2.5", 100},
        {DType::int16, Resampling::nearest, true, "-4", 100},        {DType::uint8, Resampling::cubic, false, nullptr, 100},
        {DType::uint8, Resampling::bilinear, false, nullptr, 400},   {DType::uint8, Resampling::bilinear, true, "5", 400},
        {DType::float64, Resampling::nearest, false, nullptr, 100},
    };
    for (const IntoCase& c : cases) {
        const AnyArray src = test::smooth_field(c.dtype, 3, 260, 300, 11);
        const Affine tf{c.pixel, 0, dst_tf.c, 0, -c.pixel, dst_tf.f};
        const int size = static_cast<int>(1.5 * extent / c.pixel);
        auto run = [&] {
            ReprojectOptions o{.resampling = c.resampling, .init_dest_nodata = c.init, .num_threads = 2};
            if (c.init_dest != nullptr) o.warp_options["INIT_DEST"] = c.init_dest;
            return reproject(WarpSource::from_array(src, src_tf, CRS::from_epsg(32633)),
                             WarpDestination::into(prefilled(c.dtype, 3, size, size), tf, CRS::from_epsg(3857)), o);
        };
        const std::string what = std::string(to_string(c.dtype)) + " " + std::string(to_string(c.resampling)) +
                                 (c.init ? " init" : " no init") + " " + (c.init_dest ? c.init_dest : "") + " pixel " +
                                 std::to_string(c.pixel);
        const auto before = detail::WarpKernel::total_chunks();
        const Reprojected ours = run();
        const bool kernel = detail::WarpKernel::total_chunks() > before;
        const Reprojected gdals = with_gdal_kernel(run);
        EXPECT_EQ(ours.array, gdals.array) << what;
        const bool expect_kernel = (c.resampling == Resampling::nearest || (c.resampling == Resampling::bilinear && c.pixel < 200)) &&
                                   c.dtype != DType::float64;
        EXPECT_EQ(kernel, expect_kernel) << what;
        // The destination is partly outside the source: some pixels are the prefill or INIT_DEST's.
        EXPECT_NE(ours.array, prefilled(c.dtype, 3, size, size)) << what;
    }
}

} // namespace
