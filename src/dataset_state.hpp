#pragma once
// Private: the state behind a Dataset, shared with the MemoryFile it came from.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

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
    /// What GDAL reads through (a ByteSource's registration): released once the handle is closed.
    std::shared_ptr<void> keep_alive;
    /// Serialises close() and materialize(), which both swap the handle.
    std::mutex close_mutex;
};

/// Opens `path` with GDAL in mode "r" or "r+".
std::shared_ptr<DatasetState> open_dataset(const std::string& path, const std::string& mode,
                                           const Options& options);
/// Creates a dataset at `path` from `profile`; `mode` is "w" or "w+".
std::shared_ptr<DatasetState> create_dataset(const std::string& path, const std::string& mode,
                                             const Profile& profile);

} // namespace rastio::detail
