#pragma once
/// Enumerations named as rasterio's: resampling methods, color interpretations, mask flags.

#include <string>
#include <string_view>

namespace rastio {

/// Resampling methods, with rasterio's names and values. nearest..gauss and rms work for reads
/// and overviews; max, min, med, q1, q3 and sum are warp-only in GDAL 3.6 (as in rasterio).
enum class Resampling {
    nearest = 0, bilinear = 1, cubic = 2, cubic_spline = 3, lanczos = 4, average = 5, mode = 6,
    gauss = 7, max = 8, min = 9, med = 10, q1 = 11, q3 = 12, sum = 13, rms = 14
};

/// rasterio's name: "nearest", "cubic_spline"...
std::string_view to_string(Resampling r) noexcept;
/// Parses rasterio's name; throws ArgumentError on an unknown one.
Resampling parse_resampling(std::string_view name);

/// How a band's color is interpreted, as rasterio's ColorInterp (GDAL's GDALColorInterp values).
enum class ColorInterp {
    undefined = 0, gray = 1, palette = 2, red = 3, green = 4, blue = 5, alpha = 6, hue = 7,
    saturation = 8, lightness = 9, cyan = 10, magenta = 11, yellow = 12, black = 13, Y = 14,
    Cb = 15, Cr = 16
};

/// rasterio's name: "gray", "red", "Cb"...
std::string_view to_string(ColorInterp c) noexcept;
/// Parses rasterio's name ("grey" too); throws ArgumentError on an unknown one.
ColorInterp parse_colorinterp(std::string_view name);

/// The kind of a band's mask, as rasterio's mask_flag_enums (GDAL's GMF_* bits).
struct MaskFlags {
    bool all_valid = false;   ///< no mask: every pixel is valid
    bool per_dataset = false; ///< one mask shared by all bands (a .msk or internal mask, or alpha)
    bool alpha = false;       ///< the mask is the alpha band
    bool nodata = false;      ///< the mask comes from the nodata value

    /// From GDAL's GMF_* bit set.
    static MaskFlags from_gdal(int flags) noexcept;
    /// GDAL's GMF_* bit set.
    int to_gdal() const noexcept;
    /// "[per_dataset, alpha]", rasterio's order.
    std::string to_string() const;
    bool operator==(const MaskFlags&) const = default;
};

/// How index() turns fractional pixel coordinates into whole ones (Python's math.floor,
/// math.ceil and round, which rounds halves to even).
enum class Rounding { floor, ceil, round };

/// Which point of a pixel xy() gives: its center or a corner (upper/lower, left/right).
enum class PixelOffset { center, ul, ur, ll, lr };

} // namespace rastio
