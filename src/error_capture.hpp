#pragma once
// Private: captures the errors GDAL reports during one scope, on this thread only.

#include <string>

#include <cpl_error.h>

namespace rastio::detail {

/// While alive, GDAL errors raised on this thread are recorded here instead of printed.
class ErrorCapture {
public:
    ErrorCapture();
    ErrorCapture(const ErrorCapture&) = delete;
    ErrorCapture& operator=(const ErrorCapture&) = delete;
    ErrorCapture(ErrorCapture&&) = delete;
    ErrorCapture& operator=(ErrorCapture&&) = delete;
    ~ErrorCapture() = default;

    /// True when GDAL reported a CE_Failure or CE_Fatal since construction.
    bool failed() const noexcept { return m_failed; }
    /// The first failure's message (GDAL's first report is usually the cause).
    const std::string& message() const noexcept { return m_message; }
    int error_number() const noexcept { return m_errno; }
    /// Every message, warnings included, one per line.
    const std::string& all_messages() const noexcept { return m_all; }

    /// Throws IOError("<what> (<path>): <GDAL message>") with GDAL's report.
    [[noreturn]] void throw_io(const std::string& what, const std::string& path) const;

private:
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum no, const char* msg);

    CPLErrorHandlerPusher m_pusher;
    bool m_failed = false;
    int m_errno = 0;
    std::string m_message;
    std::string m_all;
};

} // namespace rastio::detail
