#pragma once
// Private: rastio's own per-pixel loop for the chunks GDAL 3.6's warper handles most often
// (nearest and 4-sample bilinear, no masks), giving GDAL's exact pixels faster.

#include <cstdint>
#include <functional>
#include <vector>

#include <string>

#include <gdalwarper.h>

#include "warp_internal.hpp"

namespace rastio::detail {

/// A destination array as the kernel writes it: band i (1-based) at planes[i - 1], rows of
/// `width` pixels of `type`.
struct DirectArray {
    std::vector<std::byte*> planes;
    int width = 0;
    GDALDataType type = GDT_Unknown;
};

class DirectDestination;

/// Takes over the per-pixel work of GDAL's warper for the chunks it covers. GDAL still chunks
/// the destination, computes each source window, reads it and makes the transformer; this loop
/// replaces GDALWarpKernel::PerformWarp's when GDAL would pick GWKResampleNoMasksOrDstDensityOnly
/// (nearest for Byte, Int16, UInt16 and Float32; bilinear with the 4-sample formula for Byte,
/// Int16, UInt16 and Float32), with the same arithmetic in the same order, so the same pixels.
/// Any other chunk (masks, nodata, other methods or types, another GDAL than 3.6) is left to GDAL.
/// RASTIO_WARP_KERNEL=gdal (environment or GDAL config option) leaves every chunk to GDAL.
class WarpKernel {
public:
    /// `threads`: how many threads warp one chunk (1: the calling thread only);
    /// `make_transformer`: makes a transformer equal to the warp's own, one for each thread but
    /// the calling one (GDAL transformers are not shared between threads). Without it, one thread.
    explicit WarpKernel(int threads = 1, std::function<void*()> make_transformer = {});
    ~WarpKernel();
    WarpKernel(const WarpKernel&) = delete;
    WarpKernel& operator=(const WarpKernel&) = delete;
    WarpKernel(WarpKernel&&) = delete;
    WarpKernel& operator=(WarpKernel&&) = delete;

    /// Makes the warper of `wo` call this kernel for each chunk (GDAL's pre-warp chunk hook).
    /// Borrows: this kernel outlives every warp operation made from `wo` or a copy of it.
    void install(GDALWarpOptions& wo);

    /// Whether kernels take chunks at all: GDAL 3.6, and RASTIO_WARP_KERNEL is not "gdal".
    static bool enabled();

    /// The destination to give GDAL's warper (as hDstDS) instead of `mem`, the MEM dataset
    /// wrapping `array`, so that this kernel warps straight into the array: GDAL's chunk buffer
    /// is then neither initialised, nor filled from the array, nor copied back. `init_dest` is
    /// the INIT_DEST warp option, which the warper's own options must then not have. Only for
    /// a warp whose destination has no nodata and no alpha band (GDAL reads its chunk buffer for
    /// those before the kernel runs). Borrows `mem` and the array; the result goes before them,
    /// and after the warp operation.
    DatasetHandle direct_destination(GDALDatasetH mem, DirectArray array, const std::string& init_dest);

    /// Makes the other threads' transformers now, before the warper allocates its chunk
    /// buffers (made between them, they keep glibc from reusing a freed chunk's memory: 25 MiB
    /// more peak RSS on a 4096x4096x3 warp); otherwise they are made at the first chunk.
    void prepare();

    /// Chunks every kernel has warped since the program started (tests).
    static std::uint64_t total_chunks() noexcept;

    /// A kernel for warps that run one chunk at a time on one thread (a VRT's blocks); it lives
    /// for the whole program and keeps no per-warp state.
    static WarpKernel& single_threaded();

private:
    static CPLErr prewarp(void* kernel, void* self);
    /// The transformers of the threads but the calling one (as many as could be made).
    const std::vector<void*>& worker_transformers();

    int m_threads;
    std::function<void*()> m_make_transformer;
    bool m_made = false;
    std::vector<void*> m_transformers;
    DirectDestination* m_dest = nullptr;
};

} // namespace rastio::detail
