// `rastio bounds`: the bounds of one or more rasters as GeoJSON, as `rio bounds`: a feature per
// input, one per line (the default) or in one FeatureCollection (--collection); --bbox writes
// [west, south, east, north] arrays instead. Longitude/latitude by default, or --projected,
// --mercator, --dst-crs.
#include <algorithm>

#include <rastio/warp.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct BoundsOptions {
    std::vector<std::string> inputs;
    bool projected = false;
    bool geographic = false;
    bool mercator = false;
    bool bbox = false;
    bool feature = false;
    bool sequence = true;
    bool use_rs = false;
    bool compact = false;
    std::string dst_crs;
    int precision = -1;
    std::optional<int> indent;
};

void run_bounds(const BoundsOptions& o) {
    if (o.projected + o.geographic + o.mercator > 1) {
        throw Failure("give one of --geographic, --projected and --mercator", "", exit_usage);
    }
    if (o.bbox && o.feature) throw Failure("give --bbox or --feature, not both", "", exit_usage);
    std::optional<rastio::CRS> to;
    try {
        if (!o.dst_crs.empty()) {
            to = rastio::CRS::from_string(o.dst_crs);
        } else if (o.mercator) {
            to = rastio::CRS::from_epsg(3857);
        } else if (!o.projected) {
            to = rastio::CRS::from_epsg(4326);
        }
    } catch (const rastio::Error& e) {
        throw Failure("invalid --dst-crs \"" + o.dst_crs + "\": " + e.what(), "", exit_usage);
    }
    const auto dumps = [&](const Json& j) { return py_dumps(j, o.indent, true, o.compact); };
    std::string out;
    Json features = Json::array();
    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < o.inputs.size(); ++i) {
        Input in = open_input(o.inputs[i]);
        const auto& ds = in.dataset;
        rastio::Bounds b = ds.bounds();
        if (to) {
            if (ds.crs().empty()) {
                throw Failure("the dataset has no CRS to transform its bounds from; use --projected", o.inputs[i]);
            }
            try {
                b = rastio::transform_bounds(ds.crs(), *to, b);
            } catch (const rastio::Error& e) {
                throw Failure(std::string("cannot transform the bounds: ") + e.what(), o.inputs[i]);
            }
        }
        if (o.precision >= 0) {
            b = {py_round(b.left, o.precision), py_round(b.bottom, o.precision), py_round(b.right, o.precision),
                 py_round(b.top, o.precision)};
        }
        const Json ring = Json::array({Json::array({b.left, b.bottom}), Json::array({b.right, b.bottom}),
                                       Json::array({b.right, b.top}), Json::array({b.left, b.top}),
                                       Json::array({b.left, b.bottom})});
        Json feature = {{"type", "Feature"},
                        {"bbox", Json::array({b.left, b.bottom, b.right, b.top})},
                        {"geometry", {{"type", "Polygon"}, {"coordinates", Json::array({ring})}}},
                        {"properties", {{"id", std::to_string(i)}, {"title", in.label}, {"filename", in.display_name()}}}};
        xs.insert(xs.end(), {b.left, b.right});
        ys.insert(ys.end(), {b.bottom, b.top});
        if (o.sequence) {
            if (o.use_rs) out += '\x1e';
            if (o.bbox) {
                // rio's write_features: the min/max of the geometry's coordinates.
                const auto [x0, x1] = std::minmax(b.left, b.right);
                const auto [y0, y1] = std::minmax(b.bottom, b.top);
                out += dumps(Json::array({x0, y0, x1, y1})) + "\n";
            } else {
                out += dumps(feature) + "\n";
            }
        } else {
            features.push_back(std::move(feature));
        }
    }
    if (!o.sequence) {
        const Json bbox = Json::array({*std::min_element(xs.begin(), xs.end()), *std::min_element(ys.begin(), ys.end()),
                                       *std::max_element(xs.begin(), xs.end()), *std::max_element(ys.begin(), ys.end())});
        if (o.bbox) {
            out += dumps(bbox) + "\n";
        } else {
            out += dumps(Json{{"bbox", bbox}, {"type", "FeatureCollection"}, {"features", std::move(features)}}) + "\n";
        }
    }
    write_stdout(out);
}

} // namespace

void add_bounds(CLI::App& app) {
    auto o = std::make_shared<BoundsOptions>();
    auto* sub = app.add_subcommand("bounds", "Write the bounds of rasters as GeoJSON, as rio bounds (longitude/latitude by default).");
    sub->add_option("inputs", o->inputs, "Raster files, or - to read the bytes from stdin")->required();
    sub->add_flag("--projected", o->projected, "Bounds in each dataset's own CRS");
    sub->add_flag("--geographic", o->geographic, "Bounds in longitude/latitude (the default)");
    sub->add_flag("--mercator", o->mercator, "Bounds in Web Mercator (EPSG:3857)");
    sub->add_option("--dst-crs", o->dst_crs, "Bounds in this CRS (e.g. EPSG:32618); wins over the three above");
    sub->add_flag("--bbox", o->bbox, "[west, south, east, north] arrays instead of features");
    sub->add_flag("--feature", o->feature, "GeoJSON features (the default)");
    sub->add_flag("--sequence,!--collection", o->sequence,
                  "One text per line (the default), else one FeatureCollection (or one bbox of all with --bbox)");
    sub->add_flag("--rs,!--no-rs", o->use_rs, "Write an RS character (0x1E) before each text of a --sequence");
    sub->add_option("--precision", o->precision, "Decimal places of the coordinates (default: all)");
    sub->add_option("--indent", o->indent, "Indentation level for pretty-printed output")->check(CLI::NonNegativeNumber);
    sub->add_flag("--compact,!--not-compact", o->compact, "Compact separators (',' and ':')");
    sub->footer("Examples:\n  rastio bounds byte.tif --precision 6\n"
                "  rastio bounds a.tif b.tif --collection --dst-crs EPSG:3857\n");
    sub->callback([o] {
        if (o->indent && *o->indent == 0) o->indent.reset(); // rio passes indent only when it is not 0
        run_bounds(*o);
    });
}

} // namespace rastio_cli
