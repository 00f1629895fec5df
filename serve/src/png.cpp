#include "png.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include <libdeflate.h>

namespace rastio::serve {

namespace {

void put_be32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xffU));
}

/// Appends one chunk: length, type, data, and the CRC-32 of type and data.
void put_chunk(std::string& out, const char (&type)[5], const unsigned char* data, std::size_t size) {
    put_be32(out, static_cast<std::uint32_t>(size));
    const std::size_t at = out.size();
    out.append(type, 4);
    if (size > 0) out.append(reinterpret_cast<const char*>(data), size); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    put_be32(out, libdeflate_crc32(0, out.data() + at, size + 4));
}

int paeth(int a, int b, int c) {
    const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
    const int bc = pb <= pc ? b : c;
    return pa <= pb && pa <= pc ? a : bc;
}

/// The sum of the filtered bytes taken as signed, libpng's measure of how well a row will compress.
std::uint64_t cost(const unsigned char* row, std::size_t n) {
    std::uint32_t s = 0; // rows are at most 2^31 / 8 bytes in practice; sums of 128 a byte fit
    for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::int8_t>(row[i]);
        s += static_cast<std::uint32_t>(v < 0 ? -v : v);
    }
    return s;
}

struct CompressorFree {
    void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};

} // namespace

namespace {

std::string write_png(const AnyArray& a, const Array<std::uint8_t>* alpha, int level) {
    const Shape s = a.shape();
    const std::size_t bands = s[0] + (alpha ? 1 : 0), rows = s[1], cols = s[2];
    if (bands < 1 || bands > 4) throw std::invalid_argument("PNG holds 1 to 4 bands, not " + std::to_string(bands));
    if (alpha && (alpha->bands() != 1 || alpha->rows() != rows || alpha->cols() != cols)) {
        throw std::invalid_argument("PNG: the alpha plane's shape differs from the image's");
    }
    if (a.dtype() != DType::uint8 && a.dtype() != DType::uint16) {
        throw std::invalid_argument("PNG holds uint8 or uint16 samples, not " + std::string(to_string(a.dtype())));
    }
    if (rows == 0 || cols == 0 || rows > 0x7fffffffU || cols > 0x7fffffffU) throw std::invalid_argument("PNG needs 1 to 2^31-1 rows and columns");
    const std::size_t depth = a.dtype() == DType::uint16 ? 2 : 1; // bytes a sample
    const std::size_t bpp = bands * depth;                          // bytes a pixel
    const std::size_t stride = cols * bpp;
    const std::size_t plane = rows * cols;

    // Interleave and filter row by row into `raw`: a filter byte, then the row (all written:
    // no zeroing first).
    const auto raw = std::make_unique_for_overwrite<unsigned char[]>((stride + 1) * rows);
    const std::size_t raw_size = (stride + 1) * rows;
    const std::size_t image_bands = s[0];
    const std::uint8_t* mask = alpha ? alpha->data() : nullptr;
    std::vector<unsigned char> prev(stride, 0), cur(stride);
    std::array<std::vector<unsigned char>, 3> cand;
    for (auto& c : cand) c.resize(stride);
    const auto* bytes = reinterpret_cast<const unsigned char*>(a.bytes().data()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): samples as bytes
    for (std::size_t r = 0; r < rows; ++r) {
        if (depth == 1 && image_bands == 3 && mask) {
            // A tile's usual shape (RGB and its mask): one pass, four stores a pixel, which the
            // compiler vectorises (the general loops below store with a stride it does not).
            const unsigned char* red = bytes + r * cols;
            const unsigned char* green = red + plane;
            const unsigned char* blue = green + plane;
            const std::uint8_t* m = mask + r * cols;
            unsigned char* o = cur.data();
            for (std::size_t c = 0; c < cols; ++c) {
                o[4 * c] = red[c];
                o[4 * c + 1] = green[c];
                o[4 * c + 2] = blue[c];
                o[4 * c + 3] = m[c] != 0 ? 0xff : 0;
            }
        } else if (depth == 1) {
            for (std::size_t b = 0; b < image_bands; ++b) {
                const unsigned char* src = bytes + b * plane + r * cols;
                for (std::size_t c = 0; c < cols; ++c) cur[c * bands + b] = src[c];
            }
            if (mask) {
                const std::uint8_t* m = mask + r * cols;
                for (std::size_t c = 0; c < cols; ++c) cur[c * bands + bands - 1] = m[c] != 0 ? 0xff : 0;
            }
        } else {
            for (std::size_t b = 0; b < image_bands; ++b) {
                const unsigned char* src = bytes + (b * plane + r * cols) * 2;
                for (std::size_t c = 0; c < cols; ++c) { // PNG is big-endian
                    std::uint16_t v;
                    std::memcpy(&v, src + c * 2, 2);
                    cur[(c * bands + b) * 2] = static_cast<unsigned char>(v >> 8);
                    cur[(c * bands + b) * 2 + 1] = static_cast<unsigned char>(v & 0xffU);
                }
            }
            if (mask) {
                const std::uint8_t* m = mask + r * cols;
                for (std::size_t c = 0; c < cols; ++c) {
                    const unsigned char v = m[c] != 0 ? 0xff : 0;
                    cur[(c * bands + bands - 1) * 2] = v;
                    cur[(c * bands + bands - 1) * 2 + 1] = v;
                }
            }
        }
        // Candidates: 1 sub, 2 up, 4 Paeth (none and average are rarely the best for imagery).
        // The first pixel has no left neighbour; the loops after it have no branch but Paeth's.
        unsigned char* c0 = cand[0].data();
        unsigned char* c1 = cand[1].data();
        unsigned char* c2 = cand[2].data();
        const unsigned char* x = cur.data();
        const unsigned char* u = prev.data();
        for (std::size_t i = 0; i < bpp; ++i) {
            c0[i] = x[i];
            c1[i] = static_cast<unsigned char>(x[i] - u[i]);
            c2[i] = static_cast<unsigned char>(x[i] - u[i]); // Paeth of (0, up, 0) is up
        }
        for (std::size_t i = bpp; i < stride; ++i) {
            c0[i] = static_cast<unsigned char>(x[i] - x[i - bpp]);
            c1[i] = static_cast<unsigned char>(x[i] - u[i]);
        }
        for (std::size_t i = bpp; i < stride; ++i) {
            c2[i] = static_cast<unsigned char>(x[i] - paeth(x[i - bpp], u[i], u[i - bpp]));
        }
        static constexpr std::array<unsigned char, 3> types{1, 2, 4};
        std::size_t best = 0;
        std::uint64_t best_cost = cost(c0, stride);
        for (std::size_t k = 1; k < 3; ++k) {
            const std::uint64_t c = cost(cand[k].data(), stride);
            if (c < best_cost) {
                best_cost = c;
                best = k;
            }
        }
        unsigned char* dst = raw.get() + r * (stride + 1);
        dst[0] = types[best];
        std::memcpy(dst + 1, cand[best].data(), stride);
        std::swap(prev, cur);
    }

    const std::unique_ptr<libdeflate_compressor, CompressorFree> z(libdeflate_alloc_compressor(level));
    if (!z) throw std::bad_alloc();
    const std::size_t bound = libdeflate_zlib_compress_bound(z.get(), raw_size);
    const auto idat = std::make_unique_for_overwrite<unsigned char[]>(bound);
    const std::size_t n = libdeflate_zlib_compress(z.get(), raw.get(), raw_size, idat.get(), bound);
    if (n == 0) throw std::runtime_error("PNG: libdeflate could not compress the rows");

    std::string out;
    out.reserve(n + 64);
    out.append("\x89PNG\r\n\x1a\n", 8);
    std::string ihdr;
    put_be32(ihdr, static_cast<std::uint32_t>(cols));
    put_be32(ihdr, static_cast<std::uint32_t>(rows));
    static constexpr std::array<char, 5> color_type{0, 0, 4, 2, 6}; // by band count
    ihdr.push_back(static_cast<char>(depth * 8));
    ihdr.push_back(color_type[bands]);
    ihdr.append(3, '\0'); // deflate, adaptive filtering, no interlace
    put_chunk(out, "IHDR", reinterpret_cast<const unsigned char*>(ihdr.data()), ihdr.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    put_chunk(out, "IDAT", idat.get(), n);
    put_chunk(out, "IEND", nullptr, 0);
    return out;
}

} // namespace

std::string encode_png(const AnyArray& a, int level) {
    return write_png(a, nullptr, level);
}

std::string encode_png_with_alpha(const AnyArray& a, const Array<std::uint8_t>& alpha, int level) {
    return write_png(a, &alpha, level);
}

} // namespace rastio::serve
