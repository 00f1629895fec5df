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
