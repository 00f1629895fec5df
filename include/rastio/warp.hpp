#pragma once
/// Reprojection, as rasterio.warp: points and bounds between CRSs, target grids, reproject(),
/// and WarpedVRT, a Dataset that reads a source through GDAL's warper without copying it.
///
/// Call these functions qualified (`rastio::transform(...)`): unqualified, argument-dependent
/// lookup may also find std::transform.

#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <rastio/affine.hpp>
#include <rastio/array.hpp>
#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>
#include <rastio/enums.hpp>
#include <rastio/metadata.hpp>

namespace rastio {

/// Coordinates of points, one vector per axis (zs empty when there is no height).
struct Points {
    std::vector<double> xs;
    std::vector<double> ys;
    std::vector<double> zs;
};

/// Transforms points from `src_crs` to `dst_crs` (x = easting or longitude, as rasterio).
/// `zs` may be empty; otherwise it has as many values as `xs`. Throws ArgumentError on an
/// empty CRS or mismatched lengths, Error naming the first point PROJ cannot
/// transform (rasterio 1.3 raises too).
Points transform(const CRS& src_crs, const CRS& dst_crs, std::span<const double> xs, std::span<const double> ys,
                 std::span<const double> zs = {});

/// Transforms bounds, densifying each edge with `densify_pts` points; a result crossing the
/// antimeridian in a geographic `dst_crs` has left > right (GDAL's OCTTransformBounds, as
/// rasterio with GDAL 3.4+).
Bounds transform_bounds(const CRS& src_crs, const CRS& dst_crs, const Bounds& bounds, int densify_pts = 21);

/// A target grid: the transform of its upper-left pixel and its size in pixels.
struct Grid {
    Affine transform;
    int width = 0;
    int height = 0;
    bool operator==(const Grid&) const = default;
};

/// What calculate_default_transform() may fix of the output grid: the resolution, or the
/// width and/or height (not both a resolution and a size, as rasterio).
struct GridOptions {
    /// Pixel size (x, y), positive.
    std::optional<std::pair<double, double>> resolution;
    std::optional<int> dst_width;
    std::optional<int> dst_height;
};

/// The grid GDAL suggests (GDALSuggestedWarpOutput2) for `width` x `height` pixels covering
/// `bounds` in `src_crs`, seen in `dst_crs`; rasterio's calculate_default_transform.
/// Throws ArgumentError on bad arguments, Error when GDAL cannot compute the grid.
Grid calculate_default_transform(const CRS& src_crs, const CRS& dst_crs, int width, int height,
                                 const Bounds& bounds, const GridOptions& options = {});
/// The same for a raster georeferenced by ground control points (in `gcps.crs`).
Grid calculate_default_transform(const CRS& dst_crs, int width, int height, const GCPs& gcps,
                                 const GridOptions& options = {});
/// The same for a raster georeferenced by rational polynomial coefficients (WGS 84).
Grid calculate_default_transform(const CRS& dst_crs, int width, int height, const RPC& rpcs,
                                 const GridOptions& options = {});

/// The grid of `width` x `height` pixels at `transform`, grown outward to whole multiples of
/// `resolution` (x, y) (gdalwarp's -tap; rasterio's aligned_target).
Grid aligned_target(const Affine& transform, int width, int height, std::pair<double, double> resolution);

/// The source of reproject(): an array with its georeferencing, or bands of a Dataset.
/// Borrows: the caller keeps the array or dataset alive and unchanged during reproject().
struct WarpSource {
    /// An array (bands, rows, cols) georeferenced by a transform, GCPs or RPCs.
    static WarpSource from_array(const AnyArray& array, const Affine& transform, const CRS& crs,
                                 std::optional<double> nodata = {});
    static WarpSource from_array(const AnyArray& array, const GCPs& gcps, std::optional<double> nodata = {});
    static WarpSource from_array(const AnyArray& array, const RPC& rpcs, std::optional<double> nodata = {});
    /// Bands of an open dataset (empty: all), georeferenced as the dataset is (transform, GCPs
    /// or RPCs); its nodata is the default src_nodata.
    static WarpSource from_dataset(const Dataset& dataset, Bands bands = {});
    /// A temporary would dangle once the WarpSource is stored: keep the array or dataset in a variable.
    static WarpSource from_array(AnyArray&&, const Affine&, const CRS&, std::optional<double> = {}) = delete;
    static WarpSource from_array(AnyArray&&, const GCPs&, std::optional<double> = {}) = delete;
    static WarpSource from_array(AnyArray&&, const RPC&, std::optional<double> = {}) = delete;
    static WarpSource from_dataset(Dataset&&, Bands = {}) = delete;

    const AnyArray* array = nullptr;
    Affine transform;
    CRS crs;
    std::optional<GCPs> gcps;
    std::optional<RPC> rpcs;
    std::optional<double> nodata;
    const Dataset* dataset = nullptr;
    Bands bands;
};

/// The destination of reproject(): an array (given, or made from a computed grid), or bands of
/// a writable Dataset (one created in an empty MemoryFile included).
struct WarpDestination {
    /// Into an array made by reproject(): dtype of the source, as many bands, on the grid
    /// `transform` x `width` x `height` when given, else the one calculate_default_transform()
    /// gives (with `resolution` when set).
    static WarpDestination make(const CRS& crs);
    /// Into the given array (bands, rows, cols), moved in and returned filled.
    static WarpDestination into(AnyArray array, const Affine& transform, const CRS& crs);
    /// Into bands of a writable dataset (empty: as many as the source has, from 1), on its grid.
    /// Borrows: the caller keeps `dataset` open during reproject().
    static WarpDestination into(Dataset& dataset, Bands bands = {});

    AnyArray array;
    std::optional<Affine> transform;
    CRS crs;
    std::optional<int> width;
    std::optional<int> height;
    std::optional<std::pair<double, double>> resolution;
    /// The dtype of a made array; none: the source's.
    std::optional<DType> dtype;
    Dataset* dataset = nullptr;
    Bands bands;
};

/// rasterio's reproject() keywords.
struct ReprojectOptions {
    /// Any warp method GDAL 3.6 has (not gauss, as in rasterio).
    Resampling resampling = Resampling::nearest;
    /// Source pixels equal to this are ignored; none: the source's nodata (a dataset's, or the
    /// one given with the array), if any.
    std::optional<double> src_nodata;
    /// The destination's nodata; none: a destination dataset's own, or for an array src_nodata
    /// (rasterio's rule).
    std::optional<double> dst_nodata;
    /// Fill the destination with dst_nodata (or 0) before warping (GDAL's INIT_DEST); false
    /// warps over what the destination holds.
    bool init_dest_nodata = true;
    /// 1-based alpha band of the source / destination, 0: none.
    int src_alpha = 0;
    int dst_alpha = 0;
    /// Worker threads of the warper (GDAL's NUM_THREADS); 1 warps on the calling thread. 0 (the
    /// default, where rasterio's is 1): GDAL_NUM_THREADS when set (e.g. through rastio::Env), else
    /// every CPU for a destination of 1 Mpixel or more and 1 below. The pixels are the same.
    int num_threads = 0;
    /// The warper's memory limit in MiB; 0: GDAL's default (64 MiB).
    int warp_mem_limit = 0;
    /// Extra options given to both the warper and the transformer, e.g. {"SAMPLE_GRID","YES"},
    /// {"MAX_GCP_ORDER","2"}, {"RPC_HEIGHT","100"} (rasterio's **kwargs).
    Options warp_options;
    /// Called as the warp advances with the fraction done (0 to 1), one call at a time (possibly
    /// from GDAL's worker threads); returning false cancels the warp, which then throws IOError.
    std::function<bool(double)> progress;
};

/// What reproject() returns: the destination array (empty when the destination is a Dataset)
/// and the destination's transform.
struct Reprojected {
    AnyArray array;
    Affine transform;
};

/// Reprojects `source` into `destination` with GDAL's warper, in memory (rasterio's reproject).
/// Throws ArgumentError on missing or inconsistent georeferencing (naming what is missing),
/// Error/IOError when GDAL fails.
Reprojected reproject(const WarpSource& source, WarpDestination destination, const ReprojectOptions& options = {});

/// WarpedVRT's parameters, as rasterio's WarpedVRT keywords. An unset grid follows the source:
/// calculate_default_transform() into `crs` (or the source's CRS), or `transform` with a size.
struct WarpedVRTOptions {
    /// The CRS of the view; empty: the source's.
    CRS crs;
    std::optional<Affine> transform;
    std::optional<int> width;
    std::optional<int> height;
    Resampling resampling = Resampling::nearest;
    /// Nodata of the view; none: src_nodata. add_alpha removes it (as rasterio).
    std::optional<double> nodata;
    /// Nodata of the source; none: the source's own.
    std::optional<double> src_nodata;
    /// The source's CRS and transform when the dataset lacks or misstates them (src_transform
    /// applies when the view's grid is given; GDAL's automatic grid reads the dataset's own, as
    /// in rasterio).
    CRS src_crs;
    std::optional<Affine> src_transform;
    /// Adds an alpha band (as the last band) that is 0 outside the source's valid pixels.
    bool add_alpha = false;
    /// The dtype of the view's bands; none: the source's.
    std::optional<DType> dtype;
    /// Error threshold of the approximate transformer, in pixels.
    double tolerance = 0.125;
    /// The warper's memory limit in MiB; 0: GDAL's default.
    int warp_mem_limit = 0;
    /// Fill each read with nodata before warping (INIT_DEST=NO_DATA).
    bool init_dest_nodata = true;
    /// Extra GDAL warp options (rasterio's warp_extras), e.g. {"NUM_THREADS","ALL_CPUS"}.
    Options warp_extras;
    /// Read through the source Dataset's own GDAL handle instead of reopening its file: no
    /// open per view, and the blocks the source has decoded stay cached for the next view (what
    /// a tile server cutting many small views of one dataset wants). The source must be open
    /// read-only; the view must then be used on the thread that uses the source, and closing
    /// the source closes the view first.
    bool share_source = false;
    /// Threads warping the blocks one read needs that the view has not warped yet, each block
    /// whole on one thread (the pixels do not change): 0, every CPU (or GDAL_NUM_THREADS when
    /// set); 1, one block after another on the reading thread. Extra threads read the source
    /// through handles of their own, opened on first need: only for a source open read-only and
    /// a view that does not share its handle (share_source warps on the reading thread).
    int num_threads = 0;
};

/// A read-only view of a dataset in another CRS or grid, warped on every read (rasterio's
/// WarpedVRT): every read of the Dataset API works (windows, out_shape + resampling, boundless,
/// read_masks, dataset_mask, read_masked). It never copies the source: it opens its own
/// read-only GDAL handle on the source's file (without the source's open options), which stays
/// valid after the source Dataset closes (unless share_source: then it reads through the
/// source's handle and closes with it); closing the source's MemoryFile closes the view too.
/// Reads warp block by block, so a view's pixels can differ from one reproject() of the whole
/// grid where the approximate transformer's error depends on the chunk (as in rasterio).
///
/// Example:
///     auto src = memfile.open();
///     rastio::WarpedVRT vrt(src, {.crs = rastio::CRS::from_epsg(3857)});
///     auto tile = vrt.read({.window = rastio::Window(0, 0, 256, 256)});
class WarpedVRT : public Dataset {
public:
    /// A closed view.
    WarpedVRT() noexcept = default;
    /// Borrows: `source` only during the call. Throws ArgumentError when the source has no
    /// georeferencing (and none is given), or its file cannot be reopened read-only (a dataset
    /// still being written: close it first).
    explicit WarpedVRT(const Dataset& source, const WarpedVRTOptions& options = {});
    WarpedVRT(const WarpedVRT&) = delete;
    WarpedVRT& operator=(const WarpedVRT&) = delete;
    WarpedVRT(WarpedVRT&&) noexcept = default;
    WarpedVRT& operator=(WarpedVRT&&) noexcept = default;
    ~WarpedVRT() = default;

    /// The source's path.
    const std::string& src_name() const noexcept { return m_src_name; }
    const CRS& src_crs() const noexcept { return m_src_crs; }
    const Affine& src_transform() const noexcept { return m_src_transform; }
    std::optional<double> src_nodata() const noexcept { return m_src_nodata; }
    Resampling resampling() const noexcept { return m_resampling; }
    double tolerance() const noexcept { return m_tolerance; }
    bool add_alpha() const noexcept { return m_add_alpha; }

private:
    std::string m_src_name;
    CRS m_src_crs;
    Affine m_src_transform;
    std::optional<double> m_src_nodata;
    Resampling m_resampling = Resampling::nearest;
    double m_tolerance = 0.125;
    bool m_add_alpha = false;
};

} // namespace rastio
