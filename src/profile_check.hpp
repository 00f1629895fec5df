#pragma once
// Private: the creation option check that rastio::check_creation_options and dataset creation share.

#include <map>
#include <string>
#include <vector>

#include <gdal.h>

namespace rastio::detail {

/// Throws ArgumentError for a value `drv`'s option list rejects (see check_creation_options) and
/// returns the keys it does not declare, which GDAL ignores; nothing when
/// GDAL_VALIDATE_CREATION_OPTIONS is off. The list is parsed once per driver and kept.
std::vector<std::string> checked_creation_options(GDALDriverH drv, const std::map<std::string, std::string>& options);

} // namespace rastio::detail
