#pragma once
// Private: a direct reader for common GeoTIFF layouts held in /vsimem/, decoding blocks in
// parallel from the in-memory bytes straight into the caller's buffer. GDAL reads the rest.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <gdal.h>

#include <rastio/window.hpp>

namespace rastio::detail {

/// Reads `window` of `bands` (1-based) of the GTiff dataset `h`, opened read-only at the
/// /vsimem/ path `path`, into `out` (band-sequential pixels of GDAL type `type`, which must be
/// the bands' own type). Returns false when the file's layout is not one it handles, or its
/// bytes do not decode: the caller then reads through GDAL, which overwrites `out` entirely
/// and reports any corruption itself. Borrows `out` for the call only.
/// Handles little-endian classic and BigTIFF, tiled or striped, pixel or band interleaved,
/// 8/16/32/64-bit integer and 32/64-bit float samples, no compression, DEFLATE, LZW and ZSTD
/// with predictors 1, 2 and 3. The configuration option RASTIO_DIRECT_READ=NO turns it off.
/// `band_stride`: pixels from the start of one output band to the next, at least the window's
/// size (0: exactly that, packed), as GDAL's warper lays out its source buffer.
bool gtiff_direct_read(GDALDatasetH h, const std::string& path, std::span<const int> bands, const Window& window,
                       GDALDataType type, std::span<std::byte> out, std::size_t band_stride = 0);

/// Reads `window` of `bands` of the remote GTiff dataset `h` (opened read-only at a /vsicurl/,
/// /vsis3/ ... or ByteSource path) into `out`, out_rows x out_cols a band, band-sequential:
/// at full resolution, or from an overview on which the read lands pixel for pixel. The header
/// is parsed once per unchanged file (cached by path, size and time); only the blocks the read
/// needs are fetched, close ranges merged, in up to four concurrent batches; blocks decode in
/// parallel. Returns false when it does not apply or a fetch fails: the caller then reads
/// through GDAL, which overwrites `out` and reports any failure. Borrows `out` for the call.
bool gtiff_remote_read(GDALDatasetH h, const std::string& path, std::span<const int> bands, const Window& window,
                       int out_cols, int out_rows, GDALDataType type, std::span<std::byte> out);

/// How many reads the remote direct path served in this process.
std::uint64_t gtiff_remote_read_count() noexcept;

/// How many reads the direct path served in this process (tests use it to prove which path ran).
std::uint64_t gtiff_direct_read_count() noexcept;

/// Decodes TIFF LZW (MSB-first codes, early change) from `in` into `out`; returns the number of
/// bytes written (at most out.size()), or -1 on a corrupt stream or old-style (LSB-first) LZW.
std::ptrdiff_t tiff_lzw_decode(std::span<const std::byte> in, std::span<std::byte> out) noexcept;

} // namespace rastio::detail
