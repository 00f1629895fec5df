// rastio's side of the comparison with rasterio (bench/compare.py runs both on the same files).
// Each benchmark is one case of issues 6 and 12; every repetition is one timed run, after one warm-up.
// The inputs come from bench/make_inputs.py, in the folder named by RASTIO_BENCH_DATA.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <rastio/rastio.hpp>

namespace {

std::string data_path(const std::string& name) {
    const char* dir = std::getenv("RASTIO_BENCH_DATA");
    return std::string(dir != nullptr ? dir : "bench/out/data") + "/" + name;
}

/// The bytes of an input file, read once per process.
const std::vector<std::byte>& input(const std::string& name) {
    static std::map<std::string, std::vector<std::byte>> cache;
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
    std::ifstream f(data_path(name), std::ios::binary);
    if (!f) throw std::runtime_error("missing benchmark input " + data_path(name) + ": run bench/compare.py");
    f.seekg(0, std::ios::end);
    std::vector<std::byte> bytes(static_cast<std::size_t>(f.tellg()));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): istream reads chars
    return cache.emplace(name, std::move(bytes)).first->second;
}

/// Open + read all bands from bytes in memory (borrowed: no copy, as rasterio's MemoryFile(bytes)).
std::size_t open_read(const std::vector<std::byte>& bytes) {
    auto mf = rastio::MemoryFile::borrow(bytes);
    auto ds = mf.open();
    const rastio::AnyArray a = ds.read();
    benchmark::DoNotOptimize(a.data());
    return a.bytes().size();
}

/// Runs `op` once untimed, then once per timed iteration.
template <class Op>
void timed(benchmark::State& state, Op op) {
    op();
    for (auto _ : state) op();
}

void read_case(benchmark::State& state, const std::string& name) {
    const auto& bytes = input(name);
    timed(state, [&] { open_read(bytes); });
}

/// Nothing but GDAL's start-up: the process's baseline peak RSS.
void BM_baseline(benchmark::State& state) {
    timed(state, [] { rastio::MemoryFile mf; });
}

void BM_small_read_x1000(benchmark::State& state) {
    const auto& bytes = input("small.tif");
    timed(state, [&] {
        for (int i = 0; i < 1000; ++i) open_read(bytes);
    });
}

void BM_raw_read(benchmark::State& state) { read_case(state, "raw.tif"); }

/// The README's first flow: `MemoryFile mf(bytes)` copies the bytes, then open + read.
void BM_copy_read(benchmark::State& state) {
    const auto& bytes = input("raw.tif");
    timed(state, [&] {
        rastio::MemoryFile mf(bytes);
        auto ds = mf.open();
        const rastio::AnyArray a = ds.read();
        benchmark::DoNotOptimize(a.data());
    });
}
void BM_deflate_read(benchmark::State& state) { read_case(state, "deflate.tif"); }
void BM_lzw_f32_read(benchmark::State& state) { read_case(state, "lzw_f32.tif"); }

void BM_incremental_write_read(benchmark::State& state) {
    const auto& bytes = input("raw.tif");
    timed(state, [&] {
        rastio::MemoryFile mf;
        constexpr std::size_t chunk = 8192;
        for (std::size_t at = 0; at < bytes.size(); at += chunk) {
            mf.write(std::span<const std::byte>(bytes).subspan(at, std::min(chunk, bytes.size() - at)));
        }
        auto ds = mf.open();
        const rastio::AnyArray a = ds.read();
        benchmark::DoNotOptimize(a.data());
    });
}

/// The pixels to write: those of the uncompressed input, read once.
const rastio::AnyArray& write_pixels() {
    static const rastio::AnyArray pixels = [] {
        auto mf = rastio::MemoryFile::borrow(input("raw.tif"));
        return mf.open().read();
    }();
    return pixels;
}

void write_case(benchmark::State& state, const std::map<std::string, std::string>& options) {
    const rastio::AnyArray& pixels = write_pixels();
    timed(state, [&] {
        rastio::MemoryFile mf;
        rastio::Profile p;
        p.driver = "GTiff";
        p.width = static_cast<int>(pixels.shape()[2]);
        p.height = static_cast<int>(pixels.shape()[1]);
        p.count = static_cast<int>(pixels.shape()[0]);
        p.dtype = pixels.dtype();
        p.options = options;
        auto ds = mf.open(p);
        ds.write(pixels);
        ds.close();
        const auto buf = mf.getbuffer();
        benchmark::DoNotOptimize(buf.data());
        if (buf.size() < 1000) throw std::runtime_error("write produced no file");
    });
}

void BM_write_raw(benchmark::State& state) { write_case(state, {}); }
void BM_write_deflate(benchmark::State& state) { write_case(state, {{"COMPRESS", "DEFLATE"}}); }
void BM_write_tiled_raw(benchmark::State& state) { write_case(state, {{"TILED", "YES"}}); }
void BM_write_tiled_deflate(benchmark::State& state) {
    write_case(state, {{"TILED", "YES"}, {"COMPRESS", "DEFLATE"}});
}

/// 8 threads, each opening and reading the small file 200 times from one MemoryFile.
void BM_threads8_small_x200(benchmark::State& state) {
    rastio::MemoryFile mf(input("small.tif"));
    auto run = [&] {
        std::vector<std::thread> pool;
        for (int t = 0; t < 8; ++t) {
            pool.emplace_back([&] {
                for (int i = 0; i < 200; ++i) {
                    auto ds = rastio::open(mf.name());
                    const rastio::AnyArray a = ds.read();
                    benchmark::DoNotOptimize(a.data());
                }
            });
        }
        for (auto& t : pool) t.join();
    };
    timed(state, run);
    state.counters["reads_per_s"] =
        benchmark::Counter(1600.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// Issue 13: the uncompressed input (UTM 33N) reprojected to Web Mercator on the grid
/// calculate_default_transform gives, into a new array, at reproject()'s defaults (threads:
/// automatic, i.e. every CPU for a destination this large; rasterio's default is 1).
void warp_case(benchmark::State& state, rastio::Resampling resampling) {
    const auto& bytes = input("raw.tif");
    const rastio::CRS mercator = rastio::CRS::from_epsg(3857);
    timed(state, [&] {
        auto mf = rastio::MemoryFile::borrow(bytes);
        auto src = mf.open();
        const rastio::Reprojected out = rastio::reproject(rastio::WarpSource::from_dataset(src),
                                                          rastio::WarpDestination::make(mercator), {.resampling = resampling});
        benchmark::DoNotOptimize(out.array.data());
        if (out.array.shape()[1] < 4000) throw std::runtime_error("unexpected warp grid");
    });
}

void BM_warp_bilinear(benchmark::State& state) { warp_case(state, rastio::Resampling::bilinear); }
void BM_warp_nearest(benchmark::State& state) { warp_case(state, rastio::Resampling::nearest); }

/// A tile server's reads: a WarpedVRT of the input in Web Mercator, then 16x16 windows of
/// 256x256 pixels spread evenly from corner to corner (as bench/rasterio_bench.py).
void BM_warpedvrt_tiles_x256(benchmark::State& state) {
    const auto& bytes = input("raw.tif");
    const rastio::CRS mercator = rastio::CRS::from_epsg(3857);
    constexpr int tile = 256, per_side = 16;
    timed(state, [&] {
        auto mf = rastio::MemoryFile::borrow(bytes);
        auto src = mf.open();
        rastio::WarpedVRT vrt(src, {.crs = mercator, .resampling = rastio::Resampling::bilinear});
        const double step_x = (vrt.width() - tile) / static_cast<double>(per_side - 1);
        const double step_y = (vrt.height() - tile) / static_cast<double>(per_side - 1);
        for (int j = 0; j < per_side; ++j) {
            for (int i = 0; i < per_side; ++i) {
                // Python's round() as the rasterio side: halves to even.
                const rastio::Window w(static_cast<int>(std::nearbyint(i * step_x)),
                                       static_cast<int>(std::nearbyint(j * step_y)), tile, tile);
                const rastio::AnyArray a = vrt.read({.window = w});
                benchmark::DoNotOptimize(a.data());
                if (a.shape()[2] != tile) throw std::runtime_error("unexpected tile shape");
            }
        }
    });
}

/// Issue 16: 16 overlapping 2048x2048 uint8 tiles (nodata 0) merged into a 6656x6656 array.
void BM_merge16(benchmark::State& state) {
    std::vector<rastio::MemoryFile> files;
    for (int i = 0; i < 16; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "merge_%02d.tif", i);
        files.push_back(rastio::MemoryFile::borrow(input(name)));
    }
    timed(state, [&] {
        std::vector<rastio::Dataset> srcs;
        for (auto& f : files) srcs.push_back(f.open());
        const std::vector<rastio::MergeSource> sources(srcs.begin(), srcs.end());
        const rastio::Merged m = rastio::merge(sources);
        benchmark::DoNotOptimize(m.data.data());
        if (m.data.shape()[1] != 6656) throw std::runtime_error("unexpected merge grid");
    });
}

/// Issue 16: 10,000 polygons (most with a hole) burnt into a 4096x4096 uint8 array, values 1..255.
void BM_rasterize10k(benchmark::State& state) {
    std::vector<rastio::GeometryValue> shapes;
    std::ifstream f(data_path("polygons10k.txt"));
    if (!f) throw std::runtime_error("missing benchmark input polygons10k.txt: run bench/compare.py");
    for (std::string line; std::getline(f, line);) {
        const auto tab = line.find('\t');
        shapes.emplace_back(rastio::Geometry(line.substr(tab + 1)), std::int64_t{std::stoi(line.substr(0, tab))});
    }
    rastio::RasterizeOptions o;
    o.out_shape = std::pair{4096, 4096};
    o.transform = rastio::Affine{10.0, 0.0, 500000.0, 0.0, -10.0, 4200000.0};
    timed(state, [&] {
        const rastio::AnyArray out = rastio::rasterize(shapes, o);
        benchmark::DoNotOptimize(out.data());
        if (out.dtype() != rastio::DType::uint8 || out.shape()[2] != 4096) throw std::runtime_error("unexpected rasterize output");
    });
}

/// Issue 16: shapes of a 4096x4096 uint8 classified raster, every shape built as GeoJSON and kept.
void BM_shapes4096(benchmark::State& state) {
    auto mf = rastio::MemoryFile::borrow(input("classes.tif"));
    auto ds = mf.open();
    const auto classes = ds.read_as<std::uint8_t>({1});
    const rastio::Affine transform = ds.transform();
    timed(state, [&] {
        const auto found = rastio::shapes(classes, {.transform = transform});
        benchmark::DoNotOptimize(found.data());
        if (found.size() != 15343) throw std::runtime_error("unexpected shape count");
    });
}

} // namespace

#define RASTIO_CASE(fn) \
    BENCHMARK(fn)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime()

RASTIO_CASE(BM_baseline);
RASTIO_CASE(BM_small_read_x1000);
RASTIO_CASE(BM_raw_read);
RASTIO_CASE(BM_copy_read);
RASTIO_CASE(BM_deflate_read);
RASTIO_CASE(BM_lzw_f32_read);
RASTIO_CASE(BM_incremental_write_read);
RASTIO_CASE(BM_write_raw);
RASTIO_CASE(BM_write_deflate);
RASTIO_CASE(BM_write_tiled_raw);
RASTIO_CASE(BM_write_tiled_deflate);
RASTIO_CASE(BM_threads8_small_x200);
RASTIO_CASE(BM_warp_bilinear);
RASTIO_CASE(BM_warp_nearest);
RASTIO_CASE(BM_warpedvrt_tiles_x256);
RASTIO_CASE(BM_merge16);
RASTIO_CASE(BM_rasterize10k);
RASTIO_CASE(BM_shapes4096);

BENCHMARK_MAIN();
