// Resampled reads (out_shape + Resampling) and boundless reads, on disk and in MemoryFiles.

#include <cmath>

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;

namespace {

/// A float32 raster, value = row * 100 + col, written to disk and to a MemoryFile.
struct Fixture {
    rastio::test::TempDir dir;
    std::string path = dir.file("ramp.tif");
    MemoryFile mf;
    Array<float> data{Shape{1, 40, 60}};

    explicit Fixture(std::optional<double> nodata = {}) {
        for (std::size_t r = 0; r < 40; ++r) {
            for (std::size_t c = 0; c < 60; ++c) data(0, r, c) = static_cast<float>(r * 100 + c);
        }
        const Profile p{.driver = "GTiff", .width = 60, .height = 40, .count = 1, .dtype = DType::float32,
                        .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(0, 400, 10, 10),
                        .nodata = nodata};
        {
            auto w = open(path, "w", p);
            w.write(data);
        }
        auto w = mf.open(p);
        w.write(data);
    }

    template <class F>
    void each(F check) {
        {
            SCOPED_TRACE("on disk");
            auto ds = open(path);
            check(ds);
        }
        SCOPED_TRACE("in a MemoryFile");
        auto ds = mf.open();
        check(ds);
    }
};

} // namespace

TEST(ResamplingTest, NamesRoundTrip) {
    for (int i = 0; i <= 14; ++i) {
        const auto r = static_cast<Resampling>(i);
        EXPECT_EQ(parse_resampling(to_string(r)), r);
    }
    EXPECT_EQ(to_string(Resampling::cubic_spline), "cubic_spline");
    EXPECT_THROW((void)parse_resampling("bicubic"), ArgumentError);
}

TEST(ResamplingTest, AverageHalvesExactly) {
    Fixture f;
    f.each([&](Dataset& ds) {
        const auto a = ds.read(ReadOptions{.out_shape = std::pair{20, 30}, .resampling = Resampling::average}).as<float>();
        ASSERT_EQ(a.shape(), (Shape{1, 20, 30}));
        for (std::size_t r = 0; r < 20; ++r) {
            for (std::size_t c = 0; c < 30; ++c) {
                const float want = (f.data(0, 2 * r, 2 * c) + f.data(0, 2 * r, 2 * c + 1) + f.data(0, 2 * r + 1, 2 * c) +
                                    f.data(0, 2 * r + 1, 2 * c + 1)) / 4.0f;
                ASSERT_FLOAT_EQ(a(0, r, c), want) << r << "," << c;
            }
        }
    });
}

TEST(ResamplingTest, NearestMagnifiesByRepeating) {
    Fixture f;
    f.each([&](Dataset& ds) {
        const Window w{10, 5, 4, 3};
        const auto a = ds.read(ReadOptions{.window = w, .out_shape = std::pair{9, 12}}).as<float>();
        for (std::size_t r = 0; r < 9; ++r) {
            for (std::size_t c = 0; c < 12; ++c) EXPECT_EQ(a(0, r, c), f.data(0, 5 + r / 3, 10 + c / 3));
        }
    });
}

TEST(ResamplingTest, EveryReadMethodWorksAndDiffers) {
    Fixture f;
    f.each([&](Dataset& ds) {
        std::map<Resampling, std::vector<float>> results;
        for (auto r : {Resampling::nearest, Resampling::bilinear, Resampling::cubic, Resampling::cubic_spline,
                       Resampling::lanczos, Resampling::average, Resampling::mode, Resampling::gauss, Resampling::rms}) {
            const auto a = ds.read(ReadOptions{.out_shape = std::pair{13, 17}, .resampling = r}).as<float>();
            ASSERT_EQ(a.shape(), (Shape{1, 13, 17})) << to_string(r);
            results[r] = {a.values().begin(), a.values().end()};
        }
        // Smooth kernels and nearest disagree on a non-integer decimation of a ramp.
        EXPECT_NE(results[Resampling::nearest], results[Resampling::bilinear]);
        EXPECT_NE(results[Resampling::average], results[Resampling::rms]);
        for (auto r : {Resampling::max, Resampling::min, Resampling::med, Resampling::q1, Resampling::q3, Resampling::sum}) {
            EXPECT_THROW((void)ds.read(ReadOptions{.out_shape = std::pair{13, 17}, .resampling = r}), ArgumentError)
                << to_string(r);
        }
    });
}

// Decimated reads use overviews: a stale overview (base changed after it was built) shows through.
TEST(ResamplingTest, DecimatedReadsUseOverviews) {
    Fixture f;
    auto stale = [](Dataset& ds) {
        ds.build_overviews({2}, Resampling::nearest);
        Array<float> zeros({1, 40, 60});
        ds.write(zeros);
    };
    {
        auto ds = open(f.path, "r+");
        stale(ds);
    }
    MemoryFile mf;
    {
        auto w = mf.open(Profile{.driver = "GTiff", .width = 60, .height = 40, .count = 1, .dtype = DType::float32});
        w.write(f.data);
        stale(w);
    }
    auto check = [&](Dataset& ds) {
        const auto full = ds.read().as<float>();
        EXPECT_TRUE(std::all_of(full.values().begin(), full.values().end(), [](float v) { return v == 0; }));
        const auto half = ds.read(ReadOptions{.out_shape = std::pair{20, 30}}).as<float>();
        EXPECT_GT(*std::max_element(half.values().begin(), half.values().end()), 0.0f);
    };
    {
        SCOPED_TRACE("on disk");
        auto ds = open(f.path);
        check(ds);
    }
    SCOPED_TRACE("in a MemoryFile");
    auto ds = mf.open();
    check(ds);
}

TEST(ResamplingTest, BoundlessFillsWithNodataOrFillValue) {
    Fixture f(-1.0);
    f.each([&](Dataset& ds) {
        const Window w{-5, -3, 10, 8};
        EXPECT_EQ(ds.read(ReadOptions{.window = w}).shape(), (Shape{1, 5, 5})); // cropped, as rasterio
        const auto a = ds.read(ReadOptions{.window = w, .boundless = true}).as<float>();
        const auto b = ds.read(ReadOptions{.window = w, .boundless = true, .fill_value = 42}).as<float>();
        const auto m = ds.read_masks(ReadOptions{.window = w, .boundless = true});
        for (int r = 0; r < 8; ++r) {
            for (int c = 0; c < 10; ++c) {
                const bool inside = r >= 3 && c >= 5;
                const auto i = static_cast<std::size_t>(r * 10 + c);
                const float src = inside ? f.data(0, static_cast<std::size_t>(r - 3), static_cast<std::size_t>(c - 5)) : 0;
                EXPECT_EQ(a.data()[i], inside ? src : -1.0f);
                EXPECT_EQ(b.data()[i], inside ? src : 42.0f);
                EXPECT_EQ(m.data()[i], inside ? 255 : 0);
            }
        }
        // Wholly outside: all fill, all masked.
        const auto far = ds.read_masked(ReadOptions{.window = Window{100, 100, 4, 4}, .boundless = true, .fill_value = 9});
        const auto& v = far.data.as<float>();
        EXPECT_TRUE(std::all_of(v.values().begin(), v.values().end(), [](float x) { return x == 9; }));
        EXPECT_TRUE(std::all_of(far.mask.values().begin(), far.mask.values().end(), [](auto x) { return x == 0; }));
    });
}

TEST(ResamplingTest, BoundlessResampledRead) {
    Fixture f(-1.0);
    f.each([&](Dataset& ds) {
        // A window twice the raster's size, centred, halved: the raster lands in the middle quarter.
        const auto a = ds.read(ReadOptions{.window = Window{-30, -20, 120, 80}, .out_shape = std::pair{40, 60},
                                           .boundless = true}).as<float>();
        EXPECT_EQ(a(0, 0, 0), -1.0f);
        EXPECT_EQ(a(0, 39, 59), -1.0f);
        EXPECT_EQ(a(0, 10, 15), f.data(0, 1, 1)); // nearest picks the odd pixel of each 2x2
        EXPECT_EQ(a(0, 29, 44), f.data(0, 39, 59));
    });
}

TEST(ResamplingTest, BadShapesThrow) {
    Fixture f;
    f.each([&](Dataset& ds) {
        EXPECT_THROW((void)ds.read(ReadOptions{.out_shape = std::pair{-1, 10}}), ArgumentError);
        EXPECT_THROW((void)ds.read(ReadOptions{.window = Window{0, 0, -1, 5}, .boundless = true}), ArgumentError);
        EXPECT_THROW((void)ds.read(ReadOptions{.window = Window{0, 0, 0, 5}, .out_shape = std::pair{2, 2},
                                               .boundless = true}), ArgumentError);
        // Empty shapes read nothing and give empty arrays, as rasterio.
        EXPECT_EQ(ds.read(ReadOptions{.out_shape = std::pair{0, 10}}).shape(), (Shape{1, 0, 10}));
        EXPECT_EQ(ds.read(ReadOptions{.window = Window{0, 0, 0, 5}, .boundless = true}).shape(), (Shape{1, 5, 0}));
        EXPECT_EQ(ds.read_masks(ReadOptions{.window = Window{-9, -9, 4, 0}, .boundless = true}).shape(), (Shape{1, 0, 4}));
        EXPECT_THROW((void)ds.read(ReadOptions{.bands = {2}}), ArgumentError);
    });
}
