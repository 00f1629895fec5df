#pragma once
/// Sampling a dataset's bands at points, as rasterio.sample.sample_gen: lazily, one point at a time.

#include <cstdint>
#include <ranges>
#include <tuple>
#include <utility>
#include <vector>

#include <rastio/array.hpp>
#include <rastio/dataset.hpp>
#include <rastio/enums.hpp>

namespace rastio {

/// The values at one point: one per sampled band, in the dataset's first dtype (rasterio's rule),
/// shape (bands, 1, 1); `mask` holds one entry per band, 255 valid and 0 masked (all 255 unless
/// sampling `masked`).
struct Sample {
    AnyArray values;
    std::vector<std::uint8_t> mask;
};

/// Samples one point at a time. Borrows: the caller keeps `dataset` open while sampling.
/// A point outside the raster gives the dataset's nodata (0 when it has none or it is 0) in
/// every band; with `masked`, such values are masked in the bands that have a mask or nodata.
class Sampler {
public:
    /// `indexes`: 1-based bands, in order; empty: all. Throws ArgumentError for a bad band.
    explicit Sampler(const Dataset& dataset, Bands indexes = {}, bool masked = false);

    /// The values at (x, y), in the dataset's CRS; the pixel holding the point is the one
    /// rasterio's rowcol() finds (floor).
    Sample operator()(double x, double y) const;

    const Bands& indexes() const noexcept { return m_indexes; }

private:
    const Dataset* m_dataset;
    Bands m_indexes;
    bool m_masked;
    DType m_dtype;
    std::vector<std::uint8_t> m_outside_mask;
    AnyArray m_outside;
};

/// A lazy view of samples over `xys`, a range of (x, y) pairs (std::pair, std::tuple, std::array):
/// each point is read only when the view reaches it, as rasterio's sample_gen. Borrows `dataset`
/// (and `xys` when it is an lvalue) until the view is done.
template <std::ranges::input_range R>
auto sample(const Dataset& dataset, R&& xys, Bands indexes = {}, bool masked = false) {
    return std::views::transform(std::views::all(std::forward<R>(xys)),
                                 [s = Sampler(dataset, std::move(indexes), masked)](const auto& xy) {
                                     return s(static_cast<double>(std::get<0>(xy)), static_cast<double>(std::get<1>(xy)));
                                 });
}

} // namespace rastio
