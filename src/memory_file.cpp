#include <rastio/memory_file.hpp>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <cstring>
#include <istream>
#include <limits>
#include <map>
#include <random>


#include <malloc.h>

#include <cpl_vsi.h>

#include <rastio/error.hpp>

#include "error_capture.hpp"
#include "memory_file_state.hpp"
#include "memory_hints.hpp"

namespace rastio {

namespace detail {

namespace {

/// Every live MemoryFile, by its path, so that rastio::open(path) finds the MemoryFile behind a
/// /vsimem/ path and sidecars in a shared directory are not deleted by their neighbours.
struct Registry {
    std::mutex mutex;
    std::map<std::string, std::weak_ptr<MemoryFileState>> files;
};

Registry& registry() {
    static Registry* r = new Registry; // NOLINT(cppcoreguidelines-owning-memory): lives until exit, so MemoryFiles in static storage can still unregister
    return *r;
}

std::string unique_id() {
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t salt = std::random_device{}();
    char buf[64];
    std::snprintf(buf, sizeof buf, "rastio-%08llx-%llu", static_cast<unsigned long long>(salt & 0xffffffffULL),
                  static_cast<unsigned long long>(counter.fetch_add(1)));
    return buf;
}

void check_name_part(const std::string& part, const char* what) {
    if (part.empty() || part.front() == '/' || part.find("..") != std::string::npos || part.find('\0') != std::string::npos) {
        throw ArgumentError(std::string("MemoryFile ") + what + " \"" + part +
                            "\" must be a relative name without \"..\"");
    }
}

/// The stem used to recognise sidecars: "x.tif" -> "x." and "x.tif." prefixes.
bool is_own_file(const std::string& filename, const std::string& candidate) {
    if (candidate == filename) return true;
    if (candidate.compare(0, filename.size() + 1, filename + ".") == 0) return true; // x.tif.aux.xml, x.tif.msk
    const auto dot = filename.rfind('.');
    if (dot == std::string::npos || dot == 0) return false;
    const std::string stem = filename.substr(0, dot + 1); // "x."
    return candidate.compare(0, stem.size(), stem) == 0;  // x.prj, x.aux.xml
}

std::shared_ptr<MemoryFileState> make_state(const MemoryFileOptions& opts, bool readonly) {
    ensure_gdal();
    auto st = std::make_shared<MemoryFileState>();
    const std::string id = unique_id();
    if (opts.dirname.empty()) {
        st->dir = "/vsimem/" + id;
        st->own_dir = true;
    } else {
        std::string d = opts.dirname;
        if (d.rfind("/vsimem/", 0) == 0) d = d.substr(8);
        while (!d.empty() && d.back() == '/') d.pop_back();
        check_name_part(d, "dirname");
        st->dir = "/vsimem/" + d;
    }
    if (opts.filename.empty()) {
        st->filename = id + opts.ext;
    } else {
        check_name_part(opts.filename, "filename");
        if (opts.filename.find('/') != std::string::npos) {
            throw ArgumentError("MemoryFile filename \"" + opts.filename + "\" must not contain \"/\"; use dirname");
        }
        st->filename = opts.filename;
    }
    st->path = st->dir + "/" + st->filename;
    st->readonly = readonly;

    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (auto it = r.files.begin(); it != r.files.end();) {
        it = it->second.expired() ? r.files.erase(it) : std::next(it);
    }
    if (r.files.count(st->path)) {
        throw ArgumentError("a MemoryFile at " + st->path + " is already open; choose another filename");
    }
    {
        VSIStatBufL stat;
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        if (VSIStatL(st->path.c_str(), &stat) == 0) {
            throw ArgumentError("a file already exists at " + st->path + "; choose another filename or dirname");
        }
    }
    r.files[st->path] = st;
    return st;
}

/// Hands `data` to GDAL's /vsimem/ without copying and without giving GDAL ownership.
void publish(MemoryFileState& st, const std::byte* data, std::size_t size) {
    static std::byte empty_byte{};
    auto* p = const_cast<GByte*>(reinterpret_cast<const GByte*>(size ? data : &empty_byte)); // NOLINT: GDAL's signature is not const; rastio opens these bytes read-only only
    ErrorCapture errors(st.path);
    VSILFILE* fp = VSIFileFromMemBuffer(st.path.c_str(), p, static_cast<vsi_l_offset>(size), FALSE);
    if (fp == nullptr) errors.throw_io("cannot place bytes in memory file", st.path);
    VSIFCloseL(fp);
}

} // namespace

MemoryFileState::~MemoryFileState() {
    try {
        close();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor cannot report; close() does
    }
}

void MemoryFileState::track(const std::shared_ptr<DatasetState>& ds) {
    std::lock_guard lock(mutex);
    std::erase_if(datasets, [](const auto& w) {
        auto s = w.lock();
        return !s || !s->is_open();
    });
    datasets.push_back(ds);
}

std::string MemoryFileState::open_writer() const {
    for (const auto& w : datasets) {
        if (auto s = w.lock(); s && s->is_open() && s->writable()) return s->name;
    }
    return {};
}

void MemoryFileState::check_open() const {
    if (closed || closing.load()) throw ClosedError("MemoryFile " + path + " is closed");
}

void MemoryFileState::check_no_writer(const char* operation) const {
    const std::string w = open_writer();
    if (!w.empty()) {
        throw ModeError(std::string("cannot ") + operation + " MemoryFile " + path + " while the dataset " + w +
                        " writing it is open: close the dataset first so its bytes are complete");
    }
}

std::span<const std::byte> MemoryFileState::buffer() const {
    vsi_l_offset len = 0;
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    GByte* p = VSIGetMemFileBuffer(path.c_str(), &len, FALSE);
    if (p == nullptr) return {};
    return {reinterpret_cast<const std::byte*>(p), static_cast<std::size_t>(len)}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GDAL's bytes viewed as std::byte
}

void MemoryFileState::close() {
    std::vector<std::weak_ptr<DatasetState>> to_close;
    closing = true;
    {
        const std::unique_lock opening(open_mutex); // waits for opens in flight; later ones see `closing`
        std::lock_guard lock(mutex);
        if (closed) return;
        closed = true;
        to_close.swap(datasets);
        if (fp != nullptr) {
            VSIFCloseL(fp);
            fp = nullptr;
        }
    }
    std::exception_ptr first_error;
    for (auto& w : to_close) {
        if (auto s = w.lock()) {
            try {
                s->close();
            } catch (...) {
                if (!first_error) first_error = std::current_exception();
            }
        }
    }
    {
        Registry& r = registry();
        std::lock_guard lock(r.mutex);
        r.files.erase(path);
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        if (!readonly || gdal_owns_bytes) {
            // GDAL owns these bytes (written, created or copied here): they go back to the pool of
            // reusable buffers instead of to the system. Handles still open elsewhere then see
            // an empty file (GDAL empties it), as after any unlink.
            vsi_l_offset len = 0;
            detail::recycle(VSIGetMemFileBuffer(path.c_str(), &len, TRUE));
        }
        if (own_dir) {
            VSIRmdirRecursive(dir.c_str());
        } else {
            // A shared directory: remove our file and its sidecars, never another MemoryFile's.
            const CPLStringList names(VSIReadDir(dir.c_str()));
            for (int i = 0; i < names.size(); ++i) {
                const std::string name = names[i];
                if (!is_own_file(filename, name)) continue;
                if (name != filename && r.files.count(dir + "/" + name)) continue;
                VSIUnlink((dir + "/" + name).c_str());
            }
            const CPLStringList left(VSIReadDir(dir.c_str()));
            if (left.empty()) VSIRmdir(dir.c_str());
        }
    }
    storage.reset();
    if (first_error) std::rethrow_exception(first_error);
}

bool MemoryFileState::any_open_dataset() const {
    return std::any_of(datasets.begin(), datasets.end(), [](const auto& w) {
        auto s = w.lock();
        return s && s->is_open();
    });
}

std::shared_ptr<MemoryFileState> find_memory_file(const std::string& gdal_path) {
    const auto at = gdal_path.find("/vsimem/");
    if (at == std::string::npos) return nullptr;
    const std::string p = gdal_path.substr(at);
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    // The longest registered path that `p` equals or continues with "/" (a zip member).
    std::shared_ptr<MemoryFileState> best;
    std::size_t best_len = 0;
    for (const auto& [key, weak] : r.files) {
        if (key.size() <= best_len || p.compare(0, key.size(), key) != 0) continue;
        if (p.size() != key.size() && p[key.size()] != '/') continue;
        if (auto s = weak.lock()) {
            best = std::move(s);
            best_len = key.size();
        }
    }
    return best;
}

} // namespace detail

using detail::ErrorCapture;

MemoryFile::MemoryFile(std::shared_ptr<detail::MemoryFileState> state) noexcept : m_state(std::move(state)) {}

MemoryFile::MemoryFile(MemoryFileOptions options) : m_state(detail::make_state(options, false)) {}

MemoryFile::MemoryFile(std::span<const std::byte> bytes, MemoryFileOptions options)
    : m_state(detail::make_state(options, true)) {
    // Allocated as large arrays are (a released buffer when one fits: no fresh pages) and
    // handed to GDAL, which owns it from then on; close() takes it back into that pool after
    // GDAL lets go of it, so a raw GDAL handle left open sees an empty file, never reused bytes.
    auto* copy = static_cast<GByte*>(detail::allocate_large(bytes.size()));
    if (copy == nullptr) {
        throw IOError("out of memory copying " + std::to_string(bytes.size()) + " bytes into MemoryFile " +
                          m_state->path, m_state->path, CPLE_OutOfMemory);
    }
    if (!bytes.empty()) detail::copy_large(copy, bytes.data(), bytes.size());
    ErrorCapture errors;
    VSILFILE* fp = VSIFileFromMemBuffer(m_state->path.c_str(), copy, static_cast<vsi_l_offset>(bytes.size()), TRUE);
    if (fp == nullptr) errors.throw_io("cannot place bytes in memory file", m_state->path);
    VSIFCloseL(fp);
    m_state->gdal_owns_bytes = true;
}

namespace {
template <class Container>
std::shared_ptr<detail::MemoryFileState> adopt(Container&& bytes, const MemoryFileOptions& options) {
    auto st = detail::make_state(options, true);
    auto held = std::make_shared<std::remove_cvref_t<Container>>(std::move(bytes));
    detail::publish(*st, reinterpret_cast<const std::byte*>(held->data()), held->size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): one-byte values viewed as bytes
    st->storage = std::move(held);
    return st;
}
} // namespace

MemoryFile::MemoryFile(std::vector<std::byte>&& bytes, MemoryFileOptions options)
    : m_state(adopt(std::move(bytes), options)) {}
MemoryFile::MemoryFile(std::vector<std::uint8_t>&& bytes, MemoryFileOptions options)
    : m_state(adopt(std::move(bytes), options)) {}
MemoryFile::MemoryFile(std::string&& bytes, MemoryFileOptions options) : m_state(adopt(std::move(bytes), options)) {}

MemoryFile::MemoryFile(std::istream& in, MemoryFileOptions options) {
    std::string bytes;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        bytes.append(buf, static_cast<std::size_t>(in.gcount()));
        if (in.eof()) break;
    }
    if (in.bad()) throw IOError("cannot read the stream into a MemoryFile: the stream failed");
    m_state = adopt(std::move(bytes), options);
}

MemoryFile MemoryFile::borrow(std::span<const std::byte> bytes, MemoryFileOptions options) {
    auto st = detail::make_state(options, true);
    detail::publish(*st, bytes.data(), bytes.size());
    return MemoryFile(std::move(st));
}

MemoryFile::MemoryFile(MemoryFile&& other) noexcept = default;

MemoryFile& MemoryFile::operator=(MemoryFile&& other) noexcept {
    if (this != &other) {
        if (m_state) {
            try {
                m_state->close();
            } catch (...) { // NOLINT(bugprone-empty-catch): replaced MemoryFiles close silently, as in the destructor
            }
        }
        m_state = std::move(other.m_state);
    }
    return *this;
}

MemoryFile::~MemoryFile() {
    if (m_state) {
        try {
            m_state->close();
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor cannot report; close() does
        }
    }
}

detail::MemoryFileState& MemoryFile::state() const {
    if (!m_state) throw ClosedError("MemoryFile is closed (it was moved from)");
    return *m_state;
}

void MemoryFile::close() {
    if (m_state) m_state->close();
}

bool MemoryFile::closed() const noexcept {
    if (!m_state) return true;
    std::lock_guard lock(m_state->mutex);
    return m_state->closed;
}

const std::string& MemoryFile::name() const { return state().path; }

std::string MemoryFile::mode() const { return state().readonly ? "r" : "w+"; }

std::uint64_t MemoryFile::size() const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    st.check_no_writer("measure");
    return st.buffer().size();
}

bool MemoryFile::exists() const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    VSIStatBufL stat;
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    return VSIStatL(st.path.c_str(), &stat) == 0;
}

Dataset MemoryFile::open(const Options& options) {
    auto& st = state();
    const std::shared_lock opening(st.open_mutex); // close() waits until the dataset is tracked
    {
        std::lock_guard lock(st.mutex);
        st.check_open();
        st.check_no_writer("open a reader on");
        if (st.buffer().empty()) {
            throw IOError("cannot open MemoryFile " + st.path +
                              ": it is empty; write() bytes into it or open(profile) to create a dataset",
                          st.path);
        }
    }
    auto ds = detail::open_dataset(st.path, "r", options);
    st.track(ds);
    return Dataset(std::move(ds));
}

Dataset MemoryFile::open(const Profile& profile) {
    auto& st = state();
    const std::shared_lock opening(st.open_mutex); // close() waits until the dataset is tracked
    {
        std::lock_guard lock(st.mutex);
        st.check_open();
        if (st.readonly) {
            throw ModeError("cannot create a dataset in MemoryFile " + st.path +
                            ": it was made from bytes and is read-only; create an empty MemoryFile to write");
        }
        st.check_no_writer("create a second dataset in");
        if (!st.buffer().empty()) {
            throw ModeError("cannot create a dataset in MemoryFile " + st.path + ": it already holds " +
                            std::to_string(st.buffer().size()) +
                            " bytes; open() it to read them, or create an empty MemoryFile to write");
        }
        if (st.fp != nullptr) {
            VSIFCloseL(st.fp);
            st.fp = nullptr;
        }
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        VSIUnlink(st.path.c_str());
    }
    auto ds = detail::create_dataset(st.path, "w+", profile);
    st.track(ds);
    return Dataset(std::move(ds));
}

namespace {

using detail::advise_huge_pages;
using detail::huge_pages_available;
using detail::k_huge_page;

/// Smallest capacity write() reserves; it doubles from there.
constexpr std::uint64_t k_min_reserve = 64 * 1024;
/// Makes room for the file to reach `end` bytes. GDAL's /vsimem/ grows a file by 10% per
/// realloc and zeroes each new part, so a long series of small appends faults and copies far
/// more than the data. Where huge pages are available, rastio grows the capacity by doubling
/// instead: a new VSIMalloc'd buffer (huge pages requested), the bytes copied into it, handed to
/// GDAL with its full capacity and then truncated to the file's length, which GDAL 3.6 does
/// without shrinking the allocation. The file is replaced, not moved: a dataset still reading
/// the old bytes keeps them until it closes (GDAL frees them then). Without huge pages, GDAL's
/// own growth is cheaper (realloc moves pages without copying) and is left alone.
void reserve(detail::MemoryFileState& st, std::uint64_t end, const ErrorCapture& errors) {
    if (end <= st.reserved || end <= st.length) return;
    if (!huge_pages_available() || end < k_huge_page) {
        st.reserved = 0; // let GDAL grow the file
        return;
    }
    std::uint64_t want = std::max({end, st.reserved * 2, st.length * 2, k_min_reserve});
    want = (want + k_huge_page - 1) / k_huge_page * k_huge_page;
    if (want > std::numeric_limits<std::size_t>::max()) {
        throw IOError("cannot grow MemoryFile " + st.path + " to " + std::to_string(want) + " bytes", st.path);
    }
    // A reused buffer may be larger than asked: all of it is capacity (fewer growth copies).
    auto* fresh = static_cast<GByte*>(detail::take_recycled(static_cast<std::size_t>(want), 16 * want, true));
    if (fresh != nullptr) want = std::max<std::uint64_t>(want, malloc_usable_size(fresh));
    if (fresh == nullptr) {
        fresh = static_cast<GByte*>(VSIMalloc(static_cast<std::size_t>(want)));
        if (fresh != nullptr) advise_huge_pages(fresh, static_cast<std::size_t>(want));
    }
    if (fresh == nullptr) {
        throw IOError("out of memory growing MemoryFile " + st.path + " to " + std::to_string(want) + " bytes",
                      st.path, CPLE_OutOfMemory);
    }
    if (st.length > 0) {
        vsi_l_offset len = 0;
        const GByte* old = VSIGetMemFileBuffer(st.path.c_str(), &len, FALSE);
        if (old == nullptr || len != st.length) {
            detail::recycle(fresh);
            errors.throw_io("cannot grow MemoryFile: its bytes changed underneath", st.path);
        }
        std::memcpy(fresh, old, static_cast<std::size_t>(st.length));
    }
    VSIFCloseL(st.fp);
    st.fp = nullptr;
    // With no dataset reading the old bytes, they go back to the pool of reusable buffers
    // (a dataset that still reads them keeps them: GDAL frees them when it closes).
    if (st.length > 0 && !st.any_open_dataset()) {
        vsi_l_offset len = 0;
        detail::recycle(VSIGetMemFileBuffer(st.path.c_str(), &len, TRUE));
    }
    // GDAL owns `fresh` from here on, even when the call fails.
    st.fp = VSIFileFromMemBuffer(st.path.c_str(), fresh, want, TRUE);
    if (st.fp == nullptr) errors.throw_io("cannot grow MemoryFile", st.path);
    if (VSIFTruncateL(st.fp, st.length) != 0) errors.throw_io("cannot grow MemoryFile", st.path);
    st.reserved = want;
}

} // namespace

std::size_t MemoryFile::write(std::span<const std::byte> bytes) {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    if (st.readonly) {
        throw ModeError("cannot extend MemoryFile " + st.path +
                        ": it was created from bytes; create an empty MemoryFile to write");
    }
    st.check_no_writer("write bytes into");
    ErrorCapture errors(st.path);
    if (st.fp == nullptr) {
        VSIStatBufL stat;
        const bool exists = VSIStatL(st.path.c_str(), &stat) == 0;
        st.fp = VSIFOpenL(st.path.c_str(), exists ? "r+b" : "w+b");
        if (st.fp == nullptr) errors.throw_io("cannot open MemoryFile for writing", st.path);
        st.length = exists ? static_cast<std::uint64_t>(stat.st_size) : 0;
        st.reserved = st.length;
    } else {
        // A dataset opened "r+" on name() may have grown the file since: GDAL's length is the truth.
        if (VSIFSeekL(st.fp, 0, SEEK_END) != 0) errors.throw_io("cannot seek in MemoryFile", st.path);
        st.length = VSIFTellL(st.fp);
    }
    st.reserved = std::max(st.reserved, st.length);
    if (bytes.empty()) return 0;
    if (st.pos > std::numeric_limits<std::uint64_t>::max() - bytes.size()) {
        throw ArgumentError("cannot write " + std::to_string(bytes.size()) + " bytes at position " +
                            std::to_string(st.pos) + " of MemoryFile " + st.path + ": the end would overflow");
    }
    const std::uint64_t end = st.pos + bytes.size();
    reserve(st, end, errors);
    if (st.pos > st.length) {
        // Zero-fill the gap explicitly: GDAL does not promise what lies past a file's end.
        static constexpr std::byte zeros[64 * 1024] = {};
        if (VSIFSeekL(st.fp, st.length, SEEK_SET) != 0) errors.throw_io("cannot seek in MemoryFile", st.path);
        for (std::uint64_t left = st.pos - st.length; left > 0;) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof zeros));
            if (VSIFWriteL(zeros, 1, n, st.fp) != n) errors.throw_io("cannot zero-fill MemoryFile", st.path);
            left -= n;
        }
    } else if (VSIFSeekL(st.fp, st.pos, SEEK_SET) != 0) {
        errors.throw_io("cannot seek in MemoryFile", st.path);
    }
    const std::size_t n = VSIFWriteL(bytes.data(), 1, bytes.size(), st.fp);
    if (n != bytes.size()) {
        errors.throw_io("wrote " + std::to_string(n) + " of " + std::to_string(bytes.size()) + " bytes", st.path);
    }
    st.pos += n;
    st.length = std::max(st.length, st.pos);
    return n;
}

std::vector<std::byte> MemoryFile::read(std::optional<std::size_t> size) {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    st.check_no_writer("read");
    const auto buf = st.buffer();
    if (st.pos >= buf.size()) return {};
    std::size_t n = buf.size() - static_cast<std::size_t>(st.pos);
    if (size) n = std::min(n, *size);
    std::vector<std::byte> out(buf.begin() + static_cast<std::ptrdiff_t>(st.pos),
                               buf.begin() + static_cast<std::ptrdiff_t>(st.pos + n));
    st.pos += n;
    return out;
}

std::uint64_t MemoryFile::seek(std::int64_t offset, Whence whence) {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    std::int64_t base = 0;
    if (whence == Whence::cur) base = static_cast<std::int64_t>(st.pos);
    if (whence == Whence::end) {
        st.check_no_writer("seek from the end of");
        base = static_cast<std::int64_t>(st.buffer().size());
    }
    if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset)) {
        throw ArgumentError("cannot seek MemoryFile " + st.path + " to position " + std::to_string(base) + " + " +
                            std::to_string(offset) + ": the position would be negative");
    }
    st.pos = static_cast<std::uint64_t>(base + offset);
    return st.pos;
}

std::uint64_t MemoryFile::tell() const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    return st.pos;
}

std::span<const std::byte> MemoryFile::getbuffer() const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    st.check_no_writer("get the buffer of");
    return st.buffer();
}

std::span<const std::byte> MemoryFile::getbuffer(const std::string& name) const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    st.check_no_writer("get a buffer of");
    if (name.find('/') != std::string::npos || !detail::is_own_file(st.filename, name)) {
        throw IOError("MemoryFile " + st.path + " holds no file \"" + name + "\"", st.dir + "/" + name);
    }
    vsi_l_offset len = 0;
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    GByte* p = VSIGetMemFileBuffer((st.dir + "/" + name).c_str(), &len, FALSE);
    if (p == nullptr) throw IOError("MemoryFile " + st.path + " holds no file \"" + name + "\"", st.dir + "/" + name);
    return {reinterpret_cast<const std::byte*>(p), static_cast<std::size_t>(len)}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): GDAL's bytes viewed as std::byte
}

std::vector<std::string> MemoryFile::files() const {
    auto& st = state();
    std::lock_guard lock(st.mutex);
    st.check_open();
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    const CPLStringList names(VSIReadDir(st.dir.c_str()));
    std::vector<std::string> out;
    for (int i = 0; i < names.size(); ++i) {
        if (st.own_dir || detail::is_own_file(st.filename, names[i])) out.emplace_back(names[i]);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// ZipMemoryFile

namespace {
MemoryFileOptions zip_options(MemoryFileOptions o) {
    if (o.filename.empty() && (o.ext.size() < 4 || o.ext.compare(o.ext.size() - 4, 4, ".zip") != 0)) o.ext = ".zip";
    return o;
}
} // namespace

ZipMemoryFile::ZipMemoryFile(MemoryFile file) : m_file(std::move(file)) {}
ZipMemoryFile::ZipMemoryFile(std::span<const std::byte> bytes, MemoryFileOptions options)
    : m_file(bytes, zip_options(std::move(options))) {}
ZipMemoryFile::ZipMemoryFile(std::vector<std::byte>&& bytes, MemoryFileOptions options)
    : m_file(std::move(bytes), zip_options(std::move(options))) {}
ZipMemoryFile::ZipMemoryFile(std::vector<std::uint8_t>&& bytes, MemoryFileOptions options)
    : m_file(std::move(bytes), zip_options(std::move(options))) {}
ZipMemoryFile::ZipMemoryFile(std::string&& bytes, MemoryFileOptions options)
    : m_file(std::move(bytes), zip_options(std::move(options))) {}
ZipMemoryFile ZipMemoryFile::borrow(std::span<const std::byte> bytes, MemoryFileOptions options) {
    return ZipMemoryFile(MemoryFile::borrow(bytes, zip_options(std::move(options))));
}

std::string ZipMemoryFile::member_path(const std::string& path_in_zip) const {
    std::string member = path_in_zip;
    while (!member.empty() && member.front() == '/') member.erase(0, 1);
    if (member.empty()) throw ArgumentError("no member named: give the path of a file inside the zip");
    return "/vsizip/" + m_file.name() + "/" + member;
}

Dataset ZipMemoryFile::open(const std::string& path_in_zip, const Options& options) {
    auto& st = m_file.state();
    const std::shared_lock opening(st.open_mutex); // close() waits until the dataset is tracked
    {
        std::lock_guard lock(st.mutex);
        st.check_open();
    }
    const std::string p = member_path(path_in_zip);
    {
        VSIStatBufL stat;
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        if (VSIStatL(p.c_str(), &stat) != 0) {
            throw IOError("zip archive " + m_file.name() + " has no member \"" + path_in_zip + "\"", p, CPLE_OpenFailed);
        }
    }
    auto ds = detail::open_dataset(p, "r", options);
    st.track(ds);
    return Dataset(std::move(ds));
}

std::vector<std::string> ZipMemoryFile::namelist() const {
    auto& st = m_file.state();
    const std::shared_lock reading(st.open_mutex); // close() waits: the archive's bytes stay until the list is made
    {
        std::lock_guard lock(st.mutex);
        st.check_open();
    }
    const std::string root = "/vsizip/" + st.path;
    ErrorCapture errors(st.path);
    char** list = VSIReadDirRecursive(root.c_str());
    if (list == nullptr) {
        VSIStatBufL stat;
        if (VSIStatL(root.c_str(), &stat) != 0) errors.throw_io("cannot read the zip archive", st.path);
    }
    const CPLStringList names(list);
    std::vector<std::string> out;
    for (int i = 0; i < names.size(); ++i) {
        std::string n = names[i];
        if (!n.empty() && n.back() == '/') continue;
        VSIStatBufL stat;
        if (VSIStatL((root + "/" + n).c_str(), &stat) == 0 && VSI_ISDIR(stat.st_mode)) continue;
        out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace rastio
