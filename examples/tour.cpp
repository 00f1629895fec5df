// The tour `make run` runs: every MemoryFile flow, printing each step, then the rastio tool
// reading bytes piped straight from a MemoryFile (`rastio info -`), with no file on disk.
// Usage: tour [PATH_TO_RASTIO_TOOL]   (default: the tool built beside it, RASTIO_TOOL_PATH)
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <rastio/rastio.hpp>

namespace {

rastio::Array<std::uint8_t> make_pixels() {
    rastio::Array<std::uint8_t> pixels({3, 64, 128});
    for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t r = 0; r < 64; ++r)
            for (std::size_t c = 0; c < 128; ++c) pixels(b, r, c) = static_cast<std::uint8_t>((b * 80 + r * 2 + c) % 256);
    return pixels;
}

rastio::Profile make_profile(const std::string& driver) {
    return rastio::Profile{.driver = driver, .width = 128, .height = 64, .count = 3, .dtype = rastio::DType::uint8,
                           .crs = rastio::CRS::from_epsg(32618),
                           .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30), .nodata = 0.0,
                           .options = driver == "GTiff" ? rastio::Options{{"COMPRESS", "DEFLATE"}} : rastio::Options{}};
}

const char* yes(bool b) { return b ? "identical" : "DIFFERENT"; }

} // namespace

int main(int argc, char** argv) {
    try {
        const auto pixels = make_pixels();
        bool ok = true;

        // 1. A file on disk, written and reopened (the classic flow, for comparison).
        const auto path = (std::filesystem::temp_directory_path() / "rastio-tour.tif").string();
        {
            auto dst = rastio::open(path, "w", make_profile("GTiff"));
            dst.write(pixels);
            dst.close();
        }
        {
            auto ds = rastio::open(path);
            std::printf("1. disk: wrote and reopened %s: driver=%s %dx%dx%d crs=%s\n", path.c_str(), ds.driver().c_str(),
                        ds.count(), ds.height(), ds.width(), ds.crs().to_string().c_str());
            const bool same = ds.read().as<std::uint8_t>() == pixels;
            std::printf("pixels round-trip: %s\n", same ? "identical" : "DIFFERENT");
            ok = ok && same;
        }
        std::filesystem::remove(path);

        // 2. Create a dataset in an empty MemoryFile: the GeoTIFF's bytes never touch the disk.
        rastio::MemoryFile made;
        {
            auto dst = made.open(make_profile("GTiff"));
            dst.write(pixels);
            dst.close();
        }
        const auto gtiff = made.getbuffer();
        const std::vector<std::byte> bytes(gtiff.begin(), gtiff.end());
        std::printf("2. created in memory at %s: %zu bytes, files: %s\n", made.name().c_str(), bytes.size(),
                    made.files().front().c_str());

        // 3. Bytes to a dataset: a MemoryFile made from (a copy of) those bytes, opened and read.
        {
            rastio::MemoryFile mf(bytes);
            auto ds = mf.open();
            const bool same = ds.read().as<std::uint8_t>() == pixels;
            std::printf("3. bytes -> dataset: mode %s, %s %dx%d, pixels %s\n", mf.mode().c_str(), ds.driver().c_str(),
                        ds.width(), ds.height(), yes(same));
            ok = ok && same;
        }

        // 4. Incremental writes: the bytes arrive in chunks (as from a socket), then open.
        {
            rastio::MemoryFile mf;
            std::size_t writes = 0;
            for (std::size_t at = 0; at < bytes.size(); at += 1024, ++writes) {
                mf.write(std::span<const std::byte>(bytes).subspan(at, std::min<std::size_t>(1024, bytes.size() - at)));
            }
            auto ds = mf.open();
            const bool same = ds.read().as<std::uint8_t>() == pixels;
            std::printf("4. %zu writes of up to 1024 bytes: size %llu, pixels %s\n", writes,
                        static_cast<unsigned long long>(mf.size()), yes(same));
            ok = ok && same;
        }

        // 5. Read-only borrowed bytes: no copy; GDAL may not write to them.
        {
            auto mf = rastio::MemoryFile::borrow(bytes);
            auto ds = mf.open();
            bool refused = false;
            try {
                mf.write(std::string_view("x"));
            } catch (const rastio::ModeError&) {
                refused = true;
            }
            std::printf("5. borrowed: zero-copy %s, write refused: %s, band 1 pixel (0, 0) = %d\n",
                        mf.getbuffer().data() == bytes.data() ? "yes" : "no", refused ? "yes" : "NO",
                        static_cast<int>(ds.read().as<std::uint8_t>()(0, 0, 0)));
            ok = ok && refused;
        }

        // 6. Read bytes back: a PNG made in memory (CreateCopy driver), with its sidecar.
        {
            rastio::MemoryFile png(rastio::MemoryFileOptions{.ext = ".png"});
            {
                auto dst = png.open(make_profile("PNG"));
                dst.write(pixels);
                dst.close();
            }
            png.seek(1);
            const auto magic = png.read(3);
            std::string files;
            for (const auto& f : png.files()) files += " " + f;
            std::printf("6. PNG in memory: %llu bytes, magic \"%c%c%c\", files:%s\n",
                        static_cast<unsigned long long>(png.size()), static_cast<char>(magic[0]),
                        static_cast<char>(magic[1]), static_cast<char>(magic[2]), files.c_str());
        }

        // 7. The tool reads the MemoryFile's bytes from a pipe: `rastio info -`.
        std::string tool = argc > 1 ? argv[1] : "";
#ifdef RASTIO_TOOL_PATH
        if (tool.empty()) tool = RASTIO_TOOL_PATH;
#endif
        if (tool.empty() || !std::filesystem::exists(tool)) {
            std::printf("7. skipped: the rastio tool was not found (give its path as the first argument)\n");
        } else {
            std::printf("7. piping %zu bytes from the MemoryFile into `rastio info - --indent 2`\n", bytes.size());
            std::printf("rastio info - said:\n");
            std::fflush(stdout);
            FILE* pipe = popen(("'" + tool + "' info - --indent 2").c_str(), "w");
            if (pipe == nullptr) throw rastio::IOError("cannot start " + tool, tool);
            const bool written = std::fwrite(bytes.data(), 1, bytes.size(), pipe) == bytes.size();
            const int status = pclose(pipe);
            const bool tool_ok = written && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            std::printf("rastio exited with %s\n", tool_ok ? "status 0" : "a FAILURE");
            ok = ok && tool_ok;
        }
        made.close();
        std::printf(ok ? "tour complete\n" : "tour FAILED\n");
        return ok ? 0 : 1;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "tour: error: %s\n", e.what());
        return 1;
    }
}
