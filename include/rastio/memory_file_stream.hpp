#pragma once
/// Standard streams over a MemoryFile: read its bytes with std::istream, write them with std::ostream.

#include <cstdint>
#include <istream>
#include <memory>
#include <streambuf>

#include <rastio/memory_file.hpp>

namespace rastio {

/// A std::streambuf over a MemoryFile, for reading (zero-copy: the get area is the file's own
/// bytes) and, on a writable MemoryFile, for writing through MemoryFile::write().
/// Borrows: the MemoryFile must outlive the buffer and not be moved; reading views the bytes in
/// place, so write to or close the MemoryFile only through this buffer while it reads.
/// The position starts at the MemoryFile's cursor, is shared by reading and writing (as
/// std::filebuf), and is handed back to the MemoryFile's cursor on pubsync() and destruction.
/// Errors are rastio exceptions: an istream/ostream turns them into badbit, or rethrows them
/// when exceptions(badbit) is set.
///
/// Example:
///     rastio::MemoryFile mf;                      // empty, writable
///     rastio::MemoryFileBuf buf(mf);
///     std::ostream out(&buf);
///     out << std::ifstream("x.tif", std::ios::binary).rdbuf() << std::flush;
///     std::istream in(&buf);
///     in.seekg(0);                                // read it back, with seekg/tellg
class MemoryFileBuf : public std::streambuf {
public:
    /// Bytes buffered before a write() to the MemoryFile.
    static constexpr std::size_t write_buffer_size = 64 * 1024;

    explicit MemoryFileBuf(MemoryFile& file);
    MemoryFileBuf(const MemoryFileBuf&) = delete;
    MemoryFileBuf& operator=(const MemoryFileBuf&) = delete;
    MemoryFileBuf(MemoryFileBuf&&) = delete;
    MemoryFileBuf& operator=(MemoryFileBuf&&) = delete;
    /// Flushes pending writes, swallowing errors: flush the stream to learn whether they landed.
    ~MemoryFileBuf() override;

    /// The MemoryFile read and written.
    MemoryFile& file() const noexcept { return *m_file; }

protected:
    int_type underflow() override;
    std::streamsize showmanyc() override;
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char_type* s, std::streamsize n) override;
    pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override;
    pos_type seekpos(pos_type pos, std::ios_base::openmode which) override;
    int sync() override;

private:
    /// The current position, whichever of the get area, put area or m_pos holds it.
    std::uint64_t position() const;
    /// Leaves neither a get area nor a put area, writing pending bytes; m_pos is the position.
    void settle();
    void write_at(std::uint64_t pos, const char* data, std::size_t size);

    MemoryFile* m_file;
    std::uint64_t m_pos = 0;       // the position when there is no get or put area
    std::uint64_t m_put_start = 0; // file offset of pbase() while a put area is set
    std::unique_ptr<char[]> m_put; // write_buffer_size bytes, allocated on the first write
};

/// A std::iostream over a MemoryFile, owning its MemoryFileBuf (as std::stringstream owns its buffer).
/// Borrows: the MemoryFile must outlive the stream and not be moved.
class MemoryFileStream : public std::iostream {
public:
    explicit MemoryFileStream(MemoryFile& file) : std::iostream(nullptr), m_buf(file) { rdbuf(&m_buf); }
    MemoryFileStream(const MemoryFileStream&) = delete;
    MemoryFileStream& operator=(const MemoryFileStream&) = delete;
    MemoryFileStream(MemoryFileStream&&) = delete;
    MemoryFileStream& operator=(MemoryFileStream&&) = delete;
    ~MemoryFileStream() override = default;

    MemoryFileBuf* rdbuf() const noexcept { return const_cast<MemoryFileBuf*>(&m_buf); } // NOLINT(cppcoreguidelines-pro-type-const-cast): std::stringstream's signature
    using std::iostream::rdbuf;

private:
    MemoryFileBuf m_buf;
};

} // namespace rastio
