// Masks and nodata: read_masks, dataset_mask, mask_flags, write_mask, read_masked, on disk and in
// MemoryFiles, against the corpus files written by others.

#include <cmath>

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;
using rastio::test::binary;
using rastio::test::corpus;
using rastio::test::on_disk_and_in_memory;

namespace {

std::vector<std::uint8_t> as_vector(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }

Profile byte_profile(int width, int height, int count) {
    return Profile{.driver = "GTiff", .width = width, .height = height, .count = count, .dtype = DType::uint8,
                   .crs = CRS::from_epsg(32618), .transform = Affine::from_origin(1000, 2000, 10, 10)};
}

Array<std::uint8_t> ramp(std::size_t bands, std::size_t rows, std::size_t cols) {
    Array<std::uint8_t> a({bands, rows, cols});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(1 + i % 200);
    return a;
}

/// A checkerboard of 8x8 squares: 255 valid, 0 invalid.
Array<std::uint8_t> checker(std::size_t rows, std::size_t cols) {
    Array<std::uint8_t> m({1, rows, cols});
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) m(0, r, c) = ((r / 8 + c / 8) % 2) != 0 ? 255 : 0;
    }
    return m;
}

} // namespace

// RGB2.byte.tif's mask is its .msk sidecar: every band's mask is the .msk's pixels.
TEST(MasksTest, SidecarMskIsEveryBandsMask) {
    RASTIO_REQUIRE_CORPUS();
    auto msk = open(corpus("RGB2.byte.tif.msk"));
    const auto expected = msk.read(Bands{1}).as<std::uint8_t>();
    on_disk_and_in_memory(
        "RGB2.byte.tif",
        [&](Dataset& ds) {
            for (const auto& f : ds.mask_flags()) EXPECT_EQ(f, (MaskFlags{.per_dataset = true})) << f.to_string();
            const auto masks = ds.read_masks();
            ASSERT_EQ(masks.shape(), (Shape{3, 718, 791}));
            for (std::size_t b = 0; b < 3; ++b) EXPECT_EQ(as_vector(masks.band(b)), as_vector(expected.band(0)));
            const auto dm = ds.dataset_mask();
            EXPECT_EQ(as_vector(dm.band(0)), as_vector(expected.band(0)));
            // Some pixels are masked, some are not: the check can fail both ways.
            const auto zeros = std::count(dm.values().begin(), dm.values().end(), 0);
            EXPECT_GT(zeros, 0);
            EXPECT_LT(static_cast<std::size_t>(zeros), dm.size());
        },
        {".msk"});
}

// Without its .msk, the same file has no mask at all.
TEST(MasksTest, WithoutSidecarEveryPixelIsValid) {
    RASTIO_REQUIRE_CORPUS();
    auto mf = rastio::test::memory_copy(corpus("RGB2.byte.tif"));
    auto ds = mf.open();
    for (const auto& f : ds.mask_flags()) EXPECT_EQ(f, (MaskFlags{.all_valid = true}));
    const auto m = ds.read_masks(ReadOptions{.window = Window{0, 0, 50, 40}});
    EXPECT_TRUE(std::all_of(m.values().begin(), m.values().end(), [](auto v) { return v == 255; }));
}

// alpha.tif: bands 1-3 are masked by band 4 (the alpha band), which itself is all valid.
TEST(MasksTest, AlphaBandIsTheMask) {
    RASTIO_REQUIRE_CORPUS();
    on_disk_and_in_memory("alpha.tif", [](Dataset& ds) {
        const auto flags = ds.mask_flags();
        ASSERT_EQ(flags.size(), 4U);
        for (int b = 0; b < 3; ++b) EXPECT_EQ(flags[b], (MaskFlags{.per_dataset = true, .alpha = true}));
        EXPECT_EQ(flags[3], (MaskFlags{.all_valid = true}));
        EXPECT_EQ(ds.colorinterp()[3], ColorInterp::alpha);
        const Window w{300, 200, 400, 300};
        const auto alpha = ds.read(ReadOptions{.bands = {4}, .window = w}).as<std::uint8_t>();
        const auto m = ds.read_masks(ReadOptions{.bands = {1, 2}, .window = w});
        EXPECT_EQ(as_vector(m.band(0)), as_vector(alpha.band(0)));
        EXPECT_EQ(as_vector(m.band(1)), as_vector(alpha.band(0)));
        const auto masked = ds.read_masked(ReadOptions{.window = w});
        EXPECT_EQ(masked.data.shape(), (Shape{4, 300, 400}));
        EXPECT_EQ(as_vector(masked.mask.band(0)), binary(alpha.band(0)));
        EXPECT_EQ(as_vector(ds.dataset_mask(ReadOptions{.window = w}).band(0)), as_vector(alpha.band(0)));
    });
}

// float_nan.tif: nodata is NaN, and exactly the NaN pixels are masked.
TEST(MasksTest, NanNodataMasksNanPixels) {
    RASTIO_REQUIRE_CORPUS();
    on_disk_and_in_memory("float_nan.tif", [](Dataset& ds) {
        ASSERT_TRUE(ds.nodata());
        EXPECT_TRUE(std::isnan(*ds.nodata()));
        EXPECT_EQ(ds.mask_flags()[0], (MaskFlags{.nodata = true}));
        const auto masked = ds.read_masked();
        const auto& v = masked.data.as<float>();
        std::size_t nans = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const bool is_nan = std::isnan(v.data()[i]);
            nans += is_nan ? 1 : 0;
            EXPECT_EQ(masked.mask.data()[i], is_nan ? 0 : 255) << "pixel " << i;
        }
        EXPECT_GT(nans, 0U);
        EXPECT_EQ(as_vector(ds.read_masks().values()), as_vector(masked.mask.values()));
    });
}

// all-nodata.tif: every pixel equals nodata, so every mask is empty.
TEST(MasksTest, AllNodataFileIsFullyMasked) {
    RASTIO_REQUIRE_CORPUS();
    on_disk_and_in_memory("all-nodata.tif", [](Dataset& ds) {
        for (const auto& f : ds.mask_flags()) EXPECT_EQ(f, (MaskFlags{.nodata = true}));
        const Window w{0, 1000, 71, 300};
        const auto m = ds.read_masks(ReadOptions{.window = w});
        EXPECT_EQ(m.shape(), (Shape{4, 300, 71}));
        EXPECT_TRUE(std::all_of(m.values().begin(), m.values().end(), [](auto v) { return v == 0; }));
        const auto dm = ds.dataset_mask(ReadOptions{.window = w});
        EXPECT_EQ(dm.shape(), (Shape{1, 300, 71}));
        EXPECT_TRUE(std::all_of(dm.values().begin(), dm.values().end(), [](auto v) { return v == 0; }));
    });
}

// cogeo.tif: an internal per-dataset mask, read decimated through its overviews too.
TEST(MasksTest, InternalMaskReadDecimated) {
    RASTIO_REQUIRE_CORPUS();
    on_disk_and_in_memory("cogeo.tif", [](Dataset& ds) {
        EXPECT_EQ(ds.mask_flags()[0], (MaskFlags{.per_dataset = true}));
        const auto full = ds.read_masks(ReadOptions{.bands = {1}});
        const auto half = ds.read_masks(ReadOptions{.bands = {1}, .out_shape = std::pair{512, 512}});
        ASSERT_EQ(half.shape(), (Shape{1, 512, 512}));
        // The first mask overview is what a decimation by 2 reads.
        auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
        GDALRasterBandH ov = GDALGetOverview(GDALGetMaskBand(GDALGetRasterBand(h, 1)), 0);
        ASSERT_NE(ov, nullptr);
        std::vector<std::uint8_t> expected(512 * 512);
        ASSERT_EQ(GDALRasterIO(ov, GF_Read, 0, 0, 512, 512, expected.data(), 512, 512, GDT_Byte, 0, 0), CE_None);
        EXPECT_EQ(as_vector(half.values()), expected);
        EXPECT_EQ(full.shape(), (Shape{1, 1024, 1024}));
    });
}

// A nodata value masks the pixels equal to it; masked reads honour it.
TEST(MasksTest, NodataValueMasksEqualPixels) {
    MemoryFile mf;
    auto data = ramp(2, 20, 30);
    data(0, 3, 4) = 7;
    data(1, 5, 6) = 7;
    {
        auto p = byte_profile(30, 20, 2);
        p.nodata = 7.0;
        auto w = mf.open(p);
        w.write(data);
    }
    auto ds = mf.open();
    const auto masked = ds.read_masked();
    for (std::size_t b = 0; b < 2; ++b) {
        for (std::size_t r = 0; r < 20; ++r) {
            for (std::size_t c = 0; c < 30; ++c) {
                EXPECT_EQ(masked.mask(b, r, c), data(b, r, c) == 7 ? 0 : 255);
            }
        }
    }
    // Pixel (3, 4) is valid in band 2, so the dataset mask keeps it.
    const auto dm = ds.dataset_mask();
    EXPECT_EQ(dm(0, 3, 4), 255);
}

// write_mask creates an internal mask or a .msk sidecar, on disk and in a MemoryFile.
TEST(MasksTest, WriteMaskInternalAndSidecar) {
    rastio::test::TempDir dir;
    const auto mask = checker(32, 48);
    for (auto storage : {MaskStorage::internal, MaskStorage::sidecar}) {
        const bool internal = storage == MaskStorage::internal;
        SCOPED_TRACE(internal ? "internal" : "sidecar");
        // On disk, in mode r+.
        const std::string path = dir.file(internal ? "in.tif" : "side.tif");
        {
            auto w = open(path, "w", byte_profile(48, 32, 3));
            w.write(ramp(3, 32, 48));
        }
        {
            auto ds = open(path, "r+");
            ds.write_mask(mask, {}, storage);
        }
        EXPECT_EQ(std::filesystem::exists(path + ".msk"), !internal);
        {
            auto ds = open(path);
            EXPECT_EQ(ds.mask_flags()[2], (MaskFlags{.per_dataset = true}));
            EXPECT_EQ(as_vector(ds.dataset_mask().values()), as_vector(mask.values()));
        }
        // In a MemoryFile writer.
        MemoryFile mf;
        {
            auto w = mf.open(byte_profile(48, 32, 3));
            w.write(ramp(3, 32, 48));
            w.write_mask(mask, {}, storage);
        }
        const auto files = mf.files();
        EXPECT_EQ(std::find(files.begin(), files.end(), files.front() + ".msk") != files.end(), !internal);
        auto ds = mf.open();
        EXPECT_EQ(ds.mask_flags()[0], (MaskFlags{.per_dataset = true}));
        EXPECT_EQ(as_vector(ds.read_masks(ReadOptions{.bands = {3}}).values()), as_vector(mask.values()));
    }
}

// A mask written in a window changes only that window.
TEST(MasksTest, WriteMaskInWindow) {
    MemoryFile mf;
    {
        auto w = mf.open(byte_profile(40, 30, 1));
        w.write(ramp(1, 30, 40));
        w.write_mask(Array<std::uint8_t>({1, 30, 40}) /* all invalid */);
        Array<std::uint8_t> ones({1, 5, 6});
        for (auto& v : ones.values()) v = 1; // any nonzero value means valid
        w.write_mask(ones, Window{10, 20, 6, 5});
    }
    auto ds = mf.open();
    const auto m = ds.dataset_mask();
    for (std::size_t r = 0; r < 30; ++r) {
        for (std::size_t c = 0; c < 40; ++c) {
            const bool inside = r >= 20 && r < 25 && c >= 10 && c < 16;
            EXPECT_EQ(m(0, r, c), inside ? 255 : 0) << r << "," << c;
        }
    }
}

TEST(MasksTest, BadMaskWritesThrow) {
    RASTIO_REQUIRE_CORPUS();
    auto ro = open(corpus("RGB.byte.tif"));
    EXPECT_THROW(ro.write_mask(Array<std::uint8_t>({1, 718, 791})), ModeError);
    MemoryFile mf;
    auto w = mf.open(byte_profile(10, 10, 1));
    EXPECT_THROW(w.write_mask(Array<std::uint8_t>({1, 9, 10})), ArgumentError);
    EXPECT_THROW(w.write_mask(Array<std::uint8_t>({1, 5, 5}), Window{8, 8, 5, 5}), ArgumentError);
    EXPECT_THROW((void)w.read_masks(ReadOptions{.bands = {2}}), ArgumentError);
    w.close();
    EXPECT_THROW((void)w.mask_flags(), ClosedError);
}

namespace {

/// A 6x5 two-band uint8 raster in a MemoryFile, pixels 1..60 band-sequential, with `nodata`.
MemoryFile small_raster(std::optional<double> nodata, bool alpha = false) {
    MemoryFile mf;
    auto p = byte_profile(6, 5, 2);
    p.nodata = nodata;
    auto w = mf.open(p);
    Array<std::uint8_t> a({2, 5, 6});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i + 1);
    w.write(a);
    if (alpha) w.set_colorinterp({ColorInterp::gray, ColorInterp::alpha});
    w.close();
    return mf;
}

/// The 3x3 window over the top-left corner: row 0 and column 0 lie outside.
const Window k_corner{-1, -1, 3, 3};
bool outside(std::size_t i) { return i < 3 || i % 3 == 0; }

} // namespace

// rasterio masks what lies outside an all-valid dataset in boundless reads (it used to be 255).
TEST(MasksTest, BoundlessMasksOfAnAllValidDatasetAreZeroOutside) {
    auto mf = small_raster(std::nullopt);
    auto ds = mf.open();
    ASSERT_EQ(ds.mask_flags()[0], (MaskFlags{.all_valid = true}));
    for (const std::optional<double> fill : {std::optional<double>{}, std::optional<double>{7.0}, std::optional<double>{0.0}}) {
        SCOPED_TRACE(fill ? std::to_string(*fill) : "no fill_value");
        const ReadOptions o{.window = k_corner, .boundless = true, .fill_value = fill};
        const auto masks = ds.read_masks(o);
        const auto dm = ds.dataset_mask(o);
        const auto masked = ds.read_masked(o);
        const auto data = ds.read(o).as<std::uint8_t>();
        ASSERT_EQ(masks.shape(), (Shape{2, 3, 3}));
        for (std::size_t b = 0; b < 2; ++b) {
            for (std::size_t i = 0; i < 9; ++i) {
                const std::uint8_t want = outside(i) ? 0 : 255;
                EXPECT_EQ(masks.band(b)[i], want) << b << " " << i;
                EXPECT_EQ(masked.mask.band(b)[i], want) << b << " " << i;
                if (b == 0) {
                    EXPECT_EQ(dm.band(0)[i], want) << i;
                }
                if (outside(i)) {
                    EXPECT_EQ(data.band(b)[i], fill.value_or(0)) << b << " " << i;
                }
            }
        }
        // Resampled (through rasterio's VRT): the outside stays masked, the inside valid.
        const auto half = ds.read_masks(ReadOptions{.window = Window{-6, 0, 12, 5}, .out_shape = std::pair{5, 6},
                                                    .resampling = Resampling::average, .boundless = true});
        EXPECT_EQ(half(0, 2, 0), 0);
        EXPECT_EQ(half(0, 2, 5), 255);
    }
    // Not boundless, or boundless without a window: every pixel is valid, as before.
    const auto whole = ds.read_masks(ReadOptions{.boundless = true});
    EXPECT_TRUE(std::all_of(whole.values().begin(), whole.values().end(), [](auto v) { return v == 255; }));
}

// With a fill value, rasterio's VRT takes it as nodata: a valid pixel equal to it is masked in a
// masked read (not in read_masks, which has no fill value), and the source's nodata pixels read
// as it. A fill value of 0 is ignored where the band has nodata (rasterio: `fill_value or nodata`).
TEST(MasksTest, BoundlessMaskedReadMasksWhatReadsAsTheFillValue) {
    auto mf = small_raster(3.0);
    auto ds = mf.open();
    // Inside the corner window: pixels (0,0)=1 (0,1)=2 (1,0)=7 (1,1)=8 of band 1.
    const auto m7 = ds.read_masked(ReadOptions{.bands = {1}, .window = k_corner, .boundless = true, .fill_value = 7});
    EXPECT_EQ(as_vector(m7.mask.band(0)), (std::vector<std::uint8_t>{0, 0, 0, 0, 255, 255, 0, 0, 255}));
    EXPECT_EQ(as_vector(m7.data.as<std::uint8_t>().band(0)), (std::vector<std::uint8_t>{7, 7, 7, 7, 1, 2, 7, 7, 8}));
    const auto masks = ds.read_masks(ReadOptions{.bands = {1}, .window = k_corner, .boundless = true, .fill_value = 7});
    EXPECT_EQ(as_vector(masks.band(0)), (std::vector<std::uint8_t>{0, 0, 0, 0, 255, 255, 0, 255, 255}));
    // The source's nodata pixel (0,2)=3 reads as the fill value and is masked.
    const auto w = ds.read_masked(ReadOptions{.bands = {1}, .window = Window{1, 0, 3, 1}, .boundless = true, .fill_value = 9});
    EXPECT_EQ(as_vector(w.data.as<std::uint8_t>().band(0)), (std::vector<std::uint8_t>{2, 9, 4}));
    EXPECT_EQ(as_vector(w.mask.band(0)), (std::vector<std::uint8_t>{255, 0, 255}));
    // fill_value 0 with nodata 3: the outside reads 3, as rasterio 1.3.5.
    const auto z = ds.read(ReadOptions{.bands = {1}, .window = k_corner, .boundless = true, .fill_value = 0}).as<std::uint8_t>();
    EXPECT_EQ(as_vector(z.band(0)), (std::vector<std::uint8_t>{3, 3, 3, 3, 1, 2, 3, 7, 8}));
}

// Gray + alpha: the gray band is masked by alpha (0 outside); the alpha band itself is all valid
// and, the dataset not being all valid, stays valid outside in read_masks, as rasterio's VRT.
TEST(MasksTest, BoundlessAlphaBandStaysValidOutsideUnlessAFillValueIsGiven) {
    auto mf = small_raster(std::nullopt, true);
    auto ds = mf.open();
    ASSERT_TRUE(ds.mask_flags()[0].alpha);
    const auto m = ds.read_masks(ReadOptions{.window = k_corner, .boundless = true});
    for (std::size_t i = 0; i < 9; ++i) {
        EXPECT_EQ(m.band(0)[i], outside(i) ? 0 : 30 + 1 + (i / 3 - 1) * 6 + (i % 3 - 1)) << i; // alpha values
        EXPECT_EQ(m.band(1)[i], 255) << i;
    }
    const auto plain = ds.read_masked(ReadOptions{.window = k_corner, .boundless = true});
    const auto filled = ds.read_masked(ReadOptions{.window = k_corner, .boundless = true, .fill_value = 5});
    for (std::size_t i = 0; i < 9; ++i) {
        EXPECT_EQ(plain.mask.band(1)[i], 255) << i;
        EXPECT_EQ(filled.mask.band(1)[i], outside(i) ? 0 : 255) << i; // the fill value is the VRT's nodata
    }
    EXPECT_EQ(as_vector(ds.dataset_mask(ReadOptions{.window = k_corner, .boundless = true}).band(0)), as_vector(m.band(0)));
}

// Not boundless, rasterio fills what its masks call invalid with fill_value; its masked read
// keeps the values as read. An all-valid dataset has nothing to fill.
TEST(MasksTest, FillValueFillsInvalidPixelsOfAnyRead) {
    auto mf = small_raster(3.0);
    auto ds = mf.open();
    const ReadOptions o{.bands = {1}, .window = Window{0, 0, 4, 1}, .fill_value = 9};
    EXPECT_EQ(as_vector(ds.read(o).as<std::uint8_t>().band(0)), (std::vector<std::uint8_t>{1, 2, 9, 4}));
    const auto masked = ds.read_masked(o);
    EXPECT_EQ(as_vector(masked.data.as<std::uint8_t>().band(0)), (std::vector<std::uint8_t>{1, 2, 3, 4}));
    EXPECT_EQ(as_vector(masked.mask.band(0)), (std::vector<std::uint8_t>{255, 255, 0, 255}));
    // A per-dataset mask: the masked pixels read as the fill value, whatever their value.
    MemoryFile with_mask;
    {
        auto w = with_mask.open(byte_profile(4, 1, 1));
        w.write(Array<std::uint8_t>({1, 1, 4}));
        Array<std::uint8_t> m({1, 1, 4});
        m.data()[0] = m.data()[3] = 255;
        w.write_mask(m);
    }
    auto md = with_mask.open();
    EXPECT_EQ(as_vector(md.read(ReadOptions{.fill_value = 6}).as<std::uint8_t>().band(0)), (std::vector<std::uint8_t>{0, 6, 6, 0}));
    auto plain = small_raster(std::nullopt);
    auto pd = plain.open();
    EXPECT_EQ(pd.read(ReadOptions{.fill_value = 9}), pd.read());
}
