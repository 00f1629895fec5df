// Closing races calls in flight: MemoryFile::close() or Dataset::close() on one thread while other
// threads read (or write) datasets opened from the MemoryFile. Every call either completes with
// the right pixels or throws a rastio error; nothing crashes, hangs or reads freed memory.
// Labelled "concurrency" in ctest, so the ThreadSanitizer build runs it (and the ASAN build too).

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

#if defined(__SANITIZE_THREAD__)
#define RASTIO_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RASTIO_TEST_TSAN 1
#endif
#endif
#if defined(RASTIO_TEST_TSAN) || defined(__SANITIZE_ADDRESS__)
#define RASTIO_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RASTIO_TEST_SANITIZED 1
#endif
#endif

namespace {

constexpr int k_threads = 4;
constexpr int k_width = 256, k_height = 192;
// Rounds of the reading tests (the writing test runs a third as many). Each round closes after
// a random 0-3 ms, so a round costs about the same under a sanitizer; the calls in between are
// slower there, so fewer rounds still catch each kind of overlap.
#ifdef RASTIO_TEST_SANITIZED
constexpr int k_rounds = 100;
#else
constexpr int k_rounds = 200;
#endif

std::uint8_t fixture_value(std::size_t b, std::size_t r, std::size_t c) {
    return static_cast<std::uint8_t>((b * 31 + r * 7 + c * 3) % 251);
}

/// Two layouts: striped uncompressed (rastio's direct reader) and tiled DEFLATE (GDAL's path).
const std::vector<std::byte>& fixture(int round) {
    static const std::vector<std::byte> striped = rastio::test::make_gtiff(k_width, k_height, 3);
    static const std::vector<std::byte> tiled = rastio::test::make_gtiff(
        k_width, k_height, 3, {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE"});
    return round % 2 == 0 ? striped : tiled;
}

/// What one thread saw over a round.
struct Tally {
    int calls = 0;        // calls that completed
    int in_flight = 0;    // of which completed after the close began: the close waited for them
    int wrong = 0;        // completed calls with a wrong result
    int closed = 0;       // ClosedError after the close began
    int open_failed = 0;  // IOError from rastio::open(name) after the MemoryFile went
    std::string failure;  // anything else: an error before the close, or one of another kind
};

/// Counts the pixels of a (bands, rows, cols) read of `window` that differ from the fixture.
int wrong_pixels(const rastio::Array<std::uint8_t>& a, const rastio::Bands& bands, const rastio::Window& w) {
    if (a.shape() != rastio::Shape{bands.size(), static_cast<std::size_t>(w.height), static_cast<std::size_t>(w.width)}) {
        return 1;
    }
    int wrong = 0;
    for (std::size_t b = 0; b < a.bands(); ++b) {
        const auto band = static_cast<std::size_t>(bands[b] - 1);
        for (std::size_t r = 0; r < a.rows(); ++r) {
            for (std::size_t c = 0; c < a.cols(); ++c) {
                wrong += a(b, r, c) != fixture_value(band, r + static_cast<std::size_t>(w.row_off),
                                                     c + static_cast<std::size_t>(w.col_off));
            }
        }
    }
    return wrong;
}

/// One call of many kinds on `ds`, chosen by `step`; returns how many results were wrong.
int one_call(const rastio::Dataset& ds, int thread, int step) {
    const int w = 1 + (thread * 37 + step * 11) % 128;
    const int h = 1 + (thread * 13 + step * 29) % 128;
    const rastio::Window win((thread * 101 + step * 53) % (k_width - w + 1), (thread * 71 + step * 17) % (k_height - h + 1),
                             w, h);
    const rastio::Bands bands{1 + (thread + step) % 3, 1 + (thread + step + 1) % 3};
    switch (step % 12) {
    case 0: return wrong_pixels(ds.read(bands, win).as<std::uint8_t>(), bands, win);
    case 1: return wrong_pixels(ds.read().as<std::uint8_t>(), {1, 2, 3}, rastio::Window::full(k_width, k_height));
    case 2: return wrong_pixels(ds.read_as<std::uint8_t>(bands, win), bands, win);
    case 3: {
        rastio::ReadOptions o;
        o.bands = bands;
        o.window = win;
        return wrong_pixels(ds.read(o).as<std::uint8_t>(), bands, win);
    }
    case 4: {
        rastio::ReadOptions o;
        o.window = win;
        const auto m = ds.read_masked(o);
        int wrong = wrong_pixels(m.data.as<std::uint8_t>(), {1, 2, 3}, win);
        for (auto v : m.mask.values()) wrong += v != 255;
        return wrong;
    }
    case 5: {
#ifdef RASTIO_TEST_TSAN
        // Under ThreadSanitizer only: a mask read lists the file's directory (GDAL's sibling
        // files), and TSAN then reports, in about one run in ten, a race inside GDAL's /vsimem
        // handler between that listing and a GDALClose on another thread, with no rastio frame
        // in between (see docs/robustness.md). The normal and ASAN builds read masks here.
        return (ds.width() != k_width) + (ds.count() != 3);
#endif
        rastio::ReadOptions o;
        o.window = win;
        const auto masks = ds.read_masks(o);
        const auto mask = ds.dataset_mask(o);
        int wrong = masks.shape() != rastio::Shape{3, static_cast<std::size_t>(h), static_cast<std::size_t>(w)};
        for (auto v : masks.values()) wrong += v != 255;
        for (auto v : mask.values()) wrong += v != 255;
        return wrong;
    }
    case 6: {
        const auto p = ds.profile();
        return (p.width != k_width) + (p.height != k_height) + (p.count != 3) + (p.driver != "GTiff") +
               (ds.crs().to_epsg() != 32618);
    }
    case 7:
        return (ds.transform() != rastio::Affine{30, 0, 101985, 0, -30, 2826915}) + (ds.bounds().left != 101985.0) +
               (ds.nodatavals().size() != 3) + static_cast<int>(ds.overviews(1).size()) +
               (ds.dtypes() != std::vector<rastio::DType>(3, rastio::DType::uint8));
    case 8:
        return (ds.colorinterp().size() != 3) + (ds.descriptions().size() != 3) + (ds.units().size() != 3) +
               (ds.scales() != std::vector<double>(3, 1.0)) + (ds.offsets() != std::vector<double>(3, 0.0)) +
               (ds.mask_flags().size() != 3);
    case 9:
        return ds.tags(0, "IMAGE_STRUCTURE").count("INTERLEAVE") != 1 || ds.tags(1).size() > 100 ||
               ds.gcps().points.size() != 0 || ds.rpcs().has_value();
    case 10: {
        const auto blocks = ds.block_windows(1);
        return blocks.empty() || ds.block_size(1, 0, 0) == 0 || ds.block_shapes().size() != 3 ||
               ds.block_window(1, 0, 0) != blocks.front().window;
    }
    default:
        return (ds.width() != k_width) + (ds.height() != k_height) + (ds.count() != 3) + (ds.driver() != "GTiff") +
               (ds.index(101985.0 + 45, 2826915.0 - 75) != std::pair<long long, long long>(2, 1));
    }
}

/// Counts a completed call.
void count_call(Tally& t, const std::atomic<bool>& closing) {
    ++t.calls;
    t.in_flight += closing.load() ? 1 : 0;
}

/// Runs `body` until a rastio error ends it, filing the error in `t`; `closing` says whether
/// the close has begun (before it, any error is a failure). `opening` is set while `body`
/// opens a dataset through a path, the one step where IOError is expected after the close.
void until_closed(Tally& t, const std::atomic<bool>& closing, const std::function<void(bool& opening)>& body) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool opening = false;
    try {
        while (std::chrono::steady_clock::now() < give_up) body(opening);
        t.failure = "still running 20 s after the round began";
    } catch (const rastio::ClosedError& e) {
        if (closing.load()) {
            ++t.closed;
        } else {
            t.failure = std::string("ClosedError before the close: ") + e.what();
        }
    } catch (const rastio::IOError& e) {
        if (closing.load() && opening) {
            ++t.open_failed;
        } else {
            t.failure = std::string(opening ? "IOError opening: " : "IOError in a call: ") + e.what();
        }
    } catch (const std::exception& e) {
        t.failure = std::string("unexpected error: ") + e.what();
    }
}

/// Sums the tallies of a round into `total`, failing the test on any thread's failure.
void collect(const std::vector<Tally>& tallies, Tally& total, int round) {
    if (::testing::Test::HasFailure()) return; // the first failing round says enough
    for (std::size_t i = 0; i < tallies.size(); ++i) {
        const Tally& t = tallies[i];
        EXPECT_EQ(t.failure, "") << "round " << round << ", thread " << i;
        EXPECT_EQ(t.wrong, 0) << "round " << round << ", thread " << i;
        total.calls += t.calls;
        total.in_flight += t.in_flight;
        total.wrong += t.wrong;
        total.closed += t.closed;
        total.open_failed += t.open_failed;
    }
}

/// A MemoryFile holding the fixture: a read-only copy (rastio keeps the bytes) on even rounds
/// of four, bytes written into an empty one (GDAL owns them) on the others.
rastio::MemoryFile make_memory_file(int round) {
    const auto& bytes = fixture(round);
    if (round % 4 < 2) return rastio::MemoryFile(std::span<const std::byte>(bytes));
    rastio::MemoryFile mf;
    mf.write(std::span<const std::byte>(bytes));
    return mf;
}

/// One kind of round: what runs before, on every worker, on the closing thread, and after.
struct Round {
    std::function<void(int round)> setup;
    std::function<void(int thread, int round)> work;
    std::function<void(int round)> close;
    std::function<void(int round)> check;
};

/// Runs `rounds` rounds on k_threads workers that live through all of them (a thread's first
/// CRS call starts PROJ, which costs far more than a round). Each round: setup here, then work
/// on every worker while this thread waits a random 0-3 ms and closes; check once every worker
/// has returned.
void run_rounds(int rounds, unsigned seed, const Round& r) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay_us(0, 3000);
    std::barrier sync(k_threads + 1);
    std::vector<std::thread> workers;
    for (int t = 0; t < k_threads; ++t) {
        workers.emplace_back([&, t] {
            for (int round = 0; round < rounds; ++round) {
                sync.arrive_and_wait();
                r.work(t, round);
                sync.arrive_and_wait();
            }
        });
    }
    for (int round = 0; round < rounds; ++round) {
        r.setup(round);
        sync.arrive_and_wait();
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
        r.close(round);
        sync.arrive_and_wait();
        r.check(round);
    }
    for (auto& w : workers) w.join();
}

TEST(CloseRaceThreadsTest, MemoryFileCloseWhileThreadsOpenAndReadFailsCleanly) {
    Tally total;
    std::optional<rastio::MemoryFile> mf;
    std::string name;
    std::atomic<bool> closing{false};
    std::vector<Tally> tallies;
    run_rounds(k_rounds, 12,
               {.setup =
                    [&](int round) {
                        mf.emplace(make_memory_file(round));
                        name = mf->name();
                        closing = false;
                        tallies.assign(k_threads, Tally{});
                    },
                .work =
                    [&](int t, int round) {
                        Tally& tally = tallies[static_cast<std::size_t>(t)];
                        int step = round;
                        until_closed(tally, closing, [&](bool& opening) {
                            // Half the threads open through the MemoryFile, half through its GDAL path.
                            opening = true;
                            auto ds = t % 2 == 0 ? mf->open() : rastio::open(name);
                            opening = false;
                            for (int i = 0; i < 3; ++i, ++step) {
                                tally.wrong += one_call(ds, t, step);
                                count_call(tally, closing);
                            }
                        });
                    },
                .close =
                    [&](int) {
                        closing = true;
                        mf->close();
                    },
                .check = [&](int round) { collect(tallies, total, round); }});
    // The race happened: calls completed, some while the close waited for them, and were refused after it.
    EXPECT_GT(total.calls, 0);
    EXPECT_GT(total.in_flight, 0);
    EXPECT_GT(total.closed, 0);
    mf.reset();
    EXPECT_EQ(rastio::test::vsimem_entries(), std::vector<std::string>{});
    std::printf("%d rounds: %d calls completed (%d of them after the close began), %d ClosedError, "
                "%d IOError opening a path gone\n",
                k_rounds, total.calls, total.in_flight, total.closed, total.open_failed);
}

TEST(CloseRaceThreadsTest, DatasetCloseFromAnotherThreadWhileItsOwnerCallsFailsCleanly) {
    Tally total;
    std::optional<rastio::MemoryFile> mf;
    std::vector<rastio::Dataset> datasets;
    std::atomic<bool> closing{false};
    std::vector<Tally> tallies;
    run_rounds(k_rounds, 34,
               {.setup =
                    [&](int round) {
                        mf.emplace(make_memory_file(round));
                        // One dataset per thread (a Dataset is not for concurrent calls), opened both ways.
                        datasets.clear();
                        for (int t = 0; t < k_threads; ++t) {
                            datasets.push_back(t % 2 == 0 ? mf->open() : rastio::open(mf->name()));
                        }
                        closing = false;
                        tallies.assign(k_threads, Tally{});
                    },
                .work =
                    [&](int t, int round) {
                        Tally& tally = tallies[static_cast<std::size_t>(t)];
                        int step = round + t;
                        until_closed(tally, closing, [&](bool&) {
                            tally.wrong += one_call(datasets[static_cast<std::size_t>(t)], t, step++);
                            count_call(tally, closing);
                        });
                    },
                .close =
                    [&](int) {
                        // Two datasets closed directly, the others by their MemoryFile.
                        closing = true;
                        datasets[0].close();
                        datasets[3].close();
                        mf->close();
                    },
                .check =
                    [&](int round) {
                        for (const auto& ds : datasets) EXPECT_TRUE(ds.closed()) << "round " << round;
                        collect(tallies, total, round);
                    }});
    EXPECT_GT(total.calls, 0);
    EXPECT_GT(total.in_flight, 0);
    EXPECT_EQ(total.closed, k_rounds * k_threads); // every thread's calls ended with ClosedError
    std::printf("%d rounds: %d calls completed (%d of them after the close began)\n", k_rounds, total.calls,
                total.in_flight);
    datasets.clear();
    mf.reset();
    EXPECT_EQ(rastio::test::vsimem_entries(), std::vector<std::string>{});
}

TEST(CloseRaceThreadsTest, MemoryFileCloseWhileThreadsWriteTheirDatasetsFailsCleanly) {
    // Each thread writes its own dataset in its own MemoryFile; one thread closes them all.
    const int rounds = k_rounds / 3;
    Tally total;
    std::vector<rastio::MemoryFile> files;
    std::vector<rastio::Dataset> datasets;
    std::atomic<bool> closing{false};
    std::vector<Tally> tallies;
    run_rounds(
        rounds, 56,
        {.setup =
             [&](int round) {
                 files.clear();
                 datasets.clear();
                 for (int t = 0; t < k_threads; ++t) {
                     rastio::Profile p;
                     p.driver = "GTiff";
                     p.width = k_width;
                     p.height = k_height;
                     p.count = 3;
                     p.dtype = rastio::DType::uint8;
                     if ((round + t) % 2 == 1) p.options = {{"TILED", "YES"}, {"COMPRESS", "DEFLATE"}};
                     files.emplace_back();
                     datasets.push_back(files.back().open(p));
                 }
                 closing = false;
                 tallies.assign(k_threads, Tally{});
             },
         .work =
             [&](int t, int) {
                 Tally& tally = tallies[static_cast<std::size_t>(t)];
                 auto& ds = datasets[static_cast<std::size_t>(t)];
                 int step = 0;
                 until_closed(tally, closing, [&](bool&) {
                     const rastio::Window win((step * 37) % (k_width - 64), (step * 23) % (k_height - 64), 64, 64);
                     rastio::Array<std::uint8_t> a({3, 64, 64});
                     for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(step + i);
                     switch (step++ % 6) {
                     case 0: ds.write(rastio::AnyArray(std::move(a)), {1, 2, 3}, win); break;
                     case 1: ds.update_tags({{"STEP", std::to_string(step)}}); break;
                     case 2: ds.set_nodata(step % 2 == 0 ? std::optional<double>(0) : std::nullopt); break;
                     case 3: tally.wrong += ds.read({2}, win).as<std::uint8_t>().size() != 64 * 64; break;
                     case 4: ds.set_descriptions({"a", "b", std::to_string(step)}); break;
                     default: tally.wrong += ds.tags().at("STEP") != std::to_string(step - 4); break;
                     }
                     count_call(tally, closing);
                 });
             },
         .close =
             [&](int) {
                 closing = true;
                 for (auto& f : files) {
                     try {
                         f.close();
                     } catch (const rastio::IOError&) { // NOLINT(bugprone-empty-catch): a writer cut short may fail to complete; everything is freed regardless
                     }
                 }
             },
         .check =
             [&](int round) {
                 for (const auto& ds : datasets) EXPECT_TRUE(ds.closed()) << "round " << round;
                 collect(tallies, total, round);
             }});
    EXPECT_GT(total.calls, 0);
    EXPECT_EQ(total.closed, rounds * k_threads);
    std::printf("%d rounds: %d calls completed (%d of them after the close began)\n", rounds, total.calls,
                total.in_flight);
    datasets.clear();
    files.clear();
    EXPECT_EQ(rastio::test::vsimem_entries(), std::vector<std::string>{});
}

} // namespace
