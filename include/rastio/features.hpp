#pragma once
/// Vector features and rasters, as rasterio.features and rasterio.mask (1.3.5): burning GeoJSON
/// geometries into arrays, masks and windows from geometries, masking a dataset with shapes.
/// Geometries are GeoJSON text (or any JSON value with dump(), such as nlohmann::json), parsed by
/// GDAL's OGR. Their coordinates are taken to be in the CRS of the raster or transform they meet:
/// nothing is reprojected (as in rasterio).

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <rastio/affine.hpp>
#include <rastio/array.hpp>
#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>
#include <rastio/window.hpp>

namespace rastio {

// --- rasterize, geometry_mask, geometry_window, bounds, mask ------------------------------------

/// A GeoJSON object as text: a geometry for rasterize() and the masks; bounds() also takes a
/// Feature or a FeatureCollection. Parsed when used, so errors name the geometry's index.
class Geometry {
public:
    explicit Geometry(std::string geojson) : m_text(std::move(geojson)) {}
    explicit Geometry(const char* geojson) : m_text(geojson) {}
    /// From a JSON value that writes itself as text (nlohmann::json's dump()).
    template <class Json>
        requires requires(const Json& j) {
            { j.dump() } -> std::convertible_to<std::string>;
        }
    explicit Geometry(const Json& value) : m_text(value.dump()) {}

    const std::string& geojson() const noexcept { return m_text; }

private:
    std::string m_text;
};

/// A value to burn, typed as numpy types a Python number: an integer or a float. The kind decides
/// rasterize()'s dtype (integers: the smallest integer dtype holding them all; any float: float32,
/// or float64 beyond float32's range).
using BurnValue = std::variant<std::int64_t, double>;

/// A geometry and the value to burn for it; without a value, rasterize()'s default_value.
struct GeometryValue {
    GeometryValue(Geometry g) : geometry(std::move(g)) {} // NOLINT(google-explicit-constructor): a geometry alone is a shape
    GeometryValue(Geometry g, BurnValue v) : geometry(std::move(g)), value(v) {}
    Geometry geometry;
    std::optional<BurnValue> value;
};

/// How rasterize() combines a burnt value with the pixel's (rasterio's MergeAlg).
enum class MergeAlg {
    replace, ///< the value overwrites the pixel
    add,     ///< the value is added to the pixel
};

/// rasterio.features.rasterize's keywords.
struct RasterizeOptions {
    /// (rows, cols) of a new array; needed unless `out` is given.
    std::optional<std::pair<int, int>> out_shape;
    /// From pixel (col, row) to the geometries' coordinates.
    Affine transform;
    /// The value of pixels no geometry covers (in a new array).
    BurnValue fill = std::int64_t{0};
    /// An existing (1, rows, cols) array to burn into, in place, instead of a new one; borrowed
    /// for the call. Its dtype must hold every value.
    AnyArray* out = nullptr;
    /// Burn every pixel a geometry touches, not only those whose center it covers (and lines'
    /// Bresenham pixels).
    bool all_touched = false;
    MergeAlg merge_alg = MergeAlg::replace;
    /// The value of geometries given without one.
    BurnValue default_value = std::int64_t{1};
    /// The dtype of a new array; none: the smallest holding the values and `fill` (rasterio's
    /// get_minimum_dtype). One of uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64.
    std::optional<DType> dtype;
};

/// Burns `shapes` into an array, as rasterio.features.rasterize: a MultiPolygon burns polygon by
/// polygon and a GeometryCollection part by part (so overlapping parts leave no holes); an
/// invalid or empty geometry is skipped with a Warning naming its index (rasterio's
/// ShapeSkipWarning). Returns the new (1, rows, cols) array, or an empty AnyArray when `out` was
/// given (it holds the result). Throws ArgumentError, as rasterio's ValueError, for a dtype not
/// listed above (for `dtype` or `out`), a fill, default or shape value the dtype cannot hold,
/// no valid geometry, no out_shape and no out, an empty shape; and for a geometry that is not
/// JSON text at all (naming its index).
///
/// Example:
///     rastio::Geometry square(R"({"type": "Polygon", "coordinates": [[[0,0],[4,0],[4,4],[0,4],[0,0]]]})");
///     rastio::AnyArray burnt = rastio::rasterize({{square, 7}}, {.out_shape = std::pair{8, 8}});
AnyArray rasterize(const std::vector<GeometryValue>& shapes, const RasterizeOptions& options = {});

/// A (1, rows, cols) mask of the geometries, as rasterio.features.geometry_mask: 1 outside them
/// and 0 inside (numpy's True/False), the other way round with `invert`.
Array<std::uint8_t> geometry_mask(const std::vector<Geometry>& geometries, std::pair<int, int> out_shape,
                                  const Affine& transform, bool all_touched = false, bool invert = false);

/// The bounding box (left, bottom, right, top) of a geometry, Feature or FeatureCollection, as
/// rasterio.features.bounds: its "bbox" member when it has one; with north_up false, bottom and
/// top swap; with a transform (e.g. a dataset's inverse), the box of the transformed vertices as
/// (min x, max y, max x, min y). As in rasterio, the transform is not applied to the members of a
/// FeatureCollection or GeometryCollection. Throws ArgumentError for text that is none of these.
Bounds bounds(const Geometry& geometry, bool north_up = true, const std::optional<Affine>& transform = {});

/// The window of `dataset` holding the shapes, padded by pad_x and pad_y pixels, as
/// rasterio.features.geometry_window: the vertices' pixel coordinates (bounds() through the
/// inverse transform), offsets floored and far edges ceiled, then intersected with the raster
/// unless `boundless`. Throws ArgumentError when the window and the raster share no pixel
/// (rasterio's WindowError), or for no shapes.
Window geometry_window(const Dataset& dataset, const std::vector<Geometry>& shapes, double pad_x = 0,
                       double pad_y = 0, bool boundless = false);

/// rasterio.mask.raster_geometry_mask's keywords.
struct RasterGeometryMaskOptions {
    bool all_touched = false;
    /// Mask the inside of the shapes instead of the outside.
    bool invert = false;
    /// Only the window holding the shapes (geometry_window), not the whole raster.
    bool crop = false;
    /// With crop: pad the window by pad_width pixels on every side.
    bool pad = false;
    double pad_width = 0.5;
};

/// What raster_geometry_mask() returns.
struct RasterGeometryMask {
    /// (1, rows, cols): 1 where masked (outside the shapes, or inside with invert), else 0.
    Array<std::uint8_t> mask;
    /// The transform of the mask's grid.
    Affine transform;
    /// The window of the dataset the mask covers, with crop.
    std::optional<Window> window;
};

/// A mask of `dataset`'s grid from shapes, as rasterio.mask.raster_geometry_mask. Shapes that do
/// not overlap the raster: with crop, ArgumentError ("Input shapes do not overlap raster.");
/// without, a Warning and a mask where every pixel is masked (unmasked with invert), as rasterio.
/// Throws ArgumentError for crop with invert.
RasterGeometryMask raster_geometry_mask(const Dataset& dataset, const std::vector<Geometry>& shapes,
                                        const RasterGeometryMaskOptions& options = {});

/// rasterio.mask.mask's keywords.
struct MaskOptions {
    bool all_touched = false;
    /// Mask the inside of the shapes instead of the outside.
    bool invert = false;
    /// The value of masked pixels when filled; none: the dataset's nodata, else 0.
    std::optional<double> nodata;
    /// Masked pixels take `nodata`; otherwise they keep their values and `mask` says which they are.
    bool filled = true;
    /// Only the window holding the shapes, not the whole raster.
    bool crop = false;
    /// With crop: pad the window by pad_width pixels on every side.
    bool pad = false;
    double pad_width = 0.5;
    /// 1-based bands to read; empty: all.
    Bands indexes;
};

/// What mask() returns.
struct MaskedRaster {
    /// (bands, rows, cols) in the dataset's dtype.
    AnyArray data;
    /// When not filled: 255 where valid, 0 where masked (the dataset's own masks, and the shapes),
    /// as MaskedArray; empty when filled.
    Array<std::uint8_t> mask;
    /// The transform of the data's grid.
    Affine transform;
};

/// Masks `dataset` with shapes, as rasterio.mask.mask: pixels outside the shapes (inside, with
/// invert), and those the dataset's masks call invalid, are masked. Refusals and warnings are
/// raster_geometry_mask()'s; ArgumentError also for a band the dataset lacks.
MaskedRaster mask(const Dataset& dataset, const std::vector<Geometry>& shapes, const MaskOptions& options = {});

} // namespace rastio

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

/// Polygons of the connected regions of equal value, exactly as GDAL 3.6's GDALPolygonize
/// (integer dtypes) or GDALFPolygonize (float32, GDAL's equality within 10 ULPs) gives them: the
/// same polygons in the same order, the same rings and vertices, the same values. rastio's own
/// polygonizer computes them (about 2.5 times faster); GDAL's runs only for a float32 band with a
/// value within 10 ULPs of GDAL's nodata marker -51502112. rasterio's rules: the source dtype must
/// be uint8, uint16, int16, int32 or float32; the mask must be uint8 and of the same shape.
/// Throws ArgumentError for another dtype, a multi-band array, a bad mask, band or connectivity;
/// IOError when reading a Dataset band fails. The array is read in place, not copied.
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
/// nothing is kept. An exception `sink` throws ends the call and propagates (on GDAL's path it is
/// rethrown once GDAL has finished its pass: GDAL 3.6 leaks when stopped early); no later shape
/// reaches `sink`.
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
