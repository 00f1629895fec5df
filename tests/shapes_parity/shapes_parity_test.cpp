// rastio::shapes and rastio::sieve against rasterio.features 1.3.5 on fresh random classified
// rasters: uint8, uint16, int16, int32 and float32, both connectivities, no transform, a north-up
// and a rotated one, uint8 masks, masked arrays, a GeoTIFF band (its own transform) with a band
// as the mask; sieve with several sizes and masks; the dtypes rasterio refuses. rasterio's answers
// come from rasterio_shapes_expect.py (a ctest fixture, or run by this program when run alone).
// Geometries must be equal within 1e-9, in the same order; values and sieved pixels identical.

#include <cmath>
#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>

#include "peer_expectations.hpp"
#include "test_support.hpp"

using namespace rastio;
using nlohmann::json;

namespace {

const rastio::test::PeerExpectations& expectations() {
    static const auto e =
        rastio::test::load_peer_expectations("RASTIO_SHAPES_EXPECT", RASTIO_PARITY_PYTHON, RASTIO_SHAPES_EXPECT_SCRIPT);
    return e;
}

#define REQUIRE_PEER()                                                          \
    do {                                                                        \
        if (!expectations().skip.empty()) GTEST_SKIP() << expectations().skip; \
    } while (0)

/// The array a case names, in its dtype and shape.
AnyArray array_of(const json& c, const char* key, DType t) {
    const auto s = c.at("shape").get<std::vector<std::size_t>>();
    AnyArray a = AnyArray::uninitialized(t, Shape{s.at(0), s.at(1), s.at(2)});
    const auto bytes = rastio::test::read_file(expectations().dir + "/" + c.at(key).get<std::string>());
    EXPECT_EQ(bytes.size(), a.bytes().size());
    std::memcpy(a.data(), bytes.data(), std::min(bytes.size(), a.bytes().size()));
    return a;
}

Affine transform_of(const json& c) {
    const auto t = c.at("transform").get<std::vector<double>>();
    return Affine{t[0], t[1], t[2], t[3], t[4], t[5]};
}

/// Equal within 1e-9 for numbers, exactly otherwise; `where` says where the first difference is.
bool close(const json& a, const json& b, std::string& where, const std::string& path = "") {
    if (a.is_number() && b.is_number()) {
        if (std::abs(a.get<double>() - b.get<double>()) <= 1e-9) return true;
        where = path + ": " + a.dump() + " vs " + b.dump();
        return false;
    }
    if (a.type() != b.type()) {
        where = path + ": " + a.dump() + " vs " + b.dump();
        return false;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) {
            where = path + ": " + std::to_string(a.size()) + " items vs " + std::to_string(b.size());
            return false;
        }
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!close(a[i], b[i], where, path + "/" + std::to_string(i))) return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) {
            where = path + ": keys " + a.dump() + " vs " + b.dump();
            return false;
        }
        for (const auto& [k, v] : a.items()) {
            if (!b.contains(k)) {
                where = path + ": no " + k;
                return false;
            }
            if (!close(v, b.at(k), where, path + "/" + k)) return false;
        }
        return true;
    }
    if (a == b) return true;
    where = path + ": " + a.dump() + " vs " + b.dump();
    return false;
}

void expect_same_shapes(const std::vector<RegionShape>& got, const json& c) {
    const json& want = c.at("expect");
    ASSERT_EQ(got.size(), want.size()) << c.at("name");
    for (std::size_t i = 0; i < got.size(); ++i) {
        std::string where;
        EXPECT_TRUE(close(got[i].geometry, want[i][0], where)) << c.at("name") << " shape " << i << where;
        EXPECT_EQ(got[i].value, want[i][1].get<double>()) << c.at("name") << " shape " << i;
    }
}

/// A raster of the fixture, read once into a MemoryFile and opened.
const Dataset& raster(const std::string& name) {
    static std::map<std::string, std::pair<MemoryFile, Dataset>> files;
    auto it = files.find(name);
    if (it == files.end()) {
        MemoryFile mf(rastio::test::read_file(expectations().dir + "/" + name));
        Dataset ds = mf.open();
        it = files.emplace(name, std::pair{std::move(mf), std::move(ds)}).first;
    }
    return it->second.second;
}

} // namespace

TEST(ShapesParity, ArraysInEveryDtypeConnectivityTransformAndMask) {
    REQUIRE_PEER();
    int n = 0, masked = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "shapes" || c.contains("error")) continue;
        const DType t = parse_dtype(c.at("dtype").get<std::string>());
        const AnyArray img = array_of(c, "bin", t);
        ShapesOptions o{.connectivity = c.at("connectivity").get<int>(), .transform = transform_of(c)};
        std::optional<AnyArray> mask;
        if (c.contains("mask_bin")) {
            mask = array_of(c, "mask_bin", DType::uint8);
            o.mask.emplace(*mask);
            ++masked;
        }
        expect_same_shapes(shapes(img, o), c);
        ++n;
    }
    EXPECT_EQ(n, 5 * 2 * 3);
    EXPECT_EQ(masked, 5 * 2 * 2);
}

TEST(ShapesParity, MaskedArrayUsesItsMask) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "shapes_masked") continue;
        const DType t = parse_dtype(c.at("dtype").get<std::string>());
        MaskedArray m{array_of(c, "bin", t), array_of(c, "mask_bin", DType::uint8).as<std::uint8_t>()};
        expect_same_shapes(shapes(m, {.transform = transform_of(c)}), c);
        ++n;
    }
    EXPECT_EQ(n, 2);
}

TEST(ShapesParity, DatasetBandWithBandMaskUsesTheDatasetTransform) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "shapes_band") continue;
        const Dataset& ds = raster(c.at("tif").get<std::string>());
        const Dataset& ms = raster(c.at("mask_tif").get<std::string>());
        ShapesOptions o{.mask = BandRef(ms, 1), .connectivity = c.at("connectivity").get<int>(),
                        .transform = transform_of(c)};
        expect_same_shapes(shapes(BandRef(ds, 1), o), c);
        ++n;
    }
    EXPECT_EQ(n, 4);
}

TEST(ShapesParity, DtypesRasterioRefusesAreRefused) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "shapes" || !c.contains("error")) continue;
        const AnyArray img = array_of(c, "bin", parse_dtype(c.at("dtype").get<std::string>()));
        EXPECT_THROW((void)shapes(img), ArgumentError) << c.at("name") << ": rasterio says " << c.at("error");
        ++n;
    }
    EXPECT_EQ(n, 4);
}

TEST(ShapesParity, SieveSizesConnectivitiesAndMasks) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "sieve" || c.contains("error")) continue;
        const DType t = parse_dtype(c.at("dtype").get<std::string>());
        const AnyArray img = array_of(c, "bin", t);
        SieveOptions o{.connectivity = c.at("connectivity").get<int>()};
        std::optional<AnyArray> mask;
        if (c.contains("mask_bin")) {
            mask = array_of(c, "mask_bin", DType::uint8);
            o.mask.emplace(*mask);
        }
        const AnyArray want = array_of(c, "expect_bin", t);
        const AnyArray got = sieve(img, c.at("size").get<long long>(), o);
        EXPECT_TRUE(got == want) << c.at("name");
        // Into an existing array too (rasterio's out=).
        AnyArray out(t, img.shape());
        sieve(img, c.at("size").get<long long>(), out, o);
        EXPECT_TRUE(out == want) << c.at("name") << " (out=)";
        ++n;
    }
    EXPECT_EQ(n, 4 * 2 * 3);
}

TEST(ShapesParity, SieveRefusesWhatRasterioRefuses) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.at("kind") != "sieve" || !c.contains("error")) continue;
        const AnyArray img = array_of(c, "bin", parse_dtype(c.at("dtype").get<std::string>()));
        EXPECT_THROW((void)sieve(img, 2), ArgumentError) << c.at("name") << ": rasterio says " << c.at("error");
        ++n;
    }
    EXPECT_EQ(n, 3);
}
