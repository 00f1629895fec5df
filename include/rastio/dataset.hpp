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
namespace detail {
struct DatasetState;
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
struct ReadOptions {
    /// 1-based bands, in order; empty: all.
    Bands bands;
    /// The source window; none: the whole raster. With `boundless` it may lie partly or wholly outside.
    std::optional<Window> window;
    /// (rows, cols) of the result; none: the window's size. Smaller decimates (GDAL then reads
    /// overviews when it can), larger magnifies.
    std::optional<std::pair<int, int>> out_shape;
    /// How to resample when out_shape differs from the window (nearest..gauss, rms).
    Resampling resampling = Resampling::nearest;
    /// Allow a window outside the raster; pixels outside are `fill_value`, else nodata, else 0,
    /// and masked (0 in read_masks) unless the band has no mask at all (as in rasterio). With a
    /// fill_value, the source's nodata pixels read as fill_value too (as in rasterio).
    bool boundless = false;
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

    /// Reads with rasterio's keywords (bands, window, out_shape, resampling, boundless).
    AnyArray read(const ReadOptions& options) const;
    /// GDAL's validity masks of the bands (0 invalid, 255 valid), shape (bands, rows, cols).
    Array<std::uint8_t> read_masks(const ReadOptions& options = {}) const;
    /// One mask for the whole dataset: 255 where any band is valid, shape (1, rows, cols).
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
    /// A window of every band.
    AnyArray read(const Window& window) const;
    /// A window of the given bands.
    AnyArray read(const Bands& bands, const Window& window) const;

    /// Reads converting to T through GDAL (empty bands: all; no window: the whole raster).
    template <Pixel T>
    Array<T> read_as(const Bands& bands = {}, const std::optional<Window>& window = {}) const {
        const Bands b = bands.empty() ? indexes() : bands;
        const Window w = window ? *window : Window::full(width(), height());
        auto out = Array<T>::uninitialized(checked_shape(b, w, sizeof(T)));
        read_into(b, w, dtype_of<T>, out.writable_bytes());
        return out;
    }

    /// Reads into the caller's buffer, which must hold bands.size() * window.area() pixels
    /// of dtype `t`, band-sequential. Borrows `out` for the call only.
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
    void* gdal_handle() const;

private:
    friend class MemoryFile;
    friend class ZipMemoryFile;
    friend class WarpedVRT;
    friend Dataset open(const std::string&, const std::string&, const Options&);
    friend Dataset open(const std::string&, const std::string&, const Profile&);
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
