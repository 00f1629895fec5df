// `rastio serve`: TiTiler's /cog routes and bytes-in/bytes-out /memory routes over HTTP.
#include <iostream>
#include <sstream>

#include <rastio/serve/server.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct ServeOptions {
    rastio::serve::Config config;
    std::string drivers;
    double max_body_mb = 64;
    bool quiet = false;
};

void run_serve(ServeOptions& o) {
    if (!o.drivers.empty()) {
        o.config.drivers.clear();
        std::stringstream in(o.drivers);
        for (std::string d; std::getline(in, d, ',');) {
            if (!d.empty()) o.config.drivers.push_back(d);
        }
    }
    if (!(o.max_body_mb > 0) || o.max_body_mb > 1 << 20) throw Failure("--max-body-mb must be in (0, 1048576]", "", exit_usage);
    o.config.max_body_bytes = static_cast<std::size_t>(o.max_body_mb * 1024 * 1024);
    try {
        rastio::serve::check_config(o.config);
        rastio::serve::run_until_signal(o.config, std::cout, o.quiet ? nullptr : &std::cerr);
    } catch (const std::invalid_argument& e) {
        throw Failure(e.what(), "", exit_usage);
    } catch (const std::runtime_error& e) {
        throw Failure(e.what(), "", exit_input);
    }
}

} // namespace

void add_serve(CLI::App& app) {
    auto o = std::make_shared<ServeOptions>();
    auto* sub = app.add_subcommand("serve", "Serve the rasters under a folder as tiles, previews and JSON (TiTiler's /cog routes), "
                                            "and convert rasters POSTed to /memory, until SIGTERM.");
    sub->add_option("--root", o->config.root, "The folder whose rasters may be served")->required();
    sub->add_option("--host", o->config.host, "Address to listen on")->capture_default_str();
    sub->add_option("--port", o->config.port, "Port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
    sub->add_option("--workers", o->config.workers, "Worker threads (default: the number of cores)")->check(CLI::Range(1, 1024));
    sub->add_option("--queue", o->config.queue, "Connections waiting for a worker before 503 (default: 16 per worker)");
    sub->add_option("--allow-host", o->config.allow_hosts, "A host http(s) sources may name (repeatable)");
    sub->add_option("--drivers", o->drivers, "GDAL drivers that may open sources, comma-separated (default: GTiff,COG,PNG,JPEG,WEBP)");
    sub->add_option("--max-body-mb", o->max_body_mb, "Largest /memory request body, in MiB")->capture_default_str();
    sub->add_flag("--quiet", o->quiet, "No access log on stderr");
    sub->footer("Example:\n  rastio serve --root ../shared/corpus --port 8000\n"
                "  curl 'http://127.0.0.1:8000/cog/info?url=cogeo.tif'\n");
    sub->callback([o] { run_serve(*o); });
}

} // namespace rastio_cli
