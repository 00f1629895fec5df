#pragma once
// rastio's own polygonizer: the connected regions of a band as polygons, with exactly the output
// of GDAL 3.6's GDALPolygonize / GDALFPolygonize (the same polygons in the same order, each ring
// with the same start vertex, direction and vertex list, collinear vertices kept where GDAL keeps
// them), built with hash tables instead of GDAL's ordered maps. shapes.cpp turns the polygons into
// GeoJSON; GDAL remains its fallback for what this does not handle (see polygonize()).

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace rastio::detail {

/// GDAL 3.6's GP_NODATA_MARKER: the value a masked pixel takes, and a value that is never
/// polygonized (GDAL treats a pixel that holds it as masked too).
inline constexpr std::int32_t polygonize_nodata_marker = -51502112;

/// A corner of the pixel grid: column x in 0..width, row y in 0..height.
struct GridPoint {
    std::int32_t x;
    std::int32_t y;
    friend bool operator==(const GridPoint&, const GridPoint&) = default;
};

/// Fills `values` (width pixels) with row `row` of the band, masked pixels set to
/// polygonize_nodata_marker. Called twice per row, rows in order, once per pass.
template <class T>
using PolygonRowReader = std::function<void(int row, T* values)>;

/// Receives one polygon: its value (that of the region's first pixel in GDAL's enumeration) and
/// its rings as GDAL builds them (the ring GDAL puts first is first; not reoriented). Borrows: the
/// rings live until the call returns.
template <class T>
using PolygonSink = std::function<void(T value, std::span<const std::vector<GridPoint>* const> rings)>;

/// Polygonizes a width x height band read by `read_row` with 4 or 8 connectivity: T = int32
/// (GDALPolygonize: exact equality; any integer band GDAL reads as integers no wider than int32)
/// or float (GDALFPolygonize: GDAL's equality within 10 units in the last place).
/// Returns false, before giving `sink` anything, for a band GDAL's own code does not handle
/// deterministically (a float pixel within 10 ULPs of the marker but not equal to it: GDAL then
/// indexes its id map at -1) or one with more than INT_MAX regions' ids; the caller then runs GDAL.
/// Exceptions of `read_row` and `sink` propagate.
bool polygonize(int width, int height, int connectivity, const PolygonRowReader<std::int32_t>& read_row,
                const PolygonSink<std::int32_t>& sink);
bool polygonize(int width, int height, int connectivity, const PolygonRowReader<float>& read_row,
                const PolygonSink<float>& sink);

/// GDAL 3.6's GDALFloatEquals (MAX_ULPS 10), including its wrap-around of the 32-bit difference.
bool gdal_float_equals(float a, float b) noexcept;

} // namespace rastio::detail
