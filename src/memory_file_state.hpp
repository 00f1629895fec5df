#pragma once
// Private: the state behind a MemoryFile, and the registry that maps /vsimem/ paths to it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <cpl_vsi.h>

#include "dataset_state.hpp"

namespace rastio::detail {

struct MemoryFileState {
    MemoryFileState() = default;
    MemoryFileState(const MemoryFileState&) = delete;
    MemoryFileState& operator=(const MemoryFileState&) = delete;
    MemoryFileState(MemoryFileState&&) = delete;
    MemoryFileState& operator=(MemoryFileState&&) = delete;
    ~MemoryFileState();

    /// Remembers a dataset opened on this file, so close() can close it.
    void track(const std::shared_ptr<DatasetState>& ds);
    /// The name of a writer dataset still open on this file, or "" (caller holds `mutex`).
    std::string open_writer() const;
    /// Whether a dataset opened on this file is still open (caller holds `mutex`).
    bool any_open_dataset() const;
    /// Throws ClosedError when closed (caller holds `mutex`).
    void check_open() const;
    /// Throws ModeError when a writer is open, naming it (caller holds `mutex`).
    void check_no_writer(const char* operation) const;
    /// The file's bytes as GDAL holds them (empty when the file does not exist yet).
    std::span<const std::byte> buffer() const;
    /// Closes the datasets, frees the bytes and sidecars; throws the first close error.
    void close();

    std::string dir;       // "/vsimem/<dirname>"
    std::string filename;  // "<filename>"
    std::string path;      // dir + "/" + filename
    bool own_dir = false;  // dirname was generated: the whole directory is ours
    bool readonly = false; // made from bytes
    std::shared_ptr<void> storage; // adopted bytes GDAL reads without owning
    bool gdal_owns_bytes = false;  // copied bytes handed to GDAL: close() takes them back for reuse

    /// Held shared by whoever opens a dataset on this file, from its checks until the dataset is
    /// tracked; close() holds it exclusively while it marks the file closed. So every dataset
    /// opened on the file is tracked (and closed by close() before the bytes go) or refused with
    /// ClosedError; none reads bytes being freed. Taken before `mutex`, never while holding it.
    std::shared_mutex open_mutex;
    /// Set by close() before it waits for `open_mutex`: opens that start then throw ClosedError
    /// at once, so threads opening in a loop cannot keep the close waiting.
    std::atomic<bool> closing{false};
    mutable std::mutex mutex;
    bool closed = false;
    std::uint64_t pos = 0;
    VSILFILE* fp = nullptr; // cached handle for write()
    std::uint64_t length = 0;   // file length while fp is open (write() keeps it current)
    std::uint64_t reserved = 0; // capacity GDAL holds for the file (write() doubles it), or 0: unknown
    std::vector<std::weak_ptr<DatasetState>> datasets;
};

/// The live MemoryFile whose file `gdal_path` names or lies inside (also through /vsizip/), or null.
std::shared_ptr<MemoryFileState> find_memory_file(const std::string& gdal_path);

} // namespace rastio::detail
