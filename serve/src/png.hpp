#pragma once
// Private: PNG encoding for tiles, without libpng: rows filtered here, compressed by libdeflate.
// GDAL 3.6's PNG driver goes through libpng's adaptive filtering and zlib, a quarter of a tile's
// time; this writes the same pixels (any PNG decoder reads them back bit for bit) in a fraction.

#include <string>

#include <rastio/array.hpp>

namespace rastio::serve {

/// `a` (bands, rows, cols) of uint8 or uint16 with 1 to 4 bands (gray, gray + alpha, RGB, RGBA)
/// as a PNG file. Each row takes the filter (none, sub, up or Paeth) whose output has the
/// smallest sum of magnitudes, as libpng's heuristic; `level` is libdeflate's (1..12).
/// Throws std::invalid_argument for other dtypes or band counts, std::bad_alloc when out of memory.
std::string encode_png(const AnyArray& a, int level = 2);
/// As encode_png, with `alpha` (1, rows, cols) as one more band: 0 where it is 0, else the
/// dtype's maximum (what a mask band written into the array would give, without that copy).
std::string encode_png_with_alpha(const AnyArray& a, const Array<std::uint8_t>& alpha, int level = 2);

} // namespace rastio::serve
