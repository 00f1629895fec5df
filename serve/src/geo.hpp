#pragma once
// Private: coordinates between CRSs (rastio's warp API, failures as 400s), and the two tile
// matrix sets.

#include <optional>
#include <string>
#include <vector>

#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>

namespace rastio::serve {

/// Transforms points in place (x = longitude/easting); throws HttpError 400 when PROJ cannot.
void project_points(const CRS& from, const CRS& to, std::vector<double>& xs, std::vector<double>& ys);
/// Bounds in another CRS, densifying each edge with 21 points as rasterio does.
Bounds project_bounds(const CRS& from, const CRS& to, const Bounds& b);
/// EPSG:4326 with longitude first.
const CRS& wgs84();

/// A tile matrix set as TiTiler names it: WebMercatorQuad or WorldCRS84Quad, 256-pixel tiles.
struct TileMatrixSet {
    std::string id;
    CRS crs;
    double left, top;            ///< the origin (upper-left corner of tile 0/0/0)
    double extent_x;             ///< width of the zoom 0 matrix
    int matrix_width0;           ///< tiles across at zoom 0 (1 or 2)
    int max_zoom = 24;

    /// Bounds of tile z/x/y in this set's CRS.
    Bounds tile_bounds(int z, long long x, long long y) const;
    /// Tiles across and down at zoom z.
    long long matrix_width(int z) const;
    long long matrix_height(int z) const;
    /// Size of a pixel of a 256-pixel tile at zoom z.
    double resolution(int z) const;
};

/// The set named `id`; nothing when unknown.
std::optional<TileMatrixSet> tile_matrix_set(const std::string& id);

/// rio-tiler's (minzoom, maxzoom) of a dataset in a tile matrix set: maxzoom is the zoom whose
/// resolution is just finer than the data's, minzoom the zoom at which the data fits a tile.
std::pair<int, int> zoom_range(const Dataset& ds, const TileMatrixSet& tms);

} // namespace rastio::serve
