// Tiles through GDAL's warper with a set-up kept per source and output grid shape (see tile_warp.hpp).
#include "tile_warp.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <cpl_error.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include <rastio/error.hpp>

#include "gdal_handle.hpp"
#include "warp_internal.hpp"

namespace rastio::serve {

namespace {

struct transformer_destroy {
    void operator()(void* p) const noexcept { GDALDestroyTransformer(p); }
};
using TransformerHandle = std::unique_ptr<void, transformer_destroy>;

// GDAL's approximate transformer under another name. GDALWarpOperation::Initialize recognises
// GDAL's own transformer functions and then, for every operation, projects the poles into the
// destination grid (a new PROJ operation from EPSG:4326 each time: half a millisecond) and checks
// for a whole-pixel translation. Through this forwarder it does neither; cut() makes the pole
// check itself, and make() refuses the same-CRS case where the translation shortcut could apply.
// One difference is left: when a source window comes out absurd (beyond a million pixels with
// no point failing), GDAL retries with CHECK_WITH_INVERT_PROJ and refreshes its own transformers
// only; a projection that bad near a tile is not one a tile server meets in practice.
int forward_approx(void* arg, int dst_to_src, int count, double* x, double* y, double* z, int* ok) {
    return GDALApproxTransform(arg, dst_to_src, count, x, y, z, ok);
}

// The block shape GDAL 3.6 gives a warped VRT of this size: its reads warp block by block, and
// the approximate transformer's error depends on the piece warped, so cut() warps the same pieces.
constexpr int vrt_block_cols = 512;
constexpr int vrt_block_rows = 128;

// What GDALWarpOperation::Initialize projects: the poles, a little off +-90 degrees.
constexpr std::array<double, 2> pole_lats{-89.9999, 89.9999};

} // namespace

struct TileWarper::State {
    int rows = 0;
    int cols = 0;
    int count = 0;
    CRS crs;
    std::optional<std::uint8_t> nodata; // set: WarpedVRT's nodata case; none: its add_alpha case
    std::vector<std::uint8_t> alpha;   // the destination's alpha band, rows x cols (MEM writes here)
    detail::DatasetHandle destination; // MEM: the bands the warper checks, and `alpha`
    TransformerHandle approx;          // owns `exact`
    void* exact = nullptr;
    detail::WarpOptionsHandle options; // pTransformerArg borrows `approx`
    // The poles in the destination CRS, as GDAL computes them (EPSG:4326 -> source CRS ->
    // destination CRS); `poles_known` false when a transformation failed here.
    std::vector<std::pair<double, double>> poles;
    bool poles_known = true;
};

TileWarper::TileWarper(std::unique_ptr<State> state) : m_state(std::move(state)) {}
TileWarper::~TileWarper() = default;

std::unique_ptr<TileWarper> TileWarper::make(const Dataset& source, const CRS& crs, int rows, int cols,
                                             Resampling resampling, std::optional<double> nodata) {
    if (rows < 1 || cols < 1 || crs.empty() || resampling == Resampling::gauss) return nullptr;
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    CPLErrorStateBackuper keep;
    auto* h = static_cast<GDALDatasetH>(source.gdal_handle());
    const int count = GDALGetRasterCount(h);
    // With a nodata value, a WarpedVRT's bands have it and each masks where it reads it; only a
    // whole number a uint8 band holds keeps the warper's working type and that mask simple.
    if (nodata && !(*nodata >= 0 && *nodata <= 255 && std::floor(*nodata) == *nodata)) return nullptr;
    // Without, it adds alpha as band count + 1; GDAL takes the last band as every band's mask
    // only for 2 or 4 bands (gray or RGB plus alpha), which the mask here assumes.
    if (!nodata && count != 1 && count != 3) return nullptr;
    if (count < 1 || count > 64) return nullptr;
    for (int b = 1; b <= count; ++b) {
        GDALRasterBandH band = GDALGetRasterBand(h, b);
        int has_nodata = 0;
        GDALGetRasterNoDataValue(band, &has_nodata);
        if (GDALGetRasterDataType(band) != GDT_Byte || (has_nodata && !nodata) ||
            GDALGetRasterColorInterpretation(band) == GCI_AlphaBand) {
            return nullptr;
        }
    }
    if (GDALGetMetadata(h, "RPC") != nullptr) return nullptr; // WarpedVRT uses an RPC transformer then
    std::array<double, 6> src_gt{};
    if (GDALGetGeoTransform(h, src_gt.data()) != CE_None) return nullptr;
    const CRS src_crs = source.crs();
    if (src_crs.empty()) return nullptr;

    auto st = std::make_unique<State>();
    st->rows = rows;
    st->cols = cols;
    st->count = count;
    st->crs = crs;
    if (nodata) st->nodata = static_cast<std::uint8_t>(*nodata);
    try {
        const detail::SrsHandle src_srs = detail::make_srs(src_crs, "source CRS");
        const detail::SrsHandle dst_srs = detail::make_srs(crs, "tile CRS");
        // Same CRS: GDAL's transformer has no reprojection and the warper may take its
        // whole-pixel translation shortcut, which this warper turns off.
        if (OSRIsSame(src_srs.get(), dst_srs.get())) return nullptr;
        // The poles, as GDALWarpOperation::Initialize finds them (see cut()).
        const CRS lonlat = CRS::from_epsg(4326);
        const detail::CoordTransform to_src = detail::make_transformation(lonlat, src_crs);
        const detail::CoordTransform to_dst = detail::make_transformation(src_crs, crs);
        for (const double lat : pole_lats) {
            double x = 0, y = lat, z = 0;
            int ok = FALSE;
            if (OCTTransformEx(to_src.get(), 1, &x, &y, &z, &ok) && ok) {
                z = 0;
                ok = FALSE;
                if (OCTTransformEx(to_dst.get(), 1, &x, &y, &z, &ok) && ok) {
                    st->poles.emplace_back(x, y);
                    continue;
                }
            }
            st->poles_known = false;
        }
    } catch (const rastio::Error&) {
        return nullptr;
    }

    const std::string& src_wkt = src_crs.to_wkt();
    const std::string& dst_wkt = crs.to_wkt();
    // A first grid; every cut sets its own.
    std::array<double, 6> dst_gt{0, 1, 0, 0, 0, -1};
    st->exact = GDALCreateGenImgProjTransformer3(src_wkt.c_str(), src_gt.data(), dst_wkt.c_str(), dst_gt.data());
    if (st->exact == nullptr) return nullptr;
    // As WarpedVRTOptions' default tolerance (0.125 pixel), which read_part keeps.
    st->approx.reset(GDALCreateApproxTransformer(GDALGenImgProjTransform, st->exact, WarpedVRTOptions{}.tolerance));
    if (!st->approx) {
        GDALDestroyTransformer(st->exact);
        return nullptr;
    }
    GDALApproxTransformerOwnsSubtransformer(st->approx.get(), TRUE);

    GDALDriverH mem = GDALGetDriverByName("MEM");
    if (mem == nullptr) return nullptr;
    st->destination.reset(GDALCreate(mem, "", cols, rows, count, GDT_Byte, nullptr));
    if (!st->destination) return nullptr;
    if (!nodata) {
        // The alpha band over memory of ours: cut() clears and reads it without going through GDAL.
        st->alpha.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), 0);
        char pointer[64] = {};
        CPLPrintPointer(pointer, st->alpha.data(), static_cast<int>(sizeof pointer));
        detail::StringList band_options;
        band_options.add("DATAPOINTER", pointer);
        if (GDALAddBand(st->destination.get(), GDT_Byte, band_options.get()) != CE_None) return nullptr;
        GDALSetRasterColorInterpretation(GDALGetRasterBand(st->destination.get(), count + 1), GCI_AlphaBand);
    }

    try {
        // What WarpedVRT gives GDAL: the nodata value on both sides, or none and alpha as band
        // count + 1 (add_alpha); INIT_DEST=NO_DATA.
        st->options = detail::make_warp_options(resampling, nodata, nodata, count, 0, nodata ? 0 : count + 1, 0,
                                                GDT_Unknown, Options{{"INIT_DEST", "NO_DATA"}});
    } catch (const rastio::Error&) {
        return nullptr;
    }
    st->options->hSrcDS = h;
    st->options->hDstDS = st->destination.get();
    st->options->pfnTransformer = forward_approx;
    st->options->pTransformerArg = st->approx.get();
    return std::unique_ptr<TileWarper>(new TileWarper(std::move(st)));
}

std::optional<ImageData> TileWarper::cut(const Affine& transform, const Bands& bands) {
    State& st = *m_state;
    if (transform.b != 0 || transform.d != 0 || transform.a == 0 || transform.e == 0) return std::nullopt;
    // GDAL samples a tile on a grid, not along its edges, when a pole projects inside it (plus a
    // margin for the rounding between its path and this one's): leave those to WarpedVRT.
    if (!st.poles_known) return std::nullopt;
    for (const auto& [x, y] : st.poles) {
        const double col = (x - transform.c) / transform.a, row = (y - transform.f) / transform.e;
        if (col >= -2 && col <= st.cols + 2 && row >= -2 && row <= st.rows + 2) return std::nullopt;
    }
    for (const int b : bands) {
        if (b < 1 || b > st.count) return std::nullopt;
    }
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    CPLErrorStateBackuper keep;
    std::array<double, 6> gt = transform.to_gdal();
    GDALSetGenImgProjTransformerDstGeoTransform(st.exact, gt.data());
    // A new operation for each tile (its set-up is light through forward_approx): an operation
    // keeps what it computed for the grid it first warped.
    GDALWarpOperation op;
    if (op.Initialize(st.options.get()) != CE_None || op.GetOptions()->eWorkingDataType != GDT_Byte) return std::nullopt;
    // A block the warper finds no source for gets no alpha written: it must read 0, not the last tile's.
    if (!st.nodata) std::fill(st.alpha.begin(), st.alpha.end(), std::uint8_t{0});

    const auto rows = static_cast<std::size_t>(st.rows), cols = static_cast<std::size_t>(st.cols);
    const std::size_t plane = rows * cols;
    Array<std::uint8_t> data = Array<std::uint8_t>::uninitialized(Shape{bands.size(), rows, cols});
    const int block_cols = std::min(st.cols, vrt_block_cols), block_rows = std::min(st.rows, vrt_block_rows);
    for (int y0 = 0; y0 < st.rows; y0 += block_rows) {
        for (int x0 = 0; x0 < st.cols; x0 += block_cols) {
            const int w = std::min(block_cols, st.cols - x0), hgt = std::min(block_rows, st.rows - y0);
            const std::unique_ptr<void, void (*)(void*)> buf(op.CreateDestinationBuffer(w, hgt),
                                                              GDALWarpOperation::DestroyDestinationBuffer);
            if (!buf || op.WarpRegionToBuffer(x0, y0, w, hgt, buf.get(), GDT_Byte) != CE_None) return std::nullopt;
            const auto* src = static_cast<const std::uint8_t*>(buf.get());
            const std::size_t piece = static_cast<std::size_t>(w) * static_cast<std::size_t>(hgt);
            for (std::size_t k = 0; k < bands.size(); ++k) {
                const std::uint8_t* from = src + static_cast<std::size_t>(bands[k] - 1) * piece;
                std::uint8_t* to = data.data() + k * plane + static_cast<std::size_t>(y0) * cols + static_cast<std::size_t>(x0);
                for (int r = 0; r < hgt; ++r) {
                    std::memcpy(to + static_cast<std::size_t>(r) * cols, from + static_cast<std::size_t>(r) * static_cast<std::size_t>(w),
                                static_cast<std::size_t>(w));
                }
            }
        }
    }
    // The mask read_image makes of a WarpedVRT's: the alpha the warper wrote, or where any band
    // read is not nodata (0/255).
    ImageData img;
    img.mask = Array<std::uint8_t>::uninitialized(Shape{1, rows, cols});
    std::uint8_t* m = img.mask.data();
    if (st.nodata) {
        const std::uint8_t nd = *st.nodata;
        std::fill(m, m + plane, std::uint8_t{0});
        for (std::size_t k = 0; k < bands.size(); ++k) {
            const std::uint8_t* v = data.data() + k * plane;
            for (std::size_t i = 0; i < plane; ++i) m[i] = v[i] != nd ? 255 : m[i];
        }
    } else {
        for (std::size_t i = 0; i < plane; ++i) m[i] = st.alpha[i] != 0 ? 255 : 0;
    }
    img.data = std::move(data);
    img.crs = st.crs;
    img.transform = transform;
    ++m_cuts;
    return img;
}

} // namespace rastio::serve
