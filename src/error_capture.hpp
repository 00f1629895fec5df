#pragma once
// Private: captures the errors GDAL reports during one scope, on this thread only.

#include <cstddef>
#include <string>
#include <vector>

#include <cpl_error.h>

#include <rastio/error.hpp>

namespace rastio::detail {

/// What a capture does with GDAL's warnings.
enum class WarningPolicy {
    forward, ///< hand them to the warning handler in force on this thread when the capture ends
    drop,    ///< keep them quiet (GDAL's complaints about something rastio tries and handles)
};

/// While alive, GDAL errors raised on this thread are recorded here instead of printed; its
/// warnings go, when it ends, to the handler in force on this thread (see rastio::WarningScope).
/// Pushes its handler on construction and pops it on destruction, as CPLErrorHandlerPusher
/// does, but pops before delivering the warnings.
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

    /// Throws IOError("<what> (<path>): <GDAL message>") with GDAL's report.
    [[noreturn]] void throw_io(const std::string& what, const std::string& path) const;

    /// Warnings kept per capture: a damaged file can make GDAL warn once per block.
    static constexpr std::size_t k_max_warnings = 100;

private:
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum no, const char* msg);

    WarningPolicy m_policy;
    std::string m_path;
    bool m_failed = false;
    int m_errno = 0;
    std::string m_message;
    std::vector<Warning> m_warnings;
    std::size_t m_dropped = 0;
};

} // namespace rastio::detail
