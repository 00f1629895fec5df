// `rastio sample`: band values at points read as JSON [x, y] lines, like `rio sample`.
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <rastio/sample.hpp>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct SampleOptions {
    std::string input;
    std::string points = "-"; // a file of points, one point as text, or - for stdin
    std::string bidx;
};

template <class T>
T element(const rastio::AnyArray& a, std::size_t i) {
    T v;
    std::memcpy(&v, a.bytes().data() + i * sizeof(T), sizeof(T));
    return v;
}

// One value as Python's json.dumps writes numpy's tolist() of it.
Json value_json(const rastio::AnyArray& a, std::size_t i) {
    using rastio::DType;
    switch (a.dtype()) {
    case DType::uint8: return element<std::uint8_t>(a, i);
    case DType::int8: return element<std::int8_t>(a, i);
    case DType::uint16: return element<std::uint16_t>(a, i);
    case DType::int16: return element<std::int16_t>(a, i);
    case DType::uint32: return element<std::uint32_t>(a, i);
    case DType::int32: return element<std::int32_t>(a, i);
    case DType::uint64: return element<std::uint64_t>(a, i);
    case DType::int64: return element<std::int64_t>(a, i);
    case DType::float32: return static_cast<double>(element<float>(a, i));
    case DType::float64: return element<double>(a, i);
    default: throw Failure("complex values cannot be written as JSON", "", exit_input);
    }
}

// rio's --bidx: "N", "M,N,O", "M..O", "..N" or "N.." (Python slices of the band list).
rastio::Bands parse_bidx(const std::string& text, const rastio::Bands& all) {
    if (text.empty()) return all;
    const auto number = [&](const std::string& s) {
        try {
            std::size_t used = 0;
            const int v = std::stoi(s, &used);
            if (used != s.size()) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            throw Failure("--bidx \"" + text + "\" is not N, M,N,O or M..N", "", exit_usage);
        }
    };
    const auto dots = text.find("..");
    if (dots != std::string::npos) {
        const std::string a = text.substr(0, dots), b = text.substr(dots + 2);
        const long n = static_cast<long>(all.size());
        long start = a.empty() ? 0 : number(a) - 1, stop = b.empty() ? n : number(b);
        // Python's slice clamping.
        if (start < 0) start = std::max(0L, start + n);
        if (stop < 0) stop = std::max(0L, stop + n);
        start = std::min(start, n);
        stop = std::min(stop, n);
        rastio::Bands out;
        for (long i = start; i < stop; ++i) out.push_back(all[static_cast<std::size_t>(i)]);
        return out;
    }
    rastio::Bands out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) out.push_back(number(item));
    return out;
}

void run_sample(const SampleOptions& o) {
    if (o.input == "-" && o.points == "-")
        throw Failure("stdin cannot carry both the raster and the points; give the points as a file", "", exit_usage);
    Input in = open_input(o.input);

    // The points: stdin, a file, or (when no such file opens, as rio) the argument itself.
    std::vector<std::string> lines;
    const std::string& source = o.points;
    auto take = [&lines](std::istream& is) {
        for (std::string line; std::getline(is, line);) lines.push_back(line);
    };
    if (source == "-") {
        take(std::cin);
    } else if (std::ifstream f(source); f) {
        take(f);
    } else {
        lines.push_back(source);
    }

    const rastio::Bands bands = parse_bidx(o.bidx, in.dataset.indexes());
    if (bands.empty()) throw Failure("--bidx " + o.bidx + " selects no band", o.input, exit_usage);
    rastio::Sampler sampler(in.dataset, bands);
    std::string out;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const auto& line = lines[n];
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue; // blank: nothing to sample
        Json point;
        try {
            point = Json::parse(line);
        } catch (const Json::parse_error&) {
            throw Failure("line " + std::to_string(n + 1) + " of the points is not JSON: " + line.substr(0, 80), source);
        }
        if (!point.is_array() || point.size() < 2 || !point[0].is_number() || !point[1].is_number())
            throw Failure("line " + std::to_string(n + 1) + " of the points is not an [x, y] array: " + line.substr(0, 80), source);
        const rastio::Sample s = sampler(point[0].get<double>(), point[1].get<double>());
        Json values = Json::array();
        for (std::size_t i = 0; i < sampler.indexes().size(); ++i) values.push_back(value_json(s.values, i));
        out += py_dumps(values) + "\n";
        if (out.size() > (1U << 16)) {
            write_stdout(out);
            out.clear();
        }
    }
    write_stdout(out);
}

} // namespace

void add_sample(CLI::App& app) {
    auto o = std::make_shared<SampleOptions>();
    auto* sub = app.add_subcommand("sample", "Sample a dataset's bands at points given as JSON [x, y] lines (stdin by default).");
    sub->add_option("input", o->input, "A raster file, or - to read its bytes from stdin")->required();
    sub->add_option("points", o->points, "A file of [x, y] lines, one point as text, or - for stdin (the default)");
    sub->add_option("--bidx", o->bidx, "Bands to sample: N, M,N,O, M..O, ..N or N.. (default: all)");
    sub->footer("Example:\n  echo '[220650, 2719200]' | rastio sample RGB.byte.tif --bidx ..2\n");
    sub->callback([o] { run_sample(*o); });
}

} // namespace rastio_cli
