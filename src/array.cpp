#include <rastio/array.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "memory_hints.hpp"

namespace rastio {

namespace detail {

std::size_t checked_elements(const Shape& shape, std::size_t elem_size) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) {
            throw ArgumentError("array shape (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                                ", " + std::to_string(shape[2]) + ") is too large to allocate");
        }
        n *= d;
    }
    if (elem_size != 0 && n > std::numeric_limits<std::size_t>::max() / elem_size) {
        throw ArgumentError("array of " + std::to_string(n) + " pixels is too large to allocate");
    }
    return n;
}

void* allocate_pixels(std::size_t bytes, bool zero) {
    if (bytes == 0) bytes = 1;
    void* p = nullptr;
    if (bytes >= 4 * k_huge_page && huge_pages_available()) {
        const std::size_t rounded = (bytes + k_huge_page - 1) / k_huge_page * k_huge_page;
        p = take_recycled(rounded);
        if (p == nullptr) {
            p = std::aligned_alloc(k_huge_page, rounded);
            if (p != nullptr) advise_huge_pages(p, rounded);
        }
    } else {
        p = std::malloc(bytes); // NOLINT(cppcoreguidelines-no-malloc): pixels are trivially copyable; one free path
    }
    if (p == nullptr) throw std::bad_alloc();
    if (zero) std::memset(p, 0, bytes);
    return p;
}

void free_pixels(void* p) noexcept { recycle(p); }

void throw_index_error(const Shape& shape, std::size_t band, std::size_t row, std::size_t col) {
    throw ArgumentError("index (" + std::to_string(band) + ", " + std::to_string(row) + ", " +
                        std::to_string(col) + ") is outside an array of shape (" + std::to_string(shape[0]) +
                        ", " + std::to_string(shape[1]) + ", " + std::to_string(shape[2]) + ")");
}

} // namespace detail

AnyArray::AnyArray(DType t, const Shape& shape) {
    visit_dtype(t, [&](auto v) { m_array = Array<decltype(v)>(shape); });
}

AnyArray AnyArray::uninitialized(DType t, const Shape& shape) {
    AnyArray out;
    visit_dtype(t, [&](auto v) { out.m_array = Array<decltype(v)>::uninitialized(shape); });
    return out;
}

DType AnyArray::dtype() const noexcept {
    return std::visit([](const auto& a) { return a.dtype(); }, m_array);
}

const Shape& AnyArray::shape() const noexcept {
    return std::visit([](const auto& a) -> const Shape& { return a.shape(); }, m_array);
}

std::size_t AnyArray::size() const noexcept {
    return std::visit([](const auto& a) { return a.size(); }, m_array);
}

std::span<const std::byte> AnyArray::bytes() const noexcept {
    return std::visit([](const auto& a) { return a.bytes(); }, m_array);
}

std::span<std::byte> AnyArray::writable_bytes() noexcept {
    return std::visit([](auto& a) { return a.writable_bytes(); }, m_array);
}

namespace {

/// x86-64's cvttsd2si with a 32-bit result: truncation, and INT32_MIN for NaN or out of range.
std::int32_t truncate_to_int32(double v) noexcept {
    if (!(v > -2147483649.0 && v < 2147483648.0)) return std::numeric_limits<std::int32_t>::min();
    return static_cast<std::int32_t>(v);
}

/// The same with a 64-bit result.
std::int64_t truncate_to_int64(double v) noexcept {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(v);
}

/// One value cast as numpy's unsafe astype (see astype()); From and To are real pixel types.
template <class To, class From>
To numpy_cast(From v) noexcept {
    if constexpr (std::is_floating_point_v<To>) {
        if constexpr (std::is_same_v<To, float> && std::is_same_v<From, double>) {
            // Past float's range plus half an ulp the nearest float is an infinity.
            constexpr double limit = 3.4028235677973366e38; // 0x1.ffffffp127
            if (std::isfinite(v) && std::abs(v) >= limit) return v > 0 ? std::numeric_limits<float>::infinity()
                                                                         : -std::numeric_limits<float>::infinity();
        }
        return static_cast<To>(v);
    } else if constexpr (std::is_integral_v<From>) {
        return static_cast<To>(v); // modulo 2^bits (C++20)
    } else {
        const double d = static_cast<double>(v);
        if constexpr (sizeof(To) < 4 || std::is_same_v<To, std::int32_t>) {
            return static_cast<To>(truncate_to_int32(d));
        } else if constexpr (std::is_same_v<To, std::uint32_t>) {
            if (d >= 2147483648.0) return static_cast<To>(static_cast<std::uint32_t>(truncate_to_int32(d - 2147483648.0)) ^ 0x80000000u);
            return static_cast<To>(truncate_to_int32(d));
        } else if constexpr (std::is_same_v<To, std::int64_t>) {
            return truncate_to_int64(d);
        } else {
            if (d >= 9223372036854775808.0) {
                return static_cast<To>(static_cast<std::uint64_t>(truncate_to_int64(d - 9223372036854775808.0)) ^ 0x8000000000000000ull);
            }
            return static_cast<To>(truncate_to_int64(d));
        }
    }
}

template <class T>
constexpr bool is_real_pixel = std::is_arithmetic_v<T>;

} // namespace

AnyArray astype(const AnyArray& a, DType to) {
    if (is_complex(a.dtype()) || is_complex(to)) {
        throw ArgumentError("cannot cast " + std::string(to_string(a.dtype())) + " to " + std::string(to_string(to)) +
                            ": complex casts are not supported");
    }
    AnyArray out = AnyArray::uninitialized(to, a.shape());
    visit_dtype(a.dtype(), [&](auto from_tag) {
        using From = decltype(from_tag);
        visit_dtype(to, [&](auto to_tag) {
            using To = decltype(to_tag);
            if constexpr (is_real_pixel<From> && is_real_pixel<To>) {
                const auto* src = static_cast<const From*>(a.data());
                auto* dst = static_cast<To*>(out.data());
                const std::size_t n = a.size();
                for (std::size_t i = 0; i < n; ++i) dst[i] = numpy_cast<To>(src[i]);
            }
        });
    });
    return out;
}

void AnyArray::throw_mismatch(DType wanted) const {
    throw ArgumentError("array holds " + std::string(to_string(dtype())) + " pixels, not " +
                        std::string(to_string(wanted)));
}

} // namespace rastio
