// Flow 5, the most complete: a dataset written in memory, read back like a file (seek, read,
// tell), handed on zero-copy (getbuffer), its mask sidecar listed, and a zip of it opened in memory.
#include <cstdio>
#include <string>

#include <cpl_vsi.h>

#include <rastio/rastio.hpp>

int main() {
    try {
        rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = "scene.tif"});
        {
            auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 128, .height = 128, .count = 1,
                                                .dtype = rastio::DType::float32, .crs = rastio::CRS::from_epsg(3857),
                                                .transform = rastio::Affine::from_origin(0, 0, 10, 10), .nodata = -9999.0});
            rastio::Array<float> a({1, 128, 128});
            for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>(i) * 0.5f;
            dst.write(a);
            dst.update_tags({{"SOURCE", "example 05"}});
            rastio::Array<std::uint8_t> valid({1, 128, 128});
            for (std::size_t i = 0; i < valid.size(); ++i) valid.data()[i] = i % 128 < 8 ? 0 : 255;
            dst.write_mask(valid, {}, rastio::MaskStorage::sidecar); // a .msk file beside scene.tif
        }

        std::uint64_t pos = out.seek(0);                  // returns the new position
        std::vector<std::byte> head = out.read(4);        // "II*\0"; read() with no size reads to the end
        pos = out.tell();
        std::printf("header: %02x %02x %02x %02x, position %llu\n", static_cast<unsigned>(head[0]), static_cast<unsigned>(head[1]),
                    static_cast<unsigned>(head[2]), static_cast<unsigned>(head[3]), static_cast<unsigned long long>(pos));
        std::printf("end at %llu\n", static_cast<unsigned long long>(out.seek(0, rastio::Whence::end)));

        std::span<const std::byte> all = out.getbuffer(); // zero-copy view of the whole file
        auto view = rastio::MemoryFile::borrow(all);      // hand it on without a copy
        auto ds = view.open();
        std::printf("borrowed view: %d x %d %s, nodata %g, SOURCE=%s\n", ds.width(), ds.height(),
                    std::string(rastio::to_string(ds.dtypes()[0])).c_str(), *ds.nodata(), ds.tags().at("SOURCE").c_str());

        std::printf("files:");
        for (const auto& f : out.files()) std::printf(" %s", f.c_str());
        std::printf("\n");

        // A zip made in memory (with GDAL's /vsizip/ writer) holding the file, opened in memory.
        const std::string zip_path = "/vsimem/example-05/scene.zip";
        VSILFILE* zip = VSIFOpenL(("/vsizip/" + zip_path).c_str(), "wb");
        VSILFILE* member = VSIFOpenL(("/vsizip/" + zip_path + "/data/scene.tif").c_str(), "wb");
        VSIFWriteL(all.data(), 1, all.size(), member);
        VSIFCloseL(member);
        VSIFCloseL(zip);
        vsi_l_offset zip_size = 0;
        GByte* zip_bytes = VSIGetMemFileBuffer(zip_path.c_str(), &zip_size, FALSE);
        rastio::ZipMemoryFile archive(std::span(reinterpret_cast<const std::byte*>(zip_bytes), static_cast<std::size_t>(zip_size))); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GDAL's bytes
        VSIUnlink(zip_path.c_str());
        VSIRmdir("/vsimem/example-05");
        std::printf("zip members: %s; ", archive.namelist().front().c_str());
        auto zds = archive.open("/data/scene.tif");
        std::printf("pixel (127, 127) = %g\n", static_cast<double>(zds.read().as<float>()(0, 127, 127)));
        return 0;
    } catch (const rastio::Error& e) {
        std::fprintf(stderr, "05_read_bytes_back: %s\n", e.what());
        return 1;
    }
}
