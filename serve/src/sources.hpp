#pragma once
// Private: the one place every source passes through. A user's `url` becomes a GDAL path only
// here (a file under --root, or an http(s) URL on an allowed host), and a dataset is opened
// only by a driver in --drivers. Opened datasets are kept per worker thread (LRU) and reopened
// when their file changes.

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rastio/dataset.hpp>
#include <rastio/memory_file.hpp>
#include <rastio/serve/server.hpp>

#include "tile_warp.hpp"

namespace rastio::serve {

/// The checks, built once from the Config; immutable and shared by all workers.
class SourcePolicy {
public:
    /// Throws std::invalid_argument when the root is not a folder.
    explicit SourcePolicy(const Config& config);

    /// The GDAL path for a user's `url`; throws HttpError 400 (refused) or 404 (no such file).
    std::string resolve(const std::string& url) const;
    /// The /vsicurl/ path of the URL that answers `gdal_path` (a /vsicurl/ path resolve() gave)
    /// once its redirects are followed, one HEAD request a hop, each new URL checked as the
    /// user's was. GDAL 3.6 follows redirects itself and cannot be told not to, so it is given
    /// the end of the chain: an allowed host cannot send it to one that is not. (A host that
    /// answers GDAL's later requests with a redirect it did not give here is not caught: the
    /// allowed hosts are trusted that far.) Throws HttpError 400 (a hop refused, too many hops)
    /// or 404 (unreachable).
    std::string follow_redirects(const std::string& gdal_path) const;
    static constexpr int max_redirects = 5;
    /// Throws HttpError 400 unless GDAL would open `gdal_path` with a driver in --drivers.
    void check_driver(const std::string& gdal_path) const;
    /// The drivers GDAL may open with (COG reads as GTiff).
    const std::vector<std::string>& drivers() const noexcept { return m_drivers; }
    const std::string& root() const noexcept { return m_root; }

private:
    /// Refuses `url` unless it is http(s) on an allowed host and needs no escaping;
    /// `redirected_from` names the URL that redirected to it, if one did.
    void check_remote(const std::string& url, const std::string& redirected_from) const;

    std::string m_root;                     ///< canonical, no trailing slash
    std::vector<std::string> m_allow_hosts; ///< lower case
    std::vector<std::string> m_drivers;
};

/// Datasets opened by one worker thread, most recently used first; not thread-safe by design.
class DatasetCache {
public:
    explicit DatasetCache(std::size_t capacity) : m_capacity(capacity) {}
    /// The dataset at `gdal_path` (checked with `policy`; a URL's redirects followed and checked
    /// once), reopened when the file changed. Borrowed: valid until the next call on this cache.
    /// Throws HttpError 400/404.
    const Dataset& get(const SourcePolicy& policy, const std::string& gdal_path);
    /// Overview `level` (0: the first) of `base`, a dataset this cache returned, opened once and
    /// kept with it (its decoded blocks stay in GDAL's cache across tiles). Borrowed as get().
    const Dataset& overview(const Dataset& base, int level);
    /// The tile warper of `base` (overview `level`, -1: the full resolution) into `crs` at
    /// rows x cols with `resampling` and `nodata` (see TileWarper::make), made on first use and kept with the dataset (so a changed
    /// file drops it too); nullptr when TileWarper does not cover that view. Borrowed as get().
    TileWarper* tile_warper(const Dataset& base, int level, const CRS& crs, int rows, int cols, Resampling resampling,
                            std::optional<double> nodata = std::nullopt);
    std::size_t size() const noexcept { return m_entries.size(); }
    /// How many opens happened (tests check that the cache hits and revalidates).
    std::uint64_t opens() const noexcept { return m_opens; }

private:
    struct Entry {
        std::string path;
        std::int64_t mtime = 0;
        std::uint64_t size = 0;
        Dataset dataset;
        std::map<int, Dataset> overviews;
        /// Declared last: they read through the datasets above, and go first.
        std::map<std::string, std::unique_ptr<TileWarper>> warpers;
    };
    std::size_t m_capacity;
    std::list<Entry> m_entries;
    std::map<std::string, std::string> m_redirects; ///< a URL's /vsicurl/ path -> the end of its redirects
    std::uint64_t m_opens = 0;
};

/// A raster from a request body, adopted by a MemoryFile (no copy, no temp file), opened once
/// its driver passed the policy. Closes the dataset before the MemoryFile.
struct BodyRaster {
    MemoryFile memory;
    Dataset dataset;
    BodyRaster() = default;
    BodyRaster(const BodyRaster&) = delete;
    BodyRaster& operator=(const BodyRaster&) = delete;
    BodyRaster(BodyRaster&&) = default;
    BodyRaster& operator=(BodyRaster&&) = default;
    ~BodyRaster() = default;
};

/// Adopts `body` (moved from); throws HttpError 400 when it is empty, not a raster, or of a
/// driver not in --drivers.
BodyRaster open_body(const SourcePolicy& policy, std::string&& body);

} // namespace rastio::serve
