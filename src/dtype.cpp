#include <rastio/dtype.hpp>

#include <array>
#include <string>

#include <rastio/error.hpp>

namespace rastio {

namespace {
struct DTypeInfo {
    DType type;
    std::string_view name;
    std::size_t size;
};
constexpr std::array<DTypeInfo, 14> k_dtypes{{
    {DType::uint8, "uint8", 1},       {DType::int8, "int8", 1},
    {DType::uint16, "uint16", 2},     {DType::int16, "int16", 2},
    {DType::uint32, "uint32", 4},     {DType::int32, "int32", 4},
    {DType::uint64, "uint64", 8},     {DType::int64, "int64", 8},
    {DType::float32, "float32", 4},   {DType::float64, "float64", 8},
    {DType::cint16, "complex_int16", 4}, {DType::cint32, "complex_int32", 8},
    {DType::cfloat32, "complex64", 8}, {DType::cfloat64, "complex128", 16},
}};
const DTypeInfo& info(DType t) noexcept { return k_dtypes[static_cast<std::size_t>(t)]; }
} // namespace

std::string_view to_string(DType t) noexcept { return info(t).name; }

std::size_t dtype_size(DType t) noexcept { return info(t).size; }

DType parse_dtype(std::string_view name) {
    for (const auto& i : k_dtypes) {
        if (i.name == name) return i.type;
    }
    // Aliases numpy and GDAL users write (GDAL's own type names included, as gdalinfo prints them).
    if (name == "byte" || name == "Byte") return DType::uint8;
    if (name == "Int8") return DType::int8;
    if (name == "UInt16") return DType::uint16;
    if (name == "Int16") return DType::int16;
    if (name == "UInt32") return DType::uint32;
    if (name == "Int32") return DType::int32;
    if (name == "UInt64") return DType::uint64;
    if (name == "Int64") return DType::int64;
    if (name == "float" || name == "Float32") return DType::float32;
    if (name == "double" || name == "Float64") return DType::float64;
    if (name == "cint16" || name == "CInt16") return DType::cint16;
    if (name == "cint32" || name == "CInt32") return DType::cint32;
    if (name == "cfloat32" || name == "CFloat32") return DType::cfloat32;
    if (name == "cfloat64" || name == "CFloat64") return DType::cfloat64;
    std::string known;
    for (const auto& i : k_dtypes) {
        if (!known.empty()) known += ", ";
        known += i.name;
    }
    throw ArgumentError("unknown dtype \"" + std::string(name) + "\"; known dtypes: " + known);
}

bool is_complex(DType t) noexcept {
    return t == DType::cint16 || t == DType::cint32 || t == DType::cfloat32 || t == DType::cfloat64;
}

bool is_floating(DType t) noexcept {
    return t == DType::float32 || t == DType::float64 || t == DType::cfloat32 || t == DType::cfloat64;
}

bool is_signed(DType t) noexcept {
    return !(t == DType::uint8 || t == DType::uint16 || t == DType::uint32 || t == DType::uint64);
}

} // namespace rastio
