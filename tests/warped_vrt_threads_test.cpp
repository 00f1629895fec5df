// WarpedVRT reads whose blocks are warped on several threads (WarpedVRTOptions::num_threads):
// the same pixels as one thread warping block after block, whatever the view (GDAL's grid or a
// given one, nodata, an added alpha band, a float working type, a shared source), the read
// (whole, windows across block edges, boundless) or the order of the reads; no thread, handle
// or /vsimem/ entry is left once the view and its MemoryFile are closed. rastio's WarpedVRT
// with one thread is GDAL's own VRTWarpedDataset, compared with rasterio in tests/warp_parity.
// Labelled "concurrency" in ctest, so the ThreadSanitizer build runs it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>
#include <rastio/warp.hpp>

#include "test_support.hpp"

namespace {

using namespace rastio;
using rastio::test::open_fd_count;
using rastio::test::vsimem_entries;

constexpr int k_width = 560, k_height = 300;

/// A 560x300 UTM 33N GeoTIFF in memory with smooth structure, noise and nodata holes.
MemoryFile make_source(int count, DType dtype) {
    MemoryFile mf;
    auto w = mf.open(Profile{.driver = "GTiff", .width = k_width, .height = k_height, .count = count, .dtype = dtype,
                             .crs = CRS::from_epsg(32633), .transform = Affine{60, 0, 400000, 0, -60, 5600000},
                             .nodata = 0.0, .options = {{"TILED", "YES"}}});
    AnyArray a(dtype, Shape{static_cast<std::size_t>(count), k_height, k_width});
    std::uint32_t seed = 12345;
    visit_dtype(dtype, [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_arithmetic_v<T>) {
            auto values = a.as<T>().values();
            for (std::size_t i = 0; i < values.size(); ++i) {
                seed = seed * 1664525U + 1013904223U;
                const std::size_t x = i % k_width, y = (i / k_width) % k_height;
                const auto noise = static_cast<int>(seed >> 26);
                values[i] = (seed >> 8) % 23 == 0 ? T(0) : static_cast<T>(1 + static_cast<int>((3 * x + y) % 160) + noise);
            }
        }
    });
    w.write(a);
    return mf;
}

/// Reads that need several of the view's 512x128 blocks at once, and some that do not.
std::vector<ReadOptions> reads(const Dataset& vrt) {
    return {
        ReadOptions{.window = Window(300, 100, 300, 150)},
        ReadOptions{.window = Window(0, 0, 256, 256)},
        ReadOptions{.window = Window(500, 120, 40, 20)},                    // four blocks, a few pixels of each
        ReadOptions{.window = Window(vrt.width() - 100, vrt.height() - 200, 300, 300), .boundless = true},
        ReadOptions{},                                                      // the rest of the view
        ReadOptions{.window = Window(300, 100, 300, 150)},                  // again, from the cache
    };
}

void expect_same_reads(MemoryFile& mf, const WarpedVRTOptions& options, const std::string& what) {
    auto ds = mf.open();
    WarpedVRTOptions one = options;
    one.num_threads = 1;
    WarpedVRT serial(ds, one);
    std::vector<AnyArray> want;
    for (const auto& r : reads(serial)) want.push_back(serial.read(r));
    for (const int threads : {3}) {
        WarpedVRTOptions many = options;
        many.num_threads = threads;
        WarpedVRT parallel(ds, many);
        const auto rs = reads(parallel);
        for (std::size_t i = 0; i < rs.size(); ++i) {
            EXPECT_EQ(parallel.read(rs[i]), want[i]) << what << ", " << threads << " threads, read " << i;
        }
        EXPECT_EQ(parallel.read_masks(rs[0]), serial.read_masks(rs[0])) << what << ", " << threads << " threads";
    }
}

int thread_count() {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
}

TEST(WarpedVrtThreadsTest, BlocksWarpedOnSeveralThreadsAreWhatOneThreadWarps) {
    MemoryFile rgb = make_source(3, DType::uint8);
    const CRS mercator = CRS::from_epsg(3857);
    expect_same_reads(rgb, {.crs = mercator, .resampling = Resampling::bilinear}, "bilinear");
    expect_same_reads(rgb, {.crs = mercator, .resampling = Resampling::nearest}, "nearest");
    expect_same_reads(rgb, {.crs = mercator, .resampling = Resampling::cubic, .add_alpha = true}, "cubic, alpha");
    expect_same_reads(rgb, {.crs = mercator, .resampling = Resampling::average, .nodata = 7}, "average, nodata 7");
    expect_same_reads(rgb, {.crs = CRS::from_epsg(4326), .width = 700, .height = 400, .resampling = Resampling::bilinear},
                      "bilinear, a given size");
    expect_same_reads(rgb, {.crs = mercator, .resampling = Resampling::bilinear, .share_source = true},
                      "bilinear, shared source");
    MemoryFile one_band = make_source(1, DType::int16);
    expect_same_reads(one_band, {.crs = mercator, .resampling = Resampling::bilinear, .dtype = DType::float32},
                      "int16 as float32");
}

TEST(WarpedVrtThreadsTest, NothingIsLeftOnceClosed) {
    // ThreadSanitizer's runtime starts a thread of its own at the process's first thread
    // creation, and it stays: start and join one first, so that the count below includes it.
    std::thread([] {}).join();
    const auto entries = vsimem_entries();
    const int fds = open_fd_count();
    const int threads = thread_count();
    {
        MemoryFile mf = make_source(3, DType::uint8);
        auto ds = mf.open();
        WarpedVRT vrt(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear, .num_threads = 4});
        const auto a = vrt.read(ReadOptions{.window = Window(0, 0, 600, 300)});
        EXPECT_EQ(a.shape()[1], 300u);
        EXPECT_EQ(thread_count(), threads) << "a read left a thread running";
        mf.close(); // closes the view, and with it the handles its threads read through
        EXPECT_THROW((void)vrt.read(ReadOptions{.window = Window(0, 0, 8, 8)}), ClosedError);
    }
    EXPECT_EQ(vsimem_entries(), entries);
    EXPECT_EQ(open_fd_count(), fds);
    EXPECT_EQ(thread_count(), threads);
}

TEST(WarpedVrtThreadsTest, NegativeThreadCountIsRefused) {
    MemoryFile mf = make_source(1, DType::uint8);
    auto ds = mf.open();
    EXPECT_THROW(WarpedVRT(ds, {.crs = CRS::from_epsg(3857), .num_threads = -1}), ArgumentError);
}

} // namespace
