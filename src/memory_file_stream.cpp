#include <rastio/memory_file_stream.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <ostream>

#include <rastio/error.hpp>

namespace rastio {

namespace {

std::span<const std::byte> as_bytes(const char* data, std::size_t size) noexcept {
    return {reinterpret_cast<const std::byte*>(data), size}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): chars viewed as bytes
}

} // namespace

// MemoryFile::write_to lives here, beside the streams, to keep <ostream> out of memory_file.cpp.
std::uint64_t MemoryFile::write_to(std::ostream& out) const {
    const auto bytes = getbuffer();
    constexpr auto max_chunk = static_cast<std::size_t>(std::numeric_limits<std::streamsize>::max());
    std::size_t done = 0;
    while (done < bytes.size() && out) {
        const std::size_t n = std::min(bytes.size() - done, max_chunk);
        out.write(reinterpret_cast<const char*>(bytes.data() + done), static_cast<std::streamsize>(n)); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
        done += n;
    }
    if (!out) {
        throw IOError("cannot write MemoryFile " + name() + " to the stream: the stream failed after " +
                          std::to_string(done) + " of " + std::to_string(bytes.size()) + " bytes",
                      name());
    }
    return bytes.size();
}

MemoryFileBuf::MemoryFileBuf(MemoryFile& file) : m_file(&file), m_pos(file.tell()) {}

MemoryFileBuf::~MemoryFileBuf() {
    try {
        sync();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor cannot report; flushing the stream does
    }
}

std::uint64_t MemoryFileBuf::position() const {
    if (eback() != nullptr) return static_cast<std::uint64_t>(gptr() - eback());
    if (pbase() != nullptr) return m_put_start + static_cast<std::uint64_t>(pptr() - pbase());
    return m_pos;
}

void MemoryFileBuf::write_at(std::uint64_t pos, const char* data, std::size_t size) {
    if (size == 0) return;
    m_file->seek(static_cast<std::int64_t>(pos));
    m_file->write(as_bytes(data, size));
}

void MemoryFileBuf::settle() {
    m_pos = position();
    setg(nullptr, nullptr, nullptr);
    if (pbase() != nullptr) {
        const char* start = pbase();
        const auto pending = static_cast<std::size_t>(pptr() - pbase());
        setp(nullptr, nullptr); // dropped even if the write throws: a failed write is reported once
        write_at(m_put_start, start, pending);
    }
}

MemoryFileBuf::int_type MemoryFileBuf::underflow() {
    if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
    settle();
    const auto bytes = m_file->getbuffer();
    if (m_pos >= bytes.size()) return traits_type::eof();
    // The get area is the whole file, viewed in place: its start is offset 0, so gptr() - eback()
    // is the position. The view is never written through (pbackfail keeps the default: no put-back
    // of a different character).
    char* base = const_cast<char*>(reinterpret_cast<const char*>(bytes.data())); // NOLINT: read-only view, see above
    setg(base, base + m_pos, base + bytes.size());
    return traits_type::to_int_type(*gptr());
}

std::streamsize MemoryFileBuf::showmanyc() {
    settle();
    const auto size = m_file->getbuffer().size();
    if (m_pos >= size) return -1;
    return static_cast<std::streamsize>(std::min<std::uint64_t>(size - m_pos, std::numeric_limits<std::streamsize>::max()));
}

MemoryFileBuf::int_type MemoryFileBuf::overflow(int_type c) {
    settle();
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    if (m_file->mode() == "r") {
        // Read-only: let MemoryFile::write report it (ModeError) at once, not at the next flush.
        const char ch = traits_type::to_char_type(c);
        write_at(m_pos, &ch, 1);
        return c;
    }
    if (!m_put) m_put = std::make_unique<char[]>(write_buffer_size);
    m_put_start = m_pos;
    setp(m_put.get(), m_put.get() + write_buffer_size);
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
    return c;
}

std::streamsize MemoryFileBuf::xsputn(const char_type* s, std::streamsize n) {
    if (n <= 0) return 0;
    const auto size = static_cast<std::size_t>(n);
    if (pbase() != nullptr && size <= static_cast<std::size_t>(epptr() - pptr())) {
        std::memcpy(pptr(), s, size);
        pbump(static_cast<int>(n)); // n <= write_buffer_size here
        return n;
    }
    if (size < write_buffer_size / 2) return std::streambuf::xsputn(s, n); // buffers through overflow()
    // A large piece goes straight into the MemoryFile, with no copy through the put area.
    settle();
    write_at(m_pos, s, size);
    m_pos += size;
    return n;
}

MemoryFileBuf::pos_type MemoryFileBuf::seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) {
    settle();
    std::int64_t base = 0;
    if (dir == std::ios_base::cur) base = static_cast<std::int64_t>(m_pos);
    if (dir == std::ios_base::end) base = static_cast<std::int64_t>(m_file->getbuffer().size());
    const auto offset = static_cast<std::int64_t>(off);
    if ((offset < 0 && base + offset < 0) || (offset > 0 && base > std::numeric_limits<std::int64_t>::max() - offset)) {
        return pos_type(off_type(-1));
    }
    m_pos = static_cast<std::uint64_t>(base + offset);
    return pos_type(static_cast<off_type>(m_pos));
}

MemoryFileBuf::pos_type MemoryFileBuf::seekpos(pos_type pos, std::ios_base::openmode which) {
    return seekoff(off_type(pos), std::ios_base::beg, which);
}

int MemoryFileBuf::sync() {
    settle();
    m_file->seek(static_cast<std::int64_t>(m_pos));
    return 0;
}

} // namespace rastio
