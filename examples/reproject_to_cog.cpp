// Reprojection in memory: GeoTIFF bytes in UTM arrive, are warped to Web Mercator, and leave as
// the bytes of a Cloud Optimized GeoTIFF, with no temporary file. Then the same source is read
// through a WarpedVRT, as a tile server does, without warping (or copying) all of it.
//
//   reproject_to_cog [file.tif]     (without an argument it makes a small GeoTIFF first)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include <rastio/rastio.hpp>

namespace {

/// Stands in for bytes from the network: a 3-band 256x256 GeoTIFF in UTM zone 33N.
std::vector<std::uint8_t> some_geotiff_bytes() {
    rastio::MemoryFile out;
    {
        auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 256, .height = 256, .count = 3,
                                            .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32633),
                                            .transform = rastio::Affine::from_origin(400000, 5600000, 100, 100)});
        rastio::Array<std::uint8_t> a({3, 256, 256});
        for (std::size_t b = 0; b < 3; ++b)
            for (std::size_t r = 0; r < 256; ++r)
                for (std::size_t c = 0; c < 256; ++c) a(b, r, c) = static_cast<std::uint8_t>(1 + (b * 60 + r + c) % 250);
        dst.write(a);
    }
    const auto buf = out.getbuffer();
    return {reinterpret_cast<const std::uint8_t*>(buf.data()), reinterpret_cast<const std::uint8_t*>(buf.data()) + buf.size()}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as uint8
}

} // namespace

int main(int argc, char** argv) {
    try {
        std::vector<std::uint8_t> bytes;
        if (argc > 1) {
            std::ifstream in(argv[1], std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        } else {
            bytes = some_geotiff_bytes();
        }

        // 1. Bytes -> dataset -> reproject into a grid GDAL suggests for Web Mercator.
        rastio::MemoryFile src(std::move(bytes));
        auto ds = src.open();
        const auto web_mercator = rastio::CRS::from_epsg(3857);
        auto warped = rastio::reproject(rastio::WarpSource::from_dataset(ds),
                                        rastio::WarpDestination::make(web_mercator),
                                        {.resampling = rastio::Resampling::bilinear, .dst_nodata = 0});
        const auto& shape = warped.array.shape();
        std::printf("reprojected %s %dx%d to %s: %zux%zu\n", ds.crs().to_string().c_str(), ds.width(), ds.height(),
                    web_mercator.to_string().c_str(), shape[2], shape[1]);

        // 2. The array -> a COG in an empty MemoryFile (COG is CreateCopy-only: written on close).
        rastio::MemoryFile cog;
        {
            auto dst = cog.open(rastio::Profile{.driver = "COG", .width = static_cast<int>(shape[2]),
                                                .height = static_cast<int>(shape[1]),
                                                .count = static_cast<int>(shape[0]), .dtype = warped.array.dtype(),
                                                .crs = web_mercator, .transform = warped.transform, .nodata = 0,
                                                .options = {{"COMPRESS", "DEFLATE"}, {"BLOCKSIZE", "256"}}});
            dst.write(warped.array);
        }
        const auto out = cog.open();
        const auto layout = out.tags(0, "IMAGE_STRUCTURE");
        std::printf("COG: %llu bytes, LAYOUT=%s, crs=%s, identical=%s\n", static_cast<unsigned long long>(cog.size()),
                    layout.count("LAYOUT") ? layout.at("LAYOUT").c_str() : "?", out.crs().to_string().c_str(),
                    out.read() == warped.array ? "yes" : "NO");

        // 3. A WarpedVRT reads only what one window needs: a 64x64 tile, warped on demand.
        rastio::WarpedVRT vrt(ds, {.crs = web_mercator, .resampling = rastio::Resampling::bilinear, .nodata = 0});
        const rastio::Window tile(64, 64, 64, 64);
        const auto part = vrt.read(rastio::ReadOptions{.window = tile});
        bool same = true;
        const auto& whole = warped.array.as<std::uint8_t>();
        const auto& t = part.as<std::uint8_t>();
        for (std::size_t b = 0; b < 3; ++b)
            for (std::size_t r = 0; r < 64; ++r)
                for (std::size_t c = 0; c < 64; ++c) same = same && t(b, r, c) == whole(b, r + 64, c + 64);
        std::printf("WarpedVRT %dx%d, tile %s: identical=%s\n", vrt.width(), vrt.height(), tile.to_string().c_str(),
                    same ? "yes" : "NO");
        return 0;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "reproject_to_cog: error: %s\n", e.what());
        return 1;
    }
}
