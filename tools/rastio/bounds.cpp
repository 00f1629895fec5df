// `rastio bounds`: a dataset's bounding box as a GeoJSON feature, like `rio bounds`.
#include <cmath>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct BoundsOptions {
    std::string input;
    bool projected = false;
    bool bbox = false;
    std::optional<int> precision;
    std::optional<int> indent;
};

double rounded(double v, std::optional<int> precision) {
    if (!precision) return v;
    const double scale = std::pow(10.0, *precision);
    return std::round(v * scale) / scale;
}

void run_bounds(const BoundsOptions& o) {
    Input in = open_input(o.input);
    const auto& ds = in.dataset;
    rastio::Bounds b = rio_bounds(geotransform(ds), ds.width(), ds.height());
    if (!o.projected) {
        const rastio::CRS crs = ds.crs();
        if (crs.empty()) throw Failure("the dataset has no CRS to give longitude/latitude; use --projected", o.input);
        b = bounds_to_lnglat(crs, b, o.input);
    }
    const double l = rounded(b.left, o.precision), s = rounded(b.bottom, o.precision), r = rounded(b.right, o.precision),
                 t = rounded(b.top, o.precision);
    const Json bbox = Json::array({l, s, r, t});
    if (o.bbox) {
        write_stdout(py_dumps(bbox, o.indent) + "\n");
        return;
    }
    const Json ring = Json::array({Json::array({l, s}), Json::array({r, s}), Json::array({r, t}), Json::array({l, t}), Json::array({l, s})});
    const std::string name = in.display_name();
    const Json feature = {{"bbox", bbox},
                          {"geometry", {{"coordinates", Json::array({ring})}, {"type", "Polygon"}}},
                          {"properties", {{"filename", name}, {"id", "0"}, {"title", name}}},
                          {"type", "Feature"}};
    write_stdout(py_dumps(feature, o.indent, true) + "\n");
}

} // namespace

void add_bounds(CLI::App& app) {
    auto o = std::make_shared<BoundsOptions>();
    auto* sub = app.add_subcommand("bounds", "Write a dataset's bounds as a GeoJSON feature (longitude/latitude by default).");
    sub->add_option("input", o->input, "A raster file, or - to read the bytes from stdin")->required();
    sub->add_flag("--projected", o->projected, "Bounds in the dataset's own CRS");
    sub->add_flag("--bbox", o->bbox, "Only the [west, south, east, north] array");
    sub->add_option("--precision", o->precision, "Decimal places of the coordinates")->check(CLI::Range(0, 17));
    sub->add_option("--indent", o->indent, "Indentation level for pretty-printed output")->check(CLI::NonNegativeNumber);
    sub->footer("Example:\n  rastio bounds byte.tif --precision 6\n");
    sub->callback([o] { run_bounds(*o); });
}

} // namespace rastio_cli
