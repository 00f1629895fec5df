// Exact band statistics, computed in strips from the pixels (no GDAL statistics call, so no
// STATISTICS_* metadata and no .aux.xml appear anywhere).
#include <rastio/statistics.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <rastio/error.hpp>

namespace rastio {

namespace {

// Sums of squares times the count overflow 64 bits on large rasters.
__extension__ using uint128 = unsigned __int128;

constexpr std::size_t strip_pixels = std::size_t{1} << 20;

} // namespace

Statistics statistics(const Dataset& dataset, int band) {
    const int count = dataset.count();
    if (band < 1 || band > count)
        throw ArgumentError("cannot compute statistics of band " + std::to_string(band) + " of " + dataset.name() +
                            ": it has bands 1.." + std::to_string(count));
    const DType t = dataset.dtypes()[static_cast<std::size_t>(band - 1)];
    if (is_complex(t)) throw ArgumentError("cannot compute statistics of complex band " + std::to_string(band) + " of " + dataset.name());
    // The nodata value as the band's own type holds it (a float32 band compares in float32).
    std::optional<double> nodata = dataset.nodatavals()[static_cast<std::size_t>(band - 1)];
    if (nodata && t == DType::float32) nodata = static_cast<double>(static_cast<float>(*nodata));
    const bool integral_sums = t == DType::uint8 || t == DType::uint16;

    const int width = dataset.width(), height = dataset.height();
    const int rows = static_cast<int>(std::max<std::size_t>(1, strip_pixels / static_cast<std::size_t>(std::max(width, 1))));
    std::vector<double> buf;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    // Small integers: exact sums (GDAL's fast path); others: Welford's running mean and M2.
    unsigned long long isum = 0, isum2 = 0;
    double mean = 0, m2 = 0;
    unsigned long long n = 0;
    for (int row = 0; row < height; row += rows) {
        const Window w{0, row, width, std::min(rows, height - row)};
        buf.resize(static_cast<std::size_t>(w.width) * static_cast<std::size_t>(w.height));
        dataset.read_into({band}, w, DType::float64, std::as_writable_bytes(std::span<double>(buf)));
        for (const double v : buf) {
            if (std::isnan(v) || (nodata && v == *nodata)) continue;
            ++n;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            if (integral_sums) {
                const auto u = static_cast<unsigned long long>(v);
                isum += u;
                isum2 += u * u;
            } else {
                const double delta = v - mean;
                mean += delta / static_cast<double>(n);
                m2 += delta * (v - mean);
            }
        }
    }
    if (n == 0) throw ArgumentError("cannot compute statistics of band " + std::to_string(band) + " of " + dataset.name() + ": it has no valid pixel");
    Statistics out{lo, hi, 0, 0};
    if (integral_sums) {
        const double dn = static_cast<double>(n);
        out.mean = static_cast<double>(isum) / dn;
        // GDAL's exact integer form, rounded as GDAL rounds it: sqrt(n * sum(x^2) - sum(x)^2) / n.
        const uint128 numerator = uint128{n} * uint128{isum2} - uint128{isum} * uint128{isum};
        out.std = std::sqrt(static_cast<double>(numerator)) / dn;
    } else {
        out.mean = mean;
        out.std = std::sqrt(m2 / static_cast<double>(n));
    }
    return out;
}

} // namespace rastio
