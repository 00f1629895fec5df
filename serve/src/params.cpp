// Query parameters, parsed strictly: anything unexpected is a 400 that names the parameter.
#include "params.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include <rastio/error.hpp>

namespace rastio::serve {

void bad_param(const std::string& name, const std::string& why) { throw HttpError(400, name + ": " + why); }

const std::string* Request::one(const std::string& key) const {
    const auto [lo, hi] = query.equal_range(key);
    if (lo == hi) return nullptr;
    if (std::next(lo) != hi) bad_param(key, "given more than once");
    return &lo->second;
}

std::vector<std::string> Request::all(const std::string& key) const {
    std::vector<std::string> out;
    const auto [lo, hi] = query.equal_range(key);
    for (auto it = lo; it != hi; ++it) out.push_back(it->second);
    return out;
}

void Context::check_time() const {
    if (std::chrono::steady_clock::now() > deadline) throw HttpError(503, "the request took longer than the server allows");
}

double parse_number(const std::string& name, const std::string& text) {
    if (text.empty() || text.size() > 64) bad_param(name, "expected a number, got \"" + text.substr(0, 64) + "\"");
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || errno == ERANGE) bad_param(name, "expected a number, got \"" + text + "\"");
    if (!std::isfinite(v)) bad_param(name, "expected a finite number, got \"" + text + "\"");
    return v;
}

long long parse_integer(const std::string& name, const std::string& text, long long lo, long long hi) {
    if (text.empty() || text.size() > 20) bad_param(name, "expected an integer, got \"" + text.substr(0, 20) + "\"");
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() || errno == ERANGE) bad_param(name, "expected an integer, got \"" + text + "\"");
    if (v < lo || v > hi) bad_param(name, text + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
}

bool parse_bool(const std::string& name, const std::string& text) {
    if (text == "true" || text == "True" || text == "1" || text == "yes") return true;
    if (text == "false" || text == "False" || text == "0" || text == "no") return false;
    bad_param(name, "expected true or false, got \"" + text.substr(0, 64) + "\"");
}

std::array<std::uint8_t, 4> Colormap::at(double v) const {
    if (!intervals.empty()) {
        for (const auto& i : intervals) {
            if (v >= i.min && v < i.max) return i.rgba;
        }
        return {0, 0, 0, 0};
    }
    if (!std::isfinite(v)) return {0, 0, 0, 0};
    const auto it = values.find(std::llround(v));
    return it == values.end() ? std::array<std::uint8_t, 4>{0, 0, 0, 0} : it->second;
}

namespace {

// A colormap as colour stops at positions 0..1, interpolated linearly into 256 entries.
// The stops are rastio's own sampling of each palette's published look, not a copy of a table.
struct Stop {
    double at;
    int r, g, b;
};

Colormap from_stops(const std::vector<Stop>& stops) {
    Colormap cm;
    for (int i = 0; i < 256; ++i) {
        const double t = i / 255.0;
        std::size_t k = 1;
        while (k + 1 < stops.size() && stops[k].at < t) ++k;
        const Stop& a = stops[k - 1];
        const Stop& b = stops[k];
        const double f = b.at > a.at ? std::clamp((t - a.at) / (b.at - a.at), 0.0, 1.0) : 0.0;
        auto mix = [f](int x, int y) { return static_cast<std::uint8_t>(std::lround(x + (y - x) * f)); };
        cm.values[i] = {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b), 255};
    }
    return cm;
}

const std::map<std::string, std::vector<Stop>>& palettes() {
    static const std::map<std::string, std::vector<Stop>> p = {
        {"gray", {{0, 0, 0, 0}, {1, 255, 255, 255}}},
        {"greys", {{0, 255, 255, 255}, {1, 0, 0, 0}}},
        {"viridis", {{0, 68, 1, 84}, {0.25, 59, 82, 139}, {0.5, 33, 145, 140}, {0.75, 94, 201, 98}, {1, 253, 231, 37}}},
        {"magma", {{0, 0, 0, 4}, {0.25, 81, 18, 124}, {0.5, 183, 55, 121}, {0.75, 252, 137, 97}, {1, 252, 253, 191}}},
        {"inferno", {{0, 0, 0, 4}, {0.25, 87, 16, 110}, {0.5, 188, 55, 84}, {0.75, 249, 142, 9}, {1, 252, 255, 164}}},
        {"plasma", {{0, 13, 8, 135}, {0.25, 126, 3, 168}, {0.5, 204, 71, 120}, {0.75, 248, 149, 64}, {1, 240, 249, 33}}},
        {"terrain", {{0, 51, 51, 153}, {0.15, 0, 153, 255}, {0.25, 0, 204, 102}, {0.5, 255, 255, 153}, {0.75, 128, 92, 84}, {1, 255, 255, 255}}},
        {"blues", {{0, 247, 251, 255}, {0.5, 107, 174, 214}, {1, 8, 48, 107}}},
        {"reds", {{0, 255, 245, 240}, {0.5, 251, 106, 74}, {1, 103, 0, 13}}},
        {"rdylgn", {{0, 165, 0, 38}, {0.25, 244, 109, 67}, {0.5, 255, 255, 191}, {0.75, 102, 189, 99}, {1, 0, 104, 55}}},
    };
    return p;
}

std::array<std::uint8_t, 4> rgba_of(const nlohmann::json& c) {
    if (!c.is_array() || (c.size() != 3 && c.size() != 4)) bad_param("colormap", "a colour must be [r, g, b] or [r, g, b, a]");
    std::array<std::uint8_t, 4> out{0, 0, 0, 255};
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c[i].is_number_integer() || c[i].get<long long>() < 0 || c[i].get<long long>() > 255) {
            bad_param("colormap", "colour components must be integers 0..255");
        }
        out[i] = static_cast<std::uint8_t>(c[i].get<int>());
    }
    return out;
}

} // namespace

std::optional<Colormap> named_colormap(const std::string& name) {
    std::string key = name;
    bool reversed = false;
    if (key.size() > 2 && key.substr(key.size() - 2) == "_r") {
        reversed = true;
        key.resize(key.size() - 2);
    }
    const auto it = palettes().find(key);
    if (it == palettes().end()) return std::nullopt;
    auto stops = it->second;
    if (reversed) {
        std::reverse(stops.begin(), stops.end());
        for (auto& s : stops) s.at = 1.0 - s.at;
    }
    return from_stops(stops);
}

std::string colormap_names() {
    std::string out;
    for (const auto& [name, stops] : palettes()) out += (out.empty() ? "" : ", ") + name;
    return out;
}

Colormap parse_colormap_json(const std::string& text) {
    if (text.size() > 1u << 20) bad_param("colormap", "larger than 1 MiB");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        bad_param("colormap", "not valid JSON");
    }
    Colormap cm;
    if (j.is_object()) {
        if (j.empty() || j.size() > 65536) bad_param("colormap", "expected 1 to 65536 entries");
        for (const auto& [key, colour] : j.items()) {
            cm.values[parse_integer("colormap", key, -(1LL << 53), 1LL << 53)] = rgba_of(colour);
        }
        return cm;
    }
    if (j.is_array()) {
        if (j.empty() || j.size() > 65536) bad_param("colormap", "expected 1 to 65536 intervals");
        for (const auto& item : j) {
            if (!item.is_array() || item.size() != 2 || !item[0].is_array() || item[0].size() != 2 ||
                !item[0][0].is_number() || !item[0][1].is_number()) {
                bad_param("colormap", "intervals must be [[min, max], [r, g, b, a]]");
            }
            cm.intervals.push_back({item[0][0].get<double>(), item[0][1].get<double>(), rgba_of(item[1])});
        }
        return cm;
    }
    bad_param("colormap", "expected a JSON object or a list of intervals");
}

ImageParams image_params(const Request& req, const Dataset& ds) {
    ImageParams p;
    const int count = ds.count();
    for (const auto& v : req.all("bidx")) {
        std::size_t start = 0;
        while (start <= v.size()) {
            const std::size_t comma = std::min(v.find(',', start), v.size());
            const long long b = parse_integer("bidx", v.substr(start, comma - start), 1, 1 << 20);
            if (b > count) bad_param("bidx", "band " + std::to_string(b) + " does not exist (the dataset has " + std::to_string(count) + ")");
            p.bands.push_back(static_cast<int>(b));
            if (p.bands.size() > 64) bad_param("bidx", "at most 64 bands");
            start = comma + 1;
        }
    }
    if (p.bands.empty()) {
        const auto ci = ds.colorinterp();
        for (int b = 1; b <= count; ++b) {
            if (count == 1 || ci[static_cast<std::size_t>(b - 1)] != ColorInterp::alpha) p.bands.push_back(b);
        }
    }
    if (const auto* nd = req.one("nodata")) {
        if (*nd == "nan" || *nd == "NaN") p.nodata = std::nan("");
        else p.nodata = parse_number("nodata", *nd);
    }
    if (const auto* r = req.one("resampling")) {
        try {
            p.resampling = parse_resampling(*r);
        } catch (const rastio::Error&) {
            bad_param("resampling", "unknown method \"" + r->substr(0, 64) + "\"");
        }
        if (p.resampling >= Resampling::max && p.resampling <= Resampling::sum) {
            bad_param("resampling", std::string(to_string(p.resampling)) + " is for warping only");
        }
    }
    for (const auto& v : req.all("rescale")) {
        const auto comma = v.find(',');
        if (comma == std::string::npos) bad_param("rescale", "expected min,max, got \"" + v.substr(0, 64) + "\"");
        const double lo = parse_number("rescale", v.substr(0, comma));
        const double hi = parse_number("rescale", v.substr(comma + 1));
        p.rescale.emplace_back(lo, hi);
    }
    if (!p.rescale.empty() && p.rescale.size() != 1 && p.rescale.size() != p.bands.size()) {
        bad_param("rescale", "give one min,max for all bands or one per band (" + std::to_string(p.bands.size()) + ")");
    }
    const auto* name = req.one("colormap_name");
    const auto* json = req.one("colormap");
    if (name && json) bad_param("colormap", "give colormap or colormap_name, not both");
    if (name) {
        p.colormap = named_colormap(*name);
        if (!p.colormap) bad_param("colormap_name", "unknown colormap \"" + name->substr(0, 64) + "\" (known: " + colormap_names() + ")");
    }
    if (json) p.colormap = parse_colormap_json(*json);
    if (p.colormap && p.bands.size() != 1) bad_param(name ? "colormap_name" : "colormap", "needs exactly one band (bidx)");
    if (const auto* rm = req.one("return_mask")) p.return_mask = parse_bool("return_mask", *rm);
    return p;
}

} // namespace rastio::serve
