// Coordinates through PROJ (GDAL's OSR), and tile matrix sets.
#include "geo.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "types.hpp"

namespace rastio::serve {

namespace {

struct SrsDeleter {
    void operator()(OGRSpatialReferenceH h) const noexcept { OSRDestroySpatialReference(h); }
};
struct CtDeleter {
    void operator()(OGRCoordinateTransformationH h) const noexcept { OCTDestroyCoordinateTransformation(h); }
};
using Srs = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, SrsDeleter>;

Srs make_srs(const CRS& crs) {
    Srs s(OSRNewSpatialReference(nullptr));
    if (OSRSetFromUserInput(s.get(), crs.to_wkt().c_str()) != OGRERR_NONE) throw HttpError(400, "url: the dataset's CRS is not usable");
    OSRSetAxisMappingStrategy(s.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

constexpr double web_mercator_half = 20037508.342789244;

} // namespace

const CRS& wgs84() {
    static const CRS c = CRS::from_epsg(4326);
    return c;
}

void transform_points(const CRS& from, const CRS& to, std::vector<double>& xs, std::vector<double>& ys) {
    if (from.empty()) throw HttpError(400, "url: the dataset has no CRS");
    if (from == to) return;
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    CPLErrorStateBackuper keep;
    Srs a = make_srs(from), b = make_srs(to);
    std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, CtDeleter> ct(
        OCTNewCoordinateTransformation(a.get(), b.get()));
    if (!ct) throw HttpError(400, "url: no transformation between the CRSs");
    std::vector<int> ok(xs.size(), 0);
    if (!OCTTransformEx(ct.get(), static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data())) {
        // Some points failed: they are reported as non-finite below.
    }
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!ok[i]) xs[i] = ys[i] = std::nan("");
    }
}

Bounds transform_bounds(const CRS& from, const CRS& to, const Bounds& b) {
    constexpr int n = 21;
    std::vector<double> xs, ys;
    for (int i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / (n - 1);
        const double x = b.left + (b.right - b.left) * t, y = b.bottom + (b.top - b.bottom) * t;
        xs.insert(xs.end(), {x, x, b.left, b.right});
        ys.insert(ys.end(), {b.bottom, b.top, y, y});
    }
    transform_points(from, to, xs, ys);
    Bounds out{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
        out.left = std::min(out.left, xs[i]);
        out.right = std::max(out.right, xs[i]);
        out.bottom = std::min(out.bottom, ys[i]);
        out.top = std::max(out.top, ys[i]);
    }
    if (!std::isfinite(out.left)) throw HttpError(400, "url: the dataset's bounds cannot be transformed");
    return out;
}

long long TileMatrixSet::matrix_width(int z) const { return static_cast<long long>(matrix_width0) << z; }
long long TileMatrixSet::matrix_height(int z) const { return 1LL << z; }
double TileMatrixSet::resolution(int z) const { return extent_x / static_cast<double>(matrix_width(z)) / 256.0; }

Bounds TileMatrixSet::tile_bounds(int z, long long x, long long y) const {
    const double size = extent_x / static_cast<double>(matrix_width(z));
    const double l = left + static_cast<double>(x) * size, t = top - static_cast<double>(y) * size;
    return {l, t - size, l + size, t};
}

std::optional<TileMatrixSet> tile_matrix_set(const std::string& id) {
    if (id == "WebMercatorQuad") {
        return TileMatrixSet{"WebMercatorQuad", CRS::from_epsg(3857), -web_mercator_half, web_mercator_half,
                             2 * web_mercator_half, 1, 24};
    }
    if (id == "WorldCRS84Quad") return TileMatrixSet{"WorldCRS84Quad", wgs84(), -180.0, 90.0, 360.0, 2, 24};
    return std::nullopt;
}

std::pair<int, int> zoom_range(const Dataset& ds, const TileMatrixSet& tms) {
    const Bounds b = transform_bounds(ds.crs(), tms.crs, ds.bounds());
    const double res = std::max((b.right - b.left) / ds.width(), (b.top - b.bottom) / ds.height());
    int maxzoom = 0;
    while (maxzoom < tms.max_zoom && tms.resolution(maxzoom) > res * (1 + 1e-9)) ++maxzoom;
    const double full = res * std::max(ds.width(), ds.height()); // the data's extent
    int minzoom = maxzoom;
    while (minzoom > 0 && tms.resolution(minzoom) * 256.0 < full) --minzoom;
    return {minzoom, maxzoom};
}

} // namespace rastio::serve
