// The tour `make run` runs: writes a small georeferenced GeoTIFF, reopens it and describes it.
#include <cstdio>
#include <filesystem>

#include <rastio/rastio.hpp>

int main() {
    try {
        const auto path = (std::filesystem::temp_directory_path() / "rastio-tour.tif").string();
        rastio::Array<std::uint8_t> pixels({3, 64, 128});
        for (std::size_t b = 0; b < 3; ++b)
            for (std::size_t r = 0; r < 64; ++r)
                for (std::size_t c = 0; c < 128; ++c) pixels(b, r, c) = static_cast<std::uint8_t>((b * 80 + r * 2 + c) % 256);
        {
            auto dst = rastio::open(path, "w",
                                    rastio::Profile{.driver = "GTiff", .width = 128, .height = 64, .count = 3,
                                                    .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32618),
                                                    .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30),
                                                    .nodata = 0.0, .options = {{"COMPRESS", "DEFLATE"}}});
            dst.write(pixels);
            dst.close();
        }
        auto ds = rastio::open(path);
        const auto b = ds.bounds();
        std::printf("wrote and reopened %s\n", path.c_str());
        std::printf("driver=%s width=%d height=%d count=%d dtype=%s crs=%s\n", ds.driver().c_str(), ds.width(),
                    ds.height(), ds.count(), std::string(rastio::to_string(ds.dtypes()[0])).c_str(),
                    ds.crs().to_string().c_str());
        std::printf("transform=%s\nbounds=(%g, %g, %g, %g)\n", ds.transform().to_string().c_str(), b.left, b.bottom,
                    b.right, b.top);
        const bool same = ds.read().as<std::uint8_t>() == pixels;
        std::printf("pixels round-trip: %s\n", same ? "identical" : "DIFFERENT");
        ds.close();
        std::filesystem::remove(path);
        return same ? 0 : 1;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "tour: error: %s\n", e.what());
        return 1;
    }
}
