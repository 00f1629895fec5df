// rastio::merge against rasterio.merge.merge 1.3.5 on small random rasters: overlapping,
// disjoint and touching tiles, offsets of a fraction of a pixel, uint8, int16, uint16, int32,
// float32 and float64, no nodata, a nodata value, NaN, a per-dataset mask, tiles of different
// resolutions; every method, bounds, res (with resampling), target_aligned_pixels, nodata,
// dtype, indexes and a custom method. rasterio's answers come from rasterio_merge_expect.py (a
// ctest fixture, or run by this program when run alone). Pixels and transforms must be identical.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/merge.hpp>

#include "gdal_cli.hpp"
#include "peer_expectations.hpp"
#include "test_support.hpp"

using namespace rastio;
using nlohmann::json;

namespace {

const rastio::test::PeerExpectations& expectations() {
    static const auto e = rastio::test::load_peer_expectations("RASTIO_MERGE_EXPECT", RASTIO_PARITY_PYTHON, RASTIO_MERGE_EXPECT_SCRIPT);
    return e;
}

#define REQUIRE_PEER()                                                          \
    do {                                                                        \
        if (!expectations().skip.empty()) GTEST_SKIP() << expectations().skip; \
    } while (0)

/// The sources, each read once into a MemoryFile and opened.
const Dataset& source(const std::string& name) {
    static std::map<std::string, std::pair<MemoryFile, Dataset>> files;
    auto it = files.find(name);
    if (it == files.end()) {
        MemoryFile mf(rastio::test::read_file(expectations().dir + "/" + name));
        Dataset ds = mf.open();
        it = files.emplace(name, std::pair{std::move(mf), std::move(ds)}).first;
    }
    return it->second.second;
}

std::optional<double> number_or_none(const json& c, const char* key) {
    if (!c.contains(key) || c.at(key).is_null()) return std::nullopt;
    const json& v = c.at(key);
    if (v.is_string() && v.get<std::string>() == "nan") return std::nan("");
    return v.get<double>();
}

MergeOptions options_of(const json& c) {
    MergeOptions o;
    if (c.contains("bounds")) {
        const auto b = c.at("bounds").get<std::vector<double>>();
        o.bounds = Bounds{b[0], b[1], b[2], b[3]};
    }
    if (c.contains("res")) {
        const auto r = c.at("res").get<std::vector<double>>();
        o.res = std::pair{r[0], r[1]};
    }
    o.nodata = number_or_none(c, "nodata");
    if (c.contains("dtype")) o.dtype = parse_dtype(c.at("dtype").get<std::string>());
    if (c.contains("indexes")) o.indexes = c.at("indexes").get<Bands>();
    if (c.contains("resampling")) o.resampling = parse_resampling(c.at("resampling").get<std::string>());
    o.target_aligned_pixels = c.value("target_aligned_pixels", false);
    if (c.contains("method") && c.at("method") != "custom") o.method = parse_merge_method(c.at("method").get<std::string>());
    return o;
}

double value_at(const std::byte* p, DType t, std::size_t i) {
    return visit_dtype(t, [&](auto v) -> double {
        using T = decltype(v);
        if constexpr (std::is_arithmetic_v<T>) {
            std::memcpy(&v, p + i * sizeof(T), sizeof(T));
            return static_cast<double>(v);
        } else {
            return 0.0;
        }
    });
}

/// Expects `got` to be rasterio's answer for case `c`, pixel for pixel (NaN = NaN), and its transform.
void expect_same(const AnyArray& got, const Affine& transform, const json& c) {
    const auto s = c.at("shape").get<std::vector<std::size_t>>();
    ASSERT_EQ(std::string(to_string(got.dtype())), c.at("out_dtype").get<std::string>()) << c.at("name");
    ASSERT_EQ(got.shape(), (Shape{s.at(0), s.at(1), s.at(2)})) << c.at("name");
    const auto t = c.at("transform").get<std::vector<double>>();
    EXPECT_EQ(transform, (Affine{t[0], t[1], t[2], t[3], t[4], t[5]})) << c.at("name") << ": " << transform.to_string();
    const auto want = rastio::test::read_file(expectations().dir + "/" + c.at("bin").get<std::string>());
    ASSERT_EQ(want.size(), got.bytes().size());
    std::size_t differing = 0, first = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double a = value_at(got.bytes().data(), got.dtype(), i), b = value_at(want.data(), got.dtype(), i);
        if (a == b || (std::isnan(a) && std::isnan(b))) continue;
        if (differing++ == 0) first = i;
    }
    EXPECT_EQ(differing, 0u) << c.at("name") << ": " << differing << " of " << got.size() << " differ, first at "
                             << first << ": " << value_at(got.bytes().data(), got.dtype(), first) << " vs "
                             << value_at(want.data(), got.dtype(), first);
}

std::vector<MergeSource> sources_of(const json& c) {
    std::vector<MergeSource> out;
    for (const auto& f : c.at("files")) out.emplace_back(source(f.get<std::string>()));
    return out;
}

/// Replays every case whose variant (after the set's "/") passes `want`; returns how many ran.
template <class F>
int replay(F&& want) {
    int n = 0;
    for (const auto& c : expectations().cases) {
        const std::string name = c.at("name").get<std::string>();
        const std::string variant = name.substr(name.find('/') + 1);
        if (variant == "custom" || !want(variant)) continue;
        SCOPED_TRACE(name);
        const Merged m = merge(sources_of(c), options_of(c));
        expect_same(m.data, m.transform, c);
        ++n;
    }
    return n;
}

bool is_method(const std::string& v) {
    return v == "first" || v == "last" || v == "min" || v == "max" || v == "sum" || v == "count";
}

} // namespace

TEST(MergeParity, EveryMethodOnEverySet) {
    REQUIRE_PEER();
    EXPECT_EQ(replay(is_method), 7 * 6);
}

TEST(MergeParity, Bounds) {
    REQUIRE_PEER();
    EXPECT_EQ(replay([](const std::string& v) { return v.rfind("bounds", 0) == 0; }), 7 * 2);
}

TEST(MergeParity, ResolutionAndResampling) {
    REQUIRE_PEER();
    EXPECT_EQ(replay([](const std::string& v) { return v.rfind("res_", 0) == 0; }), 7 * 4);
}

TEST(MergeParity, TargetAlignedPixels) {
    REQUIRE_PEER();
    EXPECT_EQ(replay([](const std::string& v) { return v.rfind("tap", 0) == 0; }), 7 * 2);
}

TEST(MergeParity, NodataDtypeAndIndexes) {
    REQUIRE_PEER();
    EXPECT_EQ(replay([](const std::string& v) {
                  return v.rfind("nodata", 0) == 0 || v.rfind("dtype", 0) == 0 || v.rfind("indexes", 0) == 0;
              }),
              7 * 5 + 2);
}

TEST(MergeParity, CustomMethodSeesWhatRasterioPasses) {
    REQUIRE_PEER();
    int n = 0;
    for (const auto& c : expectations().cases) {
        if (c.value("method", "") != "custom") continue;
        SCOPED_TRACE(c.at("name").get<std::string>());
        json calls = json::array();
        MergeOptions o;
        o.method = [&calls](const MergeChunk& ch) {
            std::size_t merged_bad = 0, new_bad = 0;
            for (const auto v : ch.merged_invalid.values()) merged_bad += v;
            for (const auto v : ch.incoming_invalid.values()) new_bad += v;
            calls.push_back({ch.index, ch.row_off, ch.col_off, merged_bad, new_bad});
            // merged = new + index where new is valid, in numpy's unsafe casts.
            visit_dtype(ch.merged.dtype(), [&](auto dv) {
                using D = decltype(dv);
                if constexpr (std::is_arithmetic_v<D>) {
                    auto& out = ch.merged.as<D>();
                    visit_dtype(ch.incoming.dtype(), [&](auto sv) {
                        using S = decltype(sv);
                        if constexpr (std::is_arithmetic_v<S>) {
                            const auto& in = ch.incoming.as<S>();
                            for (std::size_t i = 0; i < in.size(); ++i) {
                                if (ch.incoming_invalid.values()[i] == 0) {
                                    out.values()[i] = static_cast<D>(static_cast<S>(in.values()[i] + static_cast<S>(ch.index)));
                                }
                            }
                        }
                    });
                }
            });
        };
        // Sources as paths, this time.
        std::vector<MergeSource> paths;
        for (const auto& f : c.at("files")) paths.emplace_back(expectations().dir + "/" + f.get<std::string>());
        const Merged m = merge(paths, o);
        expect_same(m.data, m.transform, c);
        EXPECT_EQ(calls, c.at("calls"));
        ++n;
    }
    EXPECT_EQ(n, 7);
}

TEST(MergeParity, WrittenIntoAMemoryFileReadsBackTheSame) {
    REQUIRE_PEER();
    for (const char* name : {"overlap_uint8/max", "nan_float32/first", "res_uint16/res_bilinear"}) {
        SCOPED_TRACE(name);
        const json* c = nullptr;
        for (const auto& x : expectations().cases)
            if (x.at("name") == name) c = &x;
        ASSERT_NE(c, nullptr);
        MemoryFile out;
        merge(sources_of(*c), out, options_of(*c), Profile{.driver = "GTiff", .options = {{"COMPRESS", "DEFLATE"}}});
        const Dataset ds = out.open();
        expect_same(ds.read(), ds.transform(), *c);
        EXPECT_EQ(ds.crs(), CRS::from_epsg(32633));
        EXPECT_EQ(ds.nodata().has_value(), source(c->at("files")[0].get<std::string>()).nodata().has_value());
        EXPECT_EQ(ds.profile().options.at("COMPRESS"), "DEFLATE");
    }
}
