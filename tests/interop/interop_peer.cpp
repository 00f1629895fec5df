// rastio's side of the interop test with rasterio (rasterio_peer.py drives it):
//
//   rastio_interop_peer describe IN VALUES_OUT
//       reads IN's bytes into a MemoryFile (adopted), opens it, prints one line of JSON
//       describing the dataset and writes every band's pixels, band-sequential and in the
//       native dtype, to VALUES_OUT.
//   rastio_interop_peer write RAW DTYPE COUNT HEIGHT WIDTH DRIVER EXT OUT [KEY=VALUE...]
//       creates a dataset in an empty MemoryFile through open(profile) from RAW pixels
//       (band-sequential), with EPSG:32618, a fixed transform and nodata when NODATA=... is
//       given; writes the MemoryFile's bytes (getbuffer) to OUT. Other KEY=VALUEs are
//       creation options.
//   rastio_interop_peer roundtrip IN OUT
//       MemoryFile(bytes of IN) -> getbuffer() written to OUT.
//   rastio_interop_peer batch
//       the commands above, one per line on stdin (arguments separated by tabs), one JSON
//       line answered on stdout for each ({"error": ...} when one fails).

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <rastio/rastio.hpp>

namespace {

std::vector<std::byte> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

void spit(const std::string& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string json_number(double v) {
    if (std::isnan(v)) return "\"nan\"";
    if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string describe(const std::string& in, const std::string& values_out) {
    rastio::MemoryFile mf(slurp(in)); // adopts the bytes: no copy
    auto ds = mf.open();
    std::string json = "{";
    json += "\"driver\": " + json_string(ds.driver());
    json += ", \"width\": " + std::to_string(ds.width());
    json += ", \"height\": " + std::to_string(ds.height());
    json += ", \"count\": " + std::to_string(ds.count());
    json += ", \"dtypes\": [";
    const auto dtypes = ds.dtypes();
    for (std::size_t i = 0; i < dtypes.size(); ++i) json += (i ? ", " : "") + json_string(std::string(rastio::to_string(dtypes[i])));
    json += "], \"crs_wkt\": " + json_string(ds.crs().to_wkt());
    const auto epsg = ds.crs().empty() ? std::nullopt : ds.crs().to_epsg();
    json += ", \"epsg\": " + (epsg ? std::to_string(*epsg) : std::string("null"));
    const auto t = ds.transform();
    json += ", \"transform\": [" + json_number(t.a) + ", " + json_number(t.b) + ", " + json_number(t.c) + ", " +
            json_number(t.d) + ", " + json_number(t.e) + ", " + json_number(t.f) + "]";
    json += ", \"nodata\": [";
    const auto nodatas = ds.nodatavals();
    for (std::size_t i = 0; i < nodatas.size(); ++i) json += (i ? ", " : "") + (nodatas[i] ? json_number(*nodatas[i]) : "null");
    json += "]}";
    const rastio::AnyArray a = ds.read();
    spit(values_out, a.bytes());
    return json;
}

std::string write(const std::vector<std::string>& argv) {
    const auto argc = argv.size();
    if (argc < 10) throw rastio::ArgumentError("write needs RAW DTYPE COUNT HEIGHT WIDTH DRIVER EXT OUT");
    const auto raw = slurp(argv[2]);
    const rastio::DType dtype = rastio::parse_dtype(argv[3]);
    const int count = std::stoi(argv[4]), height = std::stoi(argv[5]), width = std::stoi(argv[6]);
    rastio::Profile p{.driver = argv[7], .width = width, .height = height, .count = count, .dtype = dtype,
                      .crs = rastio::CRS::from_epsg(32618),
                      .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30.0, 30.0)};
    for (std::size_t i = 10; i < argc; ++i) {
        const std::string kv = argv[i];
        const auto eq = kv.find('=');
        if (eq == std::string::npos) throw rastio::ArgumentError("not KEY=VALUE: " + kv);
        if (kv.compare(0, eq, "NODATA") == 0) {
            p.nodata = std::stod(kv.substr(eq + 1));
        } else {
            p.options[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    rastio::MemoryFile out(rastio::MemoryFileOptions{.ext = argv[8]});
    {
        auto dst = out.open(p);
        dst.write_bytes(dst.indexes(), rastio::Window::full(width, height), dtype, raw);
        dst.close();
    }
    spit(argv[9], out.getbuffer());
    return "{\"size\": " + std::to_string(out.size()) + "}";
}

std::string roundtrip(const std::string& in, const std::string& out) {
    const auto bytes = slurp(in);
    rastio::MemoryFile mf(bytes);
    const auto buf = mf.getbuffer();
    spit(out, buf);
    return "{\"size\": " + std::to_string(buf.size()) + "}";
}

/// Runs one command; its arguments start at args[1].
std::string run(const std::vector<std::string>& args) {
    const std::string cmd = args.size() > 1 ? args[1] : "";
    if (cmd == "describe" && args.size() == 4) return describe(args[2], args[3]);
    if (cmd == "write") return write(args);
    if (cmd == "roundtrip" && args.size() == 4) return roundtrip(args[2], args[3]);
    throw rastio::ArgumentError("unknown command or wrong arguments: " + cmd);
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv, argv + argc);
    if (args.size() == 2 && args[1] == "batch") {
        // One command per line on stdin, arguments separated by tabs; one JSON line out each.
        std::string line;
        while (std::getline(std::cin, line)) {
            std::vector<std::string> cmd{args[0]};
            for (std::size_t start = 0;;) {
                const auto tab = line.find('\t', start);
                cmd.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
                if (tab == std::string::npos) break;
                start = tab + 1;
            }
            try {
                std::cout << run(cmd) << std::endl;
            } catch (const std::exception& e) {
                std::cout << "{\"error\": " << json_string(e.what()) << "}" << std::endl;
            }
        }
        return 0;
    }
    try {
        std::printf("%s\n", run(args).c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rastio_interop_peer: %s\n", e.what());
        std::fprintf(stderr, "usage: rastio_interop_peer describe IN VALUES_OUT | write RAW DTYPE COUNT HEIGHT WIDTH DRIVER EXT OUT [KEY=VALUE...] | roundtrip IN OUT | batch\n");
        return 1;
    }
}
