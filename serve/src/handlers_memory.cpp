// /memory routes: a raster arrives as the request body, is adopted by a MemoryFile (no copy, no
// temp file), and the answer is JSON or a new file's bytes made in another MemoryFile.
#include <algorithm>
#include <array>
#include <memory>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_utils.h>

#include <rastio/error.hpp>
#include <rastio/memory_file.hpp>
#include <rastio/warp.hpp>

#include "handlers.hpp"
#include "sources.hpp"

namespace rastio::serve {

namespace {

struct OutputDriver {
    const char* name;
    const char* ext;
    const char* mime;
};

// What /memory/convert writes: drivers whose output is one self-contained file.
constexpr std::array<OutputDriver, 5> output_drivers{{
    {"GTiff", ".tif", "image/tiff; application=geotiff"},
    {"COG", ".tif", "image/tiff; application=geotiff; profile=cloud-optimized"},
    {"PNG", ".png", "image/png"},
    {"JPEG", ".jpg", "image/jpeg"},
    {"WEBP", ".webp", "image/webp"},
}};

struct TranslateOptionsDeleter {
    void operator()(GDALTranslateOptions* p) const noexcept { GDALTranslateOptionsFree(p); }
};

// GDAL's progress callback: stops a conversion once the request's time is up.
int CPL_STDCALL in_time(double, const char*, void* arg) {
    return std::chrono::steady_clock::now() <= static_cast<const Context*>(arg)->deadline ? TRUE : FALSE;
}

} // namespace

Response memory_info(Request& req, Context& ctx) {
    BodyRaster in = open_body(ctx.policy, std::move(req.body));
    Response r = json_response(info_json(in.dataset));
    r.cacheable = false;
    return r;
}

Response memory_preview(Request& req, Context& ctx) {
    BodyRaster in = open_body(ctx.policy, std::move(req.body));
    Response r = preview_of(in.dataset, req, "", "", req.captures.at(0), ctx);
    r.cacheable = false;
    return r;
}

namespace {

const OutputDriver& output_driver(const Request& req, const char* fallback) {
    const std::string* driver = req.one("driver");
    const std::string name = driver ? *driver : fallback ? fallback : "";
    if (name.empty()) bad_param("driver", "required: GTiff, COG, PNG, JPEG or WEBP");
    const auto* out = std::find_if(output_drivers.begin(), output_drivers.end(),
                                   [&](const OutputDriver& d) { return EQUAL(d.name, name.c_str()); });
    if (out == output_drivers.end()) bad_param("driver", "unknown or not allowed \"" + name.substr(0, 32) + "\" (GTiff, COG, PNG, JPEG, WEBP)");
    return *out;
}

// GDALTranslate of `src` into a new MemoryFile, with the request's creation options (co=KEY=VALUE).
Response translate(const Dataset& src, const OutputDriver& out, const Request& req, Context& ctx) {
    CPLStringList args;
    args.AddString("-of");
    args.AddString(out.name);
    for (const auto& co : req.all("co")) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0 || co.find_first_of(" \t/\\") != std::string::npos) {
            bad_param("co", "expected KEY=VALUE, got \"" + co.substr(0, 64) + "\"");
        }
        args.AddString("-co");
        args.AddString(co.c_str());
    }
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    CPLErrorStateBackuper keep;
    CPLErrorReset();
    std::unique_ptr<GDALTranslateOptions, TranslateOptionsDeleter> opts(GDALTranslateOptionsNew(args.List(), nullptr));
    if (!opts) bad_param("co", std::string("rejected: ") + CPLGetLastErrorMsg());
    GDALTranslateOptionsSetProgress(opts.get(), in_time, &ctx);
    MemoryFile made(MemoryFileOptions{.filename = std::string("out") + out.ext});
    {
        int usage_error = FALSE;
        GDALDatasetH h = GDALTranslate(made.name().c_str(), static_cast<GDALDatasetH>(src.gdal_handle()), opts.get(), &usage_error);
        if (h) GDALClose(h);
        ctx.check_time(); // an interrupted conversion is a 503, not a bad request
        if (!h || CPLGetLastErrorType() >= CE_Failure) {
            const std::string why = CPLGetLastErrorMsg();
            throw HttpError(400, std::string("driver: writing ") + out.name + " failed: " + (why.empty() ? "unknown GDAL error" : why));
        }
    }
    const auto bytes = made.getbuffer();
    Response r;
    r.content_type = out.mime;
    r.body.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a string body
    return r;
}

} // namespace

Response memory_convert(Request& req, Context& ctx) {
    const OutputDriver& out = output_driver(req, nullptr);
    BodyRaster in = open_body(ctx.policy, std::move(req.body));
    return translate(in.dataset, out, req, ctx);
}

Response memory_warp(Request& req, Context& ctx) {
    if (!req.one("dst_crs")) bad_param("dst_crs", "required, e.g. EPSG:4326");
    const CRS dst = crs_param(req, "dst_crs", CRS());
    const OutputDriver& out = output_driver(req, "GTiff");
    Resampling resampling = Resampling::nearest;
    if (const auto* r = req.one("resampling")) {
        try {
            resampling = parse_resampling(*r);
        } catch (const rastio::Error&) {
            bad_param("resampling", "unknown method \"" + r->substr(0, 64) + "\"");
        }
        if (resampling == Resampling::gauss) bad_param("resampling", "gauss is not a warp method");
    }
    BodyRaster in = open_body(ctx.policy, std::move(req.body));
    if (in.dataset.crs().empty()) bad_param("body", "the raster has no CRS to reproject from");
    WarpedVRTOptions o;
    o.crs = dst;
    o.resampling = resampling;
    if (!in.dataset.nodata()) o.add_alpha = true;
    try {
        WarpedVRT vrt(in.dataset, o);
        return translate(vrt, out, req, ctx);
    } catch (const rastio::Error& e) {
        throw HttpError(400, std::string("dst_crs: cannot reproject the raster: ") + e.what());
    }
}

} // namespace rastio::serve
