#pragma once
/// What it takes to create a dataset: driver, size, bands, dtype, georeferencing, options.

#include <map>
#include <optional>
#include <string>

#include <rastio/affine.hpp>
#include <rastio/crs.hpp>
#include <rastio/dtype.hpp>

namespace rastio {

/// Creation parameters of a dataset, and what an open dataset reports of itself.
/// `options` are GDAL creation options, upper-case keys: {"COMPRESS","DEFLATE"}, {"TILED","YES"}.
/// A dataset's profile() fills options with what GDAL reports of the file (BLOCKXSIZE,
/// BLOCKYSIZE, TILED, COMPRESS, INTERLEAVE), so it can be passed back to create a similar file.
struct Profile {
    std::string driver;
    std::optional<int> width;
    std::optional<int> height;
    std::optional<int> count;
    std::optional<DType> dtype;
    CRS crs;
    std::optional<Affine> transform;
    std::optional<double> nodata;
    std::map<std::string, std::string> options;
};

} // namespace rastio
