// Writes a tiny GeoTIFF to GDAL's in-memory filesystem with an installed rastio and reads it back.
#include <cstdio>
#include <exception>

#include <cpl_vsi.h>

#include <rastio/rastio.hpp>

int main() {
    try {
        const std::string path = "/vsimem/rastio_consumer.tif";
        {
            auto ds = rastio::open(path, "w",
                                   rastio::Profile{.driver = "GTiff", .width = 4, .height = 3, .count = 2,
                                                   .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(4326),
                                                   .transform = rastio::Affine::from_origin(0, 3, 1, 1)});
            rastio::Array<std::uint8_t> a({2, 3, 4});
            a(1, 2, 3) = 7;
            ds.write(a);
        }
        auto ds = rastio::open(path);
        const auto a = ds.read().as<std::uint8_t>();
        std::printf("consumer: %d bands, %s, pixel %d\n", ds.count(), ds.crs().to_string().c_str(), a(1, 2, 3));
        ds.close();
        VSIUnlink(path.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "consumer failed: %s\n", e.what());
        return 1;
    }
}
