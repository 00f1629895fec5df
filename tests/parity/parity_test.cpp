// rastio against rasterio 1.3 on the same corpus files: resampled reads, masks, boundless reads,
// geometry helpers, overviews and blocks. rasterio's answers come from rasterio_expect.py (run by
// /usr/bin/python3, once per ctest run as a fixture, or by this program when run alone); each case
// is replayed with rastio on the file on disk and on a MemoryFile copy of it.

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parity_fixtures.hpp"
#include "peer_expectations.hpp"

using namespace rastio;
using nlohmann::json;

namespace {

/// rasterio's answers, loaded once per process.
const rastio::test::PeerExpectations& expectations() {
    static const auto e = rastio::test::load_peer_expectations(
        "RASTIO_PARITY_EXPECT", RASTIO_PARITY_PYTHON,
        std::string(RASTIO_PARITY_SCRIPT) + " '" + rastio::test::corpus_dir().string() + "'");
    return e;
}

#define REQUIRE_PEER()                                                   \
    do {                                                                 \
        RASTIO_REQUIRE_CORPUS();                                         \
        if (!expectations().skip.empty()) GTEST_SKIP() << expectations().skip; \
    } while (0)

std::vector<std::byte> expected_bytes(const json& c) {
    return rastio::test::read_file(expectations().dir + "/" + c.at("bin").get<std::string>());
}

Shape expected_shape(const json& c) {
    const auto s = c.at("shape").get<std::vector<std::size_t>>();
    return {s.at(0), s.at(1), s.at(2)};
}

std::optional<Window> window_of(const json& w) {
    if (w.is_null()) return std::nullopt;
    return Window{w[0].get<int>(), w[1].get<int>(), w[2].get<int>(), w[3].get<int>()};
}

ReadOptions options_of(const json& c) {
    ReadOptions o;
    if (c.contains("bands")) o.bands = c.at("bands").get<Bands>();
    o.window = window_of(c.at("window"));
    if (!c.at("out_shape").is_null()) o.out_shape = std::pair{c["out_shape"][0].get<int>(), c["out_shape"][1].get<int>()};
    if (c.contains("resampling")) o.resampling = parse_resampling(c.at("resampling").get<std::string>());
    o.boundless = c.at("boundless").get<bool>();
    if (c.contains("fill_value") && !c.at("fill_value").is_null()) o.fill_value = c.at("fill_value").get<double>();
    return o;
}

/// Files that carry a sidecar rastio must copy into the MemoryFile too.
std::vector<std::string> sidecars_of(const std::string& file) {
    return file == "RGB2.byte.tif" ? std::vector<std::string>{".msk"} : std::vector<std::string>{};
}

/// Replays every case whose kind is in `kinds`, on disk and in memory; returns how many ran.
int replay(const std::vector<std::string>& kinds, const std::function<void(Dataset&, const json&)>& check) {
    std::map<std::string, std::vector<json>> by_file;
    for (const auto& c : expectations().cases) {
        if (c.contains("fresh")) continue; // replay_fresh's
        if (std::find(kinds.begin(), kinds.end(), c.at("kind").get<std::string>()) != kinds.end()) {
            by_file[c.at("file").get<std::string>()].push_back(c);
        }
    }
    int n = 0;
    for (const auto& [file, cases] : by_file) {
        rastio::test::on_disk_and_in_memory(
            file,
            [&](Dataset& ds) {
                for (const auto& c : cases) {
                    SCOPED_TRACE(c.dump().substr(0, 300));
                    check(ds, c);
                    ++n;
                }
            },
            sidecars_of(file));
    }
    return n;
}

/// Replays the cases on the datasets rasterio_expect.py wrote fresh (with its .msk, if any), on
/// disk and in a MemoryFile copy; returns how many ran.
int replay_fresh(const std::function<void(Dataset&, const json&)>& check) {
    std::map<std::string, std::vector<json>> by_file;
    for (const auto& c : expectations().cases) {
        if (c.contains("fresh")) by_file[c.at("file").get<std::string>()].push_back(c);
    }
    int n = 0;
    for (const auto& [file, cases] : by_file) {
        const std::string path = expectations().dir + "/" + file;
        const bool msk = std::filesystem::exists(path + ".msk");
        auto run = [&](Dataset& ds) {
            for (const auto& c : cases) {
                SCOPED_TRACE(c.dump().substr(0, 300));
                check(ds, c);
                ++n;
            }
        };
        {
            SCOPED_TRACE(file + " on disk");
            auto ds = open(path);
            run(ds);
        }
        SCOPED_TRACE(file + " in a MemoryFile");
        auto mf = rastio::test::memory_copy(path, msk ? std::vector<std::string>{".msk"} : std::vector<std::string>{});
        auto ds = mf.open();
        run(ds);
    }
    return n;
}

void expect_same_array(std::span<const std::byte> got, DType got_dtype, const Shape& got_shape, const json& c) {
    EXPECT_EQ(std::string(to_string(got_dtype)), c.at("dtype").get<std::string>());
    ASSERT_EQ(got_shape, expected_shape(c));
    const auto want = expected_bytes(c);
    ASSERT_EQ(got.size(), want.size());
    auto same_floats = [&](auto zero) {
        // NaN != NaN: NaNs of any bit pattern are the same here.
        constexpr std::size_t size = sizeof(zero);
        const auto n = want.size() / size;
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
            auto a = zero, b = zero;
            std::memcpy(&a, got.data() + i * size, size);
            std::memcpy(&b, want.data() + i * size, size);
            if (!(a == b || (std::isnan(a) && std::isnan(b)))) ++bad;
        }
        EXPECT_EQ(bad, 0U) << "of " << n << " values differ";
    };
    if (got_dtype == DType::float32) return same_floats(0.0F);
    if (got_dtype == DType::float64) return same_floats(0.0);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i) bad += got[i] != want[i] ? 1 : 0;
    EXPECT_EQ(bad, 0U) << "of " << want.size() << " bytes differ";
}

void check_read(Dataset& ds, const json& c) {
    const std::string kind = c.at("kind");
    const ReadOptions o = options_of(c);
    if (kind == "read") {
        const auto a = ds.read(o);
        expect_same_array(a.bytes(), a.dtype(), a.shape(), c);
    } else if (kind == "read_masks") {
        const auto m = ds.read_masks(o);
        expect_same_array(m.bytes(), DType::uint8, m.shape(), c);
    } else if (kind == "read_error") {
        EXPECT_THROW((void)ds.read(o), ArgumentError);
    }
}

} // namespace

TEST(ParityTest, ResampledReadsEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"read", "read_masks", "read_error"}, [](Dataset& ds, const json& c) {
        if (c.at("boundless").get<bool>()) return;
        check_read(ds, c);
    });
    EXPECT_GT(n, 40);
}

TEST(ParityTest, MasksEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"mask_flags", "dataset_mask", "read_masked"}, [](Dataset& ds, const json& c) {
        const std::string kind = c.at("kind");
        if (kind == "mask_flags") {
            const auto flags = ds.mask_flags();
            const auto want = c.at("flags");
            ASSERT_EQ(flags.size(), want.size());
            for (std::size_t b = 0; b < flags.size(); ++b) {
                MaskFlags f;
                for (const auto& name : want[b]) {
                    f.all_valid = f.all_valid || name == "all_valid";
                    f.per_dataset = f.per_dataset || name == "per_dataset";
                    f.alpha = f.alpha || name == "alpha";
                    f.nodata = f.nodata || name == "nodata";
                }
                EXPECT_EQ(flags[b], f) << "band " << b + 1 << ": " << flags[b].to_string();
            }
        } else if (kind == "dataset_mask") {
            const auto m = ds.dataset_mask();
            expect_same_array(m.bytes(), DType::uint8, m.shape(), c);
        } else {
            const auto m = ds.read_masked(ReadOptions{.bands = c.at("bands").get<Bands>()});
            expect_same_array(m.mask.bytes(), DType::uint8, m.mask.shape(), c);
        }
    });
    EXPECT_GT(n, 20);
}

TEST(ParityTest, BoundlessReadsEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"read", "read_masks"}, [](Dataset& ds, const json& c) {
        if (!c.at("boundless").get<bool>()) return;
        check_read(ds, c);
    });
    EXPECT_GT(n, 20);
}

// Datasets rasterio writes fresh in the fixture (random dtypes, layouts, nodata, NaN nodata,
// internal and sidecar masks, gray+alpha and RGBA, alpha shadowed by nodata): windows past each
// edge, wholly outside or empty are cropped as rasterio does, and boundless reads, with and
// without fill values, give rasterio's pixels and masks, through every read call.
TEST(ParityTest, WindowEdgesAndBoundlessMasksOnFreshDatasetsEqualRasterios) {
    REQUIRE_PEER();
    std::map<std::string, int> kinds;
    const int n = replay_fresh([&](Dataset& ds, const json& c) {
        const std::string kind = c.at("kind");
        ++kinds[kind];
        const ReadOptions o = options_of(c);
        if (kind == "read" || kind == "read_masks") {
            check_read(ds, c);
        } else if (kind == "read_masked") {
            const auto m = ds.read_masked(o);
            expect_same_array(m.mask.bytes(), DType::uint8, m.mask.shape(), c);
        } else if (kind == "read_masked_data") {
            const auto m = ds.read_masked(o);
            expect_same_array(m.data.bytes(), m.data.dtype(), m.data.shape(), c);
        } else if (kind == "dataset_mask") {
            const auto m = ds.dataset_mask(o);
            expect_same_array(m.bytes(), DType::uint8, m.shape(), c);
        } else if (kind == "read_error") {
            const std::string of = c.at("of");
            EXPECT_THROW(of == "read"           ? (void)ds.read(o)
                         : of == "read_masks"   ? (void)ds.read_masks(o)
                         : of == "read_masked"  ? (void)ds.read_masked(o)
                                                : (void)ds.dataset_mask(o),
                         ArgumentError);
        }
    });
    EXPECT_GT(n, 2000);
    for (const char* k : {"read", "read_masks", "read_masked", "read_masked_data", "dataset_mask", "read_error"}) {
        EXPECT_GT(kinds[k], 10) << k;
    }
}

TEST(ParityTest, GeometryHelpersEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"bounds", "index", "xy", "window_bounds", "window_transform", "from_bounds"},
                         [](Dataset& ds, const json& c) {
        const std::string kind = c.at("kind");
        const auto& v = c.at("value");
        if (kind == "bounds") {
            const Bounds b = ds.bounds();
            EXPECT_DOUBLE_EQ(b.left, v[0].get<double>());
            EXPECT_DOUBLE_EQ(b.bottom, v[1].get<double>());
            EXPECT_DOUBLE_EQ(b.right, v[2].get<double>());
            EXPECT_DOUBLE_EQ(b.top, v[3].get<double>());
        } else if (kind == "index") {
            const auto op = c.at("op") == "floor" ? Rounding::floor : c.at("op") == "ceil" ? Rounding::ceil : Rounding::round;
            const auto [row, col] = ds.index(c.at("x").get<double>(), c.at("y").get<double>(), op);
            EXPECT_EQ(row, v[0].get<long long>());
            EXPECT_EQ(col, v[1].get<long long>());
        } else if (kind == "xy") {
            static const std::map<std::string, PixelOffset> offsets{{"center", PixelOffset::center},
                {"ul", PixelOffset::ul}, {"ur", PixelOffset::ur}, {"ll", PixelOffset::ll}, {"lr", PixelOffset::lr}};
            const auto [x, y] = ds.xy(c.at("row").get<double>(), c.at("col").get<double>(), offsets.at(c.at("offset")));
            EXPECT_DOUBLE_EQ(x, v[0].get<double>());
            EXPECT_DOUBLE_EQ(y, v[1].get<double>());
        } else if (kind == "window_bounds") {
            const Bounds b = ds.window_bounds(*window_of(c.at("window")));
            EXPECT_DOUBLE_EQ(b.left, v[0].get<double>());
            EXPECT_DOUBLE_EQ(b.bottom, v[1].get<double>());
            EXPECT_DOUBLE_EQ(b.right, v[2].get<double>());
            EXPECT_DOUBLE_EQ(b.top, v[3].get<double>());
        } else if (kind == "window_transform") {
            const auto t = ds.window_transform(*window_of(c.at("window"))).to_array();
            for (std::size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(t[i], v[i].get<double>()) << "coefficient " << i;
        } else if (kind == "from_bounds") {
            const auto& bb = c.at("bounds");
            const Window w = ds.window_from_bounds(Bounds{bb[0].get<double>(), bb[1].get<double>(),
                                                          bb[2].get<double>(), bb[3].get<double>()});
            // rasterio's window is fractional; rastio's covers it with whole pixels.
            const double col = v[0], row = v[1], width = v[2], height = v[3];
            EXPECT_EQ(w.col_off, static_cast<int>(std::floor(col + 1e-6)));
            EXPECT_EQ(w.row_off, static_cast<int>(std::floor(row + 1e-6)));
            EXPECT_EQ(w.col_off + w.width, static_cast<int>(std::ceil(col + width - 1e-6)));
            EXPECT_EQ(w.row_off + w.height, static_cast<int>(std::ceil(row + height - 1e-6)));
        }
    });
    EXPECT_GT(n, 100);
}

TEST(ParityTest, OverviewsAndBlocksEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"overviews", "block_shapes", "block_windows", "block_size"}, [](Dataset& ds, const json& c) {
        const std::string kind = c.at("kind");
        const auto& v = c.at("value");
        if (kind == "overviews") {
            EXPECT_EQ(ds.overviews(1), v.get<std::vector<int>>());
        } else if (kind == "block_shapes") {
            const auto shapes = ds.block_shapes();
            ASSERT_EQ(shapes.size(), v.size());
            for (std::size_t i = 0; i < shapes.size(); ++i) {
                EXPECT_EQ(shapes[i].first, v[i][0].get<int>());
                EXPECT_EQ(shapes[i].second, v[i][1].get<int>());
            }
        } else if (kind == "block_windows") {
            const auto blocks = ds.block_windows(1);
            ASSERT_EQ(blocks.size(), v.size());
            for (std::size_t i = 0; i < blocks.size(); ++i) {
                const auto& e = v[i];
                EXPECT_EQ(blocks[i], (BlockWindow{e[0].get<int>(), e[1].get<int>(),
                                                  Window{e[2].get<int>(), e[3].get<int>(), e[4].get<int>(), e[5].get<int>()}}));
            }
        } else {
            EXPECT_EQ(ds.block_size(1, 0, 0), v.get<std::uint64_t>());
        }
    });
    EXPECT_GT(n, 10);
}

TEST(ParityTest, GcpsAndRpcsEqualRasterios) {
    REQUIRE_PEER();
    const int n = replay({"gcps", "rpcs"}, [](Dataset& ds, const json& c) {
        const auto& v = c.at("value");
        if (c.at("kind") == "gcps") {
            const GCPs g = ds.gcps();
            ASSERT_EQ(g.points.size(), v.size());
            for (std::size_t i = 0; i < v.size(); ++i) {
                const auto& p = g.points[i];
                EXPECT_DOUBLE_EQ(p.row, v[i][0].get<double>());
                EXPECT_DOUBLE_EQ(p.col, v[i][1].get<double>());
                EXPECT_DOUBLE_EQ(p.x, v[i][2].get<double>());
                EXPECT_DOUBLE_EQ(p.y, v[i][3].get<double>());
                EXPECT_DOUBLE_EQ(p.z, v[i][4].get<double>());
                EXPECT_EQ(p.id, v[i][5].get<std::string>());
                EXPECT_EQ(p.info, v[i][6].get<std::string>());
            }
            EXPECT_EQ(g.crs, CRS::from_wkt(c.at("crs").get<std::string>()));
        } else {
            const auto r = ds.rpcs();
            ASSERT_TRUE(r);
            const std::map<std::string, double> scalars{
                {"err_bias", r->err_bias},     {"err_rand", r->err_rand},   {"height_off", r->height_off},
                {"height_scale", r->height_scale}, {"lat_off", r->lat_off}, {"lat_scale", r->lat_scale},
                {"long_off", r->long_off},     {"long_scale", r->long_scale}, {"line_off", r->line_off},
                {"line_scale", r->line_scale}, {"samp_off", r->samp_off},   {"samp_scale", r->samp_scale}};
            for (const auto& [k, got] : scalars) EXPECT_DOUBLE_EQ(got, v.at(k).get<double>()) << k;
            const std::map<std::string, const std::array<double, 20>*> arrays{
                {"line_num_coeff", &r->line_num_coeff}, {"line_den_coeff", &r->line_den_coeff},
                {"samp_num_coeff", &r->samp_num_coeff}, {"samp_den_coeff", &r->samp_den_coeff}};
            for (const auto& [k, got] : arrays) {
                for (std::size_t i = 0; i < 20; ++i) EXPECT_DOUBLE_EQ((*got)[i], v.at(k)[i].get<double>()) << k << i;
            }
        }
    });
    EXPECT_EQ(n, 4);
}
