// The one place a user's `url` or body becomes something GDAL opens.
#include "sources.hpp"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <curl/curl.h>

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <rastio/error.hpp>

#include "types.hpp"

namespace rastio::serve {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

[[noreturn]] void refuse(const std::string& why) { bad_param("url", why); }

// The host of an http(s) URL after its scheme; refuses user info and IPv6 literals.
std::string url_host(const std::string& rest) {
    const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string::npos) refuse("user names and passwords in URLs are not allowed");
    if (authority.find('[') != std::string::npos) refuse("IPv6 literal hosts are not allowed");
    const std::string host = authority.substr(0, authority.find(':'));
    if (host.empty()) refuse("the URL has no host");
    return lower(host);
}

} // namespace

SourcePolicy::SourcePolicy(const Config& config) {
    std::error_code ec;
    const fs::path root = fs::canonical(config.root.empty() ? fs::path(".") : fs::path(config.root), ec);
    if (ec || !fs::is_directory(root, ec)) throw std::invalid_argument("--root " + config.root + " is not a folder");
    m_root = root.string();
    while (m_root.size() > 1 && m_root.back() == '/') m_root.pop_back();
    for (const auto& h : config.allow_hosts) m_allow_hosts.push_back(lower(h));
    for (const auto& d : config.drivers) {
        // COG is a write-only driver in GDAL 3.6: a COG reads as a GTiff.
        const std::string name = d == "COG" ? "GTiff" : d;
        if (std::find(m_drivers.begin(), m_drivers.end(), name) == m_drivers.end()) m_drivers.push_back(name);
    }
}

std::string SourcePolicy::resolve(const std::string& url) const {
    if (url.empty()) refuse("required: a path under the served folder or an http(s) URL");
    if (url.size() > 4096) refuse("longer than 4096 characters");
    for (const unsigned char c : url) {
        if (c < 0x20 || c == 0x7f) refuse("control characters are not allowed");
    }
    const std::string low = lower(url);
    if (low.find("/vsi") != std::string::npos || low.find("\\") != std::string::npos) {
        refuse("GDAL virtual file systems (/vsi...) are not allowed");
    }
    if (starts_with(low, "http://") || starts_with(low, "https://")) {
        check_remote(url, "");
        return "/vsicurl/" + url;
    }
    if (low.find("://") != std::string::npos) refuse("only http(s) URLs and paths under the served folder are allowed");
    if (url.find(':') != std::string::npos) refuse("GDAL connection strings and driver prefixes (NAME:...) are not allowed");
    if (url.find_first_of("<>{}|") != std::string::npos) refuse("inline datasets (XML, JSON) are not allowed");
    const fs::path given(url);
    for (const auto& part : given) {
        if (part == "..") refuse("'..' is not allowed in paths");
    }
    const fs::path full = given.is_absolute() ? given : fs::path(m_root) / given;
    std::error_code ec;
    const fs::path real = fs::canonical(full, ec); // follows symlinks: a link out of the root lands outside
    if (ec) throw HttpError(404, "url: no such file: " + url);
    const std::string r = real.string();
    if (!starts_with(r, m_root + "/")) refuse("outside the served folder");
    if (!fs::is_regular_file(real, ec)) throw HttpError(404, "url: not a file: " + url);
    return r;
}

void SourcePolicy::check_remote(const std::string& url, const std::string& redirected_from) const {
    // "host h is not allowed" for the user's URL; "U redirects to host h, which is not allowed"
    // for a hop.
    const std::string hop = redirected_from.empty() ? "" : redirected_from + " redirects to ";
    const std::string low = lower(url);
    if (!starts_with(low, "http://") && !starts_with(low, "https://")) refuse(hop + "a URL that is not http(s)");
    for (const unsigned char c : url) {
        if (c < 0x20 || c == 0x7f) refuse(hop + "a URL with control characters");
    }
    const std::string host = url_host(url.substr(url.find("://") + 3));
    if (std::find(m_allow_hosts.begin(), m_allow_hosts.end(), host) == m_allow_hosts.end()) {
        refuse(hop + "host " + host + (hop.empty() ? " is" : ", which is") +
               " not allowed (the server allows it with --allow-host " + host + ")");
    }
    if (url.size() > 4096) refuse(hop + "a URL longer than 4096 characters");
    if (url.find_first_of(" \"'<>{}|^`") != std::string::npos) refuse(hop + "a URL with characters that must be escaped");
}

std::string SourcePolicy::follow_redirects(const std::string& gdal_path) const {
    constexpr std::string_view prefix = "/vsicurl/";
    std::string current = gdal_path.substr(prefix.size());
    for (int hop = 0; hop <= max_redirects; ++hop) {
        const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), &curl_easy_cleanup);
        if (!h) throw HttpError(503, "url: no HTTP client available");
        curl_easy_setopt(h.get(), CURLOPT_URL, current.c_str());
        curl_easy_setopt(h.get(), CURLOPT_NOBODY, 1L);
        curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, 10000L);
        const CURLcode rc = curl_easy_perform(h.get());
        if (rc != CURLE_OK) throw HttpError(404, std::string("url: cannot reach the URL: ") + curl_easy_strerror(rc));
        long code = 0;
        curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &code);
        char* location = nullptr;
        curl_easy_getinfo(h.get(), CURLINFO_REDIRECT_URL, &location);
        if (code < 300 || code >= 400 || location == nullptr) return std::string(prefix) + current;
        const std::string next = location;
        check_remote(next, current);
        current = next;
    }
    refuse("more than " + std::to_string(max_redirects) + " redirects");
}

void SourcePolicy::check_driver(const std::string& gdal_path) const {
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    CPLErrorStateBackuper keep;
    GDALDriverH d = GDALIdentifyDriverEx(gdal_path.c_str(), GDAL_OF_RASTER, nullptr, nullptr);
    if (d == nullptr) refuse("not a raster GDAL can read");
    const std::string name = GDALGetDriverShortName(d);
    if (std::find(m_drivers.begin(), m_drivers.end(), name) == m_drivers.end()) {
        refuse("the " + name + " driver is not allowed here (the server opens only what --drivers lists)");
    }
}

const Dataset& DatasetCache::get(const SourcePolicy& policy, const std::string& asked) {
    std::string gdal_path = asked;
    std::int64_t mtime = 0;
    std::uint64_t size = 0;
    if (starts_with(asked, "/vsicurl/")) {
        // GDAL is given the URL at the end of the redirects, each hop checked (see
        // follow_redirects), learnt once per URL and worker.
        auto it = m_redirects.find(asked);
        if (it == m_redirects.end()) {
            if (m_redirects.size() >= 256) m_redirects.clear();
            it = m_redirects.emplace(asked, policy.follow_redirects(asked)).first;
        }
        gdal_path = it->second;
    }
    if (starts_with(gdal_path, "/vsicurl/")) {
        VSIStatBufL st;
        CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
        if (VSIStatExL(gdal_path.c_str(), &st, VSI_STAT_SIZE_FLAG) != 0) throw HttpError(404, "url: cannot reach the URL");
        mtime = static_cast<std::int64_t>(st.st_mtime);
        size = static_cast<std::uint64_t>(st.st_size);
    } else {
        std::error_code ec;
        const auto t = fs::last_write_time(gdal_path, ec);
        const auto n = fs::file_size(gdal_path, ec);
        if (ec) throw HttpError(404, "url: the file went away");
        mtime = static_cast<std::int64_t>(t.time_since_epoch().count());
        size = n;
    }
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        if (it->path != gdal_path) continue;
        if (it->mtime == mtime && it->size == size) {
            m_entries.splice(m_entries.begin(), m_entries, it);
            return m_entries.front().dataset;
        }
        m_entries.erase(it); // changed since it was opened: reopen
        break;
    }
    policy.check_driver(gdal_path);
    Entry e{gdal_path, mtime, size, {}};
    try {
        e.dataset = rastio::open(gdal_path);
    } catch (const rastio::Error& err) {
        throw HttpError(400, std::string("url: cannot open the raster: ") + err.what());
    }
    ++m_opens;
    const auto& allowed = policy.drivers();
    if (std::find(allowed.begin(), allowed.end(), e.dataset.driver()) == allowed.end()) {
        throw HttpError(400, "url: the " + e.dataset.driver() + " driver is not allowed here");
    }
    m_entries.push_front(std::move(e));
    while (m_entries.size() > std::max<std::size_t>(m_capacity, 1)) m_entries.pop_back();
    return m_entries.front().dataset;
}

const Dataset& DatasetCache::overview(const Dataset& base, int level) {
    for (auto& e : m_entries) {
        if (&e.dataset != &base) continue;
        auto it = e.overviews.find(level);
        if (it == e.overviews.end()) {
            it = e.overviews.emplace(level, rastio::open(e.path, "r", Options{{"OVERVIEW_LEVEL", std::to_string(level)}})).first;
        }
        return it->second;
    }
    throw std::logic_error("DatasetCache::overview: the dataset is not from this cache");
}

TileWarper* DatasetCache::tile_warper(const Dataset& base, int level, const CRS& crs, int rows, int cols,
                                      Resampling resampling, std::optional<double> nodata) {
    for (auto& e : m_entries) {
        if (&e.dataset != &base) continue;
        char nd[40] = "-";
        if (nodata) std::snprintf(nd, sizeof nd, "%.17g", *nodata);
        std::string key = std::to_string(level) + "|" + std::to_string(rows) + "x" + std::to_string(cols) + "|" +
                          std::to_string(static_cast<int>(resampling)) + "|" + nd + "|" + crs.to_wkt();
        auto it = e.warpers.find(key);
        if (it == e.warpers.end()) {
            if (e.warpers.size() >= 32) e.warpers.clear();
            const Dataset& src = level >= 0 ? overview(base, level) : base;
            it = e.warpers.emplace(std::move(key), TileWarper::make(src, crs, rows, cols, resampling, nodata)).first;
        }
        return it->second.get();
    }
    throw std::logic_error("DatasetCache::tile_warper: the dataset is not from this cache");
}

BodyRaster open_body(const SourcePolicy& policy, std::string&& body) {
    if (body.empty()) bad_param("body", "empty: POST the raster's bytes");
    BodyRaster r;
    r.memory = MemoryFile(std::move(body));
    try {
        policy.check_driver(r.memory.name());
    } catch (const HttpError& e) {
        throw HttpError(400, std::string("body") + (e.what() + 3)); // "url: ..." -> "body: ..."
    }
    try {
        r.dataset = r.memory.open();
    } catch (const rastio::Error& err) {
        throw HttpError(400, std::string("body: cannot open the raster: ") + err.what());
    }
    return r;
}

} // namespace rastio::serve
