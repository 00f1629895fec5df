#include <rastio/error.hpp>

#include "error_capture.hpp"

namespace rastio {

IOError::IOError(const std::string& what, std::string path, int gdal_errno, std::string gdal_message)
    : Error(what), m_path(std::move(path)), m_errno(gdal_errno), m_gdal_message(std::move(gdal_message)) {}

namespace detail {

ErrorCapture::ErrorCapture() : m_pusher(&ErrorCapture::handler, this) {}

void CPL_STDCALL ErrorCapture::handler(CPLErr cls, CPLErrorNum no, const char* msg) {
    auto* self = static_cast<ErrorCapture*>(CPLGetErrorHandlerUserData());
    if (self == nullptr || cls == CE_Debug) return;
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
    throw IOError(full, path, m_errno, m_message);
}

} // namespace detail
} // namespace rastio
