// Reuse of large released buffers (src/memory_hints.cpp) and what it must never break: a
// MemoryFile growing while a dataset reads it, a raw GDAL handle left open on a closed
// MemoryFile, arrays that must start zeroed, and copies that must hold exactly the bytes given.

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
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

TEST(BufferReuse, CopyLargeCopiesEverySizeAndAlignmentExactly) {
    // Sizes around the parallel threshold (16 MiB) and the 2 MiB piece boundaries, at odd
    // offsets of source and destination; guard bytes on both sides must stay untouched.
    const std::size_t biggest = 33 * k_mib + 5;
    std::vector<unsigned char> src(biggest + 16);
    std::iota(src.begin(), src.end(), static_cast<unsigned char>(1));
    std::vector<unsigned char> dst(biggest + 32);
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, 16 * k_mib - 1, 16 * k_mib,
                                17 * k_mib + 3, biggest}) {
        for (const int threads : {0, 1}) {
            CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", threads == 1 ? "1" : nullptr);
            std::fill(dst.begin(), dst.end(), static_cast<unsigned char>(0xEE));
            rastio::detail::copy_large(dst.data() + 7, src.data() + 3, n);
            ASSERT_EQ(std::memcmp(dst.data() + 7, src.data() + 3, n), 0) << n;
            for (std::size_t i = 0; i < 7; ++i) ASSERT_EQ(dst[i], 0xEE) << n;
            for (std::size_t i = 7 + n; i < dst.size(); ++i) ASSERT_EQ(dst[i], 0xEE) << n;
        }
    }
    CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", nullptr);
}

TEST(BufferReuse, ACopyingMemoryFileHoldsExactlyTheBytesGivenInItsOwnMemory) {
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{70000}, 20 * k_mib + 13}) {
        std::vector<std::byte> bytes(size);
        for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>((i * 131) >> 3);
        rastio::MemoryFile mf(bytes);
        EXPECT_EQ(mf.mode(), "r");
        const auto view = mf.getbuffer();
        ASSERT_EQ(view.size(), size);
        if (size > 0) { // memcmp of an empty view would pass it a null pointer
            EXPECT_EQ(std::memcmp(view.data(), bytes.data(), size), 0);
            EXPECT_NE(view.data(), bytes.data());
            bytes[0] = ~bytes[0]; // the caller's bytes change; the copy does not
            EXPECT_NE(mf.getbuffer()[0], bytes[0]);
        }
    }
}

TEST(BufferReuse, ACopyTakesTheBufferAClosedCopyReleasedAndHoldsOnlyItsOwnBytes) {
    const auto tif = rastio::test::make_gtiff(2048, 2048, 3); // 12 MiB uncompressed
    std::vector<std::byte> other(tif.size(), std::byte{0x5A});
    const std::byte* first = nullptr;
    {
        rastio::MemoryFile mf(other);
        first = mf.getbuffer().data();
    } // its buffer goes back to the pool
    rastio::MemoryFile mf{std::span<const std::byte>(tif)};
    EXPECT_EQ(mf.getbuffer().data(), first); // reused, not fresh from the kernel
    ASSERT_EQ(mf.getbuffer().size(), tif.size());
    EXPECT_EQ(std::memcmp(mf.getbuffer().data(), tif.data(), tif.size()), 0);
    auto borrowed = rastio::MemoryFile::borrow(std::span<const std::byte>(tif));
    EXPECT_TRUE(mf.open().read() == borrowed.open().read());
}

TEST(BufferReuse, ARawGdalHandleOnAClosedCopySeesAnEmptyFile) {
    std::vector<std::byte> bytes(16 * k_mib, std::byte{42});
    rastio::MemoryFile mf(bytes);
    VSILFILE* raw = VSIFOpenL(mf.name().c_str(), "rb");
    ASSERT_NE(raw, nullptr);
    mf.close(); // the copy goes back to the pool only after GDAL let go of it
    void* reused = rastio::detail::take_recycled(16 * k_mib);
    EXPECT_NE(reused, nullptr);
    if (reused != nullptr) std::memset(reused, 7, 16 * k_mib);
    char c = 0;
    EXPECT_EQ(VSIFReadL(&c, 1, 1, raw), 0U);
    VSIFCloseL(raw);
    rastio::detail::recycle(reused);
}

} // namespace
