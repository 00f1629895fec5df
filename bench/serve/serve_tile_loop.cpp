// The tile handler in a loop, no socket: CPU time per tile of `rastio serve` on one thread, for
// the same tile list bench/serve_bench.py requests (bench/serve_tile_loop.py runs the reference
// tiler's tile function the same way). Figures only: nothing is asserted.
//
//     serve_tile_loop ROOT PATHS_FILE [ROUNDS]
// PATHS_FILE: one request path a line (e.g. /cog/tiles/WebMercatorQuad/14/1/2.png?url=bench.tif).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <rastio/rastio.hpp>

#include "routes.hpp"
#include "sources.hpp"

namespace {

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// "/a/b.png?url=x&k=v" -> path and query.
rastio::serve::Request parse(const std::string& line) {
    rastio::serve::Request req;
    const auto q = line.find('?');
    req.path = line.substr(0, q);
    if (q != std::string::npos) {
        std::size_t at = q + 1;
        while (at <= line.size()) {
            const auto amp = std::min(line.find('&', at), line.size());
            const std::string kv = line.substr(at, amp - at);
            const auto eq = kv.find('=');
            if (!kv.empty()) req.query.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
            at = amp + 1;
        }
    }
    req.host = "127.0.0.1:1";
    return req;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: serve_tile_loop ROOT PATHS_FILE [ROUNDS]\n";
        return 2;
    }
    const int rounds = argc > 3 ? std::stoi(argv[3]) : 3;
    std::vector<std::string> paths;
    {
        std::ifstream in(argv[2]);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) paths.push_back(line);
    }
    rastio::serve::Config config;
    config.root = argv[1];
    const rastio::serve::SourcePolicy policy(config);
    rastio::serve::DatasetCache cache(config.cache_per_worker);
    auto run = [&](std::size_t& ok, std::size_t& bytes) {
        for (const auto& p : paths) {
            rastio::serve::Request req = parse(p);
            rastio::serve::Context ctx{config, policy, cache, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
            const rastio::serve::Response r = rastio::serve::dispatch(req, ctx);
            if (r.status == 200) {
                ++ok;
                bytes += r.body.size();
            }
        }
    };
    std::size_t ok = 0, bytes = 0;
    run(ok, bytes); // warm: datasets, overviews, GDAL's block cache
    double best = 1e300;
    for (int i = 0; i < rounds; ++i) {
        ok = bytes = 0;
        const double t0 = thread_cpu_seconds();
        run(ok, bytes);
        best = std::min(best, thread_cpu_seconds() - t0);
    }
    std::printf("rastio: %zu tiles (200), %.3f ms CPU a tile (best of %d rounds), %.0f bytes a tile\n", ok,
                best * 1000 / static_cast<double>(ok ? ok : 1), rounds, static_cast<double>(bytes) / static_cast<double>(ok ? ok : 1));
    return 0;
}
