#pragma once
// Private: pixels to bytes, apart from HTTP. Reads a window of a dataset with its validity
// mask, applies rescale and colormaps, and encodes PNG, JPEG, WEBP, GeoTIFF or .npy in a
// MemoryFile (never on disk).

#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>
#include <optional>
#include <string>
#include <utility>

#include <rastio/array.hpp>
#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>

#include "params.hpp"

namespace rastio::serve {

/// A pixel as a number: itself, or the magnitude of a complex value.
template <class T>
double pixel_value(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) return static_cast<double>(v);
    else if constexpr (requires { v.real(); }) return static_cast<double>(std::abs(v));
    else return std::hypot(static_cast<double>(v.real), static_cast<double>(v.imag));
}

/// Pixels (bands, rows, cols), one validity mask (1, rows, cols; 255 valid), and where they lie.
struct ImageData {
    AnyArray data;
    Array<std::uint8_t> mask;
    CRS crs;
    std::optional<Affine> transform;
};

enum class Format { png, jpeg, webp, gtiff, npy };

/// "png", "jpg"/"jpeg", "webp", "tif"/"tiff", "npy"; 400 naming `param` otherwise.
Format parse_format(const std::string& text, const std::string& param = "format");
/// The MIME type of a format.
std::string content_type(Format f);
/// TiTiler's default: JPEG when every pixel is valid, else PNG (which carries the mask as alpha).
Format default_format(const ImageData& img);

/// Reads `p.bands` of a window of `ds` (none: the whole raster), resampled to (rows, cols),
/// with one mask: a pixel is valid where any band is (the nodata override in `p` applies).
ImageData read_image(const Dataset& ds, const ImageParams& p, const std::optional<Window>& window, int rows, int cols);

/// Applies rescale (to uint8) and the colormap (to RGB) from `p`.
ImageData post_process(ImageData img, const ImageParams& p);

/// The encoded bytes; the mask becomes alpha in PNG/WEBP when `return_mask`, a per-dataset mask
/// in GeoTIFF, and a last band in .npy (as rio-tiler). Throws HttpError 400 when the image
/// cannot be written in that format (e.g. 2 bands as JPEG).
std::string encode(const ImageData& img, Format f, bool return_mask = true);

/// (rows, cols) no larger than max_size on the long side, keeping the aspect of (height, width).
std::pair<int, int> fit_size(int height, int width, int max_size);

/// An FNV-1a 64-bit hash of `bytes`, as 16 hex digits (for ETags).
std::string hash_hex(const std::string& bytes);

} // namespace rastio::serve
