#pragma once
/// Pixel data types, named as numpy and rasterio name them.

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rastio {

/// The data type of a band's pixels.
enum class DType {
    uint8, int8, uint16, int16, uint32, int32, uint64, int64,
    float32, float64, cint16, cint32, cfloat32, cfloat64
};

/// A complex value with 16-bit integer parts (GDAL's CInt16).
struct complex_int16 {
    std::int16_t real = 0;
    std::int16_t imag = 0;
    bool operator==(const complex_int16&) const = default;
};

/// A complex value with 32-bit integer parts (GDAL's CInt32).
struct complex_int32 {
    std::int32_t real = 0;
    std::int32_t imag = 0;
    bool operator==(const complex_int32&) const = default;
};

/// The numpy name of `t`: "uint8", "float32", "complex64"...
std::string_view to_string(DType t) noexcept;

/// Parses a numpy/rasterio dtype name ("uint8", "float32", "complex64", "complex_int16") or a
/// GDAL type name ("Byte", "UInt16", "CFloat32"); throws ArgumentError on an unknown name.
DType parse_dtype(std::string_view name);

/// Bytes per pixel of `t`.
std::size_t dtype_size(DType t) noexcept;

/// True for the four complex types.
bool is_complex(DType t) noexcept;
/// True for float32, float64 and the complex float types.
bool is_floating(DType t) noexcept;
/// True for signed integer and floating types.
bool is_signed(DType t) noexcept;

namespace detail {
template <class T> struct dtype_traits { static constexpr bool known = false; };
#define RASTIO_DTYPE_TRAIT(T, D) \
    template <> struct dtype_traits<T> { static constexpr bool known = true; static constexpr DType value = DType::D; }
RASTIO_DTYPE_TRAIT(std::uint8_t, uint8);
RASTIO_DTYPE_TRAIT(std::int8_t, int8);
RASTIO_DTYPE_TRAIT(std::uint16_t, uint16);
RASTIO_DTYPE_TRAIT(std::int16_t, int16);
RASTIO_DTYPE_TRAIT(std::uint32_t, uint32);
RASTIO_DTYPE_TRAIT(std::int32_t, int32);
RASTIO_DTYPE_TRAIT(std::uint64_t, uint64);
RASTIO_DTYPE_TRAIT(std::int64_t, int64);
RASTIO_DTYPE_TRAIT(float, float32);
RASTIO_DTYPE_TRAIT(double, float64);
RASTIO_DTYPE_TRAIT(complex_int16, cint16);
RASTIO_DTYPE_TRAIT(complex_int32, cint32);
RASTIO_DTYPE_TRAIT(std::complex<float>, cfloat32);
RASTIO_DTYPE_TRAIT(std::complex<double>, cfloat64);
#undef RASTIO_DTYPE_TRAIT
} // namespace detail

/// A C++ type that is a pixel of one of rastio's DTypes.
template <class T>
concept Pixel = detail::dtype_traits<T>::known;

/// The DType of the C++ pixel type T.
template <Pixel T>
inline constexpr DType dtype_of = detail::dtype_traits<T>::value;

/// Calls f with a value-initialised pixel of the C++ type matching `t`.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
    switch (t) {
    case DType::uint8: return f(std::uint8_t{});
    case DType::int8: return f(std::int8_t{});
    case DType::uint16: return f(std::uint16_t{});
    case DType::int16: return f(std::int16_t{});
    case DType::uint32: return f(std::uint32_t{});
    case DType::int32: return f(std::int32_t{});
    case DType::uint64: return f(std::uint64_t{});
    case DType::int64: return f(std::int64_t{});
    case DType::float32: return f(float{});
    case DType::float64: return f(double{});
    case DType::cint16: return f(complex_int16{});
    case DType::cint32: return f(complex_int32{});
    case DType::cfloat32: return f(std::complex<float>{});
    case DType::cfloat64: break;
    }
    return f(std::complex<double>{});
}

} // namespace rastio
