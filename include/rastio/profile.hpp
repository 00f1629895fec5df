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

/// Checks creation options against `driver`'s own list (GDAL_DMD_CREATIONOPTIONLIST) and throws
/// ArgumentError, naming the option, the driver and what it takes, for a value that list rejects:
/// outside a string-select's values, not an integer/number/boolean, out of a declared min/max,
/// longer than a declared maxsize. Options the driver does not list pass: GDAL ignores them
/// with a warning (see WarningHandler). Skipped when GDAL_VALIDATE_CREATION_OPTIONS is off.
/// open(path, "w", profile) and MemoryFile::open(profile) call it before creating anything;
/// DriverError for an unknown driver.
void check_creation_options(const std::string& driver, const std::map<std::string, std::string>& options);

} // namespace rastio
