// The fuzz target: arbitrary bytes -> MemoryFile -> open -> profile, a bounded read, masks,
// getbuffer. Built as a libFuzzer target (clang, RASTIO_FUZZ=ON) and linked into the replay
// program that ctest runs with any compiler. A rastio::Error is a correct answer to bad bytes;
// anything else (a crash, a sanitizer report, another exception, a hang) is a finding.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include <cpl_conv.h>
#include <gdal.h>

#include <rastio/rastio.hpp>

#include "fuzz_target.hpp"

namespace {

void exercise(rastio::Dataset& ds) {
    (void)ds.profile();
    (void)ds.bounds();
    (void)ds.res();
    (void)ds.dtypes();
    (void)ds.nodatavals();
    (void)ds.block_shapes();
    (void)ds.tags();
    (void)ds.descriptions();
    (void)ds.crs().to_string();
    if (ds.count() < 1 || ds.width() < 1 || ds.height() < 1) return;
    // A bounded window of at most four bands, from the middle of the raster.
    const int w = std::min(ds.width(), 64), h = std::min(ds.height(), 64);
    const rastio::Window win((ds.width() - w) / 2, (ds.height() - h) / 2, w, h);
    rastio::Bands bands;
    for (int b = 1; b <= std::min(ds.count(), 4); ++b) bands.push_back(b);
    (void)ds.read(bands, win);
    (void)ds.read_as<float>(rastio::Bands{1}, win);
    (void)ds.read_masks(rastio::ReadOptions{.bands = bands, .window = win});
    (void)ds.dataset_mask(rastio::ReadOptions{.window = win});
    // A boundless window hanging over the top-left corner, and a decimated read of the whole
    // raster (GDAL may pick an overview), both into at most 32 x 32 pixels.
    const rastio::Window over(-w / 2, -h / 2, w, h);
    (void)ds.read_masked(rastio::ReadOptions{.bands = {1}, .window = over, .boundless = true});
    (void)ds.read(rastio::ReadOptions{.bands = {1}, .out_shape = std::pair<int, int>{std::min(h, 32), std::min(w, 32)},
                                      .resampling = rastio::Resampling::average});
}

} // namespace

namespace rastio::fuzz {

void one_input(const std::uint8_t* data, std::size_t size) {
    // Keep each input cheap: small reads, a small block cache, no network, no sidecar search.
    static const bool configured = [] {
        GDALAllRegister();
        CPLSetConfigOption("GDAL_CACHEMAX", "64");
        CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
        CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
        CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".rastio-fuzz-never");
        CPLSetConfigOption("RASTIO_MAX_READ_BYTES", "67108864");
        return true;
    }();
    (void)configured;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the fuzzer's bytes
    try {
        if (size >= 4 && data[0] == 'P' && data[1] == 'K') {
            rastio::ZipMemoryFile zip(bytes);
            const auto names = zip.namelist();
            for (std::size_t i = 0; i < names.size() && i < 3; ++i) {
                try {
                    auto ds = zip.open(names[i]);
                    exercise(ds);
                } catch (const rastio::Error&) { // NOLINT(bugprone-empty-catch): a clean refusal is a correct answer
                }
            }
            (void)zip.getbuffer();
            return;
        }
        rastio::MemoryFile mf(bytes);
        {
            auto ds = mf.open();
            exercise(ds);
        }
        // Reading must leave the bytes as they were given.
        const auto after = mf.getbuffer();
        if (after.size() != size || (size > 0 && std::memcmp(after.data(), data, size) != 0)) __builtin_trap();
    } catch (const rastio::Error&) { // NOLINT(bugprone-empty-catch): a clean refusal is a correct answer
    }
}

} // namespace rastio::fuzz

#ifdef RASTIO_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    rastio::fuzz::one_input(data, size);
    return 0;
}
#endif
