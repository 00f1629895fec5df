// Blocks: block_shapes, block_windows in file order, block_window, block_size; reading every
// block in any order rebuilds the raster. On disk and in MemoryFiles.

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "parity_fixtures.hpp"

using namespace rastio;

namespace {

/// The same GeoTIFF bytes on disk and in a MemoryFile.
void on_both(const std::vector<std::byte>& bytes, const std::function<void(Dataset&)>& check) {
    rastio::test::TempDir dir;
    const std::string path = dir.file("blocks.tif");
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a stream
    }
    {
        SCOPED_TRACE("on disk");
        auto ds = open(path);
        check(ds);
    }
    SCOPED_TRACE("in a MemoryFile");
    MemoryFile mf(bytes);
    auto ds = mf.open();
    check(ds);
}

void expect_blocks_rebuild(Dataset& ds) {
    auto blocks = ds.block_windows(1);
    std::mt19937 rng(42);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    const auto whole = ds.read().as<std::uint8_t>();
    Array<std::uint8_t> rebuilt(whole.shape());
    std::vector<int> seen(whole.rows() * whole.cols(), 0);
    for (const auto& b : blocks) {
        EXPECT_EQ(ds.block_window(1, b.row, b.col), b.window);
        const auto part = ds.read(ReadOptions{.window = b.window}).as<std::uint8_t>();
        for (std::size_t k = 0; k < part.bands(); ++k) {
            for (std::size_t r = 0; r < part.rows(); ++r) {
                for (std::size_t c = 0; c < part.cols(); ++c) {
                    const auto rr = static_cast<std::size_t>(b.window.row_off) + r;
                    const auto cc = static_cast<std::size_t>(b.window.col_off) + c;
                    rebuilt(k, rr, cc) = part(k, r, c);
                    if (k == 0) ++seen[rr * whole.cols() + cc];
                }
            }
        }
    }
    EXPECT_EQ(rebuilt, whole);
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; })) << "blocks overlap or leave gaps";
}

} // namespace

TEST(BlocksTest, TiledBlocksInFileOrder) {
    const auto bytes = rastio::test::make_gtiff(50, 40, 3, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"});
    on_both(bytes, [](Dataset& ds) {
        EXPECT_EQ(ds.block_shapes(), (std::vector<std::pair<int, int>>(3, {16, 16})));
        const auto blocks = ds.block_windows(2);
        ASSERT_EQ(blocks.size(), 12U); // 4 across, 3 down
        EXPECT_EQ(blocks[0], (BlockWindow{0, 0, Window{0, 0, 16, 16}}));
        EXPECT_EQ(blocks[3], (BlockWindow{0, 3, Window{48, 0, 2, 16}}));
        EXPECT_EQ(blocks[4], (BlockWindow{1, 0, Window{0, 16, 16, 16}}));
        EXPECT_EQ(blocks[11], (BlockWindow{2, 3, Window{48, 32, 2, 8}}));
        // Row by row: GeoTIFF stores tiles in this order, and their byte sizes are known.
        for (const auto& b : blocks) EXPECT_GT(ds.block_size(1, b.row, b.col), 0U);
        expect_blocks_rebuild(ds);
    });
}

TEST(BlocksTest, StripedBlocks) {
    const auto bytes = rastio::test::make_gtiff(37, 23, 2, {"BLOCKYSIZE=5"});
    on_both(bytes, [](Dataset& ds) {
        EXPECT_EQ(ds.block_shapes(), (std::vector<std::pair<int, int>>(2, {5, 37})));
        const auto blocks = ds.block_windows();
        ASSERT_EQ(blocks.size(), 5U);
        EXPECT_EQ(blocks.back(), (BlockWindow{4, 0, Window{0, 20, 37, 3}}));
        // Uncompressed strips hold 5 rows x 37 pixels (pixel-interleaved: x bands).
        EXPECT_EQ(ds.block_size(1, 0, 0), 5U * 37U * 2U);
        expect_blocks_rebuild(ds);
    });
}

TEST(BlocksTest, CorpusStrips) {
    RASTIO_REQUIRE_CORPUS();
    rastio::test::on_disk_and_in_memory("RGB.byte.tif", [](Dataset& ds) {
        const auto blocks = ds.block_windows(1);
        EXPECT_EQ(blocks.size(), 240U); // 718 rows in strips of 3
        EXPECT_EQ(blocks.back().window, (Window{0, 717, 791, 1}));
    });
}

TEST(BlocksTest, OutOfRangeBlocksThrow) {
    MemoryFile mf(rastio::test::make_gtiff(20, 20, 1, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"}));
    auto ds = mf.open();
    EXPECT_THROW((void)ds.block_window(1, 2, 0), ArgumentError);
    EXPECT_THROW((void)ds.block_window(1, 0, -1), ArgumentError);
    EXPECT_THROW((void)ds.block_size(1, 0, 2), ArgumentError);
    EXPECT_THROW((void)ds.block_windows(2), ArgumentError);
    ds.close();
    EXPECT_THROW((void)ds.block_windows(1), ClosedError);
}
