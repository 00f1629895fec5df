#pragma once
// Private: a direct writer for whole-raster writes of GeoTIFFs created in /vsimem/.
//
// GDAL's GTiff writer sends every block through the block cache and grows the in-memory file
// 10% at a time, zeroing each new part: for a large raster the page faults and copies cost far
// more than the pixels. For the common layouts (strips or tiles, pixel or band interleave, no
// compression or DEFLATE, no predictor) rastio lets GDAL write everything but the pixels (the
// header, georeferencing, tags, masks: the dataset is created with SPARSE_OK=TRUE), lays the
// blocks out itself, in parallel, in one allocation that becomes the file, and points the
// block offsets of the first IFD at them after GDAL closes the dataset.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gdal.h>

#include <rastio/dtype.hpp>
#include <rastio/profile.hpp>
#include <rastio/window.hpp>

#include "gdal_handle.hpp"

namespace rastio::detail {

class GTiffDirectWriter {
public:
    /// A writer when `profile` (driver GTiff, creating `path` in /vsimem/) is a layout it can
    /// lay out itself, after adding SPARSE_OK=TRUE to `options`; null otherwise. The
    /// configuration option RASTIO_DIRECT_WRITE=NO turns it off.
    static std::unique_ptr<GTiffDirectWriter> plan(const std::string& path, const Profile& profile,
                                                   StringList& options);

    GTiffDirectWriter(const GTiffDirectWriter&) = delete;
    GTiffDirectWriter& operator=(const GTiffDirectWriter&) = delete;
    GTiffDirectWriter(GTiffDirectWriter&&) = delete;
    GTiffDirectWriter& operator=(GTiffDirectWriter&&) = delete;
    ~GTiffDirectWriter();

    /// Takes a write when it covers the whole raster, every band in order, in the bands' own
    /// type, and GDAL has written no pixels yet: encodes the blocks now and returns true.
    /// Returns false (nothing done) otherwise; the caller then writes through GDAL, after
    /// calling gdal_writes_pixels().
    bool write(GDALDatasetH h, std::span<const int> bands, const Window& window, DType type,
               std::span<const std::byte> data);
    /// Whether blocks are waiting to be placed in the file by finish().
    bool pending() const noexcept { return !m_block_size.empty(); }
    /// GDAL is about to write pixels of this dataset itself (whole-raster writes then go to GDAL).
    void gdal_writes_pixels() noexcept { m_gdal_wrote = true; }
    /// After GDAL closed the dataset at `path`: places the pending blocks in the file, or fills
    /// the blocks nobody wrote as GDAL would (nodata, else zero). Throws IOError on failure.
    void finish(const std::string& path);

private:
    GTiffDirectWriter() = default;

    struct Layout; // block geometry, read from the dataset at write time
    void encode(const Layout& L, std::span<const std::byte> data);
    void release() noexcept;

    int m_width = 0, m_height = 0, m_count = 0;
    DType m_dtype = DType::uint8;
    bool m_deflate = false;
    int m_level = 6;
    bool m_tiled = false;
    int m_threads = 0; // 0: all CPUs
    bool m_gdal_wrote = false;

    // Pending blocks: m_buf holds m_reserve bytes for GDAL's header, then the blocks.
    std::byte* m_buf = nullptr; // VSIMalloc'd: handed to /vsimem/ by finish()
    std::size_t m_reserve = 0;
    std::size_t m_data_size = 0;
    std::vector<std::uint64_t> m_block_offset; // relative to the start of the blocks
    std::vector<std::uint64_t> m_block_size;
    // The geometry the pending blocks were laid out with (checked against the file's IFD).
    std::uint32_t m_block_w = 0, m_block_h = 0;
    bool m_planar = false;
};

/// How many whole-raster writes the direct path served in this process (tests use it).
std::uint64_t gtiff_direct_write_count() noexcept;

} // namespace rastio::detail
