#pragma once
// A served folder for the serve tests: small rasters made with rastio, the corpus COG copied in,
// a VRT (a driver the server refuses) and a symlink pointing out of the folder.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

namespace rastio::serve::test {

namespace fs = std::filesystem;

/// Writes a 4x4 uint8 GeoTIFF in EPSG:32618 whose pixel (r, c) is 4r + c, nodata 0.
inline void write_small(const std::string& path, int offset = 0) {
    auto ds = rastio::open(path, "w",
                           Profile{.driver = "GTiff", .width = 4, .height = 4, .count = 1, .dtype = DType::uint8,
                                   .crs = CRS::from_epsg(32618),
                                   .transform = Affine::from_origin(500000, 4500000, 100, 100), .nodata = 0.0});
    Array<std::uint8_t> a(Shape{1, 4, 4});
    for (std::size_t i = 0; i < 16; ++i) a.data()[i] = static_cast<std::uint8_t>(i == 0 ? 0 : i + static_cast<std::size_t>(offset));
    ds.write(a);
    ds.close();
}

/// A temporary served folder, removed at the end.
class ServedFolder {
public:
    ServedFolder() {
        std::random_device rd;
        m_root = fs::temp_directory_path() / ("rastio_serve_" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(m_root / "sub");
        write_small((m_root / "small.tif").string());
        write_small((m_root / "sub" / "inner.tif").string());
        {
            std::ofstream vrt(m_root / "a.vrt");
            vrt << "<VRTDataset rasterXSize=\"4\" rasterYSize=\"4\"><VRTRasterBand dataType=\"Byte\" band=\"1\">"
                   "<SimpleSource><SourceFilename relativeToVRT=\"1\">small.tif</SourceFilename><SourceBand>1</SourceBand>"
                   "</SimpleSource></VRTRasterBand></VRTDataset>";
        }
        m_outside = m_root.string() + "_outside.tif";
        write_small(m_outside);
        fs::create_symlink(m_outside, m_root / "link_out.tif");
        if (!rastio::test::corpus_dir().empty() && fs::exists(rastio::test::corpus("cogeo.tif"))) {
            fs::copy_file(rastio::test::corpus("cogeo.tif"), m_root / "cogeo.tif");
            m_has_cog = true;
        }
    }
    ServedFolder(const ServedFolder&) = delete;
    ServedFolder& operator=(const ServedFolder&) = delete;
    ServedFolder(ServedFolder&&) = delete;
    ServedFolder& operator=(ServedFolder&&) = delete;
    ~ServedFolder() {
        std::error_code ec;
        fs::remove_all(m_root, ec);
        fs::remove(m_outside, ec);
    }
    std::string root() const { return m_root.string(); }
    std::string path(const std::string& name) const { return (m_root / name).string(); }
    const std::string& outside() const { return m_outside; }
    bool has_cog() const { return m_has_cog; }

private:
    fs::path m_root;
    std::string m_outside;
    bool m_has_cog = false;
};

#define RASTIO_REQUIRE_COG(folder)                                                                       \
    do {                                                                                                 \
        if (!(folder).has_cog()) GTEST_SKIP() << "skipped: the corpus's cogeo.tif is not present (RASTIO_CORPUS_DIR)"; \
    } while (0)

/// The pixels of an encoded image (PNG, JPEG, WEBP, GTiff), decoded by GDAL through a MemoryFile.
inline AnyArray decode(const std::string& bytes, int* width = nullptr, int* height = nullptr) {
    MemoryFile mf(bytes);
    auto ds = mf.open();
    if (width) *width = ds.width();
    if (height) *height = ds.height();
    return ds.read();
}

} // namespace rastio::serve::test
