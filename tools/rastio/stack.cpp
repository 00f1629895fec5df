// `rastio stack`: rio stack. Bands of one or more inputs, in order, into one multiband raster
// made from the first input's meta (driver, size, dtype, CRS, transform, nodata) with --co, in a
// MemoryFile first, so that a failure leaves no partial OUTPUT. --bidx values pair with the
// inputs in order, as in rio: N, M,N,O, M..O, ..N, N.. (a missing one: every band).
#include <cctype>
#include <memory>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct StackOptions {
    std::vector<std::string> files, bidx, creation_options;
    std::string output, driver;
    bool rgb = false;
    bool overwrite = false;
};

int to_band(const std::string& s, const std::string& item) {
    try {
        std::size_t used = 0;
        const int v = std::stoi(s, &used);
        if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    throw Failure("invalid --bidx \"" + item + "\" (N, M,N,O, M..O, ..N or N..)", "", exit_usage);
}

/// rio's --bidx forms for a dataset with `count` bands (the slice forms clip as Python's do).
rastio::Bands parse_bidx(const std::string& item, int count) {
    rastio::Bands out;
    const auto dots = item.find("..");
    if (dots != std::string::npos) {
        const std::string a = item.substr(0, dots), b = item.substr(dots + 2);
        const int start = a.empty() ? 1 : to_band(a, item);
        const int stop = b.empty() ? count : std::min(to_band(b, item), count);
        for (int i = std::max(start, 1); i <= stop; ++i) out.push_back(i);
        return out;
    }
    std::size_t pos = 0;
    while (pos <= item.size()) {
        const auto comma = item.find(',', pos);
        out.push_back(to_band(item.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos), item));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

void run_stack(StackOptions o) {
    if (o.output.empty()) {
        if (o.files.size() < 2) throw Failure("stack needs inputs and an OUTPUT (or -o)", "", exit_usage);
        o.output = o.files.back();
        o.files.pop_back();
    }
    if (o.bidx.size() > o.files.size()) throw Failure("more --bidx than inputs", o.output, exit_usage);
    rastio::Options creation;
    for (const auto& co : o.creation_options) {
        const auto eq = co.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure("bad creation option \"" + co + "\" (expected KEY=VALUE)", o.output, exit_usage);
        }
        std::string key = co.substr(0, eq);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        creation[key] = co.substr(eq + 1);
    }
    if (o.rgb) creation["PHOTOMETRIC"] = "RGB";
    std::vector<Input> inputs;
    for (const auto& f : o.files) inputs.push_back(open_input(f));
    const std::string driver = output_driver(o.driver.empty() ? inputs[0].dataset.driver() : o.driver, o.output);
    check_creation_values(driver, o.creation_options, o.output);
    for (const auto& f : o.files) check_output(f, o.output, o.overwrite);

    std::vector<rastio::Bands> bands;
    int total = 0;
    const rastio::Dataset& first = inputs[0].dataset;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const rastio::Dataset& ds = inputs[i].dataset;
        bands.push_back(i < o.bidx.size() ? parse_bidx(o.bidx[i], ds.count()) : ds.indexes());
        for (const int b : bands.back()) {
            if (b < 1 || b > ds.count()) {
                throw Failure("band " + std::to_string(b) + " is not in 1.." + std::to_string(ds.count()), inputs[i].label,
                              exit_usage);
            }
        }
        if (ds.width() != first.width() || ds.height() != first.height()) {
            throw Failure("is " + std::to_string(ds.width()) + "x" + std::to_string(ds.height()) + ", the first input " +
                          std::to_string(first.width()) + "x" + std::to_string(first.height()) + ": inputs must be of a kind",
                          inputs[i].label);
        }
        total += static_cast<int>(bands.back().size());
    }
    if (total == 0) throw Failure("no bands to stack", o.output, exit_usage);
    rastio::Profile p{.driver = driver, .width = first.width(), .height = first.height(), .count = total,
                      .dtype = first.dtypes().at(0), .crs = first.crs(), .transform = first.transform(),
                      .nodata = first.nodata(), .options = creation};
    rastio::MemoryFile out(rastio::MemoryFileOptions{.filename = output_filename(o.output)});
    show_as(out.name(), o.output);
    {
        PrintGdalWarnings warnings(o.output);
        try {
            rastio::Dataset dst = out.open(p);
            int next = 1;
            for (std::size_t i = 0; i < inputs.size(); ++i) {
                const rastio::Dataset& ds = inputs[i].dataset;
                const rastio::Window w = rastio::Window::full(ds.width(), ds.height());
                rastio::AnyArray a = rastio::AnyArray::uninitialized(*p.dtype, {bands[i].size(), static_cast<std::size_t>(w.height),
                                                                                 static_cast<std::size_t>(w.width)});
                ds.read_into(bands[i], w, *p.dtype, a.writable_bytes());
                rastio::Bands to;
                for (std::size_t k = 0; k < bands[i].size(); ++k) to.push_back(next++);
                dst.write(a, to);
            }
            dst.close();
        } catch (const rastio::Error& e) {
            throw Failure(std::string("stack failed: ") + e.what(), o.output);
        }
    }
    inputs.clear();
    write_output(out, o.output, driver, quiet());
}

} // namespace

void add_stack(CLI::App& app) {
    auto o = std::make_shared<StackOptions>();
    auto* sub = app.add_subcommand("stack", "Stack bands of rasters into one, as rio stack.");
    sub->add_option("files", o->files, "INPUTS... OUTPUT (or INPUTS... with -o)")->required();
    sub->add_option("-o,--output", o->output, "Output raster (instead of the last positional)");
    sub->add_option("-f,--format,--driver", o->driver, "GDAL driver short name (default: the first input's)");
    sub->add_option("-b,--bidx", o->bidx, "Bands of the next input: N, M,N,O, M..O, ..N, N.. (repeatable, in input order)")
        ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->allow_extra_args(false);
    sub->add_flag("--rgb", o->rgb, "Set RGB photometric interpretation");
    sub->add_flag("--overwrite", o->overwrite, "Replace OUTPUT if it exists");
    sub->add_option("--co,--profile", o->creation_options, "Creation option KEY=VALUE (repeatable)")->allow_extra_args(false);
    sub->footer("Examples:\n  rastio stack RGB.byte.tif --bidx ..2 RGB.byte.tif --bidx 3.. -o stacked.tif\n");
    sub->callback([o] { run_stack(*o); });
}

} // namespace rastio_cli
