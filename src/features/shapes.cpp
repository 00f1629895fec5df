// shapes() and sieve(), as rasterio.features 1.3.5. shapes() runs rastio's own polygonizer
// (polygonize.cpp: GDAL 3.6's GDALPolygonize / GDALFPolygonize output, exactly, in less time) and
// falls back to GDAL's for the bands that one leaves to it; sieve() runs GDALSieveFilter. GDAL
// works over MEM datasets wrapping the caller's arrays (no copy) or a Dataset's band.
#include <rastio/features.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <exception>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <cpl_conv.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <rastio/error.hpp>

#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "features/polygonize.hpp"
#include "gdal_handle.hpp"
#include "warp_internal.hpp"

namespace rastio {

namespace {

using detail::DatasetAccess;
using detail::DatasetHandle;
using detail::DatasetUse;
using detail::ErrorCapture;
using Json = nlohmann::json;

/// A band ready for GDAL: a MEM dataset over an array, or a held Dataset band.
struct OpenBand {
    OpenBand() = default;
    OpenBand(const OpenBand&) = delete;
    OpenBand& operator=(const OpenBand&) = delete;
    OpenBand(OpenBand&&) = delete;
    OpenBand& operator=(OpenBand&&) = delete;
    ~OpenBand() = default;

    std::optional<DatasetUse> use;
    DatasetHandle mem;
    GDALRasterBandH band = nullptr;
    /// The pixels of an array source (null for a Dataset band).
    const void* data = nullptr;
    DType dtype = DType::uint8;
    std::size_t rows = 0;
    std::size_t cols = 0;
};

/// Wraps `rows` x `cols` pixels of dtype `t` at `data` as a one-band MEM dataset (no copy),
/// georeferenced by `transform` when given. Borrows `data` while `ob` lives.
void wrap_plane(OpenBand& ob, void* data, DType t, std::size_t rows, std::size_t cols, const Affine* transform,
                const std::string& what, const char* role) {
    constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
    if (rows > int_max || cols > int_max) throw ArgumentError(what + ": the " + role + " array is too large for GDAL");
    ob.dtype = t;
    ob.rows = rows;
    ob.cols = cols;
    ob.mem = detail::mem_dataset(static_cast<int>(cols), static_cast<int>(rows));
    char ptr[64] = {};
    CPLPrintPointer(ptr, data, sizeof ptr);
    detail::StringList opts;
    opts.add("DATAPOINTER", ptr);
    opts.add("PIXELOFFSET", std::to_string(dtype_size(t)));
    opts.add("LINEOFFSET", std::to_string(dtype_size(t) * cols));
    ErrorCapture errors;
    if (GDALAddBand(ob.mem.get(), detail::to_gdal(t), opts.get()) != CE_None) {
        errors.throw_io(what + ": cannot wrap the " + std::string(role) + " array for GDAL", "MEM");
    }
    if (transform) {
        auto gt = transform->to_gdal();
        GDALSetGeoTransform(ob.mem.get(), gt.data());
    }
    ob.band = GDALGetRasterBand(ob.mem.get(), 1);
}

/// Opens `ref` for GDAL; `what` names the call and `role` the argument in messages. An array is
/// wrapped, not copied; GDAL writes into it only when it is a destination.
void open_band(OpenBand& ob, const BandRef& ref, const Affine* transform, const std::string& what,
               const char* role) {
    if (const Dataset* ds = ref.dataset()) {
        ob.use.emplace(DatasetAccess::state(*ds));
        const int count = ds->count();
        if (ref.index() < 1 || ref.index() > count) {
            throw ArgumentError(what + ": " + role + " band " + std::to_string(ref.index()) + " is out of range: " +
                                ds->name() + " has " + std::to_string(count) + " band(s)");
        }
        ob.band = GDALGetRasterBand(ob.use->handle(), ref.index());
        ob.dtype = ds->dtypes().at(static_cast<std::size_t>(ref.index() - 1));
        ob.rows = static_cast<std::size_t>(ds->height());
        ob.cols = static_cast<std::size_t>(ds->width());
        return;
    }
    const Shape& s = ref.shape();
    if (s[0] != 1) {
        throw ArgumentError(what + ": the " + role + " array has " + std::to_string(s[0]) +
                            " bands; give one band, shape (1, rows, cols)");
    }
    if (s[1] == 0 || s[2] == 0) throw ArgumentError(what + ": the " + role + " array has no pixels");
    ob.data = ref.data();
    // GDAL reads a source through this pointer and never writes to it.
    wrap_plane(ob, const_cast<void*>(ref.data()), ref.dtype(), s[1], s[2], transform, what, role); // NOLINT(cppcoreguidelines-pro-type-const-cast): see above
}

std::string dtype_list(std::initializer_list<DType> types) {
    std::string out;
    for (DType t : types) out += (out.empty() ? "" : ", ") + std::string(to_string(t));
    return out;
}

void check_connectivity(int connectivity, const std::string& what) {
    if (connectivity != 4 && connectivity != 8) {
        throw ArgumentError(what + ": connectivity must be 4 or 8, not " + std::to_string(connectivity));
    }
}

/// Opens the mask, checking rasterio's rules (uint8, the source's shape).
void open_mask(OpenBand& mask, const BandRef& ref, const OpenBand& source, const Affine* transform,
               const std::string& what) {
    open_band(mask, ref, transform, what, "mask");
    if (mask.rows != source.rows || mask.cols != source.cols) {
        throw ArgumentError(what + ": the mask is " + std::to_string(mask.rows) + "x" + std::to_string(mask.cols) +
                            " but the source is " + std::to_string(source.rows) + "x" + std::to_string(source.cols) +
                            "; they must have the same shape");
    }
    if (mask.dtype != DType::uint8) {
        throw ArgumentError(what + ": the mask must be uint8 (0 = left out), not " + std::string(to_string(mask.dtype)));
    }
}

Json xy(double x, double y) {
    Json p(Json::value_t::array);
    auto& a = p.get_ref<Json::array_t&>();
    a.reserve(2);
    a.emplace_back(x);
    a.emplace_back(y);
    return p;
}

Json xyz(const OGRSimpleCurve& c, int i, bool z) {
    if (!z) return xy(c.getX(i), c.getY(i));
    Json p(Json::value_t::array);
    auto& a = p.get_ref<Json::array_t&>();
    a.reserve(3);
    a.emplace_back(c.getX(i));
    a.emplace_back(c.getY(i));
    a.emplace_back(c.getZ(i));
    return p;
}

Json curve_coords(const OGRSimpleCurve& c, bool z) {
    Json out(Json::value_t::array);
    auto& a = out.get_ref<Json::array_t&>();
    const int n = c.getNumPoints();
    a.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) a.push_back(xyz(c, i, z));
    return out;
}

Json polygon_coords(const OGRPolygon& p, bool z) {
    Json out(Json::value_t::array);
    auto& a = out.get_ref<Json::array_t&>();
    a.reserve(static_cast<std::size_t>(p.getNumInteriorRings()) + 1);
    if (const OGRLinearRing* ext = p.getExteriorRing()) a.push_back(curve_coords(*ext, z));
    for (int i = 0; i < p.getNumInteriorRings(); ++i) a.push_back(curve_coords(*p.getInteriorRing(i), z));
    return out;
}

/// rasterio's GeomBuilder: {"type", "coordinates"} with [x, y] (or [x, y, z]) positions.
Json geometry_json(const OGRGeometry& g) {
    const bool z = g.getCoordinateDimension() > 2;
    const OGRwkbGeometryType t = wkbFlatten(g.getGeometryType());
    Json out(Json::value_t::object);
    switch (t) {
    case wkbPoint: {
        const auto& p = *g.toPoint();
        out["type"] = "Point";
        out["coordinates"] = z ? Json::array({p.getX(), p.getY(), p.getZ()}) : xy(p.getX(), p.getY());
        break;
    }
    case wkbLineString:
        out["type"] = g.getGeometryName() == std::string("LINEARRING") ? "LinearRing" : "LineString";
        out["coordinates"] = curve_coords(*g.toSimpleCurve(), z);
        break;
    case wkbPolygon:
        out["type"] = "Polygon";
        out["coordinates"] = polygon_coords(*g.toPolygon(), z);
        break;
    case wkbMultiPoint:
    case wkbMultiLineString:
    case wkbMultiPolygon: {
        out["type"] = t == wkbMultiPoint ? "MultiPoint" : t == wkbMultiLineString ? "MultiLineString" : "MultiPolygon";
        Json parts(Json::value_t::array);
        for (const OGRGeometry* part : *g.toGeometryCollection()) parts.push_back(geometry_json(*part).at("coordinates"));
        out["coordinates"] = std::move(parts);
        break;
    }
    case wkbGeometryCollection: {
        out["type"] = "GeometryCollection";
        Json parts(Json::value_t::array);
        for (const OGRGeometry* part : *g.toGeometryCollection()) parts.push_back(geometry_json(*part));
        out["geometries"] = std::move(parts);
        break;
    }
    default:
        throw ArgumentError(std::string("cannot write a ") + g.getGeometryName() + " as GeoJSON");
    }
    return out;
}

/// An OGR layer that keeps nothing: GDALPolygonize's features go straight to a sink, which saves
/// the Memory driver's copy of every feature.
class SinkLayer final : public OGRLayer {
public:
    SinkLayer(bool is_float, const std::function<void(RegionShape&&)>& sink)
        : m_defn(new OGRFeatureDefn("polygons")), m_float(is_float), m_sink(sink) {
        m_defn->Reference();
        m_defn->SetGeomType(wkbPolygon);
        OGRFieldDefn field("image_value", is_float ? OFTReal : OFTInteger);
        m_defn->AddFieldDefn(&field);
    }
    SinkLayer(const SinkLayer&) = delete;
    SinkLayer& operator=(const SinkLayer&) = delete;
    SinkLayer(SinkLayer&&) = delete;
    SinkLayer& operator=(SinkLayer&&) = delete;
    ~SinkLayer() override { m_defn->Release(); }

    void ResetReading() override {}
    OGRFeature* GetNextFeature() override { return nullptr; }
    OGRFeatureDefn* GetLayerDefn() override { return m_defn; }
    int TestCapability(const char* cap) override { return EQUAL(cap, OLCSequentialWrite) ? TRUE : FALSE; }

    /// The exception the sink threw, if any: GDAL then stopped.
    const std::exception_ptr& failure() const noexcept { return m_failure; }

protected:
    // After the sink throws, GDAL still gets OGRERR_NONE and finishes its pass: GDAL 3.6's
    // polygonizer leaks the polygons it has pending when a feature cannot be written.
    OGRErr ICreateFeature(OGRFeature* feature) override {
        if (m_failure) return OGRERR_NONE;
        try {
            RegionShape s;
            // As rasterio reads its Memory layer: the field as an int, or as a double for floats.
            s.value = m_float ? feature->GetFieldAsDouble(0) : static_cast<double>(feature->GetFieldAsInteger(0));
            if (const OGRGeometry* g = feature->GetGeometryRef()) s.geometry = geometry_json(*g);
            m_sink(std::move(s));
            return OGRERR_NONE;
        } catch (...) {
            m_failure = std::current_exception();
            return OGRERR_NONE;
        }
    }

private:
    OGRFeatureDefn* m_defn;
    bool m_float;
    const std::function<void(RegionShape&&)>& m_sink;
    std::exception_ptr m_failure;
};

/// Row `y` of `ob` as T (int32 or float, the type GDAL's polygonizers read), with the pixels whose
/// `mask` is 0 set to the polygonizer's marker as GDAL does. An array is converted in place of
/// GDAL's copy; a Dataset band is read through GDAL.
template <class T>
void read_polygonize_row(const OpenBand& ob, const OpenBand* mask, int y, T* out, std::vector<std::uint8_t>& mask_row) {
    const std::size_t w = ob.cols;
    const std::size_t off = static_cast<std::size_t>(y) * w;
    if (ob.data) {
        auto convert = [&](const auto* px) {
            for (std::size_t x = 0; x < w; ++x) out[x] = static_cast<T>(px[off + x]);
        };
        switch (ob.dtype) {
        case DType::uint8: convert(static_cast<const std::uint8_t*>(ob.data)); break;
        case DType::uint16: convert(static_cast<const std::uint16_t*>(ob.data)); break;
        case DType::int16: convert(static_cast<const std::int16_t*>(ob.data)); break;
        case DType::int32: convert(static_cast<const std::int32_t*>(ob.data)); break;
        case DType::float32: convert(static_cast<const float*>(ob.data)); break;
        default: throw Error("shapes: unexpected source dtype " + std::string(to_string(ob.dtype)));
        }
    } else {
        ErrorCapture errors;
        const GDALDataType t = std::is_same_v<T, float> ? GDT_Float32 : GDT_Int32;
        if (GDALRasterIO(ob.band, GF_Read, 0, y, static_cast<int>(w), 1, out, static_cast<int>(w), 1, t, 0, 0) != CE_None) {
            errors.throw_io("shapes: cannot read row " + std::to_string(y) + " of the source band", "");
        }
    }
    if (!mask) return;
    const std::uint8_t* m = nullptr;
    if (mask->data) {
        m = static_cast<const std::uint8_t*>(mask->data) + off;
    } else {
        mask_row.resize(w);
        ErrorCapture errors;
        if (GDALRasterIO(mask->band, GF_Read, 0, y, static_cast<int>(w), 1, mask_row.data(), static_cast<int>(w), 1,
                         GDT_Byte, 0, 0) != CE_None) {
            errors.throw_io("shapes: cannot read row " + std::to_string(y) + " of the mask band", "");
        }
        m = mask_row.data();
    }
    for (std::size_t x = 0; x < w; ++x) {
        if (m[x] == 0) out[x] = static_cast<T>(detail::polygonize_nodata_marker);
    }
}

/// The geotransform GDAL's polygonizer uses: the band's dataset's, or the identity.
std::array<double, 6> polygonize_geotransform(const OpenBand& ob) {
    std::array<double, 6> gt{0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
    GDALDatasetH ds = GDALGetBandDataset(ob.band);
    if (!ds || GDALGetGeoTransform(ds, gt.data()) != CE_None) gt = {0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
    return gt;
}

/// rastio's own polygonizer over `src`: GDAL 3.6's shapes in GDAL's order, each handed to `sink`
/// as GeoJSON as soon as it is complete. False when it leaves the band to GDAL (nothing was
/// handed to `sink` then).
template <class T>
bool own_polygonize(const OpenBand& src, const OpenBand* mask, int connectivity,
                    const std::function<void(RegionShape&&)>& sink) {
    const std::array<double, 6> gt = polygonize_geotransform(src);
    std::vector<std::uint8_t> mask_row;
    const detail::PolygonRowReader<T> read = [&](int y, T* out) { read_polygonize_row(src, mask, y, out, mask_row); };
    const detail::PolygonSink<T> emit = [&](T value, std::span<const std::vector<detail::GridPoint>* const> rings) {
        Json coords(Json::value_t::array);
        auto& ra = coords.get_ref<Json::array_t&>();
        ra.reserve(rings.size());
        for (const auto* ring : rings) {
            Json r(Json::value_t::array);
            auto& pa = r.get_ref<Json::array_t&>();
            pa.reserve(ring->size());
            for (const detail::GridPoint& p : *ring) {
                // GDAL's own expression and order of operations (this file is built without FP
                // contraction, so no fused multiply-add changes a coordinate).
                const double px = p.x;
                const double py = p.y;
                pa.push_back(xy(gt[0] + px * gt[1] + py * gt[2], gt[3] + px * gt[4] + py * gt[5]));
            }
            ra.push_back(std::move(r));
        }
        RegionShape s;
        s.geometry = Json(Json::value_t::object);
        s.geometry["type"] = "Polygon";
        s.geometry["coordinates"] = std::move(coords);
        // As GDAL writes the value to its field and rastio reads it back: an int or a float, as a double.
        s.value = static_cast<double>(value);
        sink(std::move(s));
    };
    return detail::polygonize(static_cast<int>(src.cols), static_cast<int>(src.rows), connectivity, read, emit);
}

void polygonize(const BandRef& source, const std::optional<BandRef>& mask_ref, int connectivity,
                const Affine& transform, const std::function<void(RegionShape&&)>& sink) {
    const std::string what = "shapes";
    detail::ensure_gdal();
    check_connectivity(connectivity, what);
    OpenBand src;
    open_band(src, source, &transform, what, "source");
    static constexpr std::initializer_list<DType> valid = {DType::int16, DType::int32, DType::uint8, DType::uint16,
                                                           DType::float32};
    if (std::find(valid.begin(), valid.end(), src.dtype) == valid.end()) {
        throw ArgumentError(what + ": the source dtype must be one of " + dtype_list(valid) + ", not " +
                            std::string(to_string(src.dtype)));
    }
    OpenBand mask;
    if (mask_ref) open_mask(mask, *mask_ref, src, &transform, what);

    const bool is_float = src.dtype == DType::float32;
    if (is_float ? own_polygonize<float>(src, mask_ref ? &mask : nullptr, connectivity, sink)
                 : own_polygonize<std::int32_t>(src, mask_ref ? &mask : nullptr, connectivity, sink)) {
        return;
    }
    SinkLayer layer(is_float, sink);
    detail::StringList opts;
    if (connectivity == 8) opts.add("8CONNECTED", "8");
    ErrorCapture errors;
    const CPLErr err = is_float ? GDALFPolygonize(src.band, mask.band, OGRLayer::ToHandle(&layer), 0, opts.get(), nullptr, nullptr)
                                : GDALPolygonize(src.band, mask.band, OGRLayer::ToHandle(&layer), 0, opts.get(), nullptr, nullptr);
    if (layer.failure()) std::rethrow_exception(layer.failure());
    if (err != CE_None || errors.failed()) errors.throw_io("shapes: GDAL could not polygonize the source", "");
}

} // namespace

void for_each_shape(const BandRef& source, const ShapesOptions& options, const std::function<void(RegionShape&&)>& sink) {
    polygonize(source, options.mask, options.connectivity, options.transform, sink);
}

std::vector<RegionShape> shapes(const BandRef& source, const ShapesOptions& options) {
    std::vector<RegionShape> out;
    for_each_shape(source, options, [&](RegionShape&& s) { out.push_back(std::move(s)); });
    return out;
}

namespace {

struct geometry_destroy {
    void operator()(OGRGeometry* g) const noexcept { OGRGeometryFactory::destroyGeometry(g); }
};
/// A geometry OGR made, destroyed by OGR.
using GeometryPtr = std::unique_ptr<OGRGeometry, geometry_destroy>;

/// Python's round(v, digits): correctly rounded to the nearest decimal, ties to even.
double py_round(double v, int digits) {
    if (!std::isfinite(v)) return v;
    char buf[512];
    const int n = std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return v; // beyond 1e400: already whole
    return std::strtod(buf, nullptr);
}

void round_coords(Json& j, int digits) {
    if (j.is_number()) {
        j = py_round(j.get<double>(), digits);
    } else if (j.is_array()) {
        for (auto& item : j) round_coords(item, digits);
    }
}

} // namespace

std::vector<Json> transform_geom(const CRS& src_crs, const CRS& dst_crs, const std::vector<Json>& geometries,
                                 int precision) {
    detail::ensure_gdal();
    auto ct = detail::make_transformation(src_crs, dst_crs);
    auto* poct = OGRCoordinateTransformation::FromHandle(ct.get());
    std::vector<Json> out;
    out.reserve(geometries.size());
    const OGRGeometryFactory::TransformWithOptionsCache cache;
    for (std::size_t i = 0; i < geometries.size(); ++i) {
        ErrorCapture errors;
        const GeometryPtr src(OGRGeometry::FromHandle(OGR_G_CreateGeometryFromJson(geometries[i].dump().c_str())));
        if (!src) {
            throw ArgumentError("transform_geom: geometry " + std::to_string(i) + " is not a GeoJSON geometry OGR reads" +
                                (errors.message().empty() ? "" : ": " + errors.message()));
        }
        const GeometryPtr dst(OGRGeometryFactory::transformWithOptions(src.get(), poct, nullptr, cache));
        if (!dst) {
            throw Error("transform_geom: cannot transform geometry " + std::to_string(i) + " from " + src_crs.to_string() +
                        " to " + dst_crs.to_string() + (errors.message().empty() ? "" : ": " + errors.message()));
        }
        Json g = geometry_json(*dst);
        if (precision >= 0) {
            if (g.contains("coordinates")) round_coords(g["coordinates"], precision);
        }
        out.push_back(std::move(g));
    }
    return out;
}

std::vector<RegionShape> shapes(const MaskedArray& source, const ShapesOptions& options) {
    if (options.mask) return shapes(BandRef(source.data), options);
    ShapesOptions o = options;
    o.mask.emplace(source.mask);
    return shapes(BandRef(source.data), o);
}

void sieve_into(const BandRef& source, long long size, DType t, const Shape& shape, void* out,
                const SieveOptions& options) {
    const std::string what = "sieve";
    detail::ensure_gdal();
    OpenBand src;
    open_band(src, source, nullptr, what, "source");
    static constexpr std::initializer_list<DType> valid = {DType::int16, DType::int32, DType::uint8, DType::uint16};
    if (std::find(valid.begin(), valid.end(), src.dtype) == valid.end()) {
        throw ArgumentError(what + ": the source dtype must be one of " + dtype_list(valid) + ", not " +
                            std::string(to_string(src.dtype)));
    }
    if (size <= 0) throw ArgumentError(what + ": size must be greater than 0, not " + std::to_string(size));
    if (static_cast<unsigned long long>(size) > src.rows * src.cols) {
        throw ArgumentError(what + ": size " + std::to_string(size) + " must not exceed the source's " +
                            std::to_string(src.rows * src.cols) + " pixels");
    }
    if (size > std::numeric_limits<int>::max()) throw ArgumentError(what + ": size is too large for GDAL");
    check_connectivity(options.connectivity, what);
    if (shape != Shape{1, src.rows, src.cols}) {
        throw ArgumentError(what + ": out must have shape (1, " + std::to_string(src.rows) + ", " +
                            std::to_string(src.cols) + "), the source's, not (" + std::to_string(shape[0]) + ", " +
                            std::to_string(shape[1]) + ", " + std::to_string(shape[2]) + ")");
    }
    if (t != src.dtype) {
        throw ArgumentError(what + ": out must have the source's dtype " + std::string(to_string(src.dtype)) + ", not " +
                            std::string(to_string(t)));
    }
    OpenBand mask;
    if (options.mask) open_mask(mask, *options.mask, src, nullptr, what);
    OpenBand dst;
    wrap_plane(dst, out, t, src.rows, src.cols, nullptr, what, "out");
    ErrorCapture errors;
    const CPLErr err = GDALSieveFilter(src.band, mask.band, dst.band, static_cast<int>(size), options.connectivity,
                                       nullptr, nullptr, nullptr);
    // Closing the wrapper flushes any block GDAL still caches into `out`.
    dst.band = nullptr;
    dst.mem.reset();
    if (err != CE_None || errors.failed()) errors.throw_io("sieve: GDAL could not sieve the source", "");
}

void sieve(const BandRef& source, long long size, AnyArray& out, const SieveOptions& options) {
    sieve_into(source, size, out.dtype(), out.shape(), out.data(), options);
}

AnyArray sieve(const BandRef& source, long long size, const SieveOptions& options) {
    Shape shape = source.shape();
    DType t = source.dtype();
    if (const Dataset* ds = source.dataset()) {
        const int count = ds->count();
        if (source.index() < 1 || source.index() > count) {
            throw ArgumentError("sieve: source band " + std::to_string(source.index()) + " is out of range: " +
                                ds->name() + " has " + std::to_string(count) + " band(s)");
        }
        shape = Shape{1, static_cast<std::size_t>(ds->height()), static_cast<std::size_t>(ds->width())};
        t = ds->dtypes().at(static_cast<std::size_t>(source.index() - 1));
    }
    // rasterio's np.zeros(source.shape, source.dtype): a refused call never allocates a bad shape.
    AnyArray out(t, Shape{1, shape[1], shape[2]});
    sieve_into(source, size, t, out.shape(), out.data(), options);
    return out;
}

} // namespace rastio
