#pragma once
/// Byte sources: rasters read through the caller's own I/O (an SDK, an HTTP client, a cache).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <rastio/dataset.hpp>

namespace rastio {

class MemoryFile;
namespace detail {
struct MemoryFileState;
} // namespace detail

/// One piece of a batched read: `out.size()` bytes at `offset`.
struct ReadRange {
    std::uint64_t offset = 0;
    std::span<std::byte> out;
};

/// Random-access bytes that the caller implements; rastio::open() reads any raster through it.
/// Every function may be called from several threads at once and must be safe to. Throw any
/// std::exception to report a failure: rastio turns it into an IOError naming the source.
/// The bytes must not change while a dataset opened on the source is open.
class ByteSource {
public:
    ByteSource() = default;
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;
    ByteSource(ByteSource&&) = delete;
    ByteSource& operator=(ByteSource&&) = delete;
    virtual ~ByteSource();

    /// Total size in bytes. Asked once, when a dataset opens.
    virtual std::uint64_t size() = 0;
    /// Fills all of `out` with the bytes at `offset` (offset + out.size() <= size()), or throws.
    /// Borrows `out` for the call only.
    virtual void read_at(std::uint64_t offset, std::span<std::byte> out) = 0;
    /// Fills several ranges, e.g. in one request or concurrently; by default one read_at() each.
    /// Borrows the ranges' buffers for the call only.
    virtual void read_ranges(std::span<const ReadRange> ranges);
    /// A name for messages, e.g. "s3://bucket/key". Its last component, when it has an extension,
    /// also names the file GDAL sees, which helps drivers that look at extensions.
    virtual std::string name() const;
};

/// The built-in example: a file on disk, read with pread() (thread-safe, no shared cursor).
class FileByteSource final : public ByteSource {
public:
    /// Opens `path` for reading; throws IOError when it cannot.
    explicit FileByteSource(const std::string& path);
    ~FileByteSource() override;

    std::uint64_t size() override;
    void read_at(std::uint64_t offset, std::span<std::byte> out) override;
    std::string name() const override;

private:
    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_size = 0;
};

/// A MemoryFile's bytes as a ByteSource. Shares the MemoryFile's state: reading after the
/// MemoryFile closes throws (an IOError once it reaches a dataset).
class MemoryFileByteSource final : public ByteSource {
public:
    explicit MemoryFileByteSource(const MemoryFile& file);
    ~MemoryFileByteSource() override;

    std::uint64_t size() override;
    void read_at(std::uint64_t offset, std::span<std::byte> out) override;
    std::string name() const override;

private:
    std::shared_ptr<detail::MemoryFileState> m_state;
};

/// Opens the raster a ByteSource holds, read-only, with any GDAL driver. The dataset keeps the
/// source alive until it closes; `options` are GDAL open options (e.g. OVERVIEW_LEVEL).
/// Throws IOError naming the source when it fails (or its size() or reads throw).
///
/// Example:
///     auto src = std::make_shared<rastio::FileByteSource>("cog.tif");
///     auto ds = rastio::open(src);
///     rastio::AnyArray a = ds.read(rastio::Window{0, 0, 512, 512});
Dataset open(std::shared_ptr<ByteSource> source, const Options& options = {});

/// The number of ByteSources registered with GDAL now (one per open dataset on one): 0 once
/// every such dataset has closed.
std::size_t registered_byte_sources();

} // namespace rastio
