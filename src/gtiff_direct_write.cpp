#include "gtiff_direct_write.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

#include <libdeflate.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <rastio/error.hpp>

#include "memory_hints.hpp"

namespace rastio::detail {

namespace {

std::atomic<std::uint64_t> g_direct_writes{0};

constexpr std::uint16_t tag_bits = 258, tag_compression = 259, tag_strip_offsets = 273, tag_spp = 277,
                        tag_rows_per_strip = 278, tag_strip_bytes = 279, tag_planar = 284, tag_predictor = 317,
                        tag_tile_width = 322, tag_tile_height = 323, tag_tile_offsets = 324,
                        tag_tile_bytes = 325, tag_gdal_nodata = 42113;
constexpr std::uint16_t type_ascii = 2, type_short = 3, type_long = 4, type_long8 = 16;

/// Raw writes smaller than this stay with GDAL: its cost is small there, and the header room
/// the direct path leaves (a few KiB) would be a visible share of a small file.
constexpr std::size_t k_min_direct_bytes = std::size_t{4} << 20;

/// Creation options the direct path understands; any other option sends the dataset to GDAL.
bool option_allowed(const std::string& key, const std::string& value) {
    const char* k = key.c_str();
    const char* v = value.c_str();
    if (EQUAL(k, "COMPRESS")) return EQUAL(v, "NONE") || EQUAL(v, "DEFLATE");
    if (EQUAL(k, "PREDICTOR")) return EQUAL(v, "1") || EQUAL(v, "NO") || EQUAL(v, "NONE");
    if (EQUAL(k, "PHOTOMETRIC")) return !EQUAL(v, "YCBCR");
    return EQUAL(k, "ZLEVEL") || EQUAL(k, "INTERLEAVE") || EQUAL(k, "TILED") || EQUAL(k, "BLOCKXSIZE") ||
           EQUAL(k, "BLOCKYSIZE") || EQUAL(k, "NUM_THREADS") || EQUAL(k, "BIGTIFF") || EQUAL(k, "PROFILE") ||
           EQUAL(k, "PIXELTYPE") || EQUAL(k, "ALPHA") || EQUAL(k, "GEOTIFF_VERSION");
}

/// Little-endian loads and stores on file bytes.
std::uint64_t load(const std::byte* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::to_integer<std::uint64_t>(p[i]) << (8 * i);
    return v;
}
void store(std::byte* p, std::size_t n, std::uint64_t v) {
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

std::size_t type_size(std::uint16_t type) {
    switch (type) {
    case 1: case type_ascii: case 6: case 7: return 1;
    case type_short: case 8: return 2;
    case type_long: case 9: case 11: case 13: return 4;
    case 5: case 10: case 12: case type_long8: case 17: case 18: return 8;
    default: return 0;
    }
}

/// One IFD entry of a little-endian classic or BigTIFF file held in memory.
struct Entry {
    std::size_t at = 0; // file offset of the 12- or 20-byte entry
    std::uint16_t tag = 0, type = 0;
    std::uint64_t count = 0;
    std::size_t values = 0; // file offset of the values (inline or not)
};

/// The first IFD of a TIFF GDAL has just written, read with bounds checks throughout.
class Ifd {
public:
    explicit Ifd(std::span<const std::byte> file) : m_file(file) {
        if (file.size() < 16 || load(file.data(), 2) != 0x4949) throw std::runtime_error("not a little-endian TIFF");
        const auto magic = load(file.data() + 2, 2);
        if (magic != 42 && magic != 43) throw std::runtime_error("not a TIFF");
        m_big = magic == 43;
        const std::uint64_t ifd = m_big ? load(file.data() + 8, 8) : load(file.data() + 4, 4);
        const std::size_t count_size = m_big ? 8 : 2;
        if (ifd + count_size > file.size()) throw std::runtime_error("IFD outside the file");
        const std::uint64_t n = load(file.data() + ifd, count_size);
        const std::size_t esize = entry_size();
        if (n > (file.size() - ifd - count_size) / esize) throw std::runtime_error("IFD larger than the file");
        for (std::uint64_t i = 0; i < n; ++i) {
            Entry e;
            e.at = static_cast<std::size_t>(ifd + count_size + i * esize);
            const std::byte* p = file.data() + e.at;
            e.tag = static_cast<std::uint16_t>(load(p, 2));
            e.type = static_cast<std::uint16_t>(load(p + 2, 2));
            e.count = m_big ? load(p + 4, 8) : load(p + 4, 4);
            const std::size_t ts = type_size(e.type);
            const std::size_t inline_size = m_big ? 8 : 4;
            const std::size_t value_field = e.at + (m_big ? 12 : 8);
            if (ts != 0 && e.count <= inline_size / ts) {
                e.values = value_field;
            } else {
                e.values = static_cast<std::size_t>(m_big ? load(p + 12, 8) : load(p + 8, 4));
                if (ts == 0 || e.count > file.size() / ts || e.values > file.size() - e.count * ts) {
                    e.values = std::numeric_limits<std::size_t>::max(); // unusable: unknown or out of bounds
                }
            }
            m_entries.push_back(e);
        }
    }

    bool big() const noexcept { return m_big; }
    std::size_t entry_size() const noexcept { return m_big ? 20 : 12; }
    std::size_t inline_size() const noexcept { return m_big ? 8 : 4; }

    const Entry* find(std::uint16_t tag) const {
        for (const auto& e : m_entries) {
            if (e.tag == tag) return e.values == std::numeric_limits<std::size_t>::max() ? nullptr : &e;
        }
        return nullptr;
    }
    /// Value `i` of an integer entry.
    std::uint64_t value(const Entry& e, std::uint64_t i) const {
        return load(m_file.data() + e.values + i * type_size(e.type), type_size(e.type));
    }
    std::uint64_t scalar(std::uint16_t tag, std::uint64_t fallback) const {
        const Entry* e = find(tag);
        return e != nullptr && e->count >= 1 ? value(*e, 0) : fallback;
    }

private:
    std::span<const std::byte> m_file;
    bool m_big = false;
    std::vector<Entry> m_entries;
};

/// Writes `values` into an offsets or byte-counts entry of `file`: in place when the entry
/// has room and its type holds every value, else into `spill` (a free, 8-aligned area of the
/// file), repointing the entry there. Returns the bytes of `spill` used.
std::size_t put_array(std::byte* file, const Ifd& ifd, const Entry& e, const std::vector<std::uint64_t>& values,
                      std::size_t spill) {
    const std::uint64_t biggest = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
    const std::size_t ts = type_size(e.type);
    const bool fits = (e.type == type_short && biggest <= 0xFFFF) || (e.type == type_long && biggest <= 0xFFFFFFFFULL) ||
                      e.type == type_long8;
    if (fits && e.count == values.size()) {
        for (std::size_t i = 0; i < values.size(); ++i) store(file + e.values + i * ts, ts, values[i]);
        return 0;
    }
    const std::uint16_t type = ifd.big() ? type_long8 : type_long;
    if (!ifd.big() && biggest > 0xFFFFFFFFULL) throw std::runtime_error("block offsets beyond 4 GiB in a classic TIFF");
    const std::size_t nts = type_size(type);
    std::byte* entry = file + e.at;
    store(entry + 2, 2, type);
    const std::size_t count_size = ifd.big() ? 8 : 4;
    store(entry + 4, count_size, values.size());
    std::byte* field = entry + 4 + count_size;
    if (values.size() * nts <= ifd.inline_size()) {
        std::memset(field, 0, ifd.inline_size());
        for (std::size_t i = 0; i < values.size(); ++i) store(field + i * nts, nts, values[i]);
        return 0;
    }
    store(field, ifd.inline_size(), spill);
    for (std::size_t i = 0; i < values.size(); ++i) store(file + spill + i * nts, nts, values[i]);
    return values.size() * nts;
}

/// A buffer for a file's bytes that GDAL may own later: reused if one is at hand, else fresh
/// (2 MiB-aligned on huge pages when large, as arrays are).
std::byte* allocate(std::size_t bytes) {
    auto* p = static_cast<std::byte*>(allocate_large(bytes));
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

#if defined(__x86_64__)
/// pshufb masks: output vector v of 16 interleaved RGB bytes takes from channel ch's 16 pixels.
struct Rgb8Interleave {
    unsigned char m[3][3][16]; // [output vector][channel][byte]
};

constexpr Rgb8Interleave make_rgb8_interleave() {
    Rgb8Interleave r{};
    for (int v = 0; v < 3; ++v) {
        for (int ch = 0; ch < 3; ++ch) {
            for (int k = 0; k < 16; ++k) {
                const int idx = 16 * v + k; // byte of the 48-byte output: pixel idx / 3, channel idx % 3
                r.m[v][ch][k] = static_cast<unsigned char>(idx % 3 == ch ? idx / 3 : 0x80);
            }
        }
    }
    return r;
}

constexpr Rgb8Interleave k_rgb8_interleave = make_rgb8_interleave();

/// Three 8-bit planes to one RGB row, 16 pixels a step with SSSE3 byte shuffles; returns the
/// pixels done (the caller finishes the tail). The scalar loop moves one byte at a time.
/// (Streaming stores were tried here: they cost more CPU than they saved, tiles' rows being
/// short runs spread over many blocks.)
__attribute__((target("ssse3"))) std::size_t interleave_rgb8_ssse3(std::byte* dst, const std::byte* const* src,
                                                                    std::size_t n) {
    __m128i mask[3][3];
    for (int v = 0; v < 3; ++v) {
        for (int ch = 0; ch < 3; ++ch) {
            mask[v][ch] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_rgb8_interleave.m[v][ch])); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD load
        }
    }
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i in[3];
        for (int ch = 0; ch < 3; ++ch) in[ch] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[ch] + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): as above
        for (int v = 0; v < 3; ++v) {
            const __m128i out = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(in[0], mask[v][0]), _mm_shuffle_epi8(in[1], mask[v][1])),
                                             _mm_shuffle_epi8(in[2], mask[v][2]));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i + 16 * v), out); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD store
        }
    }
    return i;
}

const bool k_has_ssse3 = __builtin_cpu_supports("ssse3");
#endif

/// Copies `n` samples of `bands` band-sequential planes into one pixel-interleaved row.
template <std::size_t E>
void interleave(std::byte* dst, const std::byte* const* src, std::size_t bands, std::size_t n) {
    if (bands == 3) {
        std::size_t x = 0;
#if defined(__x86_64__)
        if (E == 1 && k_has_ssse3) x = interleave_rgb8_ssse3(dst, src, n);
#endif
        for (; x < n; ++x) {
            std::memcpy(dst + (3 * x) * E, src[0] + x * E, E);
            std::memcpy(dst + (3 * x + 1) * E, src[1] + x * E, E);
            std::memcpy(dst + (3 * x + 2) * E, src[2] + x * E, E);
        }
        return;
    }
    for (std::size_t x = 0; x < n; ++x) {
        for (std::size_t b = 0; b < bands; ++b) std::memcpy(dst + (x * bands + b) * E, src[b] + x * E, E);
    }
}

void interleave_row(std::byte* dst, const std::byte* const* src, std::size_t bands, std::size_t n, std::size_t esize) {
    switch (esize) {
    case 1: interleave<1>(dst, src, bands, n); break;
    case 2: interleave<2>(dst, src, bands, n); break;
    case 4: interleave<4>(dst, src, bands, n); break;
    case 8: interleave<8>(dst, src, bands, n); break;
    default: interleave<16>(dst, src, bands, n); break;
    }
}

/// Runs `work(first, last)` over [0, n) split into `threads` contiguous ranges.
template <class F>
void parallel_ranges(std::size_t n, unsigned threads, F work) {
    if (threads <= 1) {
        work(std::size_t{0}, n);
        return;
    }
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(threads);
    for (unsigned t = 1; t < threads; ++t) {
        try {
            pool.emplace_back([&, t] {
                try {
                    work(n * t / threads, n * (t + 1) / threads);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        } catch (...) { // no thread: run the range here
            work(n * t / threads, n * (t + 1) / threads);
        }
    }
    try {
        work(0, n / threads);
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (auto& th : pool) th.join();
    for (auto& e : errors) {
        if (e) std::rethrow_exception(e);
    }
}

struct Compressor {
    explicit Compressor(int level) : c(libdeflate_alloc_compressor(level)) {
        if (c == nullptr) throw std::bad_alloc();
    }
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;
    Compressor(Compressor&&) = delete;
    Compressor& operator=(Compressor&&) = delete;
    ~Compressor() { libdeflate_free_compressor(c); }
    libdeflate_compressor* c;
};

/// The GDAL_NODATA tag's value, or 0 without one.
double nodata_of(const Ifd& ifd, std::span<const std::byte> file) {
    const Entry* nd = ifd.find(tag_gdal_nodata);
    if (nd == nullptr || nd->type != type_ascii) return 0;
    const std::string text(reinterpret_cast<const char*>(file.data() + nd->values), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): ASCII tag bytes
                           static_cast<std::size_t>(nd->count));
    return CPLAtof(text.c_str());
}

} // namespace

/// Block geometry of the dataset being written.
struct GTiffDirectWriter::Layout {
    std::size_t width = 0, height = 0, bands = 0, esize = 0;
    std::size_t block_w = 0, block_h = 0;
    bool tiled = false, planar = false;
    std::size_t across = 0, down = 0, planes = 0, spp = 0;

    Layout(std::size_t w, std::size_t h, std::size_t b, std::size_t e, std::size_t bw, std::size_t bh, bool t,
           bool pl)
        : width(w), height(h), bands(b), esize(e), block_w(bw), block_h(bh), tiled(t), planar(pl) {
        across = (width + block_w - 1) / block_w;
        down = (height + block_h - 1) / block_h;
        planes = planar ? bands : 1;
        spp = planar ? 1 : bands;
    }
    std::size_t blocks() const noexcept { return across * down * planes; }
    /// Rows stored for block row `by`: strips stop at the raster's last row, tiles are padded.
    std::size_t rows(std::size_t by) const noexcept {
        return tiled ? block_h : std::min(block_h, height - by * block_h);
    }
    std::size_t row_bytes() const noexcept { return block_w * spp * esize; }
    std::size_t raw_size(std::size_t i) const noexcept { return rows((i / across) % down) * row_bytes(); }

    /// A full block of `value` in type `t`, converted as GDAL converts (rounded and clamped).
    std::vector<std::byte> constant_block(double value, DType t) const {
        std::vector<std::byte> out(block_h * row_bytes());
        if (t == DType::int8) {
            const double v = std::clamp(std::round(value), -128.0, 127.0);
            std::memset(out.data(), static_cast<int>(static_cast<std::int8_t>(v)) & 0xFF, out.size());
        } else {
            GDALCopyWords64(&value, GDT_Float64, 0, out.data(), to_gdal(t), static_cast<int>(esize),
                            static_cast<GPtrDiff_t>(out.size() / esize));
        }
        return out;
    }

    /// The raw bytes of block `i` from band-sequential pixels `src` (bands, height, width).
    void fill(std::size_t i, const std::byte* src, std::byte* dst) const {
        const std::size_t nrows = rows((i / across) % down);
        for (std::size_t r = 0; r < nrows; ++r) fill_row(i, r, src, dst + r * row_bytes());
    }

    /// Every block of block row `k` (plane k / down, row k % down) into `blocks` at `offsets`,
    /// image row by image row: the source planes are read in long sequential runs (block by
    /// block, a tile reads 256-byte pieces of rows 4 KiB or more apart, which defeats the
    /// hardware prefetcher).
    void fill_block_row(std::size_t k, const std::byte* src, std::byte* blocks,
                        const std::vector<std::uint64_t>& offsets) const {
        const std::size_t nrows = rows(k % down);
        for (std::size_t r = 0; r < nrows; ++r) {
            for (std::size_t bx = 0; bx < across; ++bx) {
                const std::size_t i = k * across + bx;
                fill_row(i, r, src, blocks + offsets[i] + r * row_bytes());
            }
        }
    }

    /// Row `r` of block `i`.
    void fill_row(std::size_t i, std::size_t r, const std::byte* src, std::byte* out) const {
        const std::size_t plane = i / (across * down), by = (i / across) % down, bx = i % across;
        const std::size_t x0 = bx * block_w, ncols = std::min(block_w, width - x0);
        const std::size_t band_bytes = width * height * esize;
        const std::size_t y = by * block_h + r;
        if (y >= height) {
            std::memset(out, 0, row_bytes());
            return;
        }
        const std::size_t at = (y * width + x0) * esize;
        if (spp == 1) {
            std::memcpy(out, src + plane * band_bytes + at, ncols * esize);
        } else {
            std::array<const std::byte*, 8> few{};
            std::vector<const std::byte*> many;
            const std::byte** srcs = few.data();
            if (spp > few.size()) {
                many.resize(spp);
                srcs = many.data();
            }
            for (std::size_t b = 0; b < spp; ++b) srcs[b] = src + b * band_bytes + at;
            interleave_row(out, srcs, spp, ncols, esize);
        }
        if (ncols < block_w) std::memset(out + ncols * spp * esize, 0, (block_w - ncols) * spp * esize);
    }
};

std::unique_ptr<GTiffDirectWriter> GTiffDirectWriter::plan(const std::string& path, const Profile& p,
                                                           StringList& options) {
    if (!CPLTestBool(CPLGetConfigOption("RASTIO_DIRECT_WRITE", "YES"))) return nullptr;
    if (path.rfind("/vsimem/", 0) != 0 || !EQUAL(p.driver.c_str(), "GTiff")) return nullptr;
    if (!p.width || !p.height || !p.count || !p.dtype) return nullptr;
    const double raw = static_cast<double>(*p.width) * static_cast<double>(*p.height) *
                       static_cast<double>(*p.count) * static_cast<double>(dtype_size(*p.dtype));
    if (raw < static_cast<double>(k_min_direct_bytes) || raw > 1e15) return nullptr;

    std::unique_ptr<GTiffDirectWriter> w(new GTiffDirectWriter());
    bool bigtiff = false;
    for (const auto& [key, value] : p.options) {
        if (EQUAL(key.c_str(), "BIGTIFF")) bigtiff = EQUAL(value.c_str(), "YES");
        if (!option_allowed(key, value)) return nullptr;
        if (EQUAL(key.c_str(), "COMPRESS")) w->m_deflate = EQUAL(value.c_str(), "DEFLATE");
        if (EQUAL(key.c_str(), "ZLEVEL")) {
            w->m_level = std::atoi(value.c_str());
            if (w->m_level < 1 || w->m_level > 12) return nullptr; // GDAL's own message for a bad level
        }
        if (EQUAL(key.c_str(), "TILED")) w->m_tiled = CPLTestBool(value.c_str());
        if (EQUAL(key.c_str(), "NUM_THREADS") && !EQUAL(value.c_str(), "ALL_CPUS")) {
            w->m_threads = std::max(1, std::atoi(value.c_str()));
        }
    }
    // Near 4 GiB GDAL may choose a classic TIFF whose 32-bit offsets rastio's layout (a little
    // larger than GDAL's) could overflow: there, only an explicit BigTIFF takes the direct path.
    if (raw > 3.0 * 1024 * 1024 * 1024 && !bigtiff) return nullptr;
    w->m_width = *p.width;
    w->m_height = *p.height;
    w->m_count = *p.count;
    w->m_dtype = *p.dtype;
    options.add("SPARSE_OK", "TRUE");
    return w;
}

GTiffDirectWriter::~GTiffDirectWriter() { release(); }

void GTiffDirectWriter::release() noexcept {
    recycle(m_buf);
    m_buf = nullptr;
    m_block_offset.clear();
    m_block_size.clear();
    m_data_size = 0;
}

bool GTiffDirectWriter::write(GDALDatasetH h, std::span<const int> bands, const Window& window, DType type,
                              std::span<const std::byte> data) {
    if (m_gdal_wrote || type != m_dtype || window.col_off != 0 || window.row_off != 0 ||
        window.width != m_width || window.height != m_height || bands.size() != static_cast<std::size_t>(m_count)) {
        return false;
    }
    for (std::size_t i = 0; i < bands.size(); ++i) {
        if (bands[i] != static_cast<int>(i) + 1) return false;
    }
    if (GDALGetRasterXSize(h) != m_width || GDALGetRasterYSize(h) != m_height || GDALGetRasterCount(h) != m_count) {
        return false;
    }
    int bw = 0, bh = 0;
    GDALGetBlockSize(GDALGetRasterBand(h, 1), &bw, &bh);
    if (bw <= 0 || bh <= 0) return false;
    const char* interleave = GDALGetMetadataItem(h, "INTERLEAVE", "IMAGE_STRUCTURE");
    const bool planar = m_count > 1 && interleave != nullptr && EQUAL(interleave, "BAND");
    // (A dataset being created does not report its COMPRESSION yet: finish() checks the IFD.)
    const Layout L(static_cast<std::size_t>(m_width), static_cast<std::size_t>(m_height),
                   static_cast<std::size_t>(m_count), dtype_size(m_dtype), static_cast<std::size_t>(bw),
                   static_cast<std::size_t>(bh), m_tiled, planar);
    if (!m_tiled && L.block_w != L.width) return false;
    if (data.size() != L.width * L.height * L.bands * L.esize) return false;
    release();
    encode(L, data);
    m_block_w = static_cast<std::uint32_t>(bw);
    m_block_h = static_cast<std::uint32_t>(bh);
    m_planar = planar;
    return true;
}

void GTiffDirectWriter::encode(const Layout& L, std::span<const std::byte> data) {
    const std::size_t n = L.blocks();
    // Room for GDAL's header: its IFD, the (still empty) offset and byte-count arrays, the
    // georeferencing and tags. finish() copies the header in front of the blocks when it fits.
    m_reserve = align8(32768 + 16 * n);
    m_block_offset.assign(n, 0);
    m_block_size.assign(n, 0);
    const unsigned threads = worker_count(data.size(), n, static_cast<unsigned>(m_threads));
    if (!m_deflate) {
        std::size_t total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            m_block_offset[i] = total;
            m_block_size[i] = L.raw_size(i);
            total += m_block_size[i];
        }
        m_buf = allocate(m_reserve + total);
        m_data_size = total;
        std::byte* blocks = m_buf + m_reserve;
        const std::size_t block_rows = L.down * L.planes;
        parallel_ranges(block_rows, std::min<unsigned>(threads, static_cast<unsigned>(block_rows)),
                        [&](std::size_t first, std::size_t last) {
                            for (std::size_t k = first; k < last; ++k) {
                                L.fill_block_row(k, data.data(), blocks, m_block_offset);
                            }
                        });
    } else {
        // The buffer is sized for the worst case (untouched pages cost nothing); each thread
        // compresses a contiguous run of blocks into its own region, then the runs are moved
        // end to end, so the blocks stay in file order.
        std::vector<std::size_t> run_first(threads + 1), region(threads + 1);
        for (unsigned t = 0; t <= threads; ++t) run_first[t] = n * t / threads;
        std::size_t bound_total = 0;
        {
            Compressor c(m_level);
            for (unsigned t = 0; t < threads; ++t) {
                region[t] = bound_total;
                for (std::size_t i = run_first[t]; i < run_first[t + 1]; ++i) {
                    bound_total += libdeflate_zlib_compress_bound(c.c, L.raw_size(i));
                }
            }
            region[threads] = bound_total;
        }
        m_buf = allocate(m_reserve + bound_total);
        std::byte* blocks = m_buf + m_reserve;
        std::vector<std::size_t> used(threads, 0);
        parallel_ranges(threads, threads, [&](std::size_t t_first, std::size_t t_last) {
            for (std::size_t t = t_first; t < t_last; ++t) {
                Compressor c(m_level);
                std::vector<std::byte> raw(L.block_h * L.row_bytes());
                std::size_t at = region[t];
                for (std::size_t i = run_first[t]; i < run_first[t + 1]; ++i) {
                    const std::size_t size = L.raw_size(i);
                    L.fill(i, data.data(), raw.data());
                    const std::size_t got =
                        libdeflate_zlib_compress(c.c, raw.data(), size, blocks + at, region[t + 1] - at);
                    if (got == 0) throw std::runtime_error("DEFLATE compression failed");
                    m_block_offset[i] = at;
                    m_block_size[i] = got;
                    at += got;
                }
                used[t] = at - region[t];
            }
        });
        std::size_t total = 0;
        for (unsigned t = 0; t < threads; ++t) {
            if (region[t] != total) {
                std::memmove(blocks + total, blocks + region[t], used[t]);
                for (std::size_t i = run_first[t]; i < run_first[t + 1]; ++i) m_block_offset[i] -= region[t] - total;
            }
            total += used[t];
        }
        m_data_size = total;
    }
}

void GTiffDirectWriter::finish(const std::string& path) {
    vsi_l_offset len = 0;
    GByte* gdal_bytes = nullptr;
    {
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        gdal_bytes = VSIGetMemFileBuffer(path.c_str(), &len, FALSE);
    }
    if (gdal_bytes == nullptr) {
        release();
        throw IOError("cannot complete GeoTIFF " + path + ": GDAL left no file", path);
    }
    try {
        const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(gdal_bytes), static_cast<std::size_t>(len)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GByte and std::byte are both bytes
        const Ifd ifd(file);
        const bool tiled = ifd.find(tag_tile_offsets) != nullptr;
        const Entry* offs = ifd.find(tiled ? tag_tile_offsets : tag_strip_offsets);
        const Entry* counts = ifd.find(tiled ? tag_tile_bytes : tag_strip_bytes);
        if (offs == nullptr || counts == nullptr) throw std::runtime_error("no block offsets in the IFD");
        const std::size_t width = static_cast<std::size_t>(m_width), height = static_cast<std::size_t>(m_height);
        const std::size_t bw = tiled ? ifd.scalar(tag_tile_width, 0) : width;
        const std::size_t bh = tiled ? ifd.scalar(tag_tile_height, 0)
                                     : std::min<std::uint64_t>(ifd.scalar(tag_rows_per_strip, height), height);
        const bool planar = ifd.scalar(tag_planar, 1) == 2;
        const auto spp = ifd.scalar(tag_spp, 1);
        const auto bits = ifd.scalar(tag_bits, 1);
        const auto compression = ifd.scalar(tag_compression, 1);
        if (bw == 0 || bh == 0 || bits != 8 * dtype_size(m_dtype) ||
            spp != static_cast<std::uint64_t>(m_count) || ifd.scalar(tag_predictor, 1) != 1 ||
            compression != (m_deflate ? 8U : 1U)) {
            throw std::runtime_error("unexpected layout in the IFD GDAL wrote");
        }
        const Layout L(width, height, static_cast<std::size_t>(m_count), dtype_size(m_dtype), bw, bh, tiled, planar);
        const std::size_t n = L.blocks();
        if (offs->count != n || counts->count != n) throw std::runtime_error("block count differs from the layout");

        std::vector<std::uint64_t> new_offs(n), new_counts(n);
        std::size_t spill_need = 0;
        auto spill_size = [&](const Entry& e, std::uint64_t biggest) {
            const bool fits = (e.type == type_short && biggest <= 0xFFFF) ||
                              (e.type == type_long && biggest <= 0xFFFFFFFFULL) || e.type == type_long8;
            const std::size_t nts = ifd.big() ? 8 : 4;
            return fits || n * nts <= ifd.inline_size() ? std::size_t{0} : align8(n * nts);
        };
        // The finished file's bytes, freed on any failure until GDAL owns them.
        std::unique_ptr<std::byte, decltype(&VSIFree)> guard(nullptr, &VSIFree);
        std::byte* out = nullptr;
        std::size_t out_size = 0, data_start = 0, spill_at = 0;

        const bool direct = pending();
        if (direct) {
            if (bw != m_block_w || bh != m_block_h || planar != m_planar || n != m_block_size.size()) {
                throw std::runtime_error("the IFD GDAL wrote does not match the blocks laid out");
            }
            const bool header_fits = file.size() <= m_reserve;
            data_start = header_fits ? m_reserve : align8(file.size());
            for (std::size_t i = 0; i < n; ++i) {
                new_offs[i] = data_start + m_block_offset[i];
                new_counts[i] = m_block_size[i];
            }
            spill_need = spill_size(*offs, data_start + m_data_size) +
                         spill_size(*counts, *std::max_element(new_counts.begin(), new_counts.end()));
            spill_at = align8(data_start + m_data_size);
            out_size = spill_need > 0 ? spill_at + spill_need : data_start + m_data_size;
            if (header_fits) {
                if (out_size > m_reserve + m_data_size) {
                    auto* grown = static_cast<std::byte*>(VSIRealloc(m_buf, out_size));
                    if (grown == nullptr) throw std::bad_alloc();
                    m_buf = grown;
                }
                out = m_buf;
                m_buf = nullptr;
                guard.reset(out);
                std::memcpy(out, file.data(), file.size());
                std::memset(out + file.size(), 0, m_reserve - file.size());
            } else {
                out = static_cast<std::byte*>(VSIMalloc(out_size));
                if (out == nullptr) throw std::bad_alloc();
                guard.reset(out);
                std::memcpy(out, file.data(), file.size());
                std::memset(out + file.size(), 0, data_start - file.size());
                std::memcpy(out + data_start, m_buf + m_reserve, m_data_size);
                release();
            }
            if (spill_need > 0) std::memset(out + data_start + m_data_size, 0, out_size - data_start - m_data_size);
        } else {
            // Blocks nobody wrote: GDAL would have written them as nodata (else zero) had the
            // dataset not been created sparse for the direct path, so they are written here.
            std::vector<std::size_t> empty;
            for (std::size_t i = 0; i < n; ++i) {
                new_offs[i] = ifd.value(*offs, i);
                new_counts[i] = ifd.value(*counts, i);
                if (new_offs[i] == 0) empty.push_back(i);
            }
            if (empty.empty()) return; // GDAL wrote every block
            const std::vector<std::byte> raw = L.constant_block(nodata_of(ifd, file), m_dtype);
            // Compressed once per distinct size (only a short last strip differs).
            std::vector<std::byte> full, last;
            if (m_deflate) {
                Compressor c(m_level);
                auto squeeze = [&](std::size_t size) {
                    std::vector<std::byte> z(libdeflate_zlib_compress_bound(c.c, size));
                    z.resize(libdeflate_zlib_compress(c.c, raw.data(), size, z.data(), z.size()));
                    if (z.empty()) throw std::runtime_error("DEFLATE compression failed");
                    return z;
                };
                full = squeeze(L.raw_size(0));
                last = squeeze(L.raw_size(n - 1));
            }
            auto fill_size = [&](std::size_t i) {
                if (!m_deflate) return L.raw_size(i);
                return L.raw_size(i) == L.raw_size(0) ? full.size() : last.size();
            };
            data_start = align8(file.size());
            std::size_t data = 0; // the fill blocks, one after another from data_start
            for (std::size_t i : empty) {
                new_offs[i] = data_start + data;
                new_counts[i] = fill_size(i);
                data += fill_size(i);
            }
            spill_need = spill_size(*offs, data_start + data) +
                         spill_size(*counts, *std::max_element(new_counts.begin(), new_counts.end()));
            spill_at = align8(data_start + data);
            out_size = spill_need > 0 ? spill_at + spill_need : data_start + data;
            out = static_cast<std::byte*>(VSIMalloc(out_size));
            if (out == nullptr) throw std::bad_alloc();
            guard.reset(out);
            std::memset(out, 0, out_size);
            std::memcpy(out, file.data(), file.size());
            for (std::size_t i : empty) {
                const std::byte* from = !m_deflate ? raw.data() : (L.raw_size(i) == L.raw_size(0) ? full.data() : last.data());
                std::memcpy(out + new_offs[i], from, static_cast<std::size_t>(new_counts[i]));
            }
        }
        std::size_t used = put_array(out, ifd, *offs, new_offs, spill_at);
        put_array(out, ifd, *counts, new_counts, spill_at + used);

        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        VSIUnlink(path.c_str());
        VSILFILE* fp = VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(out), out_size, TRUE); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): as above
        if (fp == nullptr) throw std::runtime_error("cannot put the file back in /vsimem/");
        (void)guard.release(); // GDAL's now
        VSIFCloseL(fp);
        if (direct) g_direct_writes.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::bad_alloc&) {
        release();
        throw IOError("out of memory completing GeoTIFF " + path, path, CPLE_OutOfMemory);
    } catch (const std::exception& e) {
        release();
        throw IOError("cannot complete GeoTIFF " + path + ": " + e.what(), path);
    }
}

std::uint64_t gtiff_direct_write_count() noexcept { return g_direct_writes.load(std::memory_order_relaxed); }

} // namespace rastio::detail
