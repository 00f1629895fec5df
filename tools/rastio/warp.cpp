// `rastio warp`: reproject a raster as `rio warp` does, through memory. The target grid follows
// rio's rules (--like, --dimensions, bounds with --res, --res alone, or GDAL's suggestion); the
// output is created in a MemoryFile with the source's profile and filled by rastio::reproject,
// then goes to stdout ("-") or to DST through temp files, so a failure never leaves a partial DST.
#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>

#include <rastio/warp.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

// rio's hard limit on the output size, against a misused --bounds.
constexpr int max_output_size = 100000;

struct WarpOptions {
    std::string src, dst, driver, like, dst_crs, resampling = "nearest";
    std::vector<int> dimensions;
    std::vector<double> src_bounds, dst_bounds, res;
    std::optional<double> src_nodata, dst_nodata;
    int threads = 0; // automatic
    bool target_aligned_pixels = false;
    std::vector<std::string> creation_options;
    bool overwrite = false;
    bool quiet = false;
};

/// A size rio computes with int(), kept in int's range: anything beyond max_output_size (or NaN)
/// becomes max_output_size + 1, which the size check refuses.
int to_size(double x) {
    return x >= -1.0 && x <= max_output_size ? static_cast<int>(x) : max_output_size + 1;
}

/// Python's round() for the sizes rio computes: halves to even (nearbyint's default mode).
int py_round(double x) { return to_size(std::nearbyint(x)); }

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

/// rasterio's writer rules for the block layout, as observed with 1.3.5: tiled (TILED yes or
/// true) takes BLOCKXSIZE and BLOCKYSIZE only as a pair, both multiples of 16, and neither when
/// one is missing; striped keeps BLOCKYSIZE (rows per strip) and ignores BLOCKXSIZE.
void block_layout(rastio::Options& options, const std::string& label) {
    const auto tiled_it = options.find("TILED");
    const std::string t = tiled_it == options.end() ? "" : lower(tiled_it->second);
    if (t == "yes" || t == "true") {
        tiled_it->second = "YES";
        const auto bx = options.find("BLOCKXSIZE"), by = options.find("BLOCKYSIZE");
        if (bx == options.end() || by == options.end()) {
            options.erase("BLOCKXSIZE");
            options.erase("BLOCKYSIZE");
        } else if (std::atoi(bx->second.c_str()) % 16 != 0 || std::atoi(by->second.c_str()) % 16 != 0) {
            throw Failure("tile width and height must be multiples of 16 (BLOCKXSIZE=" + bx->second +
                          ", BLOCKYSIZE=" + by->second + ")", label, exit_usage);
        }
    } else {
        if (tiled_it != options.end()) options.erase(tiled_it);
        options.erase("BLOCKXSIZE");
    }
}

/// Shows `bar` on stderr while reproject() runs, once the library offers a progress callback
/// (`std::function<bool(double)> progress` in ReprojectOptions, false to cancel); until then
/// reproject() reports nothing while it runs and no bar is shown.
template <class ReprojectOpts>
void attach_progress(ReprojectOpts& ro, Progress& bar) {
    if constexpr (requires { ro.progress = std::function<bool(double)>{}; }) {
        ro.progress = [&bar](double done) { return Progress::callback(done, "", &bar) != 0; };
    } else {
        (void)ro;
        (void)bar;
    }
}

rastio::Bounds bounds_of(const std::vector<double>& v) { return {v[0], v[1], v[2], v[3]}; }

rastio::CRS parse_crs(const std::string& text, const std::string& label) {
    try {
        return rastio::CRS::from_string(text);
    } catch (const rastio::Error& e) {
        throw Failure(std::string("invalid --dst-crs: ") + e.what(), label, exit_usage);
    }
}

/// The target CRS and grid, by rio warp's rules (rasterio/rio/warp.py, 1.3.5).
struct Target {
    rastio::CRS crs;
    rastio::Grid grid;
};

Target target_grid(const WarpOptions& o, const rastio::Dataset& src, const std::optional<std::pair<double, double>>& res) {
    const rastio::Bounds sb = src.bounds();
    const auto from_bounds_res = [&](const rastio::Bounds& b, bool ceil_size) {
        rastio::Grid g;
        g.transform = rastio::Affine{res->first, 0, b.left, 0, -res->second, b.top};
        const double w = (b.right - b.left) / res->first, h = (b.top - b.bottom) / res->second;
        g.width = std::max(ceil_size ? to_size(std::ceil(w)) : py_round(w), 1);
        g.height = std::max(ceil_size ? to_size(std::ceil(h)) : py_round(h), 1);
        return g;
    };
    Target t;
    if (!o.like.empty()) {
        rastio::Dataset like;
        try {
            like = rastio::open(o.like);
        } catch (const rastio::Error& e) {
            throw Failure(std::string("cannot open --like as a raster: ") + e.what(), o.like, exit_usage);
        }
        t.crs = like.crs();
        t.grid = {like.transform(), like.width(), like.height()};
    } else if (!o.dst_crs.empty()) {
        t.crs = parse_crs(o.dst_crs, o.src);
        if (!o.dimensions.empty()) {
            const rastio::Bounds b = rastio::transform_bounds(src.crs(), t.crs, o.src_bounds.empty() ? sb : bounds_of(o.src_bounds));
            const double w = o.dimensions[0], h = o.dimensions[1];
            t.grid = {rastio::Affine{(b.right - b.left) / w, 0, b.left, 0, (b.bottom - b.top) / h, b.top}, o.dimensions[0],
                      o.dimensions[1]};
        } else if (!o.src_bounds.empty() || !o.dst_bounds.empty()) {
            if (!res) throw Failure("--res is required with --src-bounds or --dst-bounds and --dst-crs", o.src, exit_usage);
            const rastio::Bounds b = o.src_bounds.empty() ? bounds_of(o.dst_bounds)
                                                          : rastio::transform_bounds(src.crs(), t.crs, bounds_of(o.src_bounds));
            t.grid = from_bounds_res(b, true);
        } else {
            rastio::GridOptions go;
            go.resolution = res;
            const rastio::GCPs gcps = src.transform().almost_equals(rastio::Affine::identity()) ? src.gcps() : rastio::GCPs{};
            t.grid = gcps.points.empty()
                         ? rastio::calculate_default_transform(src.crs(), t.crs, src.width(), src.height(), sb, go)
                         : rastio::calculate_default_transform(t.crs, src.width(), src.height(), gcps, go);
        }
    } else if (!o.dimensions.empty()) {
        // Same CRS, another size.
        t.crs = src.crs();
        const rastio::Bounds b = o.src_bounds.empty() ? sb : bounds_of(o.src_bounds);
        const double w = o.dimensions[0], h = o.dimensions[1];
        t.grid = {rastio::Affine{(b.right - b.left) / w, 0, b.left, 0, (b.bottom - b.top) / h, b.top}, o.dimensions[0],
                  o.dimensions[1]};
    } else if (!o.src_bounds.empty() || !o.dst_bounds.empty()) {
        // Same CRS, other bounds, the source's resolution unless --res.
        t.crs = src.crs();
        const auto r = res ? *res : std::pair{src.transform().a, -src.transform().e};
        const rastio::Bounds b = bounds_of(o.src_bounds.empty() ? o.dst_bounds : o.src_bounds);
        t.grid = {rastio::Affine{r.first, 0, b.left, 0, -r.second, b.top},
                  std::max(py_round((b.right - b.left) / r.first), 1), std::max(py_round((b.top - b.bottom) / r.second), 1)};
    } else if (res) {
        // Same CRS, another resolution.
        t.crs = src.crs();
        t.grid = from_bounds_res(sb, false);
    } else {
        // Same CRS: square pixels covering the source's bounds (rio's rule for rotated sources).
        t.crs = src.crs();
        const rastio::Affine inv = src.transform().inverse();
        const double eps = DBL_EPSILON;
        const std::pair<double, double> c[4] = {inv * std::pair{sb.left + eps, sb.top + eps},
                                                inv * std::pair{sb.right + eps, sb.top + eps},
                                                inv * std::pair{sb.right + eps, sb.bottom + eps},
                                                inv * std::pair{sb.left + eps, sb.bottom + eps}};
        double col1 = c[0].first, col2 = c[0].first, row1 = c[0].second, row2 = c[0].second;
        for (const auto& [col, row] : c) {
            col1 = std::min(col1, col), col2 = std::max(col2, col);
            row1 = std::min(row1, row), row2 = std::max(row2, row);
        }
        const double px = (sb.right - sb.left) / (std::ceil(col2) - std::floor(col1));
        const double py = (sb.top - sb.bottom) / (std::ceil(row2) - std::floor(row1));
        const double r = std::max(px, py);
        t.grid = {rastio::Affine::translation(sb.left, sb.top) * rastio::Affine::scale(r, -r),
                  std::max(py_round((sb.right - sb.left) / r), 1), std::max(py_round((sb.top - sb.bottom) / r), 1)};
    }
    if (o.target_aligned_pixels) t.grid = rastio::aligned_target(t.grid.transform, t.grid.width, t.grid.height, *res);
    return t;
}

void run_warp(const WarpOptions& o) {
    // Usage first, as rio checks it before opening anything.
    std::optional<std::pair<double, double>> res;
    if (o.res.size() == 1) res = std::pair{o.res[0], o.res[0]};
    if (o.res.size() == 2) res = std::pair{o.res[0], o.res[1]};
    if (o.res.size() > 2) throw Failure("--res takes one value, or two (x then y)", o.src, exit_usage);
    if (res && (!(res->first > 0) || !(res->second > 0))) throw Failure("--res must be positive", o.src, exit_usage);
    if (o.target_aligned_pixels && !res) throw Failure("--target-aligned-pixels requires --res", o.src, exit_usage);
    if (!o.like.empty() && (!o.dimensions.empty() || !o.dst_bounds.empty() || !o.dst_crs.empty() || res)) {
        throw Failure("--like cannot be used with any of --dimensions, --dst-bounds, --dst-crs or --res", o.src, exit_usage);
    }
    if (!o.dimensions.empty() && (!o.dst_bounds.empty() || res)) {
        throw Failure("--dimensions cannot be used with --dst-bounds or --res", o.src, exit_usage);
    }
    if (!o.dimensions.empty() && (o.dimensions[0] <= 0 || o.dimensions[1] <= 0)) {
        throw Failure("--dimensions must be positive", o.src, exit_usage);
    }
    if (!o.src_bounds.empty() && !o.dst_bounds.empty()) {
        throw Failure("--src-bounds and --dst-bounds may not be given together", o.src, exit_usage);
    }
    rastio::Resampling resampling{};
    try {
        resampling = rastio::parse_resampling(o.resampling);
    } catch (const rastio::Error&) {
        throw Failure("unknown --resampling \"" + o.resampling + "\" (nearest, bilinear, cubic, cubic_spline, lanczos, "
                      "average, mode, max, min, med, q1, q3, sum, rms)", o.src, exit_usage);
    }
    if (resampling == rastio::Resampling::gauss) {
        throw Failure("--resampling gauss is not a warp method (GDAL 3.6 and rio do not warp with it)", o.src, exit_usage);
    }
    // rio's --co: KEY=VALUE over the source's profile.
    rastio::Options creation;
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", o.dst, exit_usage);
        }
        creation[upper(co.substr(0, eq))] = co.substr(eq + 1);
    }
    const std::string driver = output_driver(o.driver, o.dst);
    check_output(o.src, o.dst, o.overwrite);
    check_creation_values(driver, o.creation_options, o.dst);

    Input in = open_input(o.src);
    const rastio::Dataset& src = in.dataset;
    Target target;
    try {
        target = target_grid(o, src, res);
    } catch (const rastio::Error& e) {
        throw Failure(std::string("cannot compute the output grid: ") + e.what(), o.src);
    }
    const rastio::Grid& g = target.grid;
    if (g.width <= 0 || g.height <= 0 || g.width > max_output_size || g.height > max_output_size) {
        throw Failure("invalid output dimensions " + std::to_string(g.width) + "x" + std::to_string(g.height) +
                      " (at most " + std::to_string(max_output_size) + " a side)", o.src, exit_usage);
    }

    // The source's profile, as rio's out_kwargs: its dtype, bands, nodata and block layout.
    rastio::Profile p = src.profile();
    p.driver = driver;
    p.crs = target.crs;
    p.transform = g.transform;
    p.width = g.width;
    p.height = g.height;
    if (o.src_nodata) p.nodata = o.src_nodata;
    if (o.dst_nodata) {
        if (!o.src_nodata && !src.nodata()) {
            throw Failure("--src-nodata must be given with --dst-nodata when the source has no nodata", o.src, exit_usage);
        }
        p.nodata = o.dst_nodata;
    }
    const auto drop_if_larger = [&](const char* key, int size) {
        const auto it = p.options.find(key);
        if (it != p.options.end() && std::atoi(it->second.c_str()) > size) p.options.erase(it);
    };
    drop_if_larger("BLOCKXSIZE", g.width);
    drop_if_larger("BLOCKYSIZE", g.height);
    for (const auto& [k, v] : creation) p.options[k] = v;
    block_layout(p.options, o.dst);

    rastio::ReprojectOptions ro;
    ro.resampling = resampling;
    ro.src_nodata = o.src_nodata;
    ro.dst_nodata = o.dst_nodata;
    ro.num_threads = o.threads; // 0: reproject()'s automatic choice
    Progress bar;
    if (Progress::wanted(o.quiet)) attach_progress(ro, bar);

    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.dst)});
    show_as(out.name(), o.dst);
    PrintGdalWarnings warnings(o.dst); // GDAL's warnings of the warp (an option it ignores...)
    try {
        rastio::Dataset dst = out.open(p);
        rastio::reproject(rastio::WarpSource::from_dataset(src), rastio::WarpDestination::into(dst), ro);
        dst.close();
    } catch (const rastio::Error& e) {
        throw Failure(std::string("warp to ") + driver + " failed: " + e.what(), o.src);
    }
    in.dataset.close();
    write_output(out, o.dst, driver, o.quiet);
}

} // namespace

void add_warp(CLI::App& app) {
    auto o = std::make_shared<WarpOptions>();
    auto* sub = app.add_subcommand("warp", "Reproject a raster, as rio warp (- for stdin/stdout).");
    sub->add_option("src", o->src, "Input raster, or - for stdin")->required();
    sub->add_option("dst", o->dst, "Output raster, or - for stdout (then --driver is required)")->required();
    sub->add_option("-f,--driver,--format", o->driver, "GDAL driver short name (default: from DST's extension)");
    sub->add_option("--like", o->like, "Raster whose CRS, transform and size the output takes");
    sub->add_option("--dst-crs", o->dst_crs, "Target CRS: EPSG:n, a PROJ string, WKT or PROJJSON");
    sub->add_option("--dimensions", o->dimensions, "Output width and height in pixels")->expected(2);
    sub->add_option("--src-bounds", o->src_bounds, "Output extent from source bounds: left bottom right top")->expected(4);
    sub->add_option("--dst-bounds,--bounds", o->dst_bounds, "Output extent in the target CRS: left bottom right top")
        ->expected(4);
    sub->add_option("-r,--res", o->res, "Output resolution in target units; repeat for x then y")
        ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--resampling", o->resampling, "nearest (default), bilinear, cubic, cubic_spline, lanczos, average, "
                                                   "mode, max, min, med, q1, q3, sum, rms");
    sub->add_option("--src-nodata", o->src_nodata, "Source nodata, overriding the source's own");
    sub->add_option("--dst-nodata", o->dst_nodata, "Output nodata (needs a source nodata)");
    sub->add_option("--threads", o->threads, "Warper threads (default 0: automatic, all CPUs for 1 Mpixel or more; rio's default is 1)");
    sub->add_flag("--target-aligned-pixels,!--no-target-aligned-pixels", o->target_aligned_pixels,
                  "Align the output bounds to multiples of --res");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")
        ->allow_extra_args(false);
    sub->add_flag("--overwrite", o->overwrite, "Replace DST if it exists");
    sub->add_flag("-q,--quiet", o->quiet, "No progress bar and no warnings on stderr");
    sub->footer("Examples:\n  rastio warp RGB.byte.tif out.tif --dst-crs EPSG:3857 --resampling bilinear\n"
                "  rastio warp RGB.byte.tif out.tif --dst-crs EPSG:4326 --dst-bounds -78 23 -76.5 25 --res 0.01\n"
                "  cat RGB.byte.tif | rastio warp - - --driver GTiff --like template.tif > out.tif\n");
    sub->callback([o] {
        if (o->quiet) set_quiet(true);
        run_warp(*o);
    });
}

} // namespace rastio_cli
