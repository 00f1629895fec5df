#include "gtiff_direct.hpp"

#include "memory_hints.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <libdeflate.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include <cpl_compressor.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

namespace rastio::detail {

namespace {

std::atomic<std::uint64_t> g_direct_reads{0};

// TIFF tags and values this reader understands.
constexpr std::uint16_t tag_width = 256, tag_height = 257, tag_bits = 258, tag_compression = 259,
                        tag_photometric = 262, tag_fill_order = 266, tag_strip_offsets = 273, tag_spp = 277,
                        tag_rows_per_strip = 278, tag_strip_bytes = 279, tag_planar = 284, tag_predictor = 317,
                        tag_tile_width = 322, tag_tile_height = 323, tag_tile_offsets = 324,
                        tag_tile_bytes = 325, tag_sample_format = 339, tag_subfile_type = 254;
constexpr std::uint32_t comp_none = 1, comp_lzw = 5, comp_deflate = 8, comp_deflate_old = 32946,
                        comp_zstd = 50000;

/// A bounds-checked little-endian view of the file's bytes.
class Bytes {
public:
    explicit Bytes(std::span<const std::byte> b) noexcept : m_b(b) {}
    bool has(std::uint64_t off, std::uint64_t n) const noexcept {
        if (off <= m_b.size() && n <= m_b.size() - off) return true;
        // A prefix of a remote file: how many bytes would have answered (saturating).
        const std::uint64_t end = n > ~std::uint64_t{0} - off ? ~std::uint64_t{0} : off + n;
        m_need = std::max(m_need, end);
        return false;
    }
    /// The furthest byte a failed has() asked for (0 when none failed).
    std::uint64_t need() const noexcept { return m_need; }
    std::uint64_t get(std::uint64_t off, unsigned n) const noexcept {
        std::uint64_t v = 0;
        for (unsigned i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(m_b[off + i]) << (8 * i);
        return v;
    }
    std::span<const std::byte> span() const noexcept { return m_b; }

private:
    std::span<const std::byte> m_b;
    mutable std::uint64_t m_need = 0;
};

/// The first IFD's fields, as far as pixels are concerned.
struct Layout {
    std::uint64_t width = 0, height = 0, spp = 1, bits = 0, sample_format = 1, compression = comp_none;
    std::uint64_t photometric = 1, planar = 1, predictor = 1, rows_per_strip = 0xffffffffULL, fill_order = 1;
    std::uint64_t tile_width = 0, tile_height = 0;
    std::uint64_t subfile_type = 0; // bit 0: reduced resolution (an overview), bit 2: a mask
    bool tiled = false, bits_uniform = true, format_uniform = true;
    std::vector<std::uint64_t> offsets, byte_counts;
};

/// Reads an IFD entry's values (SHORT, LONG, LONG8 or BYTE) into `out`; false when malformed.
bool entry_values(const Bytes& b, bool big, std::uint64_t entry, std::vector<std::uint64_t>& out) {
    const auto type = static_cast<unsigned>(b.get(entry + 2, 2));
    const std::uint64_t count = big ? b.get(entry + 4, 8) : b.get(entry + 4, 4);
    unsigned size = 0;
    switch (type) {
    case 1: size = 1; break;  // BYTE
    case 3: size = 2; break;  // SHORT
    case 4: size = 4; break;  // LONG
    case 16: size = 8; break; // LONG8
    default: return false;
    }
    if (count > (std::uint64_t{1} << 32)) return false;
    const unsigned inline_bytes = big ? 8 : 4;
    const std::uint64_t value_at = entry + (big ? 12 : 8);
    std::uint64_t at = value_at;
    if (count * size > inline_bytes) at = big ? b.get(value_at, 8) : b.get(value_at, 4);
    if (!b.has(at, count * size)) return false;
    out.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = b.get(at + i * size, size);
    return true;
}

/// The byte order, TIFF flavour and first IFD's offset; false for files this reader leaves to GDAL.
bool parse_preamble(const Bytes& b, bool& big, std::uint64_t& ifd) {
    if (!b.has(0, 16)) return false;
    if (b.get(0, 2) != 0x4949) return false; // "II": big-endian files go to GDAL
    const auto magic = b.get(2, 2);
    big = false;
    if (magic == 42) {
        ifd = b.get(4, 4);
    } else if (magic == 43) {
        if (b.get(4, 2) != 8 || b.get(6, 2) != 0) return false;
        big = true;
        ifd = b.get(8, 8);
    } else {
        return false;
    }
    return true;
}

/// Parses the IFD at `ifd` into `L` and sets `next` to the following IFD's offset (0 at the end).
bool parse_ifd(const Bytes& b, bool big, std::uint64_t ifd, Layout& L, std::uint64_t& next) {
    const unsigned count_size = big ? 8 : 2, entry_size = big ? 20 : 12;
    if (!b.has(ifd, count_size)) return false;
    const std::uint64_t n = b.get(ifd, count_size);
    if (n > 10000 || !b.has(ifd + count_size, n * entry_size + (big ? 8 : 4))) return false;
    next = b.get(ifd + count_size + n * entry_size, big ? 8 : 4);
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t e = ifd + count_size + i * entry_size;
        const auto tag = static_cast<std::uint16_t>(b.get(e, 2));
        switch (tag) {
        case tag_width: case tag_height: case tag_bits: case tag_compression: case tag_photometric:
        case tag_fill_order: case tag_strip_offsets: case tag_spp: case tag_rows_per_strip: case tag_strip_bytes:
        case tag_planar: case tag_predictor: case tag_tile_width: case tag_tile_height: case tag_tile_offsets:
        case tag_tile_bytes: case tag_sample_format: case tag_subfile_type:
            break;
        default: continue;
        }
        if (!entry_values(b, big, e, v) || v.empty()) return false;
        const auto uniform = [&v] { return std::all_of(v.begin(), v.end(), [&v](auto x) { return x == v[0]; }); };
        switch (tag) {
        case tag_width: L.width = v[0]; break;
        case tag_height: L.height = v[0]; break;
        case tag_bits: L.bits = v[0]; L.bits_uniform = uniform(); break;
        case tag_compression: L.compression = v[0]; break;
        case tag_photometric: L.photometric = v[0]; break;
        case tag_fill_order: L.fill_order = v[0]; break;
        case tag_spp: L.spp = v[0]; break;
        case tag_rows_per_strip: L.rows_per_strip = v[0]; break;
        case tag_planar: L.planar = v[0]; break;
        case tag_predictor: L.predictor = v[0]; break;
        case tag_tile_width: L.tile_width = v[0]; L.tiled = true; break;
        case tag_tile_height: L.tile_height = v[0]; L.tiled = true; break;
        case tag_sample_format: L.sample_format = v[0]; L.format_uniform = uniform(); break;
        case tag_subfile_type: L.subfile_type = v[0]; break;
        case tag_strip_offsets: if (!L.tiled || L.offsets.empty()) L.offsets = v; break;
        case tag_strip_bytes: if (!L.tiled || L.byte_counts.empty()) L.byte_counts = v; break;
        case tag_tile_offsets: L.offsets = v; break;
        case tag_tile_bytes: L.byte_counts = v; break;
        default: break;
        }
    }
    return true;
}

bool parse_layout(const Bytes& b, Layout& L) {
    bool big = false;
    std::uint64_t ifd = 0, next = 0;
    return parse_preamble(b, big, ifd) && parse_ifd(b, big, ifd, L, next);
}

/// Every IFD of the file, in file order (at most 64); false when one does not parse within `b`
/// (then b.need() says how many bytes would have held it) or the chain loops.
bool parse_chain(const Bytes& b, std::vector<Layout>& out) {
    bool big = false;
    std::uint64_t ifd = 0;
    if (!parse_preamble(b, big, ifd)) return false;
    std::vector<std::uint64_t> seen;
    while (ifd != 0) {
        if (out.size() >= 64 || std::find(seen.begin(), seen.end(), ifd) != seen.end()) return false;
        seen.push_back(ifd);
        Layout L;
        std::uint64_t next = 0;
        if (!parse_ifd(b, big, ifd, L, next)) return false;
        out.push_back(std::move(L));
        ifd = next;
    }
    return !out.empty();
}

/// The GDAL type of the layout's samples, or GDT_Unknown.
GDALDataType layout_type(const Layout& L) {
    if (L.sample_format == 3) {
        if (L.bits == 32) return GDT_Float32;
        if (L.bits == 64) return GDT_Float64;
        return GDT_Unknown;
    }
    const bool sign = L.sample_format == 2;
    if (L.sample_format != 1 && !sign) return GDT_Unknown;
    switch (L.bits) {
    case 8: return GDT_Byte; // int8 is Byte with PIXELTYPE=SIGNEDBYTE in GDAL 3.6; the bytes are the same
    case 16: return sign ? GDT_Int16 : GDT_UInt16;
    case 32: return sign ? GDT_Int32 : GDT_UInt32;
    case 64: return sign ? GDT_Int64 : GDT_UInt64;
    default: return GDT_Unknown;
    }
}

/// What one read needs to know, shared by the workers.
struct Plan {
    const Layout* L = nullptr;
    std::span<const std::byte> file;
    std::span<const int> bands; // 1-based
    Window win;
    std::byte* out = nullptr;
    /// Pixels from one output band to the next (the window's size when packed).
    std::size_t band_stride = 0;
    std::size_t esize = 0;
    std::size_t block_w = 0, block_h = 0; // block size in pixels (strips: width x rows_per_strip)
    std::size_t blocks_across = 0, blocks_down = 0;
    std::size_t samples = 0;              // samples per pixel in one block (spp or 1)
    std::size_t max_block_bytes = 0;
    const CPLCompressor* zstd = nullptr;
    /// For pixel-interleaved blocks when the bands are a permutation of all samples: the output
    /// band of each sample. Empty otherwise.
    std::vector<std::size_t> sample_to_band;
    /// The output is far larger than the caches (worth writing with streaming stores).
    bool large_output = false;
};

/// One block to decode: its index in the offsets array and the plane (sample) it holds, or -1
/// for pixel-interleaved blocks holding every sample.
struct Task {
    std::size_t index;
    std::size_t bx, by;
    int plane;
    /// The block's bytes when they were fetched apart from the file (remote reads); empty otherwise.
    std::span<const std::byte> fetched = {};
};

/// This thread's DEFLATE decompressor, made on first use (GDAL's CPLZLibInflate makes one per call).
libdeflate_decompressor* thread_decompressor() {
    struct Holder {
        libdeflate_decompressor* d = libdeflate_alloc_decompressor();
        Holder() = default;
        Holder(const Holder&) = delete;
        Holder& operator=(const Holder&) = delete;
        Holder(Holder&&) = delete;
        Holder& operator=(Holder&&) = delete;
        ~Holder() { libdeflate_free_decompressor(d); }
    };
    thread_local Holder holder;
    return holder.d;
}

bool decode_block(const Plan& p, std::span<const std::byte> src, std::span<std::byte> dst, std::size_t need) {
    switch (p.L->compression) {
    case comp_deflate:
    case comp_deflate_old: {
        libdeflate_decompressor* d = thread_decompressor();
        size_t got = 0;
        if (d == nullptr ||
            libdeflate_zlib_decompress(d, src.data(), src.size(), dst.data(), dst.size(), &got) != LIBDEFLATE_SUCCESS) {
            return false;
        }
        return got >= need;
    }
    case comp_lzw: {
        const std::ptrdiff_t got = tiff_lzw_decode(src, dst);
        return got >= 0 && static_cast<std::size_t>(got) >= need;
    }
    case comp_zstd: {
        void* o = dst.data();
        size_t got = dst.size();
        if (p.zstd == nullptr || !p.zstd->pfnFunc(src.data(), src.size(), &o, &got, nullptr, p.zstd->user_data)) {
            return false;
        }
        return got >= need;
    }
    default: return false;
    }
}

/// Undoes horizontal differencing (predictor 2) on one row of n samples of T, `stride` apart.
template <class T>
void undo_predictor2(std::byte* row, std::size_t n, std::size_t stride) {
    T* v = reinterpret_cast<T*>(row); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): decoded samples, suitably aligned scratch
    for (std::size_t i = stride; i < n; ++i) v[i] = static_cast<T>(v[i] + v[i - stride]);
}

void undo_predictor2_row(std::byte* row, std::size_t n, std::size_t stride, std::size_t esize) {
    switch (esize) {
    case 1: undo_predictor2<std::uint8_t>(row, n, stride); break;
    case 2: undo_predictor2<std::uint16_t>(row, n, stride); break;
    case 4: undo_predictor2<std::uint32_t>(row, n, stride); break;
    default: undo_predictor2<std::uint64_t>(row, n, stride); break;
    }
}

#if defined(__x86_64__)
/// pshufb masks taking channel `ch` of 16 RGB pixels out of the 3 vectors holding them.
struct Rgb8Masks {
    alignas(16) unsigned char m[3][3][16]; // [channel][source vector][byte]
};

constexpr Rgb8Masks make_rgb8_masks() {
    Rgb8Masks r{};
    for (int ch = 0; ch < 3; ++ch) {
        for (int v = 0; v < 3; ++v) {
            for (int k = 0; k < 16; ++k) {
                const int idx = 3 * k + ch;
                r.m[ch][v][k] = static_cast<unsigned char>(idx / 16 == v ? idx % 16 : 0x80);
            }
        }
    }
    return r;
}

constexpr Rgb8Masks k_rgb8 = make_rgb8_masks();

/// 3-sample 8-bit pixels to 3 rows, 16 pixels per step with SSSE3 byte shuffles.
__attribute__((target("ssse3"))) std::size_t deinterleave_rgb8_ssse3(const std::byte* src, std::byte* const* dst,
                                                                      std::size_t n, bool large) {
    using v16 = long long __attribute__((vector_size(16), aligned(1)));
    // Rows of a large output (far beyond the caches) aligned to 16 bytes are written with
    // streaming stores: they bypass the cache, so writing the output does not first read it in.
    const bool stream = large && n >= 64 && ((reinterpret_cast<std::uintptr_t>(dst[0]) | reinterpret_cast<std::uintptr_t>(dst[1]) | // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): alignment test
                                     reinterpret_cast<std::uintptr_t>(dst[2])) & 15U) == 0; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): as above
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const std::byte* s = src + i * 3;
        v16 in[3];
        std::memcpy(&in[0], s, 16);
        std::memcpy(&in[1], s + 16, 16);
        std::memcpy(&in[2], s + 32, 16);
        for (int ch = 0; ch < 3; ++ch) {
            v16 acc{};
            for (int v = 0; v < 3; ++v) {
                v16 mask;
                std::memcpy(&mask, k_rgb8.m[ch][v], 16);
                acc |= reinterpret_cast<v16>(__builtin_ia32_pshufb128(reinterpret_cast<__attribute__((vector_size(16))) char>(in[v]), // NOLINT
                                                                      reinterpret_cast<__attribute__((vector_size(16))) char>(mask))); // NOLINT
            }
            if (stream) {
                _mm_stream_si128(reinterpret_cast<__m128i*>(dst[ch] + i), reinterpret_cast<__m128i>(acc)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): aligned SIMD store
            } else {
                std::memcpy(dst[ch] + i, &acc, 16);
            }
        }
    }
    return i; // the caller fences streaming stores once, when its thread's work is done
}

const bool k_has_ssse3 = __builtin_cpu_supports("ssse3");

/// Running byte sum in place (each byte plus the one before it), 16 bytes per step: SSE2 is
/// part of x86-64. The scalar loop is one long chain of dependent adds.
void prefix_sum_bytes_sse2(unsigned char* u, std::size_t n) {
    __m128i carry = _mm_setzero_si128();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD load
        v = _mm_add_epi8(v, _mm_slli_si128(v, 1));
        v = _mm_add_epi8(v, _mm_slli_si128(v, 2));
        v = _mm_add_epi8(v, _mm_slli_si128(v, 4));
        v = _mm_add_epi8(v, _mm_slli_si128(v, 8));
        v = _mm_add_epi8(v, carry);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(u + i), v); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD store
        const __m128i hi = _mm_unpackhi_epi8(v, v);                  // bytes 8..15, each twice
        carry = _mm_shuffle_epi32(_mm_unpackhi_epi16(hi, hi), 0xFF); // byte 15 in every lane
    }
    for (i = std::max<std::size_t>(i, 1); i < n; ++i) u[i] = static_cast<unsigned char>(u[i] + u[i - 1]);
}

/// Four byte planes (most significant first) to little-endian 32-bit samples [i0, i1).
std::size_t merge_planes4_sse2(const unsigned char* b3, const unsigned char* b2, const unsigned char* b1,
                               const unsigned char* b0, std::byte* dst, std::size_t i0, std::size_t i1) {
    std::size_t i = i0;
    for (; i + 16 <= i1; i += 16) {
        const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD loads
        const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b1 + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b2 + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        const __m128i v3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b3 + i)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        const __m128i lo01 = _mm_unpacklo_epi8(v0, v1), hi01 = _mm_unpackhi_epi8(v0, v1);
        const __m128i lo23 = _mm_unpacklo_epi8(v2, v3), hi23 = _mm_unpackhi_epi8(v2, v3);
        auto* d = reinterpret_cast<__m128i*>(dst + i * 4); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD stores
        _mm_storeu_si128(d, _mm_unpacklo_epi16(lo01, lo23));
        _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(lo01, lo23));
        _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(hi01, hi23));
        _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(hi01, hi23));
    }
    return i;
}
#endif

/// Splits n interleaved pixels of S samples of E bytes into S output rows in one pass.
template <std::size_t E, std::size_t S>
void deinterleave(const std::byte* src, std::byte* const* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t s = 0; s < S; ++s) std::memcpy(dst[s] + i * E, src + (i * S + s) * E, E);
    }
}

/// Copies pixels [c0, c1) of one decoded block row (samples interleaved `samples` apart) into
/// the output rows of the requested bands.
template <std::size_t E>
void scatter_row(const Plan& p, const std::byte* src_row, std::size_t c0, std::size_t c1, std::size_t out_row,
                 std::size_t out_col, int plane) {
    const std::size_t band_stride = p.band_stride;
    const std::size_t n = c1 - c0;
    const std::size_t at = out_row * static_cast<std::size_t>(p.win.width) + out_col;
    if (p.samples > 1 && p.sample_to_band.size() == p.samples && p.samples <= 4) {
        // Every sample wanted once: one pass over the source feeds every band.
        std::byte* dst[4] = {}; // NOLINT(cppcoreguidelines-avoid-c-arrays): at most 4 output rows
        for (std::size_t s = 0; s < p.samples; ++s) dst[s] = p.out + (p.sample_to_band[s] * band_stride + at) * E;
        const std::byte* src = src_row + c0 * p.samples * E;
#if defined(__x86_64__)
        if constexpr (E == 1) {
            if (p.samples == 3 && k_has_ssse3) {
                const std::size_t done = deinterleave_rgb8_ssse3(src, dst, n, p.large_output);
                for (std::size_t s = 0; s < 3; ++s) dst[s] += done;
                deinterleave<1, 3>(src + done * 3, dst, n - done);
                return;
            }
        }
#endif
        switch (p.samples) {
        case 2: deinterleave<E, 2>(src, dst, n); return;
        case 3: deinterleave<E, 3>(src, dst, n); return;
        default: deinterleave<E, 4>(src, dst, n); return;
        }
    }
    for (std::size_t j = 0; j < p.bands.size(); ++j) {
        const auto sample = static_cast<std::size_t>(p.bands[j] - 1);
        if (plane >= 0 && sample != static_cast<std::size_t>(plane)) continue;
        std::byte* dst = p.out + (j * band_stride + at) * E;
        if (p.samples == 1) {
            std::memcpy(dst, src_row + c0 * E, n * E);
            continue;
        }
        const std::byte* s = src_row + (c0 * p.samples + sample) * E;
        const std::size_t step = p.samples * E;
        for (std::size_t i = 0; i < n; ++i) std::memcpy(dst + i * E, s + i * step, E);
    }
}

void scatter(const Plan& p, const std::byte* src_row, std::size_t c0, std::size_t c1, std::size_t out_row,
             std::size_t out_col, int plane) {
    switch (p.esize) {
    case 1: scatter_row<1>(p, src_row, c0, c1, out_row, out_col, plane); break;
    case 2: scatter_row<2>(p, src_row, c0, c1, out_row, out_col, plane); break;
    case 4: scatter_row<4>(p, src_row, c0, c1, out_row, out_col, plane); break;
    default: scatter_row<8>(p, src_row, c0, c1, out_row, out_col, plane); break;
    }
}

/// Undoes the floating-point predictor (3) on one row of `n` samples and scatters it.
void predictor3_row(const Plan& p, std::byte* row, std::vector<std::byte>& tmp, std::size_t c0, std::size_t c1,
                    std::size_t out_row, std::size_t out_col, int plane) {
    const std::size_t n = p.block_w * p.samples; // samples in the row
    const std::size_t bytes = n * p.esize;
    // Bytes were differenced `samples` apart, after being split into planes of equal significance
    // (most significant first).
    auto* u = reinterpret_cast<unsigned char*>(row); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): byte arithmetic
#if defined(__x86_64__)
    if (p.samples == 1) {
        prefix_sum_bytes_sse2(u, bytes);
    } else
#endif
    {
        for (std::size_t i = p.samples; i < bytes; ++i) u[i] = static_cast<unsigned char>(u[i] + u[i - p.samples]);
    }
    tmp.resize(bytes);
    // Only the samples of the window's columns are reassembled.
    const std::size_t i0 = c0 * p.samples, i1 = c1 * p.samples;
    if (p.esize == 4) {
        const unsigned char* b3 = u;
        const unsigned char* b2 = u + n;
        const unsigned char* b1 = u + 2 * n;
        const unsigned char* b0 = u + 3 * n;
        std::size_t i = i0;
#if defined(__x86_64__)
        i = merge_planes4_sse2(b3, b2, b1, b0, tmp.data(), i0, i1);
#endif
        for (; i < i1; ++i) {
            const std::uint32_t v = static_cast<std::uint32_t>(b0[i]) | (static_cast<std::uint32_t>(b1[i]) << 8) |
                                    (static_cast<std::uint32_t>(b2[i]) << 16) | (static_cast<std::uint32_t>(b3[i]) << 24);
            std::memcpy(tmp.data() + i * 4, &v, 4);
        }
    } else {
        for (std::size_t k = 0; k < p.esize; ++k) {
            const std::byte* plane_bytes = row + (p.esize - 1 - k) * n;
            for (std::size_t i = i0; i < i1; ++i) tmp[i * p.esize + k] = plane_bytes[i];
        }
    }
    scatter(p, tmp.data(), c0, c1, out_row, out_col, plane);
}

/// Decodes one block and writes its part of the window into the output.
bool run_task(const Plan& p, const Task& t, std::vector<std::byte>& scratch, std::vector<std::byte>& tmp) {
    const Layout& L = *p.L;
    const std::uint64_t off = L.offsets[t.index], len = L.byte_counts[t.index];
    // The block's pixels in raster coordinates, clipped to the raster (edge tiles are padded).
    const std::size_t bx0 = t.bx * p.block_w, by0 = t.by * p.block_h;
    const std::size_t rows_in_block = std::min(p.block_h, static_cast<std::size_t>(L.height) - by0);
    const std::size_t row_bytes = p.block_w * p.samples * p.esize;
    // Rows a decoder must produce: tiles are whole, strips may be short at the end.
    const std::size_t decoded_rows = L.tiled ? p.block_h : rows_in_block;
    const std::size_t need = decoded_rows * row_bytes;
    const auto wx0 = static_cast<std::size_t>(p.win.col_off), wy0 = static_cast<std::size_t>(p.win.row_off);
    const std::size_t wx1 = wx0 + static_cast<std::size_t>(p.win.width), wy1 = wy0 + static_cast<std::size_t>(p.win.height);
    const std::size_t x0 = std::max(bx0, wx0), x1 = std::min(bx0 + p.block_w, wx1);
    const std::size_t y0 = std::max(by0, wy0), y1 = std::min(by0 + rows_in_block, wy1);
    if (x0 >= x1 || y0 >= y1) return true;
    std::span<const std::byte> src = t.fetched;
    if (src.empty()) {
        if (off == 0 || len == 0 || off > p.file.size() || len > p.file.size() - off) return false; // sparse or truncated: GDAL decides
        src = p.file.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(len));
    }
    std::byte* data = nullptr;
    const std::byte* cdata = nullptr;
    if (L.compression == comp_none) {
        // Only the rows the window needs must be present.
        if (src.size() < (y1 - by0) * row_bytes) return false;
        cdata = src.data();
    } else {
        scratch.resize(std::max(need, p.max_block_bytes));
        if (!decode_block(p, src, std::span<std::byte>(scratch.data(), scratch.size()), need)) return false;
        data = scratch.data();
        cdata = data;
    }
    for (std::size_t y = y0; y < y1; ++y) {
        const std::size_t r = y - by0;
        const std::size_t out_row = y - wy0, out_col = x0 - wx0;
        if (L.predictor == 3) {
            predictor3_row(p, data + r * row_bytes, tmp, x0 - bx0, x1 - bx0, out_row, out_col, t.plane);
            continue;
        }
        if (L.predictor == 2) undo_predictor2_row(data + r * row_bytes, p.block_w * p.samples, p.samples, p.esize);
        scatter(p, cdata + r * row_bytes, x0 - bx0, x1 - bx0, out_row, out_col, t.plane);
    }
    return true;
}

/// Whether this reader decodes `L`'s samples to exactly the pixels GDAL returns as `type`.
bool layout_supported(const Layout& L, GDALDataType type) {
    // Only layouts whose decoded bytes are the pixels GDAL would return.
    if (!L.bits_uniform || !L.format_uniform || L.fill_order != 1) return false;
    if (L.photometric != 1 && L.photometric != 2 && L.photometric != 3) return false;
    if (L.compression != comp_none && L.compression != comp_lzw && L.compression != comp_deflate &&
        L.compression != comp_deflate_old && L.compression != comp_zstd) {
        return false;
    }
    if (L.predictor != 1 && (L.compression == comp_none || (L.predictor != 2 && L.predictor != 3))) return false;
    if (L.predictor == 2 && L.sample_format == 3) return false;
    if (L.predictor == 3 && L.sample_format != 3) return false;
    if (L.planar != 1 && L.planar != 2) return false;
    const GDALDataType file_type = layout_type(L);
    if (file_type == GDT_Unknown || file_type != type) return false;
    return true;
}

/// The plan and the blocks to decode for `window` of `bands` of the image `L` (whose blocks sit
/// in `file`, or are fetched apart and given to the tasks later); false when it cannot.
bool make_plan(const Layout& L, std::span<const std::byte> file, std::span<const int> bands, const Window& window,
               std::span<std::byte> out, Plan& p, std::vector<Task>& tasks) {
    p.L = &L;
    p.file = file;
    p.bands = bands;
    p.win = window;
    p.out = out.data();
    p.band_stride = static_cast<std::size_t>(window.width) * static_cast<std::size_t>(window.height);
    p.large_output = out.size() >= (std::size_t{16} << 20);
    p.esize = static_cast<std::size_t>(L.bits / 8);
    p.samples = L.planar == 1 ? static_cast<std::size_t>(L.spp) : 1;
    if (L.tiled) {
        if (L.tile_width == 0 || L.tile_height == 0 || L.tile_width > 65536 || L.tile_height > 65536) return false;
        p.block_w = static_cast<std::size_t>(L.tile_width);
        p.block_h = static_cast<std::size_t>(L.tile_height);
    } else {
        if (L.rows_per_strip == 0) return false;
        p.block_w = static_cast<std::size_t>(L.width);
        p.block_h = static_cast<std::size_t>(std::min(L.rows_per_strip, L.height));
    }
    p.blocks_across = (static_cast<std::size_t>(L.width) + p.block_w - 1) / p.block_w;
    p.blocks_down = (static_cast<std::size_t>(L.height) + p.block_h - 1) / p.block_h;
    const std::size_t planes = L.planar == 2 ? static_cast<std::size_t>(L.spp) : 1;
    const std::size_t per_plane = p.blocks_across * p.blocks_down;
    if (L.offsets.size() != per_plane * planes || L.byte_counts.size() != L.offsets.size()) return false;
    p.max_block_bytes = p.block_w * p.block_h * p.samples * p.esize;
    if (p.max_block_bytes > (std::size_t{64} << 20)) return false; // giant blocks: GDAL and its limits decide
    if (p.samples > 1 && bands.size() == p.samples) {
        std::vector<std::size_t> map(p.samples, p.samples);
        bool permutation = true;
        for (std::size_t j = 0; j < bands.size(); ++j) {
            auto& slot = map[static_cast<std::size_t>(bands[j] - 1)];
            if (slot != p.samples) permutation = false;
            slot = j;
        }
        if (permutation) p.sample_to_band = std::move(map);
    }
    if (L.compression == comp_zstd) {
        p.zstd = CPLGetDecompressor("zstd");
        if (p.zstd == nullptr) return false;
    }

    // The blocks the window touches, for the planes the bands need.
    const auto bx_first = static_cast<std::size_t>(window.col_off) / p.block_w;
    const auto bx_last = static_cast<std::size_t>(window.col_off + window.width - 1) / p.block_w;
    const auto by_first = static_cast<std::size_t>(window.row_off) / p.block_h;
    const auto by_last = static_cast<std::size_t>(window.row_off + window.height - 1) / p.block_h;
    std::vector<bool> plane_wanted(planes, planes == 1);
    if (planes > 1) {
        for (int band : bands) plane_wanted[static_cast<std::size_t>(band - 1)] = true;
    }
    for (std::size_t pl = 0; pl < planes; ++pl) {
        if (!plane_wanted[pl]) continue;
        for (std::size_t by = by_first; by <= by_last; ++by) {
            for (std::size_t bx = bx_first; bx <= bx_last; ++bx) {
                tasks.push_back({pl * per_plane + by * p.blocks_across + bx, bx, by,
                                 planes > 1 ? static_cast<int>(pl) : -1});
            }
        }
    }

    return true;
}

/// Decodes every task into `out`, in parallel when the output is large (or, with
/// `parallel_from_blocks`, whenever there are several blocks: their bytes came from far away).
bool run_plan(const Plan& p, const std::vector<Task>& tasks, std::span<std::byte> out, bool parallel_from_blocks = false) {
    const std::size_t weight = parallel_from_blocks ? std::max(out.size(), std::size_t{4} << 20) : out.size();
    const unsigned nthreads = worker_count(weight, tasks.size());
    if (nthreads > 1) advise_huge_pages(out.data(), out.size());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
        std::vector<std::byte> scratch, tmp;
        try {
            for (std::size_t i = next.fetch_add(1); i < tasks.size() && !failed.load(std::memory_order_relaxed);
                 i = next.fetch_add(1)) {
                if (!run_task(p, tasks[i], scratch, tmp)) failed = true;
            }
        } catch (...) { // allocation failure: let GDAL try
            failed = true;
        }
#if defined(__x86_64__)
        _mm_sfence(); // streaming stores are weakly ordered: make them visible before the join
#endif
    };
    if (nthreads == 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        try {
            for (unsigned i = 1; i < nthreads; ++i) pool.emplace_back(work);
        } catch (...) { // no more threads: the ones started and this one share the work
        }
        work();
        for (auto& t : pool) t.join();
    }
    return !failed;
}

} // namespace

std::ptrdiff_t tiff_lzw_decode(std::span<const std::byte> in, std::span<std::byte> out) noexcept {
    if (in.size() >= 2 && in[0] == std::byte{0} && (std::to_integer<unsigned>(in[1]) & 1U) != 0) return -1; // old-style
    constexpr unsigned clear = 256, eoi = 257, first = 258, max_codes = 4096;
    // Every string is a run of bytes already written to `out`: a code is its start and length.
    // A new code is the previous string plus the next byte, i.e. where the previous string was
    // just written, one byte longer.
    std::uint32_t start[max_codes];   // NOLINT(cppcoreguidelines-avoid-c-arrays): fixed-size code table
    std::uint32_t length[max_codes];  // NOLINT(cppcoreguidelines-avoid-c-arrays): fixed-size code table
    const std::size_t cap = out.size();
    std::size_t pos = 0, in_pos = 0, prev_pos = 0, prev_len = 0;
    std::uint64_t bitbuf = 0;
    unsigned bits_in = 0, width = 9, next = first;
    bool have_prev = false;
    while (pos < cap) {
        if (bits_in < width) {
            if (in_pos + 8 <= in.size()) {
                // Top up to at least 56 bits with one 8-byte big-endian load.
                std::uint64_t w = 0;
                std::memcpy(&w, in.data() + in_pos, 8);
                w = __builtin_bswap64(w);
                const unsigned take = (63 - bits_in) / 8;
                bitbuf = (take == 8 ? 0 : bitbuf << (8 * take)) | (w >> (64 - 8 * take));
                bits_in += 8 * take;
                in_pos += take;
            } else {
                while (bits_in < width) {
                    if (in_pos >= in.size()) return static_cast<std::ptrdiff_t>(pos); // ran out: what we have
                    bitbuf = (bitbuf << 8) | std::to_integer<std::uint64_t>(in[in_pos++]);
                    bits_in += 8;
                }
            }
        }
        const auto code = static_cast<unsigned>((bitbuf >> (bits_in - width)) & ((1U << width) - 1U));
        bits_in -= width;
        if (code == eoi) break;
        if (code == clear) {
            width = 9;
            next = first;
            have_prev = false;
            continue;
        }
        std::size_t n = 1;
        if (code < 256) {
            out[pos] = static_cast<std::byte>(code);
        } else {
            if (!have_prev || code > next) return -1; // a code not yet defined
            std::size_t s = 0;
            if (code < next) {
                s = start[code];
                n = length[code];
            } else { // code == next: the previous string plus its own first byte
                s = prev_pos;
                n = prev_len + 1;
            }
            const std::size_t copy = std::min(n, cap - pos);
            if (n <= 16 && s + 16 <= pos && pos + 16 <= cap) {
                // Short string well behind the cursor: one fixed-size copy (bytes past n are rewritten later).
                std::memcpy(out.data() + pos, out.data() + s, 16);
            } else {
                // Forward byte copy: for code == next the source overlaps the bytes being written.
                for (std::size_t i = 0; i < copy; ++i) out[pos + i] = out[s + i];
            }
        }
        if (have_prev && next < max_codes) {
            start[next] = static_cast<std::uint32_t>(prev_pos);
            length[next] = static_cast<std::uint32_t>(prev_len + 1);
            ++next;
            if (next + 1 >= (1U << width) && width < 12) ++width;
        }
        have_prev = true;
        prev_pos = pos;
        prev_len = n;
        pos += std::min(n, cap - pos);
    }
    return static_cast<std::ptrdiff_t>(pos);
}

bool gtiff_direct_read(GDALDatasetH h, const std::string& path, std::span<const int> bands, const Window& window,
                       GDALDataType type, std::span<std::byte> out, std::size_t band_stride) {
    if (path.rfind("/vsimem/", 0) != 0) return false;
    if (!CPLTestBool(CPLGetConfigOption("RASTIO_DIRECT_READ", "YES"))) return false;
    GDALDriverH drv = GDALGetDatasetDriver(h);
    if (drv == nullptr || !EQUAL(GDALGetDriverShortName(drv), "GTiff")) return false;

    vsi_l_offset len = 0;
    GByte* raw = nullptr;
    {
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        raw = VSIGetMemFileBuffer(path.c_str(), &len, FALSE);
    }
    if (raw == nullptr) return false;
    const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(raw), static_cast<std::size_t>(len)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GDAL's bytes viewed as std::byte
    const Bytes b(file);

    Layout L;
    if (!parse_layout(b, L)) return false;
    if (!layout_supported(L, type)) return false;
    // The dataset must be the first IFD (not an overview or another directory).
    const int count = GDALGetRasterCount(h);
    if (L.width != static_cast<std::uint64_t>(GDALGetRasterXSize(h)) ||
        L.height != static_cast<std::uint64_t>(GDALGetRasterYSize(h)) || L.spp != static_cast<std::uint64_t>(count) ||
        L.width == 0 || L.height == 0 || L.width > (1U << 30) || L.height > (1U << 30)) {
        return false;
    }
    for (int i = 1; i <= count; ++i) {
        if (GDALGetRasterDataType(GDALGetRasterBand(h, i)) != type) return false;
    }

    Plan p;
    std::vector<Task> tasks;
    if (!make_plan(L, file, bands, window, out, p, tasks)) return false;
    if (band_stride != 0) {
        const std::size_t packed = p.band_stride;
        const std::size_t esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type));
        if (band_stride < packed || bands.empty() || out.size() / esize < band_stride * (bands.size() - 1) + packed) {
            return false;
        }
        p.band_stride = band_stride;
    }
    if (!run_plan(p, tasks, out)) return false;
    g_direct_reads.fetch_add(1, std::memory_order_relaxed);
    return true;
}

std::uint64_t gtiff_direct_read_count() noexcept { return g_direct_reads.load(std::memory_order_relaxed); }

} // namespace rastio::detail

// ---------------------------------------------------------------------------------------------
// Remote GeoTIFFs: the header parsed once, only the blocks a read needs fetched, concurrently.

namespace rastio::detail {

namespace {

std::atomic<std::uint64_t> g_remote_reads{0};

bool remote_path(const std::string& path) {
    static constexpr std::array<std::string_view, 8> prefixes{"/vsicurl/", "/vsis3/",    "/vsigs/",   "/vsiaz/",
                                                              "/vsioss/",  "/vsiswift/", "/vsiadls/", "/vsirastio/"};
    return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return path.rfind(p, 0) == 0; });
}

struct VsiCloser {
    void operator()(VSILFILE* f) const noexcept { VSIFCloseL(f); }
};
using VsiFile = std::unique_ptr<VSILFILE, VsiCloser>;

/// A remote file's parsed IFDs, shared by every dataset opened on the same unchanged file.
struct RemoteHeader {
    std::vector<Layout> ifds;
};

/// Parsed headers of recently read remote files, keyed by path, size and modification time, so
/// that a file changed on the server (another size or time) is parsed again. Bounded (LRU).
class HeaderCache {
public:
    std::shared_ptr<const RemoteHeader> find(const std::string& key) {
        std::lock_guard lock(m_mutex);
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
            if (it->first == key) {
                m_entries.splice(m_entries.begin(), m_entries, it);
                return m_entries.front().second;
            }
        }
        return nullptr;
    }
    void put(const std::string& key, std::shared_ptr<const RemoteHeader> header) {
        std::lock_guard lock(m_mutex);
        m_entries.emplace_front(key, std::move(header));
        if (m_entries.size() > k_capacity) m_entries.pop_back();
    }

private:
    static constexpr std::size_t k_capacity = 32;
    std::mutex m_mutex;
    std::list<std::pair<std::string, std::shared_ptr<const RemoteHeader>>> m_entries;
};

HeaderCache& header_cache() {
    static HeaderCache cache;
    return cache;
}

/// Reads bytes [0, n) of `fp` into `buf`; false on a short read.
bool read_prefix(VSILFILE* fp, std::size_t n, std::vector<std::byte>& buf) {
    buf.resize(n);
    return VSIFSeekL(fp, 0, SEEK_SET) == 0 && VSIFReadL(buf.data(), 1, n, fp) == n;
}

/// The file's IFDs: the first 16 KiB (which GDAL's open has already fetched and cached) grown in
/// one read whenever the IFDs or their arrays reach further, up to 64 MiB. Null when the file is
/// not one this reader handles or its header cannot be read (GDAL then reads and reports).
std::shared_ptr<const RemoteHeader> load_header(const std::string& path, std::uint64_t size) {
    VsiFile fp(VSIFOpenL(path.c_str(), "rb"));
    if (!fp) return nullptr;
    constexpr std::uint64_t first = 16384, cap = std::uint64_t{64} << 20;
    std::uint64_t n = std::min(size, first);
    std::vector<std::byte> buf;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (!read_prefix(fp.get(), static_cast<std::size_t>(n), buf)) return nullptr;
        const Bytes b(std::span<const std::byte>(buf.data(), buf.size()));
        auto header = std::make_shared<RemoteHeader>();
        if (parse_chain(b, header->ifds)) return header;
        // Grow only when a structure ran past the prefix; otherwise the file is not for us.
        if (b.need() <= n || n >= size || b.need() > cap) return nullptr;
        n = std::min(size, std::max(b.need(), 2 * n));
    }
    return nullptr;
}

/// One contiguous byte range to fetch, covering the blocks `[first, last)` of the sorted list.
struct Span {
    std::uint64_t offset = 0, length = 0;
    std::vector<std::byte> bytes;
};

/// Fetches the spans concurrently: up to 4 groups, each one VSIFReadMultiRangeL call on a handle
/// of its own (GDAL's /vsicurl/ runs each group's ranges in parallel too; a ByteSource gets them
/// as one read_ranges call), and calls `done(g, groups)` in group g's thread once its spans
/// (g, g + groups, ...) have arrived, so that decoding overlaps the other groups' transfers.
/// False when any range fails or `done` returns false.
template <class Done>
bool fetch_spans(const std::string& path, std::vector<Span>& spans, const Done& done) {
    const std::size_t groups = std::min<std::size_t>(4, spans.size());
    std::atomic<bool> ok{true};
    auto fetch_group = [&](std::size_t g) {
        try {
            VsiFile fp(VSIFOpenL(path.c_str(), "rb"));
            if (!fp) {
                ok = false;
                return;
            }
            std::vector<void*> data;
            std::vector<vsi_l_offset> offsets;
            std::vector<size_t> sizes;
            for (std::size_t i = g; i < spans.size(); i += groups) {
                spans[i].bytes.resize(static_cast<std::size_t>(spans[i].length));
                data.push_back(spans[i].bytes.data());
                offsets.push_back(spans[i].offset);
                sizes.push_back(static_cast<size_t>(spans[i].length));
            }
            if (VSIFReadMultiRangeL(static_cast<int>(data.size()), data.data(), offsets.data(), sizes.data(),
                                    fp.get()) != 0) {
                ok = false;
                return;
            }
            fp.reset();
            if (ok && !done(g, groups)) ok = false;
        } catch (...) { // allocation failure
            ok = false;
        }
    };
    std::vector<std::thread> pool;
    try {
        for (std::size_t g = 1; g < groups; ++g) pool.emplace_back(fetch_group, g);
    } catch (...) { // no more threads: this one fetches the groups that have none
        for (std::size_t g = pool.size() + 1; g < groups; ++g) fetch_group(g);
    }
    fetch_group(0);
    for (auto& t : pool) t.join();
    return ok;
}

/// The IFD holding the pixels of `window` read into out_cols x out_rows, and the window in its
/// own pixels: the full-resolution image at 1:1, or an overview on which the read lands exactly
/// (pixel for pixel, as GDAL's overview selection then reads it). Null when there is none.
const Layout* pick_level(GDALDatasetH h, const RemoteHeader& header, const Window& window, int out_cols, int out_rows,
                         Window& sub) {
    const auto W = static_cast<std::uint64_t>(GDALGetRasterXSize(h));
    const auto H = static_cast<std::uint64_t>(GDALGetRasterYSize(h));
    const Layout& full = header.ifds.front();
    if ((full.subfile_type & 5U) != 0 || full.width != W || full.height != H) return nullptr;
    if (out_cols == window.width && out_rows == window.height) {
        sub = window;
        return &full;
    }
    GDALRasterBandH band = GDALGetRasterBand(h, 1);
    const int overviews = band == nullptr ? 0 : GDALGetOverviewCount(band);
    const auto x0 = static_cast<std::uint64_t>(window.col_off), y0 = static_cast<std::uint64_t>(window.row_off);
    const auto w = static_cast<std::uint64_t>(window.width), hh = static_cast<std::uint64_t>(window.height);
    for (const Layout& L : header.ifds) {
        if ((L.subfile_type & 1U) == 0 || (L.subfile_type & 4U) != 0 || L.width == 0 || L.height == 0) continue;
        const std::uint64_t wk = L.width, hk = L.height;
        if ((x0 * wk) % W != 0 || (w * wk) % W != 0 || (y0 * hk) % H != 0 || (hh * hk) % H != 0) continue;
        if (w * wk / W != static_cast<std::uint64_t>(out_cols) || hh * hk / H != static_cast<std::uint64_t>(out_rows)) {
            continue;
        }
        // Only an overview GDAL itself knows (same size), which it then reads at 1:1.
        bool known = false;
        for (int i = 0; i < overviews && !known; ++i) {
            GDALRasterBandH o = GDALGetOverview(band, i);
            known = o != nullptr && static_cast<std::uint64_t>(GDALGetRasterBandXSize(o)) == wk &&
                    static_cast<std::uint64_t>(GDALGetRasterBandYSize(o)) == hk;
        }
        if (!known) continue;
        sub = Window{static_cast<int>(x0 * wk / W), static_cast<int>(y0 * hk / H), out_cols, out_rows};
        return &L;
    }
    return nullptr;
}

} // namespace

bool gtiff_remote_read(GDALDatasetH h, const std::string& path, std::span<const int> bands, const Window& window,
                       int out_cols, int out_rows, GDALDataType type, std::span<std::byte> out) {
    if (!remote_path(path)) return false;
    if (!CPLTestBool(CPLGetConfigOption("RASTIO_DIRECT_READ", "YES"))) return false;
    GDALDriverH drv = GDALGetDatasetDriver(h);
    if (drv == nullptr || !EQUAL(GDALGetDriverShortName(drv), "GTiff")) return false;
    if (window.width <= 0 || window.height <= 0 || out_cols <= 0 || out_rows <= 0) return false;

    VSIStatBufL st;
    if (VSIStatL(path.c_str(), &st) != 0 || st.st_size <= 0) return false;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::string key = path + '\n' + std::to_string(size) + '\n' + std::to_string(static_cast<long long>(st.st_mtime));
    auto header = header_cache().find(key);
    if (!header) {
        header = load_header(path, size);
        if (!header) return false;
        header_cache().put(key, header);
    }

    Window sub;
    const Layout* level = pick_level(h, *header, window, out_cols, out_rows, sub);
    if (level == nullptr || !layout_supported(*level, type)) return false;
    const int count = GDALGetRasterCount(h);
    if (level->spp != static_cast<std::uint64_t>(count)) return false;
    for (int i = 1; i <= count; ++i) {
        if (GDALGetRasterDataType(GDALGetRasterBand(h, i)) != type) return false;
    }

    Plan p;
    std::vector<Task> tasks;
    if (!make_plan(*level, {}, bands, sub, out, p, tasks)) return false;

    // The blocks' byte ranges, sorted, merged where the gap between them is small.
    std::vector<std::size_t> order(tasks.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        const Task& t = tasks[i];
        const std::uint64_t off = level->offsets[t.index], len = level->byte_counts[t.index];
        if (off == 0 || len == 0 || off > size || len > size - off) return false; // sparse or truncated: GDAL decides
        order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return level->offsets[tasks[a].index] < level->offsets[tasks[b].index]; });
    constexpr std::uint64_t max_gap = 64 * 1024, max_span = std::uint64_t{32} << 20;
    std::vector<Span> spans;
    std::vector<std::size_t> span_of(tasks.size());
    for (std::size_t i : order) {
        const std::uint64_t off = level->offsets[tasks[i].index], end = off + level->byte_counts[tasks[i].index];
        if (!spans.empty()) {
            Span& s = spans.back();
            const std::uint64_t s_end = s.offset + s.length;
            if (off >= s.offset && off <= s_end + max_gap && std::max(end, s_end) - s.offset <= max_span) {
                s.length = std::max(end, s_end) - s.offset;
                span_of[i] = spans.size() - 1;
                continue;
            }
        }
        spans.push_back({off, end - off, {}});
        span_of[i] = spans.size() - 1;
    }
    std::uint64_t total = 0;
    for (const Span& s : spans) total += s.length;
    if (total > std::max<std::uint64_t>(std::uint64_t{256} << 20, 4 * static_cast<std::uint64_t>(out.size()))) {
        return false; // far more compressed bytes than pixels: a strange file, GDAL decides
    }
    std::vector<std::vector<std::size_t>> tasks_of(spans.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) tasks_of[span_of[i]].push_back(i);
    auto point = [&](std::size_t i) {
        const Span& s = spans[span_of[i]];
        const std::uint64_t off = level->offsets[tasks[i].index];
        tasks[i].fetched = std::span<const std::byte>(s.bytes).subspan(static_cast<std::size_t>(off - s.offset),
                                                                       static_cast<std::size_t>(level->byte_counts[tasks[i].index]));
    };
    // One group: its blocks decode on every core once it arrives. Several: each group's thread
    // decodes its own blocks while the other groups are still coming in.
    auto decode_group = [&](std::size_t g, std::size_t groups) {
        if (groups == 1) return true;
        std::vector<std::byte> scratch, tmp;
        bool good = true;
        for (std::size_t si = g; si < spans.size() && good; si += groups) {
            for (std::size_t i : tasks_of[si]) {
                point(i);
                if (!run_task(p, tasks[i], scratch, tmp)) {
                    good = false;
                    break;
                }
            }
        }
#if defined(__x86_64__)
        _mm_sfence(); // streaming stores are weakly ordered: make them visible before the join
#endif
        return good;
    };
    if (!fetch_spans(path, spans, decode_group)) return false; // GDAL reads again and reports the failure in its words
    if (spans.size() == 1) {
        for (std::size_t i = 0; i < tasks.size(); ++i) point(i);
        if (!run_plan(p, tasks, out, /*parallel_from_blocks=*/true)) return false;
    }
    g_remote_reads.fetch_add(1, std::memory_order_relaxed);
    return true;
}

std::uint64_t gtiff_remote_read_count() noexcept { return g_remote_reads.load(std::memory_order_relaxed); }

} // namespace rastio::detail
