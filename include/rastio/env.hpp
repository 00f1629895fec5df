#pragma once
/// Scoped GDAL configuration options, as rasterio's Env.

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rastio {

/// Sets GDAL configuration options for the current thread while it lives and restores the
/// previous values after. Nestable. rastio's own options live here too:
/// RASTIO_MAX_READ_BYTES caps the size of one read (default: the machine's memory).
///
/// Example:
///     rastio::Env env({{"GDAL_CACHEMAX", "512"}, {"GDAL_NUM_THREADS", "ALL_CPUS"}});
class Env {
public:
    explicit Env(const std::map<std::string, std::string>& options);
    /// Env({{"KEY", "value"}, ...}); also makes a single pair unambiguous.
    explicit Env(std::initializer_list<std::pair<const std::string, std::string>> options)
        : Env(std::map<std::string, std::string>(options)) {}
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    Env(Env&&) = delete;
    Env& operator=(Env&&) = delete;
    ~Env();

    /// The value in force on this thread (thread-local, then global, then environment).
    static std::optional<std::string> get(const std::string& key);

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> m_previous;
};

} // namespace rastio
