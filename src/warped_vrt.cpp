// WarpedVRT: a read-only Dataset whose GDAL handle is a warped VRT over its own handle on the source.
#include <rastio/warp.hpp>

#include <algorithm>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

#include <cpl_string.h>
#include <gdal_priv.h>
#include <gdal_alg.h>
#include <gdalwarper.h>

#include <rastio/error.hpp>

#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "memory_file_state.hpp"
#include "warp_internal.hpp"

namespace rastio {

using detail::ErrorCapture;

namespace {

/// A read-only handle of the source's own, so that the view neither shares the caller's handle
/// (datasets are not thread-safe) nor dies with it.
detail::DatasetHandle reopen_source(const Dataset& source) {
    auto* h = static_cast<GDALDatasetH>(source.gdal_handle()); // throws ClosedError when closed
    if (source.mode() != "r") GDALFlushCache(h);
    GDALDriverH drv = GDALGetDatasetDriver(h);
    const char* drv_name = drv ? GDALGetDriverShortName(drv) : "";
    ErrorCapture errors;
    const char* const drivers[] = {drv_name, nullptr};
    detail::DatasetHandle again(GDALOpenEx(source.name().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                                           *drv_name ? drivers : nullptr, nullptr, nullptr));
    if (!again) {
        throw ArgumentError("WarpedVRT: cannot reopen the source " + source.name() + " read-only (" +
                            (errors.message().empty() ? std::string("GDAL cannot open it") : errors.message()) +
                            "); a dataset still being written must be closed and reopened first");
    }
    return again;
}

/// The view's warped blocks that reads have touched, most recent first, kept within a budget:
/// GDAL's block cache (5 % of the machine's memory) would otherwise keep every block of the view
/// a tile server has ever read, however far the reads have moved on.
class BlockBudget {
public:
    /// The blocks of `vrt`, `budget` bytes of them at most (at least a few).
    BlockBudget(GDALDatasetH vrt, std::size_t budget) {
        GDALRasterBandH band = GDALGetRasterBand(vrt, 1);
        GDALGetBlockSize(band, &m_block_w, &m_block_h);
        m_block_w = std::max(m_block_w, 1);
        m_block_h = std::max(m_block_h, 1);
        std::size_t block_bytes = 0;
        for (int b = 1; b <= GDALGetRasterCount(vrt); ++b) {
            block_bytes += static_cast<std::size_t>(m_block_w) * static_cast<std::size_t>(m_block_h) *
                           static_cast<std::size_t>(GDALGetDataTypeSizeBytes(GDALGetRasterDataType(GDALGetRasterBand(vrt, b))));
        }
        m_max_blocks = std::max<std::size_t>(16, budget / std::max<std::size_t>(block_bytes, 1));
    }

    /// After a read of `w`: its blocks become the most recent, the least recent beyond the
    /// budget leave the cache (they are warped again if read again).
    void touched(GDALDatasetH vrt, const Window& w) {
        // Only the blocks within the raster (reads are cropped to it).
        const int c0 = std::max(w.col_off, 0), r0 = std::max(w.row_off, 0);
        const int c1 = std::min(w.col_off + w.width, GDALGetRasterXSize(vrt));
        const int r1 = std::min(w.row_off + w.height, GDALGetRasterYSize(vrt));
        if (c1 <= c0 || r1 <= r0) return;
        const std::lock_guard lock(m_mutex);
        for (int by = r0 / m_block_h; by <= (r1 - 1) / m_block_h; ++by) {
            for (int bx = c0 / m_block_w; bx <= (c1 - 1) / m_block_w; ++bx) {
                const std::uint64_t key = (static_cast<std::uint64_t>(by) << 32) | static_cast<std::uint32_t>(bx);
                if (auto it = m_where.find(key); it != m_where.end()) m_order.erase(it->second);
                m_order.push_front(key);
                m_where[key] = m_order.begin();
            }
        }
        while (m_order.size() > m_max_blocks) {
            const std::uint64_t key = m_order.back();
            m_order.pop_back();
            m_where.erase(key);
            const auto bx = static_cast<int>(key & 0xffffffffU);
            const auto by = static_cast<int>(key >> 32);
            auto* ds = GDALDataset::FromHandle(vrt);
            // Clean blocks (a view is read-only): dropped, nothing written.
            for (int b = 1; b <= ds->GetRasterCount(); ++b) (void)ds->GetRasterBand(b)->FlushBlock(bx, by, FALSE);
        }
    }

private:
    int m_block_w = 1, m_block_h = 1;
    std::size_t m_max_blocks = 16;
    std::mutex m_mutex;
    std::list<std::uint64_t> m_order;
    std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> m_where;
};

/// What a view keeps of its warped blocks (see BlockBudget).
constexpr std::size_t k_block_budget = std::size_t{16} << 20;

} // namespace

WarpedVRT::WarpedVRT(const Dataset& source, const WarpedVRTOptions& o) {
    detail::ensure_gdal();
    ErrorCapture outer; // GDAL's warnings stay off stderr; failures are checked where they happen
    (void)detail::warp_resampling(o.resampling);
    if (o.tolerance < 0) throw ArgumentError("WarpedVRT: tolerance must be >= 0");
    // The handle the view reads through: its own reopened one, or the source's (share_source).
    detail::DatasetHandle reopened;
    std::optional<detail::DatasetUse> shared_use;
    if (o.share_source) {
        if (source.mode() != "r") {
            throw ArgumentError("WarpedVRT: share_source needs a source opened read-only (mode \"r\"), " +
                                source.name() + " is open in mode \"" + source.mode() + "\"");
        }
        shared_use.emplace(detail::DatasetAccess::state(source)); // throws ClosedError when closed
    } else {
        reopened = reopen_source(source);
    }
    GDALDatasetH const src_h = shared_use ? shared_use->handle() : reopened.get();
    const int count = GDALGetRasterCount(src_h);
    if (count < 1) throw ArgumentError("WarpedVRT: source " + source.name() + " has no bands");

    m_src_name = source.name();
    m_resampling = o.resampling;
    m_tolerance = o.tolerance;
    m_add_alpha = o.add_alpha;
    m_src_crs = o.src_crs.empty() ? source.crs() : o.src_crs;
    m_src_transform = o.src_transform ? *o.src_transform : source.transform();
    std::optional<GCPs> src_gcps;
    if (m_src_crs.empty() && m_src_transform.almost_equals(Affine::identity())) {
        GCPs g = source.gcps();
        if (!g.points.empty()) {
            m_src_crs = g.crs;
            src_gcps = std::move(g);
        }
    }
    const std::optional<RPC> src_rpcs = source.rpcs();
    if (m_src_crs.empty() && !src_rpcs) {
        throw ArgumentError("WarpedVRT: source " + source.name() +
                            " has no CRS (and no GCPs or RPCs): give WarpedVRTOptions::src_crs");
    }
    {
        std::array<double, 6> gt{};
        ErrorCapture quiet;
        const bool has_gt = GDALGetGeoTransform(src_h, gt.data()) == CE_None;
        if (!has_gt && !o.src_transform && !src_gcps && !src_rpcs) {
            throw ArgumentError("WarpedVRT: source " + source.name() +
                                " has no georeferencing (no geotransform, GCPs or RPCs)");
        }
    }
    const CRS dst_crs = o.crs.empty() ? m_src_crs : o.crs;
    if (dst_crs.empty()) throw ArgumentError("WarpedVRT: no CRS for the view (give WarpedVRTOptions::crs)");
    (void)detail::make_srs(dst_crs, "WarpedVRT CRS");
    if (!m_src_crs.empty()) (void)detail::make_srs(m_src_crs, "source CRS");

    m_src_nodata = o.src_nodata ? o.src_nodata : source.nodata();
    std::optional<double> dst_nodata = o.nodata ? o.nodata : m_src_nodata;

    Options extras = o.warp_extras;
    if (o.init_dest_nodata && !extras.count("INIT_DEST")) extras["INIT_DEST"] = "NO_DATA";

    int src_alpha = 0;
    for (int b = 1; b <= count; ++b) {
        if (GDALGetRasterColorInterpretation(GDALGetRasterBand(src_h, b)) == GCI_AlphaBand) src_alpha = b;
    }
    int dst_alpha = 0;
    if (o.add_alpha) {
        if (src_alpha != 0) {
            throw ArgumentError("WarpedVRT: source " + source.name() + " already has an alpha band (band " +
                                std::to_string(src_alpha) + "); adding another is not supported");
        }
        dst_alpha = count + 1;
        dst_nodata.reset();
    }
    const GDALDataType working = o.dtype ? detail::to_gdal(*o.dtype) : GDT_Unknown;
    auto wo = detail::make_warp_options(o.resampling, m_src_nodata, dst_nodata, count, src_alpha, dst_alpha,
                                        o.warp_mem_limit, working, extras);
    // A GeoTIFF in memory georeferenced by a geotransform, without overviews (which the view
    // would otherwise offer as its own): the warper reads each block's source window with the
    // direct reader, without GDAL's block cache holding a decoded copy of the source.
    detail::DatasetHandle direct_src;
    if (source.mode() == "r" && !src_gcps && !src_rpcs &&
        GDALGetOverviewCount(GDALGetRasterBand(src_h, 1)) == 0) {
        std::array<double, 6> gt{};
        ErrorCapture quiet;
        if (GDALGetGeoTransform(src_h, gt.data()) == CE_None) {
            direct_src = reopened ? detail::direct_warp_source(reopened, source.name())
                                  : detail::direct_warp_source(src_h, source.name());
        }
    }
    GDALDatasetH const warp_src = direct_src ? direct_src.get() : src_h;
    wo->hSrcDS = warp_src;

    const std::string src_wkt = m_src_crs.to_wkt();
    const std::string dst_wkt = dst_crs.to_wkt();
    ErrorCapture errors;
    GDALDatasetH vrt = nullptr;
    std::optional<Affine> dst_transform = o.transform;
    const bool sized = o.width && o.height && *o.width > 0 && *o.height > 0;
    if (!dst_transform && !sized) {
        // GDAL picks the grid (rasterio's case 4).
        detail::StringList topts(o.warp_extras);
        vrt = GDALAutoCreateWarpedVRTEx(warp_src, src_wkt.empty() ? nullptr : src_wkt.c_str(), dst_wkt.c_str(),
                                        detail::warp_resampling(o.resampling), o.tolerance, wo.get(), topts.get());
    } else {
        if (!sized) throw ArgumentError("WarpedVRT: a transform needs a positive width and height");
        const int w = *o.width, h = *o.height;
        if (!dst_transform) {
            if (m_src_crs == dst_crs && !src_gcps && !src_rpcs) {
                // Pure scaling (rasterio's case 2): keep the origin, stretch to the size asked.
                dst_transform = m_src_transform * Affine::scale(static_cast<double>(source.width()) / w,
                                                                static_cast<double>(source.height()) / h);
            } else {
                // Warp to GDAL's grid scaled to the size asked (rasterio's case 3).
                Grid g;
                if (src_gcps) {
                    g = calculate_default_transform(dst_crs, source.width(), source.height(), *src_gcps);
                } else if (src_rpcs) {
                    g = calculate_default_transform(dst_crs, source.width(), source.height(), *src_rpcs);
                } else {
                    g = calculate_default_transform(m_src_crs, dst_crs, source.width(), source.height(),
                                                    source.bounds());
                }
                dst_transform = g.transform * Affine::scale(static_cast<double>(g.width) / w,
                                                            static_cast<double>(g.height) / h);
            }
        }
        auto dst_gt = dst_transform->to_gdal();
        void* exact = nullptr;
        if (src_gcps || src_rpcs) {
            detail::StringList topts(o.warp_extras);
            topts.add("GCPS_OK", "TRUE");
            topts.add("DST_SRS", dst_wkt);
            if (!src_gcps && src_rpcs) topts.add("SRC_METHOD", "RPC");
            exact = GDALCreateGenImgProjTransformer2(warp_src, nullptr, topts.get());
            if (exact != nullptr) GDALSetGenImgProjTransformerDstGeoTransform(exact, dst_gt.data());
        } else {
            auto src_gt = m_src_transform.to_gdal();
            exact = GDALCreateGenImgProjTransformer3(src_wkt.c_str(), src_gt.data(), dst_wkt.c_str(), dst_gt.data());
        }
        if (exact == nullptr) {
            throw Error("WarpedVRT: cannot transform from " + m_src_crs.to_string().substr(0, 120) + " to " +
                        dst_crs.to_string().substr(0, 120) + ": " +
                        (errors.message().empty() ? "GDAL made no transformer" : errors.message()));
        }
        if (o.tolerance > 0) {
            void* approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, exact, o.tolerance);
            GDALApproxTransformerOwnsSubtransformer(approx, TRUE);
            wo->pfnTransformer = GDALApproxTransform;
            wo->pTransformerArg = approx;
        } else {
            wo->pfnTransformer = GDALGenImgProjTransform;
            wo->pTransformerArg = exact;
        }
        vrt = GDALCreateWarpedVRT(warp_src, w, h, dst_gt.data(), wo.get());
        if (vrt == nullptr) {
            // The VRT did not take the transformer: free it here.
            GDALDestroyTransformer(wo->pTransformerArg);
        } else {
            GDALSetProjection(vrt, dst_wkt.c_str());
        }
    }
    if (vrt == nullptr) {
        throw Error("WarpedVRT: GDAL cannot make a warped view of " + source.name() + " in " +
                    dst_crs.to_string().substr(0, 120) + ": " +
                    (errors.message().empty() ? "no valid grid" : errors.message()));
    }
    detail::DatasetHandle owned_vrt(vrt);
    // The VRT holds its own reference to the source handle and drops it when it closes: a
    // reopened handle closes with it (or with the direct reader that owns it), a shared one
    // stays the source's.
    if (direct_src) GDALDereferenceDataset(direct_src.release());
    if (reopened) GDALDereferenceDataset(reopened.release());

    for (int b = 1; b <= GDALGetRasterCount(vrt); ++b) {
        GDALRasterBandH band = GDALGetRasterBand(vrt, b);
        if (b == dst_alpha) continue;
        if (dst_nodata) {
            GDALSetRasterNoDataValue(band, *dst_nodata);
        } else {
            GDALDeleteRasterNoDataValue(band);
        }
    }
    if (dst_alpha) GDALSetRasterColorInterpretation(GDALGetRasterBand(vrt, dst_alpha), GCI_AlphaBand);

    auto st = std::make_shared<detail::DatasetState>();
    st->name = "WarpedVRT(" + source.name() + ")";
    st->after_read = [budget = std::make_shared<BlockBudget>(owned_vrt.get(), k_block_budget)](
                         GDALDatasetH h, const Window& w) { budget->touched(h, w); };
    st->mode = "r";
    st->handle = owned_vrt.release();
    // Closing the source's MemoryFile closes this view first, as every dataset opened on it.
    if (auto mf = detail::find_memory_file(source.name())) mf->track(st);
    // GDAL deletes a closed handle whatever references it has: the source closes a view on it first.
    if (shared_use) detail::DatasetAccess::state(source)->add_dependent(st);
    Dataset::operator=(Dataset(std::move(st)));
}

} // namespace rastio
