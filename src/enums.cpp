#include <rastio/enums.hpp>

#include <array>
#include <string>

#include <gdal.h>

#include <rastio/error.hpp>

namespace rastio {

namespace {

constexpr std::array<std::string_view, 15> k_resampling{
    "nearest", "bilinear", "cubic", "cubic_spline", "lanczos", "average", "mode", "gauss",
    "max",     "min",      "med",   "q1",           "q3",      "sum",     "rms"};

constexpr std::array<std::string_view, 17> k_colorinterp{
    "undefined", "gray", "palette", "red",     "green",  "blue",  "alpha", "hue", "saturation",
    "lightness", "cyan", "magenta", "yellow", "black", "Y",     "Cb",    "Cr"};

} // namespace

std::string_view to_string(Resampling r) noexcept {
    const auto i = static_cast<std::size_t>(r);
    return i < k_resampling.size() ? k_resampling[i] : std::string_view("unknown");
}

Resampling parse_resampling(std::string_view name) {
    for (std::size_t i = 0; i < k_resampling.size(); ++i) {
        if (k_resampling[i] == name) return static_cast<Resampling>(i);
    }
    std::string all;
    for (auto n : k_resampling) all += (all.empty() ? "" : ", ") + std::string(n);
    throw ArgumentError("unknown resampling method \"" + std::string(name) + "\"; known: " + all);
}

std::string_view to_string(ColorInterp c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    return i < k_colorinterp.size() ? k_colorinterp[i] : std::string_view("undefined");
}

ColorInterp parse_colorinterp(std::string_view name) {
    if (name == "grey") return ColorInterp::gray;
    for (std::size_t i = 0; i < k_colorinterp.size(); ++i) {
        if (k_colorinterp[i] == name) return static_cast<ColorInterp>(i);
    }
    throw ArgumentError("unknown color interpretation \"" + std::string(name) +
                        "\"; known: undefined, gray, palette, red, green, blue, alpha, hue, saturation, "
                        "lightness, cyan, magenta, yellow, black, Y, Cb, Cr");
}

MaskFlags MaskFlags::from_gdal(int flags) noexcept {
    return {.all_valid = (flags & GMF_ALL_VALID) != 0,
            .per_dataset = (flags & GMF_PER_DATASET) != 0,
            .alpha = (flags & GMF_ALPHA) != 0,
            .nodata = (flags & GMF_NODATA) != 0};
}

int MaskFlags::to_gdal() const noexcept {
    return (all_valid ? GMF_ALL_VALID : 0) | (per_dataset ? GMF_PER_DATASET : 0) | (alpha ? GMF_ALPHA : 0) |
           (nodata ? GMF_NODATA : 0);
}

std::string MaskFlags::to_string() const {
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        s += s.empty() ? "" : ", ";
        s += name;
    };
    add(all_valid, "all_valid");
    add(per_dataset, "per_dataset");
    add(alpha, "alpha");
    add(nodata, "nodata");
    return "[" + s + "]";
}

} // namespace rastio
