#pragma once
/// Features of rasters, as rasterio.features 1.3.5.

// ===================================================================================================
// shapes() and sieve(): rasterio.features.shapes and rasterio.features.sieve (branch features-b).
// Self-contained: its own includes, so it can sit after the rasterize/mask part of this header.
// ===================================================================================================

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include <rastio/affine.hpp>
#include <rastio/array.hpp>
#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>

namespace rastio {

/// One band of pixels: a single-band array (bands, rows, cols) = (1, rows, cols), or band `index`
/// (1-based) of an open Dataset (rasterio's Band, or its (dataset, bidx) tuple).
/// Borrows: the caller keeps the array or dataset alive and unchanged while a call uses it.
class BandRef {
public:
    template <Pixel T>
    BandRef(const Array<T>& array) noexcept // NOLINT(google-explicit-constructor): an array is a band
        : m_data(array.data()), m_dtype(dtype_of<T>), m_shape(array.shape()) {}
    BandRef(const AnyArray& array) noexcept // NOLINT(google-explicit-constructor): so is an AnyArray
        : m_data(array.data()), m_dtype(array.dtype()), m_shape(array.shape()) {}
    BandRef(const Dataset& dataset, int index) noexcept : m_dataset(&dataset), m_index(index) {}

    /// The dataset, or null for an array.
    const Dataset* dataset() const noexcept { return m_dataset; }
    /// The 1-based band of the dataset (0 for an array).
    int index() const noexcept { return m_index; }
    /// The array's pixels, dtype and shape (null, uint8 and zeros for a dataset band).
    const void* data() const noexcept { return m_data; }
    DType dtype() const noexcept { return m_dtype; }
    const Shape& shape() const noexcept { return m_shape; }

private:
    const void* m_data = nullptr;
    DType m_dtype = DType::uint8;
    Shape m_shape{};
    const Dataset* m_dataset = nullptr;
    int m_index = 0;
};

/// rasterio.features.shapes' keywords.
struct ShapesOptions {
    /// Which pixels take part: a uint8 band of the source's shape, 0 = left out, anything else =
    /// in (rasterio's sense, the inverse of numpy.ma's; rasterio's bool masks are uint8 0/1 here).
    std::optional<BandRef> mask;
    /// 4 or 8: pixels joined through their edges only, or through their corners too.
    int connectivity = 4;
    /// From (col, row) to the coordinates of the polygons. A Dataset band uses its dataset's own
    /// geotransform instead (GDAL reads it from the band; rasterio ignores `transform` then too).
    Affine transform;
};

/// One connected region of equal pixels: its polygon, a GeoJSON geometry ({"type": "Polygon",
/// "coordinates": [[[x, y], ...], ...]}, exterior ring first), and its pixel value.
struct RegionShape {
    nlohmann::json geometry;
    /// The value as GDAL reports it (an int32 for integer sources, a float32 for float32), as a
    /// double: rasterio 1.3.5 yields a float for every dtype too.
    double value = 0;
};

/// Polygons of the connected regions of equal value, in GDAL's order (GDALPolygonize for
/// integer dtypes, GDALFPolygonize for float32), with rasterio's rules: the source dtype must be
/// uint8, uint16, int16, int32 or float32; the mask must be uint8 and of the same shape.
/// Throws ArgumentError for another dtype, a multi-band array, a bad mask, band or connectivity;
/// IOError when GDAL fails. The array is wrapped for GDAL, not copied.
///
/// Returns them all (rasterio's generator materialises GDAL's whole layer before it yields the
/// first shape as well): use for_each_shape() to take them one at a time without keeping them.
///
/// Example:
///     auto ds = rastio::open("classes.tif");
///     auto classes = ds.read_as<std::uint8_t>({1});
///     for (const auto& s : rastio::shapes(classes, {.transform = ds.transform()}))
///         std::cout << s.value << " " << s.geometry.dump() << "\n";
std::vector<RegionShape> shapes(const BandRef& source, const ShapesOptions& options = {});

/// The same for a masked array (rasterio's numpy.ma source): its mask (255 valid, 0 not) says
/// which pixels take part, unless options.mask is given.
std::vector<RegionShape> shapes(const MaskedArray& source, const ShapesOptions& options = {});

/// The same, handing each shape to `sink` as soon as GDAL completes it, in the same order;
/// nothing is kept. An exception `sink` throws is rethrown once GDAL has finished its pass (GDAL
/// 3.6 leaks when stopped early); no later shape reaches `sink`.
void for_each_shape(const BandRef& source, const ShapesOptions& options,
                    const std::function<void(RegionShape&&)>& sink);

/// rasterio.features.sieve's keywords.
struct SieveOptions {
    /// Which pixels take part, as in ShapesOptions::mask.
    std::optional<BandRef> mask;
    /// 4 or 8, as in ShapesOptions::connectivity.
    int connectivity = 4;
};

/// The source with every region smaller than `size` pixels replaced by the value of its
/// largest neighbour (GDALSieveFilter). rasterio's rules: the dtype must be uint8, uint16, int16
/// or int32, and 0 < size <= rows * cols. Returns a (1, rows, cols) array of the source's dtype.
/// Throws ArgumentError for a bad dtype, size, connectivity or mask; IOError when GDAL fails.
AnyArray sieve(const BandRef& source, long long size, const SieveOptions& options = {});

/// The same into `out` (rasterio's out=): a (1, rows, cols) array of the source's dtype, written
/// in place. Borrows `out` for the call.
void sieve(const BandRef& source, long long size, AnyArray& out, const SieveOptions& options = {});
/// The byte-level work of sieve(..., out, ...): `out` holds shape's pixels of dtype `t`.
void sieve_into(const BandRef& source, long long size, DType t, const Shape& shape, void* out,
                const SieveOptions& options);
template <Pixel T>
void sieve(const BandRef& source, long long size, Array<T>& out, const SieveOptions& options = {}) {
    sieve_into(source, size, dtype_of<T>, out.shape(), out.data(), options);
}

/// GeoJSON geometries from `src_crs` to `dst_crs`, as rasterio.warp.transform_geom with its
/// defaults (1.3.5 on GDAL >= 2.2): OGR transforms each one (OGRGeometryFactory::
/// transformWithOptions, which splits at the antimeridian when GDAL sees it crossed); when
/// `precision` >= 0, coordinates are then rounded to that many decimals as Python's round().
/// Throws ArgumentError for an empty or unknown CRS or a geometry OGR cannot read, Error when
/// PROJ cannot transform one.
std::vector<nlohmann::json> transform_geom(const CRS& src_crs, const CRS& dst_crs,
                                           const std::vector<nlohmann::json>& geometries, int precision = -1);

} // namespace rastio
