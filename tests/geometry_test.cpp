// Geometry helpers: index, xy, bounds, window_bounds, window_from_bounds, window_transform.

#include <cmath>

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;

namespace {

/// A 100 x 80 raster, 30 m pixels, upper-left corner at (101985, 2826915).
Profile north_up() {
    return Profile{.driver = "GTiff", .width = 100, .height = 80, .count = 1, .dtype = DType::uint8,
                   .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(101985, 2826915, 30, 30)};
}

void on_both(const Profile& p, const std::function<void(Dataset&)>& check) {
    rastio::test::TempDir dir;
    {
        SCOPED_TRACE("on disk");
        { auto w = open(dir.file("g.tif"), "w", p); }
        auto ds = open(dir.file("g.tif"));
        check(ds);
    }
    SCOPED_TRACE("in a MemoryFile");
    MemoryFile mf;
    { auto w = mf.open(p); }
    auto ds = mf.open();
    check(ds);
}

} // namespace

TEST(GeometryTest, IndexFindsTheContainingPixel) {
    on_both(north_up(), [](Dataset& ds) {
        EXPECT_EQ(ds.index(101985 + 0.1, 2826915 - 0.1), (std::pair<long long, long long>{0, 0}));
        EXPECT_EQ(ds.index(101985 + 30 * 7 + 29, 2826915 - 30 * 5 - 1), (std::pair<long long, long long>{5, 7}));
        // Outside the raster: negative or past the end, not clamped.
        EXPECT_EQ(ds.index(101985 - 1, 2826915 + 1), (std::pair<long long, long long>{-1, -1}));
        // Rounding ops: 2.5 pixels right and 1.5 down.
        const double x = 101985 + 2.5 * 30, y = 2826915 - 1.5 * 30;
        EXPECT_EQ(ds.index(x, y, Rounding::floor), (std::pair<long long, long long>{1, 2}));
        EXPECT_EQ(ds.index(x, y, Rounding::ceil), (std::pair<long long, long long>{2, 3}));
        EXPECT_EQ(ds.index(x, y, Rounding::round), (std::pair<long long, long long>{2, 2})); // halves to even
    });
}

TEST(GeometryTest, XyGivesCentersAndCorners) {
    on_both(north_up(), [](Dataset& ds) {
        using P = std::pair<double, double>;
        EXPECT_EQ(ds.xy(0, 0), (P{101985 + 15, 2826915 - 15}));
        EXPECT_EQ(ds.xy(2, 3, PixelOffset::ul), (P{101985 + 90, 2826915 - 60}));
        EXPECT_EQ(ds.xy(2, 3, PixelOffset::ur), (P{101985 + 120, 2826915 - 60}));
        EXPECT_EQ(ds.xy(2, 3, PixelOffset::ll), (P{101985 + 90, 2826915 - 90}));
        EXPECT_EQ(ds.xy(2, 3, PixelOffset::lr), (P{101985 + 120, 2826915 - 90}));
        // index(xy(r, c)) == (r, c) everywhere.
        for (int r = 0; r < 80; r += 13) {
            for (int c = 0; c < 100; c += 17) {
                const auto [x, y] = ds.xy(r, c);
                EXPECT_EQ(ds.index(x, y), (std::pair<long long, long long>{r, c}));
            }
        }
    });
}

TEST(GeometryTest, WindowBoundsRoundTrip) {
    on_both(north_up(), [](Dataset& ds) {
        EXPECT_EQ(ds.window_bounds(Window::full(100, 80)), ds.bounds());
        EXPECT_EQ(ds.bounds(), (Bounds{101985, 2826915 - 2400, 101985 + 3000, 2826915}));
        const Window w{10, 20, 30, 15};
        const Bounds b = ds.window_bounds(w);
        EXPECT_EQ(b, (Bounds{101985 + 300, 2826915 - 1050, 101985 + 1200, 2826915 - 600}));
        EXPECT_EQ(ds.window_from_bounds(b), w);
        // Bounds inside pixels snap outward to whole pixels.
        EXPECT_EQ(ds.window_from_bounds(Bounds{b.left + 1, b.bottom + 1, b.right - 1, b.top - 1}), w);
        EXPECT_EQ(ds.window_from_bounds(Bounds{b.left + 29, b.bottom, b.right, b.top}), (Window{10, 20, 30, 15}));
        EXPECT_THROW((void)ds.window_from_bounds(Bounds{b.right, b.bottom, b.left, b.top}), ArgumentError);
        const Affine t = ds.window_transform(w);
        EXPECT_EQ(t, (Affine{30, 0, 101985 + 300, 0, -30, 2826915 - 600}));
    });
}

TEST(GeometryTest, RotatedCorpusFile) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("rotated.tif", [](Dataset& ds) {
        const Affine t = ds.transform();
        ASSERT_NE(t.b, 0.0);
        for (const auto& [r, c] : {std::pair{0, 0}, std::pair{5, 9}, std::pair{ds.height() - 1, ds.width() - 1}}) {
            const auto [x, y] = ds.xy(r, c);
            const auto [ex, ey] = t.apply(c + 0.5, r + 0.5);
            EXPECT_NEAR(x, ex, 1e-6);
            EXPECT_NEAR(y, ey, 1e-6);
            EXPECT_EQ(ds.index(x, y), (std::pair<long long, long long>{r, c}));
        }
        // The bounds hold every corner of the rotated raster.
        const Bounds b = ds.bounds();
        for (const auto& [x, y] : {t.apply(0, 0), t.apply(ds.width(), 0), t.apply(0, ds.height()),
                                   t.apply(ds.width(), ds.height())}) {
            EXPECT_GE(x, b.left - 1e-6);
            EXPECT_LE(x, b.right + 1e-6);
            EXPECT_GE(y, b.bottom - 1e-6);
            EXPECT_LE(y, b.top + 1e-6);
        }
    });
}

TEST(GeometryTest, DegenerateTransformThrows) {
    MemoryFile mf;
    {
        auto w = mf.open(north_up());
        w.set_transform(Affine{0, 0, 5, 0, 0, 5});
    }
    auto ds = mf.open();
    EXPECT_THROW((void)ds.index(1, 1), ArgumentError);
    EXPECT_THROW((void)ds.window_from_bounds(Bounds{0, 0, 1, 1}), ArgumentError);
}

TEST(GeometryTest, ClipWindowCutsWholePixelsAsRioClip) {
    on_both(north_up(), [](Dataset& ds) {
        const Window w{10, 20, 30, 15};
        const Bounds b = ds.window_bounds(w);
        // Bounds on pixel edges give that window, with or without the complement.
        EXPECT_EQ(ds.clip_window(b), w);
        EXPECT_EQ(ds.clip_window(b, true), w);
        // Lengths round to the nearest pixel, offsets floor within 0.001 pixel.
        EXPECT_EQ(ds.clip_window(Bounds{b.left + 14, b.bottom, b.right + 14, b.top}), (Window{10, 20, 30, 15}));
        EXPECT_EQ(ds.clip_window(Bounds{b.left + 0.02, b.bottom, b.right + 16, b.top}), (Window{10, 20, 31, 15}));
        EXPECT_EQ(ds.clip_window(Bounds{b.left - 0.02, b.bottom, b.right, b.top}), (Window{10, 20, 30, 15}));
        EXPECT_EQ(ds.clip_window(Bounds{b.left - 1, b.bottom, b.right, b.top}), (Window{9, 20, 30, 15}));
        // Across the upper-left corner: the intersection, or past the edges with the complement.
        const Bounds r = ds.bounds();
        const Bounds across{r.left - 300, r.top - 600, r.left + 300, r.top + 150};
        EXPECT_EQ(ds.clip_window(across), (Window{0, 0, 10, 20}));
        EXPECT_EQ(ds.clip_window(across, true), (Window{-10, -5, 20, 25}));
        EXPECT_TRUE(ds.clip_window(Bounds{r.left - 1e4, r.bottom - 1e4, r.right + 1e4, r.top + 1e4}) ==
                    Window::full(ds.width(), ds.height()));
        // Refusals: no overlap, an edge only, inverted bounds.
        EXPECT_THROW((void)ds.clip_window(Bounds{r.right + 1, r.bottom, r.right + 100, r.top}), ArgumentError);
        EXPECT_THROW((void)ds.clip_window(Bounds{r.right, r.bottom, r.right + 100, r.top}), ArgumentError);
        EXPECT_THROW((void)ds.clip_window(Bounds{b.right, b.bottom, b.left, b.top}), ArgumentError);
    });
}

TEST(GeometryTest, ClipWindowRefusesRotatedRasters) {
    MemoryFile mf;
    {
        auto w = mf.open(north_up());
        w.set_transform(Affine{30, 5, 101985, 5, -30, 2826915});
    }
    auto ds = mf.open();
    EXPECT_THROW((void)ds.clip_window(ds.bounds()), ArgumentError);
}
