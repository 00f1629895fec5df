// /memory routes: a raster arrives as the request body, is adopted by a MemoryFile (no copy, no
// temp file), and the answer is JSON or a new file's bytes made in another MemoryFile.
#include <algorithm>
#include <array>
#include <memory>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_utils.h>

#include <rastio/memory_file.hpp>

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

Response memory_convert(Request& req, Context& ctx) {
    const std::string* driver = req.one("driver");
    if (!driver) bad_param("driver", "required: GTiff, COG, PNG, JPEG or WEBP");
    const auto* out = std::find_if(output_drivers.begin(), output_drivers.end(),
                                   [&](const OutputDriver& d) { return EQUAL(d.name, driver->c_str()); });
    if (out == output_drivers.end()) bad_param("driver", "unknown or not allowed \"" + driver->substr(0, 32) + "\" (GTiff, COG, PNG, JPEG, WEBP)");
    BodyRaster in = open_body(ctx.policy, std::move(req.body));

    CPLStringList args;
    args.AddString("-of");
    args.AddString(out->name);
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
    MemoryFile made(MemoryFileOptions{.filename = std::string("converted") + out->ext});
    {
        int usage_error = FALSE;
        GDALDatasetH h = GDALTranslate(made.name().c_str(), static_cast<GDALDatasetH>(in.dataset.gdal_handle()), opts.get(), &usage_error);
        if (h) GDALClose(h);
        ctx.check_time();
        if (!h || CPLGetLastErrorType() >= CE_Failure) {
            const std::string why = CPLGetLastErrorMsg();
            throw HttpError(400, std::string("driver: conversion to ") + out->name + " failed: " + (why.empty() ? "unknown GDAL error" : why));
        }
    }
    const auto bytes = made.getbuffer();
    Response r;
    r.content_type = out->mime;
    r.body.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a string body
    return r;
}

} // namespace rastio::serve
