// Creates a GeoTIFF in a MemoryFile and uploads it with an HTTP POST (libcurl), streaming the
// bytes straight out of the MemoryFile: rasterio's `requests.post(url, data=memfile)`, in C++.
//
//     post_geotiff URL [COPY_PATH]
//
// COPY_PATH, when given, receives a copy of the bytes sent (MemoryFile::write_to), so that a test
// can compare them with what the server received.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <istream>
#include <memory>
#include <string>

#include <curl/curl.h>

#include <rastio/rastio.hpp>

namespace {

struct CurlDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

/// libcurl asks for the next piece of the body: copy it from the MemoryFile's bytes (viewed in
/// place by the MemoryFileBuf) straight into curl's buffer. No other copy is made.
std::size_t read_body(char* dest, std::size_t size, std::size_t nitems, void* userdata) {
    auto* body = static_cast<std::istream*>(userdata);
    body->read(dest, static_cast<std::streamsize>(size * nitems));
    if (body->bad()) return CURL_READFUNC_ABORT;
    return static_cast<std::size_t>(body->gcount());
}

/// The server's reply, kept short: it is only printed.
std::size_t keep_reply(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
    auto* reply = static_cast<std::string*>(userdata);
    const std::size_t n = size * nmemb;
    reply->append(data, std::min<std::size_t>(n, 4096 - std::min<std::size_t>(reply->size(), 4096)));
    return n;
}

/// A 3-band 512x512 uint8 GeoTIFF of noisy pixels, deflate-compressed and tiled, made in memory.
rastio::MemoryFile make_geotiff(std::uint64_t& pixel_sum) {
    rastio::MemoryFile mf;
    rastio::Array<std::uint8_t> pixels({3, 512, 512});
    pixel_sum = 0;
    std::uint32_t noise = 2463534242U; // xorshift32: noise that deflate cannot shrink much
    for (std::size_t b = 0; b < 3; ++b) {
        for (std::size_t r = 0; r < 512; ++r) {
            for (std::size_t c = 0; c < 512; ++c) {
                noise ^= noise << 13;
                noise ^= noise >> 17;
                noise ^= noise << 5;
                pixels(b, r, c) = static_cast<std::uint8_t>((r + c) / 4 + (noise & 0x3fU));
                pixel_sum += pixels(b, r, c);
            }
        }
    }
    auto dst = mf.open(rastio::Profile{.driver = "GTiff", .width = 512, .height = 512, .count = 3,
                                       .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32618),
                                       .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30),
                                       .options = {{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}}});
    dst.write(pixels);
    dst.close(); // the bytes are complete once the dataset closes
    return mf;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: post_geotiff URL [COPY_PATH]\n");
        return 2;
    }
    const std::string url = argv[1];
    try {
        std::uint64_t pixel_sum = 0;
        rastio::MemoryFile mf = make_geotiff(pixel_sum);
        std::printf("raster: width=512 height=512 count=3 dtype=uint8 crs=EPSG:32618 sum=%llu\n",
                    static_cast<unsigned long long>(pixel_sum));
        if (argc == 3) {
            std::ofstream copy(argv[2], std::ios::binary);
            mf.write_to(copy);
            copy.close();
            if (!copy) throw rastio::IOError(std::string("cannot write ") + argv[2], argv[2]);
        }

        rastio::MemoryFileStream body(mf); // a std::istream over the MemoryFile's bytes
        std::string reply;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
        std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
        if (!curl) throw std::runtime_error("curl_easy_init failed");
        curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: image/tiff");
        raw_headers = curl_slist_append(raw_headers, "Expect:"); // no 100-continue round trip
        std::unique_ptr<curl_slist, CurlDeleter> headers(raw_headers);

        CURL* h = curl.get();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(h, CURLOPT_READDATA, static_cast<std::istream*>(&body));
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(mf.size())); // Content-Length
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_reply);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
        curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
        char error[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

        const CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_off_t sent = 0;
        curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &sent);
        curl.reset();
        curl_global_cleanup();
        if (rc != CURLE_OK) {
            std::fprintf(stderr, "post_geotiff: error: POST %s failed: %s\n", url.c_str(),
                         *error ? error : curl_easy_strerror(rc));
            return 1;
        }
        std::printf("POST %s: HTTP %ld, sent %lld of %llu bytes\n", url.c_str(), status, static_cast<long long>(sent),
                    static_cast<unsigned long long>(mf.size()));
        std::printf("reply: %s\n", reply.c_str());
        return static_cast<std::uint64_t>(sent) == mf.size() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "post_geotiff: error: %s\n", e.what());
        return 1;
    }
}
