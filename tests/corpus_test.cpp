// Files written by others (../shared/corpus) open with the shape, dtypes, CRS, transform, nodata,
// blocks and tags that GDAL's own `gdalinfo -json` reports, and read the same pixels as GDAL's C API.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <gdal.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using namespace rastio;

namespace {

/// Corpus files rastio opens, relative to the corpus folder; "zip!member" opens a zip member.
const std::vector<std::string> k_files{
    "RGB.byte.tif", "RGB2.byte.tif", "rgb_lzw.tif", "rgb_deflate.tif", "shade.tif", "float.tif", "float32.tif",
    "float_nan.tif", "float_raster_with_nodata.tif", "byte.tif", "rgb-byte-tenth.tif", "rotated.tif",
    "test_esri_wkt.tif", "world.byte.tif", "all-nodata.tif", "RGBA.uint16.tif", "alpha.tif", "cogeo.tif",
    "green.tif", "389225main_sw_1965_1024.jpg", "white-gemini-iv.vrt", "compdcs.vrt", "RGB.byte.rpc.vrt",
    "RGB.byte.gcp.vrt", "files.zip!RGB.byte.tif", "files.zip!float_nan.tif", "files.zip!shade.tif",
    "ak-compdcs.zip!test.tif", "N10W110.hgt.zip!N10W110.hgt"};

std::string corpus_path(const std::string& entry) {
    const auto bang = entry.find('!');
    if (bang == std::string::npos) return rastio::test::corpus(entry);
    return "/vsizip/" + rastio::test::corpus(entry.substr(0, bang)) + "/" + entry.substr(bang + 1);
}

std::string test_name(const std::string& entry) {
    std::string out;
    for (char c : entry) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

/// The dtype gdalinfo reports for a band: its type name, and PIXELTYPE=SIGNEDBYTE for int8.
DType json_dtype(const nlohmann::json& band) {
    if (band.contains("metadata") && band["metadata"].contains("IMAGE_STRUCTURE") &&
        band["metadata"]["IMAGE_STRUCTURE"].value("PIXELTYPE", std::string()) == "SIGNEDBYTE") {
        return DType::int8;
    }
    return parse_dtype(band["type"].get<std::string>());
}

Tags json_tags(const nlohmann::json& obj) {
    Tags out;
    if (obj.contains("metadata") && obj["metadata"].contains("")) {
        for (const auto& [k, v] : obj["metadata"][""].items()) out[k] = v.get<std::string>();
    }
    return out;
}

/// All pixels of `path` as GDAL's C API reads them, in the first band's type, band-sequential.
std::vector<std::byte> gdal_read_all(const std::string& path) {
    GDALDatasetH h = GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (h == nullptr) throw std::runtime_error("GDAL cannot open " + path);
    const int w = GDALGetRasterXSize(h), hh = GDALGetRasterYSize(h), n = GDALGetRasterCount(h);
    const GDALDataType gdt = GDALGetRasterDataType(GDALGetRasterBand(h, 1));
    std::vector<std::byte> out(static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt)) * static_cast<std::size_t>(w) *
                               static_cast<std::size_t>(hh) * static_cast<std::size_t>(n));
    const CPLErr err = GDALDatasetRasterIO(h, GF_Read, 0, 0, w, hh, out.data(), w, hh, gdt, n, nullptr, 0, 0, 0);
    GDALClose(h);
    if (err != CE_None) throw std::runtime_error("GDAL cannot read " + path);
    return out;
}

class CorpusFile : public ::testing::TestWithParam<std::string> {};

} // namespace

// Shape, dtypes, CRS, transform, nodata, blocks, tags and descriptions agree with gdalinfo -json;
// the pixels agree with GDAL's C API.
TEST_P(CorpusFile, MatchesGdalinfoAndGdalsPixels) {
    RASTIO_REQUIRE_CORPUS();
    RASTIO_REQUIRE_GDALINFO();
    const std::string path = corpus_path(GetParam());
    const auto info = rastio::test::gdalinfo_json(path);
    auto ds = open(path);
    EXPECT_EQ(ds.driver(), info["driverShortName"].get<std::string>());
    EXPECT_EQ(ds.width(), info["size"][0].get<int>());
    EXPECT_EQ(ds.height(), info["size"][1].get<int>());
    const auto& bands = info["bands"];
    ASSERT_EQ(ds.count(), static_cast<int>(bands.size()));

    if (info.contains("geoTransform")) {
        const auto& gt = info["geoTransform"];
        std::array<double, 6> g{};
        for (std::size_t i = 0; i < 6; ++i) g[i] = gt[i].get<double>();
        // gdalinfo prints 15 to 17 significant digits.
        const auto ours = ds.transform().to_array(), json = Affine::from_gdal(g).to_array();
        for (std::size_t i = 0; i < 6; ++i) {
            EXPECT_NEAR(ours[i], json[i], 1e-13 * std::max(1.0, std::abs(json[i]))) << ds.transform().to_string();
        }
    } else {
        EXPECT_EQ(ds.transform(), Affine::identity());
    }
    if (info.contains("coordinateSystem") && !info["coordinateSystem"].value("wkt", std::string()).empty()) {
        const CRS theirs = CRS::from_wkt(info["coordinateSystem"]["wkt"].get<std::string>());
        EXPECT_FALSE(ds.crs().empty());
        EXPECT_EQ(ds.crs(), theirs) << ds.crs().to_wkt() << "\nvs\n" << theirs.to_wkt();
        EXPECT_EQ(ds.crs().is_projected(), theirs.is_projected());
    } else {
        EXPECT_TRUE(ds.crs().empty()) << ds.crs().to_wkt();
    }

    const auto dtypes = ds.dtypes();
    const auto nodatas = ds.nodatavals();
    const auto blocks = ds.block_shapes();
    const auto descriptions = ds.descriptions();
    for (std::size_t b = 0; b < bands.size(); ++b) {
        SCOPED_TRACE("band " + std::to_string(b + 1));
        const auto& jb = bands[b];
        EXPECT_EQ(dtypes[b], json_dtype(jb));
        EXPECT_TRUE(rastio::test::same_nodata(nodatas[b], rastio::test::json_nodata(jb), 1e-7))
            << (jb.contains("noDataValue") ? jb["noDataValue"].dump() : "none");
        EXPECT_EQ(blocks[b], std::make_pair(jb["block"][1].get<int>(), jb["block"][0].get<int>()));
        EXPECT_EQ(ds.tags(static_cast<int>(b) + 1), json_tags(jb));
        EXPECT_EQ(descriptions[b], jb.value("description", std::string()));
    }
    EXPECT_EQ(ds.tags(), json_tags(info));
    EXPECT_TRUE(rastio::test::same_nodata(ds.nodata(), nodatas.empty() ? std::nullopt : nodatas.front()));

    const AnyArray pixels = ds.read();
    EXPECT_EQ(pixels.shape(), (Shape{static_cast<std::size_t>(ds.count()), static_cast<std::size_t>(ds.height()),
                                     static_cast<std::size_t>(ds.width())}));
    EXPECT_EQ(pixels.dtype(), dtypes.front());
    const auto theirs = gdal_read_all(path);
    ASSERT_EQ(pixels.bytes().size(), theirs.size());
    EXPECT_EQ(std::memcmp(pixels.bytes().data(), theirs.data(), theirs.size()), 0);
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFile, ::testing::ValuesIn(k_files),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

// What the corpus README states of its best-known file.
TEST(CorpusTest, RgbByteIsThreeBandUint8Utm18NWithNodataZero) {
    RASTIO_REQUIRE_CORPUS();
    auto ds = open(rastio::test::corpus("RGB.byte.tif"));
    EXPECT_EQ(ds.width(), 791);
    EXPECT_EQ(ds.height(), 718);
    EXPECT_EQ(ds.count(), 3);
    EXPECT_EQ(ds.dtypes(), std::vector<DType>(3, DType::uint8));
    EXPECT_EQ(ds.crs().to_string(), "EPSG:32618");
    EXPECT_EQ(ds.nodata(), 0.0);
    const Profile p = ds.profile();
    EXPECT_EQ(p.options.at("TILED"), "NO");
    EXPECT_EQ(p.options.at("INTERLEAVE"), "PIXEL");
    EXPECT_EQ(p.options.count("BLOCKXSIZE"), 0u);
    EXPECT_EQ(ds.block_shapes().front(), std::make_pair(3, 791));
}

// A rotated geotransform gives a rotated Affine, and bounds that enclose all four corners.
TEST(CorpusTest, RotatedTransformAndBoundsEncloseTheCorners) {
    RASTIO_REQUIRE_CORPUS();
    auto ds = open(rastio::test::corpus("rotated.tif"));
    const Affine t = ds.transform();
    EXPECT_NE(t.b, 0.0);
    EXPECT_NE(t.d, 0.0);
    const Bounds b = ds.bounds();
    for (const auto& [c, r] : {std::pair{0.0, 0.0}, {10.0, 0.0}, {0.0, 15.0}, {10.0, 15.0}}) {
        const auto [x, y] = t.apply(c, r);
        EXPECT_GE(x, b.left);
        EXPECT_LE(x, b.right);
        EXPECT_GE(y, b.bottom);
        EXPECT_LE(y, b.top);
    }
    const auto [rx, ry] = ds.res();
    EXPECT_DOUBLE_EQ(rx, std::hypot(t.a, t.d));
    EXPECT_DOUBLE_EQ(ry, std::hypot(t.b, t.e));
}

// corrupt.tif opens; reading its bad tile raises IOError carrying GDAL's message, while a window
// that avoids the bad tile still reads.
TEST(CorpusTest, CorruptTileRaisesIOErrorAndOtherTilesStillRead) {
    RASTIO_REQUIRE_CORPUS();
    const std::string path = rastio::test::corpus("corrupt.tif");
    auto ds = open(path);
    EXPECT_EQ(ds.width(), 1024);
    try {
        (void)ds.read();
        FAIL() << "expected IOError";
    } catch (const IOError& e) {
        EXPECT_EQ(e.path(), path);
        EXPECT_NE(std::string(e.what()).find("tile"), std::string::npos) << e.what();
        EXPECT_FALSE(e.gdal_message().empty());
    }
    const AnyArray first = ds.read(Window{0, 0, 512, 512});
    EXPECT_EQ(first.shape(), (Shape{3, 512, 512}));
    EXPECT_THROW((void)ds.read({1}, Window{600, 600, 10, 10}), IOError);
    EXPECT_FALSE(ds.closed()); // still usable
    EXPECT_EQ(ds.read(Window{0, 0, 4, 4}).shape(), (Shape{3, 4, 4}));
}

// SRTMHGT inside a zip: the exact file name is what GDAL needs to recognise it.
TEST(CorpusTest, SrtmHgtInsideAZipIsInt16WithNodata) {
    RASTIO_REQUIRE_CORPUS();
    auto ds = open("/vsizip/" + rastio::test::corpus("N10W110.hgt.zip") + "/N10W110.hgt");
    EXPECT_EQ(ds.driver(), "SRTMHGT");
    EXPECT_EQ(ds.width(), 1201);
    EXPECT_EQ(ds.dtypes().front(), DType::int16);
    EXPECT_EQ(ds.nodata(), -32768.0);
    EXPECT_EQ(ds.crs().to_epsg(), 4326);
}
