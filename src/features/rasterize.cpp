// rasterize and geometry_mask, as rasterio.features 1.3.5: rasterio's dtype rules (numpy's view of
// Python numbers: all integers are an int64 array, any float makes it float64), its splitting of
// multi-part geometries, then one GDALRasterizeGeometries call onto a MEM dataset whose band is
// the output array itself.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <cpl_conv.h>
#include <cpl_json.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_geometry.h>

#include <rastio/features.hpp>

#include "error_capture.hpp"
#include "gdal_handle.hpp"

namespace rastio {

namespace {

using detail::ErrorCapture;
using detail::WarningPolicy;

struct OgrGeometryDeleter {
    void operator()(void* g) const noexcept { OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(g)); }
};
/// A geometry OGR made, destroyed with OGR_G_DestroyGeometry.
using OgrGeometry = std::unique_ptr<void, OgrGeometryDeleter>;

struct DatasetCloser {
    void operator()(void* h) const noexcept { GDALClose(static_cast<GDALDatasetH>(h)); }
};
using MemDataset = std::unique_ptr<void, DatasetCloser>;

// --- numpy's view of the values -------------------------------------------------------------

bool is_float(const BurnValue& v) noexcept { return std::holds_alternative<double>(v); }
double as_double(const BurnValue& v) noexcept {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return std::get<double>(v);
}

bool any_float(const std::vector<BurnValue>& values) noexcept {
    for (const auto& v : values)
        if (is_float(v)) return true;
    return false;
}

const char* valid_dtypes_text() noexcept {
    return "int16, int32, uint8, uint16, uint32, float32, float64, int64, uint64";
}

bool is_valid_dtype(DType t) noexcept {
    switch (t) {
    case DType::int16: case DType::int32: case DType::uint8: case DType::uint16: case DType::uint32:
    case DType::float32: case DType::float64: case DType::int64: case DType::uint64:
        return true;
    default:
        return false;
    }
}

/// `d` in the floating type T as numpy casts it (round to nearest; beyond T's range, an infinity),
/// where a plain static_cast would be undefined.
template <class T>
T to_floating(double d) noexcept {
    if constexpr (sizeof(T) < sizeof(double)) {
        constexpr double max = static_cast<double>(std::numeric_limits<T>::max());
        // Half an ulp of T at max: what still rounds to max.
        const double half_ulp = (max - static_cast<double>(std::nextafter(std::numeric_limits<T>::max(), T{0}))) / 2;
        if (std::isfinite(d) && std::abs(d) > max) {
            if (std::abs(d) < max + half_ulp) return static_cast<T>(d < 0 ? -max : max);
            return d < 0 ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
        }
    }
    return static_cast<T>(d);
}

/// rasterio.dtypes.get_minimum_dtype of numpy's array of `values`.
DType minimum_dtype(const std::vector<BurnValue>& values) {
    if (!any_float(values)) {
        std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
        for (const auto& v : values) {
            lo = std::min(lo, std::get<std::int64_t>(v));
            hi = std::max(hi, std::get<std::int64_t>(v));
        }
        if (lo >= 0) {
            if (hi <= 255) return DType::uint8;
            if (hi <= 65535) return DType::uint16;
            if (hi <= 4294967295LL) return DType::uint32;
            return DType::uint64;
        }
        if (lo >= -32768 && hi <= 32767) return DType::int16;
        if (lo >= -2147483648LL && hi <= 2147483647LL) return DType::int32;
        return DType::int64;
    }
    // numpy's min and max propagate NaN, which then fails both comparisons.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    bool nan = false;
    for (const auto& v : values) {
        const double d = as_double(v);
        if (std::isnan(d)) nan = true;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    if (!nan && lo >= -3.4028235e+38 && hi <= 3.4028235e+38) return DType::float32;
    return DType::float64;
}

/// Whether numpy's astype(T) keeps `v`: for an int64 array, array_equal(values, values.astype(T));
/// for a float64 array, allclose(values, values.astype(T), equal_nan=True).
template <class T>
bool keeps(const BurnValue& v, bool float_array) {
    if (!float_array) {
        const std::int64_t i = std::holds_alternative<std::int64_t>(v) ? std::get<std::int64_t>(v) : 0;
        const T cast = static_cast<T>(i); // numpy's casts between integers wrap, as C++20's do
        if constexpr (std::is_floating_point_v<T>) {
            return static_cast<double>(i) == static_cast<double>(cast); // compared as float64, as numpy
        } else if constexpr (std::is_signed_v<T>) {
            return static_cast<std::int64_t>(cast) == i;
        } else {
            return i >= 0 && static_cast<std::uint64_t>(cast) == static_cast<std::uint64_t>(i);
        }
    }
    const double d = as_double(v);
    double cast = 0;
    if constexpr (std::is_floating_point_v<T>) {
        cast = static_cast<double>(to_floating<T>(d));
        if (std::isnan(d)) return std::isnan(cast);
        if (std::isinf(d) || std::isinf(cast)) return d == cast;
    } else {
        // numpy gives an unspecified integer for NaN, infinities and values out of range; never close.
        if (!std::isfinite(d) || d <= static_cast<double>(std::numeric_limits<T>::min()) - 1.0 ||
            d >= static_cast<double>(std::numeric_limits<T>::max()) + 1.0) {
            return false;
        }
        cast = static_cast<double>(static_cast<T>(d));
    }
    return std::abs(d - cast) <= 1e-8 + 1e-5 * std::abs(cast);
}

/// rasterio.dtypes.can_cast_dtype(values, t).
bool can_cast(const std::vector<BurnValue>& values, DType t) {
    const bool float_array = any_float(values);
    if ((float_array && t == DType::float64) || (!float_array && t == DType::int64)) return true;
    return visit_dtype(t, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_arithmetic_v<T>) {
            for (const auto& v : values)
                if (!keeps<T>(v, float_array)) return false;
            return true;
        } else {
            return false;
        }
    });
}

bool is_zero(const BurnValue& v) noexcept { return as_double(v) == 0.0; }
bool is_one(const BurnValue& v) noexcept { return as_double(v) == 1.0; }

/// Fills `out` with `fill` cast as numpy's ndarray.fill casts a Python number.
void fill_array(AnyArray& out, const BurnValue& fill) {
    visit_dtype(out.dtype(), [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_arithmetic_v<T>) {
            T value{};
            if (const auto* i = std::get_if<std::int64_t>(&fill)) {
                value = static_cast<T>(*i);
            } else {
                const double d = std::get<double>(fill);
                if constexpr (std::is_floating_point_v<T>) {
                    value = to_floating<T>(d);
                } else if (std::isfinite(d) && d > static_cast<double>(std::numeric_limits<T>::min()) - 1.0 &&
                           d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0) {
                    value = static_cast<T>(d);
                }
            }
            if (value == T{}) return; // the array is zero-filled already
            T* p = static_cast<T*>(out.data());
            for (std::size_t i = 0, n = out.size(); i < n; ++i) p[i] = value;
        }
    });
}

// --- a fast path for GeoJSON geometries ------------------------------------------------------

/// Reads the common GeoJSON geometries (Point, LineString, Polygon and their Multi kinds) straight
/// into OGR geometries, without the DOM OGR's own reader builds first (json-c's parse was 80% of
/// rasterizing 10,000 polygons). Anything else, or anything unusual (escapes, positions of fewer
/// than two numbers), returns null and goes to OGR_G_CreateGeometryFromJson, whose answer wins.
/// Positions keep x and y: a third coordinate plays no part in rasterizing.
class FastGeometryReader {
public:
    explicit FastGeometryReader(const std::string& text) : m_p(text.data()), m_end(text.data() + text.size()) {}

    OGRGeometry* read() {
        std::string_view type;
        const char* coords = nullptr;
        if (!object([&](std::string_view key) {
                if (key == "type") return string(type);
                if (key == "coordinates") coords = m_p;
                return skip_value();
            })) {
            return nullptr;
        }
        ws();
        if (m_p != m_end || !coords) return nullptr;
        m_p = coords;
        std::unique_ptr<OGRGeometry> g;
        if (type == "Point") {
            double x = 0, y = 0;
            if (!position(x, y)) return nullptr;
            g = std::make_unique<OGRPoint>(x, y);
        } else if (type == "LineString") {
            g.reset(line<OGRLineString>());
        } else if (type == "Polygon") {
            g.reset(polygon());
        } else if (type == "MultiPoint") {
            auto mp = std::make_unique<OGRMultiPoint>();
            if (!array([&] {
                    double x = 0, y = 0;
                    if (!position(x, y)) return false;
                    mp->addGeometryDirectly(new OGRPoint(x, y)); // NOLINT(cppcoreguidelines-owning-memory): OGR takes it
                    return true;
                })) {
                return nullptr;
            }
            g = std::move(mp);
        } else if (type == "MultiLineString") {
            auto ml = std::make_unique<OGRMultiLineString>();
            if (!array([&] {
                    OGRLineString* l = line<OGRLineString>();
                    if (l) ml->addGeometryDirectly(l);
                    return l != nullptr;
                })) {
                return nullptr;
            }
            g = std::move(ml);
        } else if (type == "MultiPolygon") {
            auto mp = std::make_unique<OGRMultiPolygon>();
            if (!array([&] {
                    OGRPolygon* poly = polygon();
                    if (poly) mp->addGeometryDirectly(poly);
                    return poly != nullptr;
                })) {
                return nullptr;
            }
            g = std::move(mp);
        }
        return g.release();
    }

private:
    void ws() {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
    }
    bool eat(char c) {
        ws();
        if (m_p == m_end || *m_p != c) return false;
        ++m_p;
        return true;
    }
    /// A string without escapes (with one: null, so OGR reads it).
    bool string(std::string_view& out) {
        if (!eat('"')) return false;
        const char* start = m_p;
        while (m_p != m_end && *m_p != '"') {
            if (*m_p == '\\') return false;
            ++m_p;
        }
        if (m_p == m_end) return false;
        out = std::string_view(start, static_cast<std::size_t>(m_p - start));
        ++m_p;
        return true;
    }
    bool number(double& v) {
        ws();
        if (fast_number(v)) return true;
        const auto r = std::from_chars(m_p, m_end, v);
        if (r.ec != std::errc()) return false;
        m_p = r.ptr;
        return true;
    }
    /// A decimal of at most 15 significant digits, at most 22 of them after the point and no
    /// exponent ("523259.097"): its integer digits m and m / 10^k, both exact in a double, give
    /// the correctly rounded value with one division, as std::from_chars would (Clinger's fast
    /// path), in a fraction of its time. Anything else: false, with nothing consumed.
    bool fast_number(double& v) {
        static constexpr std::array<double, 23> k_pow10 = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        const char* p = m_p;
        const bool negative = p != m_end && *p == '-';
        if (negative) ++p;
        std::uint64_t m = 0;
        int digits = 0, fraction = 0;
        bool any = false, point = false;
        for (; p != m_end; ++p) {
            if (*p >= '0' && *p <= '9') {
                any = true;
                if (m != 0 || *p != '0') ++digits;
                if (digits > 15) return false;
                m = m * 10 + static_cast<std::uint64_t>(*p - '0');
                if (point) ++fraction;
            } else if (*p == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (!any || fraction > 22) return false;
        if (p != m_end && (*p == 'e' || *p == 'E' || *p == 'x' || *p == 'X' || *p == 'p' || *p == 'P')) return false;
        const double magnitude = static_cast<double>(m) / k_pow10[static_cast<std::size_t>(fraction)];
        v = negative ? -magnitude : magnitude;
        m_p = p;
        return true;
    }
    template <class F>
    bool object(F&& member) {
        if (!eat('{')) return false;
        if (eat('}')) return true;
        do {
            std::string_view key;
            if (!string(key) || !eat(':') || !member(key)) return false;
        } while (eat(','));
        return eat('}');
    }
    template <class F>
    bool array(F&& item) {
        if (!eat('[')) return false;
        if (eat(']')) return true;
        do {
            if (!item()) return false;
        } while (eat(','));
        return eat(']');
    }
    bool skip_value() {
        ws();
        if (m_p == m_end) return false;
        if (*m_p == '{') return object([&](std::string_view) { return skip_value(); });
        if (*m_p == '[') return array([&] { return skip_value(); });
        if (*m_p == '"') {
            std::string_view s;
            return string(s);
        }
        for (const char* word : {"true", "false", "null"}) {
            const std::size_t n = std::strlen(word);
            if (static_cast<std::size_t>(m_end - m_p) >= n && std::memcmp(m_p, word, n) == 0) {
                m_p += n;
                return true;
            }
        }
        double d = 0;
        return number(d);
    }
    /// [x, y] or [x, y, z]; fewer than two numbers, or more than three, go to OGR.
    bool position(double& x, double& y) {
        if (!eat('[') || !number(x) || !eat(',') || !number(y)) return false;
        if (eat(',')) {
            double z = 0;
            if (!number(z)) return false;
        }
        return eat(']');
    }
    template <class Line>
    Line* line() {
        m_xs.clear();
        m_ys.clear();
        if (!array([&] {
                double x = 0, y = 0;
                if (!position(x, y)) return false;
                m_xs.push_back(x);
                m_ys.push_back(y);
                return true;
            })) {
            return nullptr;
        }
        auto l = std::make_unique<Line>();
        l->setPoints(static_cast<int>(m_xs.size()), m_xs.data(), m_ys.data());
        return l.release();
    }
    OGRPolygon* polygon() {
        auto poly = std::make_unique<OGRPolygon>();
        if (!array([&] {
                OGRLinearRing* r = line<OGRLinearRing>();
                if (r) poly->addRingDirectly(r);
                return r != nullptr;
            })) {
            return nullptr;
        }
        return poly.release();
    }

    const char* m_p;
    const char* m_end;
    std::vector<double> m_xs, m_ys;
};

// --- geometries ----------------------------------------------------------------------------

/// rasterio.features.is_valid_geom, on the geometry OGR parsed.
bool is_valid_geom(OGRGeometryH g) {
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    switch (type) {
    case wkbPoint:
        return !OGR_G_IsEmpty(g);
    case wkbLineString:
        return OGR_G_GetPointCount(g) >= 2;
    case wkbLinearRing:
        return OGR_G_GetPointCount(g) >= 4;
    case wkbMultiPoint:
        return OGR_G_GetGeometryCount(g) > 0 && !OGR_G_IsEmpty(OGR_G_GetGeometryRef(g, 0));
    case wkbMultiLineString:
        return OGR_G_GetGeometryCount(g) > 0 && OGR_G_GetPointCount(OGR_G_GetGeometryRef(g, 0)) >= 2;
    case wkbPolygon:
        return OGR_G_GetGeometryCount(g) > 0 && OGR_G_GetPointCount(OGR_G_GetGeometryRef(g, 0)) >= 4;
    case wkbMultiPolygon: {
        if (OGR_G_GetGeometryCount(g) == 0) return false;
        OGRGeometryH first = OGR_G_GetGeometryRef(g, 0);
        return OGR_G_GetGeometryCount(first) > 0 && OGR_G_GetPointCount(OGR_G_GetGeometryRef(first, 0)) >= 4;
    }
    case wkbGeometryCollection: {
        const int n = OGR_G_GetGeometryCount(g);
        if (n == 0) return false;
        for (int i = 0; i < n; ++i)
            if (!is_valid_geom(OGR_G_GetGeometryRef(g, i))) return false;
        return true;
    }
    default:
        return false;
    }
}

std::string excerpt(const std::string& text) {
    constexpr std::size_t k_max = 80;
    return text.size() <= k_max ? text : text.substr(0, k_max) + "...";
}

/// The geometries to burn and their values, in rasterio's order; owns what OGR parsed.
struct Burnable {
    std::vector<OgrGeometry> parsed;
    std::vector<OGRGeometryH> geoms; ///< parts of `parsed`, borrowed
    std::vector<double> burn;        ///< one per geoms entry
    std::vector<BurnValue> values;   ///< one per valid shape (numpy's shape_values)
};

/// What parsing some of the shapes gave: the shapes, the warnings to deliver (in order) and the
/// error that stopped it, if one did.
struct Parsed {
    Burnable b;
    std::vector<Warning> warnings;
    std::exception_ptr error;
};

/// Parses shapes [first, last) in order; stops at the first that is not JSON. Never throws.
void parse_range(const std::vector<GeometryValue>& shapes, std::size_t first, std::size_t last,
                 const BurnValue& default_value, Parsed& out) noexcept {
    try {
        Burnable& b = out.b;
        b.parsed.reserve(last - first);
        b.geoms.reserve(last - first);
        b.burn.reserve(last - first);
        b.values.reserve(last - first);
        for (std::size_t index = first; index < last; ++index) {
            const std::string& text = shapes[index].geometry.geojson();
            OgrGeometry g(OGRGeometry::ToHandle(FastGeometryReader(text).read()));
            if (!g) {
                ErrorCapture quiet(WarningPolicy::drop);
                g.reset(OGR_G_CreateGeometryFromJson(text.c_str()));
            }
            if (!g) {
                CPLJSONDocument doc;
                bool json = false;
                {
                    ErrorCapture quiet(WarningPolicy::drop);
                    json = doc.LoadMemory(text);
                }
                if (!json) throw ArgumentError("shape at index " + std::to_string(index) + " is not GeoJSON: " + excerpt(text));
            }
            auto* h = static_cast<OGRGeometryH>(g.get());
            if (!h || !is_valid_geom(h)) {
                out.warnings.push_back(Warning{"Invalid or empty shape " + excerpt(text) + " at index " +
                                                   std::to_string(index) + " will not be rasterized.",
                                               0, {}});
                continue;
            }
            const BurnValue value = shapes[index].value.value_or(default_value);
            b.values.push_back(value);
            const double burn = as_double(value);
            const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(h));
            if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
                // Part by part, as rasterio does, so that overlapping parts leave no holes.
                for (int i = 0, n = OGR_G_GetGeometryCount(h); i < n; ++i) {
                    b.geoms.push_back(OGR_G_GetGeometryRef(h, i));
                    b.burn.push_back(burn);
                }
            } else {
                b.geoms.push_back(h);
                b.burn.push_back(burn);
            }
            b.parsed.push_back(std::move(g));
        }
    } catch (...) {
        out.error = std::current_exception();
    }
}

/// Threads to parse on: one per CPU for more than a megabyte of GeoJSON (about 2,000 polygons
/// of 40 points), else one; RASTIO_RASTERIZE_STRIPS, when set, forces the count (tests).
unsigned parse_threads(const std::vector<GeometryValue>& shapes) {
    const std::size_t most = std::max<std::size_t>(1, std::min<std::size_t>(shapes.size(), 64));
    if (const char* forced = CPLGetConfigOption("RASTIO_RASTERIZE_STRIPS", nullptr)) {
        return static_cast<unsigned>(std::clamp<long>(std::strtol(forced, nullptr, 10), 1, static_cast<long>(most)));
    }
    std::size_t bytes = 0;
    for (const auto& s : shapes) bytes += s.geometry.geojson().size();
    const unsigned cpus = std::max(1U, std::thread::hardware_concurrency());
    if (cpus == 1 || bytes < (std::size_t{1} << 20)) return 1;
    return static_cast<unsigned>(std::min<std::size_t>(cpus, most));
}

/// The shapes' geometries and values, parsed on several threads when there are many; warnings
/// and the first refusal as a sequential parse gives them.
Burnable parse_shapes(const std::vector<GeometryValue>& shapes, const BurnValue& default_value) {
    detail::ensure_gdal();
    const unsigned n = parse_threads(shapes);
    std::vector<Parsed> parts(n);
    {
        std::vector<std::jthread> pool; // joined when the block ends, also when starting one throws
        pool.reserve(n - 1);
        auto range = [&](unsigned k) {
            parse_range(shapes, shapes.size() * k / n, shapes.size() * (k + 1) / n, default_value, parts[k]);
        };
        for (unsigned k = 1; k < n; ++k) pool.emplace_back(range, k);
        range(0);
    }
    if (n == 1 && parts[0].warnings.empty() && !parts[0].error) return std::move(parts[0].b);
    Burnable b;
    for (Parsed& part : parts) {
        for (const Warning& w : part.warnings) deliver_warning(w);
        if (part.error) std::rethrow_exception(part.error);
        std::move(part.b.parsed.begin(), part.b.parsed.end(), std::back_inserter(b.parsed));
        b.geoms.insert(b.geoms.end(), part.b.geoms.begin(), part.b.geoms.end());
        b.burn.insert(b.burn.end(), part.b.burn.begin(), part.b.burn.end());
        b.values.insert(b.values.end(), part.b.values.begin(), part.b.values.end());
    }
    return b;
}

std::string dtype_error(const char* what) {
    return std::string(what) + " dtype must be one of: " + valid_dtypes_text();
}

std::string cast_error(const char* what, DType t) {
    return std::string(what) + " cannot be cast to specified dtype: " + std::string(to_string(t));
}

/// The rasterize options GDAL takes.
detail::StringList burn_options(bool all_touched, MergeAlg merge_alg) {
    detail::StringList opts;
    if (all_touched) opts.add("ALL_TOUCHED", "TRUE");
    if (merge_alg == MergeAlg::add) opts.add("MERGE_ALG", "ADD");
    return opts;
}

/// Burns into band 1 of a MEM dataset over `out`'s pixels.
void burn_whole(AnyArray& out, const Burnable& b, const Affine& transform, bool all_touched, MergeAlg merge_alg) {
    const Shape& s = out.shape();
    GDALDriverH driver = GDALGetDriverByName("MEM");
    ErrorCapture errors;
    MemDataset ds(GDALCreate(driver, "", static_cast<int>(s[2]), static_cast<int>(s[1]), 0, GDT_Byte, nullptr));
    if (!ds) errors.throw_io("rasterize: cannot create an in-memory dataset", "MEM");
    auto* h = static_cast<GDALDatasetH>(ds.get());
    const std::size_t esize = dtype_size(out.dtype());
    char ptr[64] = {};
    CPLPrintPointer(ptr, out.data(), sizeof ptr);
    detail::StringList band_opts;
    band_opts.add("DATAPOINTER", ptr);
    band_opts.add("PIXELOFFSET", std::to_string(esize));
    band_opts.add("LINEOFFSET", std::to_string(esize * s[2]));
    if (GDALAddBand(h, detail::to_gdal(out.dtype()), band_opts.get()) != CE_None) {
        errors.throw_io("rasterize: cannot wrap the array for GDAL", "MEM");
    }
    std::array<double, 6> gt = transform.to_gdal();
    GDALSetGeoTransform(h, gt.data());
    detail::StringList opts = burn_options(all_touched, merge_alg);
    int band = 1;
    // GDAL takes non-const arrays it only reads.
    auto* geoms = const_cast<OGRGeometryH*>(b.geoms.data()); // NOLINT(cppcoreguidelines-pro-type-const-cast): read only
    auto* burn_values = const_cast<double*>(b.burn.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): read only
    const CPLErr err = GDALRasterizeGeometries(h, 1, &band, static_cast<int>(b.geoms.size()), geoms, nullptr, nullptr,
                                               burn_values, opts.get(), nullptr, nullptr);
    if (err != CE_None || errors.failed()) errors.throw_io("rasterize: GDAL could not burn the shapes", "MEM");
    ds.reset();
    if (errors.failed()) errors.throw_io("rasterize: GDAL could not burn the shapes", "MEM");
}

// --- burning in strips, one thread each ----------------------------------------------------

/// The band of a StripDataset: rows [m_first, m_last) are those of the output array; other rows
/// read as zeros and drop what is written to them. Borrows the array.
class StripBand final : public GDALRasterBand {
public:
    StripBand(GDALDataset* ds, AnyArray& out, int first, int last) : m_data(static_cast<std::byte*>(out.data())),
          m_esize(dtype_size(out.dtype())), m_line(m_esize * out.shape()[2]), m_first(first), m_last(last) {
        poDS = ds;
        nBand = 1;
        eDataType = detail::to_gdal(out.dtype());
        nRasterXSize = static_cast<int>(out.shape()[2]);
        nRasterYSize = static_cast<int>(out.shape()[1]);
        nBlockXSize = nRasterXSize; // one row a block, as MEM: GDAL then burns in whole-width chunks
        nBlockYSize = 1;
        eAccess = GA_Update;
    }

protected:
    CPLErr IReadBlock(int, int y, void* data) override {
        copy_row(GF_Read, y, 0, nRasterXSize, data, eDataType, static_cast<GSpacing>(m_esize));
        return CE_None;
    }
    CPLErr IWriteBlock(int, int y, void* data) override {
        copy_row(GF_Write, y, 0, nRasterXSize, data, eDataType, static_cast<GSpacing>(m_esize));
        return CE_None;
    }
    CPLErr IRasterIO(GDALRWFlag rw, int x, int y, int w, int h, void* data, int buf_w, int buf_h, GDALDataType type,
                     GSpacing pixel_space, GSpacing line_space, GDALRasterIOExtraArg* extra) override {
        if (buf_w != w || buf_h != h) {
            return GDALRasterBand::IRasterIO(rw, x, y, w, h, data, buf_w, buf_h, type, pixel_space, line_space, extra);
        }
        auto* rows = static_cast<std::byte*>(data);
        for (int i = 0; i < h; ++i) copy_row(rw, y + i, x, w, rows + i * line_space, type, pixel_space);
        return CE_None;
    }

private:
    /// Moves `w` pixels of row `y` from column `x` between the array and `buf` (GDAL's copy and
    /// conversion, as MEM's band does).
    void copy_row(GDALRWFlag rw, int y, int x, int w, void* buf, GDALDataType type, GSpacing space) const {
        const auto esize = static_cast<int>(m_esize);
        if (y < m_first || y >= m_last) {
            if (rw == GF_Read) {
                const double zero = 0;
                GDALCopyWords64(&zero, GDT_Float64, 0, buf, type, static_cast<int>(space), w);
            }
            return;
        }
        std::byte* row = m_data + static_cast<std::size_t>(y) * m_line + static_cast<std::size_t>(x) * m_esize;
        if (rw == GF_Read) {
            GDALCopyWords64(row, eDataType, esize, buf, type, static_cast<int>(space), w);
        } else {
            GDALCopyWords64(buf, type, static_cast<int>(space), row, eDataType, esize, w);
        }
    }

    std::byte* m_data;
    std::size_t m_esize;
    std::size_t m_line;
    int m_first;
    int m_last;
};

/// A dataset of the whole output's size and geotransform, writing only one strip of its rows
/// (StripBand). GDAL burns every shape in the whole output's pixel coordinates and in the same
/// row chunks as over a MEM dataset of that size, so each pixel of the strip gets what one call
/// over the whole array gives it.
class StripDataset final : public GDALDataset {
public:
    StripDataset(AnyArray& out, const std::array<double, 6>& gt, int first, int last) : m_gt(gt) {
        nRasterXSize = static_cast<int>(out.shape()[2]);
        nRasterYSize = static_cast<int>(out.shape()[1]);
        eAccess = GA_Update;
        SetBand(1, new StripBand(this, out, first, last)); // NOLINT(cppcoreguidelines-owning-memory): the dataset owns it
    }
    CPLErr GetGeoTransform(double* gt) override {
        std::copy(m_gt.begin(), m_gt.end(), gt);
        return CE_None;
    }

private:
    std::array<double, 6> m_gt;
};

/// The shapes of one strip of rows, in the order of all shapes, and what burning them gave.
struct Strip {
    int first = 0, last = 0;
    std::vector<OGRGeometryH> geoms;
    std::vector<double> burn;
    std::vector<Warning> warnings;
    std::exception_ptr error;
};

/// Burns `strip`'s shapes into its rows of `out`; errors and warnings stay in `strip`.
void burn_strip(AnyArray& out, Strip& strip, const std::array<double, 6>& gt, bool all_touched,
                MergeAlg merge_alg) noexcept {
    try {
        ErrorCapture errors(WarningPolicy::drop);
        {
            StripDataset ds(out, gt, strip.first, strip.last);
            detail::StringList opts = burn_options(all_touched, merge_alg);
            int band = 1;
            const CPLErr err = GDALRasterizeGeometries(GDALDataset::ToHandle(&ds), 1, &band,
                                                       static_cast<int>(strip.geoms.size()), strip.geoms.data(), nullptr,
                                                       nullptr, strip.burn.data(), opts.get(), nullptr, nullptr);
            strip.warnings = errors.warnings();
            if (err != CE_None || errors.failed()) errors.throw_io("rasterize: GDAL could not burn the shapes", "MEM");
        }
        if (errors.failed()) errors.throw_io("rasterize: GDAL could not burn the shapes", "MEM");
    } catch (...) {
        strip.error = std::current_exception();
    }
}

/// The rows of `out` each shape may touch, from its envelope and the inverse geotransform, two
/// rows wider each way than GDAL's own rounding could reach: shapes outside a strip by that
/// margin are left out of it, others burnt there (rows outside the strip are dropped anyway).
/// Returns false when the geotransform has no inverse (GDAL then reports it, on one thread).
bool shape_rows(const Burnable& b, const std::array<double, 6>& gt, std::vector<std::pair<double, double>>& rows,
                double& work) {
    std::array<double, 6> inv{};
    std::array<double, 6> fwd = gt;
    if (!GDALInvGeoTransform(fwd.data(), inv.data())) return false;
    rows.resize(b.geoms.size());
    work = 0;
    for (std::size_t i = 0; i < b.geoms.size(); ++i) {
        OGREnvelope e;
        OGRGeometry::FromHandle(b.geoms[i])->getEnvelope(&e);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        double left = lo, right = hi;
        for (const double x : {e.MinX, e.MaxX}) {
            for (const double y : {e.MinY, e.MaxY}) {
                const double row = inv[3] + x * inv[4] + y * inv[5];
                const double col = inv[0] + x * inv[1] + y * inv[2];
                lo = std::min(lo, row);
                hi = std::max(hi, row);
                left = std::min(left, col);
                right = std::max(right, col);
            }
        }
        if (!std::isfinite(lo) || !std::isfinite(hi)) {
            lo = -std::numeric_limits<double>::infinity();
            hi = std::numeric_limits<double>::infinity();
        } else {
            lo = std::floor(lo) - 2;
            hi = std::floor(hi) + 2;
        }
        rows[i] = {lo, hi};
        // A shape costs about its pixels plus a fixed part (its transform and edge lists).
        const double area = (std::min(hi, 1e9) - std::max(lo, -1e9)) * std::max(1.0, std::min(right - left, 1e9));
        work += 64 + (std::isfinite(area) ? area : 1e18);
    }
    return true;
}

/// How many strips to burn in: RASTIO_RASTERIZE_STRIPS (a configuration option, so that tests
/// can force small strips) or, when the shapes are work enough to pay for threads, one per CPU.
unsigned strip_count(double work, std::size_t rows, std::size_t cols) {
    if (const char* forced = CPLGetConfigOption("RASTIO_RASTERIZE_STRIPS", nullptr)) {
        const long n = std::strtol(forced, nullptr, 10);
        return static_cast<unsigned>(std::clamp<long>(n, 1, static_cast<long>(std::min<std::size_t>(rows, 64))));
    }
    const unsigned cpus = std::max(1U, std::thread::hardware_concurrency());
    // Each strip also reads and writes the whole array once (GDAL's chunk): below a quarter
    // million pixels of shapes, or an eighth of the array, one thread is as quick.
    const double pixels = static_cast<double>(rows) * static_cast<double>(cols);
    if (cpus == 1 || work < std::max(262144.0, pixels / 8)) return 1;
    return static_cast<unsigned>(std::min<std::size_t>({cpus, rows / 16, 64}));
}

/// Burns `b` into `out`: over the whole array at once, or in strips of rows on several threads
/// with the same result.
void burn(AnyArray& out, const Burnable& b, const Affine& transform, bool all_touched, MergeAlg merge_alg) {
    const Shape& s = out.shape();
    if (s[1] > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        s[2] > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw ArgumentError("rasterize: the array is too large for GDAL");
    }
    const std::array<double, 6> gt = transform.to_gdal();
    std::vector<std::pair<double, double>> rows;
    double work = 0;
    const unsigned n = shape_rows(b, gt, rows, work) ? strip_count(work, s[1], s[2]) : 1;
    if (n <= 1) {
        burn_whole(out, b, transform, all_touched, merge_alg);
        return;
    }
    const int height = static_cast<int>(s[1]);
    std::vector<Strip> strips(n);
    for (unsigned k = 0; k < n; ++k) {
        Strip& strip = strips[k];
        strip.first = static_cast<int>(static_cast<long long>(height) * k / n);
        strip.last = static_cast<int>(static_cast<long long>(height) * (k + 1) / n);
        for (std::size_t i = 0; i < b.geoms.size(); ++i) {
            if (rows[i].second < strip.first || rows[i].first >= strip.last) continue;
            strip.geoms.push_back(b.geoms[i]);
            strip.burn.push_back(b.burn[i]);
        }
    }
    {
        std::vector<std::jthread> pool; // joined when the block ends, also when starting one throws
        pool.reserve(n - 1);
        for (unsigned k = 1; k < n; ++k) {
            pool.emplace_back([&, k] { burn_strip(out, strips[k], gt, all_touched, merge_alg); });
        }
        burn_strip(out, strips[0], gt, all_touched, merge_alg);
    }
    std::vector<std::string> seen;
    for (const Strip& strip : strips) {
        for (const Warning& w : strip.warnings) {
            if (std::find(seen.begin(), seen.end(), w.message) != seen.end()) continue;
            seen.push_back(w.message);
            deliver_warning(w);
        }
    }
    for (const Strip& strip : strips)
        if (strip.error) std::rethrow_exception(strip.error);
}

} // namespace

AnyArray rasterize(const std::vector<GeometryValue>& shapes, const RasterizeOptions& o) {
    const BurnValue& fill = o.fill;
    if (!is_zero(fill) && o.dtype && !can_cast({fill}, *o.dtype)) throw ArgumentError(cast_error("fill", *o.dtype));
    if (!is_one(o.default_value) && o.dtype && !can_cast({o.default_value}, *o.dtype)) {
        throw ArgumentError(cast_error("default_value", *o.dtype));
    }
    if (o.dtype && !is_valid_dtype(*o.dtype)) throw ArgumentError(dtype_error("dtype"));

    const Burnable b = parse_shapes(shapes, o.default_value);
    if (b.geoms.empty()) throw ArgumentError("No valid geometry objects found for rasterize");

    DType dtype{};
    if (!o.dtype) {
        std::vector<BurnValue> with_fill = b.values;
        with_fill.push_back(fill);
        dtype = minimum_dtype(with_fill);
    } else {
        dtype = *o.dtype;
        if (!can_cast(b.values, dtype)) throw ArgumentError(cast_error("shape values", dtype));
    }

    AnyArray made;
    AnyArray* out = o.out;
    if (out) {
        if (!is_valid_dtype(out->dtype())) throw ArgumentError(dtype_error("out"));
        if (!can_cast(b.values, out->dtype())) throw ArgumentError(cast_error("shape values", out->dtype()));
        if (out->shape()[0] != 1) {
            throw ArgumentError("rasterize: out must have one band, shape (1, rows, cols); it has " +
                                std::to_string(out->shape()[0]));
        }
    } else if (o.out_shape) {
        if (o.out_shape->first < 0 || o.out_shape->second < 0) {
            throw ArgumentError("Invalid out_shape (" + std::to_string(o.out_shape->first) + ", " +
                                std::to_string(o.out_shape->second) + "): negative dimensions are not allowed");
        }
        made = AnyArray(dtype, Shape{1, static_cast<std::size_t>(o.out_shape->first),
                                     static_cast<std::size_t>(o.out_shape->second)});
        fill_array(made, fill);
        out = &made;
    } else {
        throw ArgumentError("Either an out_shape or image must be provided");
    }
    if (out->shape()[1] == 0 || out->shape()[2] == 0) throw ArgumentError("width and height must be > 0");
    burn(*out, b, o.transform, o.all_touched, o.merge_alg);
    return made;
}

Array<std::uint8_t> geometry_mask(const std::vector<Geometry>& geometries, std::pair<int, int> out_shape,
                                  const Affine& transform, bool all_touched, bool invert) {
    std::vector<GeometryValue> shapes(geometries.begin(), geometries.end());
    RasterizeOptions o;
    o.out_shape = out_shape;
    o.transform = transform;
    o.all_touched = all_touched;
    o.fill = std::int64_t{invert ? 0 : 1};
    o.default_value = std::int64_t{invert ? 1 : 0};
    // fill and default_value are 0 and 1: rasterio's minimum dtype, uint8, already holds the bools.
    AnyArray burnt = rasterize(shapes, o);
    return std::move(burnt.as<std::uint8_t>());
}

} // namespace rastio
