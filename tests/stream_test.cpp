// Standard streams over a MemoryFile: MemoryFileBuf, MemoryFileStream, MemoryFile::write_to and
// MemoryFile(std::istream&) working together.

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

namespace {

std::string as_string(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
}

std::string read_all(std::istream& in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Exposes the get pointer, to check that reading views the MemoryFile's own bytes.
class PeekBuf : public rastio::MemoryFileBuf {
public:
    using rastio::MemoryFileBuf::MemoryFileBuf;
    const char* get_pointer() const { return gptr(); }
};

/// A temporary file holding `bytes`, removed on destruction.
class TempFile {
public:
    explicit TempFile(std::span<const std::byte> bytes)
        : m_path(std::filesystem::temp_directory_path() /
                 ("rastio-stream-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) + ".tif")) {
        std::ofstream out(m_path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    TempFile(TempFile&&) = delete;
    TempFile& operator=(TempFile&&) = delete;
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
    std::string path() const { return m_path.string(); }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::filesystem::path m_path;
};

} // namespace

TEST(StreamTest, IstreamReadsEveryByteOfTheMemoryFile) {
    const auto bytes = rastio::test::make_gtiff(64, 32, 3, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"});
    rastio::MemoryFile mf(bytes);
    rastio::MemoryFileBuf buf(mf);
    std::istream in(&buf);
    const std::string got = read_all(in);
    EXPECT_EQ(got, as_string(bytes));
    EXPECT_EQ(got, as_string(mf.getbuffer()));
}

TEST(StreamTest, ReadingViewsTheBytesInPlaceWithNoCopy) {
    const auto bytes = rastio::test::make_gtiff(16, 16, 1);
    rastio::MemoryFile mf(bytes);
    PeekBuf buf(mf);
    std::istream in(&buf);
    in.seekg(8);
    ASSERT_EQ(in.get(), static_cast<int>(static_cast<unsigned char>(bytes[8])));
    const auto view = mf.getbuffer();
    const auto* p = reinterpret_cast<const char*>(view.data()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): comparing addresses
    EXPECT_EQ(buf.get_pointer(), p + 9);
}

TEST(StreamTest, SeekgAndTellgMoveAnywhereInTheBytes) {
    const auto bytes = rastio::test::make_gtiff(64, 64, 2);
    const std::string expected = as_string(bytes);
    rastio::MemoryFile mf(bytes);
    rastio::MemoryFileStream in(mf);

    in.seekg(100);
    EXPECT_EQ(in.tellg(), std::streampos(100));
    std::string piece(10, '\0');
    ASSERT_TRUE(in.read(piece.data(), 10));
    EXPECT_EQ(piece, expected.substr(100, 10));
    EXPECT_EQ(in.tellg(), std::streampos(110));

    in.seekg(-4, std::ios::end);
    std::string tail(4, '\0');
    ASSERT_TRUE(in.read(tail.data(), 4));
    EXPECT_EQ(tail, expected.substr(expected.size() - 4));
    EXPECT_EQ(in.tellg(), std::streampos(static_cast<std::streamoff>(expected.size())));

    in.seekg(-20, std::ios::cur);
    EXPECT_EQ(in.tellg(), std::streampos(static_cast<std::streamoff>(expected.size() - 20)));
    EXPECT_EQ(read_all(in), expected.substr(expected.size() - 20));

    in.clear();
    in.seekg(0);
    EXPECT_EQ(read_all(in), expected); // rewinding reads the whole file again

    in.clear();
    in.seekg(-1, std::ios::beg);
    EXPECT_TRUE(in.fail()) << "a negative position is refused";

    in.clear();
    in.seekg(static_cast<std::streamoff>(expected.size()) + 50);
    EXPECT_EQ(in.get(), std::char_traits<char>::eof()) << "past the end there is nothing to read";
}

TEST(StreamTest, RdbufCopiesAFileIntoAnEmptyMemoryFileThatOpensAsTheSameRaster) {
    const auto bytes = rastio::test::make_gtiff(300, 200, 3, {"COMPRESS=DEFLATE", "TILED=YES"});
    TempFile file(bytes);
    rastio::MemoryFile mf;
    {
        std::ifstream in(file.path(), std::ios::binary);
        ASSERT_TRUE(in);
        rastio::MemoryFileBuf buf(mf);
        std::ostream out(&buf);
        out << in.rdbuf();
        out.flush();
        ASSERT_TRUE(out);
    }
    EXPECT_EQ(as_string(mf.getbuffer()), as_string(bytes));
    EXPECT_EQ(mf.tell(), bytes.size()) << "the MemoryFile's cursor follows the stream";

    rastio::MemoryFile reference(bytes);
    auto ds = mf.open();
    auto ref = reference.open();
    EXPECT_EQ(ds.width(), 300);
    EXPECT_EQ(ds.height(), 200);
    EXPECT_EQ(ds.count(), 3);
    EXPECT_EQ(ds.crs().to_epsg(), 32618);
    EXPECT_TRUE(ds.read() == ref.read());
}

TEST(StreamTest, SmallWritesAreBufferedUntilFlush) {
    rastio::MemoryFile mf;
    rastio::MemoryFileBuf buf(mf);
    std::ostream out(&buf);
    out << "abc" << 42 << ' ' << 1.5;
    EXPECT_TRUE(mf.getbuffer().empty()) << "nothing reaches the MemoryFile before a flush";
    out.flush();
    EXPECT_EQ(as_string(mf.getbuffer()), "abc42 1.5");
}

TEST(StreamTest, PiecesOfEverySizeArriveInOrder) {
    std::string expected;
    for (int i = 0; i < 300000; ++i) expected.push_back(static_cast<char>((i * 131 + i / 7) % 256));
    rastio::MemoryFile mf;
    {
        rastio::MemoryFileBuf buf(mf);
        std::ostream out(&buf);
        const std::size_t sizes[] = {1, 7, 40000, 100000, 3, rastio::MemoryFileBuf::write_buffer_size, 65535, 1};
        std::size_t done = 0;
        for (std::size_t i = 0; done < expected.size(); ++i) {
            const std::size_t n = std::min(sizes[i % std::size(sizes)], expected.size() - done);
            out.write(expected.data() + done, static_cast<std::streamsize>(n));
            done += n;
        }
        ASSERT_TRUE(out.flush());
    }
    EXPECT_EQ(as_string(mf.getbuffer()), expected);
}

TEST(StreamTest, OneStreamWritesSeeksAndReadsBack) {
    rastio::MemoryFile mf;
    rastio::MemoryFileStream s(mf);
    s << "hello world";
    s.seekg(6);
    std::string word;
    s >> word;
    EXPECT_EQ(word, "world") << "a read sees the pending writes";
    s.clear();
    s.seekp(0);
    s << 'J';
    s.seekg(0);
    EXPECT_EQ(read_all(s), "Jello world");
    s.clear();
    s.flush();
    EXPECT_EQ(as_string(mf.getbuffer()), "Jello world");
}

TEST(StreamTest, SeekingPastTheEndAndWritingZeroFillsTheGap) {
    rastio::MemoryFile mf;
    rastio::MemoryFileStream s(mf);
    s.seekp(10);
    s << 'x' << std::flush;
    ASSERT_TRUE(s);
    EXPECT_EQ(as_string(mf.getbuffer()), std::string(10, '\0') + "x");
}

TEST(StreamTest, ThePositionStartsAtAndReturnsToTheMemoryFilesCursor) {
    const auto bytes = rastio::test::make_gtiff(16, 16, 1);
    rastio::MemoryFile mf(bytes);
    mf.seek(5);
    {
        rastio::MemoryFileBuf buf(mf);
        std::istream in(&buf);
        EXPECT_EQ(in.tellg(), std::streampos(5));
        EXPECT_EQ(in.get(), static_cast<int>(static_cast<unsigned char>(bytes[5])));
        in.ignore(10);
        EXPECT_EQ(mf.tell(), 5U) << "handed back only on sync";
        in.sync();
        EXPECT_EQ(mf.tell(), 16U);
        in.ignore(4);
    }
    EXPECT_EQ(mf.tell(), 20U) << "handed back on destruction";
    const auto next = mf.read(1);
    ASSERT_EQ(next.size(), 1U);
    EXPECT_EQ(next[0], bytes[20]);
}

TEST(StreamTest, WritingToAReadOnlyMemoryFileFailsAtOnceWithModeError) {
    const std::string text = "read-only bytes";
    rastio::MemoryFile mf(text);
    rastio::MemoryFileBuf buf(mf);
    std::ostream out(&buf);
    out << 'x';
    EXPECT_TRUE(out.bad()) << "the failure is not deferred to a flush";
    out.clear();
    out.exceptions(std::ios::badbit);
    EXPECT_THROW(out << "more", rastio::ModeError);
    EXPECT_EQ(as_string(mf.getbuffer()), text);
}

TEST(StreamTest, ReadingAClosedMemoryFileFailsWithClosedError) {
    rastio::MemoryFile mf(std::string("some bytes"));
    rastio::MemoryFileBuf buf(mf);
    std::istream in(&buf);
    mf.close();
    EXPECT_EQ(in.get(), std::char_traits<char>::eof());
    EXPECT_TRUE(in.bad());
    in.clear();
    in.exceptions(std::ios::badbit);
    EXPECT_THROW(in.get(), rastio::ClosedError);
}

TEST(StreamTest, ReadingWhileADatasetWritesTheFileFailsWithModeError) {
    rastio::MemoryFile mf;
    auto ds = mf.open(rastio::Profile{.driver = "GTiff", .width = 8, .height = 8, .count = 1, .dtype = rastio::DType::uint8});
    rastio::MemoryFileBuf buf(mf);
    std::istream in(&buf);
    in.exceptions(std::ios::badbit);
    EXPECT_THROW(in.get(), rastio::ModeError);
    ds.close();
    in.clear();
    in.seekg(0);
    EXPECT_EQ(read_all(in), as_string(mf.getbuffer())) << "readable once the dataset is closed";
    EXPECT_GT(mf.getbuffer().size(), 8U);
}

TEST(StreamTest, WriteToWritesTheWholeFileWhateverTheCursor) {
    const auto bytes = rastio::test::make_gtiff(40, 30, 2, {"COMPRESS=LZW"});
    rastio::MemoryFile mf(bytes);
    mf.seek(17);
    std::ostringstream os;
    EXPECT_EQ(mf.write_to(os), bytes.size());
    EXPECT_EQ(os.str(), as_string(bytes));
    EXPECT_EQ(mf.tell(), 17U) << "write_to does not move the cursor";
}

TEST(StreamTest, WriteToAFailedStreamThrowsIOError) {
    rastio::MemoryFile mf(std::string("abc"));
    std::ofstream closed_file;
    EXPECT_THROW(mf.write_to(closed_file), rastio::IOError);
    mf.close();
    std::ostringstream os;
    EXPECT_THROW(mf.write_to(os), rastio::ClosedError);
}

TEST(StreamTest, StreamToStreamRoundTripThroughTwoMemoryFiles) {
    const auto bytes = rastio::test::make_gtiff(128, 96, 3, {"COMPRESS=DEFLATE"});
    rastio::MemoryFile first(bytes);
    rastio::MemoryFileStream in(first);
    rastio::MemoryFile second(in); // MemoryFile(std::istream&) reads it all
    EXPECT_EQ(as_string(second.getbuffer()), as_string(bytes));

    rastio::MemoryFile third;
    {
        rastio::MemoryFileStream out(third);
        EXPECT_EQ(second.write_to(out), bytes.size());
    }
    EXPECT_EQ(as_string(third.getbuffer()), as_string(bytes));
    auto a = first.open();
    auto c = third.open();
    EXPECT_TRUE(a.read() == c.read());
}
