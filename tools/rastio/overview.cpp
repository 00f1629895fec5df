// `rastio overview`: build, rebuild or list a dataset's overviews, like `rio overview`.
#include <algorithm>
#include <set>
#include <sstream>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct OverviewOptions {
    std::string input;
    std::string build;
    bool ls = false;
    bool rebuild = false;
    std::string resampling = "nearest";
};

const std::vector<std::string> overview_methods{"nearest", "bilinear", "cubic", "cubic_spline", "lanczos",
                                                "average", "mode",    "gauss", "rms"};

int to_int(const std::string& s) {
    std::size_t used = 0;
    const int v = std::stoi(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
}

// rio's --build: "n,n,n", "b^min..max" or "auto" (the largest power-of-two level whose smallest
// overview stays above 256 pixels).
std::vector<int> parse_build(const std::string& text, int width, int height) {
    std::vector<int> out;
    try {
        if (const auto caret = text.find('^'); caret != std::string::npos) {
            const std::string range = text.substr(caret + 1);
            const auto dots = range.find("..");
            if (dots == std::string::npos) throw std::invalid_argument(text);
            const int base = to_int(text.substr(0, caret)), lo = to_int(range.substr(0, dots)), hi = to_int(range.substr(dots + 2));
            if (hi - lo > 30 || lo < 0) throw std::invalid_argument(text);
            for (int k = lo; k <= hi; ++k) {
                long long f = 1;
                for (int i = 0; i < k && f < (1LL << 31); ++i) f *= base;
                if (f < 1 || f >= (1LL << 31)) throw std::invalid_argument(text);
                out.push_back(static_cast<int>(f));
            }
        } else if (text.find(',') != std::string::npos) {
            std::stringstream ss(text);
            for (std::string item; std::getline(ss, item, ',');) out.push_back(to_int(item));
        } else if (text == "auto") {
            for (int f = 2; std::min(width / (f / 2), height / (f / 2)) > 256; f *= 2) out.push_back(f);
        } else {
            throw std::invalid_argument(text);
        }
    } catch (const std::exception&) {
        throw Failure("--build \"" + text + "\" must match 'n,n,n,...', 'n^n..n', or 'auto'", "", exit_usage);
    }
    for (const int f : out)
        if (f < 2) throw Failure("--build \"" + text + "\": every factor must be 2 or more", "", exit_usage);
    return out;
}

std::string py_list(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

void run_overview(const OverviewOptions& o) {
    if (o.ls) {
        Input in = open_input(o.input);
        const auto tags = in.dataset.tags(0, "rio_overview");
        const auto it = tags.find("resampling");
        const std::string method = it != tags.end() && !it->second.empty() ? it->second : "unknown";
        std::string out = "Overview factors:\n";
        for (const int b : in.dataset.indexes()) {
            const auto f = in.dataset.overviews(b);
            out += "  Band " + std::to_string(b) + ": " + (f.empty() ? std::string("None") : py_list(f)) + " (method: '" + method + "')\n";
        }
        write_stdout(out);
        return;
    }
    if (!o.rebuild && o.build.empty()) throw Failure("give --ls, --rebuild, or --build ...", "", exit_usage);
    if (o.input == "-") throw Failure("overviews are built in place: give a file, not stdin", "", exit_usage);
    rastio::Dataset ds;
    try {
        ds = rastio::open(o.input, "r+");
    } catch (const rastio::Error& e) {
        throw Failure(e.what(), o.input);
    }
    if (o.rebuild) {
        // The same factors for every band, with the method recorded at build time if any.
        std::set<int> factors;
        for (const int b : ds.indexes())
            for (const int f : ds.overviews(b)) factors.insert(f);
        const auto tags = ds.tags(0, "rio_overview");
        const auto it = tags.find("resampling");
        const std::string method = it != tags.end() && !it->second.empty() ? it->second : o.resampling;
        ds.build_overviews({factors.begin(), factors.end()}, rastio::parse_resampling(method));
    } else {
        ds.build_overviews(parse_build(o.build, ds.width(), ds.height()), rastio::parse_resampling(o.resampling));
        ds.update_tags({{"resampling", o.resampling}}, 0, "rio_overview");
    }
    ds.close();
}

} // namespace

void add_overview(CLI::App& app) {
    auto o = std::make_shared<OverviewOptions>();
    auto* sub = app.add_subcommand("overview", "Build, rebuild or list the overviews of a dataset, in place.");
    sub->add_option("input", o->input, "A raster file (or - with --ls to read stdin's bytes)")->required();
    sub->add_option("--build", o->build, "Decimation factors: f1,f2,... or base^min..max or auto");
    sub->add_flag("--ls", o->ls, "Print the overviews of each band");
    sub->add_flag("--rebuild", o->rebuild, "Rebuild the existing overviews");
    sub->add_option("--resampling", o->resampling, "Resampling method (default nearest)")->check(CLI::IsMember(overview_methods));
    sub->footer("Examples:\n  rastio overview out.tif --build 2^1..4 --resampling average\n  rastio overview out.tif --ls\n");
    sub->callback([o] { run_overview(*o); });
}

} // namespace rastio_cli
