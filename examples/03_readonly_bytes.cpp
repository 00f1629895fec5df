// Flow 3: a MemoryFile made from bytes is read-only. Extending it is refused with a clear error,
// and the caller's bytes are never modified (rasterio 1.3 lets GDAL write into them).
#include <cstdio>
#include <string>
#include <vector>

#include <rastio/rastio.hpp>

int main() {
    try {
        // Bytes the caller owns: a small GeoTIFF made in memory, then copied out.
        std::vector<std::byte> bytes;
        {
            rastio::MemoryFile out;
            out.open(rastio::Profile{.driver = "GTiff", .width = 16, .height = 16, .count = 1,
                                     .dtype = rastio::DType::uint8})
                .close();
            const auto buf = out.getbuffer();
            bytes.assign(buf.begin(), buf.end());
        }
        const std::vector<std::byte> before = bytes;

        auto ro = rastio::MemoryFile::borrow(bytes);   // zero-copy: rastio reads the caller's buffer
        std::printf("mode %s, zero-copy: %s\n", ro.mode().c_str(), ro.getbuffer().data() == bytes.data() ? "yes" : "no");

        const std::string more = "more bytes";
        try {
            ro.write(more);                            // throws rastio::ModeError
        } catch (const rastio::ModeError& e) {
            std::printf("ModeError: %s\n", e.what());
        }
        try {
            rastio::open(ro.name(), "r+");             // updating through GDAL is refused too
        } catch (const rastio::ModeError& e) {
            std::printf("ModeError: %s\n", e.what());
        }
        ro.close();
        std::printf("caller's bytes unchanged: %s\n", bytes == before ? "yes" : "NO");
        return bytes == before ? 0 : 1;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "03_readonly_bytes: %s\n", e.what());
        return 1;
    }
}
