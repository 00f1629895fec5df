// `rastio merge`: rio merge's options over rastio::merge. The mosaic is made in a MemoryFile
// with the first input's profile (and --driver, --co), then goes to OUTPUT through temp files,
// so a failure never leaves a partial OUTPUT. Beyond rio 1.3.5: --method and
// --target-aligned-pixels (rasterio.merge.merge's method and target_aligned_pixels).
#include <cctype>
#include <cmath>
#include <memory>

#include <rastio/merge.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct MergeCliOptions {
    std::vector<std::string> files;
    std::string output, driver, bounds, resampling = "nearest", nodata, dtype, method = "first";
    std::vector<double> res;
    std::vector<int> bidx;
    std::vector<std::string> creation_options;
    std::optional<int> precision;
    bool overwrite = false;
    bool target_aligned_pixels = false;
};

void run_merge(MergeCliOptions o) {
    // rio's resolve_inout: with -o every positional is an input, else the last one is the output.
    if (o.output.empty()) {
        if (o.files.size() < 2) throw Failure("merge needs inputs and an OUTPUT (or -o)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.files.empty()) throw Failure("merge needs at least one input", o.output, exit_usage);
    rastio::MergeOptions mo;
    if (!o.bounds.empty()) mo.bounds = parse_rio_bounds(o.bounds);
    if (o.res.size() == 1) mo.res = std::pair{o.res[0], o.res[0]};
    if (o.res.size() == 2) mo.res = std::pair{o.res[0], o.res[1]};
    if (o.res.size() > 2) throw Failure("--res takes one value, or two (x then y)", o.output, exit_usage);
    if (o.target_aligned_pixels && !mo.res) throw Failure("--target-aligned-pixels requires --res", o.output, exit_usage);
    mo.target_aligned_pixels = o.target_aligned_pixels;
    if (!o.nodata.empty()) {
        if (o.nodata == "nan" || o.nodata == "NaN") {
            mo.nodata = std::nan("");
        } else {
            try {
                std::size_t used = 0;
                mo.nodata = std::stod(o.nodata, &used);
                if (used != o.nodata.size()) throw std::invalid_argument(o.nodata);
            } catch (const std::exception&) {
                throw Failure("invalid --nodata \"" + o.nodata + "\" (a number or nan)", o.output, exit_usage);
            }
        }
    }
    try {
        if (!o.dtype.empty()) mo.dtype = rastio::parse_dtype(o.dtype == "ubyte" ? "uint8" : o.dtype);
        mo.resampling = rastio::parse_resampling(o.resampling);
        mo.method = rastio::parse_merge_method(o.method);
    } catch (const rastio::Error& e) {
        throw Failure(e.what(), o.output, exit_usage);
    }
    if (static_cast<int>(mo.resampling) > static_cast<int>(rastio::Resampling::gauss)) {
        throw Failure("--resampling must be one of nearest, bilinear, cubic, cubic_spline, lanczos, average, mode, gauss",
                      o.output, exit_usage);
    }
    mo.indexes = o.bidx;
    rastio::Profile kwds;
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", o.output, exit_usage);
        }
        std::string key = co.substr(0, eq);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        kwds.options[key] = co.substr(eq + 1);
    }
    kwds.driver = output_driver(o.driver, o.output);
    check_creation_values(kwds.driver, o.creation_options, o.output);
    for (const auto& f : o.files) check_output(f, o.output, o.overwrite);

    std::vector<Input> inputs;
    std::vector<rastio::MergeSource> sources;
    inputs.reserve(o.files.size());
    for (const auto& f : o.files) inputs.push_back(open_input(f));
    for (const auto& in : inputs) sources.emplace_back(in.dataset);
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.output)});
    show_as(out.name(), o.output);
    {
        PrintGdalWarnings warnings(o.output);
        try {
            rastio::merge(sources, out, mo, kwds);
        } catch (const rastio::Error& e) {
            throw Failure(e.what(), o.output);
        }
    }
    inputs.clear();
    write_output(out, o.output, kwds.driver, quiet());
}

} // namespace

void add_merge(CLI::App& app) {
    auto o = std::make_shared<MergeCliOptions>();
    auto* sub = app.add_subcommand("merge", "Merge a stack of rasters, as rio merge (- reads stdin, writes stdout).");
    sub->add_option("files", o->files, "INPUTS... OUTPUT (or INPUTS... with -o)")->required();
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("-f,--format,--driver", o->driver, "GDAL driver short name (default: from OUTPUT's extension)");
    sub->add_option("--bounds", o->bounds, "Output bounds: \"left bottom right top\" or \"[left, bottom, right, top]\"");
    sub->add_option("-r,--res", o->res, "Output resolution; repeat for x then y")
        ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->allow_extra_args(false);
    sub->add_option("--resampling", o->resampling, "nearest (default), bilinear, cubic, cubic_spline, lanczos, average, mode, gauss");
    sub->add_option("--method", o->method, "first (default), last, min, max, sum, count");
    sub->add_flag("--target-aligned-pixels", o->target_aligned_pixels, "Align the output bounds to multiples of --res");
    sub->add_option("--nodata", o->nodata, "Output nodata: a number or nan");
    sub->add_option("-t,--dtype", o->dtype, "Output dtype (uint8, uint16, int16, uint32, int32, float32, float64)");
    sub->add_option("-b,--bidx", o->bidx, "Band of the inputs to merge (repeatable)")
        ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->allow_extra_args(false);
    sub->add_flag("--overwrite", o->overwrite, "Replace OUTPUT if it exists");
    sub->add_option("--precision", o->precision, "Unused (deprecated in rio 1.3)");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")->allow_extra_args(false);
    sub->footer("Examples:\n  rastio merge a.tif b.tif merged.tif\n"
                "  rastio merge a.tif b.tif -o merged.tif --res 30 --method max --co COMPRESS=DEFLATE\n");
    sub->callback([o] { run_merge(*o); });
}

} // namespace rastio_cli
