// Hostile bytes, resource limits and faults: rastio answers with a result or a rastio::Error,
// never a crash, a hang, a huge allocation or lost data.

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cpl_conv.h>

#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define RASTIO_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RASTIO_TEST_ASAN 1
#endif
#endif

namespace {

namespace fs = std::filesystem;

// ---- A minimal little-endian TIFF writer, for headers GDAL itself would never write. ----

struct Tag {
    std::uint16_t id;
    std::uint16_t type; // 3 SHORT, 4 LONG
    std::vector<std::uint32_t> values;
};

void put(std::vector<std::byte>& b, std::size_t at, std::uint32_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

/// A classic TIFF: header, then `data` at offset 8, then one IFD holding `tags` (sorted here).
std::vector<std::byte> tiff(std::vector<Tag> tags, const std::vector<std::byte>& data) {
    std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.id < b.id; });
    std::vector<std::byte> b(8 + data.size());
    b[0] = b[1] = std::byte{'I'};
    put(b, 2, 42, 2);
    std::copy(data.begin(), data.end(), b.begin() + 8);
    if (b.size() % 2) b.push_back(std::byte{0});
    const std::size_t ifd = b.size();
    put(b, 4, static_cast<std::uint32_t>(ifd), 4);
    b.resize(ifd + 2 + 12 * tags.size() + 4);
    put(b, ifd, static_cast<std::uint32_t>(tags.size()), 2);
    for (std::size_t i = 0; i < tags.size(); ++i) {
        const Tag& t = tags[i];
        const std::size_t entry = ifd + 2 + 12 * i;
        const std::size_t width = t.type == 3 ? 2 : 4;
        put(b, entry, t.id, 2);
        put(b, entry + 2, t.type, 2);
        put(b, entry + 4, static_cast<std::uint32_t>(t.values.size()), 4);
        if (t.values.size() * width <= 4) {
            for (std::size_t k = 0; k < t.values.size(); ++k) put(b, entry + 8 + k * width, t.values[k], width);
        } else {
            const std::size_t at = b.size();
            put(b, entry + 8, static_cast<std::uint32_t>(at), 4);
            b.resize(at + t.values.size() * width);
            for (std::size_t k = 0; k < t.values.size(); ++k) put(b, at + k * width, t.values[k], width);
        }
    }
    return b;
}

/// DEFLATE (zlib) bytes of `n` zero bytes.
std::vector<std::byte> deflate_zeros(std::size_t n) {
    std::vector<std::byte> zeros(n + 1);
    std::vector<std::byte> out(n / 100 + 4096);
    std::size_t len = 0;
    if (CPLZLibDeflate(zeros.data(), n, 9, out.data(), out.size(), &len) == nullptr) {
        throw std::runtime_error("CPLZLibDeflate failed");
    }
    out.resize(len);
    return out;
}

/// A one-band uint8 DEFLATE TIFF whose every strip of `rows_per_strip` rows holds the same
/// compressed zeros: `width` x `height` pixels declared from a few kilobytes of data. With
/// `strip_bytes`, the strips hold that many zeros only (a header that lies).
std::vector<std::byte> deflate_bomb(std::uint32_t width, std::uint32_t height, std::uint32_t rows_per_strip,
                                    std::size_t strip_bytes = 0) {
    const auto strip = deflate_zeros(strip_bytes ? strip_bytes : static_cast<std::size_t>(width) * rows_per_strip);
    const std::uint32_t strips = (height + rows_per_strip - 1) / rows_per_strip;
    return tiff({{256, 4, {width}},
                 {257, 4, {height}},
                 {258, 3, {8}},
                 {259, 3, {8}},
                 {262, 3, {1}},
                 {273, 4, std::vector<std::uint32_t>(strips, 8)},
                 {277, 3, {1}},
                 {278, 4, {rows_per_strip}},
                 {279, 4, std::vector<std::uint32_t>(strips, static_cast<std::uint32_t>(strip.size()))},
                 {284, 3, {1}}},
                strip);
}

std::uint64_t physical_memory() {
    return static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

/// The peak resident size of this process so far, in bytes.
std::uint64_t peak_rss() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
}

constexpr std::uint64_t k_allowed_growth = 512ull << 20;

/// Expects `f` to throw ArgumentError without the process growing by more than 512 MiB.
template <class F>
void expect_refused_before_allocating(F&& f, const char* what) {
    const std::uint64_t before = peak_rss();
    try {
        f();
        ADD_FAILURE() << what << ": no exception";
    } catch (const rastio::ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("RASTIO_MAX_READ_BYTES"), std::string::npos) << e.what();
    }
    EXPECT_LT(peak_rss() - before, k_allowed_growth) << what << " allocated before refusing";
}

/// GDAL options setting RASTIO_MAX_READ_BYTES.
std::map<std::string, std::string> limit(const std::string& bytes) { return {{"RASTIO_MAX_READ_BYTES", bytes}}; }

std::vector<std::byte> prefix(const std::vector<std::byte>& b, std::size_t n) {
    return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)};
}

} // namespace

// ---- Resource limits ----

TEST(RobustnessTest, MillionByMillionHeaderIsRefusedBeforeAllocating) {
    auto bytes = deflate_bomb(1000000, 1000000, 1000000, 4096);
    rastio::MemoryFile mf(std::move(bytes));
    auto ds = mf.open();
    ASSERT_EQ(ds.width(), 1000000);
    ASSERT_EQ(ds.height(), 1000000);
    expect_refused_before_allocating([&] { (void)ds.read(); }, "read()");
    expect_refused_before_allocating([&] { (void)ds.read_as<double>(); }, "read_as<double>()");
    // One window larger than the limit is refused too.
    rastio::Env env(limit("1000000"));
    expect_refused_before_allocating([&] { (void)ds.read(rastio::Window(0, 0, 1001, 1000)); }, "read(window)");
}

TEST(RobustnessTest, SixtyFiveThousandBandsAreRefusedBeforeAllocating) {
    const std::uint32_t side = 1024; // 1024 x 1024 x 65535 bytes = 68 GB
    ASSERT_LT(physical_memory(), std::uint64_t{side} * side * 65535) << "this machine could hold the read";
    auto bytes = tiff({{256, 4, {side}},
                       {257, 4, {side}},
                       {258, 3, {8}},
                       {259, 3, {1}},
                       {262, 3, {1}},
                       {273, 4, {8}},
                       {277, 3, {65535}},
                       {278, 4, {side}},
                       {279, 4, {1}},
                       {284, 3, {1}}},
                      std::vector<std::byte>(8));
    rastio::MemoryFile mf(std::move(bytes));
    try {
        auto ds = mf.open();
        ASSERT_EQ(ds.count(), 65535);
        expect_refused_before_allocating([&] { (void)ds.read(); }, "read()");
        expect_refused_before_allocating([&] { (void)ds.read_as<float>(); }, "read_as<float>()");
    } catch (const rastio::IOError& e) {
        // GDAL may refuse such a header itself; that is as good, as long as it is an IOError.
        std::printf("GDAL refused the 65535-band header: %s\n", e.what());
    }
}

TEST(RobustnessTest, DeflateBombIsRefusedByDefaultAndWithEnvLimit) {
    // Declares twice the machine's memory in one-band uint8 pixels; the file is a few hundred KB.
    const auto side = static_cast<std::uint32_t>(
        std::min<double>(std::ceil(std::sqrt(2.0 * static_cast<double>(physical_memory()))), 2000000000.0));
    const std::uint32_t rows = std::max<std::uint32_t>(1, side / 8192);
    auto bytes = deflate_bomb(side, side, rows);
    ASSERT_LT(bytes.size(), 2u << 20) << "the bomb should be small";
    rastio::MemoryFile mf(std::move(bytes));
    auto ds = mf.open();
    ASSERT_EQ(ds.width(), static_cast<int>(side));
    // The default limit (the machine's memory) refuses the whole raster.
    expect_refused_before_allocating([&] { (void)ds.read(); }, "read() under the default limit");
    {
        rastio::Env env(limit(std::to_string(64u << 20)));
        expect_refused_before_allocating([&] { (void)ds.read(rastio::Window(0, 0, 10000, 10000)); },
                                         "a 100 MB window under a 64 MiB limit");
    }
    // The file is valid: a small window inflates to zeros.
    auto small = ds.read(rastio::Window(side / 2, side / 2, 64, 64)).as<std::uint8_t>();
    EXPECT_TRUE(std::all_of(small.values().begin(), small.values().end(), [](std::uint8_t v) { return v == 0; }));
}

TEST(RobustnessTest, HugeBlockBehindASmallWindowIsRefusedBeforeDecoding) {
    // One DEFLATE tile of 20000 x 20000: any window, however small, decodes 400 MB. (GDAL
    // streams a single compressed strip row by row, but a tile is decoded whole.)
    const std::uint32_t side = 20000;
    const auto tile = deflate_zeros(4096);
    rastio::MemoryFile mf(tiff({{256, 4, {side}},
                                {257, 4, {side}},
                                {258, 3, {8}},
                                {259, 3, {8}},
                                {262, 3, {1}},
                                {277, 3, {1}},
                                {284, 3, {1}},
                                {322, 4, {side}},
                                {323, 4, {side}},
                                {324, 4, {8}},
                                {325, 4, {static_cast<std::uint32_t>(tile.size())}}},
                               tile));
    auto ds = mf.open();
    ASSERT_EQ(ds.block_shapes().front(), (std::pair<int, int>{20000, 20000}));
    rastio::Env env(limit(std::to_string(64u << 20)));
    expect_refused_before_allocating([&] { (void)ds.read(rastio::Window(0, 0, 16, 16)); }, "a 16x16 window");
}

TEST(RobustnessTest, MillionByMillionSingleStripWindowReadThrowsCleanly) {
    rastio::MemoryFile mf(deflate_bomb(1000000, 1000000, 1000000, 4096));
    auto ds = mf.open();
    const std::uint64_t before = peak_rss();
    EXPECT_THROW((void)ds.read(rastio::Window(0, 0, 64, 64)), rastio::Error);
    EXPECT_LT(peak_rss() - before, k_allowed_growth);
}

namespace {

/// A single-strip TIFF of side x side pixels of 16 uint8 samples, pixel-interleaved.
std::vector<std::byte> sixteen_sample_strip(std::uint32_t side, std::uint32_t compression,
                                            const std::vector<std::byte>& strip) {
    return tiff({{256, 4, {side}},
                 {257, 4, {side}},
                 {258, 3, std::vector<std::uint32_t>(16, 8)},
                 {259, 3, {compression}},
                 {262, 3, {1}},
                 {273, 4, {8}},
                 {277, 3, {16}},
                 {278, 4, {side}},
                 {279, 4, {static_cast<std::uint32_t>(strip.size())}},
                 {284, 3, {1}}},
                strip);
}

/// Reads `w` and accepts a result or a rastio::Error.
void read_or_error(rastio::Dataset& ds, const rastio::Window& w) {
    try {
        (void)ds.read(w);
    } catch (const rastio::Error& e) {
        std::printf("%s: %s\n", w.to_string().c_str(), e.what());
    }
}

} // namespace

// Block sizes whose byte counts overflow 64 bits (2^30 x 2^30 pixels x 16 samples = 2^64).
TEST(RobustnessTest, StripSizesOverflowingSixtyFourBitsAreHandled) {
    const std::uint32_t side = 1u << 30;
    const std::string no_limit = std::to_string(std::numeric_limits<std::uint64_t>::max());
    for (std::uint32_t compression : {8u, 1u}) {
        rastio::MemoryFile mf(sixteen_sample_strip(side, compression, compression == 8 ? deflate_zeros(0)
                                                                                       : std::vector<std::byte>(64)));
        rastio::Dataset ds;
        try {
            ds = mf.open();
        } catch (const rastio::IOError& e) {
            std::printf("GDAL refused the header (compression %u): %s\n", compression, e.what());
            continue;
        }
        ASSERT_EQ(ds.count(), 16);
        read_or_error(ds, rastio::Window(0, 0, 2, 2));
        read_or_error(ds, rastio::Window(0, static_cast<int>(side) - 1, 1, 1));
        rastio::Env env(limit(no_limit));
        read_or_error(ds, rastio::Window(0, 0, 2, 2));
        read_or_error(ds, rastio::Window(0, static_cast<int>(side) - 1, 1, 1));
    }
}

TEST(RobustnessTest, BadLimitValueIsAnArgumentError) {
    rastio::MemoryFile mf(rastio::test::make_gtiff(8, 8, 1));
    auto ds = mf.open();
    rastio::Env env(limit("lots"));
    EXPECT_THROW((void)ds.read(), rastio::ArgumentError);
}

// ---- Truncated and corrupt input ----

namespace {

/// Reads every prefix of `bytes` (stepping `step`): the full read or a rastio::Error, nothing else.
void check_prefixes(const std::vector<std::byte>& bytes, std::size_t step) {
    rastio::MemoryFile whole_mf(bytes);
    const auto whole = whole_mf.open().read();
    int errors = 0, reads = 0;
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n < bytes.size(); n += (n < 256 ? 1 : step)) lengths.push_back(n);
    for (std::size_t n = bytes.size() - std::min<std::size_t>(bytes.size(), 16); n <= bytes.size(); ++n) lengths.push_back(n);
    for (std::size_t n : lengths) {
        try {
            rastio::MemoryFile mf(prefix(bytes, n));
            auto ds = mf.open();
            (void)ds.profile();
            const auto a = ds.read();
            ++reads;
            EXPECT_EQ(a, whole) << "a prefix of " << n << " of " << bytes.size() << " bytes read wrong pixels";
        } catch (const rastio::Error&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0);
    EXPECT_GT(reads, 0) << "not even the whole file read";
    std::printf("%zu bytes: %d prefixes refused, %d read whole\n", bytes.size(), errors, reads);
}

} // namespace

TEST(RobustnessTest, EveryPrefixOfATiledDeflateGeoTiffReadsWholeOrThrows) {
    check_prefixes(rastio::test::make_gtiff(64, 48, 3, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"}), 5);
}

TEST(RobustnessTest, EveryPrefixOfAStripedGeoTiffReadsWholeOrThrows) {
    check_prefixes(rastio::test::make_gtiff(40, 30, 2, {"BLOCKYSIZE=4"}), 7);
}

TEST(RobustnessTest, RandomByteFlipsReadOrThrow) {
    const auto good = rastio::test::make_gtiff(48, 40, 3, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=LZW"});
    std::mt19937 rng(20240607);
    int errors = 0, reads = 0;
    for (int i = 0; i < 400; ++i) {
        auto b = good;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= static_cast<std::byte>(1u << (rng() % 8));
        try {
            rastio::MemoryFile mf(std::move(b));
            auto ds = mf.open();
            const auto p = ds.profile();
            const auto a = ds.read();
            ++reads;
            EXPECT_EQ(a.shape(), (rastio::Shape{static_cast<std::size_t>(*p.count), static_cast<std::size_t>(*p.height),
                                                static_cast<std::size_t>(*p.width)}));
        } catch (const rastio::Error&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0);
    EXPECT_GT(reads, 0);
}

TEST(RobustnessTest, CorruptTileRaisesIOErrorNamingTheBlock) {
    RASTIO_REQUIRE_CORPUS();
    rastio::MemoryFile mf(rastio::test::read_file(rastio::test::corpus("corrupt.tif")));
    auto ds = mf.open();
    (void)ds.read(rastio::Window(0, 0, 512, 512)); // the first tile is fine
    try {
        (void)ds.read();
        FAIL() << "corrupt.tif read without error";
    } catch (const rastio::IOError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("tile 3"), std::string::npos) << what;
        EXPECT_EQ(e.path(), mf.name());
    }
}

// ---- Faults ----

namespace {

rastio::Profile small_profile(const std::string& driver, int count) {
    return rastio::Profile{.driver = driver, .width = 16, .height = 16, .count = count, .dtype = rastio::DType::uint8};
}

std::vector<std::byte> as_vector(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

} // namespace

TEST(RobustnessTest, FailedCopyOnCloseLeavesMemoryFilePreviousContentsIntact) {
    rastio::MemoryFile mf(rastio::MemoryFileOptions{.ext = ".png"});
    {
        auto w = mf.open(small_profile("PNG", 3));
        w.write(rastio::Array<std::uint8_t>({3, 16, 16}));
        w.close();
    }
    const auto before = as_vector(mf.getbuffer());
    ASSERT_FALSE(before.empty());
    {
        // PNG cannot hold 5 bands: the copy made on close fails.
        auto w = rastio::open(mf.name(), "w", small_profile("PNG", 5));
        w.write(rastio::Array<std::uint8_t>({5, 16, 16}));
        EXPECT_THROW(w.close(), rastio::IOError);
    }
    EXPECT_EQ(as_vector(mf.getbuffer()), before) << "a failed write destroyed the previous contents";
    EXPECT_EQ(mf.open().count(), 3);
}

TEST(RobustnessTest, FailedCopyIntoEmptyMemoryFileLeavesItEmptyAndUsable) {
    rastio::MemoryFile mf(rastio::MemoryFileOptions{.ext = ".png"});
    {
        auto w = mf.open(small_profile("PNG", 5));
        EXPECT_THROW(w.close(), rastio::IOError);
    }
    EXPECT_FALSE(mf.exists());
    auto w = mf.open(small_profile("PNG", 1));
    w.close();
    EXPECT_EQ(mf.open().count(), 1);
}

TEST(RobustnessTest, ExtendingAMemoryFileBeyondMemoryFailsAndKeepsItsBytes) {
#ifdef RASTIO_TEST_ASAN
    // ASAN aborts on a 4 TiB malloc unless told to return NULL, as malloc does (.ci/run sets it).
    const char* asan = std::getenv("ASAN_OPTIONS");
    if (asan == nullptr || std::string(asan).find("allocator_may_return_null=1") == std::string::npos) {
        GTEST_SKIP() << "skipped: AddressSanitizer without ASAN_OPTIONS=allocator_may_return_null=1";
    }
#endif
    rastio::MemoryFile mf;
    const std::string text = "previous contents";
    mf.write(text);
    // A write 2^42 bytes out needs a 4 TiB buffer: GDAL's realloc fails.
    mf.seek(std::int64_t{1} << 42);
    EXPECT_THROW(mf.write(std::string_view("x")), rastio::Error);
    const auto buf = mf.getbuffer();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), buf.size()), text); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
}

TEST(RobustnessTest, WritingToDevFullReportsTheFailure) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "skipped: /dev/full does not exist here";
    auto p = small_profile("GTiff", 1);
    p.width = p.height = 512;
    try {
        auto w = rastio::open("/dev/full", "w", p);
        w.write(rastio::Array<std::uint8_t>({1, 512, 512}));
        w.close();
        FAIL() << "writing a GeoTIFF to /dev/full reported no failure";
    } catch (const rastio::IOError& e) {
        std::printf("/dev/full: %s\n", e.what());
    }
}

namespace {

/// A folder on a full file system: a 64 KiB tmpfs in a private mount namespace when this
/// process may mount, else an ordinary temp folder with RLIMIT_FSIZE at 64 KiB (files stop
/// growing there with EFBIG, as on a full disk).
class FullDisk {
public:
    FullDisk() {
        char tmpl[] = "/tmp/rastio-full-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        m_dir = tmpl;
        if (unshare(CLONE_NEWNS) == 0 && mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
            mount("tmpfs", m_dir.c_str(), "tmpfs", 0, "size=64k") == 0) {
            m_mounted = true;
            m_how = "a 64 KiB tmpfs";
            return;
        }
        m_how = std::string("RLIMIT_FSIZE of 64 KiB (cannot mount a tmpfs here: ") + std::strerror(errno) + ")";
        getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit lim = m_old;
        lim.rlim_cur = 64 * 1024;
        setrlimit(RLIMIT_FSIZE, &lim);
        m_old_handler = std::signal(SIGXFSZ, SIG_IGN);
    }
    FullDisk(const FullDisk&) = delete;
    FullDisk& operator=(const FullDisk&) = delete;
    FullDisk(FullDisk&&) = delete;
    FullDisk& operator=(FullDisk&&) = delete;
    ~FullDisk() {
        if (m_mounted) {
            umount(m_dir.c_str());
        } else {
            setrlimit(RLIMIT_FSIZE, &m_old);
            std::signal(SIGXFSZ, m_old_handler);
        }
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    const fs::path& dir() const { return m_dir; }
    const std::string& how() const { return m_how; }

private:
    fs::path m_dir;
    bool m_mounted = false;
    std::string m_how;
    rlimit m_old{};
    void (*m_old_handler)(int) = SIG_DFL;
};

} // namespace

TEST(RobustnessTest, FullDiskFailsTheWriteAndLeavesNoPartialFile) {
    FullDisk disk;
    std::printf("full disk simulated with %s\n", disk.how().c_str());
    rastio::Array<std::uint8_t> pixels({3, 256, 256});
    std::mt19937 rng(7);
    for (auto& v : pixels.values()) v = static_cast<std::uint8_t>(rng()); // incompressible
    auto p = small_profile("GTiff", 3);
    p.width = p.height = 256;
    const auto tif = (disk.dir() / "out.tif").string();
    try {
        auto w = rastio::open(tif, "w", p);
        w.write(pixels);
        w.close();
        FAIL() << "a 192 KiB GeoTIFF fitted on a 64 KiB disk";
    } catch (const rastio::IOError& e) {
        std::printf("GTiff: %s\n", e.what());
    }
    // A CreateCopy driver writes on close; a failure there leaves no file at all.
    p.driver = "PNG";
    const auto png = (disk.dir() / "out.png").string();
    try {
        auto w = rastio::open(png, "w", p);
        w.write(pixels);
        w.close();
        FAIL() << "a 192 KiB PNG fitted on a 64 KiB disk";
    } catch (const rastio::IOError& e) {
        std::printf("PNG: %s\n", e.what());
    }
    EXPECT_FALSE(fs::exists(png)) << "a failed PNG write left a partial file";
}
