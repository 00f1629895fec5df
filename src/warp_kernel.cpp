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
#include <gdal_priv.h>

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

/// One band's INIT_DEST value in the working type (its first bytes).
using InitValue = std::array<std::byte, 16>;

/// One chunk's kernel state, shared by the threads that warp its rows.
struct Chunk {
    GDALWarpKernel* wk;
    bool bilinear;
    std::atomic<int> next_row;
    std::atomic<int> rows_done{0};
    std::atomic<bool> stop{false};
    /// Where the pixels go: GDAL's chunk buffer (empty), or the destination array's planes at
    /// the chunk's first pixel, rows `dst_stride` pixels apart (a direct destination).
    std::vector<void*> dst_planes;
    std::ptrdiff_t dst_stride = 0;
    /// Each band's INIT_DEST value, written over each row before it is warped (direct only).
    const std::vector<InitValue>* init = nullptr;
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
    explicit Planes(const Chunk& c) {
        for (int b = 0; b < NB; ++b) {
            const auto i = static_cast<std::size_t>(b);
            src[i] = reinterpret_cast<const T*>(c.wk->papabySrcImage[b]);
            dst[i] = static_cast<T*>(c.dst_planes.empty() ? c.wk->papabyDstImage[b] : c.dst_planes[i]);
        }
    }
    static constexpr int count() { return NB; }
};
template <class T> struct Planes<T, 0> {
    std::vector<const T*> src;
    std::vector<T*> dst;
    explicit Planes(const Chunk& c) {
        for (int b = 0; b < c.wk->nBands; ++b) {
            src.push_back(reinterpret_cast<const T*>(c.wk->papabySrcImage[b]));
            dst.push_back(static_cast<T*>(c.dst_planes.empty() ? c.wk->papabyDstImage[b]
                                                               : c.dst_planes[static_cast<std::size_t>(b)]));
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
    const Planes<T, NB> p(c);
    const std::ptrdiff_t stride = c.dst_planes.empty() ? w : c.dst_stride;
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
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * stride;
        if (c.init != nullptr) {
            for (std::size_t b = 0; b < c.init->size(); ++b) {
                T value{};
                std::memcpy(&value, (*c.init)[b].data(), sizeof(T));
                std::fill_n(p.dst[b] + row, w, value);
            }
        }
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
/// `report` (the calling thread only). May throw bad_alloc: rows it took are then not counted
/// as done, so the chunk goes back to GDAL (see prewarp).
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
bool kernel_enabled() {
    if (!gdal_is_3_6()) return false;
    const char* mode = CPLGetConfigOption("RASTIO_WARP_KERNEL", nullptr);
    return mode == nullptr || !EQUAL(mode, "gdal");
}

bool covered(const GDALWarpKernel* wk, bool& bilinear) {
    if (!kernel_enabled()) return false;
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

/// INIT_DEST's value for each band in the working type `t`, as GDAL's CreateDestinationBuffer
/// fills its buffer (Byte: the integer part, clamped; others: GDALCopyWords); the destination
/// has no nodata here, so NO_DATA is 0 as in GDAL.
std::vector<InitValue> init_values(const std::string& init_dest, int bands, GDALDataType t) {
    std::vector<InitValue> out;
    if (init_dest.empty()) return out;
    char** tokens = CSLTokenizeStringComplex(init_dest.c_str(), ",", FALSE, FALSE);
    const int n = CSLCount(tokens);
    for (int b = 0; b < bands && n > 0; ++b) {
        double ri[2] = {0.0, 0.0};
        CPLStringToComplex(tokens[std::min(b, n - 1)], ri + 0, ri + 1);
        InitValue v{};
        if (t == GDT_Byte) {
            v[0] = static_cast<std::byte>(std::max(0, std::min(255, static_cast<int>(ri[0]))));
        } else if (!(!std::isnan(ri[0]) && ri[0] == 0.0 && !std::isnan(ri[1]) && ri[1] == 0.0)) {
            GDALCopyWords64(ri, (!std::isnan(ri[1]) && ri[1] == 0.0) ? GDT_Float64 : GDT_CFloat64, 0, v.data(), t, 0, 1);
        }
        out.push_back(v);
    }
    CSLDestroy(tokens);
    return out;
}

/// Fills `count` values of `t` at `p` with `v`.
void fill_values(void* p, GDALDataType t, std::size_t count, const InitValue& v) {
    switch (t) {
    case GDT_Byte: std::memset(p, static_cast<int>(v[0]), count); break;
    default: {
        const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(t));
        auto* out = static_cast<std::byte*>(p);
        for (std::size_t i = 0; i < count; ++i) std::memcpy(out + i * size, v.data(), size);
    }
    }
}

} // namespace

/// The destination GDAL's warper sees when the kernel may write straight into the array: reads
/// of a chunk's region into GDAL's buffer are put off (the warper reads the destination when
/// INIT_DEST is not in its options, which it then is not), and the kernel hook settles them:
/// it warps into the array itself (GDAL's buffer is then never touched, nor written back), or it
/// fills GDAL's buffer as GDAL would have (INIT_DEST's values, or the array's pixels) and lets
/// GDAL warp. A write of a region never settled (no hook ran) is settled there. Everything else
/// is the MEM dataset's.
class DirectDestination final : public GDALDataset {
public:
    struct Deferred {
        void* buffer = nullptr;
        int x = 0, y = 0, w = 0, h = 0;
        std::vector<int> bands;
        bool settled = true;
        bool written = false; ///< by the kernel, into the array
    };

    DirectDestination(GDALDatasetH mem, DirectArray array, std::string init_dest);
    DirectDestination(const DirectDestination&) = delete;
    DirectDestination& operator=(const DirectDestination&) = delete;
    DirectDestination(DirectDestination&&) = delete;
    DirectDestination& operator=(DirectDestination&&) = delete;
    ~DirectDestination() override = default;

    CPLErr GetGeoTransform(double* gt) override { return m_mem->GetGeoTransform(gt); }
    const OGRSpatialReference* GetSpatialRef() const override { return m_mem->GetSpatialRef(); }

    /// The deferred read of this chunk (GDAL's buffer `buffer`, region), if there is one.
    Deferred* deferred_for(const GDALWarpKernel* wk) {
        Deferred& d = m_deferred;
        if (d.settled || d.buffer != wk->papabyDstImage[0] || d.x != wk->nDstXOff || d.y != wk->nDstYOff ||
            d.w != wk->nDstXSize || d.h != wk->nDstYSize || static_cast<int>(d.bands.size()) != wk->nBands) {
            return nullptr;
        }
        return &d;
    }
    /// The array's planes of `d`'s bands at its first pixel, for the kernel.
    std::vector<void*> planes(const Deferred& d) const {
        std::vector<void*> out;
        const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(m_array.type));
        const auto first = (static_cast<std::size_t>(d.y) * static_cast<std::size_t>(m_array.width) +
                            static_cast<std::size_t>(d.x)) * size;
        for (int b : d.bands) out.push_back(m_array.planes[static_cast<std::size_t>(b - 1)] + first);
        return out;
    }
    GDALDataType type() const { return m_array.type; }
    int width() const { return m_array.width; }
    const std::vector<InitValue>* init() const { return m_init.empty() ? nullptr : &m_init; }

    /// Gives GDAL's buffer what GDAL would have put there: INIT_DEST's values, else the array's.
    CPLErr settle_in_buffer(Deferred& d) {
        d.settled = true;
        if (!m_init.empty()) {
            const std::size_t n = static_cast<std::size_t>(d.w) * static_cast<std::size_t>(d.h);
            const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(m_array.type));
            for (std::size_t b = 0; b < d.bands.size(); ++b) {
                fill_values(static_cast<std::byte*>(d.buffer) + b * n * size, m_array.type, n, m_init[b]);
            }
            return CE_None;
        }
        return m_mem->RasterIO(GF_Read, d.x, d.y, d.w, d.h, d.buffer, d.w, d.h, m_array.type,
                               static_cast<int>(d.bands.size()), d.bands.data(), 0, 0, 0, nullptr);
    }

    /// The warper's reads and writes of a chunk (band-sequential, packed, full resolution).
    CPLErr chunk_io(GDALRWFlag rw, int x, int y, int w, int h, void* buf, int bw, int bh, GDALDataType bt,
                    int count, const int* bands, GSpacing ps, GSpacing ls, GSpacing bs, GDALRasterIOExtraArg* extra) {
        const GSpacing esize = GDALGetDataTypeSizeBytes(bt);
        const bool packed = bw == w && bh == h && bt == m_array.type && ps == esize && ls == esize * w &&
                            (count == 1 || bs == ls * h);
        Deferred& d = m_deferred;
        if (packed && rw == GF_Read) {
            d = Deferred{buf, x, y, w, h, std::vector<int>(bands, bands + count), false, false};
            return CE_None;
        }
        if (packed && rw == GF_Write && d.buffer == buf && d.x == x && d.y == y && d.w == w && d.h == h) {
            const Deferred done = d;
            d = Deferred{};
            if (done.written) return CE_None; // the kernel wrote the array
            if (!done.settled) {
                // No hook ran (a chunk GDAL skipped): the buffer holds what was deferred.
                if (m_init.empty()) return CE_None; // the array's own pixels, unchanged
                const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(m_array.type));
                for (std::size_t b = 0; b < done.bands.size(); ++b) {
                    auto* plane = m_array.planes[static_cast<std::size_t>(done.bands[b] - 1)];
                    for (int r = 0; r < h; ++r) {
                        fill_values(plane + (static_cast<std::size_t>(y + r) * static_cast<std::size_t>(m_array.width) +
                                             static_cast<std::size_t>(x)) * size,
                                    m_array.type, static_cast<std::size_t>(w), m_init[b]);
                    }
                }
                return CE_None;
            }
        }
        return m_mem->RasterIO(rw, x, y, w, h, buf, bw, bh, bt, count, const_cast<int*>(bands), ps, ls, bs, extra); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature; not written
    }

protected:
    CPLErr IRasterIO(GDALRWFlag rw, int x, int y, int w, int h, void* buf, int bw, int bh, GDALDataType bt, int count,
                     int* bands, GSpacing ps, GSpacing ls, GSpacing bs, GDALRasterIOExtraArg* extra) override {
        return chunk_io(rw, x, y, w, h, buf, bw, bh, bt, count, bands, ps, ls, bs, extra);
    }

private:
    GDALDataset* m_mem;
    DirectArray m_array;
    std::vector<InitValue> m_init;
    Deferred m_deferred;
};

namespace {

/// A band of DirectDestination: one-band chunk reads and writes go through the dataset's.
class DirectDestinationBand final : public ProxyBand {
public:
    DirectDestinationBand(DirectDestination* ds, int band, GDALRasterBand* under)
        : ProxyBand(ds, band, under), m_ds(ds) {}
    GDALColorInterp GetColorInterpretation() override { return m_under->GetColorInterpretation(); }
    double GetNoDataValue(int* ok) override { return m_under->GetNoDataValue(ok); }

protected:
    CPLErr IReadBlock(int x, int y, void* data) override { return m_under->ReadBlock(x, y, data); }
    CPLErr IWriteBlock(int x, int y, void* data) override { return m_under->WriteBlock(x, y, data); }
    CPLErr IRasterIO(GDALRWFlag rw, int x, int y, int w, int h, void* buf, int bw, int bh, GDALDataType bt,
                     GSpacing ps, GSpacing ls, GDALRasterIOExtraArg* extra) override {
        const int band = nBand;
        return m_ds->chunk_io(rw, x, y, w, h, buf, bw, bh, bt, 1, &band, ps, ls, ls * h, extra);
    }

private:
    DirectDestination* m_ds;
};

} // namespace

DirectDestination::DirectDestination(GDALDatasetH mem, DirectArray array, std::string init_dest)
    : m_mem(GDALDataset::FromHandle(mem)), m_array(std::move(array)) {
    nRasterXSize = m_mem->GetRasterXSize();
    nRasterYSize = m_mem->GetRasterYSize();
    eAccess = GA_Update;
    for (int b = 1; b <= m_mem->GetRasterCount(); ++b) SetBand(b, new DirectDestinationBand(this, b, m_mem->GetRasterBand(b)));
    m_init = init_values(init_dest, m_mem->GetRasterCount(), m_array.type);
}

WarpKernel::WarpKernel(int threads, std::function<void*()> make_transformer)
    : m_threads(make_transformer ? std::max(1, threads) : 1), m_make_transformer(std::move(make_transformer)) {}

WarpKernel::~WarpKernel() {
    for (void* t : m_transformers) GDALDestroyTransformer(t);
}

namespace {
std::atomic<std::uint64_t> g_total_chunks{0};
} // namespace

std::uint64_t WarpKernel::total_chunks() noexcept { return g_total_chunks.load(); }

bool WarpKernel::enabled() { return kernel_enabled(); }

DatasetHandle WarpKernel::direct_destination(GDALDatasetH mem, DirectArray array, const std::string& init_dest) {
    auto* d = new DirectDestination(mem, std::move(array), init_dest);
    m_dest = d;
    return DatasetHandle(GDALDataset::ToHandle(d));
}

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
    // A direct destination put off GDAL's read of this chunk's destination: settle it here.
    DirectDestination* dest = self->m_dest;
    DirectDestination::Deferred* deferred = dest != nullptr ? dest->deferred_for(wk) : nullptr;
    bool bilinear = false;
    if (!covered(wk, bilinear)) {
        // GDAL's PerformWarp does this chunk, in its buffer.
        return deferred != nullptr ? dest->settle_in_buffer(*deferred) : CE_None;
    }
    const bool direct = deferred != nullptr && wk->eWorkingDataType == dest->type() && wk->pafDstDensity == nullptr;
    if (deferred != nullptr && !direct && dest->settle_in_buffer(*deferred) != CE_None) return CE_Failure;

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
    if (direct) {
        c.dst_planes = dest->planes(*deferred);
        c.dst_stride = dest->width();
        c.init = dest->init();
    }
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
    if (c.rows_done.load() != wk->nDstYSize) {
        // GDAL warps the chunk again, in its buffer (the same values where this kernel wrote).
        return direct ? dest->settle_in_buffer(*deferred) : CE_None;
    }
    if (direct) deferred->settled = deferred->written = true; // GDAL's write of the chunk is skipped
    g_total_chunks.fetch_add(1);
    // Done: a source window of no pixels is PerformWarp's "nothing to warp" (it then reports
    // the chunk's progress and returns). GDAL frees the window through its own pointers.
    wk->nSrcXSize = 0;
    wk->nSrcYSize = 0;
    return CE_None;
}

} // namespace rastio::detail
