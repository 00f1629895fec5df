// Geometry helpers of Dataset, computed as rasterio 1.3 computes them (same formulas, same order
// of floating-point operations, so that results agree to the last bit).

#include <rastio/dataset.hpp>

#include <algorithm>
#include <array>
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

Window Dataset::clip_window(const Bounds& b, bool with_complement) const {
    const Affine t = transform();
    if (t.b != 0.0 || t.d != 0.0) {
        throw ArgumentError("cannot clip " + name() + ": its transform " + t.to_string() +
                            " is rotated or sheared (warp it first)");
    }
    const auto text = [](const Bounds& x) {
        return "(" + std::to_string(x.left) + ", " + std::to_string(x.bottom) + ", " + std::to_string(x.right) + ", " +
               std::to_string(x.top) + ")";
    };
    // rasterio's disjoint_bounds: bounds and raster of opposite orientation cannot be compared.
    const Bounds r = bounds();
    const bool b_north_up = b.top > b.bottom, r_north_up = r.top > r.bottom;
    if (!b_north_up && r_north_up) {
        throw ArgumentError("bounds " + text(b) + " are south-up (bottom > top) but " + name() + " is north-up");
    }
    const bool disjoint = b_north_up ? (b.left > r.right || r.left > b.right || b.bottom > r.top || r.bottom > b.top)
                                     : (b.left > r.right || r.left > b.right || b.top > r.bottom || r.top > b.bottom);
    if (disjoint) throw ArgumentError("bounds " + text(b) + " do not overlap " + name() + "'s " + text(r));
    if ((b.right - b.left) / t.a < 0 || (b.bottom - b.top) / t.e < 0) {
        throw ArgumentError("bounds " + text(b) + " and the transform " + t.to_string() + " of " + name() +
                            " are inconsistent (left > right or bottom > top?)");
    }
    // from_bounds: the corners in fractional pixels, in rasterio's order of operations.
    const Affine inv = pixel_inverse(t);
    const std::array<std::pair<double, double>, 4> corners{
        inv.apply(b.left, b.top), inv.apply(b.right, b.top), inv.apply(b.right, b.bottom), inv.apply(b.left, b.bottom)};
    double c0 = corners[0].first, c1 = c0, r0 = corners[0].second, r1 = r0;
    for (const auto& [c, rr] : corners) {
        c0 = std::min(c0, c);
        c1 = std::max(c1, c);
        r0 = std::min(r0, rr);
        r1 = std::max(r1, rr);
    }
    double col_off = c0, row_off = r0, w = std::max(c1 - c0, 0.0), h = std::max(r1 - r0, 0.0);
    if (!with_complement) {
        // Window.intersection with the raster (rasterio's _compute_intersection).
        const double ic = std::max(col_off, 0.0), ir = std::max(row_off, 0.0);
        const double iw = std::min(col_off + w, static_cast<double>(width())) - ic;
        const double ih = std::min(row_off + h, static_cast<double>(height())) - ir;
        if (!(iw > 0 && ih > 0)) throw ArgumentError("bounds " + text(b) + " only touch " + name() + "'s " + text(r));
        col_off = ic;
        row_off = ir;
        w = iw;
        h = ih;
    }
    // round_lengths, then round_offsets.
    const long long rw = rounded(w + 0.5, Rounding::floor), rh = rounded(h + 0.5, Rounding::floor);
    const long long rc = rounded(col_off + 0.001, Rounding::floor), rr = rounded(row_off + 0.001, Rounding::floor);
    constexpr long long lim = 2147483647LL;
    if (std::max({std::abs(rc), std::abs(rr), rw, rh}) > lim) {
        throw ArgumentError("bounds " + text(b) + " are too large for a window of int pixels of " + name());
    }
    if (rw == 0 || rh == 0) throw ArgumentError("bounds " + text(b) + " hold less than half a pixel of " + name());
    return {static_cast<int>(rc), static_cast<int>(rr), static_cast<int>(rw), static_cast<int>(rh)};
}

Affine Dataset::window_transform(const Window& window) const {
    const Affine t = transform();
    const auto [x, y] = t.apply(window.col_off, window.row_off);
    return Affine::translation(x - t.c, y - t.f) * t;
}

} // namespace rastio
