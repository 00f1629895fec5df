// Reprojection: points and bounds between CRSs, target grids, reproject() with GDAL's warper.
#include <rastio/warp.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

#include <cpl_string.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include <rastio/error.hpp>

#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "warp_internal.hpp"
#include "warp_kernel.hpp"

namespace rastio {

namespace detail {

SrsHandle make_srs(const CRS& crs, const char* role) {
    if (crs.empty()) throw ArgumentError(std::string("no ") + role + ": give one (e.g. rastio::CRS::from_epsg(4326))");
    SrsHandle srs(OSRNewSpatialReference(nullptr));
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    ErrorCapture errors;
    if (OSRSetFromUserInput(srs.get(), crs.to_wkt().c_str()) != OGRERR_NONE) {
        throw ArgumentError(std::string("unknown ") + role + " " + crs.to_wkt().substr(0, 120) +
                            (errors.message().empty() ? "" : ": " + errors.message()));
    }
    return srs;
}

CoordTransform make_transformation(const CRS& src_crs, const CRS& dst_crs) {
    ensure_gdal();
    auto src = make_srs(src_crs, "source CRS");
    auto dst = make_srs(dst_crs, "destination CRS");
    ErrorCapture errors;
    CoordTransform ct(OCTNewCoordinateTransformation(src.get(), dst.get()));
    if (!ct) {
        throw ArgumentError("cannot transform from " + src_crs.to_string().substr(0, 120) + " to " +
                            dst_crs.to_string().substr(0, 120) +
                            (errors.message().empty() ? "" : ": " + errors.message()));
    }
    return ct;
}

GDALResampleAlg warp_resampling(Resampling r) {
    if (r == Resampling::gauss) {
        throw ArgumentError("resampling gauss is not a warp method in GDAL 3.6; use one of nearest, bilinear, cubic, "
                            "cubic_spline, lanczos, average, mode, max, min, med, q1, q3, sum, rms");
    }
    const int v = static_cast<int>(r);
    if (v < 0 || v > static_cast<int>(Resampling::rms)) throw ArgumentError("unknown resampling method");
    return static_cast<GDALResampleAlg>(v);
}

std::string format_double(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void set_rpc_metadata(GDALDatasetH h, const RPC& r) {
    auto coeffs = [](const std::array<double, 20>& c) {
        std::string s;
        for (double v : c) s += (s.empty() ? "" : " ") + format_double(v);
        return s;
    };
    CPLStringList md;
    md.SetNameValue("ERR_BIAS", format_double(r.err_bias).c_str());
    md.SetNameValue("ERR_RAND", format_double(r.err_rand).c_str());
    md.SetNameValue("HEIGHT_OFF", format_double(r.height_off).c_str());
    md.SetNameValue("HEIGHT_SCALE", format_double(r.height_scale).c_str());
    md.SetNameValue("LAT_OFF", format_double(r.lat_off).c_str());
    md.SetNameValue("LAT_SCALE", format_double(r.lat_scale).c_str());
    md.SetNameValue("LONG_OFF", format_double(r.long_off).c_str());
    md.SetNameValue("LONG_SCALE", format_double(r.long_scale).c_str());
    md.SetNameValue("LINE_OFF", format_double(r.line_off).c_str());
    md.SetNameValue("LINE_SCALE", format_double(r.line_scale).c_str());
    md.SetNameValue("SAMP_OFF", format_double(r.samp_off).c_str());
    md.SetNameValue("SAMP_SCALE", format_double(r.samp_scale).c_str());
    md.SetNameValue("LINE_NUM_COEFF", coeffs(r.line_num_coeff).c_str());
    md.SetNameValue("LINE_DEN_COEFF", coeffs(r.line_den_coeff).c_str());
    md.SetNameValue("SAMP_NUM_COEFF", coeffs(r.samp_num_coeff).c_str());
    md.SetNameValue("SAMP_DEN_COEFF", coeffs(r.samp_den_coeff).c_str());
    GDALSetMetadata(h, md.List(), "RPC");
}

void set_gcps(GDALDatasetH h, const GCPs& gcps) {
    std::vector<GDAL_GCP> list(gcps.points.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& p = gcps.points[i];
        list[i].pszId = const_cast<char*>(p.id.c_str());     // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL copies, never writes
        list[i].pszInfo = const_cast<char*>(p.info.c_str()); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL copies, never writes
        list[i].dfGCPPixel = p.col;
        list[i].dfGCPLine = p.row;
        list[i].dfGCPX = p.x;
        list[i].dfGCPY = p.y;
        list[i].dfGCPZ = p.z;
    }
    GDALSetGCPs(h, static_cast<int>(list.size()), list.data(), gcps.crs.to_wkt().c_str());
}

DatasetHandle mem_dataset(int width, int height) {
    ensure_gdal();
    GDALDriverH mem = GDALGetDriverByName("MEM");
    ErrorCapture errors;
    DatasetHandle h(GDALCreate(mem, "", width, height, 0, GDT_Byte, nullptr));
    if (!h) errors.throw_io("cannot create an in-memory dataset", "MEM");
    return h;
}

DatasetHandle wrap_array(const AnyArray& array) {
    const Shape& s = array.shape();
    if (s[0] == 0 || s[1] == 0 || s[2] == 0) throw ArgumentError("cannot warp an empty array");
    if (s[1] > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        s[2] > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw ArgumentError("array is too large for GDAL");
    }
    DatasetHandle h = mem_dataset(static_cast<int>(s[2]), static_cast<int>(s[1]));
    const DType t = array.dtype();
    const GDALDataType gdt = to_gdal(t);
    const std::size_t esize = dtype_size(t);
    // GDAL reads the source through this pointer and never writes to it; the destination's is writable.
    auto* base = static_cast<std::byte*>(const_cast<void*>(array.data())); // NOLINT(cppcoreguidelines-pro-type-const-cast): see above
    ErrorCapture errors;
    for (std::size_t b = 0; b < s[0]; ++b) {
        char ptr[64] = {};
        CPLPrintPointer(ptr, base + b * s[1] * s[2] * esize, sizeof ptr);
        StringList opts;
        opts.add("DATAPOINTER", ptr);
        opts.add("PIXELOFFSET", std::to_string(esize));
        opts.add("LINEOFFSET", std::to_string(esize * s[2]));
        if (GDALAddBand(h.get(), gdt, opts.get()) != CE_None) errors.throw_io("cannot wrap an array for GDAL", "MEM");
        if (t == DType::int8) {
            GDALSetMetadataItem(GDALGetRasterBand(h.get(), static_cast<int>(b) + 1), "PIXELTYPE", "SIGNEDBYTE",
                                "IMAGE_STRUCTURE");
        }
    }
    return h;
}

} // namespace detail

using detail::ErrorCapture;

Points transform(const CRS& src_crs, const CRS& dst_crs, std::span<const double> xs, std::span<const double> ys,
                 std::span<const double> zs) {
    if (xs.size() != ys.size()) {
        throw ArgumentError("transform: xs has " + std::to_string(xs.size()) + " values but ys has " +
                            std::to_string(ys.size()));
    }
    if (!zs.empty() && zs.size() != xs.size()) {
        throw ArgumentError("transform: zs has " + std::to_string(zs.size()) + " values but xs has " +
                            std::to_string(xs.size()));
    }
    Points out{{xs.begin(), xs.end()}, {ys.begin(), ys.end()}, {zs.begin(), zs.end()}};
    if (xs.empty()) return out;
    auto ct = detail::make_transformation(src_crs, dst_crs);
    if (xs.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw ArgumentError("too many points");
    std::vector<int> ok(xs.size(), 0);
    ErrorCapture errors;
    OCTTransformEx(ct.get(), static_cast<int>(xs.size()), out.xs.data(), out.ys.data(),
                   out.zs.empty() ? nullptr : out.zs.data(), ok.data());
    // A point PROJ cannot transform is an error, as in rasterio 1.3.
    for (std::size_t i = 0; i < ok.size(); ++i) {
        if (ok[i]) continue;
        throw Error("cannot transform point " + std::to_string(i) + " (" + detail::format_double(xs[i]) + ", " +
                    detail::format_double(ys[i]) + ") from " + src_crs.to_string().substr(0, 120) + " to " +
                    dst_crs.to_string().substr(0, 120) +
                    (errors.message().empty() ? std::string() : ": " + errors.message()));
    }
    return out;
}

Bounds transform_bounds(const CRS& src_crs, const CRS& dst_crs, const Bounds& b, int densify_pts) {
    if (densify_pts < 0) throw ArgumentError("densify_pts must be >= 0, not " + std::to_string(densify_pts));
    auto ct = detail::make_transformation(src_crs, dst_crs);
    Bounds out;
    ErrorCapture errors;
    if (!OCTTransformBounds(ct.get(), b.left, b.bottom, b.right, b.top, &out.left, &out.bottom, &out.right, &out.top,
                            densify_pts)) {
        throw Error("cannot transform bounds (" + detail::format_double(b.left) + ", " +
                    detail::format_double(b.bottom) + ", " + detail::format_double(b.right) + ", " +
                    detail::format_double(b.top) + ") from " + src_crs.to_string().substr(0, 120) + " to " +
                    dst_crs.to_string().substr(0, 120) + (errors.message().empty() ? "" : ": " + errors.message()));
    }
    return out;
}

namespace {

struct SourceGeoref {
    std::optional<Affine> transform;
    const GCPs* gcps = nullptr;
    const RPC* rpcs = nullptr;
};

/// GDAL's suggested grid for a width x height raster georeferenced as `g` in `src_crs`.
Grid suggested_grid(const CRS& src_crs, const CRS& dst_crs, int width, int height, const SourceGeoref& g,
                    const GridOptions& options, const Options& extra = {}, bool without_src_crs = false) {
    if (width <= 0 || height <= 0) {
        throw ArgumentError("calculate_default_transform: source size " + std::to_string(width) + "x" +
                            std::to_string(height) + " is not positive");
    }
    if (options.dst_width.has_value() != options.dst_height.has_value()) {
        throw ArgumentError("calculate_default_transform: give both dst_width and dst_height, or neither");
    }
    if (options.resolution && options.dst_width) {
        throw ArgumentError("calculate_default_transform: a resolution cannot be used with dst_width and dst_height");
    }
    if (options.resolution && !(options.resolution->first > 0 && options.resolution->second > 0)) {
        throw ArgumentError("calculate_default_transform: resolution must be positive");
    }
    if (options.dst_width && (*options.dst_width <= 0 || *options.dst_height <= 0)) {
        throw ArgumentError("calculate_default_transform: dst_width and dst_height must be positive");
    }
    const auto dst_srs = detail::make_srs(dst_crs, "destination CRS");
    auto h = detail::mem_dataset(width, height);
    if (!src_crs.empty()) {
        (void)detail::make_srs(src_crs, "source CRS");
        GDALSetProjection(h.get(), src_crs.to_wkt().c_str());
    }
    if (g.gcps) {
        if (g.gcps->points.empty()) throw ArgumentError("calculate_default_transform: no ground control points");
        detail::set_gcps(h.get(), *g.gcps);
    } else if (g.rpcs) {
        detail::set_rpc_metadata(h.get(), *g.rpcs);
    } else if (g.transform) {
        auto gt = g.transform->to_gdal();
        GDALSetGeoTransform(h.get(), gt.data());
    }
    if (src_crs.empty() && !g.rpcs && !without_src_crs) throw ArgumentError("calculate_default_transform: no source CRS");

    detail::StringList opts(extra);
    opts.add("GCPS_OK", "TRUE");
    opts.add("MAX_GCP_ORDER", "0");
    opts.add("DST_SRS", dst_crs.to_wkt());
    if (g.rpcs) opts.add("SRC_METHOD", "RPC");

    ErrorCapture errors;
    void* arg = GDALCreateGenImgProjTransformer2(h.get(), nullptr, opts.get());
    if (arg == nullptr) {
        throw Error("cannot compute a grid from " + src_crs.to_string().substr(0, 120) + " to " +
                    dst_crs.to_string().substr(0, 120) + ": " +
                    (errors.message().empty() ? "GDAL cannot make a transformer" : errors.message()));
    }
    std::array<double, 6> gt{};
    int px = 0, lines = 0;
    double extent[4] = {};
    const CPLErr err = GDALSuggestedWarpOutput2(h.get(), GDALGenImgProjTransform, arg, gt.data(), &px, &lines, extent, 0);
    GDALDestroyGenImgProjTransformer(arg);
    if (err != CE_None || px <= 0 || lines <= 0) {
        throw Error("cannot compute a grid from " + src_crs.to_string().substr(0, 120) + " to " +
                    dst_crs.to_string().substr(0, 120) + ": " +
                    (errors.message().empty() ? "GDAL found no valid output extent" : errors.message()));
    }
    Grid out{Affine::from_gdal(gt), px, lines};
    if (options.resolution) {
        // rasterio: keep the upper-left corner, set the resolution, scale the size up (ceil).
        const double xres = options.resolution->first;
        const double yres = -options.resolution->second;
        const double xratio = out.transform.a / xres;
        const double yratio = out.transform.e / yres;
        out.transform.a = xres;
        out.transform.e = yres;
        const double nw = std::ceil(out.width * xratio);
        const double nh = std::ceil(out.height * yratio);
        if (!(nw >= 1 && nh >= 1 && nw <= std::numeric_limits<int>::max() && nh <= std::numeric_limits<int>::max())) {
            throw ArgumentError("calculate_default_transform: resolution (" + detail::format_double(xres) + ", " +
                                detail::format_double(-yres) + ") gives a grid of " + detail::format_double(nw) +
                                " x " + detail::format_double(nh) + " pixels, which GDAL cannot hold");
        }
        out.width = static_cast<int>(nw);
        out.height = static_cast<int>(nh);
    } else if (options.dst_width) {
        // rasterio's arithmetic, to the last bit: scale the pixel size by the ratio of the sizes.
        const double xratio = static_cast<double>(out.width) / *options.dst_width;
        const double yratio = static_cast<double>(out.height) / *options.dst_height;
        out.transform.a *= xratio;
        out.transform.e *= yratio;
        out.width = *options.dst_width;
        out.height = *options.dst_height;
    }
    return out;
}

} // namespace

Grid calculate_default_transform(const CRS& src_crs, const CRS& dst_crs, int width, int height, const Bounds& bounds,
                                 const GridOptions& options) {
    if (width <= 0 || height <= 0) {
        throw ArgumentError("calculate_default_transform: source size " + std::to_string(width) + "x" +
                            std::to_string(height) + " is not positive");
    }
    // rasterio's from_bounds.
    const Affine t{(bounds.right - bounds.left) / width, 0, bounds.left, 0, (bounds.bottom - bounds.top) / height,
                   bounds.top};
    return suggested_grid(src_crs, dst_crs, width, height, {t, nullptr, nullptr}, options);
}

Grid calculate_default_transform(const CRS& dst_crs, int width, int height, const GCPs& gcps,
                                 const GridOptions& options) {
    if (gcps.crs.empty()) throw ArgumentError("calculate_default_transform: the ground control points have no CRS");
    return suggested_grid(gcps.crs, dst_crs, width, height, {std::nullopt, &gcps, nullptr}, options);
}

Grid calculate_default_transform(const CRS& dst_crs, int width, int height, const RPC& rpcs,
                                 const GridOptions& options) {
    return suggested_grid(CRS::from_epsg(4326), dst_crs, width, height, {std::nullopt, nullptr, &rpcs}, options);
}

Grid aligned_target(const Affine& transform, int width, int height, std::pair<double, double> res) {
    if (!(res.first > 0 && res.second > 0)) throw ArgumentError("aligned_target: resolution must be positive");
    if (width <= 0 || height <= 0) throw ArgumentError("aligned_target: size must be positive");
    double xmin = transform.c;
    double ymin = transform.f + height * transform.e;
    double xmax = transform.c + width * transform.a;
    double ymax = transform.f;
    xmin = std::floor(xmin / res.first) * res.first;
    xmax = std::ceil(xmax / res.first) * res.first;
    ymin = std::floor(ymin / res.second) * res.second;
    ymax = std::ceil(ymax / res.second) * res.second;
    Grid out;
    out.transform = Affine{res.first, 0, xmin, 0, -res.second, ymax};
    out.width = std::max(static_cast<int>(std::ceil((xmax - xmin) / res.first)), 1);
    out.height = std::max(static_cast<int>(std::ceil((ymax - ymin) / res.second)), 1);
    return out;
}

namespace detail {

WarpOptionsHandle make_warp_options(Resampling resampling, std::optional<double> src_nodata,
                                    std::optional<double> dst_nodata, int band_count, int src_alpha, int dst_alpha,
                                    int warp_mem_limit_mib, GDALDataType working_type, const Options& extras) {
    WarpOptionsHandle wo(GDALCreateWarpOptions());
    char** list = CSLSetNameValue(wo->papszWarpOptions, "UNIFIED_SRC_NODATA", "YES");
    for (const auto& [key, value] : extras) list = CSLSetNameValue(list, key.c_str(), value.c_str());
    wo->papszWarpOptions = list;
    wo->eWorkingDataType = working_type;
    wo->eResampleAlg = warp_resampling(resampling);
    if (warp_mem_limit_mib < 0) throw ArgumentError("warp_mem_limit must be >= 0 MiB");
    if (warp_mem_limit_mib > 0) wo->dfWarpMemoryLimit = static_cast<double>(warp_mem_limit_mib) * 1024.0 * 1024.0;
    wo->nSrcAlphaBand = src_alpha;
    wo->nDstAlphaBand = dst_alpha;
    const auto n = static_cast<std::size_t>(band_count);
    auto fill = [n](double v) {
        auto* p = static_cast<double*>(CPLMalloc(n * sizeof(double)));
        for (std::size_t i = 0; i < n; ++i) p[i] = v;
        return p;
    };
    if (src_nodata) {
        wo->padfSrcNoDataReal = fill(*src_nodata);
        wo->padfSrcNoDataImag = fill(0.0);
    }
    if (dst_nodata) {
        wo->padfDstNoDataReal = fill(*dst_nodata);
        wo->padfDstNoDataImag = fill(0.0);
    }
    wo->nBandCount = band_count;
    wo->panSrcBands = static_cast<int*>(CPLMalloc(n * sizeof(int)));
    wo->panDstBands = static_cast<int*>(CPLMalloc(n * sizeof(int)));
    for (int i = 0; i < band_count; ++i) wo->panSrcBands[i] = wo->panDstBands[i] = i + 1;
    return wo;
}

} // namespace detail

WarpSource WarpSource::from_array(const AnyArray& array, const Affine& transform, const CRS& crs,
                                  std::optional<double> nodata) {
    WarpSource s;
    s.array = &array;
    s.transform = transform;
    s.crs = crs;
    s.nodata = nodata;
    return s;
}

WarpSource WarpSource::from_array(const AnyArray& array, const GCPs& gcps, std::optional<double> nodata) {
    WarpSource s;
    s.array = &array;
    s.gcps = gcps;
    s.crs = gcps.crs;
    s.nodata = nodata;
    return s;
}

WarpSource WarpSource::from_array(const AnyArray& array, const RPC& rpcs, std::optional<double> nodata) {
    WarpSource s;
    s.array = &array;
    s.rpcs = rpcs;
    s.crs = CRS::from_epsg(4326);
    s.nodata = nodata;
    return s;
}

WarpSource WarpSource::from_dataset(const Dataset& dataset, Bands bands) {
    WarpSource s;
    s.dataset = &dataset;
    s.bands = std::move(bands);
    return s;
}

WarpDestination WarpDestination::make(const CRS& crs) {
    WarpDestination d;
    d.crs = crs;
    return d;
}

WarpDestination WarpDestination::into(AnyArray array, const Affine& transform, const CRS& crs) {
    WarpDestination d;
    d.array = std::move(array);
    d.transform = transform;
    d.crs = crs;
    return d;
}

WarpDestination WarpDestination::into(Dataset& dataset, Bands bands) {
    WarpDestination d;
    d.dataset = &dataset;
    d.bands = std::move(bands);
    return d;
}

namespace {

/// rasterio's in_dtype_range: NaN only for floating types, else within the type's limits.
bool in_dtype_range(double v, DType t) {
    if (std::isnan(v)) return is_floating(t);
    return visit_dtype(t, [v](auto px) {
        using T = decltype(px);
        if constexpr (std::is_arithmetic_v<T>) {
            return v >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                   v <= static_cast<double>(std::numeric_limits<T>::max());
        } else {
            return true;
        }
    });
}

void check_bands(const Bands& bands, int count, const char* what) {
    for (int b : bands) {
        if (b < 1 || b > count) {
            throw ArgumentError(std::string("reproject: ") + what + " band " + std::to_string(b) +
                                " is out of range 1.." + std::to_string(count));
        }
    }
}

/// The warper's thread count: the one asked, else GDAL_NUM_THREADS, else every CPU for large
/// destinations (a pool costs more than it saves on small ones).
int warp_threads(int asked, double dst_pixels) {
    if (asked > 0) return asked;
    if (const char* cfg = CPLGetConfigOption("GDAL_NUM_THREADS", nullptr)) {
        if (EQUAL(cfg, "ALL_CPUS")) return std::max(1, CPLGetNumCPUs());
        return std::max(1, std::atoi(cfg));
    }
    return dst_pixels >= 1024.0 * 1024.0 ? std::max(1, CPLGetNumCPUs()) : 1;
}

struct GenImgTransformer {
    void* arg = nullptr;
    GenImgTransformer() = default;
    GenImgTransformer(const GenImgTransformer&) = delete;
    GenImgTransformer& operator=(const GenImgTransformer&) = delete;
    GenImgTransformer(GenImgTransformer&&) = delete;
    GenImgTransformer& operator=(GenImgTransformer&&) = delete;
    ~GenImgTransformer() {
        if (arg != nullptr) GDALDestroyApproxTransformer(arg);
    }
};

} // namespace

namespace {

/// GDAL's progress callback over ReprojectOptions::progress; an exception cancels the warp.
int CPL_STDCALL warp_progress(double done, const char* /*message*/, void* arg) {
    const auto* f = static_cast<const std::function<bool(double)>*>(arg);
    try {
        return (*f)(std::clamp(done, 0.0, 1.0)) ? TRUE : FALSE; // GDAL's scaled steps may overshoot 1 slightly
    } catch (...) {
        return FALSE;
    }
}

} // namespace

Reprojected reproject(const WarpSource& source, WarpDestination destination, const ReprojectOptions& o) {
    detail::ensure_gdal();
    ErrorCapture outer; // GDAL's warnings stay off stderr; failures are checked where they happen
    (void)detail::warp_resampling(o.resampling);
    if (o.num_threads < 0) throw ArgumentError("reproject: num_threads must be >= 0 (0: automatic)");
    if (o.src_alpha < 0 || o.dst_alpha < 0) throw ArgumentError("reproject: alpha band indexes must be >= 0");

    // --- The source, as a GDAL dataset.
    detail::DatasetHandle src_mem;
    GDALDatasetH src_h = nullptr;
    Bands src_bands;
    DType src_dtype = DType::uint8;
    int src_width = 0, src_height = 0;
    CRS src_crs;
    Affine src_transform;
    bool has_transform = false;
    std::optional<GCPs> gcps;
    std::optional<RPC> rpcs;
    std::optional<double> src_nodata = o.src_nodata;
    // Datasets stay open for the whole warp: a close on another thread (of their MemoryFile) waits.
    std::optional<detail::DatasetUse> src_use;
    std::optional<detail::DatasetUse> dst_use;
    if (source.array != nullptr && source.dataset != nullptr) {
        throw ArgumentError("reproject: the WarpSource has both an array and a dataset");
    }
    if (source.array != nullptr) {
        const AnyArray& a = *source.array;
        src_mem = detail::wrap_array(a);
        src_h = src_mem.get();
        src_dtype = a.dtype();
        src_width = static_cast<int>(a.shape()[2]);
        src_height = static_cast<int>(a.shape()[1]);
        for (std::size_t b = 1; b <= a.shape()[0]; ++b) src_bands.push_back(static_cast<int>(b));
        if (source.gcps) {
            if (source.gcps->points.empty()) throw ArgumentError("reproject: the source's GCPs are empty");
            gcps = source.gcps;
            src_crs = source.gcps->crs;
            detail::set_gcps(src_h, *gcps);
        } else if (source.rpcs) {
            rpcs = source.rpcs;
            src_crs = source.crs.empty() ? CRS::from_epsg(4326) : source.crs;
            detail::set_rpc_metadata(src_h, *rpcs);
            GDALSetProjection(src_h, src_crs.to_wkt().c_str());
        } else {
            src_crs = source.crs;
            src_transform = source.transform;
            has_transform = true;
            auto gt = source.transform.to_gdal();
            GDALSetGeoTransform(src_h, gt.data());
        }
        if (src_crs.empty()) throw ArgumentError("reproject: the source array has no CRS (give WarpSource::crs)");
        (void)detail::make_srs(src_crs, "source CRS");
        if (!gcps) GDALSetProjection(src_h, src_crs.to_wkt().c_str());
        if (!src_nodata) src_nodata = source.nodata;
    } else if (source.dataset != nullptr) {
        const Dataset& ds = *source.dataset;
        src_use.emplace(detail::DatasetAccess::state(ds));
        src_h = src_use->handle();
        src_bands = source.bands.empty() ? ds.indexes() : source.bands;
        check_bands(src_bands, ds.count(), "source");
        src_dtype = ds.dtypes().at(static_cast<std::size_t>(src_bands[0] - 1));
        src_width = ds.width();
        src_height = ds.height();
        src_crs = ds.crs();
        std::array<double, 6> gt{};
        {
            ErrorCapture quiet;
            if (GDALGetGeoTransform(src_h, gt.data()) == CE_None) {
                src_transform = Affine::from_gdal(gt);
                has_transform = true;
            }
        }
        if (GDALGetGCPCount(src_h) > 0 && (!has_transform || src_crs.empty())) {
            gcps = ds.gcps();
            has_transform = false;
            src_crs = gcps->crs;
        } else if (!has_transform) {
            rpcs = ds.rpcs();
            if (rpcs && src_crs.empty()) src_crs = CRS::from_epsg(4326);
        }
        if (!has_transform && !gcps && !rpcs) {
            throw ArgumentError("reproject: source dataset " + ds.name() +
                                " has no georeferencing (no geotransform, GCPs or RPCs)");
        }
        // A dataset with a geotransform but no CRS is warped between the two geotransforms
        // (GDAL does not reproject when one side has no CRS), as rasterio 1.3 does.
        if (src_crs.empty() && !has_transform) {
            throw ArgumentError("reproject: source dataset " + ds.name() + " has no CRS");
        }
        if (!src_nodata) src_nodata = ds.nodata();
    } else {
        throw ArgumentError("reproject: the WarpSource is empty; make it with WarpSource::from_array or from_dataset");
    }
    if (src_nodata && !in_dtype_range(*src_nodata, src_dtype)) {
        throw ArgumentError("reproject: src_nodata " + detail::format_double(*src_nodata) + " is out of range for " +
                            std::string(to_string(src_dtype)));
    }
    const int src_count = static_cast<int>(src_bands.size());

    // --- The destination.
    detail::DatasetHandle dst_mem;
    GDALDatasetH dst_h = nullptr;
    Bands dst_bands;
    Affine dst_transform;
    DType dst_dtype = src_dtype;
    std::optional<double> dst_nodata = o.dst_nodata;
    int dst_width = 0, dst_height = 0;
    if (destination.dataset != nullptr) {
        if (!destination.array.empty()) throw ArgumentError("reproject: the WarpDestination has both an array and a dataset");
        Dataset& ds = *destination.dataset;
        dst_use.emplace(detail::DatasetAccess::state(ds));
        dst_h = dst_use->handle();
        if (ds.mode() == "r") {
            throw ModeError("reproject: destination dataset " + ds.name() +
                            " is open for reading; open it with mode \"r+\" or create it with \"w\"");
        }
        dst_bands = destination.bands.empty() ? Bands{} : destination.bands;
        if (dst_bands.empty()) {
            for (int b = 1; b <= src_count; ++b) dst_bands.push_back(b);
        }
        check_bands(dst_bands, ds.count(), "destination");
        dst_dtype = ds.dtypes().at(static_cast<std::size_t>(dst_bands[0] - 1));
        dst_transform = ds.transform();
        dst_width = ds.width();
        dst_height = ds.height();
        if (ds.crs().empty()) throw ArgumentError("reproject: destination dataset " + ds.name() + " has no CRS");
        if (!dst_nodata) dst_nodata = ds.nodata();
    } else {
        const CRS& dst_crs = destination.crs;
        if (dst_crs.empty()) throw ArgumentError("reproject: no destination CRS (give WarpDestination::crs)");
        (void)detail::make_srs(dst_crs, "destination CRS");
        if (!destination.array.empty()) {
            const Shape s = destination.array.shape();
            dst_dtype = destination.array.dtype();
            dst_width = static_cast<int>(s[2]);
            dst_height = static_cast<int>(s[1]);
            if (static_cast<int>(s[0]) == src_count) {
                for (int b = 1; b <= src_count; ++b) dst_bands.push_back(b);
            } else {
                // rasterio: a destination with another band count takes the source's band numbers.
                for (int b : src_bands) {
                    if (b > static_cast<int>(s[0])) {
                        throw ArgumentError("reproject: the destination array has " + std::to_string(s[0]) +
                                            " bands, fewer than source band " + std::to_string(b));
                    }
                }
                dst_bands = src_bands;
            }
        }
        if (destination.transform) {
            dst_transform = *destination.transform;
            if (destination.array.empty()) {
                if (!destination.width || !destination.height) {
                    throw ArgumentError("reproject: a destination transform needs a width and height (or an array)");
                }
                dst_width = *destination.width;
                dst_height = *destination.height;
            }
        } else {
            // The grid calculate_default_transform gives, at the array's size when there is one.
            GridOptions grid;
            grid.resolution = destination.resolution;
            if (!destination.array.empty()) {
                grid.dst_width = dst_width;
                grid.dst_height = dst_height;
            } else if (destination.width || destination.height) {
                grid.dst_width = destination.width;
                grid.dst_height = destination.height;
            }
            Grid g;
            if (gcps) {
                g = calculate_default_transform(dst_crs, src_width, src_height, *gcps, grid);
            } else if (rpcs) {
                g = calculate_default_transform(dst_crs, src_width, src_height, *rpcs, grid);
            } else {
                const Affine& t = src_transform;
                const double xs[4] = {t.c, t.c + t.a * src_width, t.c + t.b * src_height,
                                      t.c + t.a * src_width + t.b * src_height};
                const double ys[4] = {t.f, t.f + t.d * src_width, t.f + t.e * src_height,
                                      t.f + t.d * src_width + t.e * src_height};
                const Bounds b{*std::min_element(xs, xs + 4), *std::min_element(ys, ys + 4),
                               *std::max_element(xs, xs + 4), *std::max_element(ys, ys + 4)};
                if (src_crs.empty()) {
                    // rasterio's grid for a dataset without a CRS: GDAL's, without reprojection.
                    const Affine ft{(b.right - b.left) / src_width, 0, b.left, 0, (b.bottom - b.top) / src_height, b.top};
                    g = suggested_grid(src_crs, dst_crs, src_width, src_height, {ft, nullptr, nullptr}, grid, {}, true);
                } else {
                    g = calculate_default_transform(src_crs, dst_crs, src_width, src_height, b, grid);
                }
            }
            dst_transform = g.transform;
            dst_width = g.width;
            dst_height = g.height;
        }
        if (destination.array.empty()) {
            if (dst_width <= 0 || dst_height <= 0) throw ArgumentError("reproject: the destination size is not positive");
            dst_dtype = destination.dtype.value_or(src_dtype);
            const double bytes = static_cast<double>(src_count) * dst_width * dst_height * static_cast<double>(dtype_size(dst_dtype));
            if (bytes > static_cast<double>(detail::max_read_bytes())) {
                throw ArgumentError("reproject: the destination grid " + std::to_string(dst_width) + " x " +
                                    std::to_string(dst_height) + " x " + std::to_string(src_count) + " needs " +
                                    detail::format_double(bytes) + " bytes, more than the limit of " +
                                    std::to_string(detail::max_read_bytes()) +
                                    " (RASTIO_MAX_READ_BYTES); choose a coarser resolution or a smaller grid");
            }
            destination.array = AnyArray::uninitialized(
                dst_dtype, Shape{static_cast<std::size_t>(src_count), static_cast<std::size_t>(dst_height),
                                 static_cast<std::size_t>(dst_width)});
            for (int b = 1; b <= src_count; ++b) dst_bands.push_back(b);
        }
        dst_mem = detail::wrap_array(destination.array);
        dst_h = dst_mem.get();
        auto gt = dst_transform.to_gdal();
        GDALSetGeoTransform(dst_h, gt.data());
        GDALSetProjection(dst_h, dst_crs.to_wkt().c_str());
        if (o.dst_alpha > 0) {
            if (o.dst_alpha > GDALGetRasterCount(dst_h)) {
                throw ArgumentError("reproject: dst_alpha " + std::to_string(o.dst_alpha) + " is not a band of the destination");
            }
            GDALSetRasterColorInterpretation(GDALGetRasterBand(dst_h, o.dst_alpha), GCI_AlphaBand);
        }
        if (!dst_nodata) dst_nodata = src_nodata;
    }
    if (dst_nodata && !in_dtype_range(*dst_nodata, dst_dtype)) {
        throw ArgumentError("reproject: dst_nodata " + detail::format_double(*dst_nodata) + " is out of range for " +
                            std::string(to_string(dst_dtype)));
    }
    if (dst_bands.size() != src_bands.size()) {
        throw ArgumentError("reproject: " + std::to_string(src_bands.size()) + " source bands but " +
                            std::to_string(dst_bands.size()) + " destination bands");
    }

    // --- The transformer (approximate, 0.125 pixel, as rasterio) and the warper.
    ErrorCapture errors;
    detail::StringList topts(o.warp_options);
    topts.add("GCPS_OK", "TRUE");
    if (rpcs) topts.add("SRC_METHOD", "RPC");
    // Made once for the warp, and again for each other thread of rastio's kernel: equal
    // transformers (a clone would remake the coordinate transformation from WKT).
    enum class Made { ok, no_exact, no_approx };
    auto make_transformer = [&](Made& made) -> void* {
        void* exact = GDALCreateGenImgProjTransformer2(src_h, dst_h, topts.get());
        if (exact == nullptr) {
            made = Made::no_exact;
            return nullptr;
        }
        void* approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, exact, 0.125);
        if (approx == nullptr) {
            GDALDestroyGenImgProjTransformer(exact);
            made = Made::no_approx;
            return nullptr;
        }
        GDALApproxTransformerOwnsSubtransformer(approx, TRUE);
        made = Made::ok;
        return approx;
    };
    Made made = Made::ok;
    GenImgTransformer transformer;
    transformer.arg = make_transformer(made);
    if (made == Made::no_exact) {
        throw Error("reproject: cannot transform from " + src_crs.to_string().substr(0, 120) + " to the destination: " +
                    (errors.message().empty() ? "GDAL made no transformer" : errors.message()));
    }
    if (made == Made::no_approx) errors.throw_io("reproject: cannot make the approximate transformer", "");

    const int threads = warp_threads(o.num_threads, static_cast<double>(dst_width) * dst_height);
    Options extras;
    extras["NUM_THREADS"] = std::to_string(threads);
    if (o.init_dest_nodata) extras["INIT_DEST"] = "NO_DATA";
    for (const auto& [k, v] : o.warp_options) extras[k] = v;
    // Whether rastio's kernel may take chunks: its methods, no source nodata or alpha to mask.
    const bool kernel_may_take = (o.resampling == Resampling::nearest || o.resampling == Resampling::bilinear) &&
                                 !src_nodata && o.src_alpha == 0 && detail::WarpKernel::enabled();
    // Then it may warp straight into a destination array (see direct_destination()), unless
    // the destination has nodata or an alpha band, which GDAL reads from its chunk buffer first.
    const bool direct = kernel_may_take && dst_mem != nullptr && !dst_nodata && o.dst_alpha == 0;
    std::string init_dest;
    if (direct && extras.count("INIT_DEST") != 0) {
        init_dest = extras["INIT_DEST"];
        extras.erase("INIT_DEST"); // the direct destination applies it
    }
    auto wo = detail::make_warp_options(o.resampling, src_nodata, dst_nodata, src_count, o.src_alpha, o.dst_alpha,
                                        o.warp_mem_limit, GDT_Unknown, extras);
    wo->pfnTransformer = GDALApproxTransform;
    wo->pTransformerArg = transformer.arg;
    wo->hSrcDS = src_h;
    wo->hDstDS = dst_h;
    if (o.progress) {
        wo->pfnProgress = warp_progress;
        wo->pProgressArg = const_cast<std::function<bool(double)>*>(&o.progress); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's argument is void*; only read
    }
    for (int i = 0; i < src_count; ++i) {
        wo->panSrcBands[i] = src_bands[static_cast<std::size_t>(i)];
        wo->panDstBands[i] = dst_bands[static_cast<std::size_t>(i)];
    }
    // A GeoTIFF source in memory is read chunk by chunk with rastio's direct reader, straight
    // into the warper's buffers: GDAL's block cache would hold a second decoded copy of it.
    detail::DatasetHandle direct_src;
    if (source.dataset != nullptr && source.dataset->mode() == "r") {
        direct_src = detail::direct_warp_source(src_h, source.dataset->name());
        if (direct_src) wo->hSrcDS = direct_src.get();
    }
    // rastio's kernel warps the chunks it covers (GDAL's pixels, faster); GDAL's the others.
    detail::WarpKernel kernel(threads, [&make_transformer]() {
        Made ignored = Made::ok;
        return make_transformer(ignored);
    });
    kernel.install(*wo);
    detail::DatasetHandle direct_dst;
    if (direct) {
        const Shape& shape = destination.array.shape();
        detail::DirectArray array;
        auto* base = static_cast<std::byte*>(const_cast<void*>(destination.array.data())); // NOLINT(cppcoreguidelines-pro-type-const-cast): the destination is ours to write
        const std::size_t plane = shape[1] * shape[2] * dtype_size(dst_dtype);
        for (std::size_t b = 0; b < shape[0]; ++b) array.planes.push_back(base + b * plane);
        array.width = dst_width;
        array.type = detail::to_gdal(dst_dtype);
        direct_dst = kernel.direct_destination(dst_h, std::move(array), init_dest);
        wo->hDstDS = direct_dst.get();
    }
    // The other threads' transformers are made now, before the warper's chunk buffers (see
    // prepare()).
    if (kernel_may_take) kernel.prepare();
    GDALWarpOperationH op = GDALCreateWarpOperation(wo.get());
    if (op == nullptr) errors.throw_io("reproject: GDAL refused the warp options", "");
    // One chunk at a time, each warped by every thread (NUM_THREADS): GDALChunkAndWarpMulti
    // would overlap one chunk's reads and writes with the previous chunk's warp, holding the
    // buffers of two chunks at once, for I/O that is only copies here. The chunks are the
    // same either way, and so are the pixels.
    const CPLErr err = GDALChunkAndWarpImage(op, 0, 0, dst_width, dst_height);
    GDALDestroyWarpOperation(op);
    if (err != CE_None || errors.failed()) errors.throw_io("reproject: GDAL's warper failed", "");
    if (destination.dataset != nullptr) GDALFlushCache(dst_h);
    return {std::move(destination.array), dst_transform};
}

} // namespace rastio
