#pragma once
// Private: query parameters as TiTiler names them, parsed and checked; each failure is a 400
// naming the parameter.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rastio/dataset.hpp>
#include <rastio/enums.hpp>

#include "types.hpp"

namespace rastio::serve {

/// A finite number; 400 naming `name` otherwise (NaN, inf, junk).
double parse_number(const std::string& name, const std::string& text);
/// An integer in [lo, hi]; 400 naming `name` otherwise.
long long parse_integer(const std::string& name, const std::string& text, long long lo, long long hi);
/// "true"/"false" (also 1/0, yes/no).
bool parse_bool(const std::string& name, const std::string& text);

/// RGBA colours by value: exact integer keys, or [min, max) intervals (TiTiler's two forms).
struct Colormap {
    std::map<long long, std::array<std::uint8_t, 4>> values;
    struct Interval {
        double min;
        double max;
        std::array<std::uint8_t, 4> rgba;
    };
    std::vector<Interval> intervals;
    /// The colour of `v`; transparent black when it has none.
    std::array<std::uint8_t, 4> at(double v) const;
};

/// One of the built-in colormaps (viridis, magma, terrain, gray...); nothing when unknown.
std::optional<Colormap> named_colormap(const std::string& name);
/// The names of the built-in colormaps, comma-separated.
std::string colormap_names();
/// TiTiler's `colormap` JSON: {"1": [r,g,b,a], ...} or [[[min,max],[r,g,b,a]], ...]; 400 otherwise.
Colormap parse_colormap_json(const std::string& text);

/// What a read and a render take from the query.
struct ImageParams {
    Bands bands;                                          ///< bidx (default: every non-alpha band)
    std::optional<double> nodata;                         ///< overrides the dataset's nodata
    Resampling resampling = Resampling::nearest;
    std::vector<std::pair<double, double>> rescale;       ///< per band, or one for all
    std::optional<Colormap> colormap;                     ///< colormap_name or colormap
    bool return_mask = true;
};

/// Reads bidx, nodata, resampling, rescale, colormap_name, colormap, return_mask; checks bands
/// against `ds`.
ImageParams image_params(const Request& req, const Dataset& ds);

} // namespace rastio::serve
