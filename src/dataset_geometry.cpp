// Geometry helpers of Dataset, computed as rasterio 1.3 computes them (same formulas, same order
// of floating-point operations, so that results agree to the last bit).

#include <rastio/dataset.hpp>

#include <algorithm>
#include <cmath>

#include <rastio/error.hpp>

namespace rastio {

namespace {

/// The inverse, with a message about pixels when the transform is degenerate.
Affine pixel_inverse(const Affine& t) {
    const double det = t.determinant();
    if (det == 0.0 || !std::isfinite(det)) {
        throw ArgumentError("cannot map coordinates to pixels: the transform " + t.to_string() + " is degenerate");
    }
    return t.inverse();
}

long long rounded(double v, Rounding op) {
    if (!std::isfinite(v) || std::abs(v) > 9.0e18) {
        throw ArgumentError("pixel coordinate " + std::to_string(v) + " is not finite or too large");
    }
    switch (op) {
    case Rounding::floor: return static_cast<long long>(std::floor(v));
    case Rounding::ceil: return static_cast<long long>(std::ceil(v));
    case Rounding::round: return static_cast<long long>(std::nearbyint(v)); // halves to even, as Python's round
    }
    return static_cast<long long>(std::floor(v));
}

} // namespace

std::pair<long long, long long> Dataset::index(double x, double y, Rounding op) const {
    const auto [col, row] = pixel_inverse(transform()).apply(x, y);
    return {rounded(row, op), rounded(col, op)};
}

std::pair<double, double> Dataset::xy(double row, double col, PixelOffset offset) const {
    double coff = 0.5, roff = 0.5;
    switch (offset) {
    case PixelOffset::center: break;
    case PixelOffset::ul: coff = 0; roff = 0; break;
    case PixelOffset::ur: coff = 1; roff = 0; break;
    case PixelOffset::ll: coff = 0; roff = 1; break;
    case PixelOffset::lr: coff = 1; roff = 1; break;
    }
    return (transform() * Affine::translation(coff, roff)).apply(col, row);
}

Bounds Dataset::window_bounds(const Window& window) const {
    const Affine t = transform();
    const double row_min = window.row_off, row_max = row_min + window.height;
    const double col_min = window.col_off, col_max = col_min + window.width;
    const auto [left, bottom] = t.apply(col_min, row_max);
    const auto [right, top] = t.apply(col_max, row_min);
    return {left, bottom, right, top};
}

Window Dataset::window_from_bounds(const Bounds& b) const {
    const Affine t = transform();
    if ((b.right - b.left) / t.a < 0 || (b.bottom - b.top) / t.e < 0) {
        throw ArgumentError("bounds (" + std::to_string(b.left) + ", " + std::to_string(b.bottom) + ", " +
                            std::to_string(b.right) + ", " + std::to_string(b.top) + ") and the transform " +
                            t.to_string() + " of " + name() + " are inconsistent (left > right or bottom > top?)");
    }
    const Affine inv = pixel_inverse(t);
    const std::array<std::pair<double, double>, 4> corners{
        inv.apply(b.left, b.top), inv.apply(b.right, b.top), inv.apply(b.right, b.bottom), inv.apply(b.left, b.bottom)};
    double cmin = corners[0].first, cmax = cmin, rmin = corners[0].second, rmax = rmin;
    for (const auto& [c, r] : corners) {
        cmin = std::min(cmin, c);
        cmax = std::max(cmax, c);
        rmin = std::min(rmin, r);
        rmax = std::max(rmax, r);
    }
    constexpr double tol = 1e-6; // float noise in pixel units
    const long long c0 = rounded(cmin + tol, Rounding::floor), c1 = rounded(cmax - tol, Rounding::ceil);
    const long long r0 = rounded(rmin + tol, Rounding::floor), r1 = rounded(rmax - tol, Rounding::ceil);
    constexpr long long lim = 2147483647LL;
    if (std::max({std::abs(c0), std::abs(c1), std::abs(r0), std::abs(r1), c1 - c0, r1 - r0}) > lim) {
        throw ArgumentError("the bounds are too far from the raster of " + name() + " for a window of int pixels");
    }
    return {static_cast<int>(c0), static_cast<int>(r0), static_cast<int>(std::max(c1 - c0, 0LL)),
            static_cast<int>(std::max(r1 - r0, 0LL))};
}

Affine Dataset::window_transform(const Window& window) const {
    const Affine t = transform();
    const auto [x, y] = t.apply(window.col_off, window.row_off);
    return Affine::translation(x - t.c, y - t.f) * t;
}

} // namespace rastio
