// Arrays: shape, indexing, copies and moves, AnyArray's dtype checks.

#include <complex>
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
