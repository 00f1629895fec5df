// Shared pieces of the rastio tool.
#include "common.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <sstream>

#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_progress.h>
#include <gdal.h>
#include <ogr_srs_api.h>

namespace rastio_cli {

namespace {

struct SrsDeleter {
    void operator()(OGRSpatialReferenceH h) const noexcept { OSRDestroySpatialReference(h); }
};
using Srs = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, SrsDeleter>;
struct TransformDeleter {
    void operator()(OGRCoordinateTransformationH h) const noexcept { OCTDestroyCoordinateTransformation(h); }
};
using Transform = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, TransformDeleter>;

Srs srs_from_wkt(const std::string& wkt) {
    Srs srs(OSRNewSpatialReference(nullptr));
    if (OSRSetFromUserInput(srs.get(), wkt.c_str()) != OGRERR_NONE) return {};
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

Transform transform_to_lnglat(const rastio::CRS& crs, const std::string& label) {
    Srs src = srs_from_wkt(crs.to_wkt());
    Srs dst(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(dst.get(), 4326);
    OSRSetAxisMappingStrategy(dst.get(), OAMS_TRADITIONAL_GIS_ORDER);
    Transform ct(src ? OCTNewCoordinateTransformation(src.get(), dst.get()) : nullptr);
    if (!ct) throw Failure("cannot transform the dataset's CRS to longitude/latitude: " +
                               std::string(CPLGetLastErrorMsg()), label);
    return ct;
}

void dump(std::string& out, const Json& v, std::optional<int> indent, bool sort_keys, int level, bool compact) {
    const auto newline = [&](int lvl) {
        out += '\n';
        out.append(static_cast<std::size_t>(*indent * lvl), ' ');
    };
    switch (v.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer: out += std::to_string(v.get<std::int64_t>()); break;
    case Json::value_t::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); break;
    case Json::value_t::number_float: out += py_float(v.get<double>()); break;
    case Json::value_t::string: {
        // Python's ensure_ascii: escape control characters and every non-ASCII code point.
        const auto& s = v.get_ref<const std::string&>();
        out += '"';
        for (std::size_t i = 0; i < s.size(); ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            char buf[16];
            switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            default: break;
            }
            if (c < 0x20) {
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else if (c < 0x80) {
                out += static_cast<char>(c);
            } else {
                // Decode one UTF-8 sequence; an invalid byte is written as U+FFFD.
                std::uint32_t cp = 0xFFFD;
                std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
                if (len > 1 && i + len <= s.size()) {
                    cp = c & (0x7Fu >> len);
                    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
                    i += len - 1;
                }
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
                } else {
                    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                }
                out += buf;
            }
        }
        out += '"';
        break;
    }
    case Json::value_t::array: {
        if (v.empty()) {
            out += "[]";
            break;
        }
        out += '[';
        bool first = true;
        for (const auto& item : v) {
            if (!first) out += indent || compact ? "," : ", ";
            first = false;
            if (indent) newline(level + 1);
            dump(out, item, indent, sort_keys, level + 1, compact);
        }
        if (indent) newline(level);
        out += ']';
        break;
    }
    case Json::value_t::object: {
        if (v.empty()) {
            out += "{}";
            break;
        }
        std::vector<std::string> keys;
        for (const auto& [k, _] : v.items()) keys.push_back(k);
        if (sort_keys) std::sort(keys.begin(), keys.end());
        out += '{';
        bool first = true;
        for (const auto& k : keys) {
            if (!first) out += indent || compact ? "," : ", ";
            first = false;
            if (indent) newline(level + 1);
            dump(out, Json(k), indent, sort_keys, level + 1, compact);
            out += compact ? ":" : ": ";
            dump(out, v.at(k), indent, sort_keys, level + 1, compact);
        }
        if (indent) newline(level);
        out += '}';
        break;
    }
    default: out += "null"; break;
    }
}

} // namespace

namespace {

std::atomic<bool> g_quiet{false};
std::mutex g_names_mutex;
std::vector<std::pair<std::string, std::string>> g_names; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): guarded by g_names_mutex

std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

} // namespace

void set_quiet(bool quiet) noexcept { g_quiet = quiet; }
bool quiet() noexcept { return g_quiet; }

void show_as(const std::string& memory_path, const std::string& label) {
    std::lock_guard lock(g_names_mutex);
    g_names.emplace_back(memory_path, label);
}

std::string as_shown(std::string text) {
    std::lock_guard lock(g_names_mutex);
    for (const auto& [mem, label] : g_names) {
        if (mem.empty()) continue;
        if (text == mem) return label;
        for (auto at = text.find(mem); at != std::string::npos; at = text.find(mem, at + label.size())) {
            text.replace(at, mem.size(), label);
        }
    }
    return text;
}

void print_warning(const std::string& message, const std::string& path) {
    if (quiet()) return;
    const std::string text = as_shown(one_line(message));
    const std::string where = as_shown(path);
    std::string line = "rastio: warning: " + text;
    if (!where.empty()) line += " (" + where + ")";
    std::fprintf(stderr, "%s\n", line.c_str());
}

PrintGdalWarnings::PrintGdalWarnings(std::string label)
    : m_label(std::move(label)), m_pusher(&PrintGdalWarnings::handler, this) {}

void CPL_STDCALL PrintGdalWarnings::handler(CPLErr cls, CPLErrorNum, const char* msg) {
    auto* self = static_cast<PrintGdalWarnings*>(CPLGetErrorHandlerUserData());
    if (self == nullptr || cls != CE_Warning || msg == nullptr) return;
    if (std::find(self->m_printed.begin(), self->m_printed.end(), msg) != self->m_printed.end()) return;
    if (self->m_printed.size() >= k_max_lines) {
        ++self->m_not_shown;
        return;
    }
    self->m_printed.emplace_back(msg);
    print_warning(msg, self->m_label);
}

PrintGdalWarnings::~PrintGdalWarnings() {
    if (m_not_shown > 0) print_warning(std::to_string(m_not_shown) + " more GDAL warnings not shown", m_label);
}

std::string Input::display_name() const {
    if (label == "-") return "<stdin>";
    return std::filesystem::path(label).filename().string();
}

std::vector<std::byte> read_stdin() {
    if (isatty(STDIN_FILENO)) throw Failure("no bytes on stdin (pipe a file into rastio, or give a path)", "-");
    std::vector<std::byte> bytes;
    std::size_t used = 0;
    for (;;) {
        if (bytes.size() - used < (1u << 16)) bytes.resize(std::max<std::size_t>(bytes.size() * 2, 1u << 20));
        const ssize_t n = ::read(STDIN_FILENO, bytes.data() + used, bytes.size() - used);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Failure(std::string("cannot read stdin: ") + std::strerror(errno), "-");
        }
        used += static_cast<std::size_t>(n);
    }
    bytes.resize(used);
    if (bytes.empty()) throw Failure("stdin is empty", "-");
    return bytes;
}

Input open_input(const std::string& path) {
    Input in;
    in.label = path;
    try {
        if (path == "-") {
            // Adopted by the MemoryFile with no copy and no temp file.
            in.memory = rastio::MemoryFile(read_stdin(), rastio::MemoryFileOptions{.ext = ""});
            show_as(in.memory.name(), "-");
            in.dataset = in.memory.open();
        } else {
            std::error_code ec;
            if (!std::filesystem::exists(path, ec) && rastio::vsi_path(path).rfind("/vsi", 0) != 0 &&
                !std::filesystem::exists(rastio::vsi_path(path), ec)) {
                throw Failure("no such file", path);
            }
            in.dataset = rastio::open(path);
        }
    } catch (const rastio::IOError& e) {
        std::string why = e.gdal_message().empty() ? e.what() : e.gdal_message();
        if (path == "-" && !in.memory.closed()) {
            // Name stdin's bytes as the user knows them, not by their /vsimem/ path.
            const std::string& mem = in.memory.name();
            for (auto at = why.find(mem); at != std::string::npos; at = why.find(mem)) why.replace(at, mem.size(), "<stdin>");
        }
        throw Failure("cannot open as a raster: " + why, path);
    } catch (const rastio::Error& e) {
        throw Failure(std::string("cannot open as a raster: ") + e.what(), path);
    }
    return in;
}

std::string py_float(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    // Shortest round-trip digits, then Python's choice between fixed and exponent notation.
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const auto epos = sci.find('e');
    std::string mant = sci.substr(0, epos);
    const int exp10 = std::stoi(sci.substr(epos + 1));
    std::string sign;
    if (!mant.empty() && mant[0] == '-') {
        sign = "-";
        mant.erase(0, 1);
    }
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    if (exp10 < -4 || exp10 >= 16) {
        std::string out = sign + digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
        return out + e;
    }
    const int point = exp10 + 1; // digits before the decimal point
    std::string out;
    if (point <= 0) {
        out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0') + ".0";
    } else {
        out = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
    }
    return sign + out;
}

std::string py_dumps(const Json& value, std::optional<int> indent, bool sort_keys, bool compact) {
    std::string out;
    dump(out, value, indent, sort_keys, 0, compact);
    return out;
}

double py_round(double value, int ndigits) {
    // Past 323 digits every double is already exact (Python returns it unchanged).
    if (!std::isfinite(value) || ndigits > 323) return value;
    // printf rounds the exact binary value correctly (halves to even), as Python's round does
    // through its decimal conversion; reading the digits back gives the nearest double.
    if (ndigits >= 0) {
        char buf[700]; // sign, up to 309 integer digits, the point, up to 323 decimals
        std::snprintf(buf, sizeof buf, "%.*f", ndigits, value);
        return std::strtod(buf, nullptr);
    }
    const double scale = std::pow(10.0, -ndigits);
    return std::nearbyint(value / scale) * scale;
}

rastio::Bounds parse_rio_bounds(const std::string& text, const std::string& option) {
    // Python's value.strip(', []') then re.split(r'[,\s]+', value): four floats.
    const auto strip = [](char c) { return c == ',' || c == ' ' || c == '[' || c == ']'; };
    std::size_t a = 0, b = text.size();
    while (a < b && strip(text[a])) ++a;
    while (b > a && strip(text[b - 1])) --b;
    std::vector<double> values;
    std::size_t i = a;
    while (i <= b && values.size() <= 4) {
        std::size_t j = i;
        while (j < b && text[j] != ',' && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        const std::string item = text.substr(i, j - i);
        char* end = nullptr;
        const double v = item.empty() ? 0.0 : std::strtod(item.c_str(), &end);
        if (item.empty() || end != item.c_str() + item.size()) {
            throw Failure("invalid " + option + " \"" + text + "\" (left bottom right top)", "", exit_usage);
        }
        values.push_back(v);
        while (j < b && (text[j] == ',' || std::isspace(static_cast<unsigned char>(text[j])))) ++j;
        if (j >= b) break;
        i = j;
    }
    if (values.size() != 4) throw Failure("invalid " + option + " \"" + text + "\" (left bottom right top)", "", exit_usage);
    return {values[0], values[1], values[2], values[3]};
}

std::optional<double> parse_rio_nodata(const std::string& text, const std::string& label) {
    std::string low = text;
    for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (low == "null" || low == "nil" || low == "none" || low == "nada") return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
        throw Failure("invalid --nodata \"" + text + "\" (a number, nan or none)", label, exit_usage);
    }
    return v;
}

std::string py_str(const Json& value) {
    if (value.is_null()) return "None";
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
    if (value.is_array()) {
        std::string out;
        for (const auto& v : value) out += (out.empty() ? "" : " ") + py_str(v);
        return out;
    }
    if (value.is_number_float()) {
        const std::string s = py_float(value.get<double>());
        return s == "NaN" ? "nan" : s == "Infinity" ? "inf" : s == "-Infinity" ? "-inf" : s;
    }
    return py_dumps(value);
}

Json rio_crs(const rastio::CRS& crs) {
    if (crs.empty()) return nullptr;
    if (auto epsg = crs.to_epsg()) return "EPSG:" + std::to_string(*epsg);
    // rasterio's to_string(): an OGC or ESRI code (the CRS's own, else the best match at 70%
    // confidence or more; rasterio ignores other authorities such as IGNF), else WKT.
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    Srs srs = srs_from_wkt(crs.to_wkt());
    if (srs) {
        std::map<std::string, std::string> found; // authority -> first code
        const auto note = [&](const char* auth, const char* code) {
            if (auth && code && !found.count(auth)) found[auth] = code;
        };
        note(OSRGetAuthorityName(srs.get(), nullptr), OSRGetAuthorityCode(srs.get(), nullptr));
        if (found.empty()) {
            int count = 0;
            int* confidences = nullptr;
            OGRSpatialReferenceH* matches = OSRFindMatches(srs.get(), nullptr, &count, &confidences);
            for (int i = 0; i < count; ++i) {
                if (confidences[i] >= 70) note(OSRGetAuthorityName(matches[i], nullptr), OSRGetAuthorityCode(matches[i], nullptr));
            }
            OSRFreeSRSArray(matches);
            CPLFree(confidences);
        }
        for (const char* auth : {"OGC", "ESRI"})
            if (found.count(auth)) return std::string(auth) + ":" + found[auth];
    }
    return crs.to_wkt();
}

std::array<double, 6> geotransform(const rastio::Dataset& ds) {
    std::array<double, 6> gt{0, 1, 0, 0, 0, 1};
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    if (GDALGetGeoTransform(static_cast<GDALDatasetH>(ds.gdal_handle()), gt.data()) != CE_None) gt = {0, 1, 0, 0, 0, 1};
    return gt;
}

rastio::Bounds rio_bounds(const std::array<double, 6>& gt, int width, int height) {
    const double w = width, h = height;
    if (gt[2] == 0 && gt[4] == 0) return {gt[0], gt[3] + gt[5] * h, gt[0] + gt[1] * w, gt[3]};
    const auto x = [&](double c, double r) { return gt[0] + gt[1] * c + gt[2] * r; };
    const auto y = [&](double c, double r) { return gt[3] + gt[4] * c + gt[5] * r; };
    const std::array xs{x(0, 0), x(0, h), x(w, h), x(w, 0)};
    const std::array ys{y(0, 0), y(0, h), y(w, h), y(w, 0)};
    return {*std::min_element(xs.begin(), xs.end()), *std::min_element(ys.begin(), ys.end()),
            *std::max_element(xs.begin(), xs.end()), *std::max_element(ys.begin(), ys.end())};
}

void to_lnglat(const rastio::CRS& crs, std::vector<double>& xs, std::vector<double>& ys, const std::string& label) {
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    Transform ct = transform_to_lnglat(crs, label);
    if (!OCTTransform(ct.get(), static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr)) {
        throw Failure("cannot transform coordinates to longitude/latitude: " + std::string(CPLGetLastErrorMsg()), label);
    }
}

rastio::Bounds bounds_to_lnglat(const rastio::CRS& crs, const rastio::Bounds& b, const std::string& label) {
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    Transform ct = transform_to_lnglat(crs, label);
    rastio::Bounds out;
    if (!OCTTransformBounds(ct.get(), b.left, b.bottom, b.right, b.top, &out.left, &out.bottom, &out.right, &out.top, 21)) {
        throw Failure("cannot transform bounds to longitude/latitude: " + std::string(CPLGetLastErrorMsg()), label);
    }
    return out;
}

void write_stdout(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
        throw Failure(std::string("cannot write to stdout: ") + std::strerror(errno), "-");
    }
}

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> split_ws(const char* text) {
    std::vector<std::string> out;
    std::istringstream in(text ? text : "");
    for (std::string w; in >> w;) out.push_back(lower(w));
    return out;
}

bool can_write(GDALDriverH d) {
    return GDALGetMetadataItem(d, GDAL_DCAP_CREATE, nullptr) || GDALGetMetadataItem(d, GDAL_DCAP_CREATECOPY, nullptr);
}

void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to ostream
    out.close();
    if (!out) throw Failure(std::string("cannot write: ") + std::strerror(errno), path.string());
}

} // namespace

std::string output_driver(const std::string& driver, const std::string& dst) {
    if (!driver.empty()) {
        GDALDriverH d = GDALGetDriverByName(driver.c_str());
        if (!d || !GDALGetMetadataItem(d, GDAL_DCAP_RASTER, nullptr)) {
            throw Failure("unknown raster driver \"" + driver + "\" (see rastio env --formats)", dst, exit_usage);
        }
        if (!can_write(d)) throw Failure("driver " + driver + " cannot write files", dst, exit_usage);
        return GDALGetDriverShortName(d);
    }
    if (dst == "-") throw Failure("--driver is required when writing to stdout", dst, exit_usage);
    const std::string ext = lower(std::filesystem::path(dst).extension().string());
    if (ext.size() > 1) {
        for (int i = 0; i < GDALGetDriverCount(); ++i) {
            GDALDriverH d = GDALGetDriver(i);
            if (!GDALGetMetadataItem(d, GDAL_DCAP_RASTER, nullptr) || !can_write(d)) continue;
            for (const auto& e : split_ws(GDALGetMetadataItem(d, GDAL_DMD_EXTENSIONS, nullptr)))
                if ("." + e == ext) return GDALGetDriverShortName(d);
        }
    }
    throw Failure("cannot infer a driver from the extension \"" + ext + "\"; give --driver", dst, exit_usage);
}

void check_creation_values(const std::string& driver, const std::vector<std::string>& creation_options,
                           const std::string& dst) {
    std::map<std::string, std::string> options;
    for (const auto& co : creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", dst, exit_usage);
        }
        options[co.substr(0, eq)] = co.substr(eq + 1);
    }
    try {
        rastio::check_creation_options(driver, options);
    } catch (const rastio::ArgumentError& e) {
        throw Failure(e.what(), dst, exit_usage);
    }
}

void check_output(const std::string& src, const std::string& dst, bool overwrite) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (dst == "-" || !fs::exists(dst, ec)) return;
    if (!overwrite) throw Failure("output exists; use --overwrite to replace it", dst);
    if (fs::equivalent(src, dst, ec)) throw Failure("output is the input", dst, exit_usage);
}

void writer_block_layout(rastio::Profile& p) {
    const auto tiled = p.options.find("TILED");
    const auto multiple_of_16 = [&p](const char* key) {
        const auto it = p.options.find(key);
        return it != p.options.end() && std::atoi(it->second.c_str()) > 0 && std::atoi(it->second.c_str()) % 16 == 0;
    };
    const bool is_tiled = tiled != p.options.end() && (lower(tiled->second) == "yes" || lower(tiled->second) == "true");
    const bool both = p.options.count("BLOCKXSIZE") != 0 && p.options.count("BLOCKYSIZE") != 0;
    if (is_tiled && !both) {
        p.options.erase("BLOCKXSIZE");
        p.options.erase("BLOCKYSIZE");
    } else if (!is_tiled || !multiple_of_16("BLOCKXSIZE") || !multiple_of_16("BLOCKYSIZE")) {
        p.options.erase("BLOCKXSIZE");
        if (is_tiled) tiled->second = "NO";
    }
}

std::string output_filename(const std::string& dst) {
    return dst == "-" ? "stdout" : std::filesystem::path(dst).filename().string();
}

void write_output(const rastio::MemoryFile& out, const std::string& dst, const std::string& driver, bool quiet) {
    namespace fs = std::filesystem;
    const std::string filename = output_filename(dst);
    if (dst == "-") {
        const auto bytes = out.getbuffer();
        if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
            throw Failure(std::string("cannot write to stdout: ") + std::strerror(errno), "-");
        }
        for (const auto& name : out.files()) {
            if (name != filename && !quiet) {
                print_warning(driver + " wrote a sidecar (" + name + ") that stdout cannot carry", "");
            }
        }
        return;
    }
    // Every file (DST and its sidecars) goes to a temp name first, then is renamed into place.
    const fs::path dir = fs::path(dst).parent_path();
    std::vector<std::pair<fs::path, fs::path>> moves;
    std::error_code ec;
    try {
        for (const auto& name : out.files()) {
            const fs::path tmp = dir / ("." + name + ".rastio-" + std::to_string(getpid()) + ".tmp");
            moves.emplace_back(tmp, dir / name);
            write_file(tmp, out.getbuffer(name));
        }
        // Sidecars first, the main file last: DST appears only once everything is in place.
        std::stable_partition(moves.begin(), moves.end(), [&](const auto& m) { return m.second.filename() != filename; });
        for (const auto& [tmp, final_path] : moves) {
            fs::rename(tmp, final_path, ec);
            if (ec) throw Failure("cannot rename " + tmp.string() + ": " + ec.message(), final_path.string());
        }
    } catch (...) {
        for (const auto& [tmp, _] : moves) fs::remove(tmp, ec);
        throw;
    }
}

void write_text_output(const std::string& text, const std::string& dst) {
    namespace fs = std::filesystem;
    const fs::path final_path(dst);
    const fs::path tmp = final_path.parent_path() / ("." + final_path.filename().string() + ".rastio-" + std::to_string(getpid()) + ".tmp");
    std::error_code ec;
    try {
        write_file(tmp, std::as_bytes(std::span(text.data(), text.size())));
        fs::rename(tmp, final_path, ec);
        if (ec) throw Failure("cannot rename " + tmp.string() + ": " + ec.message(), dst);
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

int Progress::callback(double done, const char* msg, void* arg) {
    auto* self = static_cast<Progress*>(arg);
    if (!self->shown) {
        if (done >= 1.0 || std::chrono::steady_clock::now() - self->start < std::chrono::milliseconds(500)) return TRUE;
        self->shown = true;
    }
    return GDALTermProgress(done, msg, nullptr);
}

bool Progress::wanted(bool quiet) { return !quiet && !rastio_cli::quiet() && isatty(STDERR_FILENO); }

} // namespace rastio_cli
