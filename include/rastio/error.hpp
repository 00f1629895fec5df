#pragma once
/// rastio's exceptions: one hierarchy rooted in rastio::Error.

#include <functional>
#include <stdexcept>
#include <string>

namespace rastio {

/// Root of every exception rastio throws.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A file or in-memory file could not be opened, read or written; carries GDAL's own report.
class IOError : public Error {
public:
    explicit IOError(const std::string& what, std::string path = {}, int gdal_errno = 0,
                     std::string gdal_message = {});

    /// The path involved (a file, a /vsimem/ path, a member of a zip), or empty.
    const std::string& path() const noexcept { return m_path; }
    /// GDAL's CPLErrorNum for the failure, or 0 when GDAL reported none.
    int gdal_errno() const noexcept { return m_errno; }
    /// GDAL's own message for the failure, or empty.
    const std::string& gdal_message() const noexcept { return m_gdal_message; }

private:
    std::string m_path;
    int m_errno = 0;
    std::string m_gdal_message;
};

/// An unknown driver, or a driver that cannot do what was asked.
class DriverError : public Error {
public:
    using Error::Error;
};

/// A bad argument: band index, window, shape or dtype mismatch, missing profile field.
class ArgumentError : public Error {
public:
    using Error::Error;
};

/// An operation the object's mode does not allow (writing a reader, extending bytes...).
class ModeError : public Error {
public:
    using Error::Error;
};

/// Any use of a closed dataset or MemoryFile.
class ClosedError : public Error {
public:
    using Error::Error;
};

/// A warning GDAL raised during a rastio call (an unknown creation option, a value a driver
/// ignores, an odd TIFF tag...): the call itself went on.
struct Warning {
    std::string message; ///< GDAL's own message
    int gdal_errno = 0;  ///< GDAL's CPLErrorNum (e.g. 6 = CPLE_NotSupported)
    std::string path;    ///< the dataset or file the call was about, or empty
};

/// Receives warnings. Called on the thread that made the rastio call, once that call's GDAL work
/// is done (before it returns or throws), once per distinct warning. It may be called from
/// several threads at once, must not throw (an exception it throws is dropped) and may call rastio.
using WarningHandler = std::function<void(const Warning&)>;

/// Installs the process-wide handler, used on threads without a WarningScope; returns the
/// previous one. An empty handler drops warnings: the default, so nothing is printed.
/// Thread-safe; calls already under way finish with the handler they started delivering to.
WarningHandler set_warning_handler(WarningHandler handler);

/// While alive, warnings of rastio calls made on this thread go to `handler` instead of the
/// process-wide one (an empty handler drops them); other threads are not affected. Nestable,
/// like Env: the innermost scope wins, and the outer one is back once it is destroyed.
///
/// Example:
///     std::vector<rastio::Warning> seen;
///     rastio::WarningScope scope([&](const rastio::Warning& w) { seen.push_back(w); });
///     auto ds = rastio::open("out.tif", "w", profile);   // e.g. an option GTiff does not know
class WarningScope {
public:
    explicit WarningScope(WarningHandler handler);
    WarningScope(const WarningScope&) = delete;
    WarningScope& operator=(const WarningScope&) = delete;
    WarningScope(WarningScope&&) = delete;
    WarningScope& operator=(WarningScope&&) = delete;
    ~WarningScope();

private:
    friend void deliver_warning(const Warning& warning) noexcept;
    WarningHandler m_handler;
    const WarningScope* m_outer;
};

/// Hands `warning` to the handler in force on this thread (scope, else process-wide); drops it
/// when there is none. rastio calls this for GDAL's warnings; tools may call it for their own.
void deliver_warning(const Warning& warning) noexcept;

} // namespace rastio
