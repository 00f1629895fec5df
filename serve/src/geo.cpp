// Coordinates through PROJ (GDAL's OSR), and tile matrix sets.
#include "geo.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <rastio/error.hpp>
#include <rastio/warp.hpp>

#include "types.hpp"

namespace rastio::serve {

namespace {

constexpr double web_mercator_half = 20037508.342789244;

} // namespace

const CRS& wgs84() {
    static const CRS c = CRS::from_epsg(4326);
    return c;
}

void project_points(const CRS& from, const CRS& to, std::vector<double>& xs, std::vector<double>& ys) {
    if (from.empty()) throw HttpError(400, "url: the dataset has no CRS");
    if (from == to) return;
    try {
        Points p = rastio::transform(from, to, xs, ys);
        xs = std::move(p.xs);
        ys = std::move(p.ys);
    } catch (const rastio::Error&) {
        xs.assign(xs.size(), std::nan(""));
        ys.assign(ys.size(), std::nan(""));
    }
}

Bounds project_bounds(const CRS& from, const CRS& to, const Bounds& b) {
    if (from.empty()) throw HttpError(400, "url: the dataset has no CRS");
    if (from == to) return b;
    try {
        return rastio::transform_bounds(from, to, b);
    } catch (const rastio::Error& e) {
        throw HttpError(400, std::string("cannot transform bounds: ") + e.what());
    }
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
    const Bounds b = project_bounds(ds.crs(), tms.crs, ds.bounds());
    const double res = std::max((b.right - b.left) / ds.width(), (b.top - b.bottom) / ds.height());
    int maxzoom = 0;
    while (maxzoom < tms.max_zoom && tms.resolution(maxzoom) > res * (1 + 1e-9)) ++maxzoom;
    const double full = res * std::max(ds.width(), ds.height()); // the data's extent
    int minzoom = maxzoom;
    while (minzoom > 0 && tms.resolution(minzoom) * 256.0 < full) --minzoom;
    return {minzoom, maxzoom};
}

} // namespace rastio::serve
