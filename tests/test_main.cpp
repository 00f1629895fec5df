// The main of every rastio test program: runs the tests, then fails the run if any test left a
// /vsimem/ entry or a file descriptor behind (checked after each test, as libosmium does).

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

class LeakChecker : public ::testing::EmptyTestEventListener {
public:
    void OnTestStart(const ::testing::TestInfo&) override { m_fds = rastio::test::open_fd_count(); }
    void OnTestEnd(const ::testing::TestInfo& info) override {
        const auto entries = rastio::test::vsimem_entries();
        const int fds = rastio::test::open_fd_count();
        if (!entries.empty() || fds > m_fds) {
            ++m_leaks;
            std::fprintf(stderr, "LEAK after %s.%s: %zu /vsimem/ entries%s, %d file descriptors more than before\n",
                         info.test_suite_name(), info.name(), entries.size(),
                         entries.empty() ? "" : (" (first: " + entries.front() + ")").c_str(), fds - m_fds);
        }
    }
    int leaks() const noexcept { return m_leaks; }

private:
    int m_fds = 0;
    int m_leaks = 0;
};

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Warm up what GDAL and PROJ open once per process and keep (drivers, proj.db), so that
    // the leak check counts only what a test itself leaves behind.
    (void)rastio::CRS::from_epsg(4326).to_epsg();
    (void)rastio::CRS::from_epsg(32618).is_projected();
    auto* checker = new LeakChecker; // NOLINT(cppcoreguidelines-owning-memory): GoogleTest owns listeners
    ::testing::UnitTest::GetInstance()->listeners().Append(checker);
    const int rc = RUN_ALL_TESTS();
    if (checker->leaks() > 0) {
        std::fprintf(stderr, "%d test(s) leaked /vsimem/ entries or file descriptors\n", checker->leaks());
        return 1;
    }
    return rc;
}
