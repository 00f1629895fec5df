// `rastio blocks`: one GeoJSON feature per line for each block window of a band, like `rio blocks --sequence`.
#include <gdal.h>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct BlocksOptions {
    std::string input;
    int bidx = 1;
    bool projected = false;
    std::optional<int> indent;
};

void run_blocks(const BlocksOptions& o) {
    Input in = open_input(o.input);
    const auto& ds = in.dataset;
    if (o.bidx < 1 || o.bidx > ds.count()) {
        throw Failure("band " + std::to_string(o.bidx) + " is out of range 1.." + std::to_string(ds.count()), o.input);
    }
    const rastio::CRS crs = ds.crs();
    if (!o.projected && crs.empty()) {
        throw Failure("the dataset has no CRS to give longitude/latitude; use --projected", o.input);
    }
    int bx = 0, by = 0;
    GDALGetBlockSize(GDALGetRasterBand(static_cast<GDALDatasetH>(ds.gdal_handle()), o.bidx), &bx, &by);
    const int width = ds.width(), height = ds.height();
    const auto gt = geotransform(ds);
    const std::string name = in.display_name();
    std::string out;
    int id = 0;
    for (int row = 0, r = 0; row < height; row += by, ++r) {
        for (int col = 0, c = 0; col < width; col += bx, ++c, ++id) {
            const int w = std::min(bx, width - col), h = std::min(by, height - row);
            // The window's outline, closed: top-left, bottom-left, bottom-right, top-right.
            const std::array<std::pair<double, double>, 5> px{{{col, row}, {col, row + h}, {col + w, row + h}, {col + w, row}, {col, row}}};
            std::vector<double> xs, ys;
            for (const auto& [pc, pr] : px) {
                xs.push_back(gt[0] + gt[1] * pc + gt[2] * pr);
                ys.push_back(gt[3] + gt[4] * pc + gt[5] * pr);
            }
            if (!o.projected) to_lnglat(crs, xs, ys, o.input);
            Json ring = Json::array();
            for (std::size_t i = 0; i < xs.size(); ++i) ring.push_back(Json::array({xs[i], ys[i]}));
            Json feature = {
                {"geometry", {{"coordinates", Json::array({ring})}, {"type", "Polygon"}}},
                {"id", name + ":" + std::to_string(id)},
                {"properties",
                 {{"block", "[" + std::to_string(r) + ", " + std::to_string(c) + "]"},
                  {"window", {{"col_off", col}, {"height", h}, {"row_off", row}, {"width", w}}}}},
                {"type", "Feature"}};
            out += py_dumps(feature, o.indent, true) + "\n";
            if (out.size() > (1u << 20)) {
                write_stdout(out);
                out.clear();
            }
        }
    }
    write_stdout(out);
}

} // namespace

void add_blocks(CLI::App& app) {
    auto o = std::make_shared<BlocksOptions>();
    auto* sub = app.add_subcommand("blocks", "Write one GeoJSON feature per line for each block window of a band.");
    sub->add_option("input", o->input, "A raster file, or - to read the bytes from stdin")->required();
    sub->add_option("-b,--bidx", o->bidx, "The band whose blocks are listed (default 1)");
    sub->add_flag("--projected", o->projected, "Coordinates in the dataset's own CRS (default: longitude/latitude)");
    sub->add_option("--indent", o->indent, "Indentation level for pretty-printed output")->check(CLI::NonNegativeNumber);
    sub->footer("Example:\n  rastio blocks shade.tif --projected | head -2\n");
    sub->callback([o] { run_blocks(*o); });
}

} // namespace rastio_cli
