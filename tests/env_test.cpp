// rastio::Env: scoped, nestable, thread-local GDAL configuration options, restored after.

#include <thread>

#include <cpl_conv.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

using rastio::Env;

namespace {
const std::string k_key = "RASTIO_ENV_TEST_OPTION";
}

TEST(EnvTest, SetsOptionsForItsLifetimeOnly) {
    EXPECT_FALSE(Env::get(k_key));
    {
        Env env({{k_key, "one"}, {"GDAL_CACHEMAX", "512"}});
        EXPECT_EQ(Env::get(k_key), "one");
        EXPECT_EQ(Env::get("GDAL_CACHEMAX"), "512");
        // GDAL itself sees it.
        EXPECT_STREQ(CPLGetConfigOption(k_key.c_str(), nullptr), "one");
    }
    EXPECT_FALSE(Env::get(k_key));
    EXPECT_EQ(CPLGetConfigOption(k_key.c_str(), nullptr), nullptr);
}

TEST(EnvTest, NestsAndRestoresTheOuterValue) {
    Env outer({{k_key, "outer"}});
    {
        Env inner({{k_key, "inner"}, {"GDAL_NUM_THREADS", "ALL_CPUS"}});
        EXPECT_EQ(Env::get(k_key), "inner");
        EXPECT_EQ(Env::get("GDAL_NUM_THREADS"), "ALL_CPUS");
        {
            Env innermost({{k_key, "innermost"}});
            EXPECT_EQ(Env::get(k_key), "innermost");
        }
        EXPECT_EQ(Env::get(k_key), "inner");
    }
    EXPECT_EQ(Env::get(k_key), "outer");
    EXPECT_EQ(CPLGetThreadLocalConfigOption("GDAL_NUM_THREADS", nullptr), nullptr);
}

TEST(EnvTest, ShadowsAndKeepsGlobalOptions) {
    CPLSetConfigOption(k_key.c_str(), "global");
    {
        Env env({{k_key, "local"}});
        EXPECT_EQ(Env::get(k_key), "local");
    }
    EXPECT_EQ(Env::get(k_key), "global");
    CPLSetConfigOption(k_key.c_str(), nullptr);
    EXPECT_FALSE(Env::get(k_key));
}

TEST(EnvTest, IsThreadLocal) {
    Env env({{k_key, "main"}});
    std::optional<std::string> seen_by_other = "unset";
    std::optional<std::string> own_in_other;
    std::thread t([&] {
        seen_by_other = Env::get(k_key);
        Env mine({{k_key, "other"}});
        own_in_other = Env::get(k_key);
    });
    t.join();
    EXPECT_FALSE(seen_by_other);
    EXPECT_EQ(own_in_other, "other");
    EXPECT_EQ(Env::get(k_key), "main");
}

TEST(EnvTest, RestoresWhenAnExceptionUnwinds) {
    try {
        Env env({{k_key, "during"}});
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(Env::get(k_key));
}

// Options change what rastio and GDAL do: RASTIO_MAX_READ_BYTES caps one read while set.
TEST(EnvTest, OptionsChangeBehaviour) {
    rastio::MemoryFile mf(rastio::test::make_gtiff(64, 64, 1));
    auto ds = mf.open();
    {
        Env env({{"RASTIO_MAX_READ_BYTES", "1000"}});
        EXPECT_THROW((void)ds.read(), rastio::ArgumentError);
        EXPECT_THROW((void)ds.read(rastio::ReadOptions{.out_shape = std::pair{40, 40}}), rastio::ArgumentError);
        EXPECT_NO_THROW((void)ds.read(rastio::ReadOptions{.out_shape = std::pair{16, 16}}));
    }
    EXPECT_EQ(ds.read().shape(), (rastio::Shape{1, 64, 64}));
}

TEST(EnvTest, RejectsBadNames) {
    EXPECT_THROW(Env({{"", "x"}}), rastio::ArgumentError);
    EXPECT_THROW(Env({{"A=B", "x"}}), rastio::ArgumentError);
    EXPECT_FALSE(Env::get("A"));
}
