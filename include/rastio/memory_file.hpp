#pragma once
/// In-memory files: rasters held as bytes, opened, created, read and written with no temp file.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <rastio/dataset.hpp>

namespace rastio {

namespace detail {
struct MemoryFileState;

/// A contiguous range of one-byte values (std::string, std::vector<std::uint8_t>, std::span<const std::byte>...).
template <class R>
concept ByteRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                    !std::is_array_v<std::remove_cvref_t<R>> &&
                    sizeof(std::ranges::range_value_t<R>) == 1 &&
                    std::is_trivially_copyable_v<std::ranges::range_value_t<R>>;

template <ByteRange R>
std::span<const std::byte> as_byte_span(const R& r) noexcept {
    return {reinterpret_cast<const std::byte*>(std::ranges::data(r)), std::ranges::size(r)}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): viewing one-byte values as bytes
}
} // namespace detail

/// Where a MemoryFile lives: /vsimem/<dirname>/<filename>. Empty fields are generated:
/// a unique dirname, and a unique filename ending in `ext`.
struct MemoryFileOptions {
    std::string dirname;
    std::string filename;
    std::string ext = ".tif";
};

/// Origin of MemoryFile::seek.
enum class Whence { set, cur, end };

/// A file held in memory, at a GDAL path (name()) that any GDAL call in this process can use.
/// Made empty, it is writable ("w+"): write() bytes into it, or open(profile) a dataset in it.
/// Made from bytes, it is read-only ("r"): GDAL never writes to those bytes.
///
/// Example:
///     rastio::MemoryFile mf(bytes);               // copies; std::move(bytes) adopts them
///     auto ds = mf.open();
///     rastio::AnyArray a = ds.read();
class MemoryFile {
public:
    /// An empty, writable MemoryFile.
    explicit MemoryFile(MemoryFileOptions options = {});
    /// Copies `bytes`; read-only.
    explicit MemoryFile(std::span<const std::byte> bytes, MemoryFileOptions options = {});
    /// Copies the bytes of any contiguous range of one-byte values; read-only.
    template <detail::ByteRange R>
    explicit MemoryFile(const R& bytes, MemoryFileOptions options = {})
        : MemoryFile(detail::as_byte_span(bytes), std::move(options)) {}
    /// Adopts `bytes` with no copy; read-only.
    explicit MemoryFile(std::vector<std::byte>&& bytes, MemoryFileOptions options = {});
    /// Adopts `bytes` with no copy; read-only.
    explicit MemoryFile(std::vector<std::uint8_t>&& bytes, MemoryFileOptions options = {});
    /// Adopts `bytes` with no copy; read-only.
    explicit MemoryFile(std::string&& bytes, MemoryFileOptions options = {});
    /// Reads `in` to its end; read-only. Throws IOError when the stream fails.
    explicit MemoryFile(std::istream& in, MemoryFileOptions options = {});
    /// Borrows: the caller keeps `bytes` alive and unchanged until close(); no copy; read-only.
    static MemoryFile borrow(std::span<const std::byte> bytes, MemoryFileOptions options = {});

    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    MemoryFile(MemoryFile&& other) noexcept;
    MemoryFile& operator=(MemoryFile&& other) noexcept;
    /// Closes, swallowing errors.
    ~MemoryFile();

    /// A reader on the bytes; `options` are GDAL open options (e.g. OVERVIEW_LEVEL).
    /// Throws IOError when the MemoryFile is empty or the bytes are not a raster.
    Dataset open(const Options& options = {});
    /// The same, so that `open({{"OVERVIEW_LEVEL", "0"}})` is not mistaken for a Profile.
    Dataset open(std::initializer_list<Options::value_type> options) { return open(Options(options)); }
    /// A writer ("w+") creating a dataset in this empty MemoryFile; the bytes are complete once
    /// it closes. Throws ModeError on a non-empty or read-only MemoryFile.
    Dataset open(const Profile& profile);

    /// Closes every dataset opened from this MemoryFile and frees its bytes and sidecars.
    /// Idempotent. Throws IOError if closing a writer failed (everything is freed regardless).
    void close();
    bool closed() const noexcept;

    /// The GDAL path, /vsimem/<dirname>/<filename>.
    const std::string& name() const;
    /// "r" (made from bytes) or "w+" (made empty).
    std::string mode() const;
    /// Size in bytes; throws ModeError while a writer dataset is open.
    std::uint64_t size() const;
    /// True once the file holds bytes (or a dataset was created in it).
    bool exists() const;

    /// Writes at the cursor and advances it, zero-filling any gap after the end; returns the
    /// count written. Throws ModeError on a read-only MemoryFile or while a writer is open.
    std::size_t write(std::span<const std::byte> bytes);
    template <detail::ByteRange R>
    std::size_t write(const R& bytes) { return write(detail::as_byte_span(bytes)); }
    std::size_t write(std::string_view text) { return write(detail::as_byte_span(text)); }

    /// Reads up to `size` bytes (all to the end when nothing) at the cursor and advances it.
    std::vector<std::byte> read(std::optional<std::size_t> size = {});
    /// Moves the cursor and returns the new position; throws ArgumentError when it would be negative.
    std::uint64_t seek(std::int64_t offset, Whence whence = Whence::set);
    std::uint64_t tell() const;

    /// Zero-copy view of the whole file, valid until the next write() or close().
    std::span<const std::byte> getbuffer() const;
    /// Zero-copy view of one of this MemoryFile's files (a sidecar such as "x.tif.msk").
    std::span<const std::byte> getbuffer(const std::string& name) const;
    /// Writes the whole file to `out` from its own bytes (no copy), whatever the cursor; returns
    /// the count. Throws IOError when the stream fails. Defined in memory_file_stream.cpp.
    std::uint64_t write_to(std::ostream& out) const;
    /// The file names (not paths) this MemoryFile holds: the main file and its sidecars.
    std::vector<std::string> files() const;

private:
    friend class ZipMemoryFile;
    friend class MemoryFileByteSource;
    friend Dataset open(const std::string&, const std::string&, const Options&);
    friend Dataset open(const std::string&, const std::string&, const Profile&);
    explicit MemoryFile(std::shared_ptr<detail::MemoryFileState> state) noexcept;
    detail::MemoryFileState& state() const;

    std::shared_ptr<detail::MemoryFileState> m_state;
};

/// A zip archive held in memory; open() its members as datasets.
///
/// Example:
///     rastio::ZipMemoryFile zip(zip_bytes);
///     auto ds = zip.open("white-gemini-iv.vrt");
class ZipMemoryFile {
public:
    /// Copies the archive's bytes.
    explicit ZipMemoryFile(std::span<const std::byte> bytes, MemoryFileOptions options = {.ext = ".zip"});
    template <detail::ByteRange R>
    explicit ZipMemoryFile(const R& bytes, MemoryFileOptions options = {.ext = ".zip"})
        : ZipMemoryFile(detail::as_byte_span(bytes), std::move(options)) {}
    /// Adopts the archive's bytes with no copy.
    explicit ZipMemoryFile(std::vector<std::byte>&& bytes, MemoryFileOptions options = {.ext = ".zip"});
    explicit ZipMemoryFile(std::vector<std::uint8_t>&& bytes, MemoryFileOptions options = {.ext = ".zip"});
    explicit ZipMemoryFile(std::string&& bytes, MemoryFileOptions options = {.ext = ".zip"});
    /// Borrows: the caller keeps `bytes` alive and unchanged until close().
    static ZipMemoryFile borrow(std::span<const std::byte> bytes, MemoryFileOptions options = {.ext = ".zip"});

    /// Opens a member ("dir/x.tif", leading "/" optional); IOError naming a missing member.
    Dataset open(const std::string& path_in_zip, const Options& options = {});
    /// Every file in the archive, with its folders ("dir/x.tif").
    std::vector<std::string> namelist() const;

    void close() { m_file.close(); }
    bool closed() const noexcept { return m_file.closed(); }
    /// The archive's /vsimem/ path.
    const std::string& name() const { return m_file.name(); }
    /// The archive's bytes, zero-copy.
    std::span<const std::byte> getbuffer() const { return m_file.getbuffer(); }

private:
    explicit ZipMemoryFile(MemoryFile file);
    std::string member_path(const std::string& path_in_zip) const;

    MemoryFile m_file;
};

} // namespace rastio
