#include <rastio/error.hpp>

#include "error_capture.hpp"

#include <algorithm>
#include <atomic>

#include <cpl_conv.h>

namespace rastio {

IOError::IOError(const std::string& what, std::string path, int gdal_errno, std::string gdal_message)
    : Error(what), m_path(std::move(path)), m_errno(gdal_errno), m_gdal_message(std::move(gdal_message)) {}

namespace detail {

namespace {
std::atomic<bool> network_diagnostics{false};
} // namespace

void enable_network_diagnostics() noexcept { network_diagnostics.store(true, std::memory_order_relaxed); }

ErrorCapture::ErrorCapture() : m_pusher(&ErrorCapture::handler, this) {
    if (network_diagnostics.load(std::memory_order_relaxed) && CPLGetConfigOption("CPL_DEBUG", nullptr) == nullptr) {
        CPLSetThreadLocalConfigOption("CPL_DEBUG", "VSICURL");
        m_set_debug = true;
    }
}

ErrorCapture::~ErrorCapture() {
    if (m_set_debug) CPLSetThreadLocalConfigOption("CPL_DEBUG", nullptr);
}

namespace {

/// The text between `start` and `end` in `s` (after the first `start`), or empty.
std::string between(const std::string& s, const std::string& start, const std::string& end) {
    const auto a = s.find(start);
    if (a == std::string::npos) return {};
    const auto b = s.find(end, a + start.size());
    return s.substr(a + start.size(), b == std::string::npos ? std::string::npos : b - a - start.size());
}

} // namespace

void ErrorCapture::note_debug(const std::string& text) {
    // GDAL 3.6's /vsicurl/: "VSICURL: Downloading 0-16383 (http://h/x.tif)...", then
    // "VSICURL: Got response_code=500", or "VSICURL: DownloadRegion(<url>): response_code=0, msg=<curl's>".
    if (text.rfind("VSICURL: ", 0) != 0) return;
    if (text.find("Downloading ") != std::string::npos) {
        const auto range = between(text, "Downloading ", " (");
        const auto url = between(text, " (", ")...");
        if (!range.empty() && !url.empty()) m_last_download = "bytes " + range + " of " + url;
        return;
    }
    if (const auto msg = between(text, "msg=", "\n"); !msg.empty()) {
        const auto url = between(text, "DownloadRegion(", "): ");
        m_network = msg + (m_last_download.empty() ? (url.empty() ? "" : " (" + url + ")") : " (" + m_last_download + ")");
        return;
    }
    std::string code = between(text, "response_code=", " ");
    code.resize(static_cast<std::size_t>(std::find_if_not(code.begin(), code.end(), [](char c) {
                                             return c >= '0' && c <= '9';
                                         }) - code.begin()));
    if (!code.empty() && code != "200" && code != "206" && code != "0") {
        if (text.find("GetFileSize(") != std::string::npos) {
            m_network = "HTTP " + code + " for " + between(text, "GetFileSize(", ")=");
        } else {
            m_network = "HTTP " + code + (m_last_download.empty() ? "" : " for " + m_last_download);
        }
    }
}

void CPL_STDCALL ErrorCapture::handler(CPLErr cls, CPLErrorNum no, const char* msg) {
    auto* self = static_cast<ErrorCapture*>(CPLGetErrorHandlerUserData());
    if (self == nullptr) return;
    if (cls == CE_Debug) {
        if (msg != nullptr) self->note_debug(msg);
        return;
    }
    const std::string text = msg ? msg : "";
    if (!self->m_all.empty()) self->m_all += '\n';
    self->m_all += text;
    if ((cls == CE_Failure || cls == CE_Fatal) && !self->m_failed) {
        self->m_failed = true;
        self->m_errno = no;
        self->m_message = text;
    }
}

void ErrorCapture::throw_io(const std::string& what, const std::string& path) const {
    std::string full = what;
    if (!path.empty()) full += " (" + path + ")";
    if (!m_message.empty()) full += ": " + m_message;
    std::string gdal = m_message;
    if (!m_network.empty() && m_message.find(m_network) == std::string::npos) {
        gdal += (gdal.empty() ? "" : " ") + ("[" + m_network + "]");
        full += " [" + m_network + "]";
    }
    throw IOError(full, path, m_errno, gdal);
}

} // namespace detail
} // namespace rastio
