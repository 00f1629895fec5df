// Reads with rasterio's keywords: out_shape and resampling, boundless windows, masks.

#include <rastio/dataset.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include <gdal.h>

#include <rastio/error.hpp>

#include "dataset_parity.hpp"
#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"

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
};

Plan make_plan(const Dataset& ds, const ReadOptions& o, std::size_t elem_size) {
    Plan p;
    p.bands = o.bands.empty() ? ds.indexes() : o.bands;
    if (p.bands.empty()) throw ArgumentError("no bands to read from " + ds.name());
    for (int b : p.bands) detail::checked_band(ds, b);
    const int w = ds.width(), h = ds.height();
    p.window = o.window.value_or(Window::full(w, h));
    if (!p.window.is_valid()) {
        throw ArgumentError(p.window.to_string() + " is empty: a window to read needs a positive width and height");
    }
    p.inside = p.window.is_inside(w, h);
    if (!p.inside && !o.boundless) {
        throw ArgumentError(p.window.to_string() + " is not inside the " + std::to_string(w) + "x" +
                            std::to_string(h) + " raster of " + ds.name() +
                            "; set ReadOptions::boundless to read outside it");
    }
    p.rows = o.out_shape ? o.out_shape->first : p.window.height;
    p.cols = o.out_shape ? o.out_shape->second : p.window.width;
    if (p.rows <= 0 || p.cols <= 0) {
        throw ArgumentError("out_shape (" + std::to_string(p.rows) + ", " + std::to_string(p.cols) +
                            ") is not positive");
    }
    p.alg = detail::to_rasterio_alg(o.resampling);
    const Shape shape{p.bands.size(), static_cast<std::size_t>(p.rows), static_cast<std::size_t>(p.cols)};
    const std::size_t n = detail::checked_elements(shape, elem_size);
    // The boundless path with resampling holds the window at full resolution too.
    std::uint64_t bytes = static_cast<std::uint64_t>(n) * elem_size;
    if (!p.inside) bytes += static_cast<std::uint64_t>(p.window.area()) * p.bands.size() * elem_size;
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

/// Runs a plan: `fills[i]` is band i's value outside the raster, `nodata[i]` its nodata value
/// (kept when a boundless window is resampled). `out` holds bands x rows x cols pixels of `gdt`.
void run_plan(const Plan& p, GDALDataType gdt, const std::vector<double>& fills,
              const std::vector<std::optional<double>>& nodata, int raster_width, int raster_height,
              const BandsIO& io, std::byte* out, const std::string& name) {
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    const std::size_t nb = p.bands.size();
    ErrorCapture errors;
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
        return;
    }

    // Boundless: the window at full resolution, filled, with the part inside the raster read in.
    const bool resample = p.rows != p.window.height || p.cols != p.window.width;
    std::vector<std::byte> full;
    std::byte* dst = out;
    if (resample) {
        full.resize(nb * static_cast<std::size_t>(p.window.area()) * esize);
        dst = full.data();
    }
    const auto wcols = static_cast<std::size_t>(p.window.width);
    const auto wrows = static_cast<std::size_t>(p.window.height);
    for (std::size_t i = 0; i < nb; ++i) fill_values(dst + i * wcols * wrows * esize, gdt, wcols * wrows, fills[i]);
    if (auto part = p.window.intersection(Window::full(raster_width, raster_height))) {
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        const auto pixel = static_cast<GSpacing>(esize);
        const GSpacing line = pixel * p.window.width;
        const auto offset = (static_cast<std::size_t>(part->row_off - p.window.row_off) * wcols +
                             static_cast<std::size_t>(part->col_off - p.window.col_off)) * esize;
        if (io(*part, dst + offset, part->width, part->height, pixel, line, line * p.window.height, &extra) != CE_None ||
            errors.failed()) {
            fail("cannot read " + part->to_string());
        }
    }
    if (!resample) return;

    // Resample the filled window through a MEM dataset, as GDAL would resample the source.
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", p.window.width, p.window.height,
                                  static_cast<int>(nb), gdt, nullptr);
    if (mem == nullptr) fail("cannot make a MEM dataset to resample a boundless read");
    const std::unique_ptr<void, void (*)(void*)> guard(mem, [](void* d) { GDALClose(d); });
    for (std::size_t i = 0; i < nb; ++i) {
        if (nodata[i]) GDALSetRasterNoDataValue(GDALGetRasterBand(mem, static_cast<int>(i) + 1), *nodata[i]);
    }
    if (GDALDatasetRasterIO(mem, GF_Write, 0, 0, p.window.width, p.window.height, full.data(), p.window.width,
                            p.window.height, gdt, static_cast<int>(nb), nullptr, 0, 0, 0) != CE_None) {
        fail("cannot resample a boundless read");
    }
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = p.alg;
    if (GDALDatasetRasterIOEx(mem, GF_Read, 0, 0, p.window.width, p.window.height, out, p.cols, p.rows, gdt,
                              static_cast<int>(nb), nullptr, 0, 0, 0, &extra) != CE_None ||
        errors.failed()) {
        fail("cannot resample a boundless read");
    }
}

std::optional<double> nodata_of(GDALRasterBandH band) {
    int has = 0;
    const double v = GDALGetRasterNoDataValue(band, &has);
    return has ? std::optional<double>(v) : std::nullopt;
}

/// Replaces, band by band, pixels equal to the band's nodata (NaN too) with `fill`.
void replace_nodata(std::byte* out, GDALDataType gdt, std::size_t per_band, const std::vector<std::optional<double>>& nodata,
                    double fill) {
    const auto esize = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(gdt));
    std::vector<double> values(per_band);
    for (std::size_t b = 0; b < nodata.size(); ++b) {
        if (!nodata[b]) continue;
        std::byte* band = out + b * per_band * esize;
        GDALCopyWords64(band, gdt, static_cast<int>(esize), values.data(), GDT_Float64, sizeof(double),
                        static_cast<GPtrDiff_t>(per_band));
        const double nd = *nodata[b];
        for (std::size_t i = 0; i < per_band; ++i) {
            if (values[i] == nd || (std::isnan(nd) && std::isnan(values[i]))) fill_values(band + i * esize, gdt, 1, fill);
        }
    }
}

Shape shape_of(const Plan& p) {
    return {p.bands.size(), static_cast<std::size_t>(p.rows), static_cast<std::size_t>(p.cols)};
}

/// The masks of the planned bands into `out` (GDAL's values: 0 invalid, nonzero valid).
void read_mask_plan(const Dataset& ds, const Plan& p, std::byte* out) {
    std::vector<GDALRasterBandH> masks;
    // Outside the raster a band with a mask is masked; a band without one (all valid) stays
    // valid there, as in rasterio, whose boundless VRT has no nodata for such a band.
    std::vector<double> outside;
    for (int b : p.bands) {
        GDALRasterBandH band = detail::checked_band(ds, b);
        masks.push_back(GDALGetMaskBand(band));
        outside.push_back((GDALGetMaskFlags(band) & GMF_ALL_VALID) != 0 ? 255.0 : 0.0);
    }
    const std::vector<std::optional<double>> none(p.bands.size());
    run_plan(p, GDT_Byte, outside, none, ds.width(), ds.height(),
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
    std::vector<double> fills;
    std::vector<std::optional<double>> nodata;
    for (int b : p.bands) {
        nodata.push_back(nodata_of(GDALGetRasterBand(h, b)));
        fills.push_back(options.fill_value.value_or(nodata.back().value_or(0.0)));
    }
    const GDALDataType gdt = detail::to_gdal(t);
    run_plan(p, gdt, fills, nodata, width(), height(),
             [&](const Window& src, std::byte* dst, int bc, int br, GSpacing pixel, GSpacing line, GSpacing band,
                 GDALRasterIOExtraArg* extra) {
                 return GDALDatasetRasterIOEx(h, GF_Read, src.col_off, src.row_off, src.width, src.height, dst, bc,
                                              br, gdt, static_cast<int>(p.bands.size()),
                                              const_cast<int*>(p.bands.data()), pixel, line, band, extra); // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature lacks const
             },
             static_cast<std::byte*>(out.data()), name());
    if (options.boundless && options.fill_value) {
        // As rasterio (whose boundless reads go through a VRT that treats nodata as transparent):
        // with a fill value, the source's nodata pixels read as the fill value too.
        replace_nodata(static_cast<std::byte*>(out.data()), gdt, static_cast<std::size_t>(p.rows) * static_cast<std::size_t>(p.cols),
                       nodata, *options.fill_value);
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
    const auto interp = colorinterp();
    const auto alpha = std::find(interp.begin(), interp.end(), ColorInterp::alpha);
    if (alpha != interp.end()) {
        // An alpha band GDAL did not take as the mask (e.g. shadowed by nodata): its values are the mask.
        o.bands = {static_cast<int>(alpha - interp.begin()) + 1};
        auto a = read(o);
        Array<std::uint8_t> out(a.shape());
        ReadOptions m = o;
        auto masks = read_masks(m);
        auto bytes = a.bytes();
        const auto esize = dtype_size(a.dtype());
        for (std::size_t i = 0; i < out.size(); ++i) {
            bool nonzero = false;
            for (std::size_t k = 0; k < esize; ++k) nonzero = nonzero || bytes[i * esize + k] != std::byte{0};
            out.data()[i] = nonzero && masks.data()[i] != 0 ? 255 : 0;
        }
        return out;
    }
    // Otherwise a pixel is valid where any band is.
    o.bands = indexes();
    const auto all = read_masks(o);
    Array<std::uint8_t> out({1, all.rows(), all.cols()});
    for (std::size_t b = 0; b < all.bands(); ++b) {
        const auto band = all.band(b);
        for (std::size_t i = 0; i < band.size(); ++i) out.data()[i] |= band[i];
    }
    return out;
}

MaskedArray Dataset::read_masked(const ReadOptions& options) const {
    const detail::DatasetUse use(m_state);
    MaskedArray out{read(options), read_masks(options)};
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
    ErrorCapture errors;
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
