// The floor under the DEFLATE read: how long inflating every tile of deflate.tif takes on one
// thread, with nothing else done (no output array, no de-interleave, no GDAL). libdeflate is
// what GDAL and rastio use; ISA-L's inflate is measured too when its headers were found at
// build time (Debian's libisal-dev; not a rastio dependency).
//
// Usage: inflate_floor BENCH_DATA_DIR/deflate.tif [repetitions]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <libdeflate.h>
#if __has_include(<isa-l/igzip_lib.h>) && defined(RASTIO_BENCH_ISAL)
#include <isa-l/igzip_lib.h>
#define HAVE_ISAL 1
#endif

#include <cpl_vsi.h>
#include <gdal.h>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: inflate_floor deflate.tif [repetitions]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::max(1, std::stoi(argv[2])) : 9;
    std::ifstream f(argv[1], std::ios::binary);
    std::vector<unsigned char> file((std::istreambuf_iterator<char>(f)), {});
    if (file.empty()) {
        std::fprintf(stderr, "inflate_floor: cannot read %s\n", argv[1]);
        return 1;
    }
    GDALAllRegister();
    const char* path = "/vsimem/inflate-floor.tif";
    VSIFCloseL(VSIFileFromMemBuffer(path, file.data(), file.size(), FALSE));
    GDALDatasetH h = GDALOpen(path, GA_ReadOnly);
    if (h == nullptr) return 1;
    GDALRasterBandH band = GDALGetRasterBand(h, 1);
    int bw = 0, bh = 0;
    GDALGetBlockSize(band, &bw, &bh);
    const int across = (GDALGetRasterXSize(h) + bw - 1) / bw, down = (GDALGetRasterYSize(h) + bh - 1) / bh;
    const char* interleave = GDALGetMetadataItem(h, "INTERLEAVE", "IMAGE_STRUCTURE");
    const std::size_t samples = interleave != nullptr && std::string(interleave) == "PIXEL" ? GDALGetRasterCount(h) : 1;
    const std::size_t raw = static_cast<std::size_t>(bw) * bh * samples * GDALGetDataTypeSizeBytes(GDALGetRasterDataType(band));
    std::vector<std::pair<std::size_t, std::size_t>> blocks; // offset, size
    for (int y = 0; y < down; ++y) {
        for (int x = 0; x < across; ++x) {
            const std::string key = std::to_string(x) + "_" + std::to_string(y);
            const char* off = GDALGetMetadataItem(band, ("BLOCK_OFFSET_" + key).c_str(), "TIFF");
            const char* len = GDALGetMetadataItem(band, ("BLOCK_SIZE_" + key).c_str(), "TIFF");
            if (off == nullptr || len == nullptr) return 1;
            blocks.emplace_back(std::stoull(off), std::stoull(len));
        }
    }
    GDALClose(h);
    VSIUnlink(path);

    std::vector<unsigned char> out(raw);
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    std::vector<double> t_libdeflate, t_isal;
    for (int rep = 0; rep <= reps; ++rep) { // the first round warms up
        auto t0 = Clock::now();
        for (auto [off, len] : blocks) {
            std::size_t got = 0;
            if (libdeflate_zlib_decompress(d, file.data() + off, len, out.data(), raw, &got) != LIBDEFLATE_SUCCESS) {
                std::fprintf(stderr, "inflate_floor: libdeflate failed\n");
                return 1;
            }
        }
        if (rep > 0) t_libdeflate.push_back(ms_since(t0));
#ifdef HAVE_ISAL
        t0 = Clock::now();
        for (auto [off, len] : blocks) {
            inflate_state st;
            isal_inflate_init(&st);
            st.next_in = file.data() + off;
            st.avail_in = static_cast<std::uint32_t>(len);
            st.next_out = out.data();
            st.avail_out = static_cast<std::uint32_t>(raw);
            st.crc_flag = ISAL_ZLIB;
            if (isal_inflate_stateless(&st) != ISAL_DECOMP_OK) {
                std::fprintf(stderr, "inflate_floor: ISA-L failed\n");
                return 1;
            }
        }
        if (rep > 0) t_isal.push_back(ms_since(t0));
#endif
    }
    libdeflate_free_decompressor(d);
    std::printf("%zu blocks, %zu bytes each inflated, one thread, median of %d:\n", blocks.size(), raw, reps);
    std::printf("  libdeflate: %.1f ms\n", median(t_libdeflate));
#ifdef HAVE_ISAL
    std::printf("  ISA-L:      %.1f ms\n", median(t_isal));
#else
    std::printf("  ISA-L:      not built (install libisal-dev and reconfigure)\n");
#endif
    return 0;
}
