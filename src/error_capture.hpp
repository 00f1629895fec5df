#pragma once
// Private: captures the errors GDAL reports during one scope, on this thread only.

#include <cstddef>
#include <string>
#include <vector>

#include <cpl_error.h>

#include <rastio/error.hpp>

namespace rastio::detail {

/// Makes every later ErrorCapture watch for failed HTTP requests (see below); called when a
/// remote path is opened, so that a process that never reads over a network pays nothing.
void enable_network_diagnostics() noexcept;

/// What a capture does with GDAL's warnings.
enum class WarningPolicy {
    forward, ///< hand them to the warning handler in force on this thread when the capture ends
    drop,    ///< keep them quiet (GDAL's complaints about something rastio tries and handles)
};

/// While alive, GDAL errors raised on this thread are recorded here instead of printed; its
/// warnings go, when it ends, to the handler in force on this thread (see rastio::WarningScope).
/// Pushes its handler on construction and pops it on destruction, as CPLErrorHandlerPusher
/// does, but pops before delivering the warnings.
///
/// GDAL 3.6 reports a failed HTTP request of /vsicurl/ (status, timeout, cut body) only as a debug
/// line: once network diagnostics are on, the capture turns on CPL_DEBUG=VSICURL for this thread
/// (unless CPL_DEBUG is set; about 1.5 us) and keeps the last such failure, which throw_io() adds
/// to its message.
class ErrorCapture {
public:
    /// Forwards warnings, naming `path` (the dataset or file of the call) in them.
    explicit ErrorCapture(std::string path = {});
    explicit ErrorCapture(WarningPolicy policy, std::string path = {});
    ErrorCapture(const ErrorCapture&) = delete;
    ErrorCapture& operator=(const ErrorCapture&) = delete;
    ErrorCapture(ErrorCapture&&) = delete;
    ErrorCapture& operator=(ErrorCapture&&) = delete;
    /// Delivers the warnings, if forwarded (also while an exception unwinds).
    ~ErrorCapture();

    /// True when GDAL reported a CE_Failure or CE_Fatal since construction.
    bool failed() const noexcept { return m_failed; }
    /// The first failure's message (GDAL's first report is usually the cause).
    const std::string& message() const noexcept { return m_message; }
    int error_number() const noexcept { return m_errno; }
    /// The warnings recorded so far, each once, in order (at most k_max_warnings).
    const std::vector<Warning>& warnings() const noexcept { return m_warnings; }
    /// The last failed HTTP request GDAL reported ("HTTP 500 for bytes 0-16383 of <url>"), or empty.
    const std::string& network_failure() const noexcept { return m_network; }

    /// Throws IOError("<what> (<path>): <GDAL message>") with GDAL's report.
    [[noreturn]] void throw_io(const std::string& what, const std::string& path) const;

    /// Warnings kept per capture: a damaged file can make GDAL warn once per block.
    static constexpr std::size_t k_max_warnings = 100;

private:
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum no, const char* msg);
    void note_debug(const std::string& text);

    WarningPolicy m_policy;
    std::string m_path;
    bool m_failed = false;
    int m_errno = 0;
    std::string m_message;
    std::vector<Warning> m_warnings;
    std::size_t m_dropped = 0;
    std::string m_network;
    std::string m_last_download; // "bytes a-b of <url>", from VSICURL's "Downloading" line
    bool m_set_debug = false;
};

} // namespace rastio::detail
