#pragma once
// Private: GDAL/OGR handles and helpers shared by warp.cpp and warped_vrt.cpp.

#include <memory>
#include <string>
#include <type_traits>

#include <gdal.h>
#include <gdal_priv.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include <rastio/warp.hpp>

namespace rastio::detail {

struct srs_release {
    void operator()(OGRSpatialReferenceH h) const noexcept { OSRRelease(h); }
};
/// An OGR spatial reference in traditional GIS axis order (x = easting or longitude).
using SrsHandle = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, srs_release>;

struct oct_destroy {
    void operator()(OGRCoordinateTransformationH h) const noexcept { OCTDestroyCoordinateTransformation(h); }
};
using CoordTransform = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, oct_destroy>;

struct gdal_close {
    void operator()(GDALDatasetH h) const noexcept { GDALClose(h); }
};
/// A GDAL dataset owned here (a MEM wrapper, a VRT being built).
using DatasetHandle = std::unique_ptr<std::remove_pointer_t<GDALDatasetH>, gdal_close>;

struct warp_options_destroy {
    void operator()(GDALWarpOptions* p) const noexcept { GDALDestroyWarpOptions(p); }
};
/// Warp options; destroying them destroys their transformer too (see destroy_transformer()).
using WarpOptionsHandle = std::unique_ptr<GDALWarpOptions, warp_options_destroy>;

/// The SRS of `crs`; throws ArgumentError naming `role` ("source CRS") when empty or unknown.
SrsHandle make_srs(const CRS& crs, const char* role);
/// A coordinate transformation; throws ArgumentError when PROJ has none.
CoordTransform make_transformation(const CRS& src_crs, const CRS& dst_crs);
/// GDAL's warp algorithm for a rastio method; throws ArgumentError for gauss.
GDALResampleAlg warp_resampling(Resampling r);
/// A double as text that reads back to the same value.
std::string format_double(double v);
void set_rpc_metadata(GDALDatasetH h, const RPC& rpcs);
void set_gcps(GDALDatasetH h, const GCPs& gcps);
/// An empty (band-less) MEM dataset of the given size.
DatasetHandle mem_dataset(int width, int height);
/// A MEM dataset whose bands are the array's planes, without copying. Borrows `array`: the
/// caller keeps it alive (and, unless GDAL writes it as a destination, unchanged) while in use.
DatasetHandle wrap_array(const AnyArray& array);

/// A source for GDAL's warper over `gtiff`, a GTiff dataset open read-only at the /vsimem/
/// path `path`, that reads each chunk's window with rastio's direct reader straight into the
/// warper's buffer (no block cache, no copy out of it); the same pixels as `gtiff`. Null when
/// it does not apply (another driver or path, a dataset open for update). Borrows `gtiff`: it
/// stays open while the result is in use.
DatasetHandle direct_warp_source(GDALDatasetH gtiff, const std::string& path);
/// The same, owning `gtiff` (released from the handle, closed with the result) when it applies;
/// otherwise `gtiff` is left as it was and the result is null.
DatasetHandle direct_warp_source(DatasetHandle& gtiff, const std::string& path);

/// rasterio's create_warp_options: gdalwarp's nodata defaults (UNIFIED_SRC_NODATA), the
/// resampling, the memory limit, alpha bands and nodata, bands 1..count; `extras` merged in.
WarpOptionsHandle make_warp_options(Resampling resampling, std::optional<double> src_nodata,
                                    std::optional<double> dst_nodata, int band_count, int src_alpha, int dst_alpha,
                                    int warp_mem_limit_mib, GDALDataType working_type, const Options& extras);

/// A band standing in for `under` (band `band` of proxy dataset `ds`): its size, type and
/// block size; the subclass says what it does differently (the warper's proxies of a source
/// read by the direct reader, and of a destination array written by rastio's kernel).
class ProxyBand : public GDALRasterBand {
protected:
    ProxyBand(GDALDataset* ds, int band, GDALRasterBand* under) : m_under(under) {
        poDS = ds;
        nBand = band;
        nRasterXSize = under->GetXSize();
        nRasterYSize = under->GetYSize();
        eDataType = under->GetRasterDataType();
        under->GetBlockSize(&nBlockXSize, &nBlockYSize);
    }
    GDALRasterBand* m_under;
};

} // namespace rastio::detail
