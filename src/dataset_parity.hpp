#pragma once
// Private: small checks shared by the rasterio-parity parts of Dataset (src/dataset_*.cpp).

#include <string>

#include <gdal.h>

#include <rastio/dataset.hpp>
#include <rastio/enums.hpp>

namespace rastio::detail {

/// The band `band` (1-based) of `ds`; throws ArgumentError when out of range.
GDALRasterBandH checked_band(const Dataset& ds, int band);
/// `window` cropped to a width x height raster, as rasterio crops reads that are not boundless;
/// throws ArgumentError for a negative width or height (rasterio cannot even make such a window).
Window checked_crop(const Window& window, int width, int height, const std::string& name);
/// Throws ModeError unless `ds` is writable, naming `what` was attempted.
void require_writable(const Dataset& ds, const char* what);
/// Throws ArgumentError unless `values` has one entry per band.
void require_per_band(const Dataset& ds, std::size_t n, const char* what);
/// GDAL's RasterIO resampling for `r`; throws ArgumentError for the warp-only methods.
GDALRIOResampleAlg to_rasterio_alg(Resampling r);
/// GDAL's overview resampling name ("NEAREST", "CUBICSPLINE"...); ArgumentError when it has none.
const char* to_overview_alg(Resampling r);

} // namespace rastio::detail
