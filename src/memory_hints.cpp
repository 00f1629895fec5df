#include "memory_hints.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <malloc.h>

#include <sys/mman.h>

#include <cpl_conv.h>
#include <cpl_string.h>

namespace rastio::detail {

bool huge_pages_available() noexcept {
    static const bool available = [] {
        std::FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
        if (f == nullptr) return false;
        char line[128] = {};
        const bool read = std::fgets(line, sizeof line, f) != nullptr;
        std::fclose(f);
        return read && std::strstr(line, "[never]") == nullptr;
    }();
    return available;
}

void advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#ifdef MADV_HUGEPAGE
    if (n < 4 * k_huge_page) return;
    const auto mask = ~(std::uintptr_t{k_huge_page} - 1);
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + k_huge_page - 1) & mask; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): address arithmetic for madvise
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & mask; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): as above
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast,performance-no-int-to-ptr): a hint, failure is harmless
#endif
}

namespace {

constexpr std::size_t k_min_recycled = std::size_t{8} << 20;
constexpr std::size_t k_max_recycled = std::size_t{256} << 20;
constexpr std::size_t k_max_kept = std::size_t{512} << 20;
constexpr std::size_t k_max_buffers = 4;

struct Pool {
    std::mutex mutex;
    std::vector<std::pair<void*, std::size_t>> kept; // buffer, usable size; newest last
    std::size_t total = 0;
};

Pool& pool() {
    static Pool* p = new Pool(); // never destroyed: buffers may come back during static destruction
    return *p;
}

bool recycling_on() noexcept {
    return CPLTestBool(CPLGetConfigOption("RASTIO_RECYCLE_BUFFERS", "YES"));
}

} // namespace

void* take_recycled(std::size_t bytes, std::size_t most, bool largest) noexcept {
    if (most == 0) most = 2 * bytes + k_huge_page;
    if (bytes < k_min_recycled || bytes > k_max_recycled || !recycling_on()) return nullptr;
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    std::size_t best = p.kept.size();
    for (std::size_t i = 0; i < p.kept.size(); ++i) {
        const std::size_t cap = p.kept[i].second;
        const bool better = best == p.kept.size() || (largest ? cap > p.kept[best].second : cap < p.kept[best].second);
        if (cap >= bytes && cap <= most && better) {
            best = i;
        }
    }
    if (best == p.kept.size()) return nullptr;
    void* out = p.kept[best].first;
    p.total -= p.kept[best].second;
    p.kept.erase(p.kept.begin() + static_cast<std::ptrdiff_t>(best));
    return out;
}

void recycle(void* ptr) noexcept {
    if (ptr == nullptr) return;
    const std::size_t cap = malloc_usable_size(ptr);
    if (cap < k_min_recycled || cap > k_max_recycled || !recycling_on()) {
        std::free(ptr); // NOLINT(cppcoreguidelines-no-malloc): the buffers are malloc's
        return;
    }
#ifdef MADV_FREE
    // The kernel may take the pages back under memory pressure; until then reuse is free.
    const auto mask = ~std::uintptr_t{4095};
    const auto begin = (reinterpret_cast<std::uintptr_t>(ptr) + 4095) & mask; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): address arithmetic for madvise
    const auto end = (reinterpret_cast<std::uintptr_t>(ptr) + cap) & mask; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): as above
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_FREE); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast,performance-no-int-to-ptr): a hint
#endif
    std::vector<void*> drop;
    {
        Pool& p = pool();
        std::lock_guard lock(p.mutex);
        p.kept.emplace_back(ptr, cap);
        p.total += cap;
        while (p.kept.size() > k_max_buffers || p.total > k_max_kept) {
            drop.push_back(p.kept.front().first);
            p.total -= p.kept.front().second;
            p.kept.erase(p.kept.begin());
        }
    }
    for (void* d : drop) std::free(d); // NOLINT(cppcoreguidelines-no-malloc): as above
}

void* allocate_large(std::size_t bytes) noexcept {
    if (bytes < k_min_recycled) return std::malloc(std::max<std::size_t>(bytes, 1)); // NOLINT(cppcoreguidelines-no-malloc): recycle() frees malloc's buffers
    const std::size_t rounded = (bytes + k_huge_page - 1) / k_huge_page * k_huge_page;
    if (void* p = take_recycled(rounded)) return p;
    void* p = std::aligned_alloc(k_huge_page, rounded);
    if (p != nullptr) advise_huge_pages(p, rounded);
    return p;
}

void copy_large(void* dst, const void* src, std::size_t n) noexcept {
    constexpr std::size_t k_min_parallel = std::size_t{16} << 20;
    auto* to = static_cast<unsigned char*>(dst);
    const auto* from = static_cast<const unsigned char*>(src);
    const unsigned threads = n < k_min_parallel ? 1U : worker_count(n, n / k_huge_page);
    if (threads <= 1) {
        std::memcpy(to, from, n);
        return;
    }
    // Piece t ends on a 2 MiB boundary of dst (the last one at n): no huge page is split.
    const auto base = reinterpret_cast<std::uintptr_t>(to); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): address arithmetic
    auto cut = [&](unsigned t) -> std::size_t {
        if (t == 0) return 0;
        if (t >= threads) return n;
        const std::size_t at = n / threads * t;
        const std::size_t aligned = (base + at + k_huge_page - 1) / k_huge_page * k_huge_page - base;
        return std::min(aligned, n);
    };
    std::vector<std::thread> pool;
    unsigned t = 1;
    try {
        for (; t < threads; ++t) {
            pool.emplace_back([=] { std::memcpy(to + cut(t), from + cut(t), cut(t + 1) - cut(t)); });
        }
    } catch (...) { // no more threads: the rest is copied here
    }
    std::memcpy(to, from, cut(1));
    if (t < threads) std::memcpy(to + cut(t), from + cut(t), n - cut(t));
    for (auto& th : pool) th.join();
}

unsigned worker_count(std::size_t bytes, std::size_t tasks, unsigned limit) noexcept {
    if (bytes < (std::size_t{4} << 20) || tasks < 2) return 1;
    unsigned n = std::max(1U, std::thread::hardware_concurrency());
    if (limit > 0) n = std::min(n, limit);
    if (const char* cfg = CPLGetConfigOption("GDAL_NUM_THREADS", nullptr)) {
        if (!EQUAL(cfg, "ALL_CPUS")) {
            const int v = std::atoi(cfg);
            if (v >= 1) n = std::min(n, static_cast<unsigned>(v));
        }
    }
    n = std::min<unsigned>(n, static_cast<unsigned>(std::min<std::size_t>(tasks, 64)));
    return std::max(1U, n);
}

} // namespace rastio::detail
