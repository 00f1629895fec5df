#include <rastio/env.hpp>

#include <cpl_conv.h>

#include <rastio/error.hpp>

#include "gdal_handle.hpp"

namespace rastio {

Env::Env(const std::map<std::string, std::string>& options) {
    detail::ensure_gdal();
    for (const auto& [key, value] : options) {
        if (key.empty() || key.find_first_of("= \t\n") != std::string::npos) {
            throw ArgumentError("\"" + key + "\" is not a GDAL configuration option name (e.g. GDAL_CACHEMAX)");
        }
    }
    m_previous.reserve(options.size());
    for (const auto& [key, value] : options) {
        // Only this thread's own layer is saved and restored: options set globally (CPLSetConfigOption)
        // or in the process environment are shadowed while this Env lives, never changed.
        const char* prev = CPLGetThreadLocalConfigOption(key.c_str(), nullptr);
        m_previous.emplace_back(key, prev ? std::optional<std::string>(prev) : std::nullopt);
        CPLSetThreadLocalConfigOption(key.c_str(), value.c_str());
    }
}

Env::~Env() {
    // Restore in reverse order so that a key given twice ends as it began.
    for (auto it = m_previous.rbegin(); it != m_previous.rend(); ++it) {
        CPLSetThreadLocalConfigOption(it->first.c_str(), it->second ? it->second->c_str() : nullptr);
    }
}

std::optional<std::string> Env::get(const std::string& key) {
    detail::ensure_gdal();
    const char* v = CPLGetConfigOption(key.c_str(), nullptr);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

} // namespace rastio
