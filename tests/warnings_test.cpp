// GDAL's warnings reach the handler in force for the call (a WarningScope on this thread, else
// the process-wide handler), carrying GDAL's message, error number and the path; by default
// nothing is printed.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cpl_error.h>
#include <gdal.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using namespace rastio;
using rastio::test::TempDir;

namespace {

/// Everything written to file descriptor 2 while f runs.
template <class F>
std::string capture_stderr(F&& f) {
    TempDir dir;
    const std::string path = dir.file("stderr.txt");
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
    f();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Collects what a handler receives.
struct Seen {
    std::vector<Warning> warnings;
    WarningHandler handler() {
        return [this](const Warning& w) { warnings.push_back(w); };
    }
    std::size_t count_containing(const std::string& text) const {
        std::size_t n = 0;
        for (const auto& w : warnings) n += w.message.find(text) != std::string::npos ? 1 : 0;
        return n;
    }
};

/// Restores the process-wide handler a test replaced.
struct RestoreHandler {
    WarningHandler previous;
    RestoreHandler(const RestoreHandler&) = delete;
    RestoreHandler& operator=(const RestoreHandler&) = delete;
    RestoreHandler(RestoreHandler&&) = delete;
    RestoreHandler& operator=(RestoreHandler&&) = delete;
    explicit RestoreHandler(WarningHandler next) : previous(set_warning_handler(std::move(next))) {}
    ~RestoreHandler() { set_warning_handler(previous); }
};

} // namespace

TEST(WarningsTest, UnknownCreationOptionReachesTheScopeWithMessageNumberAndPath) {
    Seen seen;
    WarningScope scope(seen.handler());
    MemoryFile mf;
    {
        auto ds = mf.open(test::small_profile("GTiff", {{"NOT_A_GTIFF_OPTION", "1"}}));
        ds.write(test::ramp16());
        ds.close();
    }
    ASSERT_EQ(seen.count_containing("NOT_A_GTIFF_OPTION"), 1u);
    for (const auto& w : seen.warnings) {
        if (w.message.find("NOT_A_GTIFF_OPTION") == std::string::npos) continue;
        EXPECT_NE(w.message.find("does not support creation option"), std::string::npos) << w.message;
        EXPECT_EQ(w.gdal_errno, CPLE_NotSupported);
        EXPECT_EQ(w.path, mf.name());
    }
    // The option was ignored, as GDAL does: the file is there and holds the pixels.
    auto back = mf.open();
    EXPECT_EQ(back.read().bytes().size(), 256u);
    EXPECT_EQ(back.read().as<std::uint8_t>().at(0, 1, 0), 16);
}

TEST(WarningsTest, CreateCopyDriverWarnsWhenCreatedAndNotAgainOnClose) {
    // PNG is written by CreateCopy on close(); its unknown option is reported by open(), once.
    TempDir dir;
    const std::string path = dir.file("x.png");
    Seen seen;
    WarningScope scope(seen.handler());
    auto ds = rastio::open(path, "w", test::small_profile("PNG", {{"NOT_A_PNG_OPTION", "YES"}}));
    EXPECT_EQ(seen.count_containing("NOT_A_PNG_OPTION"), 1u);
    ASSERT_FALSE(seen.warnings.empty());
    EXPECT_EQ(seen.warnings.front().path, path);
    ds.write(test::ramp16());
    ds.close();
    EXPECT_EQ(seen.count_containing("NOT_A_PNG_OPTION"), 1u);
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(WarningsTest, NothingIsPrintedByDefault) {
    // Control: GDAL's own default handler prints this warning when nothing captures it.
    const std::string raw = capture_stderr([] {
        CPLError(CE_Warning, CPLE_NotSupported, "driver GTiff does not support creation option RAW_CONTROL");
    });
    ASSERT_NE(raw.find("RAW_CONTROL"), std::string::npos) << "GDAL's default handler printed nothing: " << raw;
    // rastio with no handler installed: the same kind of warning, and nothing on stderr.
    const std::string out = capture_stderr([] {
        MemoryFile mf;
        auto ds = mf.open(test::small_profile("GTiff", {{"NOT_A_GTIFF_OPTION", "1"}}));
        ds.write(test::ramp16());
        ds.close();
        TempDir dir;
        auto png = rastio::open(dir.file("x.png"), "w", test::small_profile("PNG", {{"NOT_A_PNG_OPTION", "1"}}));
        png.write(test::ramp16());
        png.close();
    });
    EXPECT_EQ(out, "");
}

TEST(WarningsTest, ProcessWideHandlerAndScopes) {
    Seen global;
    RestoreHandler restore(global.handler());
    const auto warn_once = [](const std::string& name) {
        MemoryFile mf;
        mf.open(test::small_profile("GTiff", {{name, "1"}})).close();
    };
    warn_once("OPT_GLOBAL");
    EXPECT_EQ(global.count_containing("OPT_GLOBAL"), 1u);
    {
        Seen outer;
        WarningScope a(outer.handler());
        warn_once("OPT_OUTER");
        {
            Seen inner;
            WarningScope b(inner.handler());
            warn_once("OPT_INNER");
            EXPECT_EQ(inner.count_containing("OPT_INNER"), 1u);
        }
        warn_once("OPT_OUTER_AGAIN");
        EXPECT_EQ(outer.count_containing("OPT_OUTER"), 2u);
        EXPECT_EQ(outer.count_containing("OPT_INNER"), 0u);
        {
            WarningScope silence(WarningHandler{}); // an empty handler drops them
            warn_once("OPT_SILENCED");
        }
        EXPECT_EQ(outer.count_containing("OPT_SILENCED"), 0u);
    }
    EXPECT_EQ(global.warnings.size(), 1u) << "scopes must take warnings from the process-wide handler";
    // set_warning_handler returns the previous handler; an empty one drops warnings.
    WarningHandler mine = set_warning_handler(WarningHandler{});
    ASSERT_TRUE(mine);
    warn_once("OPT_DROPPED");
    mine(Warning{"direct", 0, ""});
    EXPECT_EQ(global.count_containing("OPT_DROPPED"), 0u);
    EXPECT_EQ(global.count_containing("direct"), 1u);
    set_warning_handler(mine);
}

TEST(WarningsTest, AThrowingHandlerDoesNotBreakTheCall) {
    WarningScope scope([](const Warning&) { throw std::runtime_error("handler failure"); });
    MemoryFile mf;
    auto ds = mf.open(test::small_profile("GTiff", {{"NOT_A_GTIFF_OPTION", "1"}}));
    ds.write(test::ramp16());
    EXPECT_NO_THROW(ds.close());
    EXPECT_GT(mf.size(), 0u);
}

TEST(WarningsTest, AHandlerMayCallRastio) {
    // The handler runs after GDAL's work for the call is done: it may use rastio itself.
    std::vector<std::string> drivers;
    MemoryFile other;
    {
        auto ds = other.open(test::small_profile("GTiff"));
        ds.write(test::ramp16());
    }
    WarningScope scope([&](const Warning&) { drivers.push_back(other.open().driver()); });
    MemoryFile mf;
    mf.open(test::small_profile("GTiff", {{"NOT_A_GTIFF_OPTION", "1"}})).close();
    ASSERT_EQ(drivers.size(), 1u);
    EXPECT_EQ(drivers.front(), "GTiff");
}

TEST(WarningsTest, WarningsOfOneCallAreDistinctAndBounded) {
    // 150 options GTiff does not know: one warning each, kept up to a bound, then one summary.
    std::map<std::string, std::string> options;
    for (int i = 0; i < 150; ++i) options["UNKNOWN_" + std::to_string(1000 + i)] = "1";
    Seen seen;
    WarningScope scope(seen.handler());
    MemoryFile mf;
    mf.open(test::small_profile("GTiff", options)).close();
    EXPECT_EQ(seen.count_containing("UNKNOWN_"), 100u);
    EXPECT_EQ(seen.count_containing("50 more GDAL warnings"), 1u);
    EXPECT_EQ(seen.warnings.size(), 101u);
}

TEST(WarningsTest, DeliverWarningGoesToTheHandlerInForce) {
    Seen seen;
    WarningScope scope(seen.handler());
    deliver_warning(Warning{"from the application", 6, "x.tif"});
    ASSERT_EQ(seen.warnings.size(), 1u);
    EXPECT_EQ(seen.warnings[0].message, "from the application");
    EXPECT_EQ(seen.warnings[0].gdal_errno, 6);
    EXPECT_EQ(seen.warnings[0].path, "x.tif");
}
