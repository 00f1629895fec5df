// `make bench-remote`, rastio's side: one cold open by URL and one read, timed in the process.
//     remote_read URL COL,ROW,W,H [ROWS,COLS]
// prints `ms=<open + read + close> open_ms= read_ms= sum=<sum of the pixels> direct=<reads served by rastio's own reader>`.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include <rastio/rastio.hpp>

#include "gtiff_direct.hpp"

namespace {

std::vector<int> ints(const std::string& text) {
    std::vector<int> v;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) v.push_back(std::stoi(item));
    return v;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: remote_read URL COL,ROW,W,H [ROWS,COLS]\n");
        return 2;
    }
    try {
        const auto w = ints(argv[2]);
        if (w.size() != 4) throw std::invalid_argument("the window is COL,ROW,W,H");
        rastio::ReadOptions opts;
        opts.window = rastio::Window{w[0], w[1], w[2], w[3]};
        if (argc > 3) {
            const auto s = ints(argv[3]);
            if (s.size() != 2) throw std::invalid_argument("the out shape is ROWS,COLS");
            opts.out_shape = std::pair{s[0], s[1]};
        }
        const auto t0 = std::chrono::steady_clock::now();
        auto ds = rastio::open(argv[1]);
        const auto t1 = std::chrono::steady_clock::now();
        const auto a = ds.read(opts);
        const auto t2 = std::chrono::steady_clock::now();
        ds.close();
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::uint64_t sum = 0;
        for (std::byte b : a.bytes()) sum += static_cast<std::uint8_t>(b);
        const auto since = [&](auto a0, auto b0) { return std::chrono::duration<double, std::milli>(b0 - a0).count(); };
        std::printf("ms=%.1f open_ms=%.1f read_ms=%.1f sum=%llu direct=%llu\n", ms, since(t0, t1), since(t1, t2), static_cast<unsigned long long>(sum),
                    static_cast<unsigned long long>(rastio::detail::gtiff_remote_read_count()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_read: %s\n", e.what());
        return 1;
    }
    return 0;
}
