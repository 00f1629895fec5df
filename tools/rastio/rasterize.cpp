// `rastio rasterize`: rio rasterize over rastio::rasterize. GeoJSON (a FeatureCollection or a
// Feature) from a file or stdin; the grid from --like, or from --bounds (else the GeoJSON's) with
// --dimensions or --res; an existing OUTPUT (with --overwrite) has the features burnt into every
// band. As rio, the GeoJSON is taken to be in the output's CRS: nothing is reprojected, and
// --src-crs (default EPSG:4326) only names the new output's CRS. The output is made in a
// MemoryFile and goes to OUTPUT through temp files, so a failure never leaves a partial OUTPUT.
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <rastio/features.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct RasterizeCliOptions {
    std::vector<std::string> files;
    std::string output, driver, like, bounds, src_crs, property, nodata;
    std::vector<int> dimensions;
    std::vector<double> res;
    std::vector<std::string> creation_options;
    double default_value = 1, fill = 0;
    bool all_touched = false, overwrite = false;
};

/// rio's cast: a whole number is an integer, so that rasterize does not make floats.
rastio::BurnValue as_number(double v) {
    if (std::isfinite(v) && v == std::trunc(v) && std::abs(v) < 9.2e18) return static_cast<std::int64_t>(v);
    return v;
}

/// rasterio.coords.disjoint_bounds, for north-up boxes.
bool disjoint(const rastio::Bounds& a, const rastio::Bounds& b) {
    return a.left > b.right || b.left > a.right || a.bottom > b.top || b.bottom > a.top;
}

std::string read_text(const std::string& path) {
    if (path == "-") {
        const auto bytes = read_stdin();
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure("cannot read the GeoJSON", path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Pixels of `burnt` that differ from `fill` replace those of every band of `data` (rio's update).
void burn_into(rastio::AnyArray& data, const rastio::AnyArray& burnt, double fill) {
    rastio::visit_dtype(data.dtype(), [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_arithmetic_v<T>) {
            const auto& src = burnt.as<T>();
            auto& dst = data.as<T>();
            const std::size_t plane = src.size();
            for (std::size_t b = 0; b < dst.bands(); ++b) {
                for (std::size_t i = 0; i < plane; ++i) {
                    if (static_cast<double>(src.values()[i]) != fill) dst.values()[b * plane + i] = src.values()[i];
                }
            }
        } else {
            throw Failure("cannot rasterize into a complex raster", "");
        }
    });
}

void run_rasterize(RasterizeCliOptions o) {
    // rio's resolve_inout: with -o every positional is an input, else the last one is the output.
    if (o.output.empty()) {
        if (o.files.empty()) throw Failure("rasterize needs an OUTPUT (or -o)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.files.size() > 1) throw Failure("rasterize takes one GeoJSON input", o.files[1], exit_usage);
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool exists = o.output != "-" && fs::exists(o.output, ec);
    if (exists && !o.overwrite) {
        throw Failure("file exists and won't be overwritten without use of the `--overwrite` option.", o.output);
    }
    const bool has_src_crs = !o.src_crs.empty();
    rastio::CRS src_crs;
    try {
        src_crs = rastio::CRS::from_string(has_src_crs ? o.src_crs : "EPSG:4326");
    } catch (const rastio::Error&) {
        throw Failure("invalid --src-crs \"" + o.src_crs + "\": invalid CRS.  Must be an EPSG code.", o.output, exit_usage);
    }
    std::optional<double> nodata;
    if (!o.nodata.empty()) {
        try {
            std::size_t used = 0;
            nodata = (o.nodata == "nan" || o.nodata == "NaN") ? std::nan("") : std::stod(o.nodata, &used);
            if (used != o.nodata.size() && !std::isnan(*nodata)) throw std::invalid_argument(o.nodata);
        } catch (const std::exception&) {
            throw Failure("invalid --nodata \"" + o.nodata + "\" (a number or nan)", o.output, exit_usage);
        }
    }
    const rastio::BurnValue default_value = as_number(o.default_value);
    const rastio::BurnValue fill = as_number(o.fill);

    // The features and their values.
    const std::string input = o.files.empty() ? "-" : o.files[0];
    const std::string text = read_text(input);
    Json geojson;
    try {
        geojson = Json::parse(text);
    } catch (const Json::exception&) {
        throw Failure("the input is not JSON (GeoJSON expected)", input);
    }
    auto value_of = [&](const Json& feature) -> std::optional<rastio::BurnValue> {
        if (o.property.empty() || !feature.is_object() || !feature.contains("properties")) return default_value;
        const Json& props = feature.at("properties");
        if (!props.is_object() || !props.contains(o.property)) return default_value;
        const Json& v = props.at(o.property);
        if (v.is_null()) return std::nullopt; // rasterio burns the fill value
        if (v.is_number_integer()) return v.get<std::int64_t>();
        if (v.is_number()) return v.get<double>();
        throw Failure("property \"" + o.property + "\" is not a number: " + v.dump(), input);
    };
    std::vector<rastio::GeometryValue> shapes;
    auto add = [&](const Json& feature) {
        if (!feature.is_object() || !feature.contains("geometry")) throw Failure("a feature has no geometry", input);
        const auto v = value_of(feature);
        shapes.emplace_back(rastio::Geometry(feature.at("geometry")), v ? *v : fill);
    };
    if (geojson.is_object() && geojson.contains("features")) {
        if (!geojson.at("features").is_array()) throw Failure("Invalid GeoJSON: features is not a list", input);
        for (const auto& f : geojson.at("features")) add(f);
    } else if (geojson.is_object() && geojson.contains("geometry")) {
        add(geojson);
    } else {
        throw Failure("Invalid GeoJSON: neither a FeatureCollection nor a Feature", input, exit_usage);
    }
    rastio::Bounds geojson_bounds;
    try {
        geojson_bounds = rastio::bounds(rastio::Geometry(geojson));
    } catch (const rastio::Error& e) {
        throw Failure(std::string("cannot compute the GeoJSON's bounds: ") + e.what(), input);
    }

    rastio::RasterizeOptions ro;
    ro.all_touched = o.all_touched;
    ro.default_value = default_value;
    ro.fill = fill;
    rastio::Profile profile;
    std::map<std::string, std::string> creation;
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", o.output, exit_usage);
        }
        std::string key = co.substr(0, eq);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        creation[key] = co.substr(eq + 1);
    }
    Input existing;
    if (exists) {
        existing = open_input(o.output);
        const rastio::Dataset& ds = existing.dataset;
        if (has_src_crs && !(src_crs == ds.crs())) {
            throw Failure("GeoJSON does not match crs of existing output raster", input, exit_usage);
        }
        if (disjoint(geojson_bounds, ds.bounds())) {
            print_warning("GeoJSON outside bounds of existing output raster. Are they in different coordinate reference systems?", input);
        }
        profile = ds.profile();
        ro.dtype = ds.dtypes().at(0);
    } else if (!o.like.empty()) {
        Input like = open_input(o.like);
        const rastio::Dataset& ds = like.dataset;
        if (has_src_crs && !(src_crs == ds.crs())) throw Failure("GeoJSON does not match crs of --like raster", input, exit_usage);
        if (disjoint(geojson_bounds, ds.bounds())) {
            print_warning("GeoJSON outside bounds of --like raster. Are they in different coordinate reference systems?", input);
        }
        profile = ds.profile();
        profile.count = 1;
        ro.dtype = profile.dtype;
    } else {
        const rastio::Bounds b = o.bounds.empty() ? geojson_bounds : parse_rio_bounds(o.bounds);
        if (src_crs.is_geographic() && (b.left < -180 || b.right > 180 || b.bottom < -80 || b.top > 80)) {
            throw Failure("invalid --bounds: Bounds are beyond the valid extent for EPSG:4326.", o.output, exit_usage);
        }
        double rx = 0, ry = 0;
        int width = 0, height = 0;
        if (!o.dimensions.empty()) {
            if (o.dimensions.size() != 2 || o.dimensions[0] <= 0 || o.dimensions[1] <= 0) {
                throw Failure("--dimensions takes a positive width and height", o.output, exit_usage);
            }
            width = o.dimensions[0];
            height = o.dimensions[1];
            rx = (b.right - b.left) / width;
            ry = (b.top - b.bottom) / height;
        } else {
            if (o.res.empty()) throw Failure("invalid --res: pixel dimensions are required", o.output, exit_usage);
            if (o.res.size() > 2) throw Failure("--res takes one value, or two (x then y)", o.output, exit_usage);
            rx = o.res[0];
            ry = o.res.size() == 2 ? o.res[1] : o.res[0];
            const double w = std::ceil((b.right - b.left) / rx), h = std::ceil((b.top - b.bottom) / ry);
            if (!(w < 1e9) || !(h < 1e9)) throw Failure("--res makes a raster too large", o.output, exit_usage);
            width = std::max(static_cast<int>(w), 1);
            height = std::max(static_cast<int>(h), 1);
        }
        profile.count = 1;
        profile.crs = src_crs;
        profile.width = width;
        profile.height = height;
        profile.transform = rastio::Affine{rx, 0, b.left, 0, -ry, b.top};
        profile.driver = o.driver;
    }
    ro.out_shape = std::pair{*profile.height, *profile.width};
    ro.transform = *profile.transform;
    if (!exists) {
        for (const auto& [k, v] : creation) profile.options[k] = v;
        if (nodata) profile.nodata = nodata;
    }
    writer_block_layout(profile);
    profile.driver = output_driver(profile.driver, o.output);
    if (!exists) check_creation_values(profile.driver, o.creation_options, o.output);

    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.output)});
    show_as(out.name(), o.output);
    {
        PrintGdalWarnings warnings(o.output);
        try {
            rastio::AnyArray burnt = rastio::rasterize(shapes, ro);
            if (!profile.dtype) profile.dtype = burnt.dtype();
            if (exists) {
                rastio::AnyArray data = existing.dataset.read();
                burn_into(data, burnt, o.fill);
                rastio::Dataset dst = out.open(profile);
                dst.write(data);
                dst.close();
            } else {
                rastio::Dataset dst = out.open(profile);
                dst.write(burnt);
                dst.close();
            }
        } catch (const rastio::Error& e) {
            throw Failure(std::string("rasterize failed: ") + e.what(), o.output);
        }
    }
    existing = Input{};
    write_output(out, o.output, profile.driver, quiet());
}

} // namespace

void add_rasterize(CLI::App& app) {
    auto o = std::make_shared<RasterizeCliOptions>();
    auto* sub = app.add_subcommand("rasterize", "Rasterize GeoJSON features, as rio rasterize.");
    sub->add_option("files", o->files, "[GEOJSON] OUTPUT (GeoJSON from stdin when omitted or -)");
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("-f,--format,--driver", o->driver, "GDAL driver short name (default: from OUTPUT's extension)");
    sub->add_option("--like", o->like, "Raster whose grid, CRS, dtype and driver the output takes (one band)");
    sub->add_option("--bounds", o->bounds, "Output bounds: \"left bottom right top\" (default: the GeoJSON's)");
    sub->add_option("--dimensions", o->dimensions, "Output width and height in pixels")->expected(2)->allow_extra_args(false);
    sub->add_option("-r,--res", o->res, "Output resolution; repeat for x then y")
        ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->allow_extra_args(false);
    sub->add_option("--src-crs,--src_crs", o->src_crs, "CRS of a new output (default EPSG:4326); the GeoJSON is not reprojected");
    sub->add_flag("-a,--all,--all_touched,--all-touched", o->all_touched, "Burn every pixel a feature touches");
    sub->add_option("--default-value,--default_value", o->default_value, "Value of features (without --property)");
    sub->add_option("--fill", o->fill, "Value of pixels no feature covers (default 0)");
    sub->add_option("--property", o->property, "Feature property holding the value to burn");
    sub->add_flag("--overwrite,--force-overwrite", o->overwrite, "Burn into an existing OUTPUT (rio's --overwrite)");
    sub->add_option("--nodata", o->nodata, "Nodata of a new output: a number or nan");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")->allow_extra_args(false);
    sub->footer("Examples:\n  rastio rasterize fields.geojson fields.tif --res 10 --src-crs EPSG:32633 --property class\n"
                "  cat fields.geojson | rastio rasterize -o fields.tif --like dem.tif --all_touched\n");
    sub->callback([o] { run_rasterize(*o); });
}

} // namespace rastio_cli
