// Exact band statistics without side effects. rio parity runs in tests/cli/stats_rio.py.

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

using namespace rastio;

namespace {

Profile profile(DType t, std::optional<double> nodata) {
    Profile p{.driver = "GTiff", .width = 5, .height = 4, .count = 2, .dtype = t, .crs = CRS::from_epsg(4326),
              .transform = Affine::from_origin(0, 4, 1, 1)};
    p.nodata = nodata;
    return p;
}

} // namespace

TEST(StatisticsTest, ExactOverEveryPixelLeavingNodataOut) {
    MemoryFile mf;
    {
        auto w = mf.open(profile(DType::uint16, 9.0));
        Array<std::uint16_t> a({2, 4, 5});
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint16_t>(i + 1); // 1..40
        a(0, 0, 0) = 9;  // nodata: band 1 holds 2..20 without 9, i.e. 18 values
        w.write(AnyArray(std::move(a)));
    }
    auto ds = mf.open();
    const Statistics b2 = statistics(ds, 2); // 21..40
    EXPECT_EQ(b2.min, 21.0);
    EXPECT_EQ(b2.max, 40.0);
    EXPECT_DOUBLE_EQ(b2.mean, 30.5);
    EXPECT_DOUBLE_EQ(b2.std, std::sqrt((20.0 * 20.0 - 1.0) / 12.0)); // population std of 20 consecutive integers
    const Statistics b1 = statistics(ds, 1);
    EXPECT_EQ(b1.min, 2.0);
    EXPECT_EQ(b1.max, 20.0);
    double sum = 0, sum2 = 0;
    for (int v = 2; v <= 20; ++v) {
        if (v == 9) continue;
        sum += v;
        sum2 += v * v;
    }
    EXPECT_DOUBLE_EQ(b1.mean, sum / 18.0);
    EXPECT_NEAR(b1.std, std::sqrt(sum2 / 18.0 - (sum / 18.0) * (sum / 18.0)), 1e-12);
}

TEST(StatisticsTest, FloatBandsSkipNan) {
    MemoryFile mf;
    {
        auto w = mf.open(profile(DType::float32, std::nan("")));
        Array<float> a({2, 4, 5});
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = i % 3 == 0 ? std::nanf("") : 0.5f * static_cast<float>(i);
        w.write(AnyArray(std::move(a)));
    }
    auto ds = mf.open();
    double sum = 0, lo = 1e9, hi = -1e9;
    int n = 0;
    for (int i = 20; i < 40; ++i) {
        if (i % 3 == 0) continue;
        const double v = 0.5 * i;
        sum += v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++n;
    }
    const Statistics s = statistics(ds, 2);
    EXPECT_EQ(s.min, lo);
    EXPECT_EQ(s.max, hi);
    EXPECT_NEAR(s.mean, sum / n, 1e-12);
}

TEST(StatisticsTest, WritesNothingBesideTheFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("rastio_stats_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "s.tif").string();
    {
        auto w = open(path, "w", profile(DType::uint8, std::nullopt));
        Array<std::uint8_t> a({2, 4, 5});
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i * 7);
        w.write(AnyArray(std::move(a)));
    }
    const auto before = test::vsimem_entries();
    for (const char* mode : {"r", "r+"}) {
        auto ds = open(path, mode);
        (void)statistics(ds, 1);
        EXPECT_TRUE(ds.tags(1).empty()) << mode; // no STATISTICS_* items
        ds.close();
    }
    EXPECT_EQ(test::vsimem_entries(), before);
    EXPECT_FALSE(std::filesystem::exists(path + ".aux.xml"));
    EXPECT_TRUE(open(path).tags(1).empty());
    std::filesystem::remove_all(dir);
}

TEST(StatisticsTest, BadBandAndNoValidPixelThrow) {
    MemoryFile mf;
    {
        auto w = mf.open(profile(DType::uint8, 3.0));
        Array<std::uint8_t> a({2, 4, 5});
        for (auto& v : a.values()) v = 3;
        w.write(AnyArray(std::move(a)));
    }
    auto ds = mf.open();
    EXPECT_THROW(statistics(ds, 0), ArgumentError);
    EXPECT_THROW(statistics(ds, 3), ArgumentError);
    EXPECT_THROW(statistics(ds, 1), ArgumentError);
}
