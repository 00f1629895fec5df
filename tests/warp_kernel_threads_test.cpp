// rastio's warp kernel on several threads: reproject's chunks split by rows over 3 threads (each
// with a transformer of its own) and WarpedVRT blocks warped side by side on helper threads (one
// shared single-threaded kernel) give the bytes of one thread and of GDAL's kernel, and no thread
// outlives the call. Labelled "concurrency" in ctest, so the ThreadSanitizer build runs it; the
// random cases against GDAL's kernel are in warp_kernel_test.cpp.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <cpl_conv.h>

#include <rastio/rastio.hpp>
#include <rastio/warp.hpp>

#include "test_support.hpp"
#include "warp_kernel.hpp"

namespace {

using namespace rastio;

constexpr int k_width = 640, k_height = 480;

MemoryFile make_source(DType dtype) {
    MemoryFile mf;
    auto w = mf.open(Profile{.driver = "GTiff", .width = k_width, .height = k_height, .count = 3, .dtype = dtype,
                             .crs = CRS::from_epsg(32633), .transform = Affine{60, 0, 400000, 0, -60, 5600000},
                             .options = {{"TILED", "YES"}}});
    w.write(test::smooth_field(dtype, 3, k_height, k_width, 99));
    return mf;
}

int thread_count() {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
}

TEST(WarpKernelThreadsTest, RowsOnSeveralThreadsGiveOneThreadsBytes) {
    // ThreadSanitizer starts a thread of its own at the first thread creation: do that first.
    std::thread([] {}).join();
    for (const DType dtype : {DType::uint8, DType::float32}) {
        MemoryFile mf = make_source(dtype);
        auto ds = mf.open();
        for (const Resampling r : {Resampling::bilinear, Resampling::nearest}) {
            auto run = [&](int threads) {
                return reproject(WarpSource::from_dataset(ds), WarpDestination::make(CRS::from_epsg(3857)),
                                 {.resampling = r, .num_threads = threads, .warp_mem_limit = 1});
            };
            const int before_threads = thread_count();
            const auto before = detail::WarpKernel::total_chunks();
            const Reprojected three = run(3);
            EXPECT_GT(detail::WarpKernel::total_chunks(), before + 1) << "several chunks expected";
            EXPECT_EQ(thread_count(), before_threads) << "a warp left a thread running";
            const Reprojected one = run(1);
            EXPECT_EQ(three.array, one.array) << to_string(dtype) << " " << to_string(r);
            CPLSetThreadLocalConfigOption("RASTIO_WARP_KERNEL", "gdal");
            const Reprojected gdal = run(3);
            CPLSetThreadLocalConfigOption("RASTIO_WARP_KERNEL", nullptr);
            EXPECT_EQ(three.array, gdal.array) << to_string(dtype) << " " << to_string(r) << " against GDAL's kernel";
        }
    }
}

TEST(WarpKernelThreadsTest, WarpedVrtBlocksOnHelperThreadsGiveOneThreadsBytes) {
    MemoryFile mf = make_source(DType::uint8);
    auto ds = mf.open();
    const auto before = detail::WarpKernel::total_chunks();
    WarpedVRT serial(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear, .num_threads = 1});
    WarpedVRT parallel(ds, {.crs = CRS::from_epsg(3857), .resampling = Resampling::bilinear, .num_threads = 3});
    EXPECT_EQ(parallel.read(), serial.read());
    const ReadOptions window{.window = Window(100, 60, 400, 300)};
    EXPECT_EQ(parallel.read(window), serial.read(window));
    EXPECT_GT(detail::WarpKernel::total_chunks(), before + 4);
}

} // namespace
