// Reuse of large released buffers (src/memory_hints.cpp) and what it must never break: a
// MemoryFile growing while a dataset reads it, a raw GDAL handle left open on a closed
// MemoryFile, and arrays that must start zeroed.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <cpl_conv.h>
#include <cpl_vsi.h>

#include <rastio/rastio.hpp>

#include "memory_hints.hpp"
#include "test_support.hpp"

namespace {

constexpr std::size_t k_mib = std::size_t{1} << 20;

TEST(BufferReuse, AReleasedLargeBufferServesTheNextRequestOfASimilarSize) {
    void* a = std::malloc(24 * k_mib); // NOLINT(cppcoreguidelines-no-malloc): the pool takes malloc's buffers
    ASSERT_NE(a, nullptr);
    std::memset(a, 7, 24 * k_mib);
    rastio::detail::recycle(a);
    EXPECT_EQ(rastio::detail::take_recycled(200 * k_mib), nullptr); // far larger: not this one
    EXPECT_EQ(rastio::detail::take_recycled(9 * k_mib), nullptr);   // far smaller: not this one either
    void* b = rastio::detail::take_recycled(20 * k_mib);
    EXPECT_EQ(b, a);
    EXPECT_EQ(rastio::detail::take_recycled(20 * k_mib), nullptr); // taken once only
    rastio::detail::recycle(b);
    // Small buffers are not kept.
    void* small = std::malloc(64 * 1024); // NOLINT(cppcoreguidelines-no-malloc): as above
    rastio::detail::recycle(small);
    EXPECT_EQ(rastio::detail::take_recycled(64 * 1024), nullptr);
}

TEST(BufferReuse, TheConfigurationOptionTurnsItOff) {
    CPLSetThreadLocalConfigOption("RASTIO_RECYCLE_BUFFERS", "NO");
    void* a = std::malloc(24 * k_mib); // NOLINT(cppcoreguidelines-no-malloc): as above
    rastio::detail::recycle(a);        // freed, not kept
    EXPECT_EQ(rastio::detail::take_recycled(24 * k_mib), nullptr);
    CPLSetThreadLocalConfigOption("RASTIO_RECYCLE_BUFFERS", nullptr);
}

TEST(BufferReuse, ZeroFilledArraysAreZeroEvenFromAReusedBuffer) {
    {
        rastio::Array<std::uint8_t> dirty = rastio::Array<std::uint8_t>::uninitialized({3, 2048, 2048});
        std::memset(dirty.data(), 0xAB, dirty.size());
    } // released into the pool
    const rastio::Array<std::uint8_t> clean({3, 2048, 2048});
    for (std::size_t i = 0; i < clean.size(); i += 4093) ASSERT_EQ(clean.data()[i], 0) << i;
}

TEST(BufferReuse, GrowingWhileADatasetReadsKeepsItsBytes) {
    const auto tif = rastio::test::make_gtiff(2048, 2048, 3); // 12 MiB uncompressed
    rastio::MemoryFile mf;
    mf.write(std::span<const std::byte>(tif));
    auto ds = mf.open();
    const rastio::AnyArray before = ds.read();
    // More bytes than the capacity reserved so far: the file's buffer must move while the
    // dataset reads it. The dataset keeps reading the bytes it opened.
    std::vector<std::byte> tail(40 * k_mib, std::byte{1});
    mf.write(tail);
    EXPECT_TRUE(ds.read() == before);
    ds.close();
    EXPECT_EQ(mf.getbuffer().size(), tif.size() + tail.size());
    EXPECT_EQ(std::memcmp(mf.getbuffer().data(), tif.data(), tif.size()), 0);
}

TEST(BufferReuse, ARawGdalHandleOnAClosedMemoryFileSeesAnEmptyFile) {
    rastio::MemoryFile mf;
    std::vector<std::byte> bytes(16 * k_mib, std::byte{42});
    mf.write(bytes);
    VSILFILE* raw = VSIFOpenL(mf.name().c_str(), "rb");
    ASSERT_NE(raw, nullptr);
    mf.close(); // the bytes go back to the pool: GDAL empties the file for the open handle
    char c = 0;
    EXPECT_EQ(VSIFReadL(&c, 1, 1, raw), 0U);
    VSIFCloseL(raw);
}

} // namespace
