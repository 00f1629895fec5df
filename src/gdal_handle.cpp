#include "gdal_handle.hpp"

#include <cstdlib>
#include <mutex>

#include <unistd.h>

#include <rastio/error.hpp>

namespace rastio::detail {

void ensure_gdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

StringList::StringList(const Options& options) {
    for (const auto& [k, v] : options) add(k, v);
}

void StringList::add(const std::string& key, const std::string& value) {
    const std::string prefix = key + "=";
    for (auto& item : m_items) {
        if (item.compare(0, prefix.size(), prefix) == 0) {
            item = prefix + value;
            return;
        }
    }
    m_items.push_back(prefix + value);
}

char** StringList::get() {
    if (m_items.empty()) return nullptr;
    m_ptrs.clear();
    for (auto& s : m_items) m_ptrs.push_back(s.data());
    m_ptrs.push_back(nullptr);
    return m_ptrs.data();
}

GDALDataType to_gdal(DType t) noexcept {
    switch (t) {
    case DType::uint8:
    case DType::int8: return GDT_Byte;
    case DType::uint16: return GDT_UInt16;
    case DType::int16: return GDT_Int16;
    case DType::uint32: return GDT_UInt32;
    case DType::int32: return GDT_Int32;
    case DType::uint64: return GDT_UInt64;
    case DType::int64: return GDT_Int64;
    case DType::float32: return GDT_Float32;
    case DType::float64: return GDT_Float64;
    case DType::cint16: return GDT_CInt16;
    case DType::cint32: return GDT_CInt32;
    case DType::cfloat32: return GDT_CFloat32;
    case DType::cfloat64: return GDT_CFloat64;
    }
    return GDT_Unknown;
}

DType band_dtype(GDALRasterBandH band) {
    const GDALDataType t = GDALGetRasterDataType(band);
    switch (t) {
    case GDT_Byte: {
        const char* pt = GDALGetMetadataItem(band, "PIXELTYPE", "IMAGE_STRUCTURE");
        return (pt && EQUAL(pt, "SIGNEDBYTE")) ? DType::int8 : DType::uint8;
    }
    case GDT_UInt16: return DType::uint16;
    case GDT_Int16: return DType::int16;
    case GDT_UInt32: return DType::uint32;
    case GDT_Int32: return DType::int32;
    case GDT_UInt64: return DType::uint64;
    case GDT_Int64: return DType::int64;
    case GDT_Float32: return DType::float32;
    case GDT_Float64: return DType::float64;
    case GDT_CInt16: return DType::cint16;
    case GDT_CInt32: return DType::cint32;
    case GDT_CFloat32: return DType::cfloat32;
    case GDT_CFloat64: return DType::cfloat64;
    default: break;
    }
    throw IOError(std::string("band has a data type rastio does not know: ") + GDALGetDataTypeName(t));
}

std::uint64_t default_max_read_bytes() {
    static const std::uint64_t total = [] {
        const long pages = sysconf(_SC_PHYS_PAGES);
        const long page = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page <= 0) return std::uint64_t{8} << 30;
        return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
    }();
    return total;
}

std::uint64_t max_read_bytes() {
    const char* v = CPLGetConfigOption("RASTIO_MAX_READ_BYTES", nullptr);
    if (v != nullptr && *v != '\0') {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(v, &end, 10);
        if (end != v && *end == '\0') return n;
        throw ArgumentError(std::string("RASTIO_MAX_READ_BYTES must be a whole number of bytes, not \"") + v + "\"");
    }
    return default_max_read_bytes();
}

} // namespace rastio::detail
