// How much a fresh page of memory costs on this machine: the probe `make bench` prints once per
// run, because every large case's ratio depends on it (a fresh 4 KiB page costs anything from
// about 0.1 us on bare metal to 70 us on a paravirtualised MMU under load).
//
// Faults in 256 MiB of fresh anonymous memory, one write per page, three ways:
//   4 KiB pages   (MADV_NOHUGEPAGE): the cost of a page fault plus zeroing one small page;
//   huge pages    (MADV_HUGEPAGE, 2 MiB-aligned): what transparent huge pages give, when the
//                 kernel allows them, with the share of the region that really got them;
//   reused memory: the same 256 MiB written again, for comparison (no fault at all).
// Each figure is the median of 3 regions; prints one line, or JSON with --json.

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr std::size_t k_region = std::size_t{256} << 20;
constexpr std::size_t k_small = 4096;
constexpr std::size_t k_huge = std::size_t{2} << 20;

double now_us() {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string thp_mode() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(f, line);
    const auto a = line.find('['), b = line.find(']');
    return a != std::string::npos && b != std::string::npos && b > a ? line.substr(a + 1, b - a - 1) : "unknown";
}

/// Bytes of the region [p, p + n) backed by huge pages, from /proc/self/smaps.
std::size_t huge_backed(const void* p, std::size_t n) {
    std::ifstream f("/proc/self/smaps");
    std::string line;
    const auto lo = reinterpret_cast<std::uintptr_t>(p); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): address comparison
    const auto hi = lo + n;
    bool inside = false;
    std::size_t kb_total = 0;
    while (std::getline(f, line)) {
        unsigned long long a = 0, b = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx ", &a, &b) == 2 && line.find('-') < 17) {
            inside = a < hi && b > lo;
            continue;
        }
        unsigned long long kb = 0;
        if (inside && std::sscanf(line.c_str(), "AnonHugePages: %llu kB", &kb) == 1) kb_total += kb;
    }
    return static_cast<std::size_t>(kb_total) * 1024;
}

struct Probe {
    double us_per_small_page = 0; // fresh 4 KiB pages
    double us_per_huge_page = 0;  // fresh 2 MiB pages (THP), per 2 MiB
    double huge_share = 0;        // share of the THP region really on huge pages
    double us_per_small_reused = 0; // writing memory already faulted in, per 4 KiB
};

/// One 256 MiB region: fresh (huge or not), then written a second time.
void one_region(bool huge, double& fresh_us, double& again_us, double& share) {
    const std::size_t len = k_region + k_huge;
    void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<unsigned char*>(raw);
    const auto addr = reinterpret_cast<std::uintptr_t>(base); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): alignment
    unsigned char* p = base + ((k_huge - addr % k_huge) % k_huge);
    madvise(p, k_region, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    double t0 = now_us();
    for (std::size_t at = 0; at < k_region; at += k_small) p[at] = 1;
    fresh_us = now_us() - t0;
    share = static_cast<double>(huge_backed(p, k_region)) / static_cast<double>(k_region);
    t0 = now_us();
    for (std::size_t at = 0; at < k_region; at += k_small) p[at] = 2;
    again_us = now_us() - t0;
    munmap(raw, len);
}

double median3(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
    const double small_pages = static_cast<double>(k_region / k_small);
    std::vector<double> small, huge, share, again;
    for (int i = 0; i < 3; ++i) {
        double f = 0, a = 0, s = 0;
        one_region(false, f, a, s);
        small.push_back(f / small_pages);
        again.push_back(a / small_pages);
        one_region(true, f, a, s);
        huge.push_back(f / static_cast<double>(k_region / k_huge));
        share.push_back(s);
    }
    Probe r;
    r.us_per_small_page = median3(small);
    r.us_per_huge_page = median3(huge);
    r.huge_share = median3(share);
    r.us_per_small_reused = median3(again);
    const std::string mode = thp_mode();
    if (json) {
        std::printf("{\"us_per_4k_page\": %.3f, \"us_per_2m_page\": %.1f, \"thp_share\": %.2f, "
                    "\"us_per_4k_reused\": %.4f, \"thp_mode\": \"%s\"}\n",
                    r.us_per_small_page, r.us_per_huge_page, r.huge_share, r.us_per_small_reused, mode.c_str());
    } else {
        std::printf("fresh 4 KiB page: %.2f us (256 MiB: %.0f ms); fresh 2 MiB huge page: %.0f us (%.3f us per 4 KiB; "
                    "%.0f%% of the region on huge pages; THP %s); memory already faulted in: %.3f us per 4 KiB\n",
                    r.us_per_small_page, r.us_per_small_page * small_pages / 1000, r.us_per_huge_page,
                    r.us_per_huge_page / 512, 100 * r.huge_share, mode.c_str(), r.us_per_small_reused);
    }
    return 0;
}
