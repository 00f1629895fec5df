// Sampling bands at points: rasterio's sample_gen, one 1x1 window per point inside the raster.
#include <rastio/sample.hpp>

#include <string>

#include <gdal.h>

#include <rastio/error.hpp>

#include "gdal_handle.hpp"

namespace rastio {

Sampler::Sampler(const Dataset& dataset, Bands indexes, bool masked)
    : m_dataset(&dataset), m_indexes(std::move(indexes)), m_masked(masked) {
    const int count = dataset.count();
    if (count < 1) throw ArgumentError("cannot sample " + dataset.name() + ": it has no bands");
    if (m_indexes.empty()) m_indexes = dataset.indexes();
    for (const int b : m_indexes)
        if (b < 1 || b > count)
            throw ArgumentError("cannot sample band " + std::to_string(b) + " of " + dataset.name() + ": it has bands 1.." +
                                std::to_string(count));
    // rasterio reads every band in the dataset's first dtype, and fills points outside with
    // `dataset.nodata or 0` (band 1's nodata; NaN stays NaN), cast to that dtype.
    m_dtype = dataset.dtypes().front();
    const double fill = dataset.nodata().value_or(0.0);
    const std::size_t n = m_indexes.size();
    m_outside = AnyArray(m_dtype, {n, 1, 1});
    const std::vector<double> fills(n, fill);
    GDALCopyWords64(fills.data(), GDT_Float64, sizeof(double), m_outside.data(), detail::to_gdal(m_dtype),
                    static_cast<int>(dtype_size(m_dtype)), static_cast<GPtrDiff_t>(n));
    // Outside, rasterio masks the bands whose mask is not "all valid" and leaves the others unmasked.
    m_outside_mask.assign(n, 255);
    if (m_masked) {
        const auto flags = dataset.mask_flags();
        for (std::size_t i = 0; i < n; ++i)
            m_outside_mask[i] = flags[static_cast<std::size_t>(m_indexes[i] - 1)].all_valid ? 255 : 0;
    }
}

Sample Sampler::operator()(double x, double y) const {
    const auto [row, col] = m_dataset->index(x, y, Rounding::floor);
    if (row < 0 || col < 0 || row >= m_dataset->height() || col >= m_dataset->width()) return {m_outside, m_outside_mask};
    const Window w{static_cast<int>(col), static_cast<int>(row), 1, 1};
    Sample out{AnyArray::uninitialized(m_dtype, {m_indexes.size(), 1, 1}), std::vector<std::uint8_t>(m_indexes.size(), 255)};
    m_dataset->read_into(m_indexes, w, m_dtype, out.values.writable_bytes());
    if (m_masked) {
        ReadOptions o;
        o.bands = m_indexes;
        o.window = w;
        const auto masks = m_dataset->read_masks(o);
        for (std::size_t i = 0; i < out.mask.size(); ++i) out.mask[i] = masks.data()[i] != 0 ? 255 : 0;
    }
    return out;
}

} // namespace rastio
