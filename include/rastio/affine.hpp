#pragma once
/// An affine transform from pixel (col, row) to georeferenced (x, y), as rasterio's Affine.

#include <array>
#include <string>
#include <utility>

namespace rastio {

/// x = a*col + b*row + c; y = d*col + e*row + f (the affine package's order, not GDAL's).
struct Affine {
    double a = 1.0, b = 0.0, c = 0.0;
    double d = 0.0, e = 1.0, f = 0.0;

    static Affine identity() noexcept { return {}; }
    static Affine translation(double x, double y) noexcept { return {1, 0, x, 0, 1, y}; }
    static Affine scale(double sx, double sy) noexcept { return {sx, 0, 0, 0, sy, 0}; }
    static Affine scale(double s) noexcept { return scale(s, s); }
    /// North-up transform with the upper-left corner at (west, north) and square-or-not pixels.
    static Affine from_origin(double west, double north, double xres, double yres) noexcept {
        return {xres, 0, west, 0, -yres, north};
    }
    /// From GDAL's geotransform order (c, a, b, f, d, e).
    static Affine from_gdal(const std::array<double, 6>& gt) noexcept {
        return {gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]};
    }
    /// To GDAL's geotransform order (c, a, b, f, d, e).
    std::array<double, 6> to_gdal() const noexcept { return {c, a, b, f, d, e}; }

    /// The composition: (lhs * rhs) applies rhs first.
    Affine operator*(const Affine& rhs) const noexcept;
    /// Applies the transform to (col, row), giving (x, y).
    std::pair<double, double> operator*(std::pair<double, double> col_row) const noexcept {
        return apply(col_row.first, col_row.second);
    }
    /// Applies the transform to (col, row), giving (x, y).
    std::pair<double, double> apply(double col, double row) const noexcept {
        return {a * col + b * row + c, d * col + e * row + f};
    }
    double determinant() const noexcept { return a * e - b * d; }
    /// The inverse transform; throws ArgumentError when the transform is degenerate.
    Affine inverse() const;
    bool is_identity() const noexcept { return *this == Affine{}; }
    /// Equal within `eps` in every coefficient.
    bool almost_equals(const Affine& other, double eps = 1e-9) const noexcept;

    /// The six coefficients a..f, the affine package's order.
    std::array<double, 6> to_array() const noexcept { return {a, b, c, d, e, f}; }
    /// "Affine(30.0, 0.0, 101985.0, 0.0, -30.0, 2826915.0)".
    std::string to_string() const;

    bool operator==(const Affine&) const = default;
};

} // namespace rastio
