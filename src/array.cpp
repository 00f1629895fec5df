#include <rastio/array.hpp>

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

void AnyArray::throw_mismatch(DType wanted) const {
    throw ArgumentError("array holds " + std::string(to_string(dtype())) + " pixels, not " +
                        std::string(to_string(wanted)));
}

} // namespace rastio
