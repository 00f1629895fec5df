// The route table: every path the service answers, in one place.
#include "routes.hpp"

#include <exception>
#include <new>
#include <regex>

#include <nlohmann/json.hpp>

#include <rastio/error.hpp>

#include "handlers.hpp"

namespace rastio::serve {

namespace {

using Handler = Response (*)(Request&, Context&);

struct Route {
    const char* method;
    std::regex pattern;
    Handler handler;
};

#define NUM "([-+0-9.eEinfaINFA]+)" // a number as typed (parse_number judges it)

const std::vector<Route>& table() {
    static const std::vector<Route> routes = [] {
        auto re = [](const char* p) { return std::regex(p, std::regex::ECMAScript | std::regex::optimize); };
        return std::vector<Route>{
            {"GET", re("/healthz"), healthz},
            {"GET", re("/cog/info"), cog_info},
            {"GET", re("/cog/info\\.geojson"), cog_info_geojson},
            {"GET", re("/cog/statistics"), cog_statistics},
            {"GET", re("/cog/point/" NUM "," NUM), cog_point},
            {"GET", re("/cog/preview(?:/([0-9]+)x([0-9]+))?(?:\\.([a-z]+))?"), cog_preview},
            {"GET", re("/cog/bbox/" NUM "," NUM "," NUM "," NUM "(?:/([0-9]+)x([0-9]+))?\\.([a-z]+)"), cog_bbox},
            {"GET", re("/cog/tiles/(?:([A-Za-z0-9]+)/)?([0-9]+)/([0-9]+)/([0-9]+)(?:@([0-9]+)x)?(?:\\.([a-z]+))?"), cog_tile},
            {"GET", re("/cog/(?:([A-Za-z0-9]+)/)?tilejson\\.json"), cog_tilejson},
            {"GET", re("/cog/(?:([A-Za-z0-9]+)/)?map(?:\\.html)?"), cog_map},
            {"GET", re("/static/leaflet/((?:images/)?[a-z0-9-]+(?:\\.min)?\\.(?:js|css|png))"), static_file},
            {"POST", re("/memory/info"), memory_info},
            {"POST", re("/memory/preview(?:\\.([a-z]+))?"), memory_preview},
            {"POST", re("/memory/convert"), memory_convert},
            {"POST", re("/memory/warp"), memory_warp},
        };
    }();
    return routes;
}

#undef NUM

Response error_response(int status, const std::string& detail) {
    Response r;
    r.status = status;
    r.body = nlohmann::json{{"detail", detail}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

} // namespace

Response dispatch(Request& req, Context& ctx) {
    bool path_known = false;
    for (const auto& route : table()) {
        std::smatch m;
        if (!std::regex_match(req.path, m, route.pattern)) continue;
        path_known = true;
        const bool head = req.method == "HEAD" && std::string(route.method) == "GET";
        if (req.method != route.method && !head) continue;
        req.captures.clear();
        for (std::size_t i = 1; i < m.size(); ++i) req.captures.push_back(m[i].str());
        Response res;
        try {
            res = route.handler(req, ctx);
        } catch (const HttpError& e) {
            return error_response(e.status(), e.what());
        } catch (const rastio::ArgumentError& e) {
            return error_response(400, e.what());
        } catch (const rastio::Error& e) {
            return error_response(400, std::string("cannot read the raster: ") + e.what());
        } catch (const std::bad_alloc&) {
            return error_response(503, "not enough memory for this request");
        } catch (const std::exception&) {
            return error_response(500, "internal error");
        }
        if (res.cacheable && res.status == 200) {
            res.headers.emplace_back("ETag", "\"" + hash_hex(res.body) + "\"");
            res.headers.emplace_back("Cache-Control", ctx.config.cache_control);
            if (!req.if_none_match.empty() && req.if_none_match == res.headers.front().second) {
                Response not_modified;
                not_modified.status = 304;
                not_modified.content_type.clear();
                not_modified.headers = res.headers;
                return not_modified;
            }
        } else {
            res.headers.emplace_back("Cache-Control", "no-store");
        }
        return res;
    }
    if (path_known) return error_response(405, "Method Not Allowed");
    return error_response(404, "Not Found");
}

} // namespace rastio::serve
