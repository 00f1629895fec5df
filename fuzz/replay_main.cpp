// Replays inputs through the fuzz target without libFuzzer, so any compiler can run the
// corpus under ctest:
//   rastio_fuzz_replay --generated N       the seeds and N mutations of each, made in memory
//   rastio_fuzz_replay --write-seeds DIR   writes the seeds as files (libFuzzer's start corpus)
//   rastio_fuzz_replay PATH...             files, or every file under folders
// RASTIO_REPLAY_TRACE=1 names each input on stderr before running it (to find a crash).
// Exits 0 when every input gave a result or a rastio::Error, 77 when a folder is missing.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "seeds.hpp"

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double g_slowest = 0;
std::string g_slowest_name;
long g_inputs = 0;

void run(const std::string& name, const std::vector<std::byte>& bytes) {
    static const bool trace = std::getenv("RASTIO_REPLAY_TRACE") != nullptr;
    if (trace) std::fprintf(stderr, "input %s\n", name.c_str());
    const auto t0 = clock_type::now();
    try {
        rastio::fuzz::one_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes as the fuzzer sees them
    } catch (const std::exception& e) {
        std::fprintf(stderr, "FAIL %s: escaped %s\n", name.c_str(), e.what());
        std::exit(1);
    }
    const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (s > g_slowest) {
        g_slowest = s;
        g_slowest_name = name;
    }
    ++g_inputs;
}

std::vector<std::byte> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fprintf(stderr, "usage: rastio_fuzz_replay --generated N | --write-seeds DIR | PATH...\n");
        return 2;
    }
    if (args[0] == "--write-seeds" && args.size() == 2) {
        fs::create_directories(args[1]);
        for (const auto& s : rastio::fuzz::make_seeds()) {
            std::ofstream out(fs::path(args[1]) / s.name, std::ios::binary);
            out.write(reinterpret_cast<const char*>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): writing bytes
        }
        std::printf("wrote the seeds to %s\n", args[1].c_str());
        return 0;
    }
    if (args[0] == "--generated" && args.size() == 2) {
        const long n = std::atol(args[1].c_str());
        const auto seeds = rastio::fuzz::make_seeds();
        for (const auto& s : seeds) {
            run(s.name, s.bytes);
            for (long i = 0; i < n; ++i) {
                run(s.name + " mutation " + std::to_string(i), rastio::fuzz::mutate(s.bytes, static_cast<std::uint64_t>(i)));
            }
        }
        std::printf("replayed %ld inputs (%zu seeds, %ld mutations each); slowest %.3f s: %s\n", g_inputs,
                    seeds.size(), n, g_slowest, g_slowest_name.c_str());
        return 0;
    }
    for (const auto& a : args) {
        if (!fs::exists(a)) {
            std::printf("skipped: %s does not exist\n", a.c_str());
            return 77;
        }
        if (fs::is_directory(a)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::recursive_directory_iterator(a)) {
                if (e.is_regular_file()) files.push_back(e.path());
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) run(f.string(), slurp(f));
        } else {
            run(a, slurp(a));
        }
    }
    std::printf("replayed %ld inputs; slowest %.3f s: %s\n", g_inputs, g_slowest, g_slowest_name.c_str());
    return 0;
}
