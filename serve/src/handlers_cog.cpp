// /cog routes that need no reprojection: info, statistics, point, preview; and the helpers the
// other handlers share.
#include <algorithm>
#include <cmath>
#include <map>

#include <rastio/error.hpp>

#include "geo.hpp"
#include "handlers.hpp"
#include "sources.hpp"

namespace rastio::serve {

namespace {

constexpr int max_image_side = 4096; // largest width or height a request may ask for

Json py_number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string band_name(int b) { return "b" + std::to_string(b); }

int image_side(const std::string& name, const std::string& text) {
    return static_cast<int>(parse_integer(name, text, 1, max_image_side));
}

std::string nodata_type(const Dataset& ds) {
    const auto flags = ds.mask_flags();
    if (flags.empty()) return "None";
    const MaskFlags& f = flags.front();
    if (f.alpha) return "Alpha";
    if (f.nodata) return "Nodata";
    if (f.per_dataset) return "Mask";
    return "None";
}

} // namespace

const Dataset& source(const Request& req, Context& ctx) {
    const std::string* url = req.one("url");
    if (!url) bad_param("url", "required: a path under the served folder or an http(s) URL");
    return ctx.cache.get(ctx.policy, ctx.policy.resolve(*url));
}

Response json_response(const Json& j) {
    Response r;
    r.body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    r.cacheable = true;
    return r;
}

Response image_response(const ImageData& img, Format f, bool return_mask) {
    Response r;
    r.content_type = content_type(f);
    r.body = encode(img, f, return_mask);
    r.cacheable = true;
    return r;
}

Response healthz(Request&, Context&) {
    Response r;
    r.body = R"({"status":"ok"})";
    return r;
}

Json info_json(const Dataset& ds) {
    Json j;
    const CRS crs = ds.crs();
    if (crs.empty()) {
        const Bounds b = ds.bounds();
        j["bounds"] = {b.left, b.bottom, b.right, b.top};
        j["minzoom"] = 0;
        j["maxzoom"] = 0;
    } else {
        const Bounds b = project_bounds(crs, wgs84(), ds.bounds());
        j["bounds"] = {b.left, b.bottom, b.right, b.top};
        const auto [minz, maxz] = zoom_range(ds, *tile_matrix_set("WebMercatorQuad"));
        j["minzoom"] = minz;
        j["maxzoom"] = maxz;
    }
    Json meta = Json::array(), desc = Json::array();
    const auto descriptions = ds.descriptions();
    for (int b = 1; b <= ds.count(); ++b) {
        Json tags = Json::object();
        for (const auto& [k, v] : ds.tags(b)) tags[k] = v;
        meta.push_back({band_name(b), tags});
        desc.push_back({band_name(b), descriptions[static_cast<std::size_t>(b - 1)]});
    }
    j["band_metadata"] = meta;
    j["band_descriptions"] = desc;
    j["dtype"] = std::string(to_string(ds.dtypes().front()));
    j["nodata_type"] = nodata_type(ds);
    Json ci = Json::array();
    for (const auto c : ds.colorinterp()) ci.push_back(std::string(to_string(c)));
    j["colorinterp"] = ci;
    j["scales"] = ds.scales();
    j["offsets"] = ds.offsets();
    j["driver"] = ds.driver();
    j["count"] = ds.count();
    j["width"] = ds.width();
    j["height"] = ds.height();
    j["overviews"] = ds.overviews(1);
    if (const auto nd = ds.nodata()) j["nodata_value"] = py_number(*nd);
    if (!crs.empty()) j["crs"] = crs.to_string();
    return j;
}

Response cog_info(Request& req, Context& ctx) { return json_response(info_json(source(req, ctx))); }

Response cog_info_geojson(Request& req, Context& ctx) {
    const Json info = info_json(source(req, ctx));
    const auto& b = info["bounds"];
    const double w = b[0], s = b[1], e = b[2], n = b[3];
    Json f;
    f["type"] = "Feature";
    f["bbox"] = b;
    f["geometry"] = {{"type", "Polygon"}, {"coordinates", Json::array({Json::array({{w, s}, {e, s}, {e, n}, {w, n}, {w, s}})})}};
    f["properties"] = info;
    Response r = json_response(f);
    r.content_type = "application/geo+json";
    return r;
}

Json statistics_json(const ImageData& img, const Bands& bands, const std::vector<double>& percentiles, int bins,
                     std::optional<std::pair<double, double>> range, const Categorical& categorical) {
    const Shape s = img.data.shape();
    const std::size_t n = s[1] * s[2];
    const std::uint8_t* m = img.mask.data();
    Json out = Json::object();
    std::vector<double> v;
    for (std::size_t b = 0; b < s[0]; ++b) {
        v.clear();
        visit_dtype(img.data.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* src = img.data.as<T>().data() + b * n;
            for (std::size_t i = 0; i < n; ++i) {
                if (!m[i]) continue;
                const double x = pixel_value(src[i]);
                if (std::isfinite(x)) v.push_back(x);
            }
        });
        std::sort(v.begin(), v.end());
        Json st;
        const std::size_t count = v.size();
        const double nan = std::nan("");
        double sum = 0;
        for (const double x : v) sum += x;
        const double mean = count ? sum / static_cast<double>(count) : nan;
        double sq = 0;
        for (const double x : v) sq += (x - mean) * (x - mean);
        auto pct = [&](double p) {
            if (!count) return nan;
            const double pos = p / 100.0 * static_cast<double>(count - 1);
            const auto lo = static_cast<std::size_t>(std::floor(pos));
            const std::size_t hi = std::min(lo + 1, count - 1);
            return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
        };
        // Value counts for majority, minority, unique (sorted, so runs are equal values).
        double majority = nan, minority = nan;
        std::size_t best = 0, worst = SIZE_MAX, unique = 0;
        for (std::size_t i = 0; i < count;) {
            std::size_t j = i;
            while (j < count && v[j] == v[i]) ++j;
            ++unique;
            if (j - i > best) best = j - i, majority = v[i];
            if (j - i < worst) worst = j - i, minority = v[i];
            i = j;
        }
        st["min"] = py_number(count ? v.front() : nan);
        st["max"] = py_number(count ? v.back() : nan);
        st["mean"] = py_number(mean);
        st["count"] = static_cast<double>(count);
        st["sum"] = sum;
        st["std"] = py_number(count ? std::sqrt(sq / static_cast<double>(count)) : nan);
        st["median"] = py_number(pct(50));
        st["majority"] = py_number(majority);
        st["minority"] = py_number(minority);
        st["unique"] = static_cast<double>(unique);
        if (categorical.enabled) {
            // rio-tiler's categorical histogram: [counts, values], for the requested values (`c`)
            // in their order, else every value present, ascending.
            std::vector<double> values, counts;
            if (categorical.values.empty()) {
                for (std::size_t i = 0; i < count;) {
                    std::size_t j = i;
                    while (j < count && v[j] == v[i]) ++j;
                    values.push_back(v[i]);
                    counts.push_back(static_cast<double>(j - i));
                    i = j;
                }
            } else {
                for (const double c : categorical.values) {
                    const auto [lo, hi] = std::equal_range(v.begin(), v.end(), c);
                    values.push_back(c);
                    counts.push_back(static_cast<double>(hi - lo));
                }
            }
            st["histogram"] = {counts, values};
        } else {
            // numpy.histogram: equal bins over the range, the last one closed.
            const double lo = range ? range->first : (count ? v.front() : 0.0);
            double hi = range ? range->second : (count ? v.back() : 1.0);
            if (hi == lo) hi = lo + 1.0;
            std::vector<double> counts(static_cast<std::size_t>(bins), 0.0), edges;
            for (int k = 0; k <= bins; ++k) edges.push_back(lo + (hi - lo) * k / bins);
            for (const double x : v) {
                if (x < lo || x > hi) continue;
                auto k = static_cast<std::size_t>((x - lo) / (hi - lo) * bins);
                counts[std::min(k, counts.size() - 1)] += 1;
            }
            st["histogram"] = {counts, edges};
        }
        st["valid_percent"] = n ? std::round(static_cast<double>(std::count_if(m, m + n, [](std::uint8_t x) { return x != 0; })) /
                                             static_cast<double>(n) * 10000.0) / 100.0
                                : 0.0;
        const auto valid = static_cast<double>(std::count_if(m, m + n, [](std::uint8_t x) { return x != 0; }));
        st["masked_pixels"] = static_cast<double>(n) - valid;
        st["valid_pixels"] = valid;
        for (const double p : percentiles) {
            char key[32];
            std::snprintf(key, sizeof key, "percentile_%g", p);
            st[key] = py_number(pct(p));
        }
        out[band_name(bands[b])] = st;
    }
    return out;
}

Response cog_statistics(Request& req, Context& ctx) {
    const Dataset& ds = source(req, ctx);
    const ImageParams p = image_params(req, ds);
    int max_size = 1024;
    if (const auto* ms = req.one("max_size")) max_size = image_side("max_size", *ms);
    std::vector<double> percentiles;
    for (const auto& t : req.all("p")) {
        const double x = parse_number("p", t);
        if (x < 0 || x > 100) bad_param("p", "percentiles lie in [0, 100]");
        percentiles.push_back(x);
    }
    if (percentiles.empty()) percentiles = {2, 98};
    int bins = 10;
    if (const auto* hb = req.one("histogram_bins")) bins = static_cast<int>(parse_integer("histogram_bins", *hb, 1, 1000));
    std::optional<std::pair<double, double>> range;
    if (const auto* hr = req.one("histogram_range")) {
        const auto comma = hr->find(',');
        if (comma == std::string::npos) bad_param("histogram_range", "expected min,max");
        range = std::make_pair(parse_number("histogram_range", hr->substr(0, comma)), parse_number("histogram_range", hr->substr(comma + 1)));
        if (!(range->first < range->second)) bad_param("histogram_range", "min must be below max");
    }
    // TiTiler's categorical=true and c=value (repeated): counts of values instead of bins.
    Categorical categorical;
    if (const auto* c = req.one("categorical")) categorical.enabled = parse_bool("categorical", *c);
    for (const auto& t : req.all("c")) {
        if (categorical.values.size() >= 1000) bad_param("c", "at most 1000 categories");
        categorical.values.push_back(parse_number("c", t));
    }
    const auto [rows, cols] = fit_size(ds.height(), ds.width(), max_size);
    ImageData img = read_image(ds, p, std::nullopt, rows, cols);
    ctx.check_time();
    return json_response(statistics_json(img, p.bands, percentiles, bins, range, categorical));
}

Response cog_point(Request& req, Context& ctx) {
    const double lon = parse_number("lon", req.captures.at(0));
    const double lat = parse_number("lat", req.captures.at(1));
    const Dataset& ds = source(req, ctx);
    const ImageParams p = image_params(req, ds);
    std::vector<double> xs{lon}, ys{lat};
    CRS coord_crs = wgs84();
    if (const auto* c = req.one("coord_crs")) {
        try {
            coord_crs = CRS::from_string(*c);
        } catch (const rastio::Error&) {
            bad_param("coord_crs", "unknown CRS \"" + c->substr(0, 64) + "\"");
        }
    }
    if (!ds.crs().empty()) project_points(coord_crs, ds.crs(), xs, ys);
    if (!std::isfinite(xs[0]) || !std::isfinite(ys[0])) throw HttpError(404, "Point is outside dataset bounds");
    const auto [row, col] = ds.index(xs[0], ys[0]);
    if (row < 0 || col < 0 || row >= ds.height() || col >= ds.width()) throw HttpError(404, "Point is outside dataset bounds");
    const Window w{static_cast<int>(col), static_cast<int>(row), 1, 1};
    ImageData img = read_image(ds, p, w, 1, 1);
    Json values = Json::array();
    visit_dtype(img.data.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* v = img.data.as<T>().data();
        for (std::size_t b = 0; b < p.bands.size(); ++b) {
            if constexpr (std::is_integral_v<T>) values.push_back(v[b]);
            else values.push_back(py_number(pixel_value(v[b])));
        }
    });
    Json names = Json::array();
    for (const int b : p.bands) names.push_back(band_name(b));
    return json_response({{"coordinates", {lon, lat}}, {"values", values}, {"band_names", names}});
}

// The preview of a dataset: the whole raster decimated to fit max_size (or width x height).
Response preview_of(const Dataset& ds, const Request& req, const std::string& w, const std::string& h,
                    const std::string& format, Context& ctx) {
    const ImageParams p = image_params(req, ds);
    int max_size = 1024;
    if (const auto* ms = req.one("max_size")) max_size = image_side("max_size", *ms);
    std::string width = w, height = h;
    if (width.empty()) {
        if (const auto* q = req.one("width")) width = *q;
        if (const auto* q = req.one("height")) height = *q;
    }
    int rows = 0, cols = 0;
    if (!width.empty() && !height.empty()) {
        cols = image_side("width", width);
        rows = image_side("height", height);
    } else if (!width.empty() || !height.empty()) {
        bad_param(width.empty() ? "width" : "height", "give both width and height");
    } else {
        std::tie(rows, cols) = fit_size(ds.height(), ds.width(), max_size);
    }
    ImageData img = post_process(read_image(ds, p, std::nullopt, rows, cols), p);
    ctx.check_time();
    const Format f = format.empty() ? default_format(img) : parse_format(format);
    return image_response(img, f, p.return_mask);
}

Response cog_preview(Request& req, Context& ctx) {
    return preview_of(source(req, ctx), req, req.captures.at(0), req.captures.at(1), req.captures.at(2), ctx);
}

} // namespace rastio::serve
