// Arrays: shape, indexing, copies and moves, AnyArray's dtype checks.

#include <algorithm>
#include <cmath>
#include <complex>
#include <iterator>
#include <limits>
#include <vector>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace rastio;

TEST(ArrayTest, ShapeSizeAndRowMajorBandSequentialLayout) {
    Array<std::uint16_t> a({2, 3, 4});
    EXPECT_EQ(a.shape(), (Shape{2, 3, 4}));
    EXPECT_EQ(a.bands(), 2u);
    EXPECT_EQ(a.rows(), 3u);
    EXPECT_EQ(a.cols(), 4u);
    EXPECT_EQ(a.size(), 24u);
    EXPECT_EQ(a.bytes().size(), 48u);
    EXPECT_EQ(Array<std::uint16_t>::dtype(), DType::uint16);
    for (auto v : a.values()) EXPECT_EQ(v, 0); // zero-filled
    a(1, 2, 3) = 7;
    a(0, 1, 0) = 5;
    EXPECT_EQ(a.data()[23], 7);
    EXPECT_EQ(a.data()[4], 5);
    EXPECT_EQ(a.band(1)[11], 7);
    EXPECT_EQ(a.band(1).size(), 12u);
    EXPECT_EQ(a.at(1, 2, 3), 7);
}

TEST(ArrayTest, CheckedAccessOutsideTheShapeThrowsArgumentError) {
    Array<float> a({1, 2, 3});
    EXPECT_THROW((void)a.at(1, 0, 0), ArgumentError);
    EXPECT_THROW((void)a.at(0, 2, 0), ArgumentError);
    try {
        (void)a.at(0, 0, 3);
        FAIL();
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("(1, 2, 3)"), std::string::npos) << e.what();
    }
}

TEST(ArrayTest, CopiesAreDeepAndMovesLeaveAnEmptyArray) {
    Array<std::int32_t> a({1, 2, 2});
    a(0, 1, 1) = 42;
    Array<std::int32_t> copy = a;
    copy(0, 1, 1) = 1;
    EXPECT_EQ(a(0, 1, 1), 42);
    EXPECT_FALSE(copy == a);
    copy = a;
    EXPECT_EQ(copy, a);
    const std::int32_t* p = a.data();
    Array<std::int32_t> moved = std::move(a);
    EXPECT_EQ(moved.data(), p); // no copy
    EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move): testing the moved-from state
    EXPECT_EQ(a.shape(), (Shape{0, 0, 0})); // NOLINT(bugprone-use-after-move)
    a = std::move(moved);
    EXPECT_EQ(a(0, 1, 1), 42);
}

TEST(ArrayTest, HugeShapesAreRefusedNotAllocated) {
    EXPECT_THROW(Array<double>({1u << 30, 1u << 30, 1u << 30}), ArgumentError);
    EXPECT_THROW(AnyArray(DType::cfloat64, Shape{std::size_t{1} << 62, 1, 2}), ArgumentError);
}

TEST(ArrayTest, AnyArrayHoldsAnyDTypeAndChecksAs) {
    for (DType t : {DType::uint8, DType::int8, DType::int64, DType::cint16, DType::cfloat64}) {
        AnyArray a(t, {2, 3, 5});
        EXPECT_EQ(a.dtype(), t);
        EXPECT_EQ(a.shape(), (Shape{2, 3, 5}));
        EXPECT_EQ(a.size(), 30u);
        EXPECT_EQ(a.bytes().size(), 30u * dtype_size(t));
        EXPECT_EQ(a.data(), static_cast<const void*>(a.bytes().data()));
    }
    AnyArray any = Array<float>({1, 1, 2});
    EXPECT_TRUE(any.holds<float>());
    EXPECT_FALSE(any.holds<double>());
    any.as<float>()(0, 0, 1) = 2.5f;
    EXPECT_EQ(std::as_const(any).as<float>().values()[1], 2.5f);
    try {
        (void)any.as<double>();
        FAIL() << "expected ArgumentError";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("float64"), std::string::npos);
    }
    EXPECT_THROW((void)std::as_const(any).as<std::complex<float>>(), ArgumentError);
}

TEST(ArrayTest, AnyArrayEqualityComparesDTypeShapeAndValues) {
    AnyArray a = Array<std::uint8_t>({1, 1, 3});
    AnyArray b = Array<std::uint8_t>({1, 1, 3});
    EXPECT_EQ(a, b);
    b.as<std::uint8_t>().data()[2] = 1;
    EXPECT_FALSE(a == b);
    EXPECT_FALSE(a == AnyArray(Array<std::int8_t>({1, 1, 3})));
    EXPECT_FALSE(a == AnyArray(Array<std::uint8_t>({1, 3, 1})));
    const AnyArray u = AnyArray::uninitialized(DType::cint32, {1, 2, 2});
    EXPECT_EQ(u.dtype(), DType::cint32);
    EXPECT_EQ(u.bytes().size(), 32u);
}

TEST(ArrayTest, AstypeCastsAsNumpyUnsafe) {
    Array<double> d({1, 1, 8});
    const double in[] = {300.7, -1.5, std::nan(""), 1e10, -129.5, 70000.2, 3e9, 255.9};
    std::copy(std::begin(in), std::end(in), d.values().begin());
    // Truncation toward zero, then the low bits of a 32-bit integer (0 past int32's range or NaN).
    const auto u8 = astype(d, DType::uint8).as<std::uint8_t>();
    EXPECT_EQ(std::vector<int>(u8.values().begin(), u8.values().end()), (std::vector<int>{300 % 256, 255, 0, 0, 256 - 129, 70000 % 256, 0, 255}));
    const auto i32 = astype(d, DType::int32).as<std::int32_t>();
    EXPECT_EQ(i32.values()[0], 300);
    EXPECT_EQ(i32.values()[1], -1);
    EXPECT_EQ(i32.values()[2], std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(i32.values()[3], std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(astype(d, DType::uint32).as<std::uint32_t>().values()[6], 3000000000u);
    // Integers wrap modulo 2^bits; float64 rounds to the nearest float32, infinite past its range.
    Array<std::int32_t> i({1, 1, 3});
    i.values()[0] = -5;
    i.values()[1] = 70000;
    i.values()[2] = 65536 + 7;
    const auto u16 = astype(i, DType::uint16).as<std::uint16_t>();
    EXPECT_EQ(u16.values()[0], 65531);
    EXPECT_EQ(u16.values()[1], 70000 - 65536);
    EXPECT_EQ(u16.values()[2], 7);
    Array<double> big({1, 1, 2});
    big.values()[0] = 1e300;
    big.values()[1] = 0.1;
    const auto f = astype(big, DType::float32).as<float>();
    EXPECT_TRUE(std::isinf(f.values()[0]));
    EXPECT_EQ(f.values()[1], 0.1f);
    // Same dtype: a copy; complex: refused.
    EXPECT_EQ(astype(d, DType::float64).as<double>().values()[0], 300.7);
    EXPECT_THROW((void)astype(Array<std::complex<float>>({1, 1, 1}), DType::float32), ArgumentError);
}
