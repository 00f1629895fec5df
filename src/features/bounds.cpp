// bounds, as rasterio.features 1.3.5: the box of a GeoJSON object's vertices (read with GDAL's
// JSON parser), optionally through a transform.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <cpl_json.h>

#include <rastio/features.hpp>

#include "error_capture.hpp"
#include "gdal_handle.hpp"

namespace rastio {

namespace {

using detail::ErrorCapture;
using detail::WarningPolicy;

bool is_number(const CPLJSONObject& o) {
    const auto t = o.GetType();
    return t == CPLJSONObject::Type::Integer || t == CPLJSONObject::Type::Long || t == CPLJSONObject::Type::Double;
}

bool has(const CPLJSONObject& o, const char* key) {
    return o.GetObj(key).IsValid();
}

/// Every vertex of nested coordinate arrays (rasterio's _explode): an array whose first member is
/// a number is a vertex.
void explode(const CPLJSONObject& coords, std::vector<double>& xs, std::vector<double>& ys) {
    if (coords.GetType() != CPLJSONObject::Type::Array) throw ArgumentError("bounds: coordinates must be arrays");
    const CPLJSONArray a = coords.ToArray();
    if (a.Size() == 0) return;
    if (is_number(a[0])) {
        if (a.Size() < 2 || !is_number(a[1])) throw ArgumentError("bounds: a vertex needs x and y");
        xs.push_back(a[0].ToDouble());
        ys.push_back(a[1].ToDouble());
        return;
    }
    for (int i = 0; i < a.Size(); ++i) explode(a[i], xs, ys);
}

Bounds ordered(double xmin, double ymin, double xmax, double ymax, bool north_up) {
    return north_up ? Bounds{xmin, ymin, xmax, ymax} : Bounds{xmin, ymax, xmax, ymin};
}

/// rasterio's _bounds.
Bounds bounds_of(const CPLJSONObject& g, bool north_up, const std::optional<Affine>& transform) {
    const char* list = has(g, "features") ? "features" : has(g, "geometries") ? "geometries" : nullptr;
    if (list) {
        const CPLJSONObject members = g.GetObj(list);
        if (members.GetType() != CPLJSONObject::Type::Array || members.ToArray().Size() == 0) {
            throw ArgumentError(std::string("bounds: \"") + list + "\" must be a non-empty array");
        }
        double xmin = std::numeric_limits<double>::infinity(), ymin = xmin, xmax = -xmin, ymax = -xmin;
        const CPLJSONArray a = members.ToArray();
        for (int i = 0; i < a.Size(); ++i) {
            // As rasterio: the members' boxes are north-up and untransformed.
            const Bounds b = bounds_of(std::string(list) == "features" ? a[i].GetObj("geometry") : a[i], true, {});
            xmin = std::min(xmin, b.left);
            ymin = std::min(ymin, b.bottom);
            xmax = std::max(xmax, b.right);
            ymax = std::max(ymax, b.top);
        }
        return ordered(xmin, ymin, xmax, ymax, north_up);
    }
    if (!has(g, "coordinates")) {
        throw ArgumentError("geometry must be a GeoJSON-like geometry, GeometryCollection, or FeatureCollection");
    }
    std::vector<double> xs, ys;
    explode(g.GetObj("coordinates"), xs, ys);
    if (xs.empty()) throw ArgumentError("bounds: the geometry has no coordinates");
    if (transform) {
        for (std::size_t i = 0; i < xs.size(); ++i) std::tie(xs[i], ys[i]) = transform->apply(xs[i], ys[i]);
    }
    const auto [xmin, xmax] = std::minmax_element(xs.begin(), xs.end());
    const auto [ymin, ymax] = std::minmax_element(ys.begin(), ys.end());
    if (transform) return {*xmin, *ymax, *xmax, *ymin};
    return ordered(*xmin, *ymin, *xmax, *ymax, north_up);
}

} // namespace

Bounds bounds(const Geometry& geometry, bool north_up, const std::optional<Affine>& transform) {
    detail::ensure_gdal();
    CPLJSONDocument doc;
    bool ok = false;
    {
        ErrorCapture quiet(WarningPolicy::drop);
        ok = doc.LoadMemory(geometry.geojson());
    }
    const CPLJSONObject root = doc.GetRoot();
    if (!ok || root.GetType() != CPLJSONObject::Type::Object) {
        throw ArgumentError("geometry must be a GeoJSON-like geometry, GeometryCollection, or FeatureCollection");
    }
    const CPLJSONObject bbox = root.GetObj("bbox");
    if (bbox.IsValid()) {
        // rasterio returns the member as it is.
        if (bbox.GetType() != CPLJSONObject::Type::Array || bbox.ToArray().Size() != 4) {
            throw ArgumentError("bounds: \"bbox\" must hold 4 numbers");
        }
        const CPLJSONArray a = bbox.ToArray();
        return {a[0].ToDouble(), a[1].ToDouble(), a[2].ToDouble(), a[3].ToDouble()};
    }
    // rasterio: geometry.get('geometry') or geometry.
    const CPLJSONObject inner = root.GetObj("geometry");
    const bool use_inner = inner.IsValid() && inner.GetType() == CPLJSONObject::Type::Object && !inner.GetChildren().empty();
    return bounds_of(use_inner ? inner : root, north_up, transform);
}

} // namespace rastio
