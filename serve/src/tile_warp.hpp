#pragma once
// Private: tiles cut from one source through GDAL's warper directly, with the expensive part of
// a warp's set-up done once per worker thread, source (or overview) and output CRS and size: the
// transformer (its PROJ coordinate operation), the warp options and the destination's alpha
// band. Each tile only sets its grid on the transformer (GDALSetGenImgProjTransformerDstGeoTransform)
// and warps the blocks a WarpedVRT of that grid would warp, in the same pieces, so its pixels and
// mask are those of a WarpedVRT read (the serve tests compare them). Cases it does not cover
// return nothing and the caller cuts through WarpedVRT.

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <rastio/affine.hpp>
#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>
#include <rastio/enums.hpp>

#include "render.hpp"

namespace rastio::serve {

class TileWarper {
public:
    /// A warper of `source` into `crs` at rows x cols with `resampling`, as read_part's
    /// WarpedVRT (share_source): with `nodata` as both its source and its own nodata, or without,
    /// adding alpha. nullptr when that view is not one it reproduces exactly (not uint8 bands, an
    /// alpha band, a nodata that is not a whole number from 0 to 255, without one a band with
    /// nodata or other than 1 or 3 bands, no geotransform or CRS, RPCs, the same CRS on both
    /// sides, or GDAL refusing). Borrows `source`: the caller keeps it open while this lives, and
    /// uses both on one thread.
    static std::unique_ptr<TileWarper> make(const Dataset& source, const CRS& crs, int rows, int cols,
                                            Resampling resampling, std::optional<double> nodata = std::nullopt);
    TileWarper(const TileWarper&) = delete;
    TileWarper& operator=(const TileWarper&) = delete;
    TileWarper(TileWarper&&) = delete;
    TileWarper& operator=(TileWarper&&) = delete;
    ~TileWarper();

    /// `bands` of the source over the grid `transform` (north-up, the size given to make()),
    /// with the mask read_image makes of the WarpedVRT's (255 where its alpha is not 0, or where
    /// any of `bands` is not nodata); nothing when this grid is
    /// one where GDAL would sample differently than this warper can (a pole inside the tile) or
    /// GDAL fails: the caller then cuts through WarpedVRT.
    std::optional<ImageData> cut(const Affine& transform, const Bands& bands);

    /// How many tiles were cut here (the tests check that reuse happens).
    std::size_t cuts() const noexcept { return m_cuts; }

private:
    struct State;
    explicit TileWarper(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
    std::size_t m_cuts = 0;
};

} // namespace rastio::serve
