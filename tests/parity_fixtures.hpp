#pragma once
// Fixtures for the rasterio-parity tests (masks, resampling, overviews, blocks, geometry, band
// metadata): each check runs on a disk file and on a MemoryFile holding the same bytes.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <unistd.h>

#include <cpl_vsi.h>
#include <gdal.h>
#include <gtest/gtest.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

namespace rastio::test {

// TempDir comes from gdal_cli.hpp.

/// Copies a disk file (and sidecars named in `sidecars`, e.g. ".msk") into a MemoryFile of the same
/// file name; the sidecars are written beside it in the MemoryFile's folder, which close() removes.
inline MemoryFile memory_copy(const std::string& path, const std::vector<std::string>& sidecars = {}) {
    const std::string filename = std::filesystem::path(path).filename().string();
    MemoryFile mf(read_file(path), MemoryFileOptions{.filename = filename});
    for (const auto& ext : sidecars) {
        const auto bytes = read_file(path + ext);
        const std::string side = mf.name() + ext;
        VSILFILE* f = VSIFOpenL(side.c_str(), "wb");
        if (f == nullptr) throw std::runtime_error("cannot write " + side);
        VSIFWriteL(bytes.data(), 1, bytes.size(), f);
        VSIFCloseL(f);
    }
    return mf;
}

/// Runs `check` on the corpus file opened from disk, then from a MemoryFile copy of it.
inline void on_disk_and_in_memory(const std::string& corpus_name, const std::function<void(Dataset&)>& check,
                                  const std::vector<std::string>& sidecars = {}) {
    {
        SCOPED_TRACE(corpus_name + " on disk");
        auto ds = open(corpus(corpus_name));
        check(ds);
    }
    {
        SCOPED_TRACE(corpus_name + " in a MemoryFile");
        auto mf = memory_copy(corpus(corpus_name), sidecars);
        auto ds = mf.open();
        check(ds);
    }
}

/// The 255-or-0 form of any mask (GDAL's alpha masks carry alpha values).
inline std::vector<std::uint8_t> binary(std::span<const std::uint8_t> v) {
    std::vector<std::uint8_t> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] != 0 ? 255 : 0;
    return out;
}

} // namespace rastio::test
