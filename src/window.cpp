#include <rastio/window.hpp>

#include <algorithm>

namespace rastio {

bool Window::is_inside(int raster_width, int raster_height) const noexcept {
    return col_off >= 0 && row_off >= 0 && width >= 0 && height >= 0 &&
           static_cast<long long>(col_off) + width <= raster_width &&
           static_cast<long long>(row_off) + height <= raster_height;
}

Window Window::cropped(int raster_width, int raster_height) const noexcept {
    auto clamp = [](long long v, int size) { return static_cast<int>(std::clamp<long long>(v, 0, std::max(size, 0))); };
    const int left = clamp(col_off, raster_width);
    const int top = clamp(row_off, raster_height);
    const int right = std::max(left, clamp(static_cast<long long>(col_off) + width, raster_width));
    const int bottom = std::max(top, clamp(static_cast<long long>(row_off) + height, raster_height));
    return {left, top, right - left, bottom - top};
}

bool Window::intersects(const Window& other) const noexcept { return intersection(other).has_value(); }

std::optional<Window> Window::intersection(const Window& other) const noexcept {
    const long long left = std::max<long long>(col_off, other.col_off);
    const long long top = std::max<long long>(row_off, other.row_off);
    const long long right = std::min<long long>(static_cast<long long>(col_off) + width,
                                                static_cast<long long>(other.col_off) + other.width);
    const long long bottom = std::min<long long>(static_cast<long long>(row_off) + height,
                                                 static_cast<long long>(other.row_off) + other.height);
    if (right <= left || bottom <= top) return std::nullopt;
    return Window(static_cast<int>(left), static_cast<int>(top), static_cast<int>(right - left),
                  static_cast<int>(bottom - top));
}

std::string Window::to_string() const {
    return "Window(col_off=" + std::to_string(col_off) + ", row_off=" + std::to_string(row_off) +
           ", width=" + std::to_string(width) + ", height=" + std::to_string(height) + ")";
}

} // namespace rastio
