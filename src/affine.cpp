#include <rastio/affine.hpp>

#include <cmath>
#include <cstdio>

#include <rastio/error.hpp>

namespace rastio {

Affine Affine::operator*(const Affine& r) const noexcept {
    return {a * r.a + b * r.d,     a * r.b + b * r.e,     a * r.c + b * r.f + c,
            d * r.a + e * r.d,     d * r.b + e * r.e,     d * r.c + e * r.f + f};
}

Affine Affine::inverse() const {
    const double det = determinant();
    if (det == 0.0 || !std::isfinite(det)) {
        throw ArgumentError("cannot invert " + to_string() + ": it is degenerate (determinant " +
                            std::to_string(det) + ")");
    }
    // Multiplying by the reciprocal, as the affine package does, gives bit-equal results to rasterio's.
    const double idet = 1.0 / det;
    const double ra = e * idet, rb = -b * idet, rd = -d * idet, re = a * idet;
    return {ra, rb, -c * ra - f * rb, rd, re, -c * rd - f * re};
}

bool Affine::almost_equals(const Affine& o, double eps) const noexcept {
    return std::abs(a - o.a) <= eps && std::abs(b - o.b) <= eps && std::abs(c - o.c) <= eps &&
           std::abs(d - o.d) <= eps && std::abs(e - o.e) <= eps && std::abs(f - o.f) <= eps;
}

std::string Affine::to_string() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "Affine(%.17g, %.17g, %.17g, %.17g, %.17g, %.17g)", a, b, c, d, e, f);
    return buf;
}

} // namespace rastio
