// `rastio info`: the JSON object `rio info` prints, for a path or for stdin's bytes.
#include <array>
#include <memory>

#include <cpl_error.h>
#include <gdal.h>
#include <gdal_alg.h>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct InfoOptions {
    std::string input;
    std::optional<int> indent;
    std::string member; // a single value to print, "" for the whole object
    bool tags = false;
    bool meta = false;
    std::string ns;
    int bidx = 1;
    bool verbose = false;
};

// rasterio's enum names, indexed by GDAL's value.
constexpr std::array<const char*, 17> color_names{"undefined", "gray",    "palette",    "red",       "green", "blue",
                                                  "alpha",     "hue",     "saturation", "lightness", "cyan",  "magenta",
                                                  "yellow",    "black",   "Y",          "Cb",        "Cr"};

std::string image_structure(GDALDatasetH h, const char* key) {
    const char* v = GDALGetMetadataItem(h, key, "IMAGE_STRUCTURE");
    return v ? v : "";
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Json optional_text(const char* s) { return s && *s ? Json(s) : Json(nullptr); }

Json number(double v) { return Json(v); }

} // namespace

/// The object `rio info` prints (its keys and rules, computed with GDAL's C API).
Json rio_info(const Input& in) {
    const auto& ds = in.dataset;
    auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    const int width = ds.width(), height = ds.height(), count = ds.count();
    Json info = Json::object();
    info["driver"] = ds.driver();
    info["width"] = width;
    info["height"] = height;
    info["count"] = count;
    info["shape"] = Json::array({height, width});
    info["indexes"] = Json::array();
    for (int i = 1; i <= count; ++i) info["indexes"].push_back(i);

    const auto dtypes = ds.dtypes();
    info["dtype"] = dtypes.empty() ? Json(nullptr) : Json(std::string(rastio::to_string(dtypes[0])));
    const auto nodata = ds.nodata();
    info["nodata"] = nodata ? number(*nodata) : Json(nullptr);

    const rastio::CRS crs = ds.crs();
    info["crs"] = rio_crs(crs);
    const auto gt = geotransform(ds);
    info["transform"] = Json::array({gt[1], gt[2], gt[0], gt[4], gt[5], gt[3], 0.0, 0.0, 1.0});
    const rastio::Bounds b = rio_bounds(gt, width, height);
    info["bounds"] = Json::array({b.left, b.bottom, b.right, b.top});
    if (gt[2] == 0 && gt[4] == 0) {
        info["res"] = Json::array({std::abs(gt[1]), std::abs(gt[5])});
    } else {
        info["res"] = Json::array({std::hypot(gt[1], gt[4]), std::hypot(gt[2], gt[5])});
    }

    // Blocks, as rasterio 1.3.5's profile reports them (rule observed, not documented): tiled
    // when blocks are narrower or wider than the raster, or when one block holds the whole
    // raster and both sides are multiples of 16 (a valid TIFF tile); blockxsize only when tiled.
    if (count > 0) {
        int bx = 0, by = 0;
        GDALGetBlockSize(GDALGetRasterBand(h, 1), &bx, &by);
        const bool tiled = bx != width || (by == height && bx % 16 == 0 && by % 16 == 0);
        info["blockysize"] = by;
        if (tiled) info["blockxsize"] = bx;
        info["tiled"] = tiled;
    }
    // Image structure, named as rasterio's enums name them.
    const std::string compression = image_structure(h, "COMPRESSION");
    if (!compression.empty()) {
        static const std::array<const char*, 15> known{"JPEG", "LZW",  "PACKBITS", "DEFLATE", "CCITTRLE",
                                                       "CCITTFAX3", "CCITTFAX4", "LZMA", "NONE", "ZSTD",
                                                       "LERC", "LERC_DEFLATE", "LERC_ZSTD", "WEBP", "JPEG2000"};
        const std::string last = compression.substr(compression.rfind(' ') + 1);
        for (const char* k : known)
            if (last == k) info["compress"] = lower(last);
    }
    const std::string interleave = image_structure(h, "INTERLEAVE");
    if (interleave == "PIXEL" || interleave == "LINE" || interleave == "BAND") info["interleave"] = lower(interleave);
    std::string photometric = image_structure(h, "SOURCE_COLOR_SPACE");
    if (photometric.empty() && compression == "YCbCr JPEG") photometric = "YCbCr";
    static const std::array<std::pair<const char*, const char*>, 8> photometrics{
        {{"MINISBLACK", "black"}, {"MINISWHITE", "white"}, {"RGB", "rgb"}, {"CMYK", "cmyk"}, {"YCbCr", "ycbcr"},
         {"CIELAB", "cielab"}, {"ICCLAB", "icclab"}, {"ITULAB", "itulab"}}};
    for (const auto& [value, name] : photometrics)
        if (photometric == value) info["photometric"] = name;

    Json colorinterp = Json::array(), units = Json::array(), descriptions = Json::array(), masks = Json::array();
    for (int i = 1; i <= count; ++i) {
        GDALRasterBandH band = GDALGetRasterBand(h, i);
        const auto ci = static_cast<std::size_t>(GDALGetRasterColorInterpretation(band));
        colorinterp.push_back(ci < color_names.size() ? color_names[ci] : "undefined");
        units.push_back(optional_text(GDALGetRasterUnitType(band)));
        descriptions.push_back(optional_text(GDALGetDescription(band)));
        const int flags = GDALGetMaskFlags(band);
        Json names = Json::array();
        if (flags & GMF_ALL_VALID) names.push_back("all_valid");
        if (flags & GMF_PER_DATASET) names.push_back("per_dataset");
        if (flags & GMF_ALPHA) names.push_back("alpha");
        if (flags & GMF_NODATA) names.push_back("nodata");
        masks.push_back(names);
    }
    info["colorinterp"] = colorinterp;
    info["units"] = units;
    info["descriptions"] = descriptions;
    info["mask_flags"] = masks;

    if (!crs.empty()) {
        std::vector<double> xs{(b.left + b.right) / 2.0}, ys{(b.bottom + b.top) / 2.0};
        try {
            to_lnglat(crs, xs, ys, in.label);
            info["lnglat"] = Json::array({xs[0], ys[0]});
        } catch (const Failure&) {
            // rio fails here; rastio leaves lnglat out rather than failing the whole report.
        }
    }

    const int ngcps = GDALGetGCPCount(h);
    if (ngcps > 0) {
        const GDAL_GCP* gcps = GDALGetGCPs(h);
        Json points = Json::array();
        for (int i = 0; i < ngcps; ++i) {
            const auto& g = gcps[i];
            points.push_back(Json{{"col", g.dfGCPPixel}, {"id", g.pszId ? g.pszId : ""}, {"info", g.pszInfo ? g.pszInfo : ""},
                                  {"row", g.dfGCPLine}, {"x", g.dfGCPX}, {"y", g.dfGCPY}, {"z", g.dfGCPZ}});
        }
        Json g = Json::object();
        g["points"] = points;
        const char* gcp_wkt = GDALGetGCPProjection(h);
        rastio::CRS gcp_crs;
        if (gcp_wkt && *gcp_wkt) {
            try {
                gcp_crs = rastio::CRS::from_wkt(gcp_wkt);
            } catch (const rastio::Error&) {
            }
        }
        if (gcp_crs.empty()) {
            g["crs"] = nullptr;
        } else if (auto epsg = gcp_crs.to_epsg()) {
            g["crs"] = "EPSG:" + std::to_string(*epsg);
        } else {
            // rio 1.3.5 prints the dataset's CRS here, not the GCPs' (kept for parity).
            const Json text = rio_crs(crs);
            g["crs"] = text.is_null() ? Json("") : text;
        }
        std::array<double, 6> ggt{};
        if (GDALGCPsToGeoTransform(ngcps, gcps, ggt.data(), TRUE)) {
            g["transform"] = Json::array({ggt[1], ggt[2], ggt[0], ggt[4], ggt[5], ggt[3], 0.0, 0.0, 1.0});
        }
        info["gcps"] = g;
    }
    return info;
}

namespace {

Json tags_of(const Input& in, int band, const std::string& ns) {
    auto* h = static_cast<GDALDatasetH>(in.dataset.gdal_handle());
    GDALMajorObjectH obj = band == 0 ? static_cast<GDALMajorObjectH>(h) : static_cast<GDALMajorObjectH>(GDALGetRasterBand(h, band));
    Json out = Json::object();
    char** md = GDALGetMetadata(obj, ns.empty() ? nullptr : ns.c_str());
    for (int i = 0; md && md[i]; ++i) {
        const std::string item = md[i];
        const auto eq = item.find('=');
        if (eq == std::string::npos) continue;
        out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

// rio info --verbose's extra keys: each band's exact statistics and GDAL checksum.
void add_verbose(const Input& in, Json& info) {
    auto* h = static_cast<GDALDatasetH>(in.dataset.gdal_handle());
    Json stats = Json::array(), sums = Json::array();
    for (int b = 1; b <= in.dataset.count(); ++b) {
        const rastio::Statistics st = rastio::statistics(in.dataset, b);
        stats.push_back({{"min", st.min}, {"max", st.max}, {"mean", st.mean}, {"std", st.std}});
        CPLErrorReset();
        sums.push_back(GDALChecksumImage(GDALGetRasterBand(h, b), 0, 0, in.dataset.width(), in.dataset.height()));
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw Failure(std::string("cannot read band ") + std::to_string(b) + ": " + CPLGetLastErrorMsg(), in.label);
        }
    }
    info["stats"] = std::move(stats);
    info["checksum"] = std::move(sums);
}

void run_info(const InfoOptions& o) {
    Input in = open_input(o.input);
    if (o.tags) {
        write_stdout(py_dumps(tags_of(in, 0, o.ns), o.indent) + "\n");
        return;
    }
    if (o.member == "stats") {
        if (o.bidx < 1 || o.bidx > in.dataset.count()) {
            throw Failure("band " + std::to_string(o.bidx) + " out of range 1.." + std::to_string(in.dataset.count()), o.input);
        }
        const rastio::Statistics st = rastio::statistics(in.dataset, o.bidx);
        write_stdout(py_float(st.min) + " " + py_float(st.max) + " " + py_float(st.mean) + " " + py_float(st.std) + "\n");
        return;
    }
    if (o.member == "checksum" || o.member == "subdatasets") {
        auto* h = static_cast<GDALDatasetH>(in.dataset.gdal_handle());
        if (o.member == "subdatasets") {
            std::string out;
            char** md = GDALGetMetadata(h, "SUBDATASETS");
            for (int i = 0; md && md[i]; ++i) {
                const std::string item = md[i];
                const auto eq = item.find('=');
                if (eq != std::string::npos && item.compare(eq - 5, 5, "_NAME") == 0) out += item.substr(eq + 1) + "\n";
            }
            write_stdout(out);
            return;
        }
        if (o.bidx < 1 || o.bidx > in.dataset.count()) {
            throw Failure("band " + std::to_string(o.bidx) + " out of range 1.." + std::to_string(in.dataset.count()), o.input);
        }
        CPLErrorReset();
        const int sum = GDALChecksumImage(GDALGetRasterBand(h, o.bidx), 0, 0, in.dataset.width(), in.dataset.height());
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw Failure(std::string("cannot read band ") + std::to_string(o.bidx) + ": " + CPLGetLastErrorMsg(), o.input);
        }
        write_stdout(std::to_string(sum) + "\n");
        return;
    }
    Json info = rio_info(in);
    if (o.verbose) add_verbose(in, info);
    if (o.member.empty()) {
        write_stdout(py_dumps(info, o.indent, true) + "\n");
    } else {
        write_stdout(py_str(info.contains(o.member) ? info.at(o.member) : Json(nullptr)) + "\n");
    }
}

} // namespace

void add_info(CLI::App& app) {
    auto o = std::make_shared<InfoOptions>();
    auto* sub = app.add_subcommand("info", "Print a dataset's metadata as JSON, with the keys and values of `rio info`.");
    sub->add_option("input", o->input, "A raster file, or - to read the bytes from stdin (through a MemoryFile)")->required();
    sub->add_option("--indent", o->indent, "Indentation level for pretty-printed output")->check(CLI::NonNegativeNumber);
    sub->add_flag("--meta", o->meta, "Show the metadata object (the default)");
    sub->add_flag("--tags", o->tags, "Show the dataset's tags instead");
    sub->add_option("--namespace", o->ns, "The tag namespace (with --tags)");
    sub->add_option("-b,--bidx", o->bidx, "Band index for --checksum and --stats (default 1)");
    sub->add_flag("-v,--verbose,--tell-me-more", o->verbose, "Add each band's statistics and checksum to the JSON");
    const std::array<std::pair<const char*, const char*>, 16> members{{
        {"--count", "count"}, {"-t,--dtype", "dtype"}, {"--nodata", "nodata"}, {"-f,--format,--driver", "driver"},
        {"--shape", "shape"}, {"--height", "height"}, {"--width", "width"}, {"--crs", "crs"},
        {"--bounds", "bounds"}, {"-r,--res", "res"}, {"--lnglat", "lnglat"}, {"--checksum", "checksum"},
        {"--subdatasets", "subdatasets"}, {"--transform", "transform"}, {"--colorinterp", "colorinterp"}, {"--stats", "stats"}}};
    auto* group = sub->add_option_group("single value", "Print one value instead of the JSON object");
    for (const auto& [flag, key] : members) {
        const std::string k = key;
        group->add_flag_callback(flag, [o, k] { o->member = k; }, "Print the " + k + " only");
    }
    group->require_option(0, 1);
    sub->footer("Examples:\n  rastio info RGB.byte.tif --indent 2\n  cat RGB.byte.tif | rastio info - --crs\n");
    sub->callback([o] { run_info(*o); });
}

} // namespace rastio_cli
