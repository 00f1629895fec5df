// Blocks and overviews of Dataset.

#include <rastio/dataset.hpp>

#include <cmath>
#include <cstdlib>

#include <gdal.h>

#include <rastio/error.hpp>

#include "dataset_parity.hpp"
#include "dataset_state.hpp"
#include "error_capture.hpp"

namespace rastio {

namespace {

struct Grid {
    int block_cols = 0, block_rows = 0; // block size in pixels
    int n_cols = 0, n_rows = 0;         // blocks across and down
};

Grid grid_of(GDALRasterBandH band) {
    Grid g;
    GDALGetBlockSize(band, &g.block_cols, &g.block_rows);
    const int w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
    g.n_cols = g.block_cols > 0 ? (w + g.block_cols - 1) / g.block_cols : 0;
    g.n_rows = g.block_rows > 0 ? (h + g.block_rows - 1) / g.block_rows : 0;
    return g;
}

Window clipped(const Grid& g, int row, int col, int width, int height) {
    const int c0 = col * g.block_cols, r0 = row * g.block_rows;
    return {c0, r0, std::min(g.block_cols, width - c0), std::min(g.block_rows, height - r0)};
}

void check_block(const Dataset& ds, const Grid& g, int band, int row, int col) {
    if (row < 0 || row >= g.n_rows || col < 0 || col >= g.n_cols) {
        throw ArgumentError("block (" + std::to_string(row) + ", " + std::to_string(col) + ") of band " +
                            std::to_string(band) + " is out of range: " + ds.name() + " has " +
                            std::to_string(g.n_rows) + " x " + std::to_string(g.n_cols) + " blocks");
    }
}

} // namespace

std::vector<BlockWindow> Dataset::block_windows(int band) const {
    const detail::DatasetUse use(m_state);
    const Grid g = grid_of(detail::checked_band(*this, band));
    std::vector<BlockWindow> out;
    out.reserve(static_cast<std::size_t>(g.n_rows) * static_cast<std::size_t>(g.n_cols));
    for (int r = 0; r < g.n_rows; ++r) {
        for (int c = 0; c < g.n_cols; ++c) out.push_back({r, c, clipped(g, r, c, width(), height())});
    }
    return out;
}

Window Dataset::block_window(int band, int row, int col) const {
    const detail::DatasetUse use(m_state);
    const Grid g = grid_of(detail::checked_band(*this, band));
    check_block(*this, g, band, row, col);
    return clipped(g, row, col, width(), height());
}

std::uint64_t Dataset::block_size(int band, int row, int col) const {
    const detail::DatasetUse use(m_state);
    GDALRasterBandH b = detail::checked_band(*this, band);
    check_block(*this, grid_of(b), band, row, col);
    const std::string key = "BLOCK_SIZE_" + std::to_string(col) + "_" + std::to_string(row);
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    const char* v = GDALGetMetadataItem(b, key.c_str(), "TIFF");
    return v ? std::strtoull(v, nullptr, 10) : 0;
}

std::vector<int> Dataset::overviews(int band) const {
    const detail::DatasetUse use(m_state);
    GDALRasterBandH b = detail::checked_band(*this, band);
    std::vector<int> out;
    const int n = GDALGetOverviewCount(b);
    for (int i = 0; i < n; ++i) {
        GDALRasterBandH ov = GDALGetOverview(b, i);
        if (ov == nullptr) continue;
        const int ow = GDALGetRasterBandXSize(ov);
        out.push_back(static_cast<int>(std::lround(static_cast<double>(width()) / ow)));
    }
    return out;
}

void Dataset::build_overviews(const std::vector<int>& factors, Resampling resampling) {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    detail::require_writable(*this, "build overviews");
    const char* alg = detail::to_overview_alg(resampling);
    if (factors.empty()) throw ArgumentError("no overview factors given for " + name() + "; e.g. {2, 4, 8}");
    for (int f : factors) {
        if (f < 2) {
            throw ArgumentError("overview factor " + std::to_string(f) + " is not at least 2 (a factor is a decimation)");
        }
    }
    detail::ErrorCapture errors(name());
    std::vector<int> list(factors);
    if (GDALBuildOverviews(h, alg, static_cast<int>(list.size()), list.data(), 0, nullptr, nullptr, nullptr) !=
            CE_None ||
        errors.failed()) {
        errors.throw_io("cannot build overviews", name());
    }
}

} // namespace rastio
