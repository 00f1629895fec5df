#pragma once
// Private: the state behind a Dataset, shared with the MemoryFile it came from.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <gdal.h>

#include <rastio/dataset.hpp>

#include "gdal_handle.hpp"
#include "gtiff_direct_write.hpp"

namespace rastio::detail {

/// One open GDAL dataset. A MemoryFile keeps weak references to the states of the datasets
/// opened from it, so that closing the MemoryFile closes them first.
struct DatasetState {
    DatasetState() = default;
    DatasetState(const DatasetState&) = delete;
    DatasetState& operator=(const DatasetState&) = delete;
    DatasetState(DatasetState&&) = delete;
    DatasetState& operator=(DatasetState&&) = delete;
    /// Closes, swallowing errors.
    ~DatasetState();

    /// Completes any pending copy and closes; throws IOError when GDAL reports a failure.
    void close();
    /// Places pixels the direct writer holds into the file (GDAL closes the dataset, rastio
    /// completes the file) and reopens it for update, so GDAL sees them. Does nothing otherwise.
    void materialize();
    bool is_open() const noexcept { return handle.load() != nullptr; }
    bool writable() const noexcept { return mode != "r"; }

    /// Atomic: a MemoryFile's thread may look at (or close) a dataset another thread owns.
    std::atomic<GDALDatasetH> handle{nullptr};
    std::string name;
    std::string mode;
    /// For a driver that can only CreateCopy: `handle` is a MEM dataset, copied here on close.
    GDALDriverH copy_driver = nullptr;
    std::string copy_path;
    StringList copy_options;
    /// For a large GeoTIFF being created in /vsimem/: rastio lays out whole-raster writes itself.
    std::unique_ptr<GTiffDirectWriter> direct;
    /// Whether `direct` is set: what other threads may look at (close() clears both under the lock).
    std::atomic<bool> has_direct{false};
    /// Every call on the dataset holds it shared for its whole length (DatasetUse); close() and
    /// materialize(), which swap the handle, hold it exclusively: a close on another thread waits
    /// for the calls in flight, and calls after it throw ClosedError.
    /// What GDAL reads through (a ByteSource's registration): released once the handle is closed.
    std::shared_ptr<void> keep_alive;
    std::shared_mutex close_mutex;
    /// Set by close() before it waits for the lock: calls that start then throw ClosedError at
    /// once, so a thread calling in a loop cannot keep the close waiting (the lock prefers readers).
    std::atomic<bool> closing{false};

    /// Called after each full-resolution read of a window through `handle` (a WarpedVRT keeps
    /// the blocks it has warped within a budget); empty for other datasets. Runs within the read.
    std::function<void(GDALDatasetH, const Window&)> after_read;
    /// Called before each full-resolution read of a window through `handle` (a WarpedVRT warps
    /// the blocks the read needs in parallel); empty for other datasets. Runs within the read.
    std::function<void(GDALDatasetH, const Window&)> before_read;

    /// Datasets reading through this one's handle (a WarpedVRT with share_source): close()
    /// closes them first, since GDAL deletes a closed handle whatever references it has.
    void add_dependent(const std::shared_ptr<DatasetState>& ds);

private:
    std::mutex m_dependents_mutex;
    std::vector<std::weak_ptr<DatasetState>> m_dependents;
};

/// The state behind a Dataset, for library code outside the Dataset class (reproject's DatasetUse).
struct DatasetAccess {
    static const std::shared_ptr<DatasetState>& state(const Dataset& ds) noexcept { return ds.m_state; }
};

/// One call's hold on an open dataset: the handle stays open until the DatasetUse goes, even when
/// another thread closes the dataset (or its MemoryFile) meanwhile; that close waits. Throws
/// ClosedError when the dataset is closed or moved from. A use nested in another use of the same
/// dataset on the same thread (a Dataset method calling another) takes no second lock: the mutex
/// is not recursive, and a close waiting between the two would deadlock them.
class DatasetUse {
public:
    /// What a call needs of the pixels the direct writer still holds.
    enum class Pixels {
        placed, ///< in the file, where GDAL sees them (materialize() first)
        any,    ///< nothing: the call asks only the raster's size, driver or name
    };
    explicit DatasetUse(const std::shared_ptr<DatasetState>& st, Pixels pixels = Pixels::placed);
    DatasetUse(const DatasetUse&) = delete;
    DatasetUse& operator=(const DatasetUse&) = delete;
    DatasetUse(DatasetUse&&) = delete;
    DatasetUse& operator=(DatasetUse&&) = delete;
    ~DatasetUse();

    /// The open handle, valid while this DatasetUse lives.
    GDALDatasetH handle() const noexcept { return m_handle; }

private:
    DatasetState* m_state;
    GDALDatasetH m_handle = nullptr;
    const DatasetUse* m_outer; // the use this thread held before, innermost first
    bool m_locked = false;     // false when nested in a use of the same dataset
};

/// Opens `path` with GDAL in mode "r" or "r+".
std::shared_ptr<DatasetState> open_dataset(const std::string& path, const std::string& mode,
                                           const Options& options);
/// Creates a dataset at `path` from `profile`; `mode` is "w" or "w+".
std::shared_ptr<DatasetState> create_dataset(const std::string& path, const std::string& mode,
                                             const Profile& profile);

} // namespace rastio::detail
