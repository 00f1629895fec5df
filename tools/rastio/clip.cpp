// `rastio clip`: rio clip. A rectangle of a raster, given as --bounds (in the raster's CRS, or
// longitude/latitude with --geographic) or as the bounds of another raster (--like), cut on whole
// pixels as rasterio 1.3.5 cuts them (Dataset::clip_window). The output takes the input's profile
// (driver, dtype, nodata, block layout, compression) with -f, --nodata and --co on top, and is made
// in a MemoryFile first, so that a failure leaves no partial OUTPUT.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

#include <gdal.h>

#include <rastio/warp.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct ClipOptions {
    std::vector<std::string> files, creation_options;
    std::string output, bounds, like, driver, nodata;
    bool geographic = false;
    bool projected = false;
    bool with_complement = false;
    bool overwrite = false;
};

/// What numpy fills a masked array's invalid pixels with when the output has no nodata value
/// (rio clip writes `masked.filled(None)`): 999999 cast to the dtype (63 for uint8), 1e20 for floats.
void fill_masked(rastio::MaskedArray& m, std::optional<double> nodata) {
    rastio::visit_dtype(m.data.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_arithmetic_v<T>) {
            T fill{};
            if (nodata) {
                rastio::Array<double> one({1, 1, 1});
                one.values()[0] = *nodata;
                fill = rastio::astype(one, m.data.dtype()).template as<T>().values()[0];
            } else if constexpr (std::is_floating_point_v<T>) {
                fill = static_cast<T>(1e20);
            } else {
                fill = static_cast<T>(999999LL); // modulo 2^bits, as numpy's unsafe cast
            }
            auto values = m.data.template as<T>().values();
            const auto mask = m.mask.values();
            for (std::size_t i = 0; i < values.size(); ++i)
                if (mask[i] == 0) values[i] = fill;
        }
    });
}

/// rasterio 1.3.5's write_mask: a per-dataset mask where GDAL puts one by default (a .msk beside
/// a GeoTIFF in GDAL 3.6), holding the values as given, so that an alpha band's partial values
/// (1..254) stay as rio writes them. (Dataset::write_mask stores 0 or 255, inside the file.)
void write_mask_as_rio(rastio::Dataset& dst, const rastio::Array<std::uint8_t>& mask, const std::string& label) {
    auto* h = static_cast<GDALDatasetH>(dst.gdal_handle());
    CPLErrorReset();
    if (GDALCreateDatasetMaskBand(h, GMF_PER_DATASET) != CE_None) {
        throw Failure(std::string("cannot create the mask: ") + as_shown(CPLGetLastErrorMsg()), label);
    }
    GDALRasterBandH m = GDALGetMaskBand(GDALGetRasterBand(h, 1));
    const int cols = static_cast<int>(mask.cols()), rows = static_cast<int>(mask.rows());
    // GDALRasterIO takes a non-const buffer even to write from it.
    std::vector<std::uint8_t> values(mask.values().begin(), mask.values().end());
    if (GDALRasterIO(m, GF_Write, 0, 0, cols, rows, values.data(), cols, rows, GDT_Byte, 0, 0) != CE_None ||
        CPLGetLastErrorType() >= CE_Failure) {
        throw Failure(std::string("cannot write the mask: ") + as_shown(CPLGetLastErrorMsg()), label);
    }
}

void run_clip(ClipOptions o) {
    // rio's resolve_inout: with -o every positional is an input, else the last one is the output.
    if (o.output.empty()) {
        if (o.files.size() < 2) throw Failure("clip needs INPUT and OUTPUT (or -o OUTPUT)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.files.size() != 1) throw Failure("clip takes one INPUT", o.output, exit_usage);
    const std::string& input = o.files[0];
    if (o.bounds.empty() && o.like.empty()) throw Failure("--bounds or --like required", o.output, exit_usage);
    if (!o.bounds.empty() && !o.like.empty()) throw Failure("give --bounds or --like, not both", o.output, exit_usage);
    if (o.geographic && o.projected) throw Failure("give --geographic or --projected, not both", o.output, exit_usage);
    std::optional<double> nodata;
    if (!o.nodata.empty()) nodata = parse_rio_nodata(o.nodata, o.output);
    std::optional<rastio::Bounds> bounds;
    if (!o.bounds.empty()) bounds = parse_rio_bounds(o.bounds);
    check_output(input, o.output, o.overwrite);

    Input in = open_input(input);
    const rastio::Dataset& src = in.dataset;
    rastio::Window window;
    try {
        if (bounds) {
            if (o.geographic) bounds = rastio::transform_bounds(rastio::CRS::from_epsg(4326), src.crs(), *bounds);
        } else {
            Input like = open_input(o.like);
            bounds = like.dataset.bounds();
            if (like.dataset.crs() != src.crs()) bounds = rastio::transform_bounds(like.dataset.crs(), src.crs(), *bounds);
        }
        window = src.clip_window(*bounds, o.with_complement);
    } catch (const rastio::ArgumentError& e) {
        throw Failure(std::string(o.like.empty() ? "--bounds: " : "--like: ") + as_shown(e.what()), input, exit_usage);
    } catch (const rastio::Error& e) {
        throw Failure(std::string("cannot transform the bounds: ") + as_shown(e.what()), input);
    }

    rastio::Profile p = src.profile();
    const std::string driver = output_driver(o.driver.empty() ? src.driver() : o.driver, o.output);
    check_creation_values(driver, o.creation_options, o.output);
    p.driver = driver;
    if (nodata) p.nodata = nodata; // rio's --nodata none leaves the input's
    p.width = window.width;
    p.height = window.height;
    p.transform = src.window_transform(window);
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        std::string key = co.substr(0, eq), value = co.substr(eq + 1), low = value;
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (low == "none" || low == "null" || low == "nil" || low == "nada") {
            p.options.erase(key); // rio reads these as None: the option is not passed
        } else {
            p.options[key] = value;
        }
    }
    // A block bigger than the output goes, as rio drops it (with the same warning).
    for (const auto& [key, size] : {std::pair{"BLOCKXSIZE", window.width}, std::pair{"BLOCKYSIZE", window.height}}) {
        const auto it = p.options.find(key);
        if (it != p.options.end() && std::atoll(it->second.c_str()) > size) {
            p.options.erase(it);
            print_warning(std::string(key) + " removed from the creation options: the output is smaller than a block", o.output);
        }
    }

    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.output)});
    show_as(out.name(), o.output);
    {
        PrintGdalWarnings warnings(o.output);
        try {
            const rastio::ReadOptions read{.window = window, .out_shape = std::pair{window.height, window.width}, .boundless = true};
            rastio::MaskedArray m = src.read_masked(read);
            fill_masked(m, p.nodata);
            rastio::Dataset dst = out.open(p);
            dst.write(m.data, src.indexes());
            if (src.mask_flags().at(0).per_dataset) {
                rastio::Array<std::uint8_t> masks = src.read_masks(read);
                rastio::Array<std::uint8_t> first({1, masks.shape()[1], masks.shape()[2]});
                std::copy_n(masks.band(0).begin(), first.size(), first.values().begin());
                write_mask_as_rio(dst, first, o.output);
            }
            dst.close();
        } catch (const rastio::Error& e) {
            throw Failure(std::string("clip failed: ") + as_shown(e.what()), o.output);
        }
    }
    in.dataset.close();
    write_output(out, o.output, driver, quiet());
}

} // namespace

void add_clip(CLI::App& app) {
    auto o = std::make_shared<ClipOptions>();
    auto* sub = app.add_subcommand("clip", "Clip a raster to given bounds, as rio clip.");
    sub->add_option("files", o->files, "INPUT OUTPUT (or INPUT with -o)")->required();
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("--bounds", o->bounds, "Bounds: \"left bottom right top\" or \"[left, bottom, right, top]\"");
    sub->add_option("--like", o->like, "Raster whose bounds (in its own CRS, transformed if need be) are the clip");
    sub->add_option("-f,--format,--driver", o->driver, "GDAL driver short name (default: the input's)");
    sub->add_option("--nodata", o->nodata, "Output nodata: a number, nan, or none");
    sub->add_flag("--geographic", o->geographic, "--bounds are longitude/latitude");
    sub->add_flag("--projected", o->projected, "--bounds are in the input's own CRS (the default)");
    sub->add_flag("--with-complement,!--without-complement", o->with_complement,
                  "Keep the part of the bounds outside the raster (filled with nodata), else only the intersection (the default)");
    sub->add_flag("--overwrite", o->overwrite, "Replace OUTPUT if it exists");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")->allow_extra_args(false);
    sub->footer("Examples:\n  rastio clip RGB.byte.tif clipped.tif --bounds \"200000 2700000 250000 2750000\"\n"
                "  rastio clip RGB.byte.tif clipped.tif --like template.tif\n");
    sub->callback([o] { run_clip(*o); });
}

} // namespace rastio_cli
