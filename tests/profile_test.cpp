// Creation options: a value the driver's own option list rejects is an ArgumentError naming the
// option, the driver and what it takes, raised before anything is written; options the driver
// does not list pass (GDAL ignores them with a warning).

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <gdal.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using namespace rastio;
using rastio::test::TempDir;

namespace {

/// The ArgumentError's message, or a test failure.
template <class F>
std::string argument_error(F&& f) {
    try {
        f();
    } catch (const ArgumentError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "another exception: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no ArgumentError";
    return {};
}

void expect_contains(const std::string& text, std::initializer_list<std::string> parts) {
    for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "\"" << p << "\" not in: " << text;
}

/// Writes a 16x16 ramp with `options` and returns GDAL's own report of the file's compression.
std::string written_compression(const std::string& driver, std::map<std::string, std::string> options) {
    MemoryFile mf;
    {
        auto ds = mf.open(test::small_profile(driver, std::move(options)));
        ds.write(test::ramp16());
    }
    auto back = mf.open();
    return back.profile().options.count("COMPRESS") ? back.profile().options.at("COMPRESS") : "";
}

} // namespace

TEST(CreationOptionsTest, BadStringSelectValueOnGTiffNamesOptionDriverAndValuesAndWritesNothing) {
    TempDir dir;
    const std::string path = dir.file("out.tif");
    const std::string why = argument_error([&] { rastio::open(path, "w", test::small_profile("GTiff", {{"COMPRESS", "FOO"}})); });
    expect_contains(why, {"COMPRESS=FOO", "GTiff", "NONE", "LZW", "DEFLATE", "ZSTD"});
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

    // The same in a MemoryFile, which stays empty and usable.
    MemoryFile mf;
    const std::string again = argument_error([&] { mf.open(test::small_profile("GTiff", {{"INTERLEAVE", "ROW"}})); });
    expect_contains(again, {"INTERLEAVE=ROW", "GTiff", "BAND", "PIXEL"});
    EXPECT_EQ(mf.size(), 0u);
    EXPECT_TRUE(mf.files().empty());
    {
        auto ds = mf.open(test::small_profile("GTiff", {{"INTERLEAVE", "BAND"}}));
        ds.write(test::ramp16());
    }
    EXPECT_GT(mf.size(), 0u);
}

TEST(CreationOptionsTest, CreateCopyOnlyDriversRejectBadValuesBeforeWriting) {
    TempDir dir;
    const std::string cog = dir.file("out.tif");
    expect_contains(argument_error([&] { rastio::open(cog, "w", test::small_profile("COG", {{"COMPRESS", "FOO"}})); }),
                    {"COMPRESS=FOO", "COG", "DEFLATE", "LZW"});
    expect_contains(argument_error([&] { rastio::open(cog, "w", test::small_profile("COG", {{"BLOCKSIZE", "64"}})); }),
                    {"BLOCKSIZE=64", "COG", ">= 128"});
    const std::string png = dir.file("out.png");
    expect_contains(argument_error([&] { rastio::open(png, "w", test::small_profile("PNG", {{"ZLEVEL", "high"}})); }),
                    {"ZLEVEL=high", "PNG", "integer"});
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

    MemoryFile mf;
    argument_error([&] { mf.open(test::small_profile("COG", {{"PREDICTOR", "MAYBE"}})); });
    EXPECT_EQ(mf.size(), 0u);
    EXPECT_TRUE(mf.files().empty());
}

TEST(CreationOptionsTest, TypedValues) {
    expect_contains(argument_error([] { check_creation_options("GTiff", {{"TILED", "MAYBE"}}); }),
                    {"TILED=MAYBE", "GTiff", "YES or NO"});
    expect_contains(argument_error([] { check_creation_options("GTiff", {{"BLOCKXSIZE", "abc"}}); }),
                    {"BLOCKXSIZE=abc", "integer"});
    expect_contains(argument_error([] { check_creation_options("GTiff", {{"BLOCKYSIZE", ""}}); }), {"BLOCKYSIZE="});
    expect_contains(argument_error([] { check_creation_options("GTiff", {{"MAX_Z_ERROR", "0.5x"}}); }),
                    {"MAX_Z_ERROR=0.5x", "number"});
    for (const char* ok : {"YES", "no", "True", "OFF", "1", "0"}) {
        EXPECT_NO_THROW(check_creation_options("GTiff", {{"TILED", ok}})) << ok;
    }
    EXPECT_NO_THROW(check_creation_options("GTiff", {{"BLOCKXSIZE", "+32"}, {"MAX_Z_ERROR", "0.25"}}));
    EXPECT_NO_THROW(check_creation_options("COG", {{"BLOCKSIZE", "256"}}));
}

TEST(CreationOptionsTest, CaseAliasesAndUnknownOptionsPass) {
    // Keys and values are compared as GDAL does, without case; aliases of values count.
    EXPECT_EQ(written_compression("GTiff", {{"compress", "deflate"}}), "DEFLATE");
    EXPECT_NO_THROW(check_creation_options("COG", {{"PREDICTOR", "2"}}));      // alias of STANDARD
    EXPECT_NO_THROW(check_creation_options("GTiff", {{"ALPHA", "YES"}}));      // aliasOf NON-PREMULTIPLIED
    // An option the driver does not list is GDAL's to ignore (with a warning), not an error.
    EXPECT_EQ(written_compression("GTiff", {{"NOT_A_GTIFF_OPTION", "FOO"}, {"COMPRESS", "LZW"}}), "LZW");
    // Options the driver declares as free text are not checked.
    EXPECT_NO_THROW(check_creation_options("GTiff", {{"NUM_THREADS", "ALL_CPUS"}}));
}

TEST(CreationOptionsTest, AProfileReadBackCreatesASimilarFile) {
    // GDAL reports a YCbCr JPEG GTiff's compression as "YCbCr JPEG", which no creation option
    // takes: the profile says COMPRESS=JPEG and PHOTOMETRIC=YCBCR instead, as rasterio's does.
    MemoryFile src;
    {
        Profile p = test::small_profile("GTiff", {{"COMPRESS", "JPEG"}, {"PHOTOMETRIC", "YCBCR"}, {"TILED", "YES"}});
        p.count = 3;
        p.width = p.height = 32;
        auto ds = src.open(p);
        ds.write(AnyArray(Array<std::uint8_t>({3, 32, 32})));
    }
    const Profile read_back = src.open().profile();
    EXPECT_EQ(read_back.options.at("COMPRESS"), "JPEG");
    EXPECT_EQ(read_back.options.at("PHOTOMETRIC"), "YCBCR");
    MemoryFile copy;
    { copy.open(read_back).write(AnyArray(Array<std::uint8_t>({3, 32, 32}))); }
    EXPECT_EQ(copy.open().tags(0, "IMAGE_STRUCTURE").at("COMPRESSION"), "YCbCr JPEG");
}

TEST(CreationOptionsTest, GdalValidateCreationOptionsOffSkipsTheCheck) {
    Env env({{"GDAL_VALIDATE_CREATION_OPTIONS", "NO"}});
    EXPECT_NO_THROW(check_creation_options("GTiff", {{"COMPRESS", "FOO"}}));
}

TEST(CreationOptionsTest, UnknownDriverIsDriverError) {
    EXPECT_THROW(check_creation_options("NoSuchDriver", {{"COMPRESS", "DEFLATE"}}), DriverError);
}

TEST(CreationOptionsTest, AgreesWithGdalOnEveryWritableDriver) {
    // For every option of every raster driver that writes: each declared value of a
    // string-select is accepted by both rastio and GDAL; a value outside it, and text given to a
    // number, are refused by both (GDAL only warns; rastio throws).
    GDALAllRegister();
    int checked = 0;
    for (int i = 0; i < GDALGetDriverCount(); ++i) {
        GDALDriverH drv = GDALGetDriver(i);
        if (GDALGetMetadataItem(drv, GDAL_DCAP_RASTER, nullptr) == nullptr) continue;
        if (GDALGetMetadataItem(drv, GDAL_DCAP_CREATE, nullptr) == nullptr &&
            GDALGetMetadataItem(drv, GDAL_DCAP_CREATECOPY, nullptr) == nullptr) {
            continue;
        }
        const std::string name = GDALGetDriverShortName(drv);
        const char* xml = GDALGetMetadataItem(drv, GDAL_DMD_CREATIONOPTIONLIST, nullptr);
        if (xml == nullptr) continue;
        CPLXMLNode* root = CPLParseXMLString(xml);
        ASSERT_NE(root, nullptr) << name;
        const CPLXMLNode* list = CPLGetXMLNode(root, "=CreationOptionList");
        for (const CPLXMLNode* o = list ? list->psChild : nullptr; o != nullptr; o = o->psNext) {
            if (o->eType != CXT_Element || !EQUAL(o->pszValue, "Option")) continue;
            const std::string key = CPLGetXMLValue(o, "name", "");
            const std::string type = CPLGetXMLValue(o, "type", "");
            const std::string scope = CPLGetXMLValue(o, "scope", "raster");
            if (key.empty() || key.find('*') != std::string::npos || scope.find("raster") == std::string::npos) continue;
            const auto gdal_accepts = [&](const std::string& value) {
                CPLStringList opts;
                opts.SetNameValue(key.c_str(), value.c_str());
                CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
                return GDALValidateCreationOptions(drv, opts.List()) == TRUE;
            };
            const auto rastio_accepts = [&](const std::string& value) {
                try {
                    check_creation_options(name, {{key, value}});
                    return true;
                } catch (const ArgumentError&) {
                    return false;
                }
            };
            if (EQUAL(type.c_str(), "string-select")) {
                for (const CPLXMLNode* v = o->psChild; v != nullptr; v = v->psNext) {
                    if (v->eType != CXT_Element || !EQUAL(v->pszValue, "Value")) continue;
                    const std::string value = CPLGetXMLValue(v, "", "");
                    EXPECT_TRUE(gdal_accepts(value)) << name << " " << key << "=" << value;
                    EXPECT_TRUE(rastio_accepts(value)) << name << " " << key << "=" << value;
                    ++checked;
                }
                EXPECT_FALSE(gdal_accepts("RASTIO_NOT_A_VALUE")) << name << " " << key;
                EXPECT_FALSE(rastio_accepts("RASTIO_NOT_A_VALUE")) << name << " " << key;
            } else if (EQUAL(type.c_str(), "int") || EQUAL(type.c_str(), "integer") || EQUAL(type.c_str(), "float")) {
                EXPECT_FALSE(gdal_accepts("x1")) << name << " " << key;
                EXPECT_FALSE(rastio_accepts("x1")) << name << " " << key;
                ++checked;
            } else if (EQUAL(type.c_str(), "boolean") && key != "APPEND_SUBDATASET") {
                // (GDAL's check leaves APPEND_SUBDATASET out; rastio checks it like any boolean.)
                for (const char* v : {"YES", "NO", "TRUE", "FALSE", "ON", "OFF"}) {
                    EXPECT_TRUE(gdal_accepts(v)) << name << " " << key << "=" << v;
                    EXPECT_TRUE(rastio_accepts(v)) << name << " " << key << "=" << v;
                }
                EXPECT_FALSE(gdal_accepts("MAYBE")) << name << " " << key;
                EXPECT_FALSE(rastio_accepts("MAYBE")) << name << " " << key;
                ++checked;
            }
        }
        CPLDestroyXMLNode(root);
    }
    EXPECT_GT(checked, 100) << "too few options checked: the drivers' lists were not read";
}
