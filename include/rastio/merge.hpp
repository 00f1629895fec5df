#pragma once
/// Mosaics of rasters sharing a CRS, as rasterio.merge.merge (1.3.5): the output grid, the
/// per-source reads (windowed, resampled onto the output grid) and the copy methods are rasterio's.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <rastio/affine.hpp>
#include <rastio/array.hpp>
#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>
#include <rastio/enums.hpp>
#include <rastio/metadata.hpp>
#include <rastio/profile.hpp>

namespace rastio {

class MemoryFile;

/// How merge() combines a source's valid pixels with the output's (rasterio's copy_* methods).
/// An output pixel is "invalid" while it equals the nodata value (NaN: is NaN; floats: within
/// numpy's isclose); a source pixel is invalid where its mask says so.
enum class MergeMethod {
    first, ///< keep the first valid value (reverse painter's)
    last,  ///< every valid value overwrites
    min,   ///< the smallest valid value
    max,   ///< the largest valid value
    sum,   ///< the sum of valid values
    count, ///< the number of valid values
};

/// "first", "last", "min", "max", "sum" or "count".
std::string_view to_string(MergeMethod method) noexcept;
/// Parses a method's name; throws ArgumentError on an unknown one.
MergeMethod parse_merge_method(std::string_view name);

/// What a custom merge method receives for one source, as rasterio's callable does: the part of
/// the output the source covers, to update in place, and the source's pixels on the same grid.
struct MergeChunk {
    /// The output's pixels under the source, (output bands, rows, cols), in the output dtype.
    AnyArray& merged;
    /// The source's pixels, (read bands, rows, cols), in the source's dtype.
    const AnyArray& incoming;
    /// 1 where `merged` is invalid (it equals nodata), else 0: rasterio's merged_mask.
    const Array<std::uint8_t>& merged_invalid;
    /// 1 where `incoming` is invalid (its masks say so), else 0: rasterio's new_mask.
    const Array<std::uint8_t>& incoming_invalid;
    /// The source's position in the list, and the chunk's offset in the output.
    std::size_t index = 0;
    std::size_t row_off = 0;
    std::size_t col_off = 0;
};

/// A custom merge method. It runs on the calling thread while merge() may read the next source
/// on another: it must not use the sources.
using MergeFunction = std::function<void(const MergeChunk&)>;

/// A source of merge(): an open Dataset (borrowed: the caller keeps it open during the call) or a
/// path, opened for the call and closed after.
class MergeSource {
public:
    MergeSource(const Dataset& dataset) noexcept : m_dataset(&dataset) {} // NOLINT(google-explicit-constructor): a Dataset is a source
    MergeSource(std::string path) : m_path(std::move(path)) {}           // NOLINT(google-explicit-constructor): so is a path
    MergeSource(const char* path) : m_path(path) {}                      // NOLINT(google-explicit-constructor): so is a path
    /// A temporary Dataset would close before merge() reads it: keep it in a variable.
    MergeSource(Dataset&&) = delete;

    /// The dataset, or null for a path.
    const Dataset* dataset() const noexcept { return m_dataset; }
    /// The path, or empty for a dataset.
    const std::string& path() const noexcept { return m_path; }

private:
    const Dataset* m_dataset = nullptr;
    std::string m_path;
};

/// rasterio.merge.merge's keywords.
struct MergeOptions {
    /// Output extent (left, bottom, right, top); none: the union of the sources' bounds.
    std::optional<Bounds> bounds;
    /// Output pixel size (x, y), positive; none: the first source's.
    std::optional<std::pair<double, double>> res;
    /// Output nodata; none: the first source's (band 1's). It fills the output when the output
    /// dtype can hold it (else rastio warns, as rasterio does, and the fill stays 0).
    std::optional<double> nodata;
    /// Output dtype; none: the first source's (band 1's).
    std::optional<DType> dtype;
    /// Unused: deprecated in rasterio 1.3, which ignores it too.
    std::optional<int> precision;
    /// 1-based bands to read from every source; empty: all (each source then has the first's count).
    Bands indexes;
    /// Bands of the output for a custom method; 0: as many as are read.
    int output_count = 0;
    /// How sources of another resolution (or offset) are resampled onto the output grid:
    /// nearest..gauss, rms.
    Resampling resampling = Resampling::nearest;
    /// A built-in method, or a custom one.
    std::variant<MergeMethod, MergeFunction> method = MergeMethod::first;
    /// Grow the bounds to whole multiples of the resolution (GDAL's -tap).
    bool target_aligned_pixels = false;
};

/// What merge() returns: the pixels, their grid, and the profile rasterio would write them with
/// (the first source's, with the output's size, count, dtype, transform and nodata).
struct Merged {
    AnyArray data;
    Affine transform;
    Profile profile;
    /// The first source's band-1 palette, written to the output's band 1 (as rasterio).
    std::optional<Colormap> colormap;
};

/// Merges `sources` in order. Throws ArgumentError for no source, a source whose CRS differs
/// from the first's, whose band count differs (without indexes), a band it lacks, bands of mixed
/// dtypes, a complex dtype, a rotated or south-up grid, bad bounds or resolution, and when no
/// source overlaps the output bounds (rasterio returns an all-nodata array for the last three:
/// rastio refuses them); IOError when a source cannot be opened or read.
///
/// Example:
///     auto a = rastio::open("west.tif"), b = rastio::open("east.tif");
///     rastio::Merged m = rastio::merge({a, b}, {.method = rastio::MergeMethod::max});
Merged merge(const std::vector<MergeSource>& sources, const MergeOptions& options = {});

/// Writes a merge into `dst`, a writable dataset of the merged size and band count: the pixels,
/// the transform, the CRS and nodata of the profile, and the colormap.
void write_merged(Dataset& dst, const Merged& merged);

/// Merges `sources` into a new dataset in `dst`, an empty MemoryFile, created with the merged
/// profile over which `dst_kwds`' driver and options apply (rasterio's dst_path and dst_kwds);
/// the dataset is complete when this returns: open `dst` to read it.
void merge(const std::vector<MergeSource>& sources, MemoryFile& dst, const MergeOptions& options = {},
           const Profile& dst_kwds = {});

} // namespace rastio
