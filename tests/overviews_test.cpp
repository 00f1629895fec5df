// Overviews: listing factors, building them in r+ and in a MemoryFile writer, reading a level
// through the OVERVIEW_LEVEL open option.

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;
using rastio::test::corpus;

namespace {

Profile float_profile(int width, int height) {
    return Profile{.driver = "GTiff", .width = width, .height = height, .count = 2, .dtype = DType::float32,
                   .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(0, 1000, 5, 5),
                   .options = {{"TILED", "YES"}}};
}

Array<float> ramp(int width, int height) {
    Array<float> a({2, static_cast<std::size_t>(height), static_cast<std::size_t>(width)});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>(i % 977);
    return a;
}

/// Level 0 must be the 2x2 average of the base for AVERAGE overviews of even-sized rasters.
void expect_average_level0(Dataset& base, Dataset& level0) {
    const auto b = base.read().as<float>();
    const auto o = level0.read().as<float>();
    ASSERT_EQ(o.shape(), (Shape{2, b.rows() / 2, b.cols() / 2}));
    for (std::size_t k = 0; k < 2; ++k) {
        for (std::size_t r = 0; r < o.rows(); ++r) {
            for (std::size_t c = 0; c < o.cols(); ++c) {
                const float want = (b(k, 2 * r, 2 * c) + b(k, 2 * r, 2 * c + 1) + b(k, 2 * r + 1, 2 * c) +
                                    b(k, 2 * r + 1, 2 * c + 1)) / 4.0f;
                ASSERT_FLOAT_EQ(o(k, r, c), want);
            }
        }
    }
}

} // namespace

TEST(OverviewsTest, CorpusCogListsItsFactors) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("cogeo.tif", [](Dataset& ds) {
        EXPECT_EQ(ds.overviews(1), (std::vector<int>{2, 4, 8, 16, 32, 64}));
        EXPECT_EQ(ds.overviews(3), ds.overviews(1));
        EXPECT_THROW((void)ds.overviews(4), ArgumentError);
    });
    rastio::test::on_disk_and_in_memory("RGB.byte.tif", [](Dataset& ds) { EXPECT_TRUE(ds.overviews(1).empty()); });
}

TEST(OverviewsTest, OverviewLevelOpensADecimatedDataset) {
    RASTIO_REQUIRE_CORPUS();
    auto level1 = open(corpus("cogeo.tif"), "r", Options{{"OVERVIEW_LEVEL", "1"}});
    EXPECT_EQ(level1.width(), 256);
    EXPECT_EQ(level1.height(), 256);
    auto mf = rastio::test::memory_copy(corpus("cogeo.tif"));
    auto mem1 = mf.open({{"OVERVIEW_LEVEL", "1"}});
    EXPECT_EQ(mem1.width(), 256);
    EXPECT_EQ(mem1.read(), level1.read());
    // Its pixels are what a decimated read of the full dataset returns (GDAL picks that level).
    auto full = mf.open();
    EXPECT_EQ(full.read(ReadOptions{.out_shape = std::pair{256, 256}}), level1.read());
    EXPECT_EQ(level1.transform().a, full.transform().a * 4);
}

TEST(OverviewsTest, BuildInUpdateModeOnDisk) {
    rastio::test::TempDir dir;
    const std::string path = dir.file("ovr.tif");
    {
        auto w = open(path, "w", float_profile(64, 48));
        w.write(ramp(64, 48));
    }
    {
        auto ro = open(path);
        EXPECT_THROW(ro.build_overviews({2, 4}), ModeError);
        EXPECT_TRUE(ro.overviews(1).empty());
    }
    {
        auto ds = open(path, "r+");
        ds.build_overviews({2, 4, 8}, Resampling::average);
        EXPECT_EQ(ds.overviews(1), (std::vector<int>{2, 4, 8}));
    }
    auto ds = open(path);
    EXPECT_EQ(ds.overviews(2), (std::vector<int>{2, 4, 8}));
    auto level0 = open(path, "r", Options{{"OVERVIEW_LEVEL", "0"}});
    expect_average_level0(ds, level0);
    auto level2 = open(path, "r", Options{{"OVERVIEW_LEVEL", "2"}});
    EXPECT_EQ(level2.width(), 8);
    EXPECT_EQ(level2.height(), 6);
}

TEST(OverviewsTest, BuildInMemoryFileWriter) {
    MemoryFile mf;
    {
        auto w = mf.open(float_profile(64, 48));
        w.write(ramp(64, 48));
        w.build_overviews({2, 4}, Resampling::average);
        EXPECT_EQ(w.overviews(1), (std::vector<int>{2, 4}));
    }
    EXPECT_EQ(mf.files().size(), 1U); // internal overviews, no .ovr
    auto ds = mf.open();
    EXPECT_EQ(ds.overviews(1), (std::vector<int>{2, 4}));
    auto level0 = mf.open({{"OVERVIEW_LEVEL", "0"}});
    expect_average_level0(ds, level0);
}

TEST(OverviewsTest, EveryOverviewMethodBuilds) {
    for (auto r : {Resampling::nearest, Resampling::bilinear, Resampling::cubic, Resampling::cubic_spline,
                   Resampling::lanczos, Resampling::average, Resampling::mode, Resampling::gauss, Resampling::rms}) {
        SCOPED_TRACE(std::string(to_string(r)));
        MemoryFile mf;
        {
            auto w = mf.open(float_profile(32, 32));
            w.write(ramp(32, 32));
            w.build_overviews({2}, r);
        }
        auto level0 = mf.open({{"OVERVIEW_LEVEL", "0"}});
        EXPECT_EQ(level0.width(), 16);
    }
}

TEST(OverviewsTest, BadRequestsThrow) {
    MemoryFile mf;
    auto w = mf.open(float_profile(16, 16));
    EXPECT_THROW(w.build_overviews({}), ArgumentError);
    EXPECT_THROW(w.build_overviews({1}), ArgumentError);
    EXPECT_THROW(w.build_overviews({2}, Resampling::max), ArgumentError);
    w.close();
    EXPECT_THROW(w.build_overviews({2}), ClosedError);
    EXPECT_THROW((void)w.overviews(1), ClosedError);
}
