// Band metadata: color interpretation, descriptions, units, scales/offsets, colormaps, GCPs, RPCs.

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;
using rastio::test::corpus;

namespace {

Profile profile(int count, DType t = DType::uint8) {
    return Profile{.driver = "GTiff", .width = 16, .height = 8, .count = count, .dtype = t,
                   .crs = CRS::from_epsg(4326), .transform = Affine::from_origin(10, 50, 0.1, 0.1)};
}

/// Writes metadata with `write` through an r+ disk dataset and a MemoryFile writer, then
/// checks it with `check` on both, reopened.
void write_then_check(const Profile& p, const std::function<void(Dataset&)>& write,
                      const std::function<void(Dataset&)>& check) {
    rastio::test::TempDir dir;
    const std::string path = dir.file("m.tif");
    { auto w = open(path, "w", p); }
    {
        auto ds = open(path, "r+");
        write(ds);
    }
    {
        SCOPED_TRACE("on disk, reopened");
        auto ds = open(path);
        check(ds);
    }
    MemoryFile mf;
    {
        auto w = mf.open(p);
        write(w);
    }
    SCOPED_TRACE("in a MemoryFile, reopened");
    auto ds = mf.open();
    check(ds);
}

} // namespace

TEST(BandMetadataTest, CorpusColorInterp) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("RGB.byte.tif", [](Dataset& ds) {
        EXPECT_EQ(ds.colorinterp(), (std::vector{ColorInterp::red, ColorInterp::green, ColorInterp::blue}));
    });
    rastio::test::on_disk_and_in_memory("all-nodata.tif", [](Dataset& ds) {
        EXPECT_EQ(ds.colorinterp(),
                  (std::vector{ColorInterp::blue, ColorInterp::green, ColorInterp::red, ColorInterp::undefined}));
    });
    EXPECT_EQ(parse_colorinterp("grey"), ColorInterp::gray);
    EXPECT_EQ(to_string(ColorInterp::Cb), "Cb");
    EXPECT_THROW((void)parse_colorinterp("purple"), ArgumentError);
}

TEST(BandMetadataTest, SetColorInterp) {
    write_then_check(
        profile(4), [](Dataset& ds) {
            ds.set_colorinterp({ColorInterp::blue, ColorInterp::green, ColorInterp::red, ColorInterp::alpha});
        },
        [](Dataset& ds) {
            EXPECT_EQ(ds.colorinterp(),
                      (std::vector{ColorInterp::blue, ColorInterp::green, ColorInterp::red, ColorInterp::alpha}));
            // An alpha band becomes every band's mask.
            EXPECT_TRUE(ds.mask_flags()[0].alpha);
        });
}

TEST(BandMetadataTest, DescriptionsUnitsScalesOffsets) {
    write_then_check(
        profile(2, DType::int16),
        [](Dataset& ds) {
            ds.set_descriptions({"temperature", "pressure"});
            ds.set_units({"degC", "hPa"});
            ds.set_scales({0.01, 0.1});
            ds.set_offsets({-273.15, 1000});
        },
        [](Dataset& ds) {
            EXPECT_EQ(ds.descriptions(), (std::vector<std::string>{"temperature", "pressure"}));
            EXPECT_EQ(ds.units(), (std::vector<std::string>{"degC", "hPa"}));
            EXPECT_EQ(ds.scales(), (std::vector<double>{0.01, 0.1}));
            EXPECT_EQ(ds.offsets(), (std::vector<double>{-273.15, 1000}));
        });
    // Defaults, as rasterio: no unit, scale 1, offset 0.
    MemoryFile mf;
    auto w = mf.open(profile(1));
    EXPECT_EQ(w.units(), (std::vector<std::string>{""}));
    EXPECT_EQ(w.scales(), (std::vector<double>{1.0}));
    EXPECT_EQ(w.offsets(), (std::vector<double>{0.0}));
    EXPECT_THROW(w.set_scales({1, 2}), ArgumentError);
}

TEST(BandMetadataTest, WriteAndReadColormap) {
    const Colormap cmap{{0, {0, 0, 0, 255}}, {1, {255, 0, 0, 255}}, {2, {0, 255, 0, 128}}, {255, {1, 2, 3, 4}}};
    write_then_check(
        profile(1), [&](Dataset& ds) { ds.write_colormap(1, cmap); },
        [&](Dataset& ds) {
            const Colormap got = ds.colormap(1);
            EXPECT_EQ(got.size(), 256U); // GDAL fills the gaps of a palette
            // A TIFF palette holds no alpha: GDAL reports 255 (as rasterio shows it).
            for (const auto& [k, v] : cmap) EXPECT_EQ(got.at(k), (std::array<std::uint8_t, 4>{v[0], v[1], v[2], 255})) << "entry " << k;
            EXPECT_EQ(got.at(100), (std::array<std::uint8_t, 4>{0, 0, 0, 255}));
            EXPECT_EQ(ds.colorinterp()[0], ColorInterp::palette);
        });
}

TEST(BandMetadataTest, ColormapErrors) {
    RASTIO_REQUIRE_CORPUS();
    auto ds = open(corpus("RGB.byte.tif"));
    EXPECT_THROW((void)ds.colormap(1), ArgumentError);
    EXPECT_THROW(ds.write_colormap(1, {{0, {0, 0, 0, 0}}}), ModeError);
    MemoryFile mf;
    auto w = mf.open(profile(1));
    EXPECT_THROW(w.write_colormap(1, {}), ArgumentError);
    EXPECT_THROW(w.write_colormap(1, {{-1, {0, 0, 0, 0}}}), ArgumentError);
    EXPECT_THROW(w.write_colormap(2, {{0, {0, 0, 0, 0}}}), ArgumentError);
    EXPECT_THROW(ds.set_colorinterp({ColorInterp::red, ColorInterp::green, ColorInterp::blue}), ModeError);
}

TEST(BandMetadataTest, CorpusGcps) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("RGB.byte.gcp.vrt", [](Dataset& ds) {
        const GCPs g = ds.gcps();
        ASSERT_EQ(g.points.size(), 4U);
        EXPECT_EQ(g.points[0].id, "0");
        EXPECT_DOUBLE_EQ(g.points[0].col, 0.5);
        EXPECT_DOUBLE_EQ(g.points[0].row, 11521.5);
        EXPECT_NEAR(g.points[0].x, -123.6185142818, 1e-9);
        EXPECT_EQ(g.crs.to_epsg(), 4326);
        EXPECT_FALSE(ds.rpcs());
    });
    rastio::test::on_disk_and_in_memory("RGB.byte.tif", [](Dataset& ds) { EXPECT_TRUE(ds.gcps().points.empty()); });
}

TEST(BandMetadataTest, CorpusRpcs) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("RGB.byte.rpc.vrt", [](Dataset& ds) {
        const auto r = ds.rpcs();
        ASSERT_TRUE(r);
        // The same numbers GDAL reports as text in the RPC metadata domain.
        const Tags t = ds.tags(0, "RPC");
        EXPECT_DOUBLE_EQ(r->line_off, std::stod(t.at("LINE_OFF")));
        EXPECT_DOUBLE_EQ(r->samp_scale, std::stod(t.at("SAMP_SCALE")));
        EXPECT_DOUBLE_EQ(r->height_off, std::stod(t.at("HEIGHT_OFF")));
        EXPECT_DOUBLE_EQ(r->line_den_coeff[1], std::stod(t.at("LINE_DEN_COEFF").substr(t.at("LINE_DEN_COEFF").find(' '))));
        EXPECT_DOUBLE_EQ(r->line_den_coeff[0], 1.0);
        EXPECT_TRUE(ds.gcps().points.empty());
    });
}
