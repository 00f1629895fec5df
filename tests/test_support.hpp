#pragma once
// Shared helpers for rastio's tests: the corpus, fixtures made with GDAL's own C API.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <rastio/rastio.hpp>

namespace rastio::test {

/// The folder of rasters written by others (../shared/corpus), or empty when it is missing.
std::filesystem::path corpus_dir();
/// A file of the corpus.
std::string corpus(const std::string& name);
/// The whole content of a file.
std::vector<std::byte> read_file(const std::string& path);
/// The bytes of a GDAL /vsimem/ file (copy), then unlinks it.
std::vector<std::byte> take_vsimem(const std::string& path);

/// Everything under /vsimem/ right now (files and folders), for leak checks.
std::vector<std::string> vsimem_entries();
/// How many file descriptors this process holds.
int open_fd_count();

/// A 16x16 single-band uint8 profile for `driver`, with creation `options`.
Profile small_profile(const std::string& driver, std::map<std::string, std::string> options = {});
/// 16x16x1 uint8 pixels 0..255, for a small_profile() dataset.
AnyArray ramp16();

/// A GeoTIFF made with GDAL's C API (not rastio), pixels value(b, r, c) = (b*31 + r*7 + c*3) % 251.
std::vector<std::byte> make_gtiff(int width, int height, int bands, const std::vector<std::string>& options = {});

/// Pixels for warp tests, shaped (bands, height, width): a smooth wave with a step, noise and
/// (floating types) fractions, from `seed`; signed types go below zero. Any arithmetic dtype.
AnyArray smooth_field(DType dtype, int bands, int height, int width, unsigned seed);

} // namespace rastio::test

/// Skips the current test, saying why, when the corpus is not there.
#define RASTIO_REQUIRE_CORPUS()                                                                 \
    do {                                                                                        \
        if (::rastio::test::corpus_dir().empty())                                               \
            GTEST_SKIP() << "skipped: the corpus ../shared/corpus is not present (RASTIO_CORPUS_DIR)"; \
    } while (0)
