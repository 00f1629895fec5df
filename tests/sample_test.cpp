// Sampling at points: rasterio's sample_gen rules (floor to the pixel, nodata or 0 outside, which
// bands are masked outside), and laziness. rio parity runs in tests/cli/sample_rio.py.

#include <cmath>
#include <ranges>
#include <vector>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

using namespace rastio;

namespace {

// A 2-band int16 raster, 10 m pixels from (1000, 2000), value(b, r, c) = b*1000 + r*10 + c.
Array<std::int16_t> grid(std::optional<double> nodata, MemoryFile& mf) {
    Array<std::int16_t> a({2, 6, 9});
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t r = 0; r < 6; ++r)
            for (std::size_t c = 0; c < 9; ++c) a(b, r, c) = static_cast<std::int16_t>(b * 1000 + r * 10 + c);
    if (nodata) a(1, 2, 3) = static_cast<std::int16_t>(*nodata);
    Profile p{.driver = "GTiff", .width = 9, .height = 6, .count = 2, .dtype = DType::int16,
              .crs = CRS::from_epsg(32631), .transform = Affine::from_origin(1000, 2000, 10, 10)};
    p.nodata = nodata;
    auto w = mf.open(p);
    w.write(AnyArray(a));
    w.close();
    return a;
}

std::int16_t value(const Sample& s, std::size_t i) { return s.values.as<std::int16_t>().data()[i]; }

} // namespace

TEST(SampleTest, PointsInsideReadTheirPixelAndOutsideGiveNodata) {
    MemoryFile mf;
    const auto a = grid(-9999.0, mf);
    auto ds = mf.open();
    Sampler s(ds);
    // Pixel (row 4, col 7): anywhere inside it, and on its upper-left edge (floor).
    for (const auto& [x, y] : std::vector<std::pair<double, double>>{{1075.0, 1955.0}, {1070.0, 1960.0}, {1079.99, 1950.01}}) {
        const Sample v = s(x, y);
        ASSERT_EQ(v.values.shape(), (Shape{2, 1, 1}));
        EXPECT_EQ(value(v, 0), a(0, 4, 7));
        EXPECT_EQ(value(v, 1), a(1, 4, 7));
        EXPECT_EQ(v.mask, (std::vector<std::uint8_t>{255, 255}));
    }
    // Left of, above, right of (x = right edge) and below the raster.
    for (const auto& [x, y] : std::vector<std::pair<double, double>>{{999.9, 1990}, {1005, 2000.1}, {1090, 1990}, {1005, 1940}}) {
        const Sample v = s(x, y);
        EXPECT_EQ(value(v, 0), -9999);
        EXPECT_EQ(value(v, 1), -9999);
    }
}

TEST(SampleTest, MaskedMarksNodataInsideAndOutside) {
    MemoryFile mf;
    grid(-9999.0, mf);
    auto ds = mf.open();
    Sampler s(ds, {2, 1}, true);
    const Sample nod = s(1035, 1975); // row 2, col 3: band 2 holds nodata there
    EXPECT_EQ(value(nod, 0), -9999);
    EXPECT_EQ(value(nod, 1), 23);
    EXPECT_EQ(nod.mask, (std::vector<std::uint8_t>{0, 255}));
    EXPECT_EQ(s(0, 0).mask, (std::vector<std::uint8_t>{0, 0}));
}

TEST(SampleTest, WithoutNodataOutsideIsZeroAndStaysUnmasked) {
    // rasterio masks outside points only in bands whose mask is not "all valid".
    MemoryFile mf;
    grid(std::nullopt, mf);
    auto ds = mf.open();
    Sampler s(ds, {1}, true);
    const Sample v = s(-1e9, 1e9);
    EXPECT_EQ(value(v, 0), 0);
    EXPECT_EQ(v.mask, (std::vector<std::uint8_t>{255}));
}

TEST(SampleTest, NanNodataGivesNanOutside) {
    MemoryFile mf;
    Profile p{.driver = "GTiff", .width = 3, .height = 2, .count = 1, .dtype = DType::float32,
              .transform = Affine::from_origin(0, 2, 1, 1)};
    p.nodata = std::nan("");
    {
        auto w = mf.open(p);
        Array<float> px({1, 2, 3});
        for (auto& v : px.values()) v = 1.5f;
        w.write(AnyArray(std::move(px)));
    }
    auto ds = mf.open();
    Sampler s(ds);
    EXPECT_TRUE(std::isnan(s(5, 5).values.as<float>().data()[0]));
    EXPECT_EQ(s(0.5, 0.5).values.as<float>().data()[0], 1.5f);
}

TEST(SampleTest, ReadsOnlyThePointsAsked) {
    MemoryFile mf;
    const auto a = grid(std::nullopt, mf);
    auto ds = mf.open();
    int made = 0;
    // An endless range of points: only the ones taken may be made and read.
    auto points = std::views::iota(0) | std::views::transform([&made](int i) {
                      ++made;
                      return std::pair<double, double>{1005.0 + 10.0 * (i % 9), 1995.0};
                  });
    int n = 0;
    for (const Sample& v : sample(ds, points, {1}) | std::views::take(4)) {
        EXPECT_EQ(value(v, 0), a(0, 0, static_cast<std::size_t>(n)));
        ++n;
    }
    EXPECT_EQ(n, 4);
    EXPECT_LE(made, 5);
}

TEST(SampleTest, BadBandOrClosedDatasetThrows) {
    MemoryFile mf;
    grid(std::nullopt, mf);
    auto ds = mf.open();
    EXPECT_THROW(Sampler(ds, {3}), ArgumentError);
    EXPECT_THROW(Sampler(ds, {0}), ArgumentError);
    Sampler s(ds);
    ds.close();
    EXPECT_THROW(s(1005, 1995), ClosedError);
}
