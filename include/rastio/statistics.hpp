#pragma once
/// Band statistics without side effects: rasterio's ds.statistics(bidx, approx=False), computed
/// from every pixel, never cached and never written (no .aux.xml, no metadata change).

#include <rastio/dataset.hpp>

namespace rastio {

/// Minimum, maximum, mean and (population) standard deviation of a band's valid pixels.
struct Statistics {
    double min = 0, max = 0, mean = 0, std = 0;
    bool operator==(const Statistics&) const = default;
};

/// Exact statistics of one band (1-based): pixels equal to the band's nodata value, and NaN,
/// are left out, as GDAL's ComputeStatistics does. Reads the band in strips; changes nothing.
/// Throws ArgumentError for a bad band, a complex band, or a band with no valid pixel.
Statistics statistics(const Dataset& dataset, int band);

} // namespace rastio
