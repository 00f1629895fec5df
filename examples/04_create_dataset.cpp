// Flow 4: create a dataset inside an empty MemoryFile through the dataset API. The bytes are
// complete once the dataset closes; then open() reads them back. PNG, JPEG, COG and WEBP, which
// GDAL can only CreateCopy, work through the same call.
#include <cstdio>

#include <rastio/rastio.hpp>

int main() {
    try {
        rastio::Array<std::uint8_t> array({3, 256, 512});
        for (std::size_t b = 0; b < 3; ++b)
            for (std::size_t r = 0; r < 256; ++r)
                for (std::size_t c = 0; c < 512; ++c) array(b, r, c) = static_cast<std::uint8_t>((b * 85 + r + c) % 256);

        rastio::MemoryFile out;
        {
            auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 512, .height = 256, .count = 3,
                                                .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32618),
                                                .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30),
                                                .options = {{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}}});
            dst.write(array);
        }                                      // closing the dataset completes the bytes
        std::printf("GTiff: %llu bytes\n", static_cast<unsigned long long>(out.size()));

        auto ds = out.open();
        const auto p = ds.profile();
        std::printf("reopened: %dx%dx%d %s, COMPRESS=%s, TILED=%s, crs=%s, identical=%s\n", ds.width(), ds.height(),
                    ds.count(), std::string(rastio::to_string(ds.dtypes()[0])).c_str(), p.options.at("COMPRESS").c_str(),
                    p.options.at("TILED").c_str(), ds.crs().to_string().c_str(),
                    ds.read().as<std::uint8_t>() == array ? "yes" : "NO");

        rastio::MemoryFile png(rastio::MemoryFileOptions{.ext = ".png"});
        {
            auto dst = png.open(rastio::Profile{.driver = "PNG", .width = 512, .height = 256, .count = 3,
                                                .dtype = rastio::DType::uint8});
            dst.write(array);
        }
        std::printf("PNG: %llu bytes, identical=%s\n", static_cast<unsigned long long>(png.size()),
                    png.open().read().as<std::uint8_t>() == array ? "yes" : "NO");
        return 0;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "04_create_dataset: %s\n", e.what());
        return 1;
    }
}
