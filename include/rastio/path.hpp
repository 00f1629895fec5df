#pragma once
/// Dataset paths as rasterio parses them: URLs and archive members to GDAL's /vsi paths.

#include <string>

namespace rastio {

/// The GDAL path for a dataset path or URL, by rasterio's rules:
/// "https://h/x.tif" -> "/vsicurl/https://h/x.tif", "s3://bucket/key" -> "/vsis3/bucket/key"
/// (also gs, az, oss, ftp), "file:///tmp/x.tif" -> "/tmp/x.tif",
/// "zip+https://h/a.zip!dir/x.tif" -> "/vsizip//vsicurl/https://h/a.zip/dir/x.tif" (also zip://,
/// tar, gzip). "/vsi..." paths, plain paths and unknown schemes (GDAL's "NETCDF:f.nc:v") pass
/// through unchanged. Throws ArgumentError for a URL with a known scheme and nothing to open.
std::string vsi_path(const std::string& path);

/// True when `path` is a URL whose data is fetched over a network (http, https, ftp, s3, gs,
/// az, oss, also inside zip+..., tar+...), or a GDAL network path (/vsicurl/, /vsis3/...).
bool is_remote(const std::string& path);

} // namespace rastio
