// Downloads a raster with an HTTP GET (libcurl), writing each chunk into an empty MemoryFile as it
// arrives, then opens and reads it: no temp file, no second buffer.
//
//     fetch_and_read URL [REFERENCE_PATH]
//
// With REFERENCE_PATH, the download must equal that file: the same bytes, and, opened, the same
// raster (size, bands, dtypes, CRS, transform, nodata, pixels). Exit status 1 when it does not.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include <rastio/rastio.hpp>

namespace {

struct CurlDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};

struct Download {
    rastio::MemoryFile* file = nullptr;
    std::size_t chunks = 0;
    std::exception_ptr error; // an exception cannot cross libcurl's C frames: kept for after
};

/// libcurl hands over the next chunk of the body: append it to the MemoryFile.
std::size_t write_chunk(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
    auto* dl = static_cast<Download*>(userdata);
    try {
        ++dl->chunks;
        return dl->file->write(std::string_view(data, size * nmemb));
    } catch (...) {
        dl->error = std::current_exception();
        return 0; // tells libcurl to stop
    }
}

/// One line describing a dataset; equal lines mean equal metadata.
std::string describe(const rastio::Dataset& ds) {
    std::string dtypes;
    for (auto t : ds.dtypes()) dtypes += (dtypes.empty() ? "" : ",") + std::string(rastio::to_string(t));
    const auto nodata = ds.nodata();
    return ds.driver() + " width=" + std::to_string(ds.width()) + " height=" + std::to_string(ds.height()) +
           " count=" + std::to_string(ds.count()) + " dtypes=" + dtypes + " crs=" + ds.crs().to_string() +
           " transform=" + ds.transform().to_string() + " nodata=" + (nodata ? std::to_string(*nodata) : "none");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: fetch_and_read URL [REFERENCE_PATH]\n");
        return 2;
    }
    const std::string url = argv[1];
    try {
        rastio::MemoryFile mf; // empty and writable: write() appends at the cursor
        Download dl{.file = &mf};

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
        std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
        if (!curl) throw std::runtime_error("curl_easy_init failed");
        CURL* h = curl.get();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_chunk);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &dl);
        curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(1) << 30); // refuse over 1 GiB
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
        char error[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
        const CURLcode rc = curl_easy_perform(h);
        curl.reset();
        curl_global_cleanup();
        if (dl.error) std::rethrow_exception(dl.error);
        if (rc != CURLE_OK) {
            std::fprintf(stderr, "fetch_and_read: error: GET %s failed: %s\n", url.c_str(),
                         *error ? error : curl_easy_strerror(rc));
            return 1;
        }
        std::printf("GET %s: %llu bytes in %zu chunks\n", url.c_str(), static_cast<unsigned long long>(mf.size()),
                    dl.chunks);

        auto ds = mf.open();
        const rastio::AnyArray pixels = ds.read();
        const std::string got = describe(ds);
        std::printf("read: %s\n", got.c_str());
        if (argc == 2) return 0;

        // Checked against the reference file: same bytes, same raster.
        std::ifstream ref_in(argv[2], std::ios::binary);
        if (!ref_in) throw rastio::IOError(std::string("cannot open ") + argv[2], argv[2]);
        const std::string ref_bytes{std::istreambuf_iterator<char>(ref_in), std::istreambuf_iterator<char>()};
        const auto buf = mf.getbuffer();
        const bool same_bytes = std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()) == ref_bytes; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
        auto ref = rastio::open(argv[2]);
        const bool same_meta = describe(ref) == got;
        const bool same_pixels = ref.read() == pixels;
        std::printf("against %s: bytes %s, metadata %s, pixels %s\n", argv[2], same_bytes ? "identical" : "DIFFERENT",
                    same_meta ? "identical" : "DIFFERENT", same_pixels ? "identical" : "DIFFERENT");
        return same_bytes && same_meta && same_pixels ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fetch_and_read: error: %s\n", e.what());
        return 1;
    }
}
