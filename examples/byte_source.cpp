// Your own reader: implement rastio::ByteSource (size, read_at, optionally read_ranges) and any
// driver reads a raster through it, fetching only the bytes a read needs. Here the reader wraps
// another source and counts what GDAL asks of it; yours might call an S3 SDK or an HTTP client.
// Give a raster file to read that (through FileByteSource, pread); else a tiled GeoTIFF is made.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>

#include <rastio/rastio.hpp>

/// Counts requests and bytes, then forwards to the wrapped source. Thread-safe as its source is.
class CountingSource : public rastio::ByteSource {
public:
    explicit CountingSource(std::shared_ptr<rastio::ByteSource> inner) : m_inner(std::move(inner)) {}
    std::uint64_t size() override { return m_inner->size(); }
    void read_at(std::uint64_t offset, std::span<std::byte> out) override {
        ++requests;
        bytes += out.size();
        m_inner->read_at(offset, out);
    }
    std::string name() const override { return m_inner->name(); }

    std::atomic<long> requests{0};
    std::atomic<std::uint64_t> bytes{0};

private:
    std::shared_ptr<rastio::ByteSource> m_inner;
};

int main(int argc, char** argv) {
    try {
        rastio::MemoryFile made; // the raster to read when no file is given
        std::shared_ptr<rastio::ByteSource> inner;
        if (argc > 1) {
            inner = std::make_shared<rastio::FileByteSource>(argv[1]);
        } else {
            rastio::Array<std::uint8_t> array({3, 1024, 1024});
            for (std::size_t b = 0; b < 3; ++b)
                for (std::size_t r = 0; r < 1024; ++r)
                    for (std::size_t c = 0; c < 1024; ++c) array(b, r, c) = static_cast<std::uint8_t>((b * 85 + r * 3 + c) % 251);
            auto dst = made.open(rastio::Profile{.driver = "GTiff", .width = 1024, .height = 1024, .count = 3,
                                                 .dtype = rastio::DType::uint8,
                                                 .options = {{"TILED", "YES"}, {"COMPRESS", "DEFLATE"}}});
            dst.write(array);
            dst.close();
            inner = std::make_shared<rastio::MemoryFileByteSource>(made);
        }
        auto source = std::make_shared<CountingSource>(inner);

        auto ds = rastio::open(source); // the dataset keeps `source` alive until it closes
        const rastio::Window window{ds.width() / 2, ds.height() / 2, std::min(256, ds.width() / 2),
                                    std::min(256, ds.height() / 2)};
        const long open_requests = source->requests;
        const auto pixels = ds.read(rastio::ReadOptions{.window = window});
        std::printf("%s: %s %dx%dx%d, opened with %ld reads\n", source->name().c_str(), ds.driver().c_str(),
                    ds.width(), ds.height(), ds.count(), open_requests);
        std::printf("window %dx%d at (%d, %d): %ld reads in all, %llu of %llu bytes fetched\n", window.width,
                    window.height, window.col_off, window.row_off, source->requests.load(),
                    static_cast<unsigned long long>(source->bytes.load()),
                    static_cast<unsigned long long>(source->size()));
        ds.close(); // unregisters the source from GDAL

        // The same window read by GDAL from the file itself.
        auto local = argc > 1 ? rastio::open(argv[1]) : made.open();
        const auto expected = local.read(rastio::ReadOptions{.window = window});
        const bool same = pixels.shape() == expected.shape() && pixels.bytes().size() == expected.bytes().size() &&
                          std::memcmp(pixels.bytes().data(), expected.bytes().data(), pixels.bytes().size()) == 0;
        std::printf("same pixels as a direct read: identical=%s; sources still registered: %zu\n", same ? "yes" : "NO",
                    rastio::registered_byte_sources());
        return same ? 0 : 1;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "byte_source: %s\n", e.what());
        return 1;
    }
}
