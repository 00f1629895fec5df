// DType names, sizes and traits match numpy's names and GDAL's sizes.

#include <array>
#include <string>

#include <gtest/gtest.h>

#include <gdal.h>

#include "gdal_handle.hpp"
#include "test_support.hpp"

using namespace rastio;

namespace {
constexpr std::array<DType, 14> k_all{DType::uint8,   DType::int8,    DType::uint16, DType::int16,  DType::uint32,
                                      DType::int32,   DType::uint64,  DType::int64,  DType::float32, DType::float64,
                                      DType::cint16,  DType::cint32,  DType::cfloat32, DType::cfloat64};
} // namespace

TEST(DTypeTest, NamesAreNumpysAndParseBack) {
    const std::array<const char*, 14> names{"uint8",   "int8",    "uint16",        "int16",        "uint32",
                                            "int32",   "uint64",  "int64",         "float32",      "float64",
                                            "complex_int16", "complex_int32", "complex64", "complex128"};
    for (std::size_t i = 0; i < k_all.size(); ++i) {
        EXPECT_EQ(to_string(k_all[i]), names[i]);
        EXPECT_EQ(parse_dtype(names[i]), k_all[i]);
    }
}

TEST(DTypeTest, ParseAcceptsGdalTypeNames) {
    for (DType t : k_all) {
        if (t == DType::int8) continue; // GDAL 3.6 has no Int8 type
        const char* gdal_name = GDALGetDataTypeName(detail::to_gdal(t));
        EXPECT_EQ(parse_dtype(gdal_name), t) << gdal_name;
    }
    EXPECT_EQ(parse_dtype("Int8"), DType::int8);
    EXPECT_EQ(parse_dtype("byte"), DType::uint8);
}

TEST(DTypeTest, UnknownNameThrowsArgumentErrorListingKnownNames) {
    try {
        (void)parse_dtype("float16");
        FAIL() << "expected ArgumentError";
    } catch (const ArgumentError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("float16"), std::string::npos);
        EXPECT_NE(what.find("complex128"), std::string::npos);
    }
    EXPECT_THROW((void)parse_dtype(""), ArgumentError);
    EXPECT_THROW((void)parse_dtype("UINT8"), ArgumentError);
}

TEST(DTypeTest, SizesMatchGdalsAndCTypes) {
    for (DType t : k_all) {
        EXPECT_EQ(dtype_size(t), static_cast<std::size_t>(GDALGetDataTypeSizeBytes(detail::to_gdal(t)))) << to_string(t);
        visit_dtype(t, [&](auto v) { EXPECT_EQ(sizeof(v), dtype_size(t)) << to_string(t); });
    }
}

TEST(DTypeTest, DTypeOfCTypesAndVisitAgree) {
    static_assert(dtype_of<std::uint8_t> == DType::uint8);
    static_assert(dtype_of<std::int8_t> == DType::int8);
    static_assert(dtype_of<std::uint64_t> == DType::uint64);
    static_assert(dtype_of<std::int64_t> == DType::int64);
    static_assert(dtype_of<float> == DType::float32);
    static_assert(dtype_of<double> == DType::float64);
    static_assert(dtype_of<complex_int16> == DType::cint16);
    static_assert(dtype_of<complex_int32> == DType::cint32);
    static_assert(dtype_of<std::complex<float>> == DType::cfloat32);
    static_assert(dtype_of<std::complex<double>> == DType::cfloat64);
    static_assert(Pixel<std::uint16_t>);
    static_assert(!Pixel<bool>);
    static_assert(!Pixel<char*>);
    for (DType t : k_all) {
        const DType round = visit_dtype(t, [](auto v) { return dtype_of<decltype(v)>; });
        EXPECT_EQ(round, t);
    }
}

TEST(DTypeTest, ClassificationOfSignedFloatingComplex) {
    EXPECT_FALSE(is_signed(DType::uint8));
    EXPECT_TRUE(is_signed(DType::int8));
    EXPECT_FALSE(is_signed(DType::uint64));
    EXPECT_TRUE(is_signed(DType::float32));
    EXPECT_TRUE(is_floating(DType::float64));
    EXPECT_TRUE(is_floating(DType::cfloat32));
    EXPECT_FALSE(is_floating(DType::cint16));
    EXPECT_FALSE(is_floating(DType::int32));
    int complex = 0;
    for (DType t : k_all) complex += is_complex(t) ? 1 : 0;
    EXPECT_EQ(complex, 4);
    EXPECT_TRUE(is_complex(DType::cint32));
    EXPECT_FALSE(is_complex(DType::float64));
}
