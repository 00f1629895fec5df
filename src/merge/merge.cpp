// Mosaics, as rasterio.merge.merge 1.3.5: the output grid from the bounds and resolution, one
// read per source of the window it shares with the output (fractional offsets, resampled to
// the output's pixels through GDALDatasetRasterIOEx, exactly as rasterio calls it), then the
// copy method over the pixels valid on both sides. Reads of the next source overlap the copy.
#include <rastio/merge.hpp>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <limits>
#include <new>
#include <string>
#include <type_traits>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include <rastio/error.hpp>
#include <rastio/memory_file.hpp>

#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "warp_internal.hpp"

namespace rastio {

std::string_view to_string(MergeMethod method) noexcept {
    switch (method) {
    case MergeMethod::first: return "first";
    case MergeMethod::last: return "last";
    case MergeMethod::min: return "min";
    case MergeMethod::max: return "max";
    case MergeMethod::sum: return "sum";
    case MergeMethod::count: break;
    }
    return "count";
}

MergeMethod parse_merge_method(std::string_view name) {
    for (const auto m : {MergeMethod::first, MergeMethod::last, MergeMethod::min, MergeMethod::max, MergeMethod::sum,
                         MergeMethod::count}) {
        if (to_string(m) == name) return m;
    }
    throw ArgumentError("unknown merge method \"" + std::string(name) + "\" (first, last, min, max, sum, count)");
}

namespace {

// --- rasterio's window arithmetic, in doubles as Python computes it.

struct FWindow {
    double col_off = 0, row_off = 0, width = 0, height = 0;
};

/// rasterio.windows.from_bounds: the four corners through the inverse transform, min and max.
FWindow from_bounds(const Bounds& b, const Affine& t, const std::string& what) {
    if ((b.right - b.left) / t.a < 0 || (b.bottom - b.top) / t.e < 0) {
        throw ArgumentError("merge: bounds and transform are inconsistent (" + what + ")");
    }
    const Affine inv = t.inverse();
    const std::pair<double, double> corners[4] = {inv.apply(b.left, b.top), inv.apply(b.right, b.top),
                                                  inv.apply(b.right, b.bottom), inv.apply(b.left, b.bottom)};
    double c0 = corners[0].first, c1 = c0, r0 = corners[0].second, r1 = r0;
    for (const auto& [c, r] : corners) {
        c0 = std::min(c0, c), c1 = std::max(c1, c);
        r0 = std::min(r0, r), r1 = std::max(r1, r);
    }
    return {c0, r0, std::max(c1 - c0, 0.0), std::max(r1 - r0, 0.0)};
}

/// A whole number Python computes with int(), refused beyond what a raster can index.
long long to_index(double x, const char* what) {
    if (!(std::abs(x) < 1e15)) throw ArgumentError(std::string("merge: ") + what + " is out of range");
    return static_cast<long long>(x);
}

// --- Pixel arithmetic with numpy's casting="unsafe" rules.

template <class T> constexpr bool is_float_v = std::is_floating_point_v<T>;

/// numpy's cast of a float into an integer type, as its C loops compile on x86-64: truncation
/// through a 32-bit conversion (64-bit for uint32, int64 and uint64) whose out-of-range and NaN
/// results are the "integer indefinite" value, then the low bits.
template <class D>
D float_to_int(double v) noexcept {
    const double t = std::trunc(v);
    constexpr double two31 = 2147483648.0, two63 = 9223372036854775808.0;
    if constexpr (sizeof(D) <= 2 || std::is_same_v<D, std::int32_t>) {
        const std::int32_t i = (t >= -two31 && t < two31) ? static_cast<std::int32_t>(t) : std::numeric_limits<std::int32_t>::min();
        return static_cast<D>(i);
    } else if constexpr (std::is_same_v<D, std::uint64_t>) {
        if (t >= 0 && t < 2 * two63) return static_cast<D>(t);
        if (t >= -two63 && t < two63) return static_cast<D>(static_cast<std::int64_t>(t));
        return static_cast<D>(std::numeric_limits<std::int64_t>::min());
    } else {
        const std::int64_t i = (t >= -two63 && t < two63) ? static_cast<std::int64_t>(t) : std::numeric_limits<std::int64_t>::min();
        return static_cast<D>(i);
    }
}

/// numpy's cast of a value into the output dtype (casting="unsafe"): integers wrap (two's
/// complement), floats round, floats into integers as float_to_int.
template <class D, class S>
D cast_to(S v) noexcept {
    if constexpr (is_float_v<S> && !is_float_v<D>) {
        return float_to_int<D>(static_cast<double>(v));
    } else {
        return static_cast<D>(v);
    }
}

/// np.minimum / np.maximum (NaN propagates).
template <class T> T np_min(T a, T b) noexcept { return (a < b || a != a) ? a : b; } // NOLINT(misc-redundant-expression): a != a is NaN
template <class T> T np_max(T a, T b) noexcept { return (a > b || a != a) ? a : b; } // NOLINT(misc-redundant-expression): a != a is NaN

/// Whether numpy's result type of D and S is float32: a float32 with integers of 16 bits or less.
template <class D, class S>
constexpr bool sum_in_float32 =
    (std::is_same_v<D, float> || std::is_same_v<S, float>) && !std::is_same_v<D, double> && !std::is_same_v<S, double> &&
    (is_float_v<D> || sizeof(D) <= 2) && (is_float_v<S> || sizeof(S) <= 2);

/// numpy's result type of D and S, for comparisons: float32, float64 (also for uint64 with a
/// signed integer), uint64, or int64 (which holds every other pair of integers exactly).
template <class D, class S>
using compare_t = std::conditional_t<
    sum_in_float32<D, S>, float,
    std::conditional_t<is_float_v<D> || is_float_v<S> || (std::is_same_v<D, std::uint64_t> && std::is_signed_v<S>) ||
                           (std::is_same_v<S, std::uint64_t> && std::is_signed_v<D>),
                       double,
                       std::conditional_t<std::is_same_v<D, std::uint64_t> || std::is_same_v<S, std::uint64_t>, std::uint64_t,
                                          std::int64_t>>>;

/// np.minimum / np.maximum(merged, new, casting="unsafe") into D: in numpy's result type, then cast.
template <class D, class S>
D np_min_into(D a, S b) noexcept {
    using P = compare_t<D, S>;
    return cast_to<D>(np_min<P>(static_cast<P>(a), static_cast<P>(b)));
}
template <class D, class S>
D np_max_into(D a, S b) noexcept {
    using P = compare_t<D, S>;
    return cast_to<D>(np_max<P>(static_cast<P>(a), static_cast<P>(b)));
}

/// np.add(merged, new, casting="unsafe") into D: in numpy's result type, then cast.
template <class D, class S>
D np_add(D a, S b) noexcept {
    using P = compare_t<D, S>;
    if constexpr (is_float_v<P>) {
        return cast_to<D>(static_cast<P>(a) + static_cast<P>(b));
    } else {
        // Integers: the sum wraps in the result type, which is at least as wide as D.
        return static_cast<D>(static_cast<std::uint64_t>(static_cast<std::int64_t>(a)) +
                              static_cast<std::uint64_t>(static_cast<std::int64_t>(b)));
    }
}

/// rasterio's test of an output pixel against the nodata value.
struct NodataTest {
    double value = 0;
    bool is_nan = false;
    template <class D>
    bool operator()(D v) const noexcept {
        if (is_nan) {
            if constexpr (is_float_v<D>) return std::isnan(v);
            return false;
        }
        if constexpr (is_float_v<D>) {
            // np.isclose(v, value): |v - value| <= 1e-8 + 1e-5 * |value| in D's precision,
            // equality when either is not finite.
            if (!std::isfinite(v) || !std::isfinite(value)) return static_cast<double>(v) == value;
            const D y = static_cast<D>(value);
            const D tol = static_cast<D>(1e-8 + 1e-5 * std::abs(value));
            return std::abs(v - y) <= tol;
        } else {
            return static_cast<double>(v) == value;
        }
    }
};

template <class F> void visit_real(DType t, F&& f);
bool fits(DType t, double v);

/// One source, read onto the output grid.
struct Prepared {
    bool used = false;      ///< false: disjoint from the output, skipped
    bool overlaps = false;  ///< shares an area with the output bounds
    std::size_t roff = 0, coff = 0;
    std::size_t rows = 0, cols = 0; ///< the region of the output it updates
    std::size_t temp_rows = 0, temp_cols = 0;
    AnyArray temp;                  ///< (read bands, temp_rows, temp_cols), source dtype
    Array<std::uint8_t> masks;      ///< the same shape, 0 invalid; empty when every band is all valid
    std::vector<Warning> warnings;  ///< raised while reading, delivered on the caller's thread
};

struct Plan {
    Bounds dst;          // the output bounds (after target_aligned_pixels)
    Affine transform;    // the output transform
    std::size_t width = 0, height = 0;
    Bands indexes;       // empty: all
    std::size_t src_count = 0;
    CRS crs;
    detail::SrsHandle srs; // crs as GDAL's object, for the reading thread's comparisons; null when empty
    Resampling resampling = Resampling::nearest;
};

/// A source, open for the time of one step.
struct Opened {
    Dataset owned;
    const Dataset* ds = nullptr;
    std::string label;
};

Opened open_source(const MergeSource& s, std::size_t i) {
    Opened o;
    if (s.dataset() != nullptr) {
        o.ds = s.dataset();
        o.label = "source " + std::to_string(i + 1) + " (" + s.dataset()->name() + ")";
    } else {
        o.owned = open(s.path());
        o.ds = &o.owned;
        o.label = "source " + std::to_string(i + 1) + " (" + s.path() + ")";
    }
    return o;
}

/// Refuses what rasterio cannot merge meaningfully: complex pixels, rotated or south-up grids.
void check_grid(const Dataset& ds, const std::string& label) {
    const Affine t = ds.transform();
    if (t.b != 0.0 || t.d != 0.0 || !(t.a > 0.0) || !(t.e < 0.0)) {
        throw ArgumentError("merge: " + label + " has no north-up geotransform (" + t.to_string() +
                            "): merge needs north-up sources; warp it first");
    }
}

/// GDAL's nodata mask of `n` pixels (0 where a pixel is `nodata`, else 255), written so that the
/// compiler vectorises it (out of line: inlined into prepare(), GCC 12 forgets `__restrict` and
/// keeps a scalar loop).
template <class T>
[[gnu::noinline]] void nodata_mask(const T* __restrict px, std::uint8_t* __restrict out, std::size_t n, T nodata) {
    for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<std::uint8_t>((px[k] != nodata) * 255);
}

/// Whether `src` is in the first source's CRS, as CRS::operator== answers, asked of the SRS
/// object GDAL already holds: Dataset::crs() would write its WKT and parse it again, a fifth
/// of a 16-tile merge.
bool same_crs(const Dataset& src, const Plan& plan) {
    const detail::DatasetUse use(detail::DatasetAccess::state(src));
    const detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    OGRSpatialReferenceH srs = GDALGetSpatialRef(use.handle());
    if (srs == nullptr || plan.srs == nullptr) return (srs == nullptr) == (plan.srs == nullptr);
    const char* opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
    return OSRIsSameEx(srs, plan.srs.get(), opts) != 0;
}

/// Reads one source as rasterio's merge does (steps 1 to 4 of merge.py).
Prepared prepare(const MergeSource& source, std::size_t index, const Plan& plan) {
    Prepared p;
    Opened o = open_source(source, index);
    const Dataset& src = *o.ds;
    check_grid(src, o.label);
    if (index > 0 && !same_crs(src, plan)) {
        throw ArgumentError("merge: " + o.label + " is in another CRS (" + src.crs().to_string() + ") than source 1 (" +
                            plan.crs.to_string() + "): reproject it first");
    }
    const int count = src.count();
    Bands bands = plan.indexes;
    if (bands.empty()) {
        if (static_cast<std::size_t>(count) != plan.src_count) {
            throw ArgumentError("merge: " + o.label + " has " + std::to_string(count) + " bands, source 1 has " +
                                std::to_string(plan.src_count) + ": give the bands to merge (indexes)");
        }
        bands = src.indexes();
    }
    const auto dtypes = src.dtypes();
    for (const int b : bands) {
        if (b < 1 || b > count) {
            throw ArgumentError("merge: " + o.label + " has no band " + std::to_string(b) + " (it has 1.." +
                                std::to_string(count) + ")");
        }
    }
    const DType dt = dtypes[static_cast<std::size_t>(bands[0] - 1)];
    for (const int b : bands) {
        if (dtypes[static_cast<std::size_t>(b - 1)] != dt) {
            throw ArgumentError("merge: the bands read from " + o.label + " have more than one dtype");
        }
    }
    if (is_complex(dt)) throw ArgumentError("merge: " + o.label + " is complex (" + std::string(to_string(dt)) + "): not supported");

    const Bounds sb = src.bounds();
    const Bounds& d = plan.dst;
    // rasterio.coords.disjoint_bounds: touching counts as overlapping.
    if (d.left > sb.right || sb.left > d.right || d.bottom > sb.top || sb.bottom > d.top) return p;
    p.used = true;
    const Bounds in{sb.left > d.left ? sb.left : d.left, sb.bottom > d.bottom ? sb.bottom : d.bottom,
                    sb.right < d.right ? sb.right : d.right, sb.top < d.top ? sb.top : d.top};
    p.overlaps = in.right > in.left && in.top > in.bottom;
    const FWindow sw = from_bounds(in, src.transform(), o.label);
    const FWindow dw = from_bounds(in, plan.transform, "the output grid");
    // round_lengths (floor(x + 0.5)) for both, then round_offsets (floor(x + 0.001)) for the output's.
    const double s_w = std::floor(sw.width + 0.5), s_h = std::floor(sw.height + 0.5);
    const long long t_w = to_index(std::floor(dw.width + 0.5), "a window width");
    const long long t_h = to_index(std::floor(dw.height + 0.5), "a window height");
    const long long d_row = to_index(std::floor(dw.row_off + 0.001), "a window offset");
    const long long d_col = to_index(std::floor(dw.col_off + 0.001), "a window offset");
    p.temp_rows = static_cast<std::size_t>(t_h);
    p.temp_cols = static_cast<std::size_t>(t_w);
    p.roff = static_cast<std::size_t>(std::max(0LL, d_row));
    p.coff = static_cast<std::size_t>(std::max(0LL, d_col));
    // numpy's slice dest[:, roff:roff + h, coff:coff + w] stops at the array's edge.
    p.rows = p.roff >= plan.height ? 0 : std::min(p.temp_rows, plan.height - p.roff);
    p.cols = p.coff >= plan.width ? 0 : std::min(p.temp_cols, plan.width - p.coff);

    const std::size_t n = bands.size();
    p.temp = AnyArray::uninitialized(dt, {n, p.temp_rows, p.temp_cols});
    if (p.temp.empty()) return p;

    // src.read(window, out_shape, masked=True): the window cropped to the raster, at least one
    // pixel each way, the integer part for GDAL's checks and the fractions in the extra argument.
    const double H = src.height(), W = src.width();
    const double r0 = std::min(std::max(sw.row_off, 0.0), H), c0 = std::min(std::max(sw.col_off, 0.0), W);
    const double r1 = std::max(0.0, std::min(sw.row_off + s_h, H)), c1 = std::max(0.0, std::min(sw.col_off + s_w, W));
    const double x0 = c0, y0 = r0, xs = std::max(1.0, c1 - c0), ys = std::max(1.0, r1 - r0);
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.nVersion = 1;
    extra.eResampleAlg = static_cast<GDALRIOResampleAlg>(plan.resampling);
    extra.bFloatingPointWindowValidity = TRUE;
    extra.dfXOff = x0;
    extra.dfYOff = y0;
    extra.dfXSize = xs;
    extra.dfYSize = ys;
    const int bx = static_cast<int>(p.temp_cols), by = static_cast<int>(p.temp_rows);
    const int ix = static_cast<int>(x0), iy = static_cast<int>(y0), iw = static_cast<int>(xs), ih = static_cast<int>(ys);
    const auto elem = static_cast<GSpacing>(dtype_size(dt));

    const detail::DatasetUse use(detail::DatasetAccess::state(src));
    GDALDatasetH h = use.handle();
    const detail::ErrorCapture capture(src.name());
    std::vector<int> band_map(bands.begin(), bands.end());
    if (GDALDatasetRasterIOEx(h, GF_Read, ix, iy, iw, ih, p.temp.data(), bx, by, detail::to_gdal(dt),
                              static_cast<int>(n), band_map.data(), elem, elem * bx, elem * bx * by, &extra) != CE_None) {
        capture.throw_io("merge: cannot read " + o.label, src.name());
    }
    bool all_valid = true;
    for (int b = 1; b <= count; ++b) {
        if ((GDALGetMaskFlags(GDALGetRasterBand(h, b)) & GMF_ALL_VALID) == 0) all_valid = false;
    }
    if (!all_valid) {
        p.masks = Array<std::uint8_t>::uninitialized({n, p.temp_rows, p.temp_cols});
        for (std::size_t i = 0; i < n; ++i) {
            GDALRasterBandH band = GDALGetRasterBand(h, bands[i]);
            GDALRasterBandH mask = GDALGetMaskBand(band);
            std::uint8_t* out = p.masks.data() + i * p.temp_rows * p.temp_cols;
            // A nodata mask of an integer band, read without resampling, is GDALNoDataMaskBand's
            // test of the very pixels just read: make it from them instead of reading them again.
            int has_nodata = 0;
            const double nd = GDALGetRasterNoDataValue(band, &has_nodata);
            if (GDALGetMaskFlags(band) == GMF_NODATA && has_nodata != 0 && iw == bx && ih == by && !is_floating(dt) &&
                dt != DType::int64 && dt != DType::uint64 && fits(dt, nd) && nd == std::trunc(nd)) {
                visit_real(dt, [&](auto x) {
                    using T = decltype(x);
                    nodata_mask(p.temp.as<T>().data() + i * p.temp_rows * p.temp_cols, out, p.temp_rows * p.temp_cols,
                                static_cast<T>(nd));
                });
                continue;
            }
            if (mask == nullptr || GDALRasterIOEx(mask, GF_Read, ix, iy, iw, ih, out, bx, by, GDT_Byte, 1, bx, &extra) != CE_None) {
                capture.throw_io("merge: cannot read the masks of " + o.label, src.name());
            }
        }
    }
    return p;
}

/// "Is this output pixel nodata" for integers of up to 32 bits, in D itself: the same answer as
/// NodataTest's comparison in double (every such D converts to double exactly), without a
/// conversion per pixel, so that the copy loops vectorise. A nodata D cannot hold matches none.
template <class D>
struct IntNodata {
    D value{};
    bool can_match = false;
    explicit IntNodata(const NodataTest& t) noexcept {
        const double v = t.value;
        can_match = !t.is_nan && static_cast<double>(std::numeric_limits<D>::lowest()) <= v &&
                    v <= static_cast<double>(std::numeric_limits<D>::max()) && v == std::trunc(v);
        if (can_match) value = static_cast<D>(v);
    }
};

template <class D, class S>
constexpr bool narrow_int_same = std::is_same_v<D, S> && std::is_integral_v<D> && sizeof(D) <= 4;

/// first and last between bands of one integer type, written as masks rather than branches so
/// that the compiler vectorises them (the source's temporary never overlaps the output).
template <MergeMethod M, class D>
void copy_row(D* __restrict out, const D* __restrict in, const std::uint8_t* __restrict valid, std::size_t n,
              const IntNodata<D>& nd) {
    static_assert(M == MergeMethod::first || M == MergeMethod::last);
    using U = std::make_unsigned_t<D>;
    const auto blend = [](D keep, D take, bool use) {
        const U m = static_cast<U>(-static_cast<U>(use)); // all ones where `take` wins
        return static_cast<D>((static_cast<U>(take) & m) | (static_cast<U>(keep) & static_cast<U>(~m)));
    };
    if constexpr (M == MergeMethod::last) {
        if (valid == nullptr) {
            std::memcpy(out, in, n * sizeof(D));
            return;
        }
        for (std::size_t c = 0; c < n; ++c) out[c] = blend(out[c], in[c], valid[c] != 0);
    } else {
        if (!nd.can_match) return; // no output pixel is ever empty
        const D v = nd.value;
        if (valid == nullptr) {
            for (std::size_t c = 0; c < n; ++c) out[c] = blend(out[c], in[c], out[c] == v);
        } else {
            for (std::size_t c = 0; c < n; ++c) out[c] = blend(out[c], in[c], (valid[c] != 0) & (out[c] == v));
        }
    }
}

/// Step 5 of merge.py for the built-in methods: one pass over the region, the method fixed.
template <MergeMethod M, class D, class S>
void combine_rows(Array<D>& dest, const Prepared& p, const NodataTest& is_nodata) {
    const Array<S>& temp = p.temp.as<S>();
    const bool has_mask = !p.masks.empty();
    if constexpr (narrow_int_same<D, S> && (M == MergeMethod::first || M == MergeMethod::last)) {
        const IntNodata<D> nd(is_nodata);
        for (std::size_t b = 0; b < temp.bands(); ++b)
            for (std::size_t r = 0; r < p.rows; ++r)
                copy_row<M, D>(&dest(b, p.roff + r, p.coff), &temp(b, r, 0), has_mask ? &p.masks(b, r, 0) : nullptr, p.cols, nd);
        return;
    }
    for (std::size_t b = 0; b < temp.bands(); ++b) {
        for (std::size_t r = 0; r < p.rows; ++r) {
            D* out = &dest(b, p.roff + r, p.coff);
            const S* in = &temp(b, r, 0);
            const std::uint8_t* valid = has_mask ? &p.masks(b, r, 0) : nullptr;
            for (std::size_t c = 0; c < p.cols; ++c) {
                if (valid != nullptr && valid[c] == 0) continue; // the source pixel is invalid
                if constexpr (M == MergeMethod::last) {
                    out[c] = cast_to<D>(in[c]);
                } else {
                    const bool empty = is_nodata(out[c]);
                    if constexpr (M == MergeMethod::first) {
                        if (empty) out[c] = cast_to<D>(in[c]);
                    } else if constexpr (M == MergeMethod::count) {
                        out[c] = empty ? D{1} : np_add<D>(out[c], D{1});
                    } else if (empty) {
                        out[c] = cast_to<D>(in[c]);
                    } else if constexpr (M == MergeMethod::min) {
                        out[c] = np_min_into<D>(out[c], in[c]);
                    } else if constexpr (M == MergeMethod::max) {
                        out[c] = np_max_into<D>(out[c], in[c]);
                    } else {
                        out[c] = np_add<D>(out[c], in[c]);
                    }
                }
            }
        }
    }
}

template <class D, class S>
void combine(Array<D>& dest, const Prepared& p, MergeMethod method, const NodataTest& is_nodata) {
    switch (method) {
    case MergeMethod::first: return combine_rows<MergeMethod::first, D, S>(dest, p, is_nodata);
    case MergeMethod::last: return combine_rows<MergeMethod::last, D, S>(dest, p, is_nodata);
    case MergeMethod::min: return combine_rows<MergeMethod::min, D, S>(dest, p, is_nodata);
    case MergeMethod::max: return combine_rows<MergeMethod::max, D, S>(dest, p, is_nodata);
    case MergeMethod::sum: return combine_rows<MergeMethod::sum, D, S>(dest, p, is_nodata);
    case MergeMethod::count: break;
    }
    combine_rows<MergeMethod::count, D, S>(dest, p, is_nodata);
}

/// Step 5 for a custom method: the region copied out, handed over, and copied back.
template <class D>
void combine_custom(Array<D>& dest, const Prepared& p, std::size_t index, const MergeFunction& f,
                    const NodataTest& is_nodata) {
    const std::size_t out_bands = dest.bands();
    AnyArray region(Array<D>::uninitialized({out_bands, p.rows, p.cols}));
    Array<std::uint8_t> merged_invalid({out_bands, p.rows, p.cols});
    auto& reg = region.as<D>();
    for (std::size_t b = 0; b < out_bands; ++b)
        for (std::size_t r = 0; r < p.rows; ++r)
            for (std::size_t c = 0; c < p.cols; ++c) {
                reg(b, r, c) = dest(b, p.roff + r, p.coff + c);
                merged_invalid(b, r, c) = is_nodata(reg(b, r, c)) ? 1 : 0;
            }
    // The source's pixels cut to the region (rasterio's temp[:, :rows, :cols]).
    const std::size_t n = p.temp.shape()[0];
    const std::size_t es = dtype_size(p.temp.dtype());
    AnyArray incoming = AnyArray::uninitialized(p.temp.dtype(), {n, p.rows, p.cols});
    Array<std::uint8_t> incoming_invalid({n, p.rows, p.cols});
    for (std::size_t b = 0; b < n; ++b)
        for (std::size_t r = 0; r < p.rows; ++r) {
            std::memcpy(incoming.writable_bytes().data() + ((b * p.rows + r) * p.cols) * es,
                        p.temp.bytes().data() + ((b * p.temp_rows + r) * p.temp_cols) * es, p.cols * es);
            if (!p.masks.empty())
                for (std::size_t c = 0; c < p.cols; ++c) incoming_invalid(b, r, c) = p.masks(b, r, c) == 0 ? 1 : 0;
        }
    f(MergeChunk{region, incoming, merged_invalid, incoming_invalid, index, p.roff, p.coff});
    if (region.dtype() != dest.dtype() || region.shape() != Shape{out_bands, p.rows, p.cols}) {
        throw ArgumentError("merge: the custom method changed the shape or dtype of `merged`");
    }
    const auto& result = region.as<D>();
    for (std::size_t b = 0; b < out_bands; ++b)
        for (std::size_t r = 0; r < p.rows; ++r)
            for (std::size_t c = 0; c < p.cols; ++c) dest(b, p.roff + r, p.coff + c) = result(b, r, c);
}

/// Calls f with a value of the real pixel type matching `t` (complex types are refused before).
template <class F>
void visit_real(DType t, F&& f) {
    visit_dtype(t, [&](auto v) {
        if constexpr (std::is_arithmetic_v<decltype(v)>) f(v);
    });
}

/// The numpy dtype's range test rasterio makes before filling with nodata.
bool fits(DType t, double v) {
    if (is_floating(t) && std::isnan(v)) return true;
    bool ok = false;
    visit_real(t, [&](auto x) {
        using T = decltype(x);
        ok = static_cast<double>(std::numeric_limits<T>::lowest()) <= v && v <= static_cast<double>(std::numeric_limits<T>::max());
    });
    return ok;
}

/// The caller's thread-local GDAL options (rastio::Env), for the reading thread.
struct ThreadOptions {
    char** options = CPLGetThreadLocalConfigOptions();
    ThreadOptions() = default;
    ThreadOptions(const ThreadOptions&) = delete;
    ThreadOptions& operator=(const ThreadOptions&) = delete;
    ThreadOptions(ThreadOptions&&) = delete;
    ThreadOptions& operator=(ThreadOptions&&) = delete;
    ~ThreadOptions() { CSLDestroy(options); }

    /// Gives them to the calling thread (GDAL copies them) until it goes out of scope.
    struct Use {
        explicit Use(const ThreadOptions& o) { CPLSetThreadLocalConfigOptions(o.options); }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;
        Use(Use&&) = delete;
        Use& operator=(Use&&) = delete;
        ~Use() { CPLSetThreadLocalConfigOptions(nullptr); }
    };
};

/// Reads the sources in order, one ahead of the copy, on one thread that lives for the whole
/// merge. A thread per source would start GDAL's and PROJ's per-thread state afresh for each
/// (PROJ's database connection and caches): that made every source's CRS cost about 10 ms, a
/// third of a 16-tile merge. The next read starts only once the previous one is taken, so at
/// most two sources' pixels are held at once, as with one read ahead.
class ReadAhead {
public:
    ReadAhead(std::size_t count, std::function<Prepared(std::size_t)> read)
        : m_thread([this, count, read = std::move(read)] { run(count, read); }) {}
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;
    ReadAhead(ReadAhead&&) = delete;
    ReadAhead& operator=(ReadAhead&&) = delete;
    /// Waits for the read in flight (a caller that stopped early) and ends the thread.
    ~ReadAhead() {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_changed.notify_all();
        m_thread.join();
    }

    /// The next source's read; rethrows what reading it threw.
    Prepared next() {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_full; });
        Prepared p = std::move(m_value);
        const std::exception_ptr error = m_error;
        m_full = false;
        lock.unlock();
        m_changed.notify_all();
        if (error) std::rethrow_exception(error);
        return p;
    }

private:
    void run(std::size_t count, const std::function<Prepared(std::size_t)>& read) {
        for (std::size_t i = 0; i < count; ++i) {
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [this] { return !m_full || m_stop; });
                if (m_stop) return;
            }
            Prepared p;
            std::exception_ptr error;
            try {
                p = read(i);
            } catch (...) {
                error = std::current_exception();
            }
            {
                const std::lock_guard lock(m_mutex);
                m_value = std::move(p);
                m_error = error;
                m_full = true;
            }
            m_changed.notify_all();
            if (error) return; // merge() stops at the first failed source
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_full = false;
    bool m_stop = false;
    Prepared m_value;
    std::exception_ptr m_error;
    std::thread m_thread; // last: it starts once the members it uses exist
};

} // namespace

Merged merge(const std::vector<MergeSource>& sources, const MergeOptions& options) {
    if (sources.empty()) throw ArgumentError("merge: no sources");
    const auto* method = std::get_if<MergeMethod>(&options.method);
    const auto* custom = std::get_if<MergeFunction>(&options.method);
    if (custom != nullptr && !*custom) throw ArgumentError("merge: the custom method is empty");
    const int r = static_cast<int>(options.resampling);
    if (r < 0 || (r > static_cast<int>(Resampling::gauss) && options.resampling != Resampling::rms)) {
        throw ArgumentError("merge: resampling " + std::string(to_string(options.resampling)) +
                            " is a warp method, not one for reads (nearest..gauss, rms)");
    }

    Plan plan;
    plan.resampling = options.resampling;
    plan.indexes = options.indexes;
    Merged m;
    std::pair<double, double> first_res;
    std::optional<double> nodataval;
    DType dt{};
    {
        Opened first = open_source(sources[0], 0);
        check_grid(*first.ds, first.label);
        m.profile = first.ds->profile();
        first_res = first.ds->res();
        nodataval = first.ds->nodatavals().at(0);
        dt = first.ds->dtypes().at(0);
        plan.crs = first.ds->crs();
        if (!plan.crs.empty()) plan.srs = detail::make_srs(plan.crs, "CRS of source 1");
        plan.src_count = options.indexes.empty() ? static_cast<std::size_t>(first.ds->count()) : options.indexes.size();
        try {
            m.colormap = first.ds->colormap(1);
            if (m.colormap->empty()) m.colormap.reset();
        } catch (const ArgumentError&) {
            m.colormap.reset();
        }
    }
    const std::size_t output_count = options.output_count > 0 ? static_cast<std::size_t>(options.output_count) : plan.src_count;
    if (method != nullptr && output_count != plan.src_count) {
        throw ArgumentError("merge: output_count (" + std::to_string(output_count) + ") differs from the bands read (" +
                            std::to_string(plan.src_count) + "): only a custom method can fill other bands");
    }

    Bounds d;
    if (options.bounds) {
        d = *options.bounds;
    } else {
        bool any = false;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            Opened o = open_source(sources[i], i);
            check_grid(*o.ds, o.label);
            const Bounds b = o.ds->bounds();
            if (!any) d = b, any = true;
            d.left = std::min(d.left, b.left), d.right = std::max(d.right, b.right);
            d.bottom = std::min(d.bottom, b.bottom), d.top = std::max(d.top, b.top);
        }
    }
    if (!std::isfinite(d.left) || !std::isfinite(d.bottom) || !std::isfinite(d.right) || !std::isfinite(d.top) ||
        d.left > d.right || d.bottom > d.top) {
        throw ArgumentError("merge: bad bounds (" + std::to_string(d.left) + ", " + std::to_string(d.bottom) + ", " +
                            std::to_string(d.right) + ", " + std::to_string(d.top) + "): left <= right, bottom <= top");
    }
    const auto res = options.res.value_or(first_res);
    if (!(res.first > 0) || !(res.second > 0) || !std::isfinite(res.first) || !std::isfinite(res.second)) {
        throw ArgumentError("merge: the resolution must be positive (" + std::to_string(res.first) + ", " +
                            std::to_string(res.second) + ")");
    }
    if (options.target_aligned_pixels) {
        d.left = std::floor(d.left / res.first) * res.first;
        d.right = std::ceil(d.right / res.first) * res.first;
        d.bottom = std::floor(d.bottom / res.second) * res.second;
        d.top = std::ceil(d.top / res.second) * res.second;
    }
    // int(round(x)): Python's round halves to even, as nearbyint does by default.
    const double fw = std::nearbyint((d.right - d.left) / res.first), fh = std::nearbyint((d.top - d.bottom) / res.second);
    if (!(fw <= std::numeric_limits<int>::max()) || !(fh <= std::numeric_limits<int>::max())) {
        throw ArgumentError("merge: the output would be " + std::to_string(fw) + " x " + std::to_string(fh) +
                            " pixels, more than a raster can hold: check bounds and res");
    }
    plan.dst = d;
    plan.width = static_cast<std::size_t>(fw);
    plan.height = static_cast<std::size_t>(fh);
    plan.transform = Affine::translation(d.left, d.top) * Affine::scale(res.first, -res.second);
    if (options.dtype) dt = *options.dtype;
    if (is_complex(dt)) throw ArgumentError("merge: complex dtypes (" + std::string(to_string(dt)) + ") are not supported");

    m.transform = plan.transform;
    m.profile.transform = plan.transform;
    m.profile.width = static_cast<int>(plan.width);
    m.profile.height = static_cast<int>(plan.height);
    m.profile.count = static_cast<int>(output_count);
    m.profile.dtype = dt;
    if (options.nodata) m.profile.nodata = options.nodata;

    try {
        m.data = AnyArray(dt, {output_count, plan.height, plan.width});
    } catch (const std::bad_alloc&) {
        throw Error("merge: cannot allocate the " + std::to_string(plan.width) + " x " + std::to_string(plan.height) + " x " +
                    std::to_string(output_count) + " output");
    }
    if (options.nodata) nodataval = options.nodata;
    NodataTest is_nodata;
    if (nodataval) {
        if (fits(dt, *nodataval)) {
            visit_real(dt, [&](auto x) {
                using T = decltype(x);
                const T fill = cast_to<T>(*nodataval);
                auto v = m.data.as<T>().values();
                std::fill(v.begin(), v.end(), fill);
            });
        } else {
            deliver_warning({"The nodata value, " + std::to_string(*nodataval) + ", is beyond the valid range of the chosen data type, " +
                                 std::string(to_string(dt)) + ". Consider overriding it using the --nodata option for better results.",
                             0, {}});
        }
        is_nodata.value = *nodataval;
        is_nodata.is_nan = std::isnan(*nodataval);
    }

    // Reads run one source ahead of the copy, on another thread with the caller's GDAL options.
    const ThreadOptions thread_options;
    ReadAhead reads(sources.size(), [&](std::size_t i) {
        const ThreadOptions::Use env(thread_options); // reset even when the read throws
        std::vector<Warning> warnings;
        Prepared p;
        {
            const WarningScope collect([&warnings](const Warning& w) { warnings.push_back(w); });
            p = prepare(sources[i], i, plan);
        }
        p.warnings = std::move(warnings);
        return p;
    });
    bool any_overlap = false;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        Prepared p = reads.next();
        for (const auto& w : p.warnings) deliver_warning(w);
        if (!p.used) continue;
        any_overlap = any_overlap || p.overlaps;
        if (p.rows == 0 || p.cols == 0) continue;
        visit_real(dt, [&](auto dv) {
            using D = decltype(dv);
            auto& dest = m.data.as<D>();
            if (custom != nullptr) {
                combine_custom<D>(dest, p, i, *custom, is_nodata);
                return;
            }
            visit_real(p.temp.dtype(), [&](auto sv) { combine<D, decltype(sv)>(dest, p, *method, is_nodata); });
        });
    }
    if (!any_overlap) {
        throw ArgumentError("merge: no source overlaps the output bounds (" + std::to_string(d.left) + ", " +
                            std::to_string(d.bottom) + ", " + std::to_string(d.right) + ", " + std::to_string(d.top) + ")");
    }
    return m;
}

void write_merged(Dataset& dst, const Merged& merged) {
    const Shape& s = merged.data.shape();
    if (static_cast<std::size_t>(dst.count()) != s[0] || static_cast<std::size_t>(dst.height()) != s[1] ||
        static_cast<std::size_t>(dst.width()) != s[2]) {
        throw ArgumentError("write_merged: " + dst.name() + " is " + std::to_string(dst.width()) + " x " +
                            std::to_string(dst.height()) + " x " + std::to_string(dst.count()) + ", the merge " +
                            std::to_string(s[2]) + " x " + std::to_string(s[1]) + " x " + std::to_string(s[0]));
    }
    dst.set_transform(merged.transform);
    if (!merged.profile.crs.empty()) dst.set_crs(merged.profile.crs);
    if (merged.profile.nodata) dst.set_nodata(merged.profile.nodata);
    dst.write(merged.data);
    if (merged.colormap) dst.write_colormap(1, *merged.colormap);
}

void merge(const std::vector<MergeSource>& sources, MemoryFile& dst, const MergeOptions& options, const Profile& dst_kwds) {
    const Merged m = merge(sources, options);
    Profile p = m.profile;
    if (!dst_kwds.driver.empty()) p.driver = dst_kwds.driver;
    for (const auto& [k, v] : dst_kwds.options) p.options[k] = v;
    // rasterio's writer: a striped file keeps BLOCKYSIZE (rows per strip) and drops BLOCKXSIZE,
    // which GDAL would take as a tile width; tiles need sides in multiples of 16. A one-strip
    // source whose block is square is striped for rasterio (rastio's profile calls it tiled).
    const auto tiled = p.options.find("TILED");
    const auto multiple_of_16 = [&p](const char* key) {
        const auto it = p.options.find(key);
        return it != p.options.end() && std::atoi(it->second.c_str()) > 0 && std::atoi(it->second.c_str()) % 16 == 0;
    };
    const bool is_tiled = tiled != p.options.end() && (EQUAL(tiled->second.c_str(), "YES") || EQUAL(tiled->second.c_str(), "TRUE"));
    const bool both = p.options.count("BLOCKXSIZE") != 0 && p.options.count("BLOCKYSIZE") != 0;
    if (is_tiled && !both) {
        // Tiles take a block size only as a pair: GDAL's default tiles otherwise.
        p.options.erase("BLOCKXSIZE");
        p.options.erase("BLOCKYSIZE");
    } else if (!is_tiled || !multiple_of_16("BLOCKXSIZE") || !multiple_of_16("BLOCKYSIZE")) {
        p.options.erase("BLOCKXSIZE");
        if (is_tiled) tiled->second = "NO";
    }
    Dataset ds = dst.open(p);
    write_merged(ds, m);
    ds.close();
}

} // namespace rastio
