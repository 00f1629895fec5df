// geometry_window, raster_geometry_mask and mask, as rasterio.features and rasterio.mask 1.3.5:
// the window of a dataset holding shapes (floored offsets, ceiled far edges, intersected with the
// raster), a mask of shapes on the dataset's grid or that window, and the dataset read masked.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <rastio/features.hpp>

namespace rastio {

namespace {

/// geometry_window's window, or nothing when it shares no pixel with the raster (rasterio's
/// WindowError) and it is not boundless.
std::optional<Window> shapes_window(const Dataset& dataset, const std::vector<Geometry>& shapes, double pad_x,
                                    double pad_y, bool boundless) {
    if (shapes.empty()) throw ArgumentError("geometry_window: no shapes");
    const Affine inverse = dataset.transform().inverse();
    double col_min = std::numeric_limits<double>::infinity(), row_min = col_min, col_max = -col_min, row_max = -col_min;
    for (const auto& shape : shapes) {
        const Bounds b = bounds(shape, true, inverse);
        // rasterio lists left - pad_x, right + pad_x as columns and top - pad_y, bottom + pad_y as rows.
        col_min = std::min({col_min, b.left - pad_x, b.right + pad_x});
        col_max = std::max({col_max, b.left - pad_x, b.right + pad_x});
        row_min = std::min({row_min, b.top - pad_y, b.bottom + pad_y});
        row_max = std::max({row_max, b.top - pad_y, b.bottom + pad_y});
    }
    if (!std::isfinite(col_min) || !std::isfinite(col_max) || !std::isfinite(row_min) || !std::isfinite(row_max)) {
        throw ArgumentError("geometry_window: the shapes' coordinates are not finite");
    }
    const double col_start = std::floor(col_min), col_stop = std::ceil(col_max);
    const double row_start = std::floor(row_min), row_stop = std::ceil(row_max);
    const double width = std::max(col_stop - col_start, 0.0), height = std::max(row_stop - row_start, 0.0);
    if (boundless) {
        constexpr double k_max = std::numeric_limits<int>::max(), k_min = std::numeric_limits<int>::min();
        if (col_start < k_min || row_start < k_min || col_start > k_max || row_start > k_max || width > k_max ||
            height > k_max) {
            throw ArgumentError("geometry_window: the window is too large for a Window");
        }
        return Window(static_cast<int>(col_start), static_cast<int>(row_start), static_cast<int>(width),
                      static_cast<int>(height));
    }
    // rasterio's Window.intersection with the raster, which refuses an empty one.
    const double c0 = std::max(col_start, 0.0), r0 = std::max(row_start, 0.0);
    const double c1 = std::min(col_start + width, static_cast<double>(dataset.width()));
    const double r1 = std::min(row_start + height, static_cast<double>(dataset.height()));
    if (!(c1 - c0 > 0) || !(r1 - r0 > 0)) return std::nullopt;
    return Window(static_cast<int>(c0), static_cast<int>(r0), static_cast<int>(c1 - c0), static_cast<int>(r1 - r0));
}

/// `nodata` as numpy's filled() casts it into dtype T (unsafe casting).
template <class T>
T cast_nodata(double nodata) {
    if constexpr (std::is_floating_point_v<T>) {
        constexpr double max = static_cast<double>(std::numeric_limits<T>::max());
        if (std::isfinite(nodata) && std::abs(nodata) > max) { // beyond T: numpy's cast gives an infinity
            return nodata < 0 ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
        }
        return static_cast<T>(nodata);
    } else {
        if (std::isfinite(nodata) && nodata > static_cast<double>(std::numeric_limits<T>::min()) - 1.0 &&
            nodata < static_cast<double>(std::numeric_limits<T>::max()) + 1.0) {
            return static_cast<T>(nodata);
        }
        // Beyond T's range numpy's cast goes through int64 and wraps; NaN and infinities give 0 here.
        if (std::isfinite(nodata) && std::abs(nodata) < 9.2e18) return static_cast<T>(static_cast<std::int64_t>(nodata));
        return T{};
    }
}

} // namespace

Window geometry_window(const Dataset& dataset, const std::vector<Geometry>& shapes, double pad_x, double pad_y,
                       bool boundless) {
    const auto w = shapes_window(dataset, shapes, pad_x, pad_y, boundless);
    if (!w) throw ArgumentError("geometry_window: the shapes do not overlap the raster");
    return *w;
}

RasterGeometryMask raster_geometry_mask(const Dataset& dataset, const std::vector<Geometry>& shapes,
                                        const RasterGeometryMaskOptions& o) {
    if (o.crop && o.invert) throw ArgumentError("crop and invert cannot both be True.");
    const double pad = o.crop && o.pad ? o.pad_width : 0.0;
    const auto window = shapes_window(dataset, shapes, pad, pad, false);
    RasterGeometryMask r;
    if (!window) {
        if (o.crop) throw ArgumentError("Input shapes do not overlap raster.");
        deliver_warning(Warning{"shapes are outside bounds of raster. Are they in different coordinate reference systems?",
                                0, dataset.name()});
        r.mask = Array<std::uint8_t>(Shape{1, static_cast<std::size_t>(dataset.height()),
                                           static_cast<std::size_t>(dataset.width())});
        if (!o.invert) std::fill(r.mask.values().begin(), r.mask.values().end(), std::uint8_t{1});
        r.transform = dataset.transform();
        return r;
    }
    std::pair<int, int> out_shape{dataset.height(), dataset.width()};
    if (o.crop) {
        r.window = window;
        r.transform = dataset.window_transform(*window);
        out_shape = {window->height, window->width};
    } else {
        r.transform = dataset.transform();
    }
    r.mask = geometry_mask(shapes, out_shape, r.transform, o.all_touched, o.invert);
    return r;
}

MaskedRaster mask(const Dataset& dataset, const std::vector<Geometry>& shapes, const MaskOptions& o) {
    const double nodata = o.nodata ? *o.nodata : dataset.nodata().value_or(0.0);
    RasterGeometryMask shape_mask = raster_geometry_mask(
        dataset, shapes, {.all_touched = o.all_touched, .invert = o.invert, .crop = o.crop, .pad = o.pad, .pad_width = o.pad_width});
    ReadOptions read;
    read.bands = o.indexes;
    read.window = shape_mask.window;
    MaskedArray m = dataset.read_masked(read);
    const std::size_t plane = shape_mask.mask.size();
    if (m.mask.size() % std::max<std::size_t>(plane, 1) != 0 || m.data.size() != m.mask.size()) {
        throw ArgumentError("mask: the read does not match the mask's shape"); // cannot happen: same window
    }
    const std::uint8_t* outside = shape_mask.mask.data();
    std::uint8_t* valid = m.mask.data();
    for (std::size_t i = 0, n = m.mask.size(); i < n; ++i)
        if (outside[i % plane]) valid[i] = 0;

    MaskedRaster r;
    r.transform = shape_mask.transform;
    if (o.filled) {
        visit_dtype(m.data.dtype(), [&](auto zero) {
            using T = decltype(zero);
            if constexpr (std::is_arithmetic_v<T>) {
                const T fill = cast_nodata<T>(nodata);
                T* p = static_cast<T*>(m.data.data());
                for (std::size_t i = 0, n = m.data.size(); i < n; ++i)
                    if (!valid[i]) p[i] = fill;
            } else {
                throw ArgumentError("mask: complex dtypes cannot be filled with nodata");
            }
        });
    } else {
        r.mask = std::move(m.mask);
    }
    r.data = std::move(m.data);
    return r;
}

} // namespace rastio
