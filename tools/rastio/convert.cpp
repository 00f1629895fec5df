// `rastio convert`: copy a raster to another format, dtype or band selection, through memory.
// The output is made in a MemoryFile first, so a failure never leaves a partial DST; it then goes
// to stdout ("-"), or to temp files beside DST renamed into place.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct ConvertOptions {
    std::string src, dst, driver, dtype, bands;
    std::vector<std::string> creation_options;
    bool overwrite = false;
    bool quiet = false;
};

const char* gdal_type_name(const std::string& dtype, const std::string& label) {
    static const std::array<std::pair<const char*, const char*>, 13> types{{
        {"uint8", "Byte"}, {"uint16", "UInt16"}, {"int16", "Int16"}, {"uint32", "UInt32"}, {"int32", "Int32"},
        {"uint64", "UInt64"}, {"int64", "Int64"}, {"float32", "Float32"}, {"float64", "Float64"},
        {"complex_int16", "CInt16"}, {"complex64", "CFloat32"}, {"complex128", "CFloat64"}, {"complex_int32", "CInt32"}}};
    for (const auto& [name, gdal] : types)
        if (dtype == name) return gdal;
    throw Failure("unknown or unsupported dtype \"" + dtype + "\" (uint8, int16, uint16, int32, uint32, float32, float64...)",
                  label, exit_usage);
}

std::vector<int> parse_bands(const std::string& text, int count, const std::string& label) {
    std::vector<int> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        int b = 0;
        const auto res = std::from_chars(item.data(), item.data() + item.size(), b);
        if (res.ec != std::errc() || res.ptr != item.data() + item.size()) {
            throw Failure("bad band list \"" + text + "\" (expected e.g. 1,3)", label, exit_usage);
        }
        if (b < 1 || b > count) {
            throw Failure("band " + std::to_string(b) + " is out of range 1.." + std::to_string(count), label);
        }
        out.push_back(b);
    }
    if (out.empty()) throw Failure("empty band list", label, exit_usage);
    return out;
}

struct TranslateOptionsDeleter {
    void operator()(GDALTranslateOptions* p) const noexcept { GDALTranslateOptionsFree(p); }
};

void run_convert(const ConvertOptions& o) {
    const std::string driver_name = output_driver(o.driver, o.dst);
    check_output(o.src, o.dst, o.overwrite);
    // A value the driver's own option list rejects is a usage error, found before anything is read or written.
    check_creation_values(driver_name, o.creation_options, o.dst);
    Input in = open_input(o.src);

    CPLStringList args;
    args.AddString("-of");
    args.AddString(driver_name.c_str());
    if (!o.dtype.empty()) {
        args.AddString("-ot");
        args.AddString(gdal_type_name(o.dtype, o.src));
    }
    if (!o.bands.empty()) {
        for (int b : parse_bands(o.bands, in.dataset.count(), o.src)) {
            args.AddString("-b");
            args.AddString(std::to_string(b).c_str());
        }
    }
    for (const auto& co : o.creation_options) {
        args.AddString("-co");
        args.AddString(co.c_str());
    }
    PrintGdalWarnings warnings(o.dst); // GDAL's warnings of the conversion (an option it ignores...)
    CPLErrorReset();
    std::unique_ptr<GDALTranslateOptions, TranslateOptionsDeleter> topts(GDALTranslateOptionsNew(args.List(), nullptr));
    if (!topts) throw Failure(std::string("bad conversion options: ") + CPLGetLastErrorMsg(), o.dst, exit_usage);
    Progress progress;
    if (Progress::wanted(o.quiet)) GDALTranslateOptionsSetProgress(topts.get(), Progress::callback, &progress);

    // The output is made in memory, under DST's own file name so that sidecars are named after it.
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.dst)});
    show_as(out.name(), o.dst);
    {
        int usage_error = FALSE;
        CPLErrorReset();
        GDALDatasetH made = GDALTranslate(out.name().c_str(), static_cast<GDALDatasetH>(in.dataset.gdal_handle()),
                                          topts.get(), &usage_error);
        if (made) GDALClose(made);
        if (!made || CPLGetLastErrorType() >= CE_Failure) {
            const std::string why = as_shown(CPLGetLastErrorMsg());
            throw Failure("conversion to " + driver_name + " failed: " + (why.empty() ? "unknown GDAL error" : why), o.src,
                          usage_error ? exit_usage : exit_input);
        }
    }
    in.dataset.close();

    write_output(out, o.dst, driver_name, o.quiet);
}

} // namespace

void add_convert(CLI::App& app) {
    auto o = std::make_shared<ConvertOptions>();
    auto* sub = app.add_subcommand("convert", "Copy a raster to another format, dtype or band selection (- for stdin/stdout).");
    sub->add_option("src", o->src, "Input raster, or - for stdin")->required();
    sub->add_option("dst", o->dst, "Output raster, or - for stdout (then --driver is required)")->required();
    sub->add_option("-f,--driver,--format", o->driver, "GDAL driver short name (default: from DST's extension)");
    sub->add_option("-t,--dtype", o->dtype, "Output dtype: uint8, int16, uint16, int32, uint32, float32, float64...");
    sub->add_option("--bands,--bidx", o->bands, "Bands to copy, in order, e.g. 1,3 (default: all)");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")
        ->allow_extra_args(false);
    sub->add_flag("--overwrite", o->overwrite, "Replace DST if it exists");
    sub->add_flag("-q,--quiet", o->quiet, "No progress bar and no warnings on stderr");
    sub->footer("Examples:\n  rastio convert RGB.byte.tif out.png --bands 3,2,1\n"
                "  cat RGB.byte.tif | rastio convert - - --driver PNG > out.png\n");
    sub->callback([o] {
        if (o->quiet) set_quiet(true);
        run_convert(*o);
    });
}

} // namespace rastio_cli
