#include "memory_hints.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

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
