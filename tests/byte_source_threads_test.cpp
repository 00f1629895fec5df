// ByteSource under threads: one source shared by datasets that threads open, read and close.

#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

namespace {

TEST(ByteSourceThreadsTest, ThreadsReadOneSharedSourceThroughTheirOwnDatasets) {
    const auto bytes = rastio::test::make_gtiff(512, 384, 3, {"TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128",
                                                              "COMPRESS=DEFLATE"});
    rastio::MemoryFile mf(bytes);
    auto source = std::make_shared<rastio::MemoryFileByteSource>(mf);
    const rastio::AnyArray expected = mf.open().read();
    constexpr int threads = 4;
    std::vector<int> mismatches(threads, 0);
    std::vector<std::string> errors(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            try {
                for (int round = 0; round < 5; ++round) {
                    auto ds = rastio::open(source);
                    const rastio::Window w{(t * 61 + round * 17) % 300, (t * 37 + round * 29) % 200, 200, 180};
                    const auto got = ds.read(rastio::ReadOptions{.window = w});
                    const auto all = expected.bytes();
                    const auto part = got.bytes();
                    for (int b = 0; b < 3; ++b) {
                        for (int r = 0; r < w.height; ++r) {
                            const auto* want = all.data() + (static_cast<std::size_t>(b) * 384 + static_cast<std::size_t>(w.row_off + r)) * 512 + static_cast<std::size_t>(w.col_off);
                            const auto* have = part.data() + (static_cast<std::size_t>(b) * static_cast<std::size_t>(w.height) + static_cast<std::size_t>(r)) * static_cast<std::size_t>(w.width);
                            if (std::memcmp(want, have, static_cast<std::size_t>(w.width)) != 0) ++mismatches[static_cast<std::size_t>(t)];
                        }
                    }
                }
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(t)] = e.what();
            }
        });
    }
    for (auto& th : pool) th.join();
    for (int t = 0; t < threads; ++t) {
        EXPECT_EQ(errors[static_cast<std::size_t>(t)], "");
        EXPECT_EQ(mismatches[static_cast<std::size_t>(t)], 0);
    }
    EXPECT_EQ(rastio::registered_byte_sources(), 0U);
}

} // namespace
