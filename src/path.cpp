#include <rastio/path.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include <rastio/error.hpp>

namespace rastio {

namespace {

struct Scheme {
    std::string_view name;
    std::string_view vsi; // GDAL's handler, without "/vsi"
    bool remote;
};

constexpr std::array<Scheme, 11> schemes{{
    {"ftp", "curl", true},  {"http", "curl", true}, {"https", "curl", true}, {"s3", "s3", true},
    {"gs", "gs", true},     {"az", "az", true},     {"oss", "oss", true},    {"file", "", false},
    {"zip", "zip", false},  {"tar", "tar", false},  {"gzip", "gzip", false},
}};

const Scheme* find_scheme(std::string_view name) {
    for (const auto& s : schemes) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

/// A URL cut as Python's urlsplit does: scheme (lower case), netloc, path, query; the fragment dropped.
struct Url {
    std::string scheme, netloc, path, query;
    std::vector<const Scheme*> parts; // the '+'-separated schemes, outermost first
};

/// The URL `path` holds when every part of its scheme is one rasterio knows, else nothing.
bool parse_url(const std::string& text, Url& url) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0) return false;
    const std::string_view scheme(text.data(), colon);
    if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return false;
    for (char c : scheme) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
    }
    url.scheme.assign(scheme);
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view s(url.scheme);
    for (std::size_t start = 0;;) {
        const auto plus = s.find('+', start);
        const auto* known = find_scheme(s.substr(start, plus == std::string_view::npos ? plus : plus - start));
        if (known == nullptr) return false;
        url.parts.push_back(known);
        if (plus == std::string_view::npos) break;
        start = plus + 1;
    }
    std::string_view rest(text);
    rest.remove_prefix(colon + 1);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    if (rest.substr(0, 2) == "//") {
        rest.remove_prefix(2);
        const auto end = rest.find_first_of("/?");
        url.netloc.assign(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    const auto q = rest.find('?');
    url.path.assign(rest.substr(0, q));
    if (q != std::string_view::npos) url.query.assign(rest.substr(q + 1));
    return true;
}

bool is_archive(const Scheme* s) { return s->name == "zip" || s->name == "tar" || s->name == "gzip"; }

} // namespace

std::string vsi_path(const std::string& path) {
    if (path.rfind("/vsi", 0) == 0) return path;
    Url url;
    if (!parse_url(path, url)) return path;

    std::string member = url.netloc + url.path;
    if (!url.query.empty()) member += "?" + url.query;
    std::string archive;
    if (is_archive(url.parts.front())) {
        // "zip+https://host/a.zip!dir/x.tif": the last '!' splits the archive from the member;
        // with none, the whole path is the archive (a .gz, or a zip to list).
        const auto bang = member.rfind('!');
        archive = member.substr(0, bang);
        member = bang == std::string::npos ? std::string() : member.substr(bang + 1);
        while (!member.empty() && member.front() == '/') member.erase(0, 1);
        if (archive.empty()) throw ArgumentError("\"" + path + "\" names no archive to open");
    } else if (member.empty()) {
        throw ArgumentError("\"" + path + "\" names no file to open");
    }

    // The innermost handler reads the bytes ("/vsicurl/https://", "/vsis3/", a local path); the
    // outer ones (zip, tar, gzip) read an archive through it.
    std::string inner = archive.empty() ? member : archive;
    const auto* last = url.parts.back();
    if (!last->vsi.empty()) {
        const std::string curl = last->vsi == "curl" ? std::string(last->name) + "://" : std::string();
        inner = "/vsi" + std::string(last->vsi) + "/" + curl + inner;
    }
    for (auto it = url.parts.rbegin() + 1; it != url.parts.rend(); ++it) {
        if (!(*it)->vsi.empty()) inner = "/vsi" + std::string((*it)->vsi) + "/" + inner;
    }
    if (!archive.empty() && !member.empty()) inner += "/" + member;
    return inner;
}

bool is_remote(const std::string& path) {
    static constexpr std::array<std::string_view, 7> network{"/vsicurl/", "/vsis3/", "/vsigs/", "/vsiaz/",
                                                             "/vsioss/", "/vsiswift/", "/vsiadls/"};
    const std::string gdal = vsi_path(path);
    return std::any_of(network.begin(), network.end(),
                       [&](std::string_view p) { return gdal.find(p) != std::string::npos; });
}

} // namespace rastio
