// `rastio mask`: rio mask over rastio::mask. Pixels outside the GeoJSON's features (inside, with
// --invert) become nodata (0 when the input has none); --crop keeps only their window. As rio, the
// features are taken to be in the raster's CRS: nothing is reprojected. The output is made in a
// MemoryFile with the input's profile and goes to OUTPUT through temp files, so a failure never
// leaves a partial OUTPUT.
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include <rastio/features.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct MaskCliOptions {
    std::vector<std::string> files;
    std::string output, driver, geojson_mask;
    std::vector<std::string> creation_options;
    bool all_touched = false, crop = false, invert = false, overwrite = false;
};

std::string read_text(const std::string& path) {
    if (path == "-") {
        const auto bytes = read_stdin();
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure("GeoJSON could not be read from --geojson-mask", path, exit_usage);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void run_mask(MaskCliOptions o) {
    if (o.output.empty()) {
        if (o.files.size() < 2) throw Failure("mask needs INPUT and OUTPUT (or -o)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.files.size() != 1) throw Failure("mask takes one INPUT", o.output, exit_usage);
    const std::string& src = o.files[0];
    check_output(src, o.output, o.overwrite);
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
    const std::string driver = output_driver(o.driver, o.output);
    check_creation_values(driver, o.creation_options, o.output);
    if (o.geojson_mask == "-" && src == "-") throw Failure("INPUT and --geojson-mask cannot both be stdin", "-", exit_usage);

    Input in = open_input(src);
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.output)});
    show_as(out.name(), o.output);
    if (o.geojson_mask.empty()) {
        print_warning("No GeoJSON provided, INPUT will be copied to OUTPUT", "");
        PrintGdalWarnings warnings(o.output);
        try {
            rastio::Profile p = in.dataset.profile();
            p.driver = driver;
            for (const auto& [k, v] : creation) p.options[k] = v;
            writer_block_layout(p);
            rastio::Dataset dst = out.open(p);
            dst.write(in.dataset.read());
            dst.close();
        } catch (const rastio::Error& e) {
            throw Failure(std::string("mask failed: ") + e.what(), o.output);
        }
        in = Input{};
        write_output(out, o.output, driver, quiet());
        return;
    }
    if (o.crop && o.invert) {
        print_warning("Invert option ignored when using --crop", "");
        o.invert = false;
    }
    Json geojson;
    try {
        geojson = Json::parse(read_text(o.geojson_mask));
    } catch (const Json::exception&) {
        throw Failure("invalid --geojson-mask: GeoJSON could not be read from --geojson-mask or stdin", o.geojson_mask,
                      exit_usage);
    }
    std::vector<rastio::Geometry> geometries;
    if (geojson.is_object() && geojson.contains("features") && geojson.at("features").is_array()) {
        for (const auto& f : geojson.at("features")) {
            if (!f.is_object() || !f.contains("geometry")) throw Failure("Invalid GeoJSON: a feature has no geometry", o.geojson_mask, exit_usage);
            geometries.emplace_back(f.at("geometry"));
        }
    } else if (geojson.is_object() && geojson.contains("geometry")) {
        geometries.emplace_back(geojson.at("geometry"));
    } else if (geojson.is_object() && geojson.contains("coordinates")) {
        geometries.emplace_back(geojson);
    } else {
        throw Failure("Invalid GeoJSON: not a FeatureCollection, a Feature or a geometry", o.geojson_mask, exit_usage);
    }
    {
        PrintGdalWarnings warnings(o.output);
        rastio::MaskedRaster masked;
        try {
            masked = rastio::mask(in.dataset, geometries, {.all_touched = o.all_touched, .invert = o.invert, .crop = o.crop});
        } catch (const rastio::ArgumentError& e) {
            if (std::string(e.what()) == "Input shapes do not overlap raster.") {
                throw Failure("invalid --crop: not allowed for GeoJSON outside the extent of the input raster", o.geojson_mask,
                              exit_usage);
            }
            throw Failure(std::string("mask failed: ") + e.what(), o.geojson_mask);
        } catch (const rastio::Error& e) {
            throw Failure(std::string("mask failed: ") + e.what(), src);
        }
        try {
            rastio::Profile p = in.dataset.profile();
            p.driver = driver;
            for (const auto& [k, v] : creation) p.options[k] = v;
            writer_block_layout(p);
            p.height = static_cast<int>(masked.data.shape()[1]);
            p.width = static_cast<int>(masked.data.shape()[2]);
            p.transform = masked.transform;
            rastio::Dataset dst = out.open(p);
            dst.write(masked.data);
            dst.close();
        } catch (const rastio::Error& e) {
            throw Failure(std::string("mask failed: ") + e.what(), o.output);
        }
    }
    in = Input{};
    write_output(out, o.output, driver, quiet());
}

} // namespace

void add_mask(CLI::App& app) {
    auto o = std::make_shared<MaskCliOptions>();
    auto* sub = app.add_subcommand("mask", "Mask a raster with GeoJSON features, as rio mask.");
    sub->add_option("files", o->files, "INPUT OUTPUT (or INPUT with -o)")->required();
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("-j,--geojson-mask", o->geojson_mask, "GeoJSON file of the features ('-' reads stdin)");
    sub->add_option("-f,--format,--driver", o->driver, "GDAL driver short name (default: from OUTPUT's extension)");
    sub->add_flag("-a,--all,--all_touched,--all-touched", o->all_touched, "Keep every pixel a feature touches");
    sub->add_flag("--crop", o->crop, "Crop to the features' extent (they must overlap the raster)");
    sub->add_flag("-i,--invert", o->invert, "Mask the inside of the features instead (ignored with --crop)");
    sub->add_flag("--overwrite", o->overwrite, "Replace OUTPUT if it exists");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")->allow_extra_args(false);
    sub->footer("Examples:\n  rastio mask dem.tif clipped.tif --geojson-mask field.geojson --crop\n"
                "  cat field.geojson | rastio mask dem.tif -o outside.tif -j - --invert\n");
    sub->callback([o] { run_mask(*o); });
}

} // namespace rastio_cli
