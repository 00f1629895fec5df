// Routes that reproject: tiles of the two tile matrix sets, TileJSON, the map viewer, bbox
// parts, and /memory/warp. Every cut goes through rastio::WarpedVRT.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <rastio/error.hpp>
#include <rastio/warp.hpp>

#include "geo.hpp"
#include "handlers.hpp"
#include "sources.hpp"

namespace rastio::serve {

namespace {

constexpr int max_image_side = 4096;

const TileMatrixSet& tms_param(const std::string& id) {
    static const TileMatrixSet web = *tile_matrix_set("WebMercatorQuad");
    static const TileMatrixSet crs84 = *tile_matrix_set("WorldCRS84Quad");
    if (id.empty() || id == web.id) return web;
    if (id == crs84.id) return crs84;
    throw HttpError(404, "tileMatrixSetId: unknown \"" + id.substr(0, 64) + "\" (WebMercatorQuad, WorldCRS84Quad)");
}

bool intersects(const Bounds& a, const Bounds& b) {
    return a.left < b.right && b.left < a.right && a.bottom < b.top && b.bottom < a.top;
}

std::string url_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// What a tile needs of a dataset in a tile matrix set, computed once per worker thread: its
// bounds and its resolution in the set's CRS (PROJ calls cost more than a small tile's read).
struct TmsGeo {
    Bounds bounds;
    std::optional<std::pair<double, double>> native_res;
};

const TmsGeo& tms_geo(const Dataset& ds, const TileMatrixSet& tms) {
    thread_local std::map<std::string, TmsGeo> cache;
    const Affine t = ds.transform();
    char key[512];
    std::snprintf(key, sizeof key, "%s|%.17g|%.17g|%.17g|%.17g|%d|%d", tms.id.c_str(), t.a, t.c, t.e, t.f, ds.width(), ds.height());
    const std::string k = ds.name() + "|" + key;
    if (const auto it = cache.find(k); it != cache.end()) return it->second;
    if (cache.size() >= 256) cache.clear();
    TmsGeo g;
    g.bounds = project_bounds(ds.crs(), tms.crs, ds.bounds());
    try {
        const Grid native = calculate_default_transform(ds.crs(), tms.crs, ds.width(), ds.height(), ds.bounds());
        g.native_res = std::make_pair(std::abs(native.transform.a), std::abs(native.transform.e));
    } catch (const rastio::Error&) {
    }
    return cache.emplace(k, g).first->second;
}

} // namespace

CRS crs_param(const Request& req, const std::string& name, const CRS& fallback) {
    const std::string* text = req.one(name);
    if (!text) return fallback;
    if (text->size() > 8192) bad_param(name, "longer than 8192 characters");
    try {
        return CRS::from_string(*text);
    } catch (const rastio::Error&) {
        bad_param(name, "unknown CRS \"" + text->substr(0, 64) + "\"");
    }
}

ImageData read_part(const Dataset& ds, const CRS& crs, const Bounds& b, int rows, int cols, const ImageParams& p,
                    std::optional<std::pair<double, double>> native_res, DatasetCache* cache) {
    const auto no_crs = [&ds] {
        if (ds.crs().empty()) throw HttpError(400, "url: the dataset has no CRS to reproject");
    };
    if (!native_res) {
        no_crs();
        try {
            const Grid native = calculate_default_transform(ds.crs(), crs, ds.width(), ds.height(), ds.bounds());
            native_res = std::make_pair(std::abs(native.transform.a), std::abs(native.transform.e));
        } catch (const rastio::Error&) {
            // No suggested grid (e.g. bounds beyond the CRS's area): warp from full resolution.
        }
    }
    // Warp straight to the output grid from the coarsest overview still at least as fine as
    // the output (gdalwarp's choice): a zoomed-out tile reads few source pixels.
    Dataset overview;
    const Dataset* src = &ds;
    const Affine grid((b.right - b.left) / cols, 0, b.left, 0, -(b.top - b.bottom) / rows, b.top);
    if (native_res) {
        const double ratio = std::min((b.right - b.left) / cols / native_res->first, (b.top - b.bottom) / rows / native_res->second);
        const std::vector<int> factors = ds.overviews(1);
        int level = -1;
        for (std::size_t i = 0; i < factors.size(); ++i) {
            if (factors[i] <= ratio * (1 + 1e-6)) level = static_cast<int>(i);
        }
        // Through this worker's warper for this source, CRS, size and nodata: the pixels of the
        // WarpedVRT below without a warp set up per tile (the cases it covers: TileWarper::make).
        if (cache) {
            const std::optional<double> nodata = p.nodata ? p.nodata : ds.nodata();
            if (TileWarper* w = cache->tile_warper(ds, level, crs, rows, cols, p.resampling, nodata)) {
                if (auto img = w->cut(grid, p.bands)) return std::move(*img);
            }
        }
        if (level >= 0 && cache) {
            src = &cache->overview(ds, level);
        } else if (level >= 0) {
            overview = rastio::open(ds.name(), "r", Options{{"OVERVIEW_LEVEL", std::to_string(level)}});
            src = &overview;
        }
    }
    WarpedVRTOptions o;
    o.crs = crs;
    o.width = cols;
    o.height = rows;
    o.transform = grid;
    o.resampling = p.resampling;
    // Through the source's own handle: no reopen per tile, and the blocks decoded for one tile
    // stay in GDAL's cache for its neighbours. The view dies within this call, on this thread.
    o.share_source = true;
    if (p.nodata) {
        o.src_nodata = p.nodata;
        o.nodata = p.nodata;
    } else if (!ds.nodata()) {
        o.add_alpha = true; // pixels outside the source (or masked in it) become transparent
    }
    no_crs(); // (the tile warper needs one too, and is made only for a dataset with a CRS)
    try {
        WarpedVRT vrt(*src, o);
        ImageParams q = p;
        q.nodata.reset(); // the view carries it
        ImageData img = read_image(vrt, q, std::nullopt, rows, cols);
        img.crs = crs;
        img.transform = *o.transform;
        return img;
    } catch (const HttpError&) {
        throw;
    } catch (const rastio::Error& e) {
        throw HttpError(400, std::string("cannot reproject the raster: ") + e.what());
    }
}

Response cog_tile(Request& req, Context& ctx) {
    const TileMatrixSet& tms = tms_param(req.captures.at(0));
    const int z = static_cast<int>(parse_integer("z", req.captures.at(1), 0, tms.max_zoom));
    const long long x = parse_integer("x", req.captures.at(2), 0, tms.matrix_width(z) - 1);
    const long long y = parse_integer("y", req.captures.at(3), 0, tms.matrix_height(z) - 1);
    int scale = 1;
    if (!req.captures.at(4).empty()) scale = static_cast<int>(parse_integer("scale", req.captures.at(4), 1, 4));
    const Dataset& ds = source(req, ctx);
    const ImageParams p = image_params(req, ds);
    const Bounds tb = tms.tile_bounds(z, x, y);
    const TmsGeo& geo = tms_geo(ds, tms);
    const Bounds& db = geo.bounds;
    const std::string name = std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y);
    if (!intersects(tb, db)) throw HttpError(404, "Tile " + name + " is outside bounds");
    const int size = 256 * scale;
    ImageData img = post_process(read_part(ds, tms.crs, tb, size, size, p, geo.native_res, &ctx.cache), p);
    ctx.check_time();
    const Format f = req.captures.at(5).empty() ? default_format(img) : parse_format(req.captures.at(5));
    return image_response(img, f, p.return_mask);
}

Response cog_tilejson(Request& req, Context& ctx) {
    const TileMatrixSet& tms = tms_param(req.captures.at(0));
    const Dataset& ds = source(req, ctx);
    (void)image_params(req, ds); // a bad parameter fails here, not on every tile
    auto [minzoom, maxzoom] = zoom_range(ds, tms);
    if (const auto* v = req.one("minzoom")) minzoom = static_cast<int>(parse_integer("minzoom", *v, 0, tms.max_zoom));
    if (const auto* v = req.one("maxzoom")) maxzoom = static_cast<int>(parse_integer("maxzoom", *v, 0, tms.max_zoom));
    std::string suffix = "@1x";
    if (const auto* v = req.one("tile_scale")) suffix = "@" + std::to_string(parse_integer("tile_scale", *v, 1, 4)) + "x";
    if (const auto* v = req.one("tile_format")) {
        (void)parse_format(*v, "tile_format");
        suffix += "." + *v;
    }
    std::string query;
    for (const auto& [k, v] : req.query) {
        if (k == "tile_format" || k == "tile_scale" || k == "minzoom" || k == "maxzoom") continue;
        query += (query.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(v);
    }
    const Bounds b = project_bounds(ds.crs(), wgs84(), ds.bounds());
    Json j;
    j["tilejson"] = "2.2.0";
    j["name"] = "rastio";
    j["version"] = "1.0.0";
    j["scheme"] = "xyz";
    j["tiles"] = {"http://" + req.host + "/cog/tiles/" + tms.id + "/{z}/{x}/{y}" + suffix + query};
    j["minzoom"] = minzoom;
    j["maxzoom"] = maxzoom;
    j["bounds"] = {b.left, b.bottom, b.right, b.top};
    j["center"] = {(b.left + b.right) / 2, (b.bottom + b.top) / 2, minzoom};
    return json_response(j);
}

Response cog_map(Request& req, Context&) {
    const TileMatrixSet& tms = tms_param(req.captures.at(0));
    if (!req.one("url")) bad_param("url", "required: a path under the served folder or an http(s) URL");
    // Static page: it asks for the TileJSON with the page's own query, then shows the tiles
    // (no base map: it works offline). The tms id is one of two known names.
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>rastio map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/leaflet/leaflet.css">
<script src="/static/leaflet/leaflet.js"></script>
<style>html,body,#map{height:100%;margin:0;background:#ddd}</style>
</head><body><div id="map"></div>
<script>
const tms = ")" + tms.id + R"(";
const map = L.map("map", {crs: tms === "WorldCRS84Quad" ? L.CRS.EPSG4326 : L.CRS.EPSG3857,
                          fadeAnimation: false, zoomAnimation: false});
window.rastioMap = map;
fetch("/cog/" + tms + "/tilejson.json" + window.location.search)
  .then(r => r.ok ? r.json() : r.json().then(e => { throw new Error(e.detail); }))
  .then(tj => {
    const b = tj.bounds;
    const layer = L.tileLayer(tj.tiles[0], {minZoom: 0, maxNativeZoom: tj.maxzoom, maxZoom: tj.maxzoom + 3,
                                            bounds: [[b[1], b[0]], [b[3], b[2]]], tileSize: 256});
    layer.on("load", () => { document.body.dataset.loaded = "1"; });
    layer.on("tileerror", () => { document.body.dataset.tileerror = "1"; });
    layer.addTo(map);
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  })
  .catch(e => { document.body.dataset.error = e.message; console.error(e.message); });
</script></body></html>
)";
    r.cacheable = true;
    return r;
}

Response cog_bbox(Request& req, Context& ctx) {
    Bounds b{parse_number("minx", req.captures.at(0)), parse_number("miny", req.captures.at(1)),
             parse_number("maxx", req.captures.at(2)), parse_number("maxy", req.captures.at(3))};
    if (!(b.left < b.right)) bad_param("minx", "must be less than maxx");
    if (!(b.bottom < b.top)) bad_param("miny", "must be less than maxy");
    const Dataset& ds = source(req, ctx);
    const ImageParams p = image_params(req, ds);
    const CRS coord_crs = crs_param(req, "coord_crs", wgs84());
    const CRS dst_crs = crs_param(req, "dst_crs", coord_crs);
    if (!(coord_crs == dst_crs)) b = project_bounds(coord_crs, dst_crs, b);
    const Bounds db = project_bounds(ds.crs(), dst_crs, ds.bounds());
    if (!intersects(b, db)) throw HttpError(404, "bbox is outside the dataset's bounds");
    int rows = 0, cols = 0;
    if (!req.captures.at(4).empty()) {
        cols = static_cast<int>(parse_integer("width", req.captures.at(4), 1, max_image_side));
        rows = static_cast<int>(parse_integer("height", req.captures.at(5), 1, max_image_side));
    } else {
        int max_size = 1024;
        if (const auto* ms = req.one("max_size")) max_size = static_cast<int>(parse_integer("max_size", *ms, 1, max_image_side));
        // The source's resolution in dst_crs, capped by max_size.
        double res = std::max(b.right - b.left, b.top - b.bottom) / max_size;
        try {
            const Grid native = calculate_default_transform(ds.crs(), dst_crs, ds.width(), ds.height(), ds.bounds());
            res = std::max(res, std::abs(native.transform.a));
        } catch (const rastio::Error&) {
        }
        cols = std::clamp(static_cast<int>(std::lround((b.right - b.left) / res)), 1, max_size);
        rows = std::clamp(static_cast<int>(std::lround((b.top - b.bottom) / res)), 1, max_size);
    }
    ImageData img = post_process(read_part(ds, dst_crs, b, rows, cols, p, std::nullopt, &ctx.cache), p);
    ctx.check_time();
    return image_response(img, parse_format(req.captures.at(6)), p.return_mask);
}

} // namespace rastio::serve
