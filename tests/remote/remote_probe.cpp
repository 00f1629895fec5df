// The remote tests' reader: opens a raster by URL (GDAL's /vsicurl/ through rastio::open) or
// through a ByteSource of its own over libcurl (--source), reads a window, and compares it with
// the same read of a local copy. Prints "identical=yes ..." (exit 0), "IOError: ..." (exit 2),
// "DIFFERENT ..." (exit 3) or another error (exit 4).
//
//   remote_probe URL LOCAL [--source] [--window COL,ROW,W,H] [--out-shape ROWS,COLS]
//                [--env KEY=VALUE]... [--timeout SECONDS]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <curl/curl.h>

#include <rastio/rastio.hpp>

#include "gtiff_direct.hpp" // private: how many reads the remote direct path served

namespace {

/// The user's own HTTP reader: one ranged GET per read, checked for status and length.
class CurlSource : public rastio::ByteSource {
public:
    CurlSource(std::string url, long timeout_s) : m_url(std::move(url)), m_timeout(timeout_s) {}

    std::uint64_t size() override {
        auto h = easy();
        curl_easy_setopt(h.get(), CURLOPT_NOBODY, 1L);
        perform(h.get(), "HEAD");
        check_status(h.get(), "HEAD", 200);
        curl_off_t len = -1;
        curl_easy_getinfo(h.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (len < 0) throw std::runtime_error("HEAD " + m_url + ": no Content-Length");
        return static_cast<std::uint64_t>(len);
    }

    void read_at(std::uint64_t offset, std::span<std::byte> out) override {
        if (out.empty()) return;
        auto h = easy();
        const std::string range = std::to_string(offset) + "-" + std::to_string(offset + out.size() - 1);
        Sink sink{out, 0, false};
        curl_easy_setopt(h.get(), CURLOPT_RANGE, range.c_str());
        curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &Sink::write);
        curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &sink);
        const std::string what = "GET bytes " + range;
        perform(h.get(), what);
        check_status(h.get(), what, 206);
        if (sink.overflow || sink.filled != out.size()) {
            throw std::runtime_error(what + " of " + m_url + ": got " + std::to_string(sink.filled) + " of " +
                                     std::to_string(out.size()) + " bytes");
        }
    }

    std::string name() const override { return m_url; }

private:
    struct Sink {
        std::span<std::byte> out;
        std::size_t filled;
        bool overflow;
        static size_t write(char* data, size_t size, size_t n, void* self) {
            auto* s = static_cast<Sink*>(self);
            const std::size_t len = size * n;
            if (len > s->out.size() - s->filled) {
                s->overflow = true; // a 200 with the whole file: refuse rather than copy past the span
                return 0;
            }
            std::memcpy(s->out.data() + s->filled, data, len);
            s->filled += len;
            return len;
        }
    };
    struct EasyDeleter {
        void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
    };
    std::unique_ptr<CURL, EasyDeleter> easy() const {
        std::unique_ptr<CURL, EasyDeleter> h(curl_easy_init());
        if (!h) throw std::runtime_error("curl_easy_init failed");
        curl_easy_setopt(h.get(), CURLOPT_URL, m_url.c_str());
        curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, m_timeout);
        curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h.get(), CURLOPT_NOPROXY, "*");
        return h;
    }
    void perform(CURL* h, const std::string& what) const {
        const CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
            throw std::runtime_error(what + " of " + m_url + ": " + curl_easy_strerror(rc));
        }
    }
    void check_status(CURL* h, const std::string& what, long want) const {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code != want) {
            throw std::runtime_error(what + " of " + m_url + ": HTTP " + std::to_string(code) + " (expected " +
                                     std::to_string(want) + ")");
        }
    }

    std::string m_url;
    long m_timeout;
};

std::vector<int> ints(const std::string& s) {
    std::vector<int> out;
    std::size_t at = 0;
    while (at <= s.size()) {
        const auto comma = s.find(',', at);
        out.push_back(std::stoi(s.substr(at, comma == std::string::npos ? std::string::npos : comma - at)));
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: remote_probe URL LOCAL [--source] [--window C,R,W,H] [--out-shape R,C] [--env K=V]...\n");
        return 4;
    }
    const std::string url = argv[1];
    const std::string local = argv[2];
    bool use_source = false;
    long timeout = 5;
    rastio::ReadOptions opts;
    std::map<std::string, std::string> env;
    try {
        for (int i = 3; i < argc; ++i) {
            const std::string a = argv[i];
            const std::string next = i + 1 < argc ? argv[i + 1] : "";
            if (a == "--source") {
                use_source = true;
            } else if (a == "--window") {
                const auto v = ints(next);
                if (v.size() != 4) throw std::invalid_argument("--window needs COL,ROW,W,H");
                opts.window = rastio::Window{v[0], v[1], v[2], v[3]};
                ++i;
            } else if (a == "--out-shape") {
                const auto v = ints(next);
                if (v.size() != 2) throw std::invalid_argument("--out-shape needs ROWS,COLS");
                opts.out_shape = std::pair{v[0], v[1]};
                ++i;
            } else if (a == "--env") {
                const auto eq = next.find('=');
                if (eq == std::string::npos) throw std::invalid_argument("--env needs KEY=VALUE");
                env[next.substr(0, eq)] = next.substr(eq + 1);
                ++i;
            } else if (a == "--timeout") {
                timeout = std::stol(next);
                ++i;
            } else {
                throw std::invalid_argument("unknown argument " + a);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_probe: %s\n", e.what());
        return 4;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 0;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        rastio::Env scoped(env);
        rastio::Dataset ds = use_source ? rastio::open(std::make_shared<CurlSource>(url, timeout)) : rastio::open(url);
        const auto got = ds.read(opts);
        ds.close();
        auto ref = rastio::open(local);
        const auto want = ref.read(opts);
        const bool same = got.shape() == want.shape() && got.dtype() == want.dtype() &&
                          std::memcmp(got.bytes().data(), want.bytes().data(), want.bytes().size()) == 0;
        const auto& s = got.shape();
        std::printf("%s shape=(%zu, %zu, %zu) registered=%zu direct=%llu\n", same ? "identical=yes" : "DIFFERENT", s[0],
                    s[1], s[2], rastio::registered_byte_sources(),
                    static_cast<unsigned long long>(rastio::detail::gtiff_remote_read_count()));
        rc = same ? 0 : 3;
    } catch (const rastio::IOError& e) {
        std::printf("IOError: %s\n", e.what());
        rc = 2;
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        rc = 4;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seconds=%.2f registered_after=%zu\n", secs, rastio::registered_byte_sources());
    curl_global_cleanup();
    return rc;
}
