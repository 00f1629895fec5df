// rastio's per-pixel loop for GDAL 3.6's commonest warp chunks. It reproduces, operation for
// operation, what GDALWarpKernel::PerformWarp does when it picks
// GWKResampleNoMasksOrDstDensityOnlyThreadInternal (alg/gdalwarpkernel.cpp, GDAL 3.6.2): the
// scale test that selects the 4-sample bilinear formula, GWKCheckAndComputeSrcOffsets (with its
// retry through the exact transformer), the bilinear weights and the rounding. It is faster
// because it works out a pixel's position and weights once for all bands, inlines everything,
// and spreads rows over threads with no per-chunk pool set-up.
// Built with -ffp-contract=off (CMakeLists.txt): a fused multiply-add would change the pixels.
#include "warp_kernel.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <thread>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>

namespace rastio::detail {

namespace {

/// GDAL 3.6's kernel is what this one reproduces; another GDAL keeps its own.
bool gdal_is_3_6() {
    static const bool yes = [] {
        const long v = std::atol(GDALVersionInfo("VERSION_NUM"));
        return v >= 3060000 && v < 3070000;
    }();
    return yes;
}

/// GWKRoundValueT: unsigned types add 0.5 and truncate, signed ones floor(v + 0.5), float casts.
template <class T> inline T round_value(double v) {
    if constexpr (std::is_same_v<T, float>) {
        return static_cast<float>(v);
    } else if constexpr (std::numeric_limits<T>::is_signed) {
        return static_cast<T>(std::floor(v + 0.5));
    } else {
        return static_cast<T>(v + 0.5);
    }
}

/// floor() for the values met here (finite, within int range), as an int: floor(t) exactly.
inline int floor_int(double t) {
    const int i = static_cast<int>(t);
    return t < static_cast<double>(i) ? i - 1 : i;
}

/// One chunk's kernel state, shared by the threads that warp its rows.
struct Chunk {
    GDALWarpKernel* wk;
    bool bilinear;
    std::atomic<int> next_row;
    std::atomic<int> rows_done{0};
    std::atomic<bool> stop{false};
};

/// The chunk's windows, copied out of the GDALWarpKernel: the loops below store through byte
/// pointers, which may alias anything, so fields read through a pointer would be reloaded after
/// every store.
struct Geometry {
    int sw, sh;       ///< source window size
    int sxoff, syoff; ///< source window offset
    int dxoff, dyoff; ///< destination chunk offset
};

/// GWKCheckAndComputeSrcOffsets's tests in full, for a point that fails the quick ones: a
/// failed transformation, NaN, or a point outside the window, which GDAL transforms again alone
/// (exactly) when it is less than a pixel outside. False: no source pixel.
[[gnu::noinline]] bool recheck_point(const Geometry g, GDALTransformerFunc transform, void* targ, int* ok, int x,
                                     int y, double* xs, double* ys) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (attempt == 1) {
            xs[x] = x + 0.5 + g.dxoff;
            ys[x] = y + 0.5 + g.dyoff;
            double z = 0;
            transform(targ, TRUE, 1, xs + x, ys + x, &z, ok + x);
        }
        if (!ok[x]) return false;
        const double fx = xs[x], fy = ys[x];
        if (std::isnan(fx) || std::isnan(fy)) return false;
        if (fx < g.sxoff) {
            if (attempt == 0 && fx > g.sxoff - 1) continue;
            return false;
        }
        if (fy < g.syoff) {
            if (attempt == 0 && fy > g.syoff - 1) continue;
            return false;
        }
        if (fx + 1e-10 > g.sw + g.sxoff) {
            if (attempt == 0 && fx < g.sw + g.sxoff + 1) continue;
            return false;
        }
        if (fy + 1e-10 > g.sh + g.syoff) {
            if (attempt == 0 && fy < g.sh + g.syoff + 1) continue;
            return false;
        }
        return true;
    }
    return true;
}

/// GWKCheckAndComputeSrcOffsets: whether destination pixel `x` of row `y` has a source pixel,
/// with its offset in the source window. The quick test is GDAL's first attempt passing every
/// check (NaN fails it, as it fails GDAL's); anything else takes GDAL's full path.
inline bool source_offset(const Geometry g, const double x_end, const double y_end, GDALTransformerFunc transform,
                          void* targ, int* ok, int x, int y, double* xs, double* ys, std::ptrdiff_t& offset) {
    const double fx = xs[x], fy = ys[x];
    const bool inside = ok[x] != 0 && fx >= g.sxoff && fy >= g.syoff && fx + 1e-10 <= x_end && fy + 1e-10 <= y_end;
    if (!inside && !recheck_point(g, transform, targ, ok, x, y, xs, ys)) return false;
    int sx = static_cast<int>(xs[x] + 1.0e-10) - g.sxoff;
    int sy = static_cast<int>(ys[x] + 1.0e-10) - g.syoff;
    if (sx == g.sw) --sx;
    if (sy == g.sh) --sy;
    offset = sx + static_cast<std::ptrdiff_t>(sy) * g.sw;
    return true;
}

/// The band planes of the source window and of the destination chunk: a fixed-size array when
/// the band count is known at compile time (NB > 0), so the pointers stay in registers.
template <class T, int NB> struct Planes {
    std::array<const T*, NB> src{};
    std::array<T*, NB> dst{};
    explicit Planes(const GDALWarpKernel* wk) {
        for (int b = 0; b < NB; ++b) {
            src[static_cast<std::size_t>(b)] = reinterpret_cast<const T*>(wk->papabySrcImage[b]);
            dst[static_cast<std::size_t>(b)] = reinterpret_cast<T*>(wk->papabyDstImage[b]);
        }
    }
    static constexpr int count() { return NB; }
};
template <class T> struct Planes<T, 0> {
    std::vector<const T*> src;
    std::vector<T*> dst;
    explicit Planes(const GDALWarpKernel* wk) {
        for (int b = 0; b < wk->nBands; ++b) {
            src.push_back(reinterpret_cast<const T*>(wk->papabySrcImage[b]));
            dst.push_back(reinterpret_cast<T*>(wk->papabyDstImage[b]));
        }
    }
    int count() const { return static_cast<int>(src.size()); }
};

/// GWKBilinearResampleNoMasks4SampleT for every band of one pixel at source (`fx`, `fy`),
/// relative to the window.
template <class T, int NB>
inline void bilinear_pixel(const Planes<T, NB>& p, const int sw, const int sh, double fx, double fy,
                           std::ptrdiff_t dst) {
    const int ix = floor_int(fx - 0.5);
    const int iy = floor_int(fy - 0.5);
    const std::ptrdiff_t o = ix + static_cast<std::ptrdiff_t>(iy) * sw;
    const double rx = 1.5 - (fx - ix);
    const double ry = 1.5 - (fy - iy);
    const int bands = p.count();
    if (ix >= 0 && ix + 1 < sw && iy >= 0 && iy + 1 < sh) {
        const double rx1 = 1.0 - rx, ry1 = 1.0 - ry;
        for (int b = 0; b < bands; ++b) {
            const T* s = p.src[static_cast<std::size_t>(b)];
            const double acc = (s[o] * rx + s[o + 1] * rx1) * ry + (s[o + sw] * rx + s[o + 1 + sw] * rx1) * ry1;
            p.dst[static_cast<std::size_t>(b)][dst] = round_value<T>(acc);
        }
        return;
    }
    // Near the window's edge: only the neighbours inside count, renormalised (GDAL's order).
    const bool ul = ix >= 0 && ix < sw && iy >= 0 && iy < sh;
    const bool ur = ix + 1 >= 0 && ix + 1 < sw && iy >= 0 && iy < sh;
    const bool lr = ix + 1 >= 0 && ix + 1 < sw && iy + 1 >= 0 && iy + 1 < sh;
    const bool ll = ix >= 0 && ix < sw && iy + 1 >= 0 && iy + 1 < sh;
    for (int b = 0; b < bands; ++b) {
        const T* s = p.src[static_cast<std::size_t>(b)];
        double div = 0.0, acc = 0.0;
        if (ul) {
            const double m = rx * ry;
            div += m;
            acc += s[o] * m;
        }
        if (ur) {
            const double m = (1.0 - rx) * ry;
            div += m;
            acc += s[o + 1] * m;
        }
        if (lr) {
            const double m = (1.0 - rx) * (1.0 - ry);
            div += m;
            acc += s[o + 1 + sw] * m;
        }
        if (ll) {
            const double m = rx * (1.0 - ry);
            div += m;
            acc += s[o + sw] * m;
        }
        T value = 0;
        if (div < 0.00001) {
            value = 0;
        } else if (div == 1.0) {
            value = round_value<T>(acc);
        } else {
            value = round_value<T>(acc / div);
        }
        p.dst[static_cast<std::size_t>(b)][dst] = value;
    }
}

/// Rows [y0, y1) of the chunk, with transformer `targ`; `xs0` holds the destination x of each
/// column. The buffers are this thread's.
template <class T, int NB>
void warp_rows(Chunk& c, void* targ, int y0, int y1, const std::vector<double>& xs0, std::vector<double>& xs_v,
               std::vector<double>& ys_v, std::vector<double>& zs_v, std::vector<int>& ok_v) {
    const GDALWarpKernel* wk = c.wk;
    const Geometry g{wk->nSrcXSize, wk->nSrcYSize, wk->nSrcXOff, wk->nSrcYOff, wk->nDstXOff, wk->nDstYOff};
    const GDALTransformerFunc transform = wk->pfnTransformer;
    const int w = wk->nDstXSize;
    const Planes<T, NB> p(wk);
    const int bands = p.count();
    const bool bilinear = c.bilinear;
    float* const density = wk->pafDstDensity;
    double* const xs = xs_v.data();
    double* const ys = ys_v.data();
    double* const zs = zs_v.data();
    int* const ok = ok_v.data();
    const auto n = static_cast<std::size_t>(w);
    // GDAL's bounds, an int sum compared as a double.
    const auto x_end = static_cast<double>(g.sw + g.sxoff), y_end = static_cast<double>(g.sh + g.syoff);
    for (int y = y0; y < y1; ++y) {
        std::memcpy(xs, xs0.data(), sizeof(double) * n);
        const double fy = y + 0.5 + g.dyoff;
        std::fill(ys, ys + n, fy);
        std::fill(zs, zs + n, 0.0);
        transform(targ, TRUE, w, xs, ys, zs, ok);
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w;
        for (int x = 0; x < w; ++x) {
            std::ptrdiff_t offset = 0;
            if (!source_offset(g, x_end, y_end, transform, targ, ok, x, y, xs, ys, offset)) continue;
            const std::ptrdiff_t dst = row + x;
            if (bilinear) {
                bilinear_pixel<T, NB>(p, g.sw, g.sh, xs[x] - g.sxoff, ys[x] - g.syoff, dst);
            } else {
                for (int b = 0; b < bands; ++b) p.dst[static_cast<std::size_t>(b)][dst] = p.src[static_cast<std::size_t>(b)][offset];
            }
            if (density != nullptr) density[dst] = 1.0f;
        }
    }
}

template <class T>
void warp_rows_any(Chunk& c, void* targ, int y0, int y1, const std::vector<double>& xs0, std::vector<double>& xs,
                   std::vector<double>& ys, std::vector<double>& zs, std::vector<int>& ok) {
    switch (c.wk->nBands) {
    case 1: warp_rows<T, 1>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
    case 3: warp_rows<T, 3>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
    case 4: warp_rows<T, 4>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
    default: warp_rows<T, 0>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
    }
}

/// Takes rows in small batches until the chunk is done (or stopped); reports progress when
/// `report` (the calling thread only). Throws (bad_alloc) only before taking a row.
void run_rows(Chunk& c, void* targ, bool report) {
    GDALWarpKernel* wk = c.wk;
    const int w = wk->nDstXSize, h = wk->nDstYSize;
    const auto n = static_cast<std::size_t>(w);
    std::vector<double> xs0(n), xs(n), ys(n), zs(n);
    std::vector<int> ok(n);
    for (int x = 0; x < w; ++x) xs0[static_cast<std::size_t>(x)] = x + 0.5 + wk->nDstXOff;
    constexpr int batch = 8;
    for (;;) {
        if (c.stop.load(std::memory_order_relaxed)) return;
        const int y0 = c.next_row.fetch_add(batch);
        if (y0 >= h) return;
        const int y1 = std::min(h, y0 + batch);
        switch (wk->eWorkingDataType) {
        case GDT_Byte: warp_rows_any<std::uint8_t>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
        case GDT_Int16: warp_rows_any<std::int16_t>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
        case GDT_UInt16: warp_rows_any<std::uint16_t>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
        default: warp_rows_any<float>(c, targ, y0, y1, xs0, xs, ys, zs, ok); break;
        }
        const int done = c.rows_done.fetch_add(y1 - y0) + (y1 - y0);
        if (report && wk->pfnProgress != GDALDummyProgress &&
            !wk->pfnProgress(wk->dfProgressBase + wk->dfProgressScale * (done / static_cast<double>(h)), "",
                             wk->pProgress)) {
            c.stop.store(true);
            return;
        }
    }
}

/// PerformWarp's scales, and whether it would pick the 4-sample formula; false when GDAL would
/// sample a grid for the x scale (or is told a scale), which this kernel leaves to GDAL.
bool four_sample_formula(const GDALWarpKernel* wk, bool& four) {
    if (CSLFetchNameValue(wk->papszWarpOptions, "XSCALE") != nullptr ||
        CSLFetchNameValue(wk->papszWarpOptions, "YSCALE") != nullptr) {
        return false;
    }
    double xscale = static_cast<double>(wk->nDstXSize) / (wk->nSrcXSize - wk->dfSrcXExtraSize);
    double yscale = static_cast<double>(wk->nDstYSize) / (wk->nSrcYSize - wk->dfSrcYExtraSize);
    if (wk->nSrcXSize >= wk->nDstXSize && wk->nSrcXSize <= wk->nDstXSize + wk->dfSrcXExtraSize) xscale = 1.0;
    if (wk->nSrcYSize >= wk->nDstYSize && wk->nSrcYSize <= wk->nDstYSize + wk->dfSrcYExtraSize) yscale = 1.0;
    auto snap = [](double& scale) {
        if (scale < 1.0) {
            const double reciprocal = 1.0 / scale;
            const int n = static_cast<int>(reciprocal + 0.5);
            if (std::fabs(reciprocal - n) < 0.05) scale = 1.0 / n;
        }
    };
    snap(xscale);
    snap(yscale);
    if (yscale / xscale > 100) return false;
    four = xscale >= 0.95 && yscale >= 0.95;
    return true;
}

/// Whether PerformWarp would run GWKResampleNoMasksOrDstDensityOnly* on this chunk, with a
/// method this kernel has.
bool covered(const GDALWarpKernel* wk, bool& bilinear) {
    if (!gdal_is_3_6()) return false;
    const char* mode = CPLGetConfigOption("RASTIO_WARP_KERNEL", nullptr);
    if (mode != nullptr && EQUAL(mode, "gdal")) return false;
    if (wk->nSrcXSize <= 0 || wk->nSrcYSize <= 0 || wk->nDstXSize <= 0 || wk->nDstYSize <= 0 || wk->nBands < 1) {
        return false;
    }
    if (wk->papanBandSrcValid != nullptr || wk->panUnifiedSrcValid != nullptr || wk->pafUnifiedSrcDensity != nullptr ||
        wk->panDstValid != nullptr) {
        return false;
    }
    if (wk->pfnTransformer == nullptr || wk->papabySrcImage == nullptr || wk->papabyDstImage == nullptr) return false;
    const GDALDataType t = wk->eWorkingDataType;
    if (t != GDT_Byte && t != GDT_Int16 && t != GDT_UInt16 && t != GDT_Float32) return false;
    char** o = wk->papszWarpOptions;
    if (CPLFetchBool(o, "USE_GENERAL_CASE", false) || CPLFetchBool(o, "APPLY_VERTICAL_SHIFT", false) ||
        CPLAtof(CSLFetchNameValueDef(o, "SRC_COORD_PRECISION", "0")) > 0.0) {
        return false;
    }
    if (wk->eResample == GRA_NearestNeighbour) {
        bilinear = false;
        return true;
    }
    if (wk->eResample == GRA_Bilinear) {
        bool four = false;
        if (!four_sample_formula(wk, four) || !four) return false;
        bilinear = true;
        return true;
    }
    return false;
}

} // namespace

WarpKernel::WarpKernel(int threads, std::function<void*()> make_transformer)
    : m_threads(make_transformer ? std::max(1, threads) : 1), m_make_transformer(std::move(make_transformer)) {}

WarpKernel::~WarpKernel() {
    for (void* t : m_transformers) GDALDestroyTransformer(t);
}

namespace {
std::atomic<std::uint64_t> g_total_chunks{0};
} // namespace

std::uint64_t WarpKernel::total_chunks() noexcept { return g_total_chunks.load(); }

WarpKernel& WarpKernel::single_threaded() {
    static WarpKernel kernel(1);
    return kernel;
}

void WarpKernel::install(GDALWarpOptions& wo) {
    wo.pfnPreWarpChunkProcessor = &WarpKernel::prewarp;
    wo.pPreWarpProcessorArg = this;
}

void WarpKernel::prepare() { (void)worker_transformers(); }

const std::vector<void*>& WarpKernel::worker_transformers() {
    // Only the warping thread calls this (GDAL warps one chunk at a time), so no lock.
    if (!m_made) {
        m_made = true;
        const CPLErrorStateBackuper keep_state;
        const CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        for (int i = 1; i < m_threads; ++i) {
            void* t = m_make_transformer();
            if (t == nullptr) break; // fewer threads
            m_transformers.push_back(t);
        }
    }
    return m_transformers;
}

CPLErr WarpKernel::prewarp(void* kernel, void* self_arg) {
    auto* wk = static_cast<GDALWarpKernel*>(kernel);
    auto* self = static_cast<WarpKernel*>(self_arg);
    bool bilinear = false;
    if (!covered(wk, bilinear)) return CE_None; // GDAL's PerformWarp does this chunk

    if (wk->pfnProgress != GDALDummyProgress && !wk->pfnProgress(wk->dfProgressBase, "", wk->pProgress)) {
        CPLError(CE_Failure, CPLE_UserInterrupt, "User terminated");
        return CE_Failure;
    }
    // As GWKRun: no more threads than half the rows, nor than 64 Ki pixels each.
    const long long pixels = static_cast<long long>(wk->nDstXSize) * wk->nDstYSize;
    int threads = std::min(self->m_threads, wk->nDstYSize / 2);
    threads = static_cast<int>(std::min<long long>(threads, pixels / 65536));
    threads = std::max(threads, 1);
    // Nothing may throw through GDAL's C frames: a thread or buffer that cannot be had means
    // fewer threads, and a chunk not wholly warped here is left to GDAL's kernel (which writes
    // every pixel of it again, the same values).
    Chunk c{wk, bilinear, {0}};
    try {
        std::vector<void*> targs; // the kernels of one-thread warps (VRT blocks) are shared: no state
        if (threads > 1) {
            const auto& all = self->worker_transformers();
            targs.assign(all.begin(), all.begin() + std::min<std::ptrdiff_t>(threads - 1, std::ssize(all)));
        }
        std::vector<std::jthread> workers;
        workers.reserve(targs.size());
        try {
            for (void* t : targs) {
                workers.emplace_back([&c, t] {
                    try {
                        run_rows(c, t, false);
                    } catch (...) { // its buffers: the other threads take the rows
                    }
                });
            }
        } catch (...) { // no more threads
        }
        run_rows(c, wk->pTransformerArg, true);
    } catch (...) { // the workers started finish the rows, or GDAL warps the chunk
    }
    if (c.stop.load()) {
        CPLError(CE_Failure, CPLE_UserInterrupt, "User terminated");
        return CE_Failure;
    }
    if (c.rows_done.load() != wk->nDstYSize) return CE_None;
    g_total_chunks.fetch_add(1);
    // Done: a source window of no pixels is PerformWarp's "nothing to warp" (it then reports
    // the chunk's progress and returns). GDAL frees the window through its own pointers.
    wk->nSrcXSize = 0;
    wk->nSrcYSize = 0;
    return CE_None;
}

} // namespace rastio::detail
