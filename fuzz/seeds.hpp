#pragma once
// Seeds for the fuzzer and its replay: small valid rasters made with GDAL's C API, and
// deterministic mutations of them (truncations, byte flips, interesting integers).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rastio::fuzz {

struct Seed {
    std::string name;           // "gtiff-tiled-deflate.tif"
    std::vector<std::byte> bytes;
};

/// Valid GeoTIFF (several layouts, dtypes and codecs), PNG, JPEG and zip files, made in memory.
std::vector<Seed> make_seeds();

/// The `index`-th mutation of `seed` (deterministic: the same arguments give the same bytes).
std::vector<std::byte> mutate(const std::vector<std::byte>& seed, std::uint64_t index);

} // namespace rastio::fuzz
