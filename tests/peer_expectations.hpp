#pragma once
// rasterio's answers for a parity suite: a peer script (run with Debian's /usr/bin/python3)
// writes DIR/cases.json and the arrays it names, or DIR/SKIP with the reason it could not.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "gdal_cli.hpp"

namespace rastio::test {

struct PeerExpectations {
    std::string skip; ///< "skipped: why" when the peer's answers are missing; empty otherwise
    std::string dir;  ///< where cases.json and its arrays are
    nlohmann::json cases = nlohmann::json::array();
    std::unique_ptr<TempDir> owned; ///< when this program ran the script itself
};

/// The answers in the directory `env_var` names (a ctest fixture wrote them), or, when the
/// program runs alone, those of `python script_and_args... DIR` run into a temporary DIR.
inline PeerExpectations load_peer_expectations(const char* env_var, const std::string& python,
                                               const std::string& script_and_args) {
    PeerExpectations x;
    if (const char* d = std::getenv(env_var)) x.dir = d;
    if (x.dir.empty() || (!std::filesystem::exists(x.dir + "/cases.json") && !std::filesystem::exists(x.dir + "/SKIP"))) {
        if (!std::filesystem::exists(python)) {
            x.skip = "skipped: " + python + " (python with rasterio) is not installed";
            return x;
        }
        x.owned = std::make_unique<TempDir>();
        x.dir = x.owned->file("expect");
        const std::string cmd = python + " " + script_and_args + " '" + x.dir + "' > /dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) { // NOLINT(cert-env33-c): runs the fixed peer script
            x.skip = "skipped: " + cmd + " failed";
            return x;
        }
    }
    if (std::ifstream skip(x.dir + "/SKIP"); skip) {
        std::getline(skip, x.skip);
        x.skip = "skipped: " + x.skip;
        return x;
    }
    std::ifstream in(x.dir + "/cases.json");
    x.cases = nlohmann::json::parse(in).at("cases");
    return x;
}

} // namespace rastio::test
