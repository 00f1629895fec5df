// WarpedVRT: a read-only Dataset whose GDAL handle is a warped VRT over its own handle on the source.
#include <rastio/warp.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <cpl_string.h>
#include <gdal_priv.h>
#include <vrtdataset.h>
#include <gdal_alg.h>
#include <gdalwarper.h>

#include <rastio/error.hpp>

#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "memory_file_state.hpp"
#include "warp_internal.hpp"
#include "warp_kernel.hpp"

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

/// How a view's VRT is made, kept so that more VRTs like it can be made over other handles on
/// the source: every VRT of one recipe warps a block to the same pixels.
struct ViewRecipe {
    /// The warp options without source, destination or transformer.
    detail::WarpOptionsHandle wo;
    std::string src_wkt;
    std::string dst_wkt;
    Resampling resampling = Resampling::nearest;
    double tolerance = 0.125;
    Options warp_extras;
    /// The view's grid; a zero size: the grid GDAL picks (rasterio's case 4).
    std::array<double, 6> dst_gt{};
    int width = 0;
    int height = 0;
    /// The source's georeferencing: GCPs, RPCs, else src_gt.
    bool gcps = false;
    bool rpcs = false;
    std::array<double, 6> src_gt{};
    std::optional<double> dst_nodata;
    int dst_alpha = 0;

    struct Made {
        GDALDatasetH vrt = nullptr; ///< owned by the caller; holds a reference to the source
        bool no_transformer = false;
    };
    /// A warped VRT over `warp_src`; null when GDAL fails (its error is reported on this thread).
    Made make(GDALDatasetH warp_src) const {
        detail::WarpOptionsHandle w(GDALCloneWarpOptions(wo.get()));
        w->hSrcDS = warp_src;
        Made out;
        if (width == 0) {
            detail::StringList topts(warp_extras);
            out.vrt = GDALAutoCreateWarpedVRTEx(warp_src, src_wkt.empty() ? nullptr : src_wkt.c_str(),
                                                dst_wkt.empty() ? nullptr : dst_wkt.c_str(),
                                                detail::warp_resampling(resampling), tolerance, w.get(), topts.get());
        } else {
            auto gt = dst_gt;
            void* exact = nullptr;
            if (gcps || rpcs) {
                detail::StringList topts(warp_extras);
                topts.add("GCPS_OK", "TRUE");
                topts.add("DST_SRS", dst_wkt);
                if (!gcps && rpcs) topts.add("SRC_METHOD", "RPC");
                exact = GDALCreateGenImgProjTransformer2(warp_src, nullptr, topts.get());
                if (exact != nullptr) GDALSetGenImgProjTransformerDstGeoTransform(exact, gt.data());
            } else {
                auto sgt = src_gt;
                exact = GDALCreateGenImgProjTransformer3(src_wkt.c_str(), sgt.data(), dst_wkt.c_str(), gt.data());
            }
            if (exact == nullptr) {
                out.no_transformer = true;
                return out;
            }
            if (tolerance > 0) {
                void* approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, exact, tolerance);
                GDALApproxTransformerOwnsSubtransformer(approx, TRUE);
                w->pfnTransformer = GDALApproxTransform;
                w->pTransformerArg = approx;
            } else {
                w->pfnTransformer = GDALGenImgProjTransform;
                w->pTransformerArg = exact;
            }
            out.vrt = GDALCreateWarpedVRT(warp_src, width, height, gt.data(), w.get());
            if (out.vrt == nullptr) {
                // The VRT did not take the transformer: free it here.
                GDALDestroyTransformer(w->pTransformerArg);
                return out;
            }
            if (!dst_wkt.empty()) GDALSetProjection(out.vrt, dst_wkt.c_str());
        }
        if (out.vrt == nullptr) return out;
        for (int b = 1; b <= GDALGetRasterCount(out.vrt); ++b) {
            GDALRasterBandH band = GDALGetRasterBand(out.vrt, b);
            if (b == dst_alpha) continue;
            if (dst_nodata) {
                GDALSetRasterNoDataValue(band, *dst_nodata);
            } else {
                GDALDeleteRasterNoDataValue(band);
            }
        }
        if (dst_alpha) GDALSetRasterColorInterpretation(GDALGetRasterBand(out.vrt, dst_alpha), GCI_AlphaBand);
        return out;
    }
};

/// Warps the blocks one read needs on several threads at once: the calling thread warps through
/// the view's own VRT, each other thread through a VRT of its own made from the same recipe over
/// its own handle on the source (made on first need, kept until the view closes), whose blocks
/// are then copied into the view's. Each block is warped whole by one VRTWarpedDataset, as a
/// single-threaded read warps it, so the pixels are the same.
class BlockWarpers {
public:
    /// `src`: the handle the view reads; helpers open `src_name` again and must find the same raster.
    BlockWarpers(std::shared_ptr<const ViewRecipe> recipe, GDALDatasetH src, std::string src_name, bool direct,
                 int threads)
        : m_recipe(std::move(recipe)), m_src_name(std::move(src_name)), m_direct(direct), m_threads(threads),
          m_src_width(GDALGetRasterXSize(src)), m_src_height(GDALGetRasterYSize(src)),
          m_src_count(GDALGetRasterCount(src)) {
        GDALDriverH drv = GDALGetDatasetDriver(src);
        if (drv != nullptr) m_driver = GDALGetDriverShortName(drv);
    }

    /// Before a read of `w` from `vrt` (the view's handle): the blocks it needs that are not
    /// cached are warped, on up to `threads` threads, into the view's block cache. Anything that
    /// fails here is left to the read, which warps that block itself and reports the failure.
    void prepare(GDALDatasetH vrt, const Window& w) {
        auto* ds = GDALDataset::FromHandle(vrt);
        GDALRasterBand* first = ds->GetRasterBand(1);
        int bw = 0, bh = 0;
        first->GetBlockSize(&bw, &bh);
        const int c0 = std::max(w.col_off, 0), r0 = std::max(w.row_off, 0);
        const int c1 = std::min(w.col_off + w.width, ds->GetRasterXSize());
        const int r1 = std::min(w.row_off + w.height, ds->GetRasterYSize());
        if (c1 <= c0 || r1 <= r0 || bw <= 0 || bh <= 0) return;
        std::vector<std::pair<int, int>> missing;
        for (int by = r0 / bh; by <= (r1 - 1) / bh; ++by) {
            for (int bx = c0 / bw; bx <= (c1 - 1) / bw; ++bx) {
                // The view warps every band of a block at once: the first band tells.
                if (GDALRasterBlock* b = first->TryGetLockedBlockRef(bx, by)) {
                    b->DropLock();
                } else {
                    missing.emplace_back(bx, by);
                }
            }
        }
        if (missing.size() < 2) return;
        const std::unique_lock lock(m_mutex, std::try_to_lock);
        if (!lock.owns_lock()) return; // another thread reads the view: let GDAL warp
        const auto helpers = std::min(static_cast<std::size_t>(m_threads), missing.size()) - 1;
        while (m_helpers.size() < helpers) {
            detail::DatasetHandle h = make_helper();
            if (!h) break;
            m_helpers.push_back(std::move(h));
        }
        const std::size_t used = std::min(helpers, m_helpers.size());
        if (used == 0) return;
        // Which thread warped each block: 0 the caller, k helper k-1; -1 failed or not reached.
        std::vector<int> by_whom(missing.size(), -1);
        std::atomic<std::size_t> next{0};
        auto work = [&](int who, GDALDatasetH target) {
            auto* wds = static_cast<VRTWarpedDataset*>(GDALDataset::FromHandle(target));
            for (std::size_t i = next++; i < missing.size(); i = next++) {
                if (wds->ProcessBlock(missing[i].first, missing[i].second) != CE_None) return;
                by_whom[i] = who;
            }
        };
        std::vector<std::thread> pool;
        pool.reserve(used);
        try {
            for (std::size_t k = 0; k < used; ++k) {
                pool.emplace_back([&work, k, h = m_helpers[k].get()] {
                    const ErrorCapture quiet(detail::WarningPolicy::drop); // the read reports what fails
                    work(static_cast<int>(k) + 1, h);
                });
            }
        } catch (const std::system_error&) { // NOLINT(bugprone-empty-catch): fewer threads, same blocks
        }
        {
            const ErrorCapture quiet(detail::WarningPolicy::drop);
            work(0, vrt);
        }
        for (auto& t : pool) t.join();
        // The helpers' blocks into the view's cache, as the view's own warp leaves them.
        for (std::size_t i = 0; i < missing.size(); ++i) {
            if (by_whom[i] <= 0) continue;
            auto* helper = GDALDataset::FromHandle(m_helpers[static_cast<std::size_t>(by_whom[i] - 1)].get());
            const auto [bx, by] = missing[i];
            for (int b = 1; b <= ds->GetRasterCount() && b <= helper->GetRasterCount(); ++b) {
                GDALRasterBand* from = helper->GetRasterBand(b);
                GDALRasterBlock* src = from->TryGetLockedBlockRef(bx, by);
                if (src == nullptr) continue;
                GDALRasterBlock* dst = ds->GetRasterBand(b)->GetLockedBlockRef(bx, by, TRUE);
                if (dst != nullptr) {
                    const bool copied = dst->GetDataRef() != nullptr && dst->GetBlockSize() == src->GetBlockSize();
                    if (copied) {
                        std::memcpy(dst->GetDataRef(), src->GetDataRef(), static_cast<std::size_t>(src->GetBlockSize()));
                    }
                    dst->DropLock();
                    // A block made for the copy but not filled must not stay cached: the read warps it.
                    if (!copied) (void)ds->GetRasterBand(b)->FlushBlock(bx, by, FALSE);
                }
                src->DropLock();
                (void)from->FlushBlock(bx, by, FALSE);
            }
        }
    }

private:
    /// A VRT of the recipe over a handle of its own on the source; null when it cannot be made.
    detail::DatasetHandle make_helper() const {
        const ErrorCapture quiet(detail::WarningPolicy::drop);
        const char* const drivers[] = {m_driver.c_str(), nullptr};
        detail::DatasetHandle src(GDALOpenEx(m_src_name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY,
                                             m_driver.empty() ? nullptr : drivers, nullptr, nullptr));
        if (!src || GDALGetRasterXSize(src.get()) != m_src_width || GDALGetRasterYSize(src.get()) != m_src_height ||
            GDALGetRasterCount(src.get()) != m_src_count) {
            return nullptr; // not the raster the view reads (an overview opened by option, say)
        }
        detail::DatasetHandle direct;
        if (m_direct) {
            direct = detail::direct_warp_source(src, m_src_name);
            if (!direct) return nullptr;
        }
        const auto made = m_recipe->make(direct ? direct.get() : src.get());
        detail::DatasetHandle vrt(made.vrt);
        if (!vrt) return nullptr;
        // As the view's: the VRT keeps its own reference to the source it reads.
        if (direct) GDALDereferenceDataset(direct.release());
        if (src) GDALDereferenceDataset(src.release());
        return vrt;
    }

    std::shared_ptr<const ViewRecipe> m_recipe;
    std::string m_src_name;
    std::string m_driver;
    bool m_direct;
    int m_threads;
    int m_src_width;
    int m_src_height;
    int m_src_count;
    std::mutex m_mutex;
    std::vector<detail::DatasetHandle> m_helpers;
};

/// Threads warping one read's blocks: the number asked, else GDAL_NUM_THREADS, else every CPU.
int block_threads(int asked) {
    if (asked > 0) return asked;
    if (const char* cfg = CPLGetConfigOption("GDAL_NUM_THREADS", nullptr)) {
        if (EQUAL(cfg, "ALL_CPUS")) return std::max(1, CPLGetNumCPUs());
        return std::max(1, std::atoi(cfg));
    }
    return std::max(1, CPLGetNumCPUs());
}

} // namespace

WarpedVRT::WarpedVRT(const Dataset& source, const WarpedVRTOptions& o) {
    detail::ensure_gdal();
    ErrorCapture outer; // GDAL's warnings stay off stderr; failures are checked where they happen
    (void)detail::warp_resampling(o.resampling);
    if (o.tolerance < 0) throw ArgumentError("WarpedVRT: tolerance must be >= 0");
    if (o.num_threads < 0) throw ArgumentError("WarpedVRT: num_threads must be >= 0 (0: every CPU, 1: no threads)");
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
    // A source with a geotransform but no CRS is warped between geotransforms (GDAL does not
    // reproject when one side has no CRS), as in rasterio 1.3; the view has the CRS asked, if any.
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
    if (!dst_crs.empty()) (void)detail::make_srs(dst_crs, "WarpedVRT CRS");
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
    // Each block is warped on one thread (the view's readers run blocks side by side), by
    // rastio's kernel where it covers the block: GDAL's pixels, faster.
    detail::WarpKernel::single_threaded().install(*wo);
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

    auto recipe = std::make_shared<ViewRecipe>();
    recipe->src_wkt = m_src_crs.to_wkt();
    recipe->dst_wkt = dst_crs.to_wkt();
    recipe->resampling = o.resampling;
    recipe->tolerance = o.tolerance;
    recipe->warp_extras = o.warp_extras;
    recipe->dst_nodata = dst_nodata;
    recipe->dst_alpha = dst_alpha;
    recipe->gcps = src_gcps.has_value();
    recipe->rpcs = src_rpcs.has_value();
    recipe->src_gt = m_src_transform.to_gdal();
    std::optional<Affine> dst_transform = o.transform;
    const bool sized = o.width && o.height && *o.width > 0 && *o.height > 0;
    if (dst_transform || sized) {
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
        recipe->dst_gt = dst_transform->to_gdal();
        recipe->width = w;
        recipe->height = h;
    }
    recipe->wo = std::move(wo);
    ErrorCapture errors;
    const auto made = recipe->make(warp_src);
    if (made.no_transformer) {
        throw Error("WarpedVRT: cannot transform from " + m_src_crs.to_string().substr(0, 120) + " to " +
                    dst_crs.to_string().substr(0, 120) + ": " +
                    (errors.message().empty() ? "GDAL made no transformer" : errors.message()));
    }
    GDALDatasetH const vrt = made.vrt;
    if (vrt == nullptr) {
        throw Error("WarpedVRT: GDAL cannot make a warped view of " + source.name() + " in " +
                    dst_crs.to_string().substr(0, 120) + ": " +
                    (errors.message().empty() ? "no valid grid" : errors.message()));
    }
    detail::DatasetHandle owned_vrt(vrt);
    recipe->wo->hSrcDS = nullptr;
    // A read needing several blocks warps them on several threads, each helper through a handle
    // of its own on the source's file: for a view with a reopened handle on a source open
    // read-only (a view sharing the source's handle is one that must not open any).
    std::shared_ptr<BlockWarpers> warpers;
    if (const int threads = block_threads(o.num_threads); threads > 1 && !o.share_source && source.mode() == "r") {
        warpers = std::make_shared<BlockWarpers>(recipe, src_h, source.name(), static_cast<bool>(direct_src), threads);
    }
    // The VRT holds its own reference to the source handle and drops it when it closes: a
    // reopened handle closes with it (or with the direct reader that owns it), a shared one
    // stays the source's.
    if (direct_src) GDALDereferenceDataset(direct_src.release());
    if (reopened) GDALDereferenceDataset(reopened.release());

    auto st = std::make_shared<detail::DatasetState>();
    st->name = "WarpedVRT(" + source.name() + ")";
    st->after_read = [budget = std::make_shared<BlockBudget>(owned_vrt.get(), k_block_budget)](
                         GDALDatasetH h, const Window& w) { budget->touched(h, w); };
    if (warpers) {
        st->before_read = [w = warpers.get()](GDALDatasetH h, const Window& win) { w->prepare(h, win); };
        st->keep_alive = warpers; // the helpers' VRTs close once the view's handle has closed
    }
    st->mode = "r";
    st->handle = owned_vrt.release();
    // Closing the source's MemoryFile closes this view first, as every dataset opened on it.
    if (auto mf = detail::find_memory_file(source.name())) mf->track(st);
    // GDAL deletes a closed handle whatever references it has: the source closes a view on it first.
    if (shared_use) detail::DatasetAccess::state(source)->add_dependent(st);
    Dataset::operator=(Dataset(std::move(st)));
}

} // namespace rastio
