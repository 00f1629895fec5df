#pragma once
// Private: hints that cut the cost of filling large fresh buffers, and the thread budget of
// rastio's own parallel loops. Shared by the direct GeoTIFF reader and writer and MemoryFile.

#include <cstddef>

namespace rastio::detail {

/// Size of a transparent huge page on x86-64 Linux.
inline constexpr std::size_t k_huge_page = std::size_t{2} << 20;

/// True when the kernel backs memory with transparent huge pages on request.
bool huge_pages_available() noexcept;

/// Asks for huge pages on the 2 MiB-aligned interior of a large, still untouched buffer:
/// first-touch page faults, not copies, dominate the cost of filling fresh memory. A hint;
/// does nothing for buffers under 8 MiB or where the kernel says no.
void advise_huge_pages(void* p, std::size_t n) noexcept;

/// A released large buffer of at least `bytes` (and not much more), or null. Buffers are
/// malloc-compatible: free() or VSIFree() release them, and GDAL may take ownership of them.
/// rastio keeps up to 8 released large buffers (1 MiB to 256 MiB each, 256 MiB in all) for
/// reuse, marked MADV_FREE so the kernel may reclaim their pages under memory pressure:
/// memory already faulted in is far cheaper than fresh pages on these machines. The
/// configuration option RASTIO_RECYCLE_BUFFERS=NO turns it off.
/// `most` caps the size accepted (0: twice `bytes`). The smallest fitting buffer is taken, or
/// the largest when `largest` (a growing file then needs fewer moves).
void* take_recycled(std::size_t bytes, std::size_t most = 0, bool largest = false) noexcept;
/// Gives back a malloc-compatible buffer: kept for reuse when large, freed otherwise.
void recycle(void* p) noexcept;

/// A malloc-compatible buffer of at least `bytes` for large data written once in full, or null
/// when out of memory: a released large buffer when one fits (already faulted in: no fresh
/// pages), else for 8 MiB and more a fresh one aligned to 2 MiB with huge pages requested.
/// Release it with recycle() (or free(); GDAL may take ownership of it).
void* allocate_large(std::size_t bytes) noexcept;

/// Copies `n` bytes; copies of 16 MiB and more are split over the cores (GDAL_NUM_THREADS caps
/// them) in 2 MiB-aligned pieces of `dst`, so that fresh pages fault in on every core at once.
void copy_large(void* dst, const void* src, std::size_t n) noexcept;

/// Worker threads for a job of `bytes` over `tasks` independent pieces: one below 4 MiB,
/// otherwise every CPU, capped by `limit` (0: none) and GDAL_NUM_THREADS, and by `tasks`.
unsigned worker_count(std::size_t bytes, std::size_t tasks, unsigned limit = 0) noexcept;

} // namespace rastio::detail
