#pragma once
// Private: captures the errors GDAL reports during one scope, on this thread only.

#include <string>

#include <cpl_error.h>

namespace rastio::detail {

/// Makes every later ErrorCapture watch for failed HTTP requests (see below); called when a
/// remote path is opened, so that a process that never reads over a network pays nothing.
void enable_network_diagnostics() noexcept;

/// While alive, GDAL errors raised on this thread are recorded here instead of printed. GDAL 3.6
/// reports a failed HTTP request of /vsicurl/ (status, timeout, cut body) only as a debug line:
/// once network diagnostics are on, the capture turns on CPL_DEBUG=VSICURL for this thread
/// (unless CPL_DEBUG is set; about 1.5 us) and keeps the last such failure, which throw_io()
/// adds to its message.
class ErrorCapture {
public:
    ErrorCapture();
    ErrorCapture(const ErrorCapture&) = delete;
    ErrorCapture& operator=(const ErrorCapture&) = delete;
    ErrorCapture(ErrorCapture&&) = delete;
    ErrorCapture& operator=(ErrorCapture&&) = delete;
    ~ErrorCapture();

    /// True when GDAL reported a CE_Failure or CE_Fatal since construction.
    bool failed() const noexcept { return m_failed; }
    /// The first failure's message (GDAL's first report is usually the cause).
    const std::string& message() const noexcept { return m_message; }
    int error_number() const noexcept { return m_errno; }
    /// The last failed HTTP request GDAL reported ("HTTP 500 for bytes 0-16383 of <url>"), or empty.
    const std::string& network_failure() const noexcept { return m_network; }
    /// Every message, warnings included, one per line.
    const std::string& all_messages() const noexcept { return m_all; }

    /// Throws IOError("<what> (<path>): <GDAL message>") with GDAL's report.
    [[noreturn]] void throw_io(const std::string& what, const std::string& path) const;

private:
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum no, const char* msg);
    void note_debug(const std::string& text);

    CPLErrorHandlerPusher m_pusher;
    bool m_failed = false;
    int m_errno = 0;
    std::string m_message;
    std::string m_all;
    std::string m_network;
    std::string m_last_download; // "bytes a-b of <url>", from VSICURL's "Downloading" line
    bool m_set_debug = false;
};

} // namespace rastio::detail
