// rastio serve's handlers as plain functions: a parsed request through the route table to a
// response, with no socket.
#include <cmath>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/rastio.hpp>
#include <rastio/warp.hpp>

#include "geo.hpp"
#include "png.hpp"
#include "routes.hpp"
#include "serve_fixture.hpp"
#include "sources.hpp"
#include "tile_warp.hpp"

namespace rastio::serve {
namespace {

using test::ServedFolder;
using Json = nlohmann::json;

class ServeHandlers : public ::testing::Test {
protected:
    ServedFolder folder;
    Config config = [this] {
        Config c;
        c.root = folder.root();
        c.allow_hosts = {"data.example.org"};
        return c;
    }();
    SourcePolicy policy{config};
    DatasetCache cache{4};

    Response call(const std::string& method, const std::string& path, std::multimap<std::string, std::string> query = {},
                  std::string body = {}, const std::string& if_none_match = {}) {
        Request req;
        req.method = method;
        req.path = path;
        req.query = std::move(query);
        req.body = std::move(body);
        req.if_none_match = if_none_match;
        req.host = "127.0.0.1:1";
        Context ctx{config, policy, cache, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
        return dispatch(req, ctx);
    }
    Response get(const std::string& path, std::multimap<std::string, std::string> query = {}) {
        return call("GET", path, std::move(query));
    }
    static Json json(const Response& r) { return Json::parse(r.body); }
    static std::string header(const Response& r, const std::string& name) {
        for (const auto& [k, v] : r.headers)
            if (k == name) return v;
        return {};
    }
};

TEST_F(ServeHandlers, HealthzAnswersOk) {
    const Response r = get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json(r)["status"], "ok");
}

TEST_F(ServeHandlers, UnknownPathIs404AndWrongMethodIs405WithDetail) {
    Response r = get("/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json(r)["detail"], "Not Found");
    r = call("POST", "/cog/info", {{"url", "small.tif"}});
    EXPECT_EQ(r.status, 405);
    EXPECT_TRUE(json(r).contains("detail"));
}

TEST_F(ServeHandlers, InfoHasRioTilerShapeAndLonLatBounds) {
    const Response r = get("/cog/info", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = json(r);
    EXPECT_EQ(j["count"], 1);
    EXPECT_EQ(j["width"], 4);
    EXPECT_EQ(j["dtype"], "uint8");
    EXPECT_EQ(j["nodata_type"], "Nodata");
    EXPECT_EQ(j["nodata_value"], 0.0);
    EXPECT_EQ(j["driver"], "GTiff");
    EXPECT_EQ(j["band_metadata"][0][0], "b1");
    EXPECT_EQ(j["colorinterp"][0], "gray");
    auto ds = rastio::open(folder.path("small.tif"));
    const Bounds b = rastio::transform_bounds(ds.crs(), CRS::from_epsg(4326), ds.bounds());
    EXPECT_NEAR(j["bounds"][0].get<double>(), b.left, 1e-9);
    EXPECT_NEAR(j["bounds"][3].get<double>(), b.top, 1e-9);
    EXPECT_LE(j["minzoom"].get<int>(), j["maxzoom"].get<int>());
    EXPECT_EQ(header(r, "Cache-Control"), config.cache_control);
    EXPECT_FALSE(header(r, "ETag").empty());
}

TEST_F(ServeHandlers, InfoGeojsonIsAFeatureOfTheBounds) {
    const Response r = get("/cog/info.geojson", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = json(r);
    EXPECT_EQ(j["type"], "Feature");
    EXPECT_EQ(j["geometry"]["type"], "Polygon");
    EXPECT_EQ(j["geometry"]["coordinates"][0].size(), 5u);
    EXPECT_EQ(j["properties"]["width"], 4);
    EXPECT_EQ(r.content_type, "application/geo+json");
}

TEST_F(ServeHandlers, StatisticsOfKnownPixelsSkipNodata) {
    const Response r = get("/cog/statistics", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json b1 = json(r)["b1"];
    // Pixels 1..15 valid, 0 is nodata.
    EXPECT_EQ(b1["min"], 1.0);
    EXPECT_EQ(b1["max"], 15.0);
    EXPECT_DOUBLE_EQ(b1["mean"].get<double>(), 8.0);
    EXPECT_EQ(b1["count"], 15.0);
    EXPECT_NEAR(b1["std"].get<double>(), std::sqrt(224.0 / 12.0), 1e-12);
    EXPECT_EQ(b1["median"], 8.0);
    EXPECT_NEAR(b1["percentile_2"].get<double>(), 1.28, 1e-12);
    EXPECT_NEAR(b1["percentile_98"].get<double>(), 14.72, 1e-12);
    EXPECT_EQ(b1["valid_percent"], 93.75);
    EXPECT_EQ(b1["masked_pixels"], 1.0);
    EXPECT_EQ(b1["unique"], 15.0);
    EXPECT_EQ(b1["histogram"][0], Json({2, 1, 2, 1, 1, 2, 1, 2, 1, 2}));
    EXPECT_EQ(b1["histogram"][1].size(), 11u);
}

TEST_F(ServeHandlers, StatisticsPercentilesAndBinsFromQuery) {
    const Response r = get("/cog/statistics", {{"url", "small.tif"}, {"p", "50"}, {"histogram_bins", "3"}, {"histogram_range", "0,30"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json b1 = json(r)["b1"];
    EXPECT_EQ(b1["percentile_50"], 8.0);
    EXPECT_EQ(b1["histogram"][0], Json({9, 6, 0})); // [0,10): 1..9; [10,20): 10..15
}

TEST_F(ServeHandlers, CategoricalStatisticsCountValues) {
    // small.tif: values 1..15 once each, 0 is nodata.
    Response r = get("/cog/statistics", {{"url", "small.tif"}, {"categorical", "true"}});
    ASSERT_EQ(r.status, 200) << r.body;
    Json b1 = json(r)["b1"];
    std::vector<double> ones(15, 1.0), values;
    for (int v = 1; v <= 15; ++v) values.push_back(v);
    EXPECT_EQ(b1["histogram"][0], Json(ones));
    EXPECT_EQ(b1["histogram"][1], Json(values));
    EXPECT_EQ(b1["max"], 15.0); // the other statistics stay
    // Requested categories, in the order given; absent ones count 0 (nodata is not counted).
    r = get("/cog/statistics", {{"url", "small.tif"}, {"categorical", "true"}, {"c", "3"}, {"c", "99"}, {"c", "1"}, {"c", "0"}});
    ASSERT_EQ(r.status, 200) << r.body;
    b1 = json(r)["b1"];
    EXPECT_EQ(b1["histogram"][0], Json({1.0, 0.0, 1.0, 0.0}));
    EXPECT_EQ(b1["histogram"][1], Json({3.0, 99.0, 1.0, 0.0}));
    // c without categorical=true leaves the binned histogram.
    r = get("/cog/statistics", {{"url", "small.tif"}, {"c", "3"}});
    EXPECT_EQ(json(r)["b1"]["histogram"][1].size(), 11u);
    EXPECT_EQ(get("/cog/statistics", {{"url", "small.tif"}, {"categorical", "maybe"}}).status, 400);
    r = get("/cog/statistics", {{"url", "small.tif"}, {"categorical", "true"}, {"c", "x"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("\"c: "), std::string::npos) << r.body;
}

TEST_F(ServeHandlers, PointReadsThePixelUnderLonLat) {
    auto ds = rastio::open(folder.path("small.tif"));
    const auto [x, y] = ds.xy(2, 3); // pixel (2, 3) holds 11
    const Points ll = rastio::transform(ds.crs(), CRS::from_epsg(4326), std::vector<double>{x}, std::vector<double>{y});
    char path[128];
    std::snprintf(path, sizeof path, "/cog/point/%.12f,%.12f", ll.xs[0], ll.ys[0]);
    Response r = get(path, {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r)["values"], Json({11}));
    EXPECT_EQ(json(r)["band_names"], Json({"b1"}));
    r = get("/cog/point/10,10", {{"url", "small.tif"}});
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json(r)["detail"], "Point is outside dataset bounds");
}

TEST_F(ServeHandlers, PreviewPngCarriesNodataAsAlpha) {
    const Response r = get("/cog/preview.png", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "image/png");
    int w = 0, h = 0;
    const AnyArray a = test::decode(r.body, &w, &h);
    EXPECT_EQ(w, 4);
    EXPECT_EQ(h, 4);
    ASSERT_EQ(a.shape()[0], 2u); // gray + alpha
    const auto& px = a.as<std::uint8_t>();
    EXPECT_EQ(px(1, 0, 0), 0);   // nodata: transparent
    EXPECT_EQ(px(1, 0, 1), 255);
    EXPECT_EQ(px(0, 2, 3), 11);
}

TEST_F(ServeHandlers, PreviewSizeRescaleAndColormap) {
    Response r = get("/cog/preview/8x6.png", {{"url", "small.tif"}, {"rescale", "0,15"}, {"colormap_name", "viridis"}});
    ASSERT_EQ(r.status, 200) << r.body;
    int w = 0, h = 0;
    AnyArray a = test::decode(r.body, &w, &h);
    EXPECT_EQ(w, 8);
    EXPECT_EQ(h, 6);
    EXPECT_EQ(a.shape()[0], 4u); // RGBA
    // An explicit colormap: value 5 -> red, everything else transparent.
    r = get("/cog/preview.png", {{"url", "small.tif"}, {"colormap", R"({"5": [255, 0, 0, 255]})"}});
    ASSERT_EQ(r.status, 200) << r.body;
    a = test::decode(r.body);
    const auto& px = a.as<std::uint8_t>();
    EXPECT_EQ(px(0, 1, 1), 255);
    EXPECT_EQ(px(3, 1, 1), 255);
    EXPECT_EQ(px(3, 1, 2), 0);
}

TEST_F(ServeHandlers, PreviewFormats) {
    for (const char* f : {"png", "jpg", "webp", "tif", "npy"}) {
        const Response r = get(std::string("/cog/preview.") + f, {{"url", "small.tif"}, {"max_size", "4"}});
        ASSERT_EQ(r.status, 200) << f << ": " << r.body;
        if (std::string(f) == "npy") {
            EXPECT_EQ(r.body.substr(0, 6), "\x93NUMPY");
            EXPECT_NE(r.body.find("'shape': (2, 4, 4)"), std::string::npos); // data + mask
        } else {
            int w = 0;
            test::decode(r.body, &w);
            EXPECT_EQ(w, 4) << f;
        }
    }
    // The GeoTIFF keeps georeferencing and the mask.
    const Response r = get("/cog/preview.tif", {{"url", "small.tif"}});
    MemoryFile mf(r.body);
    auto ds = mf.open();
    EXPECT_EQ(ds.crs(), CRS::from_epsg(32618));
    EXPECT_EQ(ds.dataset_mask().values()[0], 0);
}

TEST_F(ServeHandlers, BadParametersAre400NamingThem) {
    const std::vector<std::pair<std::multimap<std::string, std::string>, std::string>> cases = {
        {{{"url", "small.tif"}, {"bidx", "2"}}, "bidx"},
        {{{"url", "small.tif"}, {"bidx", "x"}}, "bidx"},
        {{{"url", "small.tif"}, {"rescale", "a,b"}}, "rescale"},
        {{{"url", "small.tif"}, {"rescale", "0,inf"}}, "rescale"},
        {{{"url", "small.tif"}, {"nodata", "inf"}}, "nodata"},
        {{{"url", "small.tif"}, {"resampling", "bogus"}}, "resampling"},
        {{{"url", "small.tif"}, {"colormap", "{not json"}}, "colormap"},
        {{{"url", "small.tif"}, {"colormap", R"({"1": [300, 0, 0]})"}}, "colormap"},
        {{{"url", "small.tif"}, {"colormap", R"([[1, 2]])"}}, "colormap"},
        {{{"url", "small.tif"}, {"colormap_name", "nope"}}, "colormap_name"},
        {{{"url", "small.tif"}, {"max_size", "100000"}}, "max_size"},
        {{{"url", "small.tif"}, {"return_mask", "maybe"}}, "return_mask"},
        {{{"url", "small.tif"}, {"url", "small.tif"}}, "url"},
        {{}, "url"},
    };
    for (const auto& [query, name] : cases) {
        const Response r = get("/cog/preview.png", query);
        EXPECT_EQ(r.status, 400) << name << ": " << r.body;
        EXPECT_EQ(json(r)["detail"].get<std::string>().rfind(name + ":", 0), 0u) << r.body;
    }
    EXPECT_EQ(get("/cog/preview.gif", {{"url", "small.tif"}}).status, 400);
    EXPECT_EQ(get("/cog/point/nan,1", {{"url", "small.tif"}}).status, 400);
    EXPECT_EQ(get("/cog/point/1,inf", {{"url", "small.tif"}}).status, 400);
}

TEST_F(ServeHandlers, HostileSourcesAreRefused) {
    const std::vector<std::string> refused = {
        "../small.tif", "sub/../../x.tif", folder.outside(), "/etc/passwd", "/vsimem/x.tif", "/vsicurl/http://data.example.org/x.tif",
        "/VSIZIP/a.zip/x.tif", "http://evil.example.com/x.tif", "https://user@data.example.org/x.tif", "ftp://data.example.org/x.tif",
        "file:///etc/passwd", "GTIFF_DIR:1:small.tif", "<VRTDataset/>", "link_out.tif", "a.vrt", "small.tif\n",
    };
    for (const auto& url : refused) {
        const Response r = get("/cog/info", {{"url", url}});
        EXPECT_EQ(r.status, 400) << url << ": " << r.body;
        EXPECT_EQ(json(r)["detail"].get<std::string>().rfind("url:", 0), 0u) << r.body;
    }
    EXPECT_EQ(get("/cog/info", {{"url", "missing.tif"}}).status, 404);
    // Inside the root, absolute or relative, and in a subfolder: served.
    EXPECT_EQ(get("/cog/info", {{"url", folder.path("small.tif")}}).status, 200);
    EXPECT_EQ(get("/cog/info", {{"url", "sub/inner.tif"}}).status, 200);
    EXPECT_EQ(get("/cog/info", {{"url", "./sub/inner.tif"}}).status, 200);
}

TEST_F(ServeHandlers, RequestOverItsTimeIs503) {
    Request req;
    req.path = "/cog/statistics";
    req.query = {{"url", "small.tif"}};
    Context ctx{config, policy, cache, std::chrono::steady_clock::now() - std::chrono::milliseconds(1)};
    const Response r = dispatch(req, ctx);
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("longer than the server allows"), std::string::npos) << r.body;
    // Conversions stop inside GDAL (its progress callback) once the time is up.
    const std::vector<std::byte> bytes = rastio::test::read_file(folder.path("small.tif"));
    Request conv;
    conv.method = "POST";
    conv.path = "/memory/convert";
    conv.query = {{"driver", "GTiff"}};
    conv.body.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    EXPECT_EQ(dispatch(conv, ctx).status, 503);
}

TEST_F(ServeHandlers, DriversOptionLimitsWhatOpens) {
    config.drivers = {"PNG"};
    SourcePolicy png_only(config);
    Request req;
    req.path = "/cog/info";
    req.query = {{"url", "small.tif"}};
    Context ctx{config, png_only, cache, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
    const Response r = dispatch(req, ctx);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("GTiff driver is not allowed"), std::string::npos) << r.body;
}

TEST_F(ServeHandlers, CacheReopensAChangedFileOnly) {
    ASSERT_EQ(get("/cog/point/0,0", {{"url", "small.tif"}}).status, 404);
    ASSERT_EQ(cache.opens(), 1u);
    get("/cog/info", {{"url", "small.tif"}});
    EXPECT_EQ(cache.opens(), 1u); // cached
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    test::write_small(folder.path("small.tif"), 100); // pixel 11 becomes 111
    auto ds = rastio::open(folder.path("small.tif"));
    const auto [x, y] = ds.xy(2, 3);
    const Points ll = rastio::transform(ds.crs(), CRS::from_epsg(4326), std::vector<double>{x}, std::vector<double>{y});
    char path[128];
    std::snprintf(path, sizeof path, "/cog/point/%.12f,%.12f", ll.xs[0], ll.ys[0]);
    const Response r = get(path, {{"url", "small.tif"}});
    EXPECT_EQ(json(r)["values"], Json({111}));
    EXPECT_EQ(cache.opens(), 2u);
}

TEST_F(ServeHandlers, EtagIsStableAndIfNoneMatchGives304) {
    const Response a = get("/cog/preview.png", {{"url", "small.tif"}});
    const Response b = get("/cog/preview.png", {{"url", "small.tif"}});
    ASSERT_FALSE(header(a, "ETag").empty());
    EXPECT_EQ(header(a, "ETag"), header(b, "ETag"));
    const Response c = call("GET", "/cog/preview.png", {{"url", "small.tif"}}, {}, header(a, "ETag"));
    EXPECT_EQ(c.status, 304);
    EXPECT_TRUE(c.body.empty());
    const Response e = get("/cog/info", {{"url", "nope.tif"}});
    EXPECT_EQ(header(e, "Cache-Control"), "no-store");
}

TEST_F(ServeHandlers, TileMatchesAWarpedVRTReadOfTheSameBounds) {
    RASTIO_REQUIRE_COG(folder);
    auto ds = rastio::open(folder.path("cogeo.tif"));
    const TileMatrixSet tms = *tile_matrix_set("WebMercatorQuad");
    const auto [minz, maxz] = zoom_range(ds, tms);
    // The tile holding the raster's center at its max zoom.
    const Bounds db = ds.bounds(); // EPSG:3857 already
    const double cx = (db.left + db.right) / 2, cy = (db.bottom + db.top) / 2;
    const double size = tms.extent_x / static_cast<double>(tms.matrix_width(maxz));
    const auto x = static_cast<long long>((cx - tms.left) / size), y = static_cast<long long>((tms.top - cy) / size);
    const std::string path = "/cog/tiles/WebMercatorQuad/" + std::to_string(maxz) + "/" + std::to_string(x) + "/" + std::to_string(y) + ".png";
    const Response r = get(path, {{"url", "cogeo.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    int w = 0, h = 0;
    const AnyArray tile = test::decode(r.body, &w, &h);
    ASSERT_EQ(w, 256);
    ASSERT_EQ(tile.shape()[0], 4u);
    const Bounds tb = tms.tile_bounds(maxz, x, y);
    WarpedVRT vrt(ds, {.crs = tms.crs, .transform = Affine(size / 256, 0, tb.left, 0, -size / 256, tb.top), .width = 256, .height = 256,
                       .add_alpha = true});
    const AnyArray expected = vrt.read(ReadOptions{.bands = {1, 2, 3}});
    const auto& t = tile.as<std::uint8_t>();
    const auto& e = expected.as<std::uint8_t>();
    std::size_t differ = 0, compared = 0;
    for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t i = 0; i < 256; ++i)
            for (std::size_t j = 0; j < 256; ++j) {
                if (t(3, i, j) == 0) continue;
                ++compared;
                differ += t(b, i, j) != e(b, i, j);
            }
    EXPECT_GT(compared, 1000u);
    EXPECT_EQ(differ, 0u);
    // @2x doubles the size; outside the data is 404; beyond the matrix is 400.
    const Response r2 = get("/cog/tiles/WebMercatorQuad/" + std::to_string(maxz) + "/" + std::to_string(x) + "/" + std::to_string(y) + "@2x.png",
                            {{"url", "cogeo.tif"}});
    test::decode(r2.body, &w);
    EXPECT_EQ(w, 512);
    const Response out = get("/cog/tiles/WebMercatorQuad/" + std::to_string(maxz) + "/0/0.png", {{"url", "cogeo.tif"}});
    EXPECT_EQ(out.status, 404);
    EXPECT_NE(json(out)["detail"].get<std::string>().find("outside bounds"), std::string::npos);
    EXPECT_EQ(get("/cog/tiles/WebMercatorQuad/99/0/0.png", {{"url", "cogeo.tif"}}).status, 400);
    EXPECT_EQ(get("/cog/tiles/WebMercatorQuad/2/4/0.png", {{"url", "cogeo.tif"}}).status, 400);
    EXPECT_EQ(get("/cog/tiles/WebMercatorQuad/1/99999999999999999999999/0.png", {{"url", "cogeo.tif"}}).status, 400);
    EXPECT_EQ(get("/cog/tiles/NoSuchTms/1/0/0.png", {{"url", "cogeo.tif"}}).status, 404);
    (void)minz;
}

// A 512x512 RGB uint8 GeoTIFF in UTM 18N (2 m pixels, 256 blocks, overviews 2 and 4) with
// values that change from pixel to pixel, so that a pixel taken from a neighbour shows.
void write_utm_rgb(const std::string& path, int seed, std::optional<double> nodata = std::nullopt) {
    auto ds = rastio::open(path, "w",
                           Profile{.driver = "GTiff", .width = 512, .height = 512, .count = 3, .dtype = DType::uint8,
                                   .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(500000, 4500000, 2, 2),
                                   .nodata = nodata,
                                   .options = {{"TILED", "YES"}, {"BLOCKXSIZE", "256"}, {"BLOCKYSIZE", "256"}}});
    Array<std::uint8_t> a(Shape{3, 512, 512});
    std::uint32_t x = static_cast<std::uint32_t>(seed) * 2654435761U + 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
        x = x * 1664525U + 1013904223U;
        a.data()[i] = static_cast<std::uint8_t>(x >> 24);
    }
    ds.write(a);
    ds.build_overviews({2, 4});
    ds.close();
}

// The tiles of `tms` at zoom z that meet `ds`'s bounds (in the set's CRS).
std::vector<std::pair<long long, long long>> tiles_over(const Dataset& ds, const TileMatrixSet& tms, int z) {
    const Bounds b = rastio::transform_bounds(ds.crs(), tms.crs, ds.bounds());
    const double w = tms.extent_x / static_cast<double>(tms.matrix_width(z)), h = w; // square tiles
    std::vector<std::pair<long long, long long>> out;
    for (auto x = static_cast<long long>((b.left - tms.left) / w); x <= static_cast<long long>((b.right - tms.left) / w); ++x)
        for (auto y = static_cast<long long>((tms.top - b.top) / h); y <= static_cast<long long>((tms.top - b.bottom) / h); ++y)
            out.emplace_back(x, y);
    return out;
}

// What read_part cuts without the warper: a WarpedVRT (share_source) over the grid, with p's
// nodata as both nodata values, or the source's, or (neither) adding alpha.
ImageData through_vrt(const Dataset& src, const CRS& crs, const Affine& grid, int rows, int cols, const ImageParams& p) {
    WarpedVRTOptions o{.crs = crs, .transform = grid, .width = cols, .height = rows, .resampling = p.resampling, .share_source = true};
    if (p.nodata) {
        o.src_nodata = p.nodata;
        o.nodata = p.nodata;
    } else if (!src.nodata()) {
        o.add_alpha = true;
    }
    WarpedVRT vrt(src, o);
    ImageParams q = p;
    q.nodata.reset();
    return read_image(vrt, q, std::nullopt, rows, cols);
}

void expect_same(const ImageData& got, const ImageData& want, const std::string& what) {
    ASSERT_EQ(got.data.shape(), want.data.shape()) << what;
    const auto g = got.data.as<std::uint8_t>().values(), w = want.data.as<std::uint8_t>().values();
    std::size_t differ = 0;
    for (std::size_t i = 0; i < g.size(); ++i) differ += g[i] != w[i];
    EXPECT_EQ(differ, 0u) << what << ": pixels differ";
    const auto gm = got.mask.values(), wm = want.mask.values();
    ASSERT_EQ(gm.size(), wm.size()) << what;
    differ = 0;
    for (std::size_t i = 0; i < gm.size(); ++i) differ += gm[i] != wm[i];
    EXPECT_EQ(differ, 0u) << what << ": masks differ";
}

TEST(ServeTileWarper, ReusedAcrossTilesItCutsWhatAWarpedVRTReads) {
    ServedFolder folder;
    const std::string path = folder.path("utm.tif");
    write_utm_rgb(path, 1);
    const Dataset full = rastio::open(path);
    std::vector<Dataset> levels;
    levels.push_back(rastio::open(path));
    for (int level = 0; level < 2; ++level) levels.push_back(rastio::open(path, "r", Options{{"OVERVIEW_LEVEL", std::to_string(level)}}));
    std::size_t compared = 0, valid = 0;
    for (const char* id : {"WebMercatorQuad", "WorldCRS84Quad"}) {
        const TileMatrixSet tms = *tile_matrix_set(id);
        for (std::size_t level = 0; level < levels.size(); ++level) {
            for (const auto& [size, r] : {std::pair{256, Resampling::nearest}, std::pair{512, Resampling::nearest},
                                          std::pair{256, Resampling::bilinear}}) {
                if (level == 2 && (size != 256 || r != Resampling::nearest)) continue; // keep the test short
                ImageParams p;
                p.bands = {1, 2, 3};
                p.resampling = r;
                // One warper for every tile of this source, CRS, size and resampling.
                auto w = TileWarper::make(levels[level], tms.crs, size, size, r);
                ASSERT_TRUE(w) << id;
                for (int z = 14; z <= 16; ++z) {
                    auto tiles = tiles_over(full, tms, z);
                    tiles.resize(std::min<std::size_t>(tiles.size(), 3)); // keep the test short
                    for (const auto& [x, y] : tiles) {
                        const Bounds tb = tms.tile_bounds(z, x, y);
                        const Affine grid((tb.right - tb.left) / size, 0, tb.left, 0, -(tb.top - tb.bottom) / size, tb.top);
                        const auto got = w->cut(grid, p.bands);
                        ASSERT_TRUE(got.has_value()) << id << " " << z << "/" << x << "/" << y;
                        const std::string what = std::string(id) + " level " + std::to_string(level) + " " + std::to_string(z) + "/" +
                                                 std::to_string(x) + "/" + std::to_string(y) + " size " + std::to_string(size);
                        expect_same(*got, through_vrt(levels[level], tms.crs, grid, size, size, p), what);
                        ++compared;
                        for (const auto v : got->mask.values()) valid += v != 0;
                    }
                }
                EXPECT_GT(w->cuts(), 2u);
            }
        }
        // A nodata value given (0 and 7: the random pixels hold both) on the source and an overview.
        for (std::size_t level = 0; level < 2; ++level) {
            for (const double nd : {0.0, 7.0}) {
                ImageParams p;
                p.bands = {1, 2, 3};
                p.nodata = nd;
                auto w = TileWarper::make(levels[level], tms.crs, 256, 256, Resampling::nearest, nd);
                ASSERT_TRUE(w) << id;
                auto tiles = tiles_over(full, tms, 16);
                tiles.resize(std::min<std::size_t>(tiles.size(), 2));
                for (const auto& [x, y] : tiles) {
                    const Bounds tb = tms.tile_bounds(16, x, y);
                    const Affine grid((tb.right - tb.left) / 256, 0, tb.left, 0, -(tb.top - tb.bottom) / 256, tb.top);
                    const auto got = w->cut(grid, p.bands);
                    ASSERT_TRUE(got.has_value());
                    expect_same(*got, through_vrt(levels[level], tms.crs, grid, 256, 256, p),
                                std::string(id) + " nodata " + std::to_string(nd) + " level " + std::to_string(level));
                    std::size_t masked_inside = 0; // nodata pixels among the data, not only outside it
                    for (std::size_t i = 0; i < got->mask.size(); ++i) masked_inside += got->mask.data()[i] == 0 && got->data.as<std::uint8_t>().data()[i] == nd;
                    EXPECT_GT(masked_inside, 0u);
                }
            }
        }
        // Bands picked and reordered, and a bbox-like grid that is not square.
        auto w = TileWarper::make(full, tms.crs, 80, 100, Resampling::nearest);
        ASSERT_TRUE(w);
        const Bounds db = rastio::transform_bounds(full.crs(), tms.crs, full.bounds());
        const Affine grid((db.right - db.left) / 100, 0, db.left, 0, -(db.top - db.bottom) / 80, db.top);
        ImageParams p;
        p.bands = {3, 1};
        const auto got = w->cut(grid, p.bands);
        ASSERT_TRUE(got.has_value());
        expect_same(*got, through_vrt(full, tms.crs, grid, 80, 100, p), std::string(id) + " bbox");
    }
    EXPECT_GT(compared, 30u);
    EXPECT_GT(valid, 100000u); // the tiles hold data, not only what lies outside it
}

TEST(ServeTileWarper, LeavesToWarpedVRTWhatItDoesNotReproduce) {
    ServedFolder folder;
    write_utm_rgb(folder.path("utm.tif"), 2);
    const Dataset utm = rastio::open(folder.path("utm.tif"));
    const CRS lonlat = CRS::from_epsg(4326);
    // A tile holding the north pole: GDAL samples it on a grid; the warper declines.
    auto w = TileWarper::make(utm, lonlat, 256, 256, Resampling::nearest);
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->cut(Affine(0.01, 0, -1, 0, -0.01, 90.5), {1}).has_value());
    EXPECT_TRUE(w->cut(Affine(0.01, 0, -76, 0, -0.01, 41), {1}).has_value());
    EXPECT_FALSE(w->cut(Affine(0.01, 0, -76, 0, -0.01, 41), {4}).has_value()); // no band 4
    // The same CRS on both sides; a band with nodata but none given (that view adds no alpha);
    // a nodata a uint8 band cannot hold; two bands without nodata: not made.
    EXPECT_FALSE(TileWarper::make(utm, CRS::from_epsg(32618), 256, 256, Resampling::nearest));
    EXPECT_FALSE(TileWarper::make(rastio::open(folder.path("small.tif")), lonlat, 256, 256, Resampling::nearest)); // nodata 0
    EXPECT_TRUE(TileWarper::make(rastio::open(folder.path("small.tif")), lonlat, 256, 256, Resampling::nearest, 0.0));
    EXPECT_FALSE(TileWarper::make(utm, lonlat, 256, 256, Resampling::nearest, 0.5));
    EXPECT_FALSE(TileWarper::make(utm, lonlat, 256, 256, Resampling::nearest, 300.0));
    EXPECT_FALSE(TileWarper::make(utm, lonlat, 256, 256, Resampling::nearest, std::nan("")));
    {
        auto two = rastio::open(folder.path("two.tif"), "w",
                                Profile{.driver = "GTiff", .width = 8, .height = 8, .count = 2, .dtype = DType::uint8,
                                        .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(500000, 4500000, 2, 2)});
        two.write(Array<std::uint8_t>(Shape{2, 8, 8}));
        two.close();
    }
    EXPECT_FALSE(TileWarper::make(rastio::open(folder.path("two.tif")), lonlat, 256, 256, Resampling::nearest));
}

TEST_F(ServeHandlers, TilesOfAProjectedRasterReuseTheWorkersWarperAndSeeAChangedFile) {
    write_utm_rgb(folder.path("utm.tif"), 3);
    const TileMatrixSet tms = *tile_matrix_set("WebMercatorQuad");
    auto check = [&](int z, long long x, long long y) {
        const Response r = get("/cog/tiles/WebMercatorQuad/" + std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) + ".png",
                               {{"url", "utm.tif"}});
        ASSERT_EQ(r.status, 200) << r.body;
        const AnyArray tile = test::decode(r.body);
        ASSERT_EQ(tile.shape(), (Shape{4, 256, 256}));
        // Full resolution at zoom 16 (the source's 2 m is finer than the tile's 2.4 m).
        const Dataset ds = rastio::open(folder.path("utm.tif"));
        const Bounds tb = tms.tile_bounds(z, x, y);
        ImageParams p;
        p.bands = {1, 2, 3};
        const ImageData want = through_vrt(ds, tms.crs, Affine((tb.right - tb.left) / 256, 0, tb.left, 0, -(tb.top - tb.bottom) / 256, tb.top),
                                           256, 256, p);
        const auto& t = tile.as<std::uint8_t>();
        const auto& e = want.data.as<std::uint8_t>();
        std::size_t differ = 0, valid = 0;
        for (std::size_t i = 0; i < 256; ++i)
            for (std::size_t j = 0; j < 256; ++j) {
                valid += t(3, i, j) != 0;
                differ += t(3, i, j) != want.mask(0, i, j);
                for (std::size_t b = 0; b < 3; ++b) differ += t(3, i, j) != 0 && t(b, i, j) != e(b, i, j);
            }
        EXPECT_GT(valid, 1000u);
        EXPECT_EQ(differ, 0u) << z << "/" << x << "/" << y;
    };
    const Dataset ds = rastio::open(folder.path("utm.tif"));
    const auto tiles = tiles_over(ds, tms, 16);
    ASSERT_GE(tiles.size(), 2u);
    for (const auto& [x, y] : tiles) check(16, x, y);
    const Dataset& cached = cache.get(policy, folder.path("utm.tif"));
    TileWarper* w = cache.tile_warper(cached, -1, tms.crs, 256, 256, Resampling::nearest);
    ASSERT_NE(w, nullptr);
    EXPECT_GE(w->cuts(), tiles.size()); // one warper cut them all
    // A source with its own nodata (0): the warper in its nodata case, the mask where all bands are 0.
    write_utm_rgb(folder.path("utm_nodata.tif"), 5, 0.0);
    {
        const Dataset nd = rastio::open(folder.path("utm_nodata.tif"));
        const auto [x, y] = tiles.front();
        const Response r = get("/cog/tiles/WebMercatorQuad/16/" + std::to_string(x) + "/" + std::to_string(y) + ".png", {{"url", "utm_nodata.tif"}});
        ASSERT_EQ(r.status, 200) << r.body;
        const AnyArray tile = test::decode(r.body);
        const Bounds tb = tms.tile_bounds(16, x, y);
        ImageParams p;
        p.bands = {1, 2, 3};
        const ImageData want = through_vrt(nd, tms.crs, Affine((tb.right - tb.left) / 256, 0, tb.left, 0, -(tb.top - tb.bottom) / 256, tb.top),
                                           256, 256, p);
        const auto& t = tile.as<std::uint8_t>();
        std::size_t differ = 0;
        for (std::size_t i = 0; i < 256; ++i)
            for (std::size_t j = 0; j < 256; ++j) {
                differ += t(3, i, j) != want.mask(0, i, j);
                for (std::size_t b = 0; b < 3; ++b) differ += t(b, i, j) != want.data.as<std::uint8_t>()(b, i, j);
            }
        EXPECT_EQ(differ, 0u);
        const Dataset& cached_nd = cache.get(policy, folder.path("utm_nodata.tif"));
        TileWarper* wn = cache.tile_warper(cached_nd, -1, tms.crs, 256, 256, Resampling::nearest, 0.0);
        ASSERT_NE(wn, nullptr);
        EXPECT_EQ(wn->cuts(), 1u);
    }
    // The file changes: the dataset is reopened and its warpers made again, on the new pixels.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    write_utm_rgb(folder.path("utm.tif"), 4);
    const auto opens = cache.opens();
    for (const auto& [x, y] : tiles) check(16, x, y);
    EXPECT_EQ(cache.opens(), opens + 1);
}

TEST_F(ServeHandlers, WorldCRS84QuadTileAndTileJson) {
    RASTIO_REQUIRE_COG(folder);
    Response r = get("/cog/WorldCRS84Quad/tilejson.json", {{"url", "cogeo.tif"}, {"bidx", "1"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json tj = json(r);
    EXPECT_EQ(tj["tilejson"], "2.2.0");
    EXPECT_EQ(tj["tiles"][0], "http://127.0.0.1:1/cog/tiles/WorldCRS84Quad/{z}/{x}/{y}@1x?bidx=1&url=cogeo.tif");
    const int z = tj["maxzoom"];
    const double lon = tj["center"][0], lat = tj["center"][1];
    const double size = 180.0 / std::pow(2.0, z);
    const auto x = static_cast<long long>((lon + 180) / size), y = static_cast<long long>((90 - lat) / size);
    r = get("/cog/tiles/WorldCRS84Quad/" + std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) + ".webp",
            {{"url", "cogeo.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "image/webp");
    EXPECT_GE(test::decode(r.body).shape()[0], 3u); // libwebp drops an alpha that is all opaque
    // Where pixels are masked, WEBP carries alpha.
    r = get("/cog/preview.webp", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const AnyArray a = test::decode(r.body);
    ASSERT_EQ(a.shape()[0], 4u);
    EXPECT_EQ(a.as<std::uint8_t>()(3, 0, 0), 0);
    EXPECT_EQ(a.as<std::uint8_t>()(3, 0, 1), 255);
}

TEST_F(ServeHandlers, BboxIsReprojectedToTheRequestedSize) {
    RASTIO_REQUIRE_COG(folder);
    const Json info = json(get("/cog/info", {{"url", "cogeo.tif"}}));
    const auto& b = info["bounds"];
    char path[256];
    std::snprintf(path, sizeof path, "/cog/bbox/%.10f,%.10f,%.10f,%.10f/100x80.png", b[0].get<double>(), b[1].get<double>(),
                  b[2].get<double>(), b[3].get<double>());
    const Response r = get(path, {{"url", "cogeo.tif"}});
    ASSERT_EQ(r.status, 200) << r.body;
    int w = 0, h = 0;
    test::decode(r.body, &w, &h);
    EXPECT_EQ(w, 100);
    EXPECT_EQ(h, 80);
    EXPECT_EQ(get("/cog/bbox/0,0,1,1.png", {{"url", "cogeo.tif"}}).status, 404);
    EXPECT_EQ(get("/cog/bbox/2,0,1,1.png", {{"url", "cogeo.tif"}}).status, 400);
}

TEST_F(ServeHandlers, MapPageAndLeafletAreServed) {
    Response r = get("/cog/WebMercatorQuad/map.html", {{"url", "small.tif"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("/static/leaflet/leaflet.js"), std::string::npos);
    r = get("/static/leaflet/leaflet.js");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/javascript");
    EXPECT_GT(r.body.size(), 10000u);
    EXPECT_EQ(get("/static/leaflet/../../../etc/passwd").status, 404);
}

TEST_F(ServeHandlers, MemoryInfoPreviewConvertWarp) {
    const std::vector<std::byte> bytes = rastio::test::read_file(folder.path("small.tif"));
    const std::string body(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    Response r = call("POST", "/memory/info", {}, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r)["width"], 4);
    r = call("POST", "/memory/preview.png", {}, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(test::decode(r.body).shape()[0], 2u);
    r = call("POST", "/memory/convert", {{"driver", "PNG"}}, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "image/png");
    EXPECT_EQ(test::decode(r.body).as<std::uint8_t>()(0, 2, 3), 11);
    r = call("POST", "/memory/convert", {{"driver", "COG"}}, body);
    ASSERT_EQ(r.status, 200) << r.body;
    r = call("POST", "/memory/warp", {{"dst_crs", "EPSG:4326"}}, body);
    ASSERT_EQ(r.status, 200) << r.body;
    {
        MemoryFile mf(r.body);
        auto ds = mf.open();
        EXPECT_EQ(ds.crs(), CRS::from_epsg(4326));
    }
    EXPECT_EQ(call("POST", "/memory/info", {}, "").status, 400);
    EXPECT_EQ(call("POST", "/memory/info", {}, "not a raster at all").status, 400);
    EXPECT_EQ(call("POST", "/memory/convert", {{"driver", "VRT"}}, body).status, 400);
    EXPECT_EQ(call("POST", "/memory/convert", {}, body).status, 400);
    EXPECT_EQ(call("POST", "/memory/warp", {}, body).status, 400);
    EXPECT_EQ(call("POST", "/memory/warp", {{"dst_crs", "EPSG:999999"}}, body).status, 400);
    // A VRT body is refused by the driver check (it could read files of the server).
    const std::vector<std::byte> vrt = rastio::test::read_file(folder.path("a.vrt"));
    r = call("POST", "/memory/info", {}, std::string(reinterpret_cast<const char*>(vrt.data()), vrt.size()));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("VRT driver is not allowed"), std::string::npos) << r.body;
}

} // namespace
} // namespace rastio::serve

namespace rastio::serve {
namespace {

// rastio's own PNG writer against GDAL's PNG driver: every band count and both sample sizes, on
// noise (each filter wins somewhere) and on smooth ramps, decoded by GDAL (libpng) bit for bit.
TEST(ServePng, EncodesWhatGdalDecodes) {
    std::uint32_t seed = 12345;
    auto next = [&seed] { return seed = seed * 1664525U + 1013904223U; };
    for (const DType t : {DType::uint8, DType::uint16}) {
        for (std::size_t bands = 1; bands <= 4; ++bands) {
            for (const bool noise : {true, false}) {
                const std::size_t rows = 37, cols = 61; // odd sizes: no row is a multiple of anything
                AnyArray a(t, Shape{bands, rows, cols});
                visit_dtype(t, [&](auto zero) {
                    using T = decltype(zero);
                    if constexpr (std::is_integral_v<T>) {
                        T* v = a.as<T>().data();
                        for (std::size_t i = 0; i < a.size(); ++i) {
                            const std::size_t r = (i / cols) % rows, c = i % cols;
                            v[i] = static_cast<T>(noise ? next() >> 8 : (r * 7 + c * 3 + i / (rows * cols) * 50) * (sizeof(T) == 2 ? 300 : 1));
                        }
                    }
                });
                const std::string png = encode_png(a);
                int w = 0, h = 0;
                const AnyArray back = test::decode(png, &w, &h);
                ASSERT_EQ(back.shape(), a.shape()) << bands << " bands of " << to_string(t);
                EXPECT_EQ(back.dtype(), t);
                EXPECT_EQ(std::memcmp(back.bytes().data(), a.bytes().data(), a.bytes().size()), 0)
                    << bands << " bands of " << to_string(t) << (noise ? ", noise" : ", ramps");
                if (bands == 2 || bands == 4) continue;
                // A mask as one more band: 0 stays 0, any other value is the dtype's maximum.
                Array<std::uint8_t> mask(Shape{1, rows, cols});
                for (auto& m : mask.values()) m = static_cast<std::uint8_t>(next() >> 29); // 0..7: some 0
                const AnyArray with = test::decode(encode_png_with_alpha(a, mask));
                ASSERT_EQ(with.shape(), (Shape{bands + 1, rows, cols}));
                const std::size_t plane = rows * cols, size = t == DType::uint16 ? 2 : 1;
                EXPECT_EQ(std::memcmp(with.bytes().data(), a.bytes().data(), a.bytes().size()), 0) << bands << " bands + alpha";
                for (std::size_t i = 0; i < plane; ++i) {
                    const double alpha = t == DType::uint16 ? with.as<std::uint16_t>().data()[bands * plane + i]
                                                            : with.as<std::uint8_t>().data()[bands * plane + i];
                    ASSERT_EQ(alpha, mask.data()[i] == 0 ? 0.0 : (size == 2 ? 65535.0 : 255.0)) << "pixel " << i;
                }
            }
        }
    }
    EXPECT_THROW(encode_png_with_alpha(AnyArray(DType::uint8, Shape{4, 2, 2}), Array<std::uint8_t>(Shape{1, 2, 2})),
                 std::invalid_argument);
    EXPECT_THROW(encode_png_with_alpha(AnyArray(DType::uint8, Shape{3, 2, 2}), Array<std::uint8_t>(Shape{1, 2, 3})),
                 std::invalid_argument);
    EXPECT_THROW(encode_png(AnyArray(DType::float32, Shape{1, 2, 2})), std::invalid_argument);
    EXPECT_THROW(encode_png(AnyArray(DType::uint8, Shape{5, 2, 2})), std::invalid_argument);
}

} // namespace
} // namespace rastio::serve
