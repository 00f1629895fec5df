// `rastio shapes`: rio shapes over rastio::shapes. The shapes of one band (or of the dataset's
// masks) as GeoJSON features, in longitude/latitude (rastio::transform_geom, as rio) or in the
// dataset's CRS; a sequence of features (the default) or one FeatureCollection. As rio 1.3.5,
// --precision rounds only geographic output. The text is made whole before it is written, so a
// failure never leaves a partial -o file.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include <rastio/features.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct ShapesCliOptions {
    std::string input, output;
    int precision = -1;
    std::optional<int> indent;
    bool compact = false;
    bool projected = false;
    bool sequence = true;
    bool use_rs = false;
    bool bbox = false;
    bool band = true;
    std::optional<int> bidx;
    int sampling = 1;
    bool with_nodata = false;
    bool as_mask = false;
};

/// numpy's logical_or over the bands of `masks`, as uint8 0/1: rio's footprint of all bands.
rastio::Array<std::uint8_t> any_band(const rastio::Array<std::uint8_t>& masks) {
    rastio::Array<std::uint8_t> out(rastio::Shape{1, masks.rows(), masks.cols()});
    for (std::size_t b = 0; b < masks.bands(); ++b) {
        const auto in = masks.band(b);
        auto o = out.values();
        for (std::size_t i = 0; i < in.size(); ++i) o[i] = static_cast<std::uint8_t>(o[i] | (in[i] != 0));
    }
    return out;
}

/// rio's --as-mask: 255 where the pixel is not 0 (NaN included), else 0.
rastio::Array<std::uint8_t> as_binary(const rastio::AnyArray& img) {
    rastio::Array<std::uint8_t> out(img.shape());
    rastio::visit_dtype(img.dtype(), [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_arithmetic_v<T>) {
            const auto in = img.as<T>().values();
            auto o = out.values();
            for (std::size_t i = 0; i < in.size(); ++i) o[i] = in[i] == T{} ? 0 : 255;
        } else {
            throw Failure("--as-mask: complex bands are not supported", "");
        }
    });
    return out;
}

/// Every position of a GeoJSON geometry, as rio's coords(): [x, y] pairs at any depth.
void positions(const nlohmann::json& c, std::vector<std::pair<double, double>>& out) {
    if (!c.is_array() || c.empty()) return;
    if (c[0].is_number()) {
        if (c.size() >= 2) out.emplace_back(c[0].get<double>(), c[1].get<double>());
        return;
    }
    for (const auto& e : c) positions(e, out);
}

/// [min x, min y, max x, max y] of a geometry's positions.
std::array<double, 4> bbox_of(const nlohmann::json& g) {
    std::vector<std::pair<double, double>> pts;
    if (g.contains("coordinates")) positions(g.at("coordinates"), pts);
    if (pts.empty()) throw Failure("a shape has no coordinates", "");
    std::array<double, 4> b{pts[0].first, pts[0].second, pts[0].first, pts[0].second};
    for (const auto& [x, y] : pts) {
        b[0] = std::min(b[0], x);
        b[1] = std::min(b[1], y);
        b[2] = std::max(b[2], x);
        b[3] = std::max(b[3], y);
    }
    return b;
}

/// Writes `text` to `path` through a temp file renamed into place.
void write_text_file(const std::string& text, const std::string& path) {
    const std::string tmp = path + ".rastio-tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw Failure(std::string("cannot write: ") + std::strerror(errno), path);
        f.write(text.data(), static_cast<std::streamsize>(text.size()));
        f.close();
        if (!f) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw Failure("cannot write the output", path);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Failure("cannot write the output: " + ec.message(), path);
    }
}

void run_shapes(const ShapesCliOptions& o) {
    Input in = open_input(o.input);
    const rastio::Dataset& ds = in.dataset;
    const std::optional<int> bidx = !o.bidx && o.band ? std::optional<int>(1) : o.bidx;
    if (bidx && (*bidx > ds.count() || *bidx < 1)) {
        throw Failure("--bidx " + std::to_string(*bidx) + " is out of range for raster (" + std::to_string(ds.count()) +
                          " band(s))",
                      o.input, exit_usage);
    }

    // rio's decimation: ceil(size / sampling) pixels, the grid shifted and scaled to match.
    rastio::Affine transform = ds.transform();
    rastio::ReadOptions ro;
    if (bidx) ro.bands = {*bidx};
    if (o.sampling > 1) {
        const int rows = static_cast<int>(std::ceil(static_cast<double>(ds.height()) / o.sampling));
        const int cols = static_cast<int>(std::ceil(static_cast<double>(ds.width()) / o.sampling));
        const double xs = static_cast<double>(ds.width()) / cols, ys = static_cast<double>(ds.height()) / rows;
        transform = transform * rastio::Affine::translation(std::fmod(ds.width(), xs), std::fmod(ds.height(), ys));
        transform = transform * rastio::Affine::scale(xs, ys);
        ro.out_shape = std::pair{rows, cols};
    }

    // Which pixels take part, and what is polygonized: rio's dataset_features.
    std::optional<rastio::Array<std::uint8_t>> msk;
    rastio::AnyArray img;
    if (!o.band || (!o.as_mask && !o.with_nodata)) {
        rastio::Array<std::uint8_t> m = ds.read_masks(ro);
        if (!bidx) m = any_band(m);
        msk = m;
        img = rastio::AnyArray(std::move(m));
    }
    if (o.band) img = ds.read(ro);
    if (o.as_mask) {
        rastio::Array<std::uint8_t> tmp = as_binary(img);
        if (!o.with_nodata) msk = tmp;
        img = rastio::AnyArray(std::move(tmp));
    }
    rastio::ShapesOptions so{.transform = transform};
    if (!o.with_nodata && msk) so.mask.emplace(*msk);

    std::vector<rastio::RegionShape> found = rastio::shapes(img, so);
    std::vector<nlohmann::json> geoms;
    geoms.reserve(found.size());
    for (auto& s : found) geoms.push_back(std::move(s.geometry));
    if (!o.projected) {
        const rastio::CRS crs = ds.crs();
        if (crs.empty()) throw Failure("the dataset has no CRS to give longitude/latitude; use --projected", o.input);
        geoms = rastio::transform_geom(crs, rastio::CRS::from_epsg(4326), geoms, o.precision);
    }

    const std::string name = in.display_name();
    const std::optional<int> indent = o.indent && *o.indent > 0 ? o.indent : std::nullopt;
    std::string text;
    Json features = Json::array();
    std::array<double, 4> total{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (std::size_t i = 0; i < geoms.size(); ++i) {
        const auto b = bbox_of(geoms[i]);
        const Json bbox = Json::array({b[0], b[1], b[2], b[3]});
        // rasterio 1.3.5 (Debian's build) yields every value as a float, integer bands' too.
        Json val = found[i].value;
        Json feature = {{"bbox", bbox},
                        {"geometry", Json(geoms[i])},
                        {"id", name + ":" + std::to_string(i)},
                        {"properties", {{"filename", name}, {"val", std::move(val)}}},
                        {"type", "Feature"}};
        if (o.sequence) {
            if (o.use_rs) text += '\x1e';
            text += py_dumps(o.bbox ? bbox : feature, indent, true, o.compact);
            text += '\n';
        } else {
            total = {std::min(total[0], b[0]), std::min(total[1], b[1]), std::max(total[2], b[2]),
                     std::max(total[3], b[3])};
            features.push_back(std::move(feature));
        }
    }
    if (!o.sequence) {
        // rio 1.3.5 fails here too (its collection's bbox of no features).
        if (features.empty()) throw Failure("no shapes found: a FeatureCollection needs at least one for its bbox", o.input);
        const Json collection = {{"bbox", Json::array({total[0], total[1], total[2], total[3]})},
                                 {"features", std::move(features)},
                                 {"type", "FeatureCollection"}};
        text = py_dumps(collection, indent, true, o.compact) + "\n";
    }
    if (o.output.empty() || o.output == "-") {
        write_stdout(text);
    } else {
        write_text_file(text, o.output);
    }
}

} // namespace

void add_shapes(CLI::App& app) {
    auto o = std::make_shared<ShapesCliOptions>();
    auto* sub = app.add_subcommand("shapes", "Write shapes extracted from a band or the masks as GeoJSON (rio shapes).");
    sub->add_option("input", o->input, "A raster file, or - to read the bytes from stdin")->required();
    sub->add_option("-o,--output", o->output, "Write to this file instead of stdout");
    sub->add_option("--precision", o->precision, "Decimal places of geographic coordinates (-1: all)");
    sub->add_option("--indent", o->indent, "Indentation level for JSON output")->check(CLI::NonNegativeNumber);
    sub->add_flag("--compact,!--not-compact", o->compact, "Compact separators (',', ':')");
    sub->add_flag("--projected{true},--geographic{false}", o->projected,
                  "The dataset's own coordinates, or longitude/latitude (the default)");
    sub->add_flag("--sequence{true},--collection{false}", o->sequence,
                  "One feature per line (the default), or one FeatureCollection");
    sub->add_flag("--rs,!--no-rs", o->use_rs, "Prefix each text of a sequence with RS (0x1E)");
    sub->add_flag("--bbox{true},--feature{false}", o->bbox, "In a sequence, write each shape's bbox instead of the feature");
    sub->add_flag("--band{true},--mask{false}", o->band, "Shapes of a band (the default) or of the masks");
    sub->add_option("--bidx", o->bidx, "The band (or band mask) to extract from; with --mask and none: all bands' masks");
    sub->add_option("--sampling", o->sampling, "Inverse of the sampling fraction; 10 decimates");
    sub->add_flag("--with-nodata,!--without-nodata", o->with_nodata, "Include the nodata regions");
    sub->add_flag("--as-mask,!--not-as-mask", o->as_mask, "Treat the band as a mask: shapes of nonzero pixels");
    sub->footer("Examples:\n  rastio shapes classes.tif --projected --collection --indent 2\n"
                "  rastio shapes RGB.byte.tif --mask --precision 6 -o footprint.geojson\n");
    sub->callback([o] { run_shapes(*o); });
}

} // namespace rastio_cli
