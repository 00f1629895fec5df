#include <rastio/error.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include <atomic>

#include <cpl_conv.h>

#include "error_capture.hpp"

namespace rastio {

IOError::IOError(const std::string& what, std::string path, int gdal_errno, std::string gdal_message)
    : Error(what), m_path(std::move(path)), m_errno(gdal_errno), m_gdal_message(std::move(gdal_message)) {}

namespace {

/// The process-wide handler. Shared so that a delivery under way keeps the handler it took
/// alive while another thread replaces it.
std::mutex g_handler_mutex;
std::shared_ptr<const WarningHandler> g_handler; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): guarded by g_handler_mutex

/// This thread's innermost WarningScope, or null.
thread_local const WarningScope* t_scope = nullptr;

} // namespace

WarningHandler set_warning_handler(WarningHandler handler) {
    auto next = handler ? std::make_shared<const WarningHandler>(std::move(handler)) : nullptr;
    std::lock_guard lock(g_handler_mutex);
    auto previous = std::exchange(g_handler, std::move(next));
    return previous ? *previous : WarningHandler{};
}

WarningScope::WarningScope(WarningHandler handler) : m_handler(std::move(handler)), m_outer(t_scope) {
    t_scope = this;
}

WarningScope::~WarningScope() { t_scope = m_outer; }

void deliver_warning(const Warning& warning) noexcept {
    try {
        if (const WarningScope* scope = t_scope) {
            if (scope->m_handler) scope->m_handler(warning);
            return;
        }
        std::shared_ptr<const WarningHandler> handler;
        {
            std::lock_guard lock(g_handler_mutex);
            handler = g_handler;
        }
        if (handler) (*handler)(warning);
    } catch (...) { // NOLINT(bugprone-empty-catch): documented: a handler's exception is dropped
    }
}

namespace detail {

namespace {
std::atomic<bool> network_diagnostics{false};
} // namespace

void enable_network_diagnostics() noexcept { network_diagnostics.store(true, std::memory_order_relaxed); }

ErrorCapture::ErrorCapture(std::string path) : ErrorCapture(WarningPolicy::forward, std::move(path)) {}

ErrorCapture::ErrorCapture(WarningPolicy policy, std::string path) : m_policy(policy), m_path(std::move(path)) {
    CPLPushErrorHandlerEx(&ErrorCapture::handler, this);
    if (network_diagnostics.load(std::memory_order_relaxed) && CPLGetConfigOption("CPL_DEBUG", nullptr) == nullptr) {
        CPLSetThreadLocalConfigOption("CPL_DEBUG", "VSICURL");
        m_set_debug = true;
    }
}

ErrorCapture::~ErrorCapture() {
    if (m_set_debug) CPLSetThreadLocalConfigOption("CPL_DEBUG", nullptr);
    // Popped before delivering: a warning handler that calls GDAL reports to whatever is below.
    CPLPopErrorHandler();
    if (m_policy != WarningPolicy::forward) return;
    for (const auto& w : m_warnings) deliver_warning(w);
    if (m_dropped > 0) {
        deliver_warning(Warning{std::to_string(m_dropped) + " more GDAL warnings in this call were not kept",
                                0, m_path});
    }
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
    if (self == nullptr || cls == CE_None) return;
    if (cls == CE_Debug) {
        if (msg != nullptr) self->note_debug(msg);
        return;
    }
    std::string text = msg ? msg : "";
    if (cls == CE_Warning) {
        if (self->m_policy == WarningPolicy::drop) return;
        // GDAL often says the same thing twice (once in validation, once in the driver).
        const bool seen = std::any_of(self->m_warnings.begin(), self->m_warnings.end(), [&](const Warning& w) {
            return w.gdal_errno == no && w.message == text;
        });
        if (seen) return;
        if (self->m_warnings.size() >= k_max_warnings) {
            ++self->m_dropped;
            return;
        }
        self->m_warnings.push_back(Warning{std::move(text), no, self->m_path});
        return;
    }
    if (!self->m_failed) {
        self->m_failed = true;
        self->m_errno = no;
        self->m_message = std::move(text);
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
