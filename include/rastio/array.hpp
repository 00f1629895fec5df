#pragma once
/// Owning, contiguous pixel arrays shaped (bands, rows, cols).

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include <rastio/dtype.hpp>
#include <rastio/error.hpp>

namespace rastio {

/// (bands, rows, cols).
using Shape = std::array<std::size_t, 3>;

namespace detail {
/// Number of elements of `shape`; throws ArgumentError when it overflows.
std::size_t checked_elements(const Shape& shape, std::size_t elem_size);
/// Memory for `bytes` of pixels: large buffers are aligned to 2 MiB and backed by transparent
/// huge pages where the kernel allows, so filling them costs a few page faults, not thousands.
/// Zero-filled when `zero`. Throws std::bad_alloc.
void* allocate_pixels(std::size_t bytes, bool zero);
void free_pixels(void* p) noexcept;
/// Frees pixel memory from allocate_pixels.
struct PixelDeleter {
    void operator()(void* p) const noexcept { free_pixels(p); }
};
[[noreturn]] void throw_index_error(const Shape& shape, std::size_t band, std::size_t row,
                                    std::size_t col);
} // namespace detail

/// A pixel array of type T, band-sequential and row-major: index (band, row, col).
template <Pixel T>
class Array {
public:
    using value_type = T;

    Array() = default;
    /// Allocates a zero-filled array of the given shape.
    explicit Array(const Shape& shape)
        : m_shape(shape), m_size(detail::checked_elements(shape, sizeof(T))),
          m_data(static_cast<T*>(detail::allocate_pixels(m_size * sizeof(T), true))) {}
    /// Allocates an array whose contents are left for the caller (or GDAL) to overwrite.
    static Array uninitialized(const Shape& shape) {
        Array a;
        a.m_shape = shape;
        a.m_size = detail::checked_elements(shape, sizeof(T));
        a.m_data.reset(static_cast<T*>(detail::allocate_pixels(a.m_size * sizeof(T), false)));
        return a;
    }

    Array(const Array& other) : Array(uninitialized(other.m_shape)) {
        if (m_size) std::memcpy(m_data.get(), other.m_data.get(), m_size * sizeof(T));
    }
    Array& operator=(const Array& other) {
        if (this != &other) *this = Array(other);
        return *this;
    }
    Array(Array&& other) noexcept
        : m_shape(std::exchange(other.m_shape, Shape{})), m_size(std::exchange(other.m_size, 0)),
          m_data(std::move(other.m_data)) {}
    Array& operator=(Array&& other) noexcept {
        m_shape = std::exchange(other.m_shape, Shape{});
        m_size = std::exchange(other.m_size, 0);
        m_data = std::move(other.m_data);
        return *this;
    }
    ~Array() = default;

    const Shape& shape() const noexcept { return m_shape; }
    std::size_t bands() const noexcept { return m_shape[0]; }
    std::size_t rows() const noexcept { return m_shape[1]; }
    std::size_t cols() const noexcept { return m_shape[2]; }
    /// Number of pixels over all bands.
    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }
    static constexpr DType dtype() noexcept { return dtype_of<T>; }

    T* data() noexcept { return m_data.get(); }
    const T* data() const noexcept { return m_data.get(); }
    std::span<T> values() noexcept { return {m_data.get(), m_size}; }
    std::span<const T> values() const noexcept { return {m_data.get(), m_size}; }
    /// The pixels of one band (0-based), rows*cols values.
    std::span<T> band(std::size_t b) { return values().subspan(b * rows() * cols(), rows() * cols()); }
    std::span<const T> band(std::size_t b) const {
        return values().subspan(b * rows() * cols(), rows() * cols());
    }
    /// The raw bytes, size() * sizeof(T).
    std::span<const std::byte> bytes() const noexcept { return std::as_bytes(values()); }
    std::span<std::byte> writable_bytes() noexcept { return std::as_writable_bytes(values()); }

    /// Unchecked element access; band, row and col are 0-based.
    T& operator()(std::size_t band, std::size_t row, std::size_t col) noexcept {
        return m_data[(band * m_shape[1] + row) * m_shape[2] + col];
    }
    const T& operator()(std::size_t band, std::size_t row, std::size_t col) const noexcept {
        return m_data[(band * m_shape[1] + row) * m_shape[2] + col];
    }
    /// Checked element access; throws ArgumentError outside the shape.
    T& at(std::size_t band, std::size_t row, std::size_t col) {
        check(band, row, col);
        return (*this)(band, row, col);
    }
    const T& at(std::size_t band, std::size_t row, std::size_t col) const {
        check(band, row, col);
        return (*this)(band, row, col);
    }

    bool operator==(const Array& other) const {
        if (m_shape != other.m_shape) return false;
        for (std::size_t i = 0; i < m_size; ++i) {
            if (!(m_data[i] == other.m_data[i])) return false;
        }
        return true;
    }

private:
    void check(std::size_t band, std::size_t row, std::size_t col) const {
        if (band >= m_shape[0] || row >= m_shape[1] || col >= m_shape[2]) {
            detail::throw_index_error(m_shape, band, row, col);
        }
    }

    Shape m_shape{};
    std::size_t m_size = 0;
    std::unique_ptr<T[], detail::PixelDeleter> m_data;
};

/// An Array of any DType, as read() returns it.
class AnyArray {
public:
    AnyArray() = default;
    template <Pixel T>
    AnyArray(Array<T> a) noexcept : m_array(std::move(a)) {} // NOLINT(google-explicit-constructor): an Array is an AnyArray
    /// A zero-filled array of the given dtype and shape.
    AnyArray(DType t, const Shape& shape);
    /// An array of the given dtype and shape whose contents the caller will overwrite.
    static AnyArray uninitialized(DType t, const Shape& shape);

    DType dtype() const noexcept;
    const Shape& shape() const noexcept;
    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    std::span<const std::byte> bytes() const noexcept;
    std::span<std::byte> writable_bytes() noexcept;
    const void* data() const noexcept { return bytes().data(); }
    void* data() noexcept { return writable_bytes().data(); }

    /// True when this holds an Array<T>.
    template <Pixel T> bool holds() const noexcept { return std::holds_alternative<Array<T>>(m_array); }
    /// The Array<T> held; throws ArgumentError when the dtype is another.
    template <Pixel T> Array<T>& as() {
        if (auto* p = std::get_if<Array<T>>(&m_array)) return *p;
        throw_mismatch(dtype_of<T>);
    }
    template <Pixel T> const Array<T>& as() const {
        if (auto* p = std::get_if<Array<T>>(&m_array)) return *p;
        throw_mismatch(dtype_of<T>);
    }

    bool operator==(const AnyArray& other) const = default;

private:
    [[noreturn]] void throw_mismatch(DType wanted) const;

    std::variant<Array<std::uint8_t>, Array<std::int8_t>, Array<std::uint16_t>, Array<std::int16_t>,
                 Array<std::uint32_t>, Array<std::int32_t>, Array<std::uint64_t>, Array<std::int64_t>,
                 Array<float>, Array<double>, Array<complex_int16>, Array<complex_int32>,
                 Array<std::complex<float>>, Array<std::complex<double>>>
        m_array;
};

/// The array cast to `to` as numpy's `a.astype(to, casting="unsafe")` does on x86-64 (what
/// rasterio's tools write): integers wrap modulo 2^bits, floats truncate toward zero through a
/// 32-bit integer for int8..int32 and uint8..uint16 (so NaN, infinities and values past the int32
/// range give INT32_MIN's low bits: 0 for the small types), float64 rounds to the nearest float32
/// (past its range: an infinity). uint32 from float follows numpy's vector loop: [2^31, 2^32) as
/// is, larger values 0, negative ones or NaN through int32. (numpy's scalar tail differs for
/// out-of-range uint32 values; those casts are undefined in C.) Real dtypes only: a complex one is
/// an ArgumentError. Copies even when the dtype is the same.
AnyArray astype(const AnyArray& a, DType to);

} // namespace rastio
