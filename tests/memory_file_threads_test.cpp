// Threads: many threads each open their own datasets from one MemoryFile and read concurrently.
// Labelled "concurrency" in ctest, so the ThreadSanitizer build can select it.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

constexpr int k_threads = 8;
constexpr int k_cycles = 200;

std::uint8_t fixture_value(std::size_t b, std::size_t r, std::size_t c) {
    return static_cast<std::uint8_t>((b * 31 + r * 7 + c * 3) % 251);
}

/// Opens and reads `cycles` windows; returns how many pixels or properties were wrong.
std::size_t open_and_read(const std::function<rastio::Dataset()>& open, int thread, int cycles, int width, int height) {
    std::size_t wrong = 0;
    for (int i = 0; i < cycles; ++i) {
        auto ds = open();
        wrong += ds.width() != width || ds.height() != height || ds.count() != 3;
        const int w = 1 + (thread * 37 + i * 11) % 64;
        const int h = 1 + (thread * 13 + i * 29) % 64;
        const int col = (thread * 101 + i * 53) % (width - w + 1);
        const int row = (thread * 71 + i * 17) % (height - h + 1);
        const rastio::Bands bands{1 + (thread + i) % 3, 1 + (thread + i + 1) % 3};
        const auto a = ds.read(bands, rastio::Window(col, row, w, h)).as<std::uint8_t>();
        if (a.shape() != rastio::Shape{2, static_cast<std::size_t>(h), static_cast<std::size_t>(w)}) {
            ++wrong;
            continue;
        }
        for (std::size_t b = 0; b < 2; ++b) {
            const auto band = static_cast<std::size_t>(bands[b] - 1);
            for (std::size_t r = 0; r < a.rows(); ++r) {
                for (std::size_t c = 0; c < a.cols(); ++c) {
                    wrong += a(b, r, c) != fixture_value(band, r + static_cast<std::size_t>(row), c + static_cast<std::size_t>(col));
                }
            }
        }
    }
    return wrong;
}

TEST(MemoryFileThreadsTest, EightThreadsOpenAndReadTwoHundredTimesEach) {
    constexpr int width = 300, height = 200;
    rastio::MemoryFile mf(rastio::test::make_gtiff(width, height, 3, {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE"}));
    std::vector<std::size_t> wrong(k_threads, 0);
    std::vector<std::string> errors(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            try {
                // Half the threads go through the MemoryFile, half through its GDAL path.
                auto open = t % 2 == 0 ? std::function<rastio::Dataset()>([&] { return mf.open(); })
                                       : std::function<rastio::Dataset()>([&] { return rastio::open(mf.name()); });
                wrong[static_cast<std::size_t>(t)] = open_and_read(open, t, k_cycles, width, height);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(t)] = e.what();
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[static_cast<std::size_t>(t)], "") << "thread " << t;
        EXPECT_EQ(wrong[static_cast<std::size_t>(t)], 0u) << "thread " << t;
    }
}

TEST(MemoryFileThreadsTest, ThreadsKeepingTheirDatasetsOpenAreAllClosedByClose) {
    rastio::MemoryFile mf(rastio::test::make_gtiff(64, 64, 3));
    std::vector<rastio::Dataset> datasets(k_threads);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                auto ds = mf.open();
                if (ds.read().as<std::uint8_t>()(2, 63, 63) == fixture_value(2, 63, 63)) ++ok;
                datasets[static_cast<std::size_t>(t)] = std::move(ds); // the previous one closes here
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), k_threads * 20);
    mf.close();
    for (const auto& ds : datasets) EXPECT_TRUE(ds.closed());
}

TEST(MemoryFileThreadsTest, ManyMemoryFilesCreatedAndClosedConcurrentlyLeaveNothing) {
    const auto tif = rastio::test::make_gtiff(16, 16, 1);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                rastio::MemoryFile mf(tif, rastio::MemoryFileOptions{.dirname = "threads-shared",
                                                                     .filename = std::to_string(t) + "-" + std::to_string(i) + ".tif"});
                rastio::MemoryFile empty;
                empty.write(std::span<const std::byte>(tif));
                if (mf.open().read() == empty.open().read()) ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), k_threads * 25);
}

} // namespace
