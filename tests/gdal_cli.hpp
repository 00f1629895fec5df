#pragma once
// Test helpers for comparing rastio with GDAL's own command-line tools, and temporary folders on
// disk. Header-only so that any test program may include it.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace rastio::test {

/// A fresh folder under the system's temporary folder, removed with everything in it on scope exit.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        const auto base = std::filesystem::temp_directory_path();
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto p = base / ("rastio-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
            std::error_code ec;
            if (std::filesystem::create_directory(p, ec)) {
                m_path = p;
                return;
            }
        }
        throw std::runtime_error("cannot create a temporary folder");
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::filesystem::path& path() const noexcept { return m_path; }
    /// The path of a file in this folder, as a string.
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

/// Quotes a string for the POSIX shell.
inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

/// Runs a shell command, returning its standard output; throws when it fails.
inline std::string run_command(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
    return out;
}

/// True when the gdalinfo program is on PATH.
inline bool have_gdalinfo() {
    static const bool have = std::system("gdalinfo --version > /dev/null 2>&1") == 0;
    return have;
}

/// What `gdalinfo -json` reports for a file on disk (GDAL's own view, not rastio's).
inline nlohmann::json gdalinfo_json(const std::string& path, const std::string& extra = "") {
    return nlohmann::json::parse(run_command("gdalinfo -json " + extra + " " + shell_quote(path) + " 2>/dev/null"));
}

/// A nodata value as gdalinfo -json writes it: a number, or "NaN", "Infinity", "-Infinity".
inline std::optional<double> json_nodata(const nlohmann::json& band) {
    if (!band.contains("noDataValue")) return std::nullopt;
    const auto& v = band["noDataValue"];
    if (v.is_number()) return v.get<double>();
    const auto s = v.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("unexpected noDataValue " + v.dump());
}

/// Equal as nodata values are: NaN equals NaN; finite values within a relative tolerance.
inline bool same_nodata(std::optional<double> a, std::optional<double> b, double rel = 0.0) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    if (std::isnan(*a) || std::isnan(*b)) return std::isnan(*a) && std::isnan(*b);
    if (std::isinf(*a) || std::isinf(*b)) return *a == *b;
    return std::abs(*a - *b) <= rel * std::abs(*b);
}

} // namespace rastio::test

/// Skips the current test, saying why, when gdalinfo is not installed.
#define RASTIO_REQUIRE_GDALINFO()                                                                  \
    do {                                                                                           \
        if (!::rastio::test::have_gdalinfo())                                                      \
            GTEST_SKIP() << "skipped: gdalinfo (Debian package gdal-bin) is not on PATH";          \
    } while (0)
