// Windows: rasterio's order, validity, containment, intersection, cropping; reads of windows
// running past the raster's edges (cropped as rasterio does) with every read call.

#include <fstream>

#include <gtest/gtest.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using rastio::Window;

TEST(WindowTest, FieldsAreInRasteriosOrder) {
    const Window w(1, 2, 3, 4);
    EXPECT_EQ(w.col_off, 1);
    EXPECT_EQ(w.row_off, 2);
    EXPECT_EQ(w.width, 3);
    EXPECT_EQ(w.height, 4);
    EXPECT_EQ(w.area(), 12);
    EXPECT_EQ(w.to_string(), "Window(col_off=1, row_off=2, width=3, height=4)");
    EXPECT_EQ(Window::full(5, 6), Window(0, 0, 5, 6));
}

TEST(WindowTest, ValidityNeedsPositiveSize) {
    EXPECT_TRUE(Window(0, 0, 1, 1).is_valid());
    EXPECT_FALSE(Window(0, 0, 0, 1).is_valid());
    EXPECT_FALSE(Window(0, 0, 1, -1).is_valid());
    EXPECT_FALSE(Window().is_valid());
}

TEST(WindowTest, InsideChecksEveryEdgeWithoutOverflow) {
    EXPECT_TRUE(Window(0, 0, 10, 8).is_inside(10, 8));
    EXPECT_TRUE(Window(9, 7, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(9, 7, 2, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(9, 7, 1, 2).is_inside(10, 8));
    EXPECT_FALSE(Window(-1, 0, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(0, -1, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(2147483647, 0, 2147483647, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(0, 2147483647, 1, 2147483647).is_inside(2147483647, 2147483647));
}

TEST(WindowTest, IntersectionIsTheSharedPixels) {
    const Window a(0, 0, 10, 10), b(5, 6, 10, 10);
    EXPECT_EQ(a.intersection(b), Window(5, 6, 5, 4));
    EXPECT_EQ(b.intersection(a), Window(5, 6, 5, 4));
    EXPECT_TRUE(a.intersects(b));
    EXPECT_EQ(a.intersection(a), a);
    EXPECT_EQ(a.intersection(Window(2, 3, 1, 1)), Window(2, 3, 1, 1));
}

TEST(WindowTest, TouchingOrApartWindowsDoNotIntersect) {
    const Window a(0, 0, 10, 10);
    EXPECT_FALSE(a.intersection(Window(10, 0, 5, 5)).has_value()); // shares an edge only
    EXPECT_FALSE(a.intersects(Window(0, 10, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(20, 20, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(-5, -5, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(2, 2, 0, 5))); // empty
    EXPECT_TRUE(a.intersects(Window(-5, -5, 6, 6)));
}

// As rasterio's Window.crop: offsets and far edges clamped to the raster, never a negative size.
TEST(WindowTest, CroppedKeepsThePartInsideTheRaster) {
    EXPECT_EQ(Window(363, 0, 20, 10).cropped(368, 100), Window(363, 0, 5, 10));
    EXPECT_EQ(Window(-3, -3, 10, 10).cropped(20, 20), Window(0, 0, 7, 7));
    EXPECT_EQ(Window(15, 15, 10, 10).cropped(20, 20), Window(15, 15, 5, 5));
    EXPECT_EQ(Window(-5, -5, 30, 30).cropped(20, 20), Window(0, 0, 20, 20));
    EXPECT_EQ(Window(2, 3, 4, 5).cropped(20, 20), Window(2, 3, 4, 5));
    // Wholly outside: an empty window on the nearest edge, keeping the other dimension.
    EXPECT_EQ(Window(25, 0, 5, 10).cropped(20, 20), Window(20, 0, 0, 10));
    EXPECT_EQ(Window(-10, 0, 5, 10).cropped(20, 20), Window(0, 0, 0, 10));
    EXPECT_EQ(Window(0, -10, 5, 5).cropped(20, 20), Window(0, 0, 5, 0));
    EXPECT_EQ(Window(0, 25, 5, 5).cropped(20, 20), Window(0, 20, 5, 0));
    EXPECT_EQ(Window(-5, -5, 5, 5).cropped(20, 20), Window(0, 0, 0, 0));
    EXPECT_EQ(Window(0, 0, 0, 5).cropped(20, 20), Window(0, 0, 0, 5));
    // No overflow at the ends of int, and a negative size never comes out.
    EXPECT_EQ(Window(2147483647, 0, 2147483647, 1).cropped(10, 8), Window(10, 0, 0, 1));
    EXPECT_EQ(Window(-2147483647 - 1, 0, 2147483647, 1).cropped(10, 8), Window(0, 0, 0, 1));
    EXPECT_EQ(Window(5, 5, -3, -3).cropped(10, 8), Window(5, 5, 0, 0));
}

namespace {

/// The value make_gtiff writes at (band 0-based, row, col).
std::uint8_t pixel(int b, int r, int c) { return static_cast<std::uint8_t>((b * 31 + r * 7 + c * 3) % 251); }

/// Runs `check` on a 20x20 two-band GTiff, striped and tiled, in a MemoryFile (rastio's direct
/// reader) and on disk opened for update (GDAL's RasterIO).
template <class F>
void each_layout(F check) {
    rastio::test::TempDir dir;
    for (const auto& options : {std::vector<std::string>{}, std::vector<std::string>{"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"}}) {
        const auto bytes = rastio::test::make_gtiff(20, 20, 2, options);
        {
            SCOPED_TRACE(options.empty() ? "striped, in a MemoryFile" : "tiled, in a MemoryFile");
            rastio::MemoryFile mf(bytes);
            auto ds = mf.open();
            check(ds);
        }
        SCOPED_TRACE(options.empty() ? "striped, on disk, r+" : "tiled, on disk, r+");
        const std::string path = dir.file(options.empty() ? "striped.tif" : "tiled.tif");
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a stream
                                                    static_cast<std::streamsize>(bytes.size()));
        auto ds = rastio::open(path, "r+");
        check(ds);
    }
}

/// Checks `a` (bands 1 and 2) holds the raster's pixels in `crop`.
void expect_pixels(const rastio::Array<std::uint8_t>& a, const Window& crop) {
    ASSERT_EQ(a.shape(), (rastio::Shape{2, static_cast<std::size_t>(crop.height), static_cast<std::size_t>(crop.width)}));
    for (int b = 0; b < 2; ++b) {
        for (int r = 0; r < crop.height; ++r) {
            for (int c = 0; c < crop.width; ++c) {
                ASSERT_EQ(a(static_cast<std::size_t>(b), static_cast<std::size_t>(r), static_cast<std::size_t>(c)),
                          pixel(b, crop.row_off + r, crop.col_off + c))
                    << "at " << b << "," << r << "," << c;
            }
        }
    }
}

const std::vector<std::pair<Window, Window>> k_edges = {
    {Window(-3, -3, 10, 10), Window(0, 0, 7, 7)},   {Window(15, 15, 10, 10), Window(15, 15, 5, 5)},
    {Window(-5, -5, 30, 30), Window(0, 0, 20, 20)}, {Window(18, 4, 20, 3), Window(18, 4, 2, 3)},
    {Window(25, 0, 5, 10), Window(20, 0, 0, 10)},   {Window(-10, 0, 5, 10), Window(0, 0, 0, 10)},
    {Window(0, -10, 5, 5), Window(0, 0, 5, 0)},     {Window(0, 25, 5, 5), Window(0, 20, 5, 0)},
    {Window(0, 0, 0, 5), Window(0, 0, 0, 5)},       {Window(3, 4, 5, 0), Window(3, 4, 5, 0)},
    {Window(-5, -5, 5, 5), Window(0, 0, 0, 0)},     {Window(20, 0, 5, 1), Window(20, 0, 0, 1)},
};

} // namespace

// rasterio 1.3.5 crops a window that is not boundless: the same shapes and pixels from every call.
TEST(WindowTest, ReadsCropWindowsPastTheEdgesAsRasterio) {
    using namespace rastio;
    each_layout([](Dataset& ds) {
        for (const auto& [w, crop] : k_edges) {
            SCOPED_TRACE(w.to_string());
            const Shape shape{2, static_cast<std::size_t>(crop.height), static_cast<std::size_t>(crop.width)};
            expect_pixels(ds.read(w).as<std::uint8_t>(), crop);
            expect_pixels(ds.read(Bands{1, 2}, w).as<std::uint8_t>(), crop);
            expect_pixels(ds.read(ReadOptions{.window = w}).as<std::uint8_t>(), crop);
            const auto f = ds.read_as<float>({}, w);
            ASSERT_EQ(f.shape(), shape);
            if (!f.empty()) {
                EXPECT_EQ(f(1, 0, 0), pixel(1, crop.row_off, crop.col_off));
            }
            const auto m = ds.read_masks(ReadOptions{.window = w});
            EXPECT_EQ(m.shape(), shape);
            EXPECT_TRUE(std::all_of(m.values().begin(), m.values().end(), [](auto v) { return v == 255; }));
            EXPECT_EQ(ds.dataset_mask(ReadOptions{.window = w}).shape(), (Shape{1, shape[1], shape[2]}));
            const auto ma = ds.read_masked(ReadOptions{.window = w});
            expect_pixels(ma.data.as<std::uint8_t>(), crop);
            EXPECT_EQ(ma.mask.shape(), shape);
            // read_into takes a buffer of the cropped size, and only that.
            std::vector<std::byte> buf(static_cast<std::size_t>(crop.area()) * 2);
            ds.read_into({1, 2}, w, DType::uint8, buf);
            EXPECT_TRUE(std::equal(buf.begin(), buf.end(), ds.read(w).bytes().begin()));
            if (w != crop) {
                std::vector<std::byte> whole(static_cast<std::size_t>(w.area()) * 2);
                try {
                    ds.read_into({1, 2}, w, DType::uint8, whole);
                    ADD_FAILURE() << "a buffer of the uncropped size was taken";
                } catch (const ArgumentError& e) {
                    EXPECT_NE(std::string(e.what()).find("cropped to the 20x20 raster: " + crop.to_string()), std::string::npos) << e.what();
                }
            }
        }
    });
}

// out_shape resamples the cropped window; an empty window cannot be resampled into pixels.
TEST(WindowTest, OutShapeResamplesTheCroppedWindow) {
    using namespace rastio;
    each_layout([](Dataset& ds) {
        for (const auto& [w, crop] : k_edges) {
            SCOPED_TRACE(w.to_string());
            for (auto shape : {std::pair{4, 4}, std::pair{14, 9}}) {
                const ReadOptions asked{.window = w, .out_shape = shape};
                if (crop.area() == 0) {
                    EXPECT_THROW((void)ds.read(asked), ArgumentError);
                    EXPECT_THROW((void)ds.read_masks(asked), ArgumentError);
                    EXPECT_THROW((void)ds.read_masked(asked), ArgumentError);
                    EXPECT_THROW((void)ds.dataset_mask(asked), ArgumentError);
                    continue;
                }
                const ReadOptions cropped{.window = crop, .out_shape = shape, .resampling = Resampling::bilinear};
                ReadOptions a = asked;
                a.resampling = Resampling::bilinear;
                EXPECT_EQ(ds.read(a), ds.read(cropped));
                EXPECT_EQ(ds.read_masks(a), ds.read_masks(cropped));
            }
            // An empty out_shape is an empty array, whatever the window.
            EXPECT_EQ(ds.read(ReadOptions{.window = w, .out_shape = std::pair{0, 3}}).shape(), (Shape{2, 0, 3}));
        }
    });
}

// Arrays with a zero dimension behave: sizes, bands, copies, equality, bounds checks.
TEST(WindowTest, EmptyReadsAreUsableArrays) {
    using namespace rastio;
    MemoryFile mf(rastio::test::make_gtiff(20, 20, 2));
    auto ds = mf.open();
    AnyArray a = ds.read(Window(25, 0, 5, 10));
    EXPECT_EQ(a.shape(), (Shape{2, 10, 0}));
    EXPECT_EQ(a.dtype(), DType::uint8);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.bytes().size(), 0U);
    const auto& typed = a.as<std::uint8_t>();
    EXPECT_EQ(typed.bands(), 2U);
    EXPECT_EQ(typed.rows(), 10U);
    EXPECT_EQ(typed.cols(), 0U);
    EXPECT_TRUE(typed.band(1).empty());
    EXPECT_THROW((void)typed.at(0, 0, 0), ArgumentError);
    const AnyArray copy = a;
    EXPECT_EQ(copy, a);
    EXPECT_NE(copy, AnyArray(DType::uint8, Shape{2, 0, 10}));
    AnyArray moved = std::move(a);
    EXPECT_EQ(moved.shape(), (Shape{2, 10, 0}));
    ds.read_into({1}, Window(0, 30, 4, 4), DType::uint16, {}); // nothing to read, nothing to hold
    std::vector<std::byte> one(1);
    EXPECT_THROW(ds.read_into({1}, Window(0, 30, 4, 4), DType::uint8, one), ArgumentError);
    // An empty array writes nothing back.
    EXPECT_EQ(ds.read(ReadOptions{.window = Window(-4, -4, 4, 4), .boundless = false}).size(), 0U);
}
