#pragma once
/// Datasets: a raster opened from a path or a MemoryFile, for reading, updating or creating.

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <rastio/affine.hpp>
#include <rastio/array.hpp>
#include <rastio/crs.hpp>
#include <rastio/dtype.hpp>
#include <rastio/enums.hpp>
#include <rastio/metadata.hpp>
#include <rastio/profile.hpp>
#include <rastio/window.hpp>

namespace rastio {

class MemoryFile;
class ByteSource;
namespace detail {
struct DatasetState;
struct DatasetAccess;
} // namespace detail

/// The spatial extent of a dataset: left, bottom, right, top (rasterio's BoundingBox order).
struct Bounds {
    double left = 0, bottom = 0, right = 0, top = 0;
    bool operator==(const Bounds&) const = default;
};

/// Key/value metadata ("tags" in rasterio).
using Tags = std::map<std::string, std::string>;
/// GDAL open options or creation options: upper-case KEY -> value.
using Options = std::map<std::string, std::string>;
/// 1-based band indexes, in the order wanted.
using Bands = std::vector<int>;

/// What to read, as rasterio's read() keywords: bands, window, out_shape, resampling, boundless.
///
/// Windows past the edges, as rasterio 1.3.5: without `boundless` the window is cropped to the
/// raster (Window::cropped), so Window(-3, -3, 10, 10) of a 20x20 raster reads 7x7 pixels and a
/// window wholly outside, or of width or height 0, reads an array with a zero dimension (e.g.
/// shape (1, 5, 0)). A negative width or height is an ArgumentError.
struct ReadOptions {
    /// 1-based bands, in order; empty: all.
    Bands bands;
    /// The source window; none: the whole raster. Without `boundless` it is cropped to the raster;
    /// with it, it may lie partly or wholly outside.
    std::optional<Window> window;
    /// (rows, cols) of the result; none: the (cropped) window's size. Smaller decimates (GDAL then
    /// reads overviews when it can), larger magnifies; a 0 gives an empty array. Resampling a
    /// window that holds no pixel into a non-empty out_shape is an ArgumentError (rasterio fails
    /// too, or near the origin reads pixels outside the window).
    std::optional<std::pair<int, int>> out_shape;
    /// How to resample when out_shape differs from the window (nearest..gauss, rms).
    Resampling resampling = Resampling::nearest;
    /// Allow a window outside the raster, read as rasterio does through a VRT (built in memory
    /// when the read resamples, and for masked reads; filled directly otherwise) whose nodata is
    /// `fill_value`, else the band's nodata. Pixels outside read as that value (else 0), and so do
    /// the source's nodata pixels. A fill_value of 0 on a band with nodata is ignored, as in
    /// rasterio 1.3.5 (which takes `fill_value or nodata`).
    /// Masks outside the raster: read_masks() and dataset_mask() give 0, except for a band that
    /// is all valid while some other band of the dataset is not (it stays 255); when every band is
    /// all valid, the outside is 0 and the inside 255. read_masked() masks the outside the same
    /// way and, on a band given a VRT nodata value, every pixel that reads as that value (so a
    /// valid pixel equal to fill_value is masked, as in rasterio); per-dataset masks win over it.
    bool boundless = false;
    /// The value of pixels outside a boundless window (above). In any other read, as rasterio
    /// fills its masked array, the pixels the masks call invalid (nodata, per-dataset mask, alpha
    /// 0) read as fill_value; read_masked() keeps the values as read.
    std::optional<double> fill_value;
};

/// Values plus validity, as rasterio's masked arrays: mask is 255 where valid, 0 where not
/// (GDAL's convention; numpy.ma's mask is the opposite).
struct MaskedArray {
    AnyArray data;
    Array<std::uint8_t> mask;
};

/// One block of a band: its (row, col) in the block grid and the pixels it covers.
struct BlockWindow {
    int row = 0;
    int col = 0;
    Window window;
    bool operator==(const BlockWindow&) const = default;
};

/// Where write_mask() puts a new per-dataset mask of a GeoTIFF: inside the file or in a .msk.
enum class MaskStorage { internal, sidecar };

/// A raster dataset. Move-only; closing is idempotent; any use after close() throws ClosedError.
/// Threads: open one Dataset per thread (GDAL datasets are not thread-safe). Closing it, or the
/// MemoryFile it came from, on another thread is safe: the close waits for the call in flight,
/// which completes, and every later call throws ClosedError.
class Dataset {
public:
    /// A closed dataset.
    Dataset() noexcept;
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;
    Dataset(Dataset&& other) noexcept;
    Dataset& operator=(Dataset&& other) noexcept;
    /// Closes, swallowing errors: call close() to learn whether a write completed.
    ~Dataset();

    /// Completes any write (a CreateCopy-only driver copies now) and releases GDAL's handle.
    /// Throws IOError when GDAL reports a failure; a failed copy leaves no partial file.
    void close();
    bool closed() const noexcept;

    /// The path GDAL opened (a file path, a /vsimem/ or /vsizip/ path).
    const std::string& name() const;
    /// "r", "r+", "w" or "w+".
    const std::string& mode() const;

    /// The driver's short name, e.g. "GTiff".
    std::string driver() const;
    int width() const;
    int height() const;
    int count() const;
    /// The dtype of each band.
    std::vector<DType> dtypes() const;
    /// The 1-based band indexes, 1..count().
    Bands indexes() const;
    CRS crs() const;
    /// The geotransform, or identity when the dataset has none (as rasterio).
    Affine transform() const;
    /// The nodata value of band 1, or nothing.
    std::optional<double> nodata() const;
    /// The nodata value of each band.
    std::vector<std::optional<double>> nodatavals() const;
    Bounds bounds() const;
    /// Pixel size (x, y), positive.
    std::pair<double, double> res() const;
    /// What it takes to create a similar dataset, with the creation options GDAL reports.
    Profile profile() const;
    /// Block size of each band as (rows, cols), rasterio's order.
    std::vector<std::pair<int, int>> block_shapes() const;

    // --- rasterio parity: reads with options, masks, overviews, blocks, geometry, band metadata.

    /// Reads with rasterio's keywords (bands, window, out_shape, resampling, boundless); a window
    /// past the edges is cropped unless boundless (see ReadOptions).
    AnyArray read(const ReadOptions& options) const;
    /// GDAL's validity masks of the bands (0 invalid, 255 valid), shape (bands, rows, cols).
    Array<std::uint8_t> read_masks(const ReadOptions& options = {}) const;
    /// One mask for the whole dataset, shape (1, rows, cols), by rasterio's rules: the per-dataset
    /// mask (a .msk, an internal mask or the alpha band's values) when band 1 has one, else band
    /// 4's mask of an RGBA dataset (alpha shadowed by nodata), else 255 where any band is valid.
    Array<std::uint8_t> dataset_mask(const ReadOptions& options = {}) const;
    /// Values and masks together, honouring nodata (NaN too), per-dataset masks and alpha.
    MaskedArray read_masked(const ReadOptions& options = {}) const;
    /// Each band's mask flags (rasterio's mask_flag_enums).
    std::vector<MaskFlags> mask_flags() const;
    /// Writes a per-dataset mask (0 invalid, nonzero valid) of shape (1, rows, cols), creating it
    /// on first use, in a window or the whole raster; needs a writable mode.
    void write_mask(const Array<std::uint8_t>& mask, const std::optional<Window>& window = {},
                    MaskStorage storage = MaskStorage::internal);

    /// The decimation factors of a band's overviews, e.g. {2, 4, 8}.
    std::vector<int> overviews(int band) const;
    /// Builds overviews of every band at the given factors; needs a writable mode (r+ or a writer).
    void build_overviews(const std::vector<int>& factors, Resampling resampling = Resampling::nearest);

    /// Every block of a band as (row, col, window), row by row: GDAL's block (file) order.
    std::vector<BlockWindow> block_windows(int band = 1) const;
    /// The window of one block, clipped to the raster.
    Window block_window(int band, int row, int col) const;
    /// The size in bytes of one block as stored in the file (GeoTIFF), 0 when not stored.
    std::uint64_t block_size(int band, int row, int col) const;

    /// The (row, col) of the pixel holding (x, y), rounded with `op` (floor: the containing pixel).
    std::pair<long long, long long> index(double x, double y, Rounding op = Rounding::floor) const;
    /// The (x, y) of a pixel's center or corner.
    std::pair<double, double> xy(double row, double col, PixelOffset offset = PixelOffset::center) const;
    /// The bounds of a window of this dataset.
    Bounds window_bounds(const Window& window) const;
    /// The smallest window of whole pixels covering `bounds` (rasterio's from_bounds, snapped
    /// outward within 1e-6 pixel); throws ArgumentError when the bounds are inverted.
    Window window_from_bounds(const Bounds& bounds) const;
    /// The window `rio clip` cuts for `bounds` (given in the dataset's CRS), as rasterio 1.3.5
    /// computes it: from_bounds in fractional pixels, intersected with the raster unless
    /// `with_complement`, then lengths rounded to the nearest pixel (halves up) and offsets floored
    /// (within 0.001 pixel), as gdal_translate aligns -projwin. With the complement the window may
    /// reach past the edges: read it boundless. Throws ArgumentError when the transform is rotated
    /// or sheared, the bounds are inverted, or they do not overlap the raster (touching an edge is
    /// no overlap).
    Window clip_window(const Bounds& bounds, bool with_complement = false) const;
    /// The affine transform of a window's upper-left pixel.
    Affine window_transform(const Window& window) const;

    /// Each band's color interpretation.
    std::vector<ColorInterp> colorinterp() const;
    /// Sets each band's color interpretation (one per band); needs a writable mode.
    void set_colorinterp(const std::vector<ColorInterp>& interp);
    /// Sets every band's description (one per band); needs a writable mode.
    void set_descriptions(const std::vector<std::string>& texts);
    /// Each band's unit ("" when none).
    std::vector<std::string> units() const;
    /// Sets each band's unit (one per band); needs a writable mode.
    void set_units(const std::vector<std::string>& units);
    /// Each band's scale (1 when none).
    std::vector<double> scales() const;
    /// Each band's offset (0 when none).
    std::vector<double> offsets() const;
    /// Sets each band's scale (one per band); needs a writable mode.
    void set_scales(const std::vector<double>& scales);
    /// Sets each band's offset (one per band); needs a writable mode.
    void set_offsets(const std::vector<double>& offsets);
    /// A band's palette; throws ArgumentError when it has none.
    Colormap colormap(int band) const;
    /// Sets a band's palette (and its color interpretation to palette); needs a writable mode.
    void write_colormap(int band, const Colormap& colormap);
    /// The ground control points and their CRS (none: empty points).
    GCPs gcps() const;
    /// The rational polynomial coefficients, or nothing.
    std::optional<RPC> rpcs() const;

    /// Metadata of the dataset (band 0) or of a band (1-based), in a domain ("" the default).
    Tags tags(int band = 0, const std::string& ns = {}) const;
    /// Sets metadata items on the dataset (band 0) or a band; needs mode r+, w or w+.
    void update_tags(const Tags& tags, int band = 0, const std::string& ns = {});
    /// Each band's description ("" when none).
    std::vector<std::string> descriptions() const;
    /// Sets one band's description; needs a writable mode.
    void set_description(int band, const std::string& text);

    /// Sets the CRS; needs a writable mode.
    void set_crs(const CRS& crs);
    /// Sets the geotransform; needs a writable mode.
    void set_transform(const Affine& transform);
    /// Sets (or removes, with nothing) the nodata value of every band; needs a writable mode.
    void set_nodata(std::optional<double> nodata);

    /// Every band, whole, in its native dtype (the first band's when they differ).
    AnyArray read() const;
    /// The given bands, in the order given.
    AnyArray read(const Bands& bands) const;
    /// A window of every band, cropped to the raster as rasterio does: shape (count,
    /// cropped rows, cropped cols), with a zero dimension when the window holds no pixel.
    AnyArray read(const Window& window) const;
    /// A window of the given bands, cropped to the raster.
    AnyArray read(const Bands& bands, const Window& window) const;

    /// Reads converting to T through GDAL (empty bands: all; no window: the whole raster; a
    /// window is cropped to the raster).
    template <Pixel T>
    Array<T> read_as(const Bands& bands = {}, const std::optional<Window>& window = {}) const {
        const Bands b = bands.empty() ? indexes() : bands;
        const Window w = window ? *window : Window::full(width(), height());
        auto out = Array<T>::uninitialized(checked_shape(b, w, sizeof(T)));
        read_into(b, w, dtype_of<T>, out.writable_bytes());
        return out;
    }

    /// Reads into the caller's buffer, band-sequential, which must hold exactly bands.size() *
    /// window.cropped(width(), height()).area() pixels of dtype `t`: the window is cropped to the
    /// raster (no resampling into a bigger buffer, unlike rasterio's `out=`), and a window holding
    /// no pixel takes an empty buffer. Borrows `out` for the call only.
    void read_into(const Bands& bands, const Window& window, DType t, std::span<std::byte> out) const;

    /// Writes all bands of the dataset from a (count, height, width) array.
    void write(const AnyArray& array);
    /// Writes the given bands from a (bands.size(), height, width) array.
    void write(const AnyArray& array, const Bands& bands);
    /// Writes the given bands in a window from a (bands.size(), window.height, window.width) array.
    void write(const AnyArray& array, const Bands& bands, const Window& window);
    /// Writes raw pixels of dtype `t`, band-sequential. Borrows `data` for the call only.
    void write_bytes(const Bands& bands, const Window& window, DType t, std::span<const std::byte> data);

    /// GDAL's handle, for calls rastio does not wrap; owned by this dataset, valid until close().
    /// Calls made through it are the caller's: unlike rastio's own calls, a close() on another
    /// thread (of this dataset or its MemoryFile) does not wait for them, so make sure none runs.
    void* gdal_handle() const;

private:
    friend class MemoryFile;
    friend class ZipMemoryFile;
    friend class WarpedVRT;
    friend struct detail::DatasetAccess;
    friend Dataset open(const std::string&, const std::string&, const Options&);
    friend Dataset open(const std::string&, const std::string&, const Profile&);
    friend Dataset open(std::shared_ptr<ByteSource>, const Options&);
    explicit Dataset(std::shared_ptr<detail::DatasetState> state) noexcept;

    Shape checked_shape(const Bands& bands, const Window& window, std::size_t elem_size) const;

    std::shared_ptr<detail::DatasetState> m_state;
};

/// Opens a dataset at any path GDAL reads ("x.tif", "/vsizip/a.zip/b.tif", a MemoryFile's name()).
/// Mode "r" reads, "r+" updates in place. `options` are GDAL open options (e.g. OVERVIEW_LEVEL).
///
/// Example:
///     auto ds = rastio::open("example.tif");
///     rastio::AnyArray pixels = ds.read();          // shape (bands, rows, cols)
Dataset open(const std::string& path, const std::string& mode = "r", const Options& options = {});

/// Creates a dataset at `path` (mode "w") from a profile; driver, width, height, count and dtype
/// are required. Drivers that can only CreateCopy (PNG, JPEG, COG...) are buffered in memory
/// and written when the dataset closes.
Dataset open(const std::string& path, const std::string& mode, const Profile& profile);

/// Opens the dataset a MemoryFile holds; the same as memfile.open().
Dataset open(MemoryFile& memfile);

} // namespace rastio
