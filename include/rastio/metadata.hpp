#pragma once
/// Band and georeferencing metadata beyond tags: colormaps, ground control points, RPCs.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rastio/crs.hpp>

namespace rastio {

/// A palette: pixel value -> (red, green, blue, alpha), as rasterio's colormap dict.
using Colormap = std::map<int, std::array<std::uint8_t, 4>>;

/// A ground control point: pixel (row, col) tied to (x, y, z), as rasterio's GroundControlPoint.
struct GroundControlPoint {
    double row = 0, col = 0;
    double x = 0, y = 0, z = 0;
    std::string id;
    std::string info;
    bool operator==(const GroundControlPoint&) const = default;
};

/// A dataset's GCPs and the CRS of their (x, y), as rasterio's `gcps`.
struct GCPs {
    std::vector<GroundControlPoint> points;
    CRS crs;
};

/// Rational polynomial coefficients, as rasterio's RPC (GDAL's "RPC" metadata domain).
struct RPC {
    double err_bias = 0, err_rand = 0;
    double height_off = 0, height_scale = 0;
    double lat_off = 0, lat_scale = 0;
    double long_off = 0, long_scale = 0;
    double line_off = 0, line_scale = 0;
    double samp_off = 0, samp_scale = 0;
    std::array<double, 20> line_num_coeff{}, line_den_coeff{};
    std::array<double, 20> samp_num_coeff{}, samp_den_coeff{};
    bool operator==(const RPC&) const = default;
};

} // namespace rastio
