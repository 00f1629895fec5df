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

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> split_ws(const char* text) {
    std::vector<std::string> out;
    std::istringstream in(text ? text : "");
    for (std::string w; in >> w;) out.push_back(lower(w));
    return out;
}

bool can_write(GDALDriverH d) {
    return GDALGetMetadataItem(d, GDAL_DCAP_CREATE, nullptr) || GDALGetMetadataItem(d, GDAL_DCAP_CREATECOPY, nullptr);
}

/// The driver named, or the first raster driver that writes DST's extension.
GDALDriverH resolve_driver(const ConvertOptions& o) {
    if (!o.driver.empty()) {
        GDALDriverH d = GDALGetDriverByName(o.driver.c_str());
        if (!d || !GDALGetMetadataItem(d, GDAL_DCAP_RASTER, nullptr)) {
            throw Failure("unknown raster driver \"" + o.driver + "\" (see rastio env --formats)", o.dst, exit_usage);
        }
        if (!can_write(d)) throw Failure("driver " + o.driver + " cannot write files", o.dst, exit_usage);
        return d;
    }
    if (o.dst == "-") throw Failure("--driver is required when writing to stdout", o.dst, exit_usage);
    const std::string ext = lower(std::filesystem::path(o.dst).extension().string());
    if (ext.size() > 1) {
        for (int i = 0; i < GDALGetDriverCount(); ++i) {
            GDALDriverH d = GDALGetDriver(i);
            if (!GDALGetMetadataItem(d, GDAL_DCAP_RASTER, nullptr) || !can_write(d)) continue;
            for (const auto& e : split_ws(GDALGetMetadataItem(d, GDAL_DMD_EXTENSIONS, nullptr)))
                if ("." + e == ext) return d;
        }
    }
    throw Failure("cannot infer a driver from the extension \"" + ext + "\"; give --driver", o.dst, exit_usage);
}

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

/// Prints GDAL's progress on stderr, starting only once a conversion has run half a second.
struct Progress {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    bool shown = false;
    static int callback(double done, const char* msg, void* arg) {
        auto* self = static_cast<Progress*>(arg);
        if (!self->shown) {
            if (done >= 1.0 || std::chrono::steady_clock::now() - self->start < std::chrono::milliseconds(500)) return TRUE;
            self->shown = true;
        }
        return GDALTermProgress(done, msg, nullptr);
    }
};

struct TranslateOptionsDeleter {
    void operator()(GDALTranslateOptions* p) const noexcept { GDALTranslateOptionsFree(p); }
};

void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to ostream
    out.close();
    if (!out) throw Failure(std::string("cannot write: ") + std::strerror(errno), path.string());
}

void run_convert(const ConvertOptions& o) {
    namespace fs = std::filesystem;
    GDALDriverH driver = resolve_driver(o);
    const std::string driver_name = GDALGetDriverShortName(driver);
    std::error_code ec;
    if (o.dst != "-" && fs::exists(o.dst, ec) && !o.overwrite) {
        throw Failure("output exists; use --overwrite to replace it", o.dst);
    }
    if (o.dst != "-" && fs::exists(o.dst, ec) && fs::equivalent(o.src, o.dst, ec)) {
        throw Failure("output is the input", o.dst, exit_usage);
    }
    // A value the driver's own option list rejects is a usage error, found before anything is read or written.
    std::map<std::string, std::string> creation_options;
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", o.dst, exit_usage);
        }
        creation_options[co.substr(0, eq)] = co.substr(eq + 1);
    }
    try {
        rastio::check_creation_options(driver_name, creation_options);
    } catch (const rastio::ArgumentError& e) {
        throw Failure(e.what(), o.dst, exit_usage);
    }
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
    if (!quiet() && isatty(STDERR_FILENO)) GDALTranslateOptionsSetProgress(topts.get(), Progress::callback, &progress);

    // The output is made in memory, under DST's own file name so that sidecars are named after it.
    const std::string filename = o.dst == "-" ? "stdout" : fs::path(o.dst).filename().string();
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = filename});
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

    if (o.dst == "-") {
        const auto bytes = out.getbuffer();
        if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
            throw Failure(std::string("cannot write to stdout: ") + std::strerror(errno), "-");
        }
        for (const auto& name : out.files()) {
            if (name != filename) print_warning(driver_name + " wrote a sidecar (" + name + ") that stdout cannot carry", "");
        }
        return;
    }
    // Every file (DST and its sidecars) goes to a temp name first, then is renamed into place.
    const fs::path dir = fs::path(o.dst).parent_path();
    std::vector<std::pair<fs::path, fs::path>> moves;
    const auto cleanup = [&] {
        for (const auto& [tmp, _] : moves) fs::remove(tmp, ec);
    };
    try {
        for (const auto& name : out.files()) {
            const fs::path tmp = dir / ("." + name + ".rastio-" + std::to_string(getpid()) + ".tmp");
            moves.emplace_back(tmp, dir / name);
            write_file(tmp, out.getbuffer(name));
        }
        // Sidecars first, the main file last: DST appears only once everything is in place.
        std::stable_partition(moves.begin(), moves.end(), [&](const auto& m) { return m.second.filename() != filename; });
        for (const auto& [tmp, final_path] : moves) {
            fs::rename(tmp, final_path, ec);
            if (ec) throw Failure("cannot rename " + tmp.string() + ": " + ec.message(), final_path.string());
        }
    } catch (...) {
        cleanup();
        throw;
    }
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
