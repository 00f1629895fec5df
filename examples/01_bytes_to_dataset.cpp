// Flow 1, the simplest: bytes already in memory (downloaded, read from a database, received in a
// message) become a dataset with no temporary file.
//
//   01_bytes_to_dataset [file.tif]     (without an argument it makes a small GeoTIFF first)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include <rastio/rastio.hpp>

namespace {

/// Stands in for bytes from the network: a 3-band GeoTIFF written by rastio into memory.
std::vector<std::uint8_t> some_geotiff_bytes() {
    rastio::MemoryFile out;
    {
        auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 64, .height = 32, .count = 3,
                                            .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32618),
                                            .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30)});
        rastio::Array<std::uint8_t> a({3, 32, 64});
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i % 200);
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
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        } else {
            bytes = some_geotiff_bytes();
        }

        rastio::MemoryFile mf(bytes);          // copies; MemoryFile(std::move(bytes)) would adopt them
        auto ds = mf.open();
        rastio::AnyArray a = ds.read();

        const auto& s = a.shape();
        std::printf("memory file %s holds %llu bytes\n", mf.name().c_str(), static_cast<unsigned long long>(mf.size()));
        std::printf("driver=%s shape=(%zu, %zu, %zu) dtype=%s crs=%s\n", ds.driver().c_str(), s[0], s[1], s[2],
                    std::string(rastio::to_string(a.dtype())).c_str(), ds.crs().to_string().c_str());
        return 0;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "01_bytes_to_dataset: %s\n", e.what());
        return 1;
    }
}
