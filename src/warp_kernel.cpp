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
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <thread>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_alg_priv.h> // GDALCloneTransformer (exported, C++ linkage)

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

/// GWKCheckAndComputeSrcOffsets: whether destination pixel `x` of row `y` has a source pixel,
/// with its offset in the source window; may transform the point again alone (exactly).
inline bool source_offset(const GDALWarpKernel* wk, void* targ, int* ok, int x, int y, double* xs, double* ys,
                          std::ptrdiff_t& offset) {
    const int sw = wk->nSrcXSize, sh = wk->nSrcYSize;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (attempt == 1) {
            xs[x] = x + 0.5 + wk->nDstXOff;
            ys[x] = y + 0.5 + wk->nDstYOff;
            double z = 0;
            wk->pfnTransformer(targ, TRUE, 1, xs + x, ys + x, &z, ok + x);
        }
        if (!ok[x]) return false;
        if (std::isnan(xs[x]) || std::isnan(ys[x])) return false;
        if (xs[x] < wk->nSrcXOff) {
            if (attempt == 0 && xs[x] > wk->nSrcXOff - 1) continue;
            return false;
        }
        if (ys[x] < wk->nSrcYOff) {
            if (attempt == 0 && ys[x] > wk->nSrcYOff - 1) continue;
            return false;
        }
        if (xs[x] + 1e-10 > sw + wk->nSrcXOff) {
            if (attempt == 0 && xs[x] < sw + wk->nSrcXOff + 1) continue;
            return false;
        }
        if (ys[x] + 1e-10 > sh + wk->nSrcYOff) {
            if (attempt == 0 && ys[x] < sh + wk->nSrcYOff + 1) continue;
            return false;
        }
        break;
    }
    int sx = static_cast<int>(xs[x] + 1.0e-10) - wk->nSrcXOff;
    int sy = static_cast<int>(ys[x] + 1.0e-10) - wk->nSrcYOff;
    if (sx == sw) --sx;
    if (sy == sh) --sy;
    offset = sx + static_cast<std::ptrdiff_t>(sy) * sw;
    return true;
}

/// GWKBilinearResampleNoMasks4SampleT for every band of one pixel at source (`fx`, `fy`),
/// relative to the window.
template <class T, int NB>
inline void bilinear_pixel(const GDALWarpKernel* wk, int nbands, double fx, double fy, std::ptrdiff_t dst) {
    const int sw = wk->nSrcXSize, sh = wk->nSrcYSize;
    const int ix = floor_int(fx - 0.5);
    const int iy = floor_int(fy - 0.5);
    const std::ptrdiff_t o = ix + static_cast<std::ptrdiff_t>(iy) * sw;
    const double rx = 1.5 - (fx - ix);
    const double ry = 1.5 - (fy - iy);
    const int bands = NB > 0 ? NB : nbands;
    if (ix >= 0 && ix + 1 < sw && iy >= 0 && iy + 1 < sh) {
        const double rx1 = 1.0 - rx, ry1 = 1.0 - ry;
        for (int b = 0; b < bands; ++b) {
            const T* s = reinterpret_cast<const T*>(wk->papabySrcImage[b]);
            const double acc = (s[o] * rx + s[o + 1] * rx1) * ry + (s[o + sw] * rx + s[o + 1 + sw] * rx1) * ry1;
            reinterpret_cast<T*>(wk->papabyDstImage[b])[dst] = round_value<T>(acc);
        }
        return;
    }
    // Near the window's edge: only the neighbours inside count, renormalised (GDAL's order).
    const bool ul = ix >= 0 && ix < sw && iy >= 0 && iy < sh;
    const bool ur = ix + 1 >= 0 && ix + 1 < sw && iy >= 0 && iy < sh;
    const bool lr = ix + 1 >= 0 && ix + 1 < sw && iy + 1 >= 0 && iy + 1 < sh;
    const bool ll = ix >= 0 && ix < sw && iy + 1 >= 0 && iy + 1 < sh;
    for (int b = 0; b < bands; ++b) {
        const T* s = reinterpret_cast<const T*>(wk->papabySrcImage[b]);
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
        reinterpret_cast<T*>(wk->papabyDstImage[b])[dst] = value;
    }
}

/// Rows [y0, y1) of the chunk, with transformer `targ`; `xs0` holds the destination x of each
/// column. The buffers are this thread's.
template <class T, int NB>
void warp_rows(Chunk& c, void* targ, int y0, int y1, const std::vector<double>& xs0, std::vector<double>& xs,
               std::vector<double>& ys, std::vector<double>& zs, std::vector<int>& ok) {
    GDALWarpKernel* wk = c.wk;
    const int w = wk->nDstXSize;
    const int nbands = wk->nBands;
    const int bands = NB > 0 ? NB : nbands;
    float* density = wk->pafDstDensity;
    for (int y = y0; y < y1; ++y) {
        std::memcpy(xs.data(), xs0.data(), sizeof(double) * static_cast<std::size_t>(w));
        const double fy = y + 0.5 + wk->nDstYOff;
        std::fill(ys.begin(), ys.end(), fy);
        std::fill(zs.begin(), zs.end(), 0.0);
        wk->pfnTransformer(targ, TRUE, w, xs.data(), ys.data(), zs.data(), ok.data());
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w;
        for (int x = 0; x < w; ++x) {
            std::ptrdiff_t offset = 0;
            if (!source_offset(wk, targ, ok.data(), x, y, xs.data(), ys.data(), offset)) continue;
            const std::ptrdiff_t dst = row + x;
            if (c.bilinear) {
                bilinear_pixel<T, NB>(wk, nbands, xs[static_cast<std::size_t>(x)] - wk->nSrcXOff,
                                      ys[static_cast<std::size_t>(x)] - wk->nSrcYOff, dst);
            } else {
                for (int b = 0; b < bands; ++b) {
                    reinterpret_cast<T*>(wk->papabyDstImage[b])[dst] =
                        reinterpret_cast<const T*>(wk->papabySrcImage[b])[offset];
                }
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
/// `report` (the calling thread only).
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
    : m_threads(std::max(1, threads)), m_make_transformer(std::move(make_transformer)) {}

WarpKernel::~WarpKernel() {
    for (void* c : m_clones) {
        if (c != nullptr) GDALDestroyTransformer(c);
    }
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

void WarpKernel::prepare(void* arg) {
    for (int i = 1; i < m_threads; ++i) (void)worker_transformer(arg, i);
}

void* WarpKernel::worker_transformer(void* arg, int i) {
    const std::lock_guard lock(m_mutex);
    if (m_clones_of != arg) {
        for (void* c : m_clones) {
            if (c != nullptr) GDALDestroyTransformer(c);
        }
        m_clones.clear();
        m_clones_of = arg;
    }
    if (m_clones.size() < static_cast<std::size_t>(i)) m_clones.resize(static_cast<std::size_t>(i), nullptr);
    void*& slot = m_clones[static_cast<std::size_t>(i - 1)];
    if (slot == nullptr) {
        const CPLErrorStateBackuper keep_state;
        const CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        // GDAL's warper clones for its threads; a clone's coordinate transformation is remade
        // from WKT, which costs PROJ about 25 MiB, so the caller's recipe is preferred.
        slot = m_make_transformer ? m_make_transformer() : GDALCloneTransformer(arg);
    }
    return slot;
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
    std::vector<void*> targs;
    for (int i = 1; i < threads; ++i) {
        void* t = self->worker_transformer(wk->pTransformerArg, i);
        if (t == nullptr) break; // a transformer that cannot be cloned: fewer threads
        targs.push_back(t);
    }

    Chunk c{wk, bilinear, {0}};
    {
        std::vector<std::jthread> workers;
        workers.reserve(targs.size());
        for (void* t : targs) workers.emplace_back([&c, t] { run_rows(c, t, false); });
        run_rows(c, wk->pTransformerArg, true);
    }
    if (c.stop.load()) {
        CPLError(CE_Failure, CPLE_UserInterrupt, "User terminated");
        return CE_Failure;
    }
    self->m_chunks.fetch_add(1);
    g_total_chunks.fetch_add(1);
    // Done: a source window of no pixels is PerformWarp's "nothing to warp" (it then reports
    // the chunk's progress and returns). GDAL frees the window through its own pointers.
    wk->nSrcXSize = 0;
    wk->nSrcYSize = 0;
    return CE_None;
}

} // namespace rastio::detail
