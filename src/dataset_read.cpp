// Reads with rasterio's keywords: out_shape and resampling, boundless windows, masks.

#include <rastio/dataset.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include <gdal.h>
#include <gdal_vrt.h>

#include <rastio/error.hpp>

#include "dataset_parity.hpp"
#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "gtiff_direct.hpp"

namespace rastio {

namespace {

using detail::ErrorCapture;

/// A read resolved against a dataset: which bands, which source window, what output size.
struct Plan {
    Bands bands;
    Window window;
    int rows = 0;
    int cols = 0;
    GDALRIOResampleAlg alg = GRIORA_NearestNeighbour;
    bool inside = true;
    /// Goes through rasterio's boundless VRT: `boundless` with a window (rasterio reads directly without one).
    bool vrt = false;
    /// The result holds no pixel (an empty window or out_shape): nothing to read.
    bool empty() const noexcept { return rows == 0 || cols == 0; }
};

Plan make_plan(const Dataset& ds, const ReadOptions& o, std::size_t elem_size) {
    Plan p;
    p.bands = o.bands.empty() ? ds.indexes() : o.bands;
    if (p.bands.empty()) throw ArgumentError("no bands to read from " + ds.name());
    for (int b : p.bands) detail::checked_band(ds, b);
    const int w = ds.width(), h = ds.height();
    const Window asked = o.window.value_or(Window::full(w, h));
    // As rasterio: without `boundless`, a window running past the edges reads the part inside.
    const Window crop = detail::checked_crop(asked, w, h, ds.name());
    p.window = o.boundless ? asked : crop;
    p.inside = p.window.is_inside(w, h);
    p.vrt = o.boundless && o.window.has_value();
    if (o.out_shape && (o.out_shape->first < 0 || o.out_shape->second < 0)) {
        throw ArgumentError("out_shape (" + std::to_string(o.out_shape->first) + ", " +
                            std::to_string(o.out_shape->second) + ") is negative");
    }
    p.rows = o.out_shape ? o.out_shape->first : p.window.height;
    p.cols = o.out_shape ? o.out_shape->second : p.window.width;
    if (!p.empty() && p.window.area() == 0) {
        // rasterio fails here too (or, near the origin, reads pixels outside the window).
        throw ArgumentError(asked.to_string() + (o.boundless ? " is empty" : " holds no pixel of the " +
                            std::to_string(w) + "x" + std::to_string(h) + " raster of " + ds.name()) +
                            ", so there is nothing to resample into out_shape (" + std::to_string(p.rows) + ", " +
                            std::to_string(p.cols) + ")");
    }
    p.alg = detail::to_rasterio_alg(o.resampling);
    const Shape shape{p.bands.size(), static_cast<std::size_t>(p.rows), static_cast<std::size_t>(p.cols)};
    const std::size_t n = detail::checked_elements(shape, elem_size);
    const std::uint64_t bytes = static_cast<std::uint64_t>(n) * elem_size;
    if (bytes > detail::max_read_bytes()) {
        throw ArgumentError("reading " + std::to_string(bytes) + " bytes from " + ds.name() +
                            " is over the limit of " + std::to_string(detail::max_read_bytes()) +
                            " (RASTIO_MAX_READ_BYTES); read a smaller window or out_shape");
    }
    return p;
}

/// Reads `src` of every band into a buffer of buf_cols x buf_rows pixels at `dst` with the
/// given spacings (bytes); returns GDAL's error.
using BandsIO = std::function<CPLErr(const Window& src, std::byte* dst, int buf_cols, int buf_rows, GSpacing pixel,
                                     GSpacing line, GSpacing band, GDALRasterIOExtraArg* extra)>;

void fill_values(std::byte* out, GDALDataType gdt, std::size_t n, double value) {
    GDALCopyWords64(&value, GDT_Float64, 0, out, gdt, GDALGetDataTypeSizeBytes(gdt), static_cast<GPtrDiff_t>(n));
}

/// Changes pixels read at full resolution in place: band-sequential, `per_band` pixels a band.
using FixPixels = std::function<void(std::byte* pixels, std::size_t per_band)>;

/// Runs a plan: `fills[i]` is band i's value outside the raster; `fix`, when given, changes the
/// pixels read. `out` holds bands x rows x cols pixels of `gdt`. A boundless window partly or
/// wholly outside is filled here only at full resolution: a resampled one goes through
/// boundless_vrt.
void run_plan(const Plan& p, GDALDataType gdt, const std::vector<double>& fills, int raster_width, int raster_height,
              const BandsIO& io, std::byte* out, const std::string& name, const FixPixels& fix = {}) {
    if (p.empty()) return;
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    const std::size_t nb = p.bands.size();
    ErrorCapture errors(name);
    auto fail = [&](const std::string& what) { errors.throw_io(what, name); };

    if (p.inside) {
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        extra.eResampleAlg = p.alg;
        const auto pixel = static_cast<GSpacing>(esize);
        const GSpacing line = pixel * p.cols;
        if (io(p.window, out, p.cols, p.rows, pixel, line, line * p.rows, &extra) != CE_None || errors.failed()) {
            fail("cannot read " + p.window.to_string());
        }
        if (fix) fix(out, static_cast<std::size_t>(p.rows) * static_cast<std::size_t>(p.cols));
        return;
    }

    // Boundless at full resolution: the window filled, with the part inside the raster read in.
    if (p.rows != p.window.height || p.cols != p.window.width) fail("internal error: a resampled boundless read without its VRT");
    const auto wcols = static_cast<std::size_t>(p.window.width);
    const auto wrows = static_cast<std::size_t>(p.window.height);
    for (std::size_t i = 0; i < nb; ++i) fill_values(out + i * wcols * wrows * esize, gdt, wcols * wrows, fills[i]);
    if (auto part = p.window.intersection(Window::full(raster_width, raster_height))) {
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        const auto pixel = static_cast<GSpacing>(esize);
        const GSpacing line = pixel * p.window.width;
        const auto offset = (static_cast<std::size_t>(part->row_off - p.window.row_off) * wcols +
                             static_cast<std::size_t>(part->col_off - p.window.col_off)) * esize;
        if (io(*part, out + offset, part->width, part->height, pixel, line, line * p.window.height, &extra) != CE_None ||
            errors.failed()) {
            fail("cannot read " + part->to_string());
        }
    }
    if (fix) fix(out, wcols * wrows);
}

std::optional<double> nodata_of(GDALRasterBandH band) {
    int has = 0;
    const double v = GDALGetRasterNoDataValue(band, &has);
    return has ? std::optional<double>(v) : std::nullopt;
}

/// The nodata value of band b of rasterio's boundless VRT: the fill value, unless it is 0
/// (rasterio 1.3.5 takes `fill_value or nodata`), else the band's nodata, else the 0 given.
std::optional<double> vrt_nodata(std::optional<double> fill, std::optional<double> nodata) {
    if (fill && *fill != 0) return fill; // NaN is a fill value too
    return nodata ? nodata : fill;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

/// Replaces, band by band, pixels equal to `from[b]` (NaN too) with `to[b]`.
void replace_values(std::byte* out, GDALDataType gdt, std::size_t per_band, const std::vector<std::optional<double>>& from,
                    const std::vector<std::optional<double>>& to) {
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    std::vector<double> values(per_band);
    for (std::size_t b = 0; b < from.size(); ++b) {
        if (!from[b] || !to[b] || same_value(*from[b], *to[b])) continue;
        std::byte* band = out + b * per_band * esize;
        GDALCopyWords64(band, gdt, static_cast<int>(esize), values.data(), GDT_Float64, sizeof(double),
                        static_cast<GPtrDiff_t>(per_band));
        for (std::size_t i = 0; i < per_band; ++i) {
            if (same_value(values[i], *from[b])) fill_values(band + i * esize, gdt, 1, *to[b]);
        }
    }
}

/// True when every band of the dataset (not only those read) has a mask flag set in `flag`.
bool every_band_has(const Dataset& ds, int flag) {
    auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) {
        if ((GDALGetMaskFlags(GDALGetRasterBand(h, b)) & flag) == 0) return false;
    }
    return true;
}

/// Closes a GDAL dataset handle.
struct GdalCloser {
    void operator()(void* h) const noexcept { GDALClose(h); }
};
using OwnedDataset = std::unique_ptr<void, GdalCloser>;

/// rasterio 1.3.5's boundless VRT (rasterio.vrt._boundless_vrt_doc) built in memory over every band
/// of `ds`: max(width, window width) + 1 by max(height, window height) + 1 pixels, `window` at its
/// origin, the raster placed after it; each band keeps its dtype and color interpretation, gets
/// the VRT nodata (vrt_nodata of `fill` and its own nodata) and reads its source's nodata pixels
/// as transparent; the dataset's per-dataset mask when every band has one. With `blank`, every
/// source pixel reads 255 and nothing is nodata (rasterio's masks of an all-valid dataset).
/// Borrows `ds` while the VRT is open.
OwnedDataset boundless_vrt(const Dataset& ds, const Window& window, std::optional<double> fill, bool blank) {
    auto* h = static_cast<GDALDatasetH>(ds.gdal_handle());
    const int w = ds.width(), hh = ds.height();
    const auto size = [](int raster, int win) { return static_cast<int>(std::min<long long>(std::max(raster, win) + 1LL, INT32_MAX)); };
    OwnedDataset vrt(VRTCreate(size(w, window.width), size(hh, window.height)));
    ErrorCapture errors;
    const auto fail = [&] { errors.throw_io("cannot make the VRT of a boundless read of " + window.to_string(), ds.name()); };
    if (!vrt) fail();
    const long long dx = -static_cast<long long>(window.col_off), dy = -static_cast<long long>(window.row_off);
    if (dx > INT32_MAX || dy > INT32_MAX) throw ArgumentError(window.to_string() + " is too far outside " + ds.name());
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) {
        GDALRasterBandH src = GDALGetRasterBand(h, b);
        if (VRTAddBand(vrt.get(), GDALGetRasterDataType(src), nullptr) != CE_None) fail(); // a CPLErr, despite the int
        GDALRasterBandH band = GDALGetRasterBand(vrt.get(), b);
        const auto nodata = blank ? std::nullopt : nodata_of(src);
        if (const auto v = blank ? std::nullopt : vrt_nodata(fill, nodata)) GDALSetRasterNoDataValue(band, *v);
        GDALSetRasterColorInterpretation(band, GDALGetRasterColorInterpretation(src));
        if (VRTAddComplexSource(band, src, 0, 0, w, hh, static_cast<int>(dx), static_cast<int>(dy), w, hh,
                                blank ? 255.0 : 0.0, blank ? 0.0 : 1.0, nodata.value_or(VRT_NODATA_UNSET)) != CE_None) {
            fail();
        }
    }
    if (!blank && GDALGetRasterCount(h) > 0 && every_band_has(ds, GMF_PER_DATASET)) {
        if (GDALCreateDatasetMaskBand(vrt.get(), GMF_PER_DATASET) != CE_None) fail();
        if (VRTAddSimpleSource(GDALGetMaskBand(GDALGetRasterBand(vrt.get(), 1)), GDALGetMaskBand(GDALGetRasterBand(h, 1)),
                               0, 0, w, hh, static_cast<int>(dx), static_cast<int>(dy), w, hh, nullptr,
                               VRT_NODATA_UNSET) != CE_None) {
            fail();
        }
    }
    if (errors.failed()) fail();
    return vrt;
}

/// Reads the planned bands' pixels (or, with `masks`, their masks as GDT_Byte) from a boundless
/// VRT into `out`, resampled with `alg`.
void read_vrt(const OwnedDataset& vrt, const Plan& p, GDALDataType gdt, bool masks, GDALRIOResampleAlg alg,
              std::byte* out, const std::string& name) {
    if (p.empty()) return;
    ErrorCapture errors;
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = alg;
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    const std::size_t band_bytes = static_cast<std::size_t>(p.rows) * static_cast<std::size_t>(p.cols) * esize;
    bool ok = true;
    if (!masks) {
        ok = GDALDatasetRasterIOEx(vrt.get(), GF_Read, 0, 0, p.window.width, p.window.height, out, p.cols, p.rows, gdt,
                                   static_cast<int>(p.bands.size()), const_cast<int*>(p.bands.data()), 0, 0, 0, // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature lacks const
                                   &extra) == CE_None;
    }
    for (std::size_t i = 0; masks && ok && i < p.bands.size(); ++i) {
        GDALRasterBandH m = GDALGetMaskBand(GDALGetRasterBand(vrt.get(), p.bands[i]));
        ok = GDALRasterIOEx(m, GF_Read, 0, 0, p.window.width, p.window.height, out + i * band_bytes, p.cols, p.rows,
                            gdt, 0, 0, &extra) == CE_None;
    }
    if (!ok || errors.failed()) errors.throw_io("cannot read " + p.window.to_string() + " boundless", name);
}

/// A boundless read that resamples: rastio fills the window itself only at full resolution.
bool resampled(const Plan& p) { return p.rows != p.window.height || p.cols != p.window.width; }

Shape shape_of(const Plan& p) {
    return {p.bands.size(), static_cast<std::size_t>(p.rows), static_cast<std::size_t>(p.cols)};
}

/// The masks of the planned bands into `out` (GDAL's values: 0 invalid, nonzero valid).
void read_mask_plan(const Dataset& ds, Plan p, std::byte* out) {
    std::vector<GDALRasterBandH> masks;
    // Outside the raster, as rasterio's boundless VRT: when every band of the dataset is all
    // valid, rasterio masks the outside (through a blank VRT, read nearest); otherwise a band
    // with a mask (nodata, per-dataset, alpha) is masked there and an all-valid band stays valid.
    const bool all_valid = every_band_has(ds, GMF_ALL_VALID);
    if (all_valid && p.vrt) p.alg = GRIORA_NearestNeighbour;
    if (p.vrt && resampled(p) && !p.empty()) {
        // GDAL resamples masks through the VRT's own mask bands: read them as rasterio does.
        const auto vrt = boundless_vrt(ds, p.window, std::nullopt, all_valid);
        read_vrt(vrt, p, GDT_Byte, !all_valid, p.alg, out, ds.name());
        return;
    }
    std::vector<double> outside;
    for (int b : p.bands) {
        GDALRasterBandH band = detail::checked_band(ds, b);
        masks.push_back(GDALGetMaskBand(band));
        outside.push_back(!all_valid && (GDALGetMaskFlags(band) & GMF_ALL_VALID) != 0 ? 255.0 : 0.0);
    }
    run_plan(p, GDT_Byte, outside, ds.width(), ds.height(),
             [&](const Window& src, std::byte* dst, int bc, int br, GSpacing pixel, GSpacing line, GSpacing band,
                 GDALRasterIOExtraArg* extra) {
                 for (std::size_t i = 0; i < masks.size(); ++i) {
                     if (GDALRasterIOEx(masks[i], GF_Read, src.col_off, src.row_off, src.width, src.height,
                                        dst + static_cast<std::ptrdiff_t>(i) * band, bc, br, GDT_Byte, pixel, line,
                                        extra) != CE_None) {
                         return CE_Failure;
                     }
                 }
                 return CE_None;
             },
             out, ds.name());
}

} // namespace

AnyArray Dataset::read(const ReadOptions& options) const {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    const Bands first = options.bands.empty() ? Bands{1} : Bands{options.bands.front()};
    if (count() < 1) throw ArgumentError(name() + " has no bands to read");
    const DType t = detail::band_dtype(detail::checked_band(*this, first.front()));
    const std::size_t esize = dtype_size(t);
    const Plan p = make_plan(*this, options, esize);
    auto out = AnyArray::uninitialized(t, shape_of(p));
    // As rasterio's boundless VRT: outside the raster and in place of the source's nodata pixels
    // goes the VRT's nodata value (see vrt_nodata), else 0.
    std::vector<double> fills;
    std::vector<std::optional<double>> nodata, vrt_nd;
    for (int b : p.bands) {
        nodata.push_back(nodata_of(GDALGetRasterBand(h, b)));
        vrt_nd.push_back(vrt_nodata(options.fill_value, nodata.back()));
        fills.push_back(vrt_nd.back().value_or(0.0));
    }
    const GDALDataType gdt = detail::to_gdal(t);
    if (p.vrt && resampled(p) && !p.empty()) {
        // GDAL resamples with the VRT's nodata left out of the kernels: read rasterio's VRT itself.
        read_vrt(boundless_vrt(*this, p.window, options.fill_value, false), p, gdt, false, p.alg,
                 static_cast<std::byte*>(out.data()), name());
        return out;
    }
    FixPixels fix;
    if (p.vrt) {
        fix = [&](std::byte* pixels, std::size_t per_band) { replace_values(pixels, gdt, per_band, nodata, vrt_nd); };
    }
    run_plan(p, gdt, fills, width(), height(),
             [&](const Window& src, std::byte* dst, int bc, int br, GSpacing pixel, GSpacing line, GSpacing band,
                 GDALRasterIOExtraArg* extra) {
                 // A remote GeoTIFF read into the whole result: fetch only its blocks, in parallel.
                 const auto esz = static_cast<GSpacing>(esize);
                 if (p.inside && src == p.window && bc == p.cols && br == p.rows && pixel == esz && line == esz * bc &&
                     band == line * br && mode() == "r" &&
                     detail::gtiff_remote_read(h, name(), p.bands, src, bc, br, gdt,
                                               std::span<std::byte>(dst, static_cast<std::size_t>(band) * p.bands.size()))) {
                     return CE_None;
                 }
                 if (bc == src.width && br == src.height && m_state->before_read) m_state->before_read(h, src);
                 const CPLErr err = GDALDatasetRasterIOEx(h, GF_Read, src.col_off, src.row_off, src.width, src.height,
                                                          dst, bc, br, gdt, static_cast<int>(p.bands.size()),
                                                          const_cast<int*>(p.bands.data()), pixel, line, band, extra); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature lacks const
                 if (err == CE_None && bc == src.width && br == src.height && m_state->after_read) {
                     m_state->after_read(h, src);
                 }
                 return err;
             },
             static_cast<std::byte*>(out.data()), name(), fix);
    if (!p.vrt && options.fill_value && !p.empty() && !every_band_has(*this, GMF_ALL_VALID)) {
        // rasterio reads directly, then fills what its masks (nodata, per-dataset, alpha) say is invalid.
        auto masks = Array<std::uint8_t>::uninitialized(shape_of(p));
        read_mask_plan(*this, p, reinterpret_cast<std::byte*>(masks.data())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): uint8 pixels as bytes
        auto* pixels = static_cast<std::byte*>(out.data());
        const auto esize_gdal = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
        for (std::size_t i = 0; i < masks.size(); ++i) {
            if (masks.data()[i] == 0) fill_values(pixels + i * esize_gdal, gdt, 1, *options.fill_value);
        }
    }
    return out;
}

Array<std::uint8_t> Dataset::read_masks(const ReadOptions& options) const {
    const detail::DatasetUse use(m_state);
    const Plan p = make_plan(*this, options, 1);
    auto out = Array<std::uint8_t>::uninitialized(shape_of(p));
    read_mask_plan(*this, p, reinterpret_cast<std::byte*>(out.data())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): uint8 pixels as bytes
    return out;
}

Array<std::uint8_t> Dataset::dataset_mask(const ReadOptions& options) const {
    const detail::DatasetUse use(m_state);
    if (count() < 1) throw ArgumentError(name() + " has no bands, so no mask");
    ReadOptions o = options;
    const auto flags = mask_flags();
    if (flags.front().per_dataset) {
        // One mask (a .msk, an internal mask or the alpha band) serves every band.
        o.bands = {1};
        return read_masks(o);
    }
    if (count() == 4 && colorinterp().front() == ColorInterp::red) {
        // As rasterio 1.3.5: an RGBA dataset whose alpha GDAL did not take as the mask (nodata
        // shadows it) uses band 4's own mask.
        o.bands = {4};
        return read_masks(o);
    }
    // Otherwise a pixel is valid (255) where any band is.
    o.bands = indexes();
    const auto all = read_masks(o);
    Array<std::uint8_t> out({1, all.rows(), all.cols()});
    for (std::size_t b = 0; b < all.bands(); ++b) {
        const auto band = all.band(b);
        for (std::size_t i = 0; i < band.size(); ++i) out.data()[i] |= static_cast<std::uint8_t>(band[i] != 0 ? 255 : 0);
    }
    return out;
}

MaskedArray Dataset::read_masked(const ReadOptions& options) const {
    const detail::DatasetUse use(m_state);
    MaskedArray out;
    if (!options.boundless || !options.window) {
        // rasterio's masked read leaves the values as read: fill_value only names what fills them.
        ReadOptions raw = options;
        raw.fill_value.reset();
        out = MaskedArray{read(raw), read_masks(options)};
    } else {
        // rasterio takes a boundless read's mask from its VRT, read nearest whatever the
        // resampling: the VRT's own masks (so a band given a nodata value is masked wherever it
        // reads that value), or, when every band is all valid, a blank VRT's pixels.
        out.data = read(options);
        const Plan p = make_plan(*this, options, 1);
        out.mask = Array<std::uint8_t>::uninitialized(shape_of(p));
        const bool all_valid = every_band_has(*this, GMF_ALL_VALID);
        const auto vrt = boundless_vrt(*this, p.window, options.fill_value, all_valid);
        read_vrt(vrt, p, GDT_Byte, !all_valid, GRIORA_NearestNeighbour,
                 reinterpret_cast<std::byte*>(out.mask.data()), name()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): uint8 pixels as bytes
    }
    for (auto& v : out.mask.values()) v = v != 0 ? 255 : 0;
    return out;
}

std::vector<MaskFlags> Dataset::mask_flags() const {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::vector<MaskFlags> out;
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) {
        out.push_back(MaskFlags::from_gdal(GDALGetMaskFlags(GDALGetRasterBand(h, b))));
    }
    return out;
}

void Dataset::write_mask(const Array<std::uint8_t>& mask, const std::optional<Window>& window, MaskStorage storage) {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    detail::require_writable(*this, "write a mask");
    if (count() < 1) throw ArgumentError(name() + " has no bands to mask");
    const Window w = window.value_or(Window::full(width(), height()));
    if (!w.is_valid() || !w.is_inside(width(), height())) {
        throw ArgumentError(w.to_string() + " is not inside the " + std::to_string(width()) + "x" +
                            std::to_string(height()) + " raster of " + name());
    }
    const Shape want{1, static_cast<std::size_t>(w.height), static_cast<std::size_t>(w.width)};
    if (mask.shape() != want) {
        throw ArgumentError("mask of shape (" + std::to_string(mask.bands()) + ", " + std::to_string(mask.rows()) +
                            ", " + std::to_string(mask.cols()) + ") does not match the window's (1, " +
                            std::to_string(w.height) + ", " + std::to_string(w.width) + ")");
    }
    ErrorCapture errors(name());
    GDALRasterBandH band1 = GDALGetRasterBand(h, 1);
    const int flags = GDALGetMaskFlags(band1);
    if ((flags & GMF_PER_DATASET) == 0 || (flags & GMF_ALPHA) != 0) {
        // GDAL_TIFF_INTERNAL_MASK decides where GTiff puts a new mask in GDAL 3.6.
        CPLConfigOptionSetter where("GDAL_TIFF_INTERNAL_MASK", storage == MaskStorage::internal ? "YES" : "NO", false);
        if (GDALCreateDatasetMaskBand(h, GMF_PER_DATASET) != CE_None || errors.failed()) {
            errors.throw_io("cannot create a mask", name());
        }
    }
    // GDAL masks hold 0 or 255; write any nonzero value as valid.
    std::vector<std::uint8_t> values(mask.size());
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = mask.data()[i] != 0 ? 255 : 0;
    GDALRasterBandH m = GDALGetMaskBand(band1);
    if (GDALRasterIO(m, GF_Write, w.col_off, w.row_off, w.width, w.height, values.data(), w.width, w.height,
                     GDT_Byte, 0, 0) != CE_None ||
        errors.failed()) {
        errors.throw_io("cannot write the mask", name());
    }
}

} // namespace rastio
