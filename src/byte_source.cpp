#include <rastio/byte_source.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <rastio/error.hpp>
#include <rastio/memory_file.hpp>

#include "dataset_state.hpp"
#include "gdal_handle.hpp"
#include "memory_file_state.hpp"

namespace rastio {

// --- ByteSource defaults

ByteSource::~ByteSource() = default;

void ByteSource::read_ranges(std::span<const ReadRange> ranges) {
    for (const auto& r : ranges) read_at(r.offset, r.out);
}

std::string ByteSource::name() const { return {}; }

// --- FileByteSource

FileByteSource::FileByteSource(const std::string& path) : m_path(path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); // NOLINT(cppcoreguidelines-pro-type-vararg): POSIX open
    if (m_fd < 0) {
        const int err = errno;
        throw IOError("cannot open " + path + ": " + std::strerror(err), path);
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(m_fd);
        throw IOError("cannot read " + path + ": not a regular file", path);
    }
    m_size = static_cast<std::uint64_t>(st.st_size);
}

FileByteSource::~FileByteSource() {
    if (m_fd >= 0) ::close(m_fd);
}

std::uint64_t FileByteSource::size() { return m_size; }

void FileByteSource::read_at(std::uint64_t offset, std::span<std::byte> out) {
    std::size_t done = 0;
    // Bounded: each pass reads at least one byte or ends the loop (EINTR retries at most 100 times).
    int interrupts = 0;
    while (done < out.size()) {
        const auto at = offset + done;
        if (at > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
            throw IOError("offset " + std::to_string(at) + " is past the end of " + m_path, m_path);
        }
        const ssize_t n = ::pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(at));
        if (n < 0) {
            const int err = errno;
            if (err == EINTR && ++interrupts < 100) continue;
            throw IOError("cannot read " + m_path + ": " + std::strerror(err), m_path);
        }
        if (n == 0) {
            throw IOError("cannot read " + std::to_string(out.size()) + " bytes at offset " + std::to_string(offset) +
                              " of " + m_path + ": the file ends at " + std::to_string(at),
                          m_path);
        }
        done += static_cast<std::size_t>(n);
    }
}

std::string FileByteSource::name() const { return m_path; }

// --- MemoryFileByteSource

MemoryFileByteSource::MemoryFileByteSource(const MemoryFile& file) : m_state(file.m_state) {
    if (!m_state) throw ClosedError("cannot read a closed or moved-from MemoryFile as a ByteSource");
}

MemoryFileByteSource::~MemoryFileByteSource() = default;

std::uint64_t MemoryFileByteSource::size() {
    std::lock_guard lock(m_state->mutex);
    m_state->check_open();
    m_state->check_no_writer("read as a ByteSource");
    return m_state->buffer().size();
}

void MemoryFileByteSource::read_at(std::uint64_t offset, std::span<std::byte> out) {
    std::lock_guard lock(m_state->mutex);
    m_state->check_open();
    m_state->check_no_writer("read as a ByteSource");
    const auto bytes = m_state->buffer();
    if (offset > bytes.size() || out.size() > bytes.size() - offset) {
        throw IOError("cannot read " + std::to_string(out.size()) + " bytes at offset " + std::to_string(offset) +
                          " of MemoryFile " + m_state->path + ": it holds " + std::to_string(bytes.size()),
                      m_state->path);
    }
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
}

std::string MemoryFileByteSource::name() const { return m_state->path; }

// --- The GDAL filesystem plugin behind open(ByteSource): one handler, process-wide, with a
// registry of live sources. GDAL 3.6 cannot uninstall a handler, so it stays; the sources go.

namespace {

constexpr const char* prefix = "/vsirastio/";

struct SourceEntry {
    std::shared_ptr<ByteSource> source;
    std::string label;    // for messages: the source's name(), or "ByteSource #<id>"
    std::string filename; // the file GDAL sees under /vsirastio/<id>/
    std::uint64_t size = 0;
    // The first head_limit() bytes, fetched in one read_at() on first use: drivers read a header
    // in many small pieces, and open a file several times; a remote source would pay each.
    std::mutex head_mutex;
    std::vector<std::byte> head;
    bool head_loaded = false;
    std::uint64_t head_limit() const { return std::min<std::uint64_t>(size, 64 * 1024); }
};

class Registry {
public:
    std::uint64_t add(std::shared_ptr<SourceEntry> entry) {
        std::lock_guard lock(m_mutex);
        const auto id = m_next++;
        m_entries.emplace(id, std::move(entry));
        return id;
    }
    void remove(std::uint64_t id) noexcept {
        std::shared_ptr<SourceEntry> gone; // released outside the lock: a source's destructor may be slow
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(id);
        if (it == m_entries.end()) return;
        gone = std::move(it->second);
        m_entries.erase(it);
    }
    std::size_t count() const {
        std::lock_guard lock(m_mutex);
        return m_entries.size();
    }
    /// The entry a [/vsirastio/]<id>/<filename> path names, or null (sidecars and unknown ids).
    std::shared_ptr<SourceEntry> find(const char* path) const {
        // GDAL hands the callbacks the path with the handler's prefix cut off; accept both.
        std::string_view rest(path ? path : "");
        if (const std::string_view pre(prefix); rest.substr(0, pre.size()) == pre) rest.remove_prefix(pre.size());
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos || slash == 0 || slash > 19) return nullptr;
        std::uint64_t id = 0;
        for (char c : rest.substr(0, slash)) {
            if (c < '0' || c > '9') return nullptr;
            id = id * 10 + static_cast<std::uint64_t>(c - '0');
        }
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(id);
        if (it == m_entries.end() || rest.substr(slash + 1) != it->second->filename) return nullptr;
        return it->second;
    }

private:
    mutable std::mutex m_mutex;
    std::uint64_t m_next = 1;
    std::unordered_map<std::uint64_t, std::shared_ptr<SourceEntry>> m_entries;
};

Registry& registry() {
    static Registry* r = new Registry(); // NOLINT(cppcoreguidelines-owning-memory): GDAL's handler may call it at exit; never destroyed
    return *r;
}

/// Unregisters its source when the last dataset holding it closes.
struct Registration {
    explicit Registration(std::uint64_t id_) : id(id_) {}
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration(Registration&&) = delete;
    Registration& operator=(Registration&&) = delete;
    ~Registration() { registry().remove(id); }
    std::uint64_t id;
};

/// One GDAL file handle: its own cursor over a shared source.
struct Handle {
    std::shared_ptr<SourceEntry> entry;
    std::uint64_t pos = 0;
    bool eof = false;
};

std::string describe(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

/// Reports a source's failure to GDAL, which hands it to the reading call's error capture.
void report(const SourceEntry& e, const std::string& what, const std::exception_ptr& ex) {
    const std::string msg = "ByteSource \"" + e.label + "\": " + what + ": " + describe(ex);
    CPLError(CE_Failure, CPLE_FileIO, "%s", msg.c_str());
}

int cb_stat(void*, const char* path, VSIStatBufL* buf, int) {
    auto e = registry().find(path);
    if (!e) return -1;
    std::memset(buf, 0, sizeof(*buf));
    buf->st_size = static_cast<decltype(buf->st_size)>(e->size);
    buf->st_mode = S_IFREG | 0444;
    return 0;
}

char** cb_sibling_files(void*, const char* dir) {
    // No sidecars: GDAL then does not probe for .aux.xml, .ovr, .msk through the source.
    (void)dir;
    return static_cast<char**>(CPLCalloc(1, sizeof(char*))); // an empty list (GDAL frees it), not null ("unknown")
}

void* cb_open(void*, const char* path, const char* access) {
    if (access != nullptr && (std::strpbrk(access, "wa+") != nullptr)) {
        CPLError(CE_Failure, CPLE_NoWriteAccess, "%s is read-only: a ByteSource cannot be written", path);
        return nullptr;
    }
    auto e = registry().find(path);
    if (!e) return nullptr;
    return new Handle{std::move(e)}; // NOLINT(cppcoreguidelines-owning-memory): owned by GDAL until cb_close
}

vsi_l_offset cb_tell(void* fp) { return static_cast<Handle*>(fp)->pos; }

int cb_seek(void* fp, vsi_l_offset offset, int whence) {
    auto* h = static_cast<Handle*>(fp);
    switch (whence) {
    case SEEK_SET: h->pos = offset; break;
    case SEEK_CUR: h->pos += offset; break;
    case SEEK_END: h->pos = h->entry->size + offset; break;
    default: return -1;
    }
    h->eof = false;
    return 0;
}

size_t cb_read(void* fp, void* buffer, size_t size, size_t count) {
    auto* h = static_cast<Handle*>(fp);
    if (size == 0 || count == 0) return 0;
    if (count > std::numeric_limits<std::size_t>::max() / size) return 0;
    const std::uint64_t want = static_cast<std::uint64_t>(size) * count;
    const std::uint64_t avail = h->pos >= h->entry->size ? 0 : h->entry->size - h->pos;
    const std::uint64_t n = std::min(want, avail);
    if (n < want) h->eof = true;
    if (n == 0) return 0;
    try {
        auto& e = *h->entry;
        const std::span<std::byte> out(static_cast<std::byte*>(buffer), static_cast<std::size_t>(n));
        if (h->pos + n <= e.head_limit()) {
            std::lock_guard lock(e.head_mutex);
            if (!e.head_loaded) {
                std::vector<std::byte> head(static_cast<std::size_t>(e.head_limit()));
                e.source->read_at(0, head);
                e.head = std::move(head);
                e.head_loaded = true;
            }
            std::copy_n(e.head.begin() + static_cast<std::ptrdiff_t>(h->pos), out.size(), out.begin());
        } else {
            e.source->read_at(h->pos, out);
        }
    } catch (...) {
        report(*h->entry, "cannot read " + std::to_string(n) + " bytes at offset " + std::to_string(h->pos),
               std::current_exception());
        return 0;
    }
    h->pos += n;
    return static_cast<size_t>(n / size);
}

int cb_read_multi_range(void* fp, int n, void** data, const vsi_l_offset* offsets, const size_t* sizes) {
    auto* h = static_cast<Handle*>(fp);
    std::vector<ReadRange> ranges;
    std::uint64_t total = 0;
    try {
        ranges.reserve(static_cast<std::size_t>(std::max(n, 0)));
        for (int i = 0; i < n; ++i) {
            const auto at = offsets[i];
            const auto len = sizes[i];
            if (at > h->entry->size || len > h->entry->size - at) {
                CPLError(CE_Failure, CPLE_FileIO, "ByteSource \"%s\": range of %zu bytes at offset %llu is past its end (%llu)",
                         h->entry->label.c_str(), len, static_cast<unsigned long long>(at),
                         static_cast<unsigned long long>(h->entry->size));
                return -1;
            }
            ranges.push_back({at, {static_cast<std::byte*>(data[i]), len}});
            total += len;
        }
        h->entry->source->read_ranges(ranges);
    } catch (...) {
        report(*h->entry, "cannot read " + std::to_string(total) + " bytes in " + std::to_string(n) +
                              (n == 1 ? " range" : " ranges"),
               std::current_exception());
        return -1;
    }
    return 0;
}

int cb_eof(void* fp) { return static_cast<Handle*>(fp)->eof ? 1 : 0; }

int cb_close(void* fp) {
    delete static_cast<Handle*>(fp); // NOLINT(cppcoreguidelines-owning-memory): created by cb_open
    return 0;
}

void install_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        VSIFilesystemPluginCallbacksStruct* cb = VSIAllocFilesystemPluginCallbacksStruct();
        cb->stat = cb_stat;
        cb->sibling_files = cb_sibling_files;
        cb->open = cb_open;
        cb->tell = cb_tell;
        cb->seek = cb_seek;
        cb->read = cb_read;
        cb->read_multi_range = cb_read_multi_range;
        cb->eof = cb_eof;
        cb->close = cb_close;
        const int rc = VSIInstallPluginHandler(prefix, cb);
        VSIFreeFilesystemPluginCallbacksStruct(cb); // the handler keeps its own copy
        if (rc != 0) throw IOError(std::string("GDAL refused to install the ByteSource filesystem ") + prefix);
    });
}

/// The last path component of `label` when it looks like a file name with an extension, else "source".
std::string file_name_for(const std::string& label) {
    std::string base = label.substr(label.find_last_of("/\\") == std::string::npos ? 0 : label.find_last_of("/\\") + 1);
    if (const auto q = base.find_first_of("?#"); q != std::string::npos) base.resize(q);
    const bool ok = !base.empty() && base.size() <= 128 && base.find('.') != std::string::npos &&
                    std::all_of(base.begin(), base.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
                    });
    return ok ? base : "source";
}

} // namespace

Dataset open(std::shared_ptr<ByteSource> source, const Options& options) {
    if (!source) throw ArgumentError("rastio::open: the ByteSource is null");
    detail::ensure_gdal();
    install_handler();
    auto entry = std::make_shared<SourceEntry>();
    try {
        entry->label = source->name();
    } catch (...) {
        entry->label.clear();
    }
    try {
        entry->size = source->size();
    } catch (...) {
        const std::string label = entry->label.empty() ? "ByteSource" : entry->label;
        throw IOError("cannot open ByteSource \"" + label + "\": size() failed: " + describe(std::current_exception()),
                      label);
    }
    entry->filename = file_name_for(entry->label);
    entry->source = std::move(source);
    auto* e = entry.get();
    const auto id = registry().add(entry);
    auto registration = std::make_shared<Registration>(id);
    if (e->label.empty()) e->label = "ByteSource #" + std::to_string(id);
    const std::string path = std::string(prefix) + std::to_string(id) + "/" + e->filename;
    try {
        auto st = detail::open_dataset(path, "r", options);
        st->keep_alive = std::move(registration);
        return Dataset(std::move(st));
    } catch (const IOError& err) {
        std::string why = err.gdal_message().empty() ? err.what() : err.gdal_message();
        throw IOError("cannot open ByteSource \"" + e->label + "\" as a raster: " + why, e->label, err.gdal_errno(),
                      err.gdal_message());
    }
}

std::size_t registered_byte_sources() { return registry().count(); }

} // namespace rastio
