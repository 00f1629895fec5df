// Warning handlers are per thread: a warning raised during a call on thread T goes to the handler
// in force for that call on T, never to another thread's; the process-wide handler may be
// replaced while other threads deliver. Run under ThreadSanitizer in CI.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace rastio;

namespace {

Profile with_option(const std::string& name) {
    Profile p;
    p.driver = "GTiff";
    p.width = 8;
    p.height = 8;
    p.count = 1;
    p.dtype = DType::uint8;
    p.options[name] = "1";
    return p;
}

/// Creates and closes a small GTiff with one option GTiff does not know, `rounds` times.
void warn_rounds(const std::string& option, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        MemoryFile mf;
        auto ds = mf.open(with_option(option));
        ds.close();
    }
}

struct Collected {
    std::mutex mutex;
    std::vector<std::string> messages;
    WarningHandler handler() {
        return [this](const Warning& w) {
            std::lock_guard lock(mutex);
            messages.push_back(w.message);
        };
    }
    std::size_t containing(const std::string& text) {
        std::lock_guard lock(mutex);
        std::size_t n = 0;
        for (const auto& m : messages) n += m.find(text) != std::string::npos ? 1 : 0;
        return n;
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return messages.size();
    }
};

} // namespace

TEST(WarningsThreadsTest, EachThreadGetsOnlyItsOwnWarnings) {
    constexpr int rounds = 40;
    Collected global;
    WarningHandler previous = set_warning_handler(global.handler());
    Collected a, b;
    std::atomic<bool> stop{false};
    {
        std::thread ta([&] {
            WarningScope scope(a.handler());
            warn_rounds("THREAD_A_OPTION", rounds);
        });
        std::thread tb([&] {
            WarningScope scope(b.handler());
            warn_rounds("THREAD_B_OPTION", rounds);
        });
        // A thread without a scope uses the process-wide handler.
        std::thread tc([&] { warn_rounds("THREAD_C_OPTION", rounds); });
        // And that handler is replaced (by an equal one) while the others deliver.
        std::thread swapper([&] {
            while (!stop.load()) set_warning_handler(global.handler());
        });
        ta.join();
        tb.join();
        tc.join();
        stop = true;
        swapper.join();
    }
    set_warning_handler(previous);

    EXPECT_EQ(a.containing("THREAD_A_OPTION"), static_cast<std::size_t>(rounds));
    EXPECT_EQ(a.size(), static_cast<std::size_t>(rounds)) << "thread A's handler got others' warnings";
    EXPECT_EQ(b.containing("THREAD_B_OPTION"), static_cast<std::size_t>(rounds));
    EXPECT_EQ(b.size(), static_cast<std::size_t>(rounds)) << "thread B's handler got others' warnings";
    EXPECT_EQ(global.containing("THREAD_C_OPTION"), static_cast<std::size_t>(rounds));
    EXPECT_EQ(global.size(), static_cast<std::size_t>(rounds)) << "scoped threads' warnings leaked to the process-wide handler";
}
