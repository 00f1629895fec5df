// Flow 2: bytes arrive in pieces (a socket, a pipe, a chunked download). Write them into an
// empty MemoryFile as they come, then open the result.
//
//   02_incremental_writes [file.tif]   (without an argument it streams a GeoTIFF it makes first)
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <rastio/rastio.hpp>

namespace {

/// Reads up to `size` bytes from `in`; 0 at the end.
std::size_t read_some(std::istream& in, std::byte* buf, std::size_t size) {
    in.read(reinterpret_cast<char*>(buf), static_cast<std::streamsize>(size)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): istream reads chars
    return static_cast<std::size_t>(in.gcount());
}

/// A stream to read from: the file given, or a GeoTIFF made in memory.
std::unique_ptr<std::istream> source(int argc, char** argv) {
    if (argc > 1) return std::make_unique<std::ifstream>(argv[1], std::ios::binary);
    rastio::MemoryFile out;
    {
        auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 256, .height = 256, .count = 1,
                                            .dtype = rastio::DType::uint16, .crs = rastio::CRS::from_epsg(4326),
                                            .transform = rastio::Affine::from_origin(-110.0, 10.0, 0.01, 0.01)});
        rastio::Array<std::uint16_t> a({1, 256, 256});
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint16_t>(i);
        dst.write(a);
    }
    const auto buf = out.getbuffer();
    return std::make_unique<std::istringstream>(std::string(reinterpret_cast<const char*>(buf.data()), buf.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars
}

} // namespace

int main(int argc, char** argv) {
    try {
        auto in = source(argc, argv);
        std::byte buf[8192];
        std::size_t writes = 0;

        rastio::MemoryFile mf;                 // empty and writable ("w+")
        while (std::size_t n = read_some(*in, buf, sizeof buf)) {
            mf.write(std::span(buf, n));
            ++writes;
        }
        auto ds = mf.open();

        std::printf("%zu writes of up to 8192 bytes: %llu bytes, mode %s\n", writes,
                    static_cast<unsigned long long>(mf.size()), mf.mode().c_str());
        std::printf("driver=%s width=%d height=%d dtype=%s crs=%s\n", ds.driver().c_str(), ds.width(), ds.height(),
                    std::string(rastio::to_string(ds.dtypes().front())).c_str(), ds.crs().to_string().c_str());
        return 0;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "02_incremental_writes: %s\n", e.what());
        return 1;
    }
}
