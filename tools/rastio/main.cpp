// The rastio command-line tool: rio's habits (info, convert, blocks, bounds, env, warp), plus pipes
// through memory: "-" reads stdin's bytes into a MemoryFile and writes results to stdout.
#include <cstdio>
#include <exception>
#include <string>

#include <cpl_error.h>
#include <gdal.h>

#include "common.hpp"

namespace {

// One line, whatever GDAL's message holds.
std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

int fail(const std::string& what, const std::string& path, int code) {
    std::string line = "rastio: error: " + one_line(what);
    if (!path.empty()) line += " (" + path + ")";
    std::fprintf(stderr, "%s\n", line.c_str());
    return code;
}

} // namespace

int main(int argc, char** argv) {
    // GDAL's own messages are reported through our errors, never printed on their own.
    CPLSetErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();

    CLI::App app("rastio: rasters on GDAL, with rio's habits and pipes through memory ('-' is stdin or stdout).",
                 "rastio");
    app.set_version_flag("--version", std::string("rastio ") + rastio::version_string + " (GDAL " +
                                          GDALVersionInfo("RELEASE_NAME") + ")");
    app.require_subcommand(1);
    // rio's -q: no warnings on stderr (errors still). Global, before or after the subcommand.
    app.add_flag_callback("-q,--quiet", [] { rastio_cli::set_quiet(true); }, "No warnings on stderr");
    app.fallthrough();
    app.footer("Examples:\n  rastio info RGB.byte.tif --indent 2\n"
               "  cat RGB.byte.tif | rastio convert - - --driver PNG > out.png\n"
               "Run 'rastio SUBCOMMAND --help' for each subcommand's options.\n");
    // GDAL's warnings during rastio's calls: one `rastio: warning: ...` line each.
    rastio::set_warning_handler([](const rastio::Warning& w) { rastio_cli::print_warning(w.message, w.path); });
    rastio_cli::add_info(app);
    rastio_cli::add_convert(app);
    rastio_cli::add_blocks(app);
    rastio_cli::add_bounds(app);
    rastio_cli::add_env(app);
    rastio_cli::add_warp(app);
#ifdef RASTIO_HAVE_SERVE
    rastio_cli::add_serve(app);
#endif
    rastio_cli::add_sample(app);
    rastio_cli::add_overview(app);
    rastio_cli::add_edit_info(app);
    rastio_cli::add_merge(app);
    rastio_cli::add_stack(app);
    rastio_cli::add_rasterize(app);
    rastio_cli::add_mask(app);
    rastio_cli::add_clip(app);
    rastio_cli::add_shapes(app);
    try {
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
        return fail(std::string(e.what()) + "; see --help", "", rastio_cli::exit_usage);
    } catch (const rastio_cli::Failure& e) {
        return fail(e.what(), e.path(), e.code());
    } catch (const rastio::Error& e) {
        return fail(e.what(), "", rastio_cli::exit_input);
    } catch (const std::exception& e) {
        return fail(e.what(), "", rastio_cli::exit_input);
    }
}
