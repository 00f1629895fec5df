#pragma once
/// A rectangle of pixels, in rasterio's order: column offset, row offset, width, height.

#include <optional>
#include <string>

namespace rastio {

/// A window of pixels: columns [col_off, col_off + width), rows [row_off, row_off + height).
struct Window {
    int col_off = 0;
    int row_off = 0;
    int width = 0;
    int height = 0;

    Window() = default;
    Window(int col_off_, int row_off_, int width_, int height_) noexcept
        : col_off(col_off_), row_off(row_off_), width(width_), height(height_) {}

    /// The whole of a width x height raster.
    static Window full(int width, int height) noexcept { return {0, 0, width, height}; }

    /// Width and height are positive. (Reads accept empty windows too and return an array with a
    /// zero dimension, as rasterio; only a negative width or height is an error.)
    bool is_valid() const noexcept { return width > 0 && height > 0; }
    /// True when this window lies wholly inside a raster of the given size.
    bool is_inside(int raster_width, int raster_height) const noexcept;
    /// True when the two windows share at least one pixel.
    bool intersects(const Window& other) const noexcept;
    /// The pixels both windows share, or nothing when they share none.
    std::optional<Window> intersection(const Window& other) const noexcept;
    /// The part inside a raster of the given size, as rasterio's Window.crop (which takes height
    /// first): offsets clamped to [0, size], the far edges too, so a window wholly outside becomes
    /// an empty window on the nearest edge (e.g. Window(20, 0, 0, 10) on a 20-column raster).
    Window cropped(int raster_width, int raster_height) const noexcept;
    /// The number of pixels, width * height.
    long long area() const noexcept { return static_cast<long long>(width) * height; }

    /// "Window(col_off=0, row_off=0, width=256, height=256)".
    std::string to_string() const;

    bool operator==(const Window&) const = default;
};

} // namespace rastio
