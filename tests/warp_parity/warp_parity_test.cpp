// rastio.warp against rasterio 1.3.5 on small random rasters (dtypes, nodata and NaN, a mask, an
// alpha band) x CRS pairs (UTM, Web Mercator, geographic, polar stereographic, across the
// antimeridian) x every warp resampling: reproject, calculate_default_transform, aligned_target,
// transform_bounds, transform and WarpedVRT reads. rasterio's answers come from
// rasterio_warp_expect.py (a ctest fixture, or run by this program when run alone); the sources
// are read into MemoryFiles. Each test prints how many cases matched and the largest difference.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <rastio/warp.hpp>

#include "gdal_cli.hpp"
#include "peer_expectations.hpp"
#include "test_support.hpp"

using namespace rastio;
using nlohmann::json;

namespace {

const rastio::test::PeerExpectations& expectations() {
    static const auto e = rastio::test::load_peer_expectations("RASTIO_WARP_EXPECT", RASTIO_PARITY_PYTHON, RASTIO_WARP_EXPECT_SCRIPT);
    return e;
}

#define REQUIRE_PEER()                                                          \
    do {                                                                        \
        if (!expectations().skip.empty()) GTEST_SKIP() << expectations().skip; \
    } while (0)

/// The source GeoTIFFs, each read once into a MemoryFile.
MemoryFile& source_file(const std::string& name) {
    static std::map<std::string, MemoryFile> files;
    auto it = files.find(name);
    if (it == files.end()) {
        it = files.emplace(name, MemoryFile(rastio::test::read_file(expectations().dir + "/" + name))).first;
    }
    return it->second;
}

std::optional<double> number_or_none(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (v.is_string() && v.get<std::string>() == "nan") return std::nan("");
    return v.get<double>();
}

Affine affine_of(const json& v) {
    return {v[0].get<double>(), v[1].get<double>(), v[2].get<double>(),
            v[3].get<double>(), v[4].get<double>(), v[5].get<double>()};
}

/// How two arrays differ: values that differ and the largest absolute difference (NaN = NaN).
struct Diff {
    std::size_t values = 0;
    std::size_t differing = 0;
    double largest = 0;
    bool shape_or_type = false;
};

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

Diff compare(const AnyArray& got, const json& c) {
    Diff d;
    const auto s = c.at("shape").get<std::vector<std::size_t>>();
    const Shape want_shape{s.at(0), s.at(1), s.at(2)};
    if (std::string(to_string(got.dtype())) != c.at("dtype").get<std::string>() || got.shape() != want_shape) {
        d.shape_or_type = true;
        return d;
    }
    const auto want = rastio::test::read_file(expectations().dir + "/" + c.at("bin").get<std::string>());
    d.values = got.size();
    for (std::size_t i = 0; i < d.values; ++i) {
        const double a = value_at(got.bytes().data(), got.dtype(), i);
        const double b = value_at(want.data(), got.dtype(), i);
        if (a == b || (std::isnan(a) && std::isnan(b))) continue;
        ++d.differing;
        d.largest = std::max(d.largest, std::isnan(a) || std::isnan(b) ? INFINITY : std::abs(a - b));
    }
    return d;
}

/// Tallies the cases of one test and prints what differed (and by how much) at the end.
class Tally {
public:
    explicit Tally(std::string what) : m_what(std::move(what)) {}
    Tally(const Tally&) = delete;
    Tally& operator=(const Tally&) = delete;
    Tally(Tally&&) = delete;
    Tally& operator=(Tally&&) = delete;
    ~Tally() {
        std::printf("[warp parity] %s: %d cases, %d identical to rasterio 1.3.5", m_what.c_str(), m_cases, m_same);
        if (m_cases != m_same) std::printf("; largest difference %g in %s", m_largest, m_where.c_str());
        std::printf("\n");
    }
    /// Records one array comparison; a difference fails the test.
    void array(const AnyArray& got, const json& c) {
        const Diff d = compare(got, c);
        ++m_cases;
        EXPECT_FALSE(d.shape_or_type) << "shape or dtype differs: got " << to_string(got.dtype()) << " ("
                                      << got.shape()[0] << ", " << got.shape()[1] << ", " << got.shape()[2] << ") in "
                                      << c.dump().substr(0, 300);
        if (d.shape_or_type) return;
        EXPECT_EQ(d.differing, 0u) << d.differing << " of " << d.values << " values differ (largest by "
                                   << d.largest << ") in " << c.dump().substr(0, 300);
        if (d.differing == 0) {
            ++m_same;
        } else if (d.largest >= m_largest) {
            m_largest = d.largest;
            m_where = c.dump().substr(0, 200);
        }
    }
    /// Records one comparison of numbers (transforms, bounds, sizes): they must be equal.
    void numbers(const std::vector<double>& got, const std::vector<double>& want, const json& c) {
        ++m_cases;
        double largest = 0;
        bool same = got.size() == want.size();
        for (std::size_t i = 0; same && i < got.size(); ++i) {
            if (got[i] != want[i]) {
                same = false;
                largest = std::max(largest, std::abs(got[i] - want[i]));
            }
        }
        EXPECT_TRUE(same) << "differs by " << largest << " in " << c.dump().substr(0, 300);
        if (same) {
            ++m_same;
        } else if (largest >= m_largest) {
            m_largest = largest;
            m_where = c.dump().substr(0, 200);
        }
    }
    /// Records a comparison known to differ (explained where it is called): tallied, not failed.
    void array_differs(const Diff& d) {
        ++m_cases;
        if (d.differing == 0 && !d.shape_or_type) {
            ++m_same;
        } else if (d.largest >= m_largest) {
            m_largest = d.largest;
            m_where = std::to_string(d.differing) + " of " + std::to_string(d.values) + " values";
        }
    }
    int cases() const noexcept { return m_cases; }

private:
    std::string m_what;
    int m_cases = 0;
    int m_same = 0;
    double m_largest = 0;
    std::string m_where;
};

std::vector<double> six(const Affine& t) { return {t.a, t.b, t.c, t.d, t.e, t.f}; }

/// Tallies a WarpedVRT's grid (its transform, width and height) against the case's rasterio view.
void expect_vrt_grid(Tally& t, const WarpedVRT& vrt, const json& c) {
    auto got = six(vrt.transform());
    got.push_back(vrt.width());
    got.push_back(vrt.height());
    auto want = six(affine_of(c.at("vrt_transform")));
    want.push_back(c.at("vrt_width").get<double>());
    want.push_back(c.at("vrt_height").get<double>());
    t.numbers(got, want, c);
}

std::vector<const json*> cases_of(const std::string& kind) {
    std::vector<const json*> out;
    for (const auto& c : expectations().cases) {
        if (c.at("kind").get<std::string>() == kind) out.push_back(&c);
    }
    return out;
}

} // namespace

TEST(WarpParityTest, TransformBoundsAndPointsEqualRasterios) {
    REQUIRE_PEER();
    Tally t("transform_bounds and transform");
    for (const json* c : cases_of("transform_bounds")) {
        auto ds = source_file(c->at("file")).open();
        const Bounds b = transform_bounds(ds.crs(), CRS::from_string(c->at("dst_crs")), ds.bounds(),
                                          c->at("densify_pts").get<int>());
        t.numbers({b.left, b.bottom, b.right, b.top}, c->at("bounds").get<std::vector<double>>(), *c);
    }
    for (const json* c : cases_of("transform_bounds_error")) {
        auto ds = source_file(c->at("file")).open();
        EXPECT_THROW(transform_bounds(ds.crs(), CRS::from_string(c->at("dst_crs")), ds.bounds(), 0), Error);
    }
    for (const json* c : cases_of("transform")) {
        auto ds = source_file(c->at("file")).open();
        const auto xs = c->at("xs").get<std::vector<double>>();
        const auto ys = c->at("ys").get<std::vector<double>>();
        const auto p = rastio::transform(ds.crs(), CRS::from_string(c->at("dst_crs")), xs, ys);
        std::vector<double> got = p.xs;
        got.insert(got.end(), p.ys.begin(), p.ys.end());
        std::vector<double> want = c->at("txs").get<std::vector<double>>();
        const auto tys = c->at("tys").get<std::vector<double>>();
        want.insert(want.end(), tys.begin(), tys.end());
        t.numbers(got, want, *c);
    }
    EXPECT_GT(t.cases(), 40);
}

TEST(WarpParityTest, DefaultTransformAndAlignedTargetEqualRasterios) {
    REQUIRE_PEER();
    Tally t("calculate_default_transform and aligned_target");
    for (const json* c : cases_of("cdt")) {
        auto ds = source_file(c->at("file")).open();
        GridOptions o;
        if (c->contains("dst_width")) {
            o.dst_width = c->at("dst_width").get<int>();
            o.dst_height = c->at("dst_height").get<int>();
        }
        if (c->contains("resolution")) o.resolution = std::pair{c->at("resolution").get<double>(), c->at("resolution").get<double>()};
        const Grid g = calculate_default_transform(ds.crs(), CRS::from_string(c->at("dst_crs")), ds.width(),
                                                   ds.height(), ds.bounds(), o);
        auto got = six(g.transform);
        got.push_back(g.width);
        got.push_back(g.height);
        auto want = six(affine_of(c->at("transform")));
        want.push_back(c->at("width").get<double>());
        want.push_back(c->at("height").get<double>());
        t.numbers(got, want, *c);
    }
    for (const json* c : cases_of("aligned")) {
        const double r = c->at("resolution").get<double>();
        const Grid g = aligned_target(affine_of(c->at("transform_in")), c->at("width_in").get<int>(),
                                      c->at("height_in").get<int>(), {r, r});
        auto got = six(g.transform);
        got.push_back(g.width);
        got.push_back(g.height);
        auto want = six(affine_of(c->at("transform")));
        want.push_back(c->at("width").get<double>());
        want.push_back(c->at("height").get<double>());
        t.numbers(got, want, *c);
    }
    EXPECT_GT(t.cases(), 60);
}

TEST(WarpParityTest, ReprojectFromArraysEqualsRasterios) {
    REQUIRE_PEER();
    Tally arrays("reproject from arrays into a made grid");
    Tally grids("reproject's made grids");
    for (const json* c : cases_of("reproject_array")) {
        auto ds = source_file(c->at("file")).open();
        const AnyArray src = ds.read();
        ReprojectOptions o{.resampling = parse_resampling(c->at("resampling").get<std::string>()),
                           .src_nodata = number_or_none(c->at("src_nodata")),
                           .src_alpha = c->at("src_alpha").get<int>(),
                           .dst_alpha = c->at("dst_alpha").get<int>()};
        auto r = reproject(WarpSource::from_array(src, ds.transform(), ds.crs()),
                           WarpDestination::make(CRS::from_string(c->at("dst_crs"))), o);
        grids.numbers(six(r.transform), six(affine_of(c->at("transform"))), *c);
        arrays.array(r.array, *c);
    }
    EXPECT_GT(arrays.cases(), 200);
}

TEST(WarpParityTest, ReprojectFromDatasetBandsEqualsRasterios) {
    REQUIRE_PEER();
    Tally t("reproject from dataset bands into a given grid");
    for (const json* c : cases_of("reproject_band")) {
        auto ds = source_file(c->at("file")).open();
        const Shape shape{static_cast<std::size_t>(ds.count()), c->at("height").get<std::size_t>(),
                          c->at("width").get<std::size_t>()};
        auto r = reproject(WarpSource::from_dataset(ds),
                           WarpDestination::into(AnyArray(ds.dtypes()[0], shape), affine_of(c->at("transform")),
                                                 CRS::from_string(c->at("dst_crs"))),
                           {.resampling = parse_resampling(c->at("resampling").get<std::string>())});
        t.array(r.array, *c);
    }
    for (const json* c : cases_of("reproject_noinit")) {
        auto ds = source_file(c->at("file")).open();
        const Shape shape{static_cast<std::size_t>(ds.count()), c->at("height").get<std::size_t>(),
                          c->at("width").get<std::size_t>()};
        AnyArray dst(ds.dtypes()[0], shape);
        visit_dtype(dst.dtype(), [&](auto v) {
            using T = decltype(v);
            if constexpr (std::is_arithmetic_v<T>) {
                for (auto& x : dst.as<T>().values()) x = T(7);
            }
        });
        const AnyArray src = ds.read();
        auto r = reproject(WarpSource::from_array(src, ds.transform(), ds.crs()),
                           WarpDestination::into(std::move(dst), affine_of(c->at("transform")),
                                                 CRS::from_string(c->at("dst_crs"))),
                           {.resampling = Resampling::bilinear, .src_nodata = number_or_none(c->at("src_nodata")),
                            .dst_nodata = 3, .init_dest_nodata = false});
        t.array(r.array, *c);
    }
    EXPECT_GT(t.cases(), 200);
}

TEST(WarpParityTest, SourceWithoutCrsWarpsBetweenGeotransformsAsRasterio) {
    REQUIRE_PEER();
    Tally t("source without a CRS");
    for (const json* c : cases_of("nocrs")) {
        auto ds = source_file(c->at("file")).open();
        ASSERT_TRUE(ds.crs().empty());
        const std::string op = c->at("op");
        if (op == "reproject" || op == "reproject_grid") {
            AnyArray dst(DType::uint8, Shape{2, 40, 50});
            const CRS dst_crs = CRS::from_string(c->at("dst_crs"));
            auto d = op == "reproject" ? WarpDestination::into(std::move(dst), affine_of(c->at("transform")), dst_crs)
                                       : WarpDestination::make(dst_crs);
            if (op == "reproject_grid") d.array = AnyArray(DType::uint8, Shape{2, 40, 50});
            const auto r = reproject(WarpSource::from_dataset(ds), std::move(d),
                                     {.resampling = parse_resampling(c->at("resampling").get<std::string>())});
            t.numbers(six(r.transform), six(affine_of(c->at("transform"))), *c);
            t.array(r.array, *c);
        } else if (op == "array_error") {
            // rasterio: "Missing src_crs." for an array without one.
            ASSERT_FALSE(c->at("error").is_null());
            const AnyArray a = ds.read();
            EXPECT_THROW(reproject(WarpSource::from_array(a, ds.transform(), CRS()),
                                   WarpDestination::into(AnyArray(DType::uint8, Shape{2, 40, 50}),
                                                         Affine{5, 0, 1100, 0, -5, 1900}, CRS::from_epsg(3857))),
                         ArgumentError);
        } else {
            WarpedVRTOptions o{.resampling = Resampling::bilinear};
            if (op != "vrt" && op != "vrt_size") o.crs = CRS::from_epsg(3857);
            if (op == "vrt_grid") o.transform = Affine{5, 0, 1100, 0, -5, 1900};
            if (op == "vrt_grid" || op == "vrt_size") {
                o.width = c->at("vrt_width").get<int>();
                o.height = c->at("vrt_height").get<int>();
            }
            WarpedVRT vrt(ds, o);
            EXPECT_EQ(vrt.crs().empty(), c->at("vrt_crs").is_null()) << op;
            expect_vrt_grid(t, vrt, *c);
            t.array(vrt.read(), *c);
        }
    }
    EXPECT_EQ(t.cases(), 14);
}

TEST(WarpParityTest, WarpedVrtReadsAcrossBlocksOnThreadsEqualRasterios) {
    REQUIRE_PEER();
    Tally t("WarpedVRT reads across blocks");
    // One thread (GDAL warps block after block) and three (blocks of one read on three threads).
    for (const int threads : {1, 3}) {
        for (const json* c : cases_of("vrt_blocks")) {
            auto ds = source_file(c->at("file")).open();
            WarpedVRT vrt(ds, {.crs = CRS::from_string(c->at("dst_crs")),
                               .resampling = parse_resampling(c->at("resampling").get<std::string>()),
                               .add_alpha = c->at("add_alpha").get<bool>(),
                               .num_threads = threads});
            if (c->at("window").is_null()) {
                t.array(vrt.read(), *c);
            } else {
                const auto w = c->at("window");
                t.array(vrt.read(ReadOptions{.window = Window(w[0], w[1], w[2], w[3])}), *c);
            }
        }
    }
    EXPECT_EQ(t.cases(), 12);
}

TEST(WarpParityTest, WarpedVrtReadsEqualRasterios) {
    REQUIRE_PEER();
    Tally t("WarpedVRT reads");
    Tally grids("WarpedVRT grids and nodata");
    // One view per source, CRS, method and grid; its reads are consecutive cases.
    std::string key;
    WarpedVRT vrt;
    for (const json* c : cases_of("vrt")) {
        const std::string this_key = c->at("file").dump() + c->at("dst_crs").dump() + c->at("resampling").dump() +
                                     c->at("add_alpha").dump() + c->at("width").dump();
        if (this_key != key) {
            key = this_key;
            auto ds = source_file(c->at("file")).open();
            WarpedVRTOptions o{.crs = CRS::from_string(c->at("dst_crs")),
                               .resampling = parse_resampling(c->at("resampling").get<std::string>()),
                               .add_alpha = c->at("add_alpha").get<bool>()};
            if (!c->at("width").is_null()) {
                o.width = c->at("width").get<int>();
                o.height = c->at("height").get<int>();
            }
            vrt = WarpedVRT(ds, o);
        }
        expect_vrt_grid(grids, vrt, *c);
        const auto nodata = number_or_none(c->at("nodata"));
        EXPECT_EQ(vrt.nodata().has_value(), nodata.has_value()) << c->dump().substr(0, 200);
        if (vrt.nodata() && nodata && !std::isnan(*nodata)) {
            EXPECT_EQ(*vrt.nodata(), *nodata);
        }

        const std::string read = c->at("read");
        if (read == "read") {
            t.array(vrt.read(), *c);
        } else if (read == "window") {
            // rasterio 1.3 crops a window reaching outside the raster (here: the 90x9 grid GDAL
            // gives for the polar source in EPSG:4326); read the same cropped window.
            const auto w = c->at("window");
            const auto inside = Window(w[0], w[1], w[2], w[3]).intersection(Window::full(vrt.width(), vrt.height()));
            if (!inside) {
                // Wholly outside (the 91x1 grid GDAL 3.6 suggests for the source across the
                // antimeridian): rasterio returns an empty array.
                const auto shape = c->at("shape");
                EXPECT_EQ(shape[0].get<int>() * shape[1].get<int>() * shape[2].get<int>(), 0);
                continue;
            }
            t.array(vrt.read(ReadOptions{.window = *inside}), *c);
        } else if (read == "out_shape") {
            const auto s = c->at("out_shape");
            t.array(vrt.read(ReadOptions{.out_shape = std::pair{s[0].get<int>(), s[1].get<int>()},
                                         .resampling = Resampling::bilinear}),
                    *c);
        } else if (read == "read_masks") {
            t.array(vrt.read_masks(), *c);
        } else if (read == "dataset_mask") {
            t.array(vrt.dataset_mask(), *c);
        } else if (read == "read_masked") {
            t.array(vrt.read_masked().mask, *c);
        } else {
            ADD_FAILURE() << "unknown read " << read;
        }
    }
    EXPECT_GT(t.cases(), 200);
}
