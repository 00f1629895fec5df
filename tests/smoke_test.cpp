#include <gtest/gtest.h>

#include "test_support.hpp"

TEST(SmokeTest, WriteGeoTiffInMemoryFileAndReadBack) {
    rastio::MemoryFile out;
    rastio::Array<std::uint8_t> a({3, 16, 32});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i % 251);
    {
        auto dst = out.open(rastio::Profile{.driver = "GTiff", .width = 32, .height = 16, .count = 3,
                                            .dtype = rastio::DType::uint8, .crs = rastio::CRS::from_epsg(32618),
                                            .transform = rastio::Affine::from_origin(101985.0, 2826915.0, 30, 30),
                                            .options = {{"COMPRESS", "DEFLATE"}, {"TILED", "YES"}}});
        dst.write(a);
    }
    auto ds = out.open();
    EXPECT_EQ(ds.count(), 3);
    EXPECT_EQ(ds.crs().to_string(), "EPSG:32618");
    EXPECT_EQ(ds.read().as<std::uint8_t>(), a);
}
