// rastio::vsi_path: dataset paths and URLs parsed as rasterio parses them.

#include <unistd.h>

#include <gtest/gtest.h>

#include <rastio/rastio.hpp>

#include "test_support.hpp"

namespace {

TEST(PathTest, UrlsBecomeGdalNetworkPaths) {
    EXPECT_EQ(rastio::vsi_path("https://example.com/a/x.tif"), "/vsicurl/https://example.com/a/x.tif");
    EXPECT_EQ(rastio::vsi_path("http://127.0.0.1:8080/x.tif"), "/vsicurl/http://127.0.0.1:8080/x.tif");
    EXPECT_EQ(rastio::vsi_path("HTTPS://example.com/x.tif"), "/vsicurl/https://example.com/x.tif");
    EXPECT_EQ(rastio::vsi_path("https://h/x.tif?X-Sig=a%2Fb&e=1"), "/vsicurl/https://h/x.tif?X-Sig=a%2Fb&e=1");
    EXPECT_EQ(rastio::vsi_path("https://h/x.tif#frag"), "/vsicurl/https://h/x.tif");
    EXPECT_EQ(rastio::vsi_path("ftp://h/x.tif"), "/vsicurl/ftp://h/x.tif");
    EXPECT_EQ(rastio::vsi_path("s3://bucket/dir/key.tif"), "/vsis3/bucket/dir/key.tif");
    EXPECT_EQ(rastio::vsi_path("gs://bucket/key.tif"), "/vsigs/bucket/key.tif");
    EXPECT_EQ(rastio::vsi_path("az://container/key.tif"), "/vsiaz/container/key.tif");
    EXPECT_EQ(rastio::vsi_path("oss://bucket/key.tif"), "/vsioss/bucket/key.tif");
}

TEST(PathTest, ArchivesAndLocalFiles) {
    EXPECT_EQ(rastio::vsi_path("zip+https://h/a.zip!dir/x.tif"), "/vsizip//vsicurl/https://h/a.zip/dir/x.tif");
    EXPECT_EQ(rastio::vsi_path("zip+s3://bucket/a.zip!/x.tif"), "/vsizip//vsis3/bucket/a.zip/x.tif");
    EXPECT_EQ(rastio::vsi_path("zip:///tmp/a.zip!/x.tif"), "/vsizip//tmp/a.zip/x.tif");
    EXPECT_EQ(rastio::vsi_path("zip+file:///tmp/a.zip!x.tif"), "/vsizip//tmp/a.zip/x.tif");
    EXPECT_EQ(rastio::vsi_path("zip://rel/a.zip!x.tif"), "/vsizip/rel/a.zip/x.tif");
    EXPECT_EQ(rastio::vsi_path("tar:///tmp/a.tar!x.tif"), "/vsitar//tmp/a.tar/x.tif");
    EXPECT_EQ(rastio::vsi_path("gzip:///tmp/x.tif.gz"), "/vsigzip//tmp/x.tif.gz");
    EXPECT_EQ(rastio::vsi_path("file:///tmp/x.tif"), "/tmp/x.tif");
    EXPECT_EQ(rastio::vsi_path("file://rel/x.tif"), "rel/x.tif");
}

TEST(PathTest, GdalPathsAndUnknownSchemesPassThrough) {
    for (const char* p : {"/vsicurl/https://h/x.tif", "/vsizip//vsimem/a.zip/x.tif", "/tmp/x.tif", "x.tif",
                          "NETCDF:f.nc:var", "HDF5:\"f.h5\"://sub", "C:/data/x.tif", "weird+scheme://h/x",
                          "dir/with:colon.tif"}) {
        EXPECT_EQ(rastio::vsi_path(p), p);
    }
    EXPECT_THROW((void)rastio::vsi_path("https://"), rastio::ArgumentError);
    EXPECT_THROW((void)rastio::vsi_path("zip://"), rastio::ArgumentError);
}

TEST(PathTest, IsRemote) {
    EXPECT_TRUE(rastio::is_remote("https://h/x.tif"));
    EXPECT_TRUE(rastio::is_remote("s3://b/k"));
    EXPECT_TRUE(rastio::is_remote("zip+https://h/a.zip!x.tif"));
    EXPECT_TRUE(rastio::is_remote("/vsicurl/https://h/x.tif"));
    EXPECT_FALSE(rastio::is_remote("file:///tmp/x.tif"));
    EXPECT_FALSE(rastio::is_remote("zip:///tmp/a.zip!x.tif"));
    EXPECT_FALSE(rastio::is_remote("/vsimem/x.tif"));
    EXPECT_FALSE(rastio::is_remote("x.tif"));
}

TEST(PathTest, CreateTakesAFileUrl) {
    const auto dir = std::filesystem::temp_directory_path() / ("rastio-path-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = (dir / "made.tif").string();
    {
        auto ds = rastio::open("file://" + file, "w",
                               rastio::Profile{.driver = "GTiff", .width = 8, .height = 4, .count = 1,
                                               .dtype = rastio::DType::uint8});
        EXPECT_EQ(ds.name(), file);
    }
    EXPECT_EQ(rastio::open(file).width(), 8);
    std::filesystem::remove_all(dir);
}

TEST(PathTest, OpenTakesFileAndZipUrls) {
    RASTIO_REQUIRE_CORPUS();
    const auto tif = std::filesystem::absolute(rastio::test::corpus("byte.tif")).string();
    auto ds = rastio::open("file://" + tif);
    EXPECT_EQ(ds.name(), tif);
    EXPECT_EQ(ds.width(), 20);
    const auto zip = std::filesystem::absolute(rastio::test::corpus("files.zip")).string();
    rastio::ZipMemoryFile mem(rastio::test::read_file(zip));
    const auto member = mem.namelist().front();
    auto a = rastio::open("zip://" + zip + "!" + member);
    auto b = mem.open(member);
    EXPECT_EQ(a.read().bytes().size(), b.read().bytes().size());
}

} // namespace
