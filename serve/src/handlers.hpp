#pragma once
// Private: every route's handler, a plain function from a parsed request to a response (no
// socket): the router (routes.cpp) matches the path and fills Request::captures.

#include <nlohmann/json.hpp>

#include "render.hpp"
#include "types.hpp"

namespace rastio::serve {

using Json = nlohmann::ordered_json;

Response healthz(Request& req, Context& ctx);

// /cog: the source is the `url` query parameter.
Response cog_info(Request& req, Context& ctx);
Response cog_info_geojson(Request& req, Context& ctx);
Response cog_statistics(Request& req, Context& ctx);
Response cog_point(Request& req, Context& ctx);      ///< captures: lon, lat
Response cog_preview(Request& req, Context& ctx);    ///< captures: width, height, format (each may be empty)
Response cog_bbox(Request& req, Context& ctx);       ///< captures: minx, miny, maxx, maxy, width, height, format
Response cog_tile(Request& req, Context& ctx);       ///< captures: tms, z, x, y, scale, format
Response cog_tilejson(Request& req, Context& ctx);   ///< captures: tms
Response cog_map(Request& req, Context& ctx);        ///< captures: tms
Response static_file(Request& req, Context& ctx);    ///< captures: the file under Leaflet's folder

// /memory: the source is the request body.
Response memory_info(Request& req, Context& ctx);
Response memory_preview(Request& req, Context& ctx); ///< captures: format
Response memory_convert(Request& req, Context& ctx);
Response memory_warp(Request& req, Context& ctx);

/// rio-tiler's Info model of a dataset (bounds in longitude/latitude, zooms in WebMercatorQuad).
Json info_json(const Dataset& ds);
/// rio-tiler's categorical statistics: the histogram counts values (`values`, or every one present).
struct Categorical {
    bool enabled = false;
    std::vector<double> values;
};
/// rio-tiler's statistics of each band of `img` over its valid pixels: {"b1": {...}, ...};
/// `percentiles` (e.g. 2, 98), `bins` histogram bins, over `range` (none: min..max); or, when
/// `categorical` is enabled, a histogram of [counts, values].
Json statistics_json(const ImageData& img, const Bands& bands, const std::vector<double>& percentiles, int bins,
                     std::optional<std::pair<double, double>> range, const Categorical& categorical = {});

/// The dataset the request's `url` names, through the policy and the worker's cache.
const Dataset& source(const Request& req, Context& ctx);
/// The preview of a dataset: the whole raster decimated to fit max_size, or width x height
/// (`w`, `h` from the path, else the query), in `format` (empty: TiTiler's default).
Response preview_of(const Dataset& ds, const Request& req, const std::string& w, const std::string& h,
                    const std::string& format, Context& ctx);
/// `p.bands` of `ds` seen in `crs` over `bounds`, warped to rows x cols through a WarpedVRT
/// from the coarsest overview at least as fine as the output (`native_res`: the source's
/// resolution in `crs`, when known), with its mask. With `cache` (the one `ds` came from), the
/// overview is opened once and kept there; without, it is opened for this call.
ImageData read_part(const Dataset& ds, const CRS& crs, const Bounds& bounds, int rows, int cols, const ImageParams& p,
                    std::optional<std::pair<double, double>> native_res = {}, DatasetCache* cache = nullptr);
/// The CRS named by query parameter `name` (EPSG:n, WKT, PROJ), or `fallback` when absent.
CRS crs_param(const Request& req, const std::string& name, const CRS& fallback);
/// A JSON response.
Response json_response(const Json& j);
/// An image response: encodes `img` in `f`.
Response image_response(const ImageData& img, Format f, bool return_mask);

} // namespace rastio::serve
