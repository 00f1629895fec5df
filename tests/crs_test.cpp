// CRS: every input form, EPSG codes, WKT/PROJ/PROJJSON output, equality by meaning, empty state;
// to_epsg and to_string agree with rasterio's CRS where /usr/bin/python3 has rasterio.

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using rastio::CRS;

TEST(CrsTest, EmptyCrsIsNoneAndEqualsOnlyEmpty) {
    const CRS none;
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(static_cast<bool>(none));
    EXPECT_EQ(none.to_string(), "");
    EXPECT_EQ(none.to_wkt(), "");
    EXPECT_EQ(none.to_epsg(), std::nullopt);
    EXPECT_FALSE(none.is_geographic());
    EXPECT_FALSE(none.is_projected());
    EXPECT_EQ(none, CRS());
    EXPECT_FALSE(none == CRS::from_epsg(4326));
    EXPECT_FALSE(CRS::from_epsg(4326) == none);
    EXPECT_TRUE(CRS::from_string("").empty());
}

TEST(CrsTest, FromEpsgGivesWktAndBackTheCode) {
    const CRS wgs84 = CRS::from_epsg(4326);
    EXPECT_FALSE(wgs84.empty());
    EXPECT_EQ(wgs84.to_epsg(), 4326);
    EXPECT_EQ(wgs84.to_string(), "EPSG:4326");
    EXPECT_NE(wgs84.to_wkt().find("GEOGCS[\"WGS 84\""), std::string::npos) << wgs84.to_wkt();
    EXPECT_TRUE(wgs84.is_geographic());
    EXPECT_FALSE(wgs84.is_projected());
    const CRS utm = CRS::from_epsg(32618);
    EXPECT_TRUE(utm.is_projected());
    EXPECT_FALSE(utm.is_geographic());
    EXPECT_EQ(utm.to_string(), "EPSG:32618");
}

TEST(CrsTest, EveryInputFormMeansTheSameCrs) {
    const CRS ref = CRS::from_epsg(32618);
    const CRS from_wkt1 = CRS::from_string(ref.to_wkt());
    const CRS from_wkt2 = CRS::from_string(ref.to_wkt2(true));
    const CRS from_proj = CRS::from_string("+proj=utm +zone=18 +datum=WGS84 +units=m +no_defs");
    const CRS from_json = CRS::from_string(ref.to_json());
    const CRS from_lower = CRS::from_string("epsg:32618");
    for (const CRS* c : {&from_wkt1, &from_wkt2, &from_proj, &from_json, &from_lower}) {
        EXPECT_EQ(*c, ref) << c->to_wkt();
        EXPECT_EQ(c->to_epsg(), 32618) << c->to_wkt();
        EXPECT_EQ(c->to_string(), "EPSG:32618");
    }
    EXPECT_NE(ref.to_wkt2().find("PROJCRS"), std::string::npos);
    EXPECT_NE(ref.to_wkt2(true).find('\n'), std::string::npos);
    EXPECT_EQ(ref.to_wkt2(false).find('\n'), std::string::npos);
    EXPECT_NE(ref.to_proj4().find("+proj=utm"), std::string::npos);
    EXPECT_NE(ref.to_proj4().find("+zone=18"), std::string::npos);
    EXPECT_NE(ref.to_json().find("\"type\": \"ProjectedCRS\""), std::string::npos) << ref.to_json();
}

TEST(CrsTest, DifferentCrsAreNotEqual) {
    EXPECT_FALSE(CRS::from_epsg(32618) == CRS::from_epsg(32619));
    EXPECT_FALSE(CRS::from_epsg(4326) == CRS::from_epsg(4269));
    EXPECT_FALSE(CRS::from_epsg(3857) == CRS::from_string("+proj=merc +datum=WGS84"));
}

TEST(CrsTest, CustomCrsWithoutCodeIsWrittenAsWkt) {
    const CRS custom = CRS::from_string("+proj=merc +lon_0=10 +datum=WGS84");
    EXPECT_EQ(custom.to_epsg(), std::nullopt);
    EXPECT_EQ(custom.to_string(), custom.to_wkt());
    EXPECT_TRUE(custom.is_projected());
    EXPECT_EQ(CRS::from_string(custom.to_string()), custom);
}

TEST(CrsTest, CopiesAreIndependentAndEqual) {
    CRS a = CRS::from_epsg(3857);
    const CRS b = a;
    a = CRS::from_epsg(4326);
    EXPECT_EQ(b.to_epsg(), 3857);
    EXPECT_EQ(a.to_epsg(), 4326);
    EXPECT_EQ(CRS::from_wkt(b.to_wkt()), b);
}

TEST(CrsTest, InvalidInputThrowsArgumentErrorQuoting) {
    EXPECT_THROW((void)CRS::from_epsg(0), rastio::ArgumentError);
    EXPECT_THROW((void)CRS::from_epsg(123456789), rastio::ArgumentError);
    EXPECT_THROW((void)CRS::from_string("PROJCS[broken"), rastio::ArgumentError);
    EXPECT_THROW((void)CRS::from_string("{\"type\": \"nonsense\"}"), rastio::ArgumentError);
}

TEST(CrsTest, ToEpsgAndToStringAgreeWithRasterio) {
    if (std::system("/usr/bin/python3 -c 'import rasterio' > /dev/null 2>&1") != 0) {
        GTEST_SKIP() << "skipped: /usr/bin/python3 has no rasterio (Debian python3-rasterio)";
    }
    const std::vector<std::string> inputs{"EPSG:4326", "EPSG:3857", "EPSG:26711",
                                          "+proj=utm +zone=18 +datum=WGS84 +units=m +no_defs",
                                          "+proj=longlat +datum=WGS84 +no_defs", "+proj=merc +lon_0=10 +datum=WGS84"};
    // One Python start-up for all inputs: rasterio's import is the slow part.
    std::string command = "/usr/bin/python3 -c 'import sys\nfrom rasterio.crs import CRS\nfor s in sys.argv[1:]:\n"
                          "    c = CRS.from_string(s)\n    print(c.to_epsg() or 0, int(c.is_geographic), "
                          "int(c.is_projected))'";
    for (const auto& s : inputs) command += " " + rastio::test::shell_quote(s);
    std::istringstream in(rastio::test::run_command(command + " 2>/dev/null"));
    for (const auto& s : inputs) {
        SCOPED_TRACE(s);
        int epsg = -1, geographic = -1, projected = -1;
        in >> epsg >> geographic >> projected;
        ASSERT_TRUE(in);
        const CRS ours = CRS::from_string(s);
        EXPECT_EQ(ours.to_epsg().value_or(0), epsg);
        EXPECT_EQ(ours.is_geographic() ? 1 : 0, geographic);
        EXPECT_EQ(ours.is_projected() ? 1 : 0, projected);
        if (epsg != 0) {
            EXPECT_EQ(ours.to_string(), "EPSG:" + std::to_string(epsg));
        }
    }
}
