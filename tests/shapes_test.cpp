// rastio::shapes, for_each_shape, sieve and transform_geom: refusals with messages that name the
// cause, the sink's exceptions, and nothing left behind. (Parity with rasterio: tests/shapes_parity.)

#include <cstdint>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>

#include "test_support.hpp"

using namespace rastio;

namespace {

/// A 1-band uint8 checkerboard of 2x2 cells: many small regions.
Array<std::uint8_t> cells(std::size_t rows, std::size_t cols) {
    Array<std::uint8_t> a(Shape{1, rows, cols});
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) a(0, r, c) = static_cast<std::uint8_t>(((r / 2) + (c / 2)) % 3);
    return a;
}

template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const ArgumentError& e) {
        return e.what();
    }
    return "(no ArgumentError)";
}

} // namespace

TEST(ShapesTest, ForEachShapeGivesWhatShapesReturnsInOrder) {
    const auto a = cells(12, 10);
    const auto all = shapes(a, {.connectivity = 8});
    ASSERT_FALSE(all.empty());
    std::size_t i = 0;
    for_each_shape(a, {.connectivity = 8}, [&](RegionShape&& s) {
        ASSERT_LT(i, all.size());
        EXPECT_EQ(s.geometry, all[i].geometry);
        EXPECT_EQ(s.value, all[i].value);
        ++i;
    });
    EXPECT_EQ(i, all.size());
}

TEST(ShapesTest, SinkExceptionEndsTheShapesAndIsRethrown) {
    const auto a = cells(20, 20);
    int calls = 0;
    EXPECT_THROW(for_each_shape(a, {}, [&](RegionShape&&) {
                     if (++calls == 2) throw std::runtime_error("enough");
                 }),
                 std::runtime_error);
    EXPECT_EQ(calls, 2);
}

TEST(ShapesTest, RefusesBadConnectivityMasksAndArrays) {
    const auto a = cells(6, 8);
    EXPECT_NE(message_of([&] { (void)shapes(a, {.connectivity = 6}); }).find("connectivity must be 4 or 8"), std::string::npos);
    const Array<std::uint8_t> small(Shape{1, 6, 7});
    EXPECT_NE(message_of([&] { (void)shapes(a, {.mask = BandRef(small)}); }).find("same shape"), std::string::npos);
    const Array<std::int16_t> wide_mask(Shape{1, 6, 8});
    EXPECT_NE(message_of([&] { (void)shapes(a, {.mask = BandRef(wide_mask)}); }).find("must be uint8"), std::string::npos);
    const Array<std::uint8_t> two(Shape{2, 6, 8});
    EXPECT_NE(message_of([&] { (void)shapes(two); }).find("has 2 bands"), std::string::npos);
    EXPECT_NE(message_of([&] { (void)shapes(AnyArray()); }).find("has 0 bands"), std::string::npos);
    const Array<double> f64(Shape{1, 6, 8});
    EXPECT_NE(message_of([&] { (void)shapes(f64); }).find("not float64"), std::string::npos);
}

TEST(ShapesTest, DatasetBandOutOfRangeOrClosed) {
    MemoryFile mf(rastio::test::make_gtiff(8, 6, 1));
    Dataset ds = mf.open();
    EXPECT_NE(message_of([&] { (void)shapes(BandRef(ds, 2)); }).find("out of range"), std::string::npos);
    EXPECT_FALSE(shapes(BandRef(ds, 1)).empty());
    ds.close();
    EXPECT_THROW((void)shapes(BandRef(ds, 1)), ClosedError);
}

TEST(ShapesTest, SieveRefusesBadSizeOutAndConnectivity) {
    const auto a = cells(6, 8);
    EXPECT_NE(message_of([&] { (void)sieve(a, 0); }).find("greater than 0"), std::string::npos);
    EXPECT_NE(message_of([&] { (void)sieve(a, 49); }).find("must not exceed"), std::string::npos);
    EXPECT_NE(message_of([&] { (void)sieve(a, 2, {.connectivity = 5}); }).find("connectivity"), std::string::npos);
    Array<std::uint8_t> wrong_shape(Shape{1, 6, 9});
    EXPECT_NE(message_of([&] { sieve(a, 2, wrong_shape); }).find("out must have shape"), std::string::npos);
    Array<std::uint16_t> wrong_dtype(Shape{1, 6, 8});
    EXPECT_NE(message_of([&] { sieve(a, 2, wrong_dtype); }).find("dtype"), std::string::npos);
    const Array<float> f32(Shape{1, 6, 8});
    EXPECT_NE(message_of([&] { (void)sieve(f32, 2); }).find("not float32"), std::string::npos);
}

TEST(ShapesTest, TransformGeomRefusesEmptyCrsAndBadGeometry) {
    const nlohmann::json pt = {{"type", "Point"}, {"coordinates", {500000.0, 5600000.0}}};
    EXPECT_THROW((void)transform_geom(CRS(), CRS::from_epsg(4326), {pt}), ArgumentError);
    const nlohmann::json bad = {{"type", "Nothing"}};
    EXPECT_THROW((void)transform_geom(CRS::from_epsg(32633), CRS::from_epsg(4326), {bad}), ArgumentError);
    const auto back = transform_geom(CRS::from_epsg(4326), CRS::from_epsg(32633),
                                     transform_geom(CRS::from_epsg(32633), CRS::from_epsg(4326), {pt}));
    EXPECT_NEAR(back.at(0).at("coordinates").at(0).get<double>(), 500000.0, 1e-6);
    EXPECT_NEAR(back.at(0).at("coordinates").at(1).get<double>(), 5600000.0, 1e-6);
}

TEST(ShapesTest, NothingLeftBehind) {
    const auto before = rastio::test::vsimem_entries();
    const int fds = rastio::test::open_fd_count();
    const auto a = cells(30, 30);
    for (int i = 0; i < 3; ++i) {
        (void)shapes(a, {.mask = BandRef(a), .connectivity = 8});
        (void)sieve(a, 3, {.mask = BandRef(a)});
    }
    EXPECT_EQ(rastio::test::vsimem_entries(), before);
    EXPECT_EQ(rastio::test::open_fd_count(), fds);
}
