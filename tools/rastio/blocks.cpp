// `rastio blocks`: the block windows of a raster as GeoJSON features, as `rio blocks`: one
// FeatureCollection (the default) or, with --sequence, one feature per line (--rs: each after an
// RS character). Geometries are the blocks' bounds, in longitude/latitude unless --projected.
#include <set>

#include <rastio/warp.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct BlocksOptions {
    std::string input, output;
    int bidx = 0;
    bool projected = false;
    bool geographic = false;
    bool sequence = false;
    bool use_rs = false;
    bool compact = false;
    int precision = -1;
    std::optional<int> indent;
};

/// rio's _normalize_bounds: to EPSG:4326 unless projected, then rounded when precision >= 0.
rastio::Bounds normalized(const rastio::Dataset& ds, rastio::Bounds b, const BlocksOptions& o) {
    if (!o.projected) b = rastio::transform_bounds(ds.crs(), rastio::CRS::from_epsg(4326), b);
    if (o.precision >= 0) {
        b = {py_round(b.left, o.precision), py_round(b.bottom, o.precision), py_round(b.right, o.precision),
             py_round(b.top, o.precision)};
    }
    return b;
}

void run_blocks(const BlocksOptions& o) {
    if (o.projected && o.geographic) throw Failure("give --projected or --geographic, not both", o.input, exit_usage);
    Input in = open_input(o.input);
    const auto& ds = in.dataset;
    if (o.bidx != 0 && (o.bidx < 1 || o.bidx > ds.count())) {
        throw Failure("band " + std::to_string(o.bidx) + " is out of range 1.." + std::to_string(ds.count()), o.input,
                      exit_usage);
    }
    if (o.bidx == 0) {
        const auto shapes = ds.block_shapes();
        if (std::set(shapes.begin(), shapes.end()).size() > 1) {
            throw Failure("the bands have different block shapes, so no unique block windows: give --bidx", o.input,
                          exit_usage);
        }
    }
    if (!o.projected && ds.crs().empty()) {
        throw Failure("the dataset has no CRS to give longitude/latitude; use --projected", o.input);
    }
    const auto dumps = [&](const Json& j) { return py_dumps(j, o.indent, true, o.compact); };
    const std::string name = in.display_name();
    const std::string sep = o.compact ? "," : ", ";
    std::string out;
    const auto flush = [&](bool last) {
        if (!o.output.empty()) return; // written whole at the end, never partly
        if (last || out.size() > (1u << 20)) {
            write_stdout(out);
            out.clear();
        }
    };
    try {
        const auto blocks = ds.block_windows(o.bidx == 0 ? 1 : o.bidx);
        const bool stream_collection = !o.sequence && !o.indent; // else the collection is dumped whole
        Json features = Json::array();
        if (stream_collection) {
            const rastio::Bounds bb = normalized(ds, ds.bounds(), o);
            out += o.compact ? "{\"bbox\":" : "{\"bbox\": ";
            out += dumps(Json::array({bb.left, bb.bottom, bb.right, bb.top}));
            out += o.compact ? ",\"features\":[" : ", \"features\": [";
        }
        for (std::size_t idx = 0; idx < blocks.size(); ++idx) {
            const auto& blk = blocks[idx];
            const rastio::Bounds b = normalized(ds, ds.window_bounds(blk.window), o);
            const Json ring = Json::array({Json::array({b.left, b.bottom}), Json::array({b.left, b.top}),
                                           Json::array({b.right, b.top}), Json::array({b.right, b.bottom})});
            const auto& w = blk.window;
            Json feature = {
                {"type", "Feature"},
                {"id", name + ":" + std::to_string(idx)},
                {"properties",
                 {{"block", "[" + std::to_string(blk.row) + ", " + std::to_string(blk.col) + "]"},
                  {"window", {{"col_off", w.col_off}, {"row_off", w.row_off}, {"width", w.width}, {"height", w.height}}}}},
                {"geometry", {{"type", "Polygon"}, {"coordinates", Json::array({ring})}}}};
            if (o.sequence) {
                if (o.use_rs) out += '\x1e';
                out += dumps(feature) + "\n";
            } else if (stream_collection) {
                if (idx > 0) out += sep;
                out += dumps(feature);
            } else {
                features.push_back(std::move(feature));
            }
            flush(false);
        }
        if (stream_collection) {
            out += o.compact ? "],\"type\":\"FeatureCollection\"}\n" : "], \"type\": \"FeatureCollection\"}\n";
        } else if (!o.sequence) {
            const rastio::Bounds bb = normalized(ds, ds.bounds(), o);
            const Json collection = {{"bbox", Json::array({bb.left, bb.bottom, bb.right, bb.top})},
                                     {"type", "FeatureCollection"},
                                     {"features", std::move(features)}};
            out += dumps(collection) + "\n";
        }
    } catch (const rastio::Error& e) {
        throw Failure(e.what(), o.input);
    }
    if (o.output.empty()) {
        flush(true);
    } else {
        write_text_output(out, o.output);
    }
}

} // namespace

void add_blocks(CLI::App& app) {
    auto o = std::make_shared<BlocksOptions>();
    auto* sub = app.add_subcommand("blocks", "Write the block windows of a raster as GeoJSON features, as rio blocks.");
    sub->add_option("input", o->input, "A raster file, or - to read the bytes from stdin")->required();
    sub->add_option("-o,--output", o->output, "Write to this file instead of stdout");
    sub->add_option("-b,--bidx", o->bidx, "The band whose blocks are listed (default: the dataset's, all bands alike)");
    sub->add_flag("--projected", o->projected, "Coordinates in the dataset's own CRS");
    sub->add_flag("--geographic", o->geographic, "Longitude/latitude coordinates (the default)");
    sub->add_flag("--sequence,!--no-sequence,!--collection", o->sequence,
                  "One feature per line, else one FeatureCollection (the default)");
    sub->add_flag("--rs,!--no-rs", o->use_rs, "Write an RS character (0x1E) before each feature of a --sequence");
    sub->add_option("--precision", o->precision, "Decimal places of the coordinates (default: all)");
    sub->add_option("--indent", o->indent, "Indentation level for pretty-printed output")->check(CLI::NonNegativeNumber);
    sub->add_flag("--compact,!--not-compact", o->compact, "Compact separators (',' and ':')");
    sub->footer("Examples:\n  rastio blocks shade.tif --projected --sequence | head -2\n"
                "  rastio blocks RGB.byte.tif --precision 6 -o blocks.geojson\n");
    sub->callback([o] {
        if (o->indent && *o->indent == 0) o->indent.reset(); // rio passes indent only when it is not 0
        run_blocks(*o);
    });
}

} // namespace rastio_cli
