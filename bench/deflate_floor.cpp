// The floor under the DEFLATE writes: how long compressing every block of the 4096x4096x3
// benchmark raster takes on one thread, with nothing else done (no file, no GDAL, no copies
// beyond building the blocks once, untimed). libdeflate at GDAL's level (ZLEVEL, 6 unless
// given) is what GDAL 3.6's GTiff driver and rastio's direct writer use, so it produces the
// same block bytes GDAL would; zlib at the same level and ISA-L (each when built) and libdeflate's
// lower levels are shown for comparison only: they change the bytes (and the size) of the file.
//
// Both layouts of the benchmark: 256x256 tiles (TILED=YES) and GDAL's default strips (2 rows
// of 4096 pixels), pixel-interleaved. Prints wall and thread CPU time (CPU time is what counts
// on a shared machine: other processes stretch the wall time, not the CPU time).
//
// Usage: deflate_floor BENCH_DATA_DIR/raw.tif [repetitions] [level]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <libdeflate.h>
#if defined(RASTIO_BENCH_ZLIB)
#include <zlib.h>
#endif
#if __has_include(<isa-l/igzip_lib.h>) && defined(RASTIO_BENCH_ISAL)
#include <isa-l/igzip_lib.h>
#define HAVE_ISAL 1
#endif

#include <gdal.h>

namespace {

using Clock = std::chrono::steady_clock;

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Timing {
    std::vector<double> wall, cpu;
    std::size_t out_bytes = 0;
};

/// Runs `compress(block, out) -> size` over every block, `reps` times after one warm-up.
template <class F>
Timing measure(const std::vector<std::vector<unsigned char>>& blocks, int reps, F compress) {
    Timing t;
    std::vector<unsigned char> out(2 * blocks.front().size() + 4096);
    for (int rep = 0; rep <= reps; ++rep) {
        const auto w0 = Clock::now();
        const double c0 = thread_cpu_ms();
        std::size_t total = 0;
        for (const auto& b : blocks) total += compress(b, out);
        if (rep > 0) {
            t.wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - w0).count());
            t.cpu.push_back(thread_cpu_ms() - c0);
        }
        t.out_bytes = total;
    }
    return t;
}

void report(const char* what, const Timing& t, std::size_t in_bytes) {
    std::printf("    %-28s %7.1f ms CPU (%7.1f ms wall), %5.1f%% of the raw size\n", what, median(t.cpu),
                median(t.wall), 100.0 * static_cast<double>(t.out_bytes) / static_cast<double>(in_bytes));
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: deflate_floor raw.tif [repetitions] [level]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::max(1, std::stoi(argv[2])) : 5;
    const int level = argc > 3 ? std::stoi(argv[3]) : 6;
    GDALAllRegister();
    GDALDatasetH h = GDALOpen(argv[1], GA_ReadOnly);
    if (h == nullptr) {
        std::fprintf(stderr, "deflate_floor: cannot open %s\n", argv[1]);
        return 1;
    }
    const int w = GDALGetRasterXSize(h), ht = GDALGetRasterYSize(h), n = GDALGetRasterCount(h);
    const auto W = static_cast<std::size_t>(w), H = static_cast<std::size_t>(ht), N = static_cast<std::size_t>(n);
    std::vector<unsigned char> px(W * H * N); // pixel-interleaved, uint8
    if (GDALDatasetRasterIO(h, GF_Read, 0, 0, w, ht, px.data(), w, ht, GDT_Byte, n, nullptr, static_cast<int>(N),
                            static_cast<int>(W * N), 1) != CE_None) {
        return 1;
    }
    GDALClose(h);

    constexpr std::size_t tile = 256;
    std::vector<std::vector<unsigned char>> tiles, strips;
    for (std::size_t ty = 0; ty < H; ty += tile) {
        for (std::size_t tx = 0; tx < W; tx += tile) {
            std::vector<unsigned char> b(tile * tile * N, 0);
            for (std::size_t r = 0; r < tile && ty + r < H; ++r) {
                const std::size_t cols = std::min(tile, W - tx);
                std::copy_n(px.data() + ((ty + r) * W + tx) * N, cols * N, b.data() + r * tile * N);
            }
            tiles.push_back(std::move(b));
        }
    }
    // GDAL's default strip height for an 8-bit pixel-interleaved raster: about 8 KiB a strip.
    const std::size_t strip_rows = std::max<std::size_t>(1, 8192 / (W * N));
    for (std::size_t y = 0; y < H; y += strip_rows) {
        const std::size_t rows = std::min(strip_rows, H - y);
        strips.emplace_back(px.begin() + static_cast<std::ptrdiff_t>(y * W * N),
                            px.begin() + static_cast<std::ptrdiff_t>((y + rows) * W * N));
    }

    std::printf("DEFLATE floor, one thread, %dx%dx%d uint8 (%zu bytes), median of %d:\n", w, ht, n, px.size(), reps);
    for (const auto* layout : {&tiles, &strips}) {
        const auto& blocks = *layout;
        std::printf("  %zu %s of %zu bytes:\n", blocks.size(), layout == &tiles ? "256x256 tiles" : "strips",
                    blocks.front().size());
        for (int lv : {level, 1}) {
            if (lv == 1 && level == 1) continue;
            libdeflate_compressor* c = libdeflate_alloc_compressor(lv);
            const Timing t = measure(blocks, reps, [&](const auto& b, auto& out) {
                return libdeflate_zlib_compress(c, b.data(), b.size(), out.data(), out.size());
            });
            libdeflate_free_compressor(c);
            const std::string what = "libdeflate level " + std::to_string(lv) + (lv == level ? " (GDAL's)" : "");
            report(what.c_str(), t, px.size());
        }
#if defined(RASTIO_BENCH_ZLIB)
        const Timing z = measure(blocks, reps, [&](const auto& b, auto& out) {
            uLongf len = static_cast<uLongf>(out.size());
            compress2(out.data(), &len, b.data(), static_cast<uLong>(b.size()), level);
            return static_cast<std::size_t>(len);
        });
        report(("zlib level " + std::to_string(level)).c_str(), z, px.size());
#endif
#ifdef HAVE_ISAL
        const Timing i = measure(blocks, reps, [&](const auto& b, auto& out) {
            isal_zstream st;
            isal_deflate_stateless_init(&st);
            std::vector<unsigned char> lvl(ISAL_DEF_LVL1_DEFAULT);
            st.level = 1;
            st.level_buf = lvl.data();
            st.level_buf_size = static_cast<std::uint32_t>(lvl.size());
            st.gzip_flag = IGZIP_ZLIB;
            st.next_in = const_cast<unsigned char*>(b.data()); // NOLINT(cppcoreguidelines-pro-type-const-cast): ISA-L's API is not const
            st.avail_in = static_cast<std::uint32_t>(b.size());
            st.next_out = out.data();
            st.avail_out = static_cast<std::uint32_t>(out.size());
            st.end_of_stream = 1;
            st.flush = NO_FLUSH;
            return isal_deflate_stateless(&st) == COMP_OK ? static_cast<std::size_t>(st.total_out) : std::size_t{0};
        });
        report("ISA-L level 1", i, px.size());
#endif
    }
    return 0;
}
