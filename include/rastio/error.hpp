#pragma once
/// rastio's exceptions: one hierarchy rooted in rastio::Error.

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

} // namespace rastio
