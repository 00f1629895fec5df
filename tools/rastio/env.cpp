// `rastio env`: what this build of GDAL can read and write.
#include <gdal.h>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct EnvOptions {
    bool formats = false;
    bool json = false;
};

void run_env(const EnvOptions& o) {
    if (!o.formats) {
        // Only one report so far: say so instead of printing nothing.
        throw Failure("nothing to report: give --formats (see rastio env --help)", "", exit_usage);
    }
    std::string out;
    Json all = Json::object();
    for (int i = 0; i < GDALGetDriverCount(); ++i) {
        GDALDriverH d = GDALGetDriver(i);
        if (!GDALGetMetadataItem(d, GDAL_DCAP_RASTER, nullptr)) continue;
        const bool create = GDALGetMetadataItem(d, GDAL_DCAP_CREATE, nullptr) != nullptr;
        const bool copy = GDALGetMetadataItem(d, GDAL_DCAP_CREATECOPY, nullptr) != nullptr;
        const char* ext = GDALGetMetadataItem(d, GDAL_DMD_EXTENSIONS, nullptr);
        const std::string name = GDALGetDriverShortName(d);
        const bool read = GDALGetMetadataItem(d, GDAL_DCAP_OPEN, nullptr) != nullptr;
        std::string caps;
        for (const auto& [on, what] : {std::pair{read, "read"}, std::pair{create, "write"}, std::pair{copy, "createcopy"}})
            if (on) caps += (caps.empty() ? "" : ", ") + std::string(what);
        if (o.json) {
            all[name] = {{"name", GDALGetDriverLongName(d)}, {"read", read}, {"write", create}, {"createcopy", copy},
                         {"extensions", ext ? ext : ""}};
        } else {
            out += name + ": " + GDALGetDriverLongName(d) + " (" + caps + ")";
            if (ext && *ext) out += " [" + std::string(ext) + "]";
            out += "\n";
        }
    }
    write_stdout(o.json ? py_dumps(all, 2, true) + "\n" : out);
}

} // namespace

void add_env(CLI::App& app) {
    auto o = std::make_shared<EnvOptions>();
    auto* sub = app.add_subcommand("env", "Report on GDAL's environment.");
    sub->add_flag("--formats", o->formats, "List the raster drivers with their capabilities: read, write, createcopy");
    sub->add_flag("--json", o->json, "As a JSON object (with --formats)");
    sub->footer("Example:\n  rastio env --formats | grep -i tiff\n");
    sub->callback([o] { run_env(*o); });
}

} // namespace rastio_cli
