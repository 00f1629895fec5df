// `rastio convert`: copy a raster to another format, dtype or band selection, through memory.
// The output is made in a MemoryFile first, so a failure never leaves a partial DST; it then goes
// to stdout ("-"), or to temp files beside DST renamed into place.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>
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
    std::vector<std::string> files;
    std::string output, src, dst, driver, dtype, bands;
    std::vector<std::string> creation_options;
    std::optional<double> scale_ratio, scale_offset;
    bool rgb = false;
    bool overwrite = false;
    bool quiet = false;
};

const char* gdal_type_name(const std::string& dtype, const std::string& label) {
    static const std::array<std::pair<const char*, const char*>, 13> types{{
        {"uint8", "Byte"}, {"uint16", "UInt16"}, {"int16", "Int16"}, {"uint32", "UInt32"}, {"int32", "Int32"},
        {"uint64", "UInt64"}, {"int64", "Int64"}, {"float32", "Float32"}, {"float64", "Float64"},
        {"complex_int16", "CInt16"}, {"complex64", "CFloat32"}, {"complex128", "CFloat64"}, {"complex_int32", "CInt32"}}};
    for (const auto& [name, gdal] : types)
        if (dtype == name || (dtype == "ubyte" && std::strcmp(name, "uint8") == 0)) return gdal;
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

/// Runs GDALTranslate from `src` to `dst_name` with `args`; returns the new dataset (the caller
/// closes it). Throws Failure naming the input, with GDAL's message.
GDALDatasetH translate(GDALDatasetH src, const std::string& dst_name, CPLStringList& args, const ConvertOptions& o,
                       const std::string& driver_name, bool progress_bar) {
    CPLErrorReset();
    std::unique_ptr<GDALTranslateOptions, TranslateOptionsDeleter> topts(GDALTranslateOptionsNew(args.List(), nullptr));
    if (!topts) throw Failure(std::string("bad conversion options: ") + CPLGetLastErrorMsg(), o.dst, exit_usage);
    Progress progress;
    if (progress_bar && Progress::wanted(o.quiet)) GDALTranslateOptionsSetProgress(topts.get(), Progress::callback, &progress);
    int usage_error = FALSE;
    CPLErrorReset();
    GDALDatasetH made = GDALTranslate(dst_name.c_str(), src, topts.get(), &usage_error);
    if (!made || CPLGetLastErrorType() >= CE_Failure) {
        if (made) GDALClose(made);
        const std::string why = as_shown(CPLGetLastErrorMsg());
        throw Failure("conversion to " + driver_name + " failed: " + (why.empty() ? "unknown GDAL error" : why), o.src,
                      usage_error ? exit_usage : exit_input);
    }
    return made;
}

struct DatasetCloser {
    void operator()(GDALDatasetH h) const noexcept { GDALClose(h); }
};
using OwnedDataset = std::unique_ptr<std::remove_pointer_t<GDALDatasetH>, DatasetCloser>;

/// rio convert's pixels: the bands read in their own dtype, times --scale-ratio and plus
/// --scale-offset in float64 when given (and not 0: rio skips a zero), cast to `dtype` as numpy's
/// unsafe astype (integers wrap, floats truncate). Throws Failure for complex data.
rastio::AnyArray scaled_pixels(const rastio::Dataset& ds, const rastio::Bands& bands, rastio::DType dtype,
                               const ConvertOptions& o) {
    try {
        rastio::AnyArray data = ds.read(rastio::ReadOptions{.bands = bands});
        const bool ratio = o.scale_ratio && *o.scale_ratio != 0.0, offset = o.scale_offset && *o.scale_offset != 0.0;
        if (ratio || offset) {
            rastio::AnyArray wide = rastio::astype(data, rastio::DType::float64);
            auto values = wide.as<double>().values();
            if (ratio)
                for (auto& v : values) v *= *o.scale_ratio;
            if (offset)
                for (auto& v : values) v += *o.scale_offset;
            data = std::move(wide);
        }
        return rastio::astype(data, dtype);
    } catch (const rastio::Error& e) {
        throw Failure(std::string("cannot scale or cast the pixels: ") + e.what(), o.src);
    }
}

/// rasterio's in_dtype_range: NaN only for floats, else within the type's min and max.
bool in_dtype_range(double v, rastio::DType t) {
    return rastio::visit_dtype(t, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_arithmetic_v<T>) {
            if (std::isnan(v)) return std::is_floating_point_v<T>;
            return v >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                   v <= static_cast<double>(std::numeric_limits<T>::max());
        } else {
            return true;
        }
    });
}

void run_convert(ConvertOptions o) {
    // rio's resolve_inout: with -o every positional is an input, else the last one is the output.
    if (o.output.empty()) {
        if (o.files.size() < 2) throw Failure("convert needs INPUT and OUTPUT (or -o OUTPUT)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.files.size() != 1) throw Failure("convert takes one INPUT", o.output, exit_usage);
    o.src = o.files[0];
    o.dst = o.output;
    const std::string driver_name = output_driver(o.driver, o.dst);
    check_output(o.src, o.dst, o.overwrite);
    // A value the driver's own option list rejects is a usage error, found before anything is read or written.
    check_creation_values(driver_name, o.creation_options, o.dst);
    const char* gdal_type = o.dtype.empty() ? nullptr : gdal_type_name(o.dtype, o.src);
    Input in = open_input(o.src);
    const rastio::Bands bands = o.bands.empty() ? in.dataset.indexes() : parse_bands(o.bands, in.dataset.count(), o.src);

    // rio's arithmetic is needed when scaling, or when a dtype changes (numpy's casts wrap where
    // GDAL's clamp); the conversion otherwise is GDAL's own copy.
    const std::vector<rastio::DType> dtypes = in.dataset.dtypes();
    const rastio::DType dtype = gdal_type ? rastio::parse_dtype(o.dtype == "ubyte" ? "uint8" : o.dtype) : dtypes.at(0);
    // rio convert keeps the input's nodata value, and rasterio refuses one the new dtype cannot hold
    // (where GDAL would clamp it quietly).
    if (const auto nodata = in.dataset.nodata(); nodata && !in_dtype_range(*nodata, dtype)) {
        throw Failure("the input's nodata value " + py_float(*nodata) + " is beyond the valid range of " +
                          std::string(rastio::to_string(dtype)) + " (rio convert refuses it too)",
                      o.src);
    }
    bool numpy_path = (o.scale_ratio && *o.scale_ratio != 0.0) || (o.scale_offset && *o.scale_offset != 0.0);
    for (const int b : bands) numpy_path = numpy_path || dtypes.at(static_cast<std::size_t>(b - 1)) != dtype;

    CPLStringList band_args;
    if (!o.bands.empty()) {
        for (int b : bands) {
            band_args.AddString("-b");
            band_args.AddString(std::to_string(b).c_str());
        }
    }
    CPLStringList args;
    args.AddString("-of");
    args.AddString(driver_name.c_str());
    for (const auto& co : o.creation_options) {
        args.AddString("-co");
        args.AddString(co.c_str());
    }
    if (o.rgb) {
        args.AddString("-co");
        args.AddString("PHOTOMETRIC=RGB");
    }
    PrintGdalWarnings warnings(o.dst); // GDAL's warnings of the conversion (an option it ignores...)

    // The output is made in memory, under DST's own file name so that sidecars are named after it.
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.dst)});
    show_as(out.name(), o.dst);
    auto* src = static_cast<GDALDatasetH>(in.dataset.gdal_handle());
    if (numpy_path) {
        // GDAL copies everything but the pixels into a MEM dataset of the output dtype; rio's
        // pixels replace its own, then GDAL writes the output from it.
        rastio::AnyArray pixels = scaled_pixels(in.dataset, bands, dtype, o);
        CPLStringList mem_args;
        mem_args.AddString("-of");
        mem_args.AddString("MEM");
        mem_args.AddString("-ot");
        mem_args.AddString(gdal_type ? gdal_type : GDALGetDataTypeName(GDALGetRasterDataType(GDALGetRasterBand(src, 1))));
        for (int i = 0; i < band_args.size(); ++i) mem_args.AddString(band_args[i]);
        OwnedDataset mem(translate(src, "", mem_args, o, "MEM", false));
        in.dataset.close();
        const GDALDataType t = GDALGetRasterDataType(GDALGetRasterBand(mem.get(), 1));
        CPLErrorReset();
        if (GDALDatasetRasterIO(mem.get(), GF_Write, 0, 0, GDALGetRasterXSize(mem.get()), GDALGetRasterYSize(mem.get()),
                                pixels.data(), GDALGetRasterXSize(mem.get()), GDALGetRasterYSize(mem.get()), t,
                                GDALGetRasterCount(mem.get()), nullptr, 0, 0, 0) != CE_None) {
            throw Failure(std::string("cannot write the scaled pixels: ") + CPLGetLastErrorMsg(), o.dst);
        }
        OwnedDataset made(translate(mem.get(), out.name(), args, o, driver_name, true));
        made.reset(); // a CreateCopy-only driver may fail here
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw Failure("conversion to " + driver_name + " failed: " + as_shown(CPLGetLastErrorMsg()), o.src);
        }
    } else {
        for (int i = 0; i < band_args.size(); ++i) args.AddString(band_args[i]);
        if (gdal_type) {
            args.AddString("-ot");
            args.AddString(gdal_type);
        }
        OwnedDataset made(translate(src, out.name(), args, o, driver_name, true));
        made.reset();
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw Failure("conversion to " + driver_name + " failed: " + as_shown(CPLGetLastErrorMsg()), o.src);
        }
        in.dataset.close();
    }

    write_output(out, o.dst, driver_name, o.quiet);
}

} // namespace

void add_convert(CLI::App& app) {
    auto o = std::make_shared<ConvertOptions>();
    auto* sub = app.add_subcommand("convert", "Copy a raster to another format, dtype or band selection, as rio convert (- for stdin/stdout).");
    sub->add_option("files", o->files, "INPUT OUTPUT (or INPUT with -o); - for stdin or stdout (then --driver is required)")
        ->required();
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("-f,--driver,--format", o->driver, "GDAL driver short name (default: from DST's extension)");
    sub->add_option("-t,--dtype", o->dtype, "Output dtype: uint8, int16, uint16, int32, uint32, float32, float64...");
    sub->add_option("--scale-ratio", o->scale_ratio, "Multiply the pixels by this (in float64, then cast as numpy does)");
    sub->add_option("--scale-offset", o->scale_offset, "Add this to the pixels (after --scale-ratio)");
    sub->add_option("--bands,--bidx", o->bands, "Bands to copy, in order, e.g. 1,3 (default: all)");
    sub->add_flag("--rgb", o->rgb, "Set RGB photometric interpretation");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")
        ->allow_extra_args(false);
    sub->add_flag("--overwrite", o->overwrite, "Replace DST if it exists");
    sub->add_flag("-q,--quiet", o->quiet, "No progress bar and no warnings on stderr");
    sub->footer("Examples:\n  rastio convert RGB.byte.tif out.png --bands 3,2,1\n"
                "  rastio convert in16.tif out8.tif --dtype uint8 --scale-ratio 0.0625\n"
                "  cat RGB.byte.tif | rastio convert - - --driver PNG > out.png\n");
    sub->callback([o] {
        if (o->quiet) set_quiet(true);
        run_convert(*o);
    });
}

} // namespace rastio_cli
