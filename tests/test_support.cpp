#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

namespace rastio::test {

std::filesystem::path corpus_dir() {
    if (const char* env = std::getenv("RASTIO_CORPUS_DIR"); env && std::filesystem::is_directory(env)) return env;
    const std::filesystem::path p = RASTIO_CORPUS_DIR;
    return std::filesystem::is_directory(p) ? std::filesystem::canonical(p) : std::filesystem::path{};
}

std::string corpus(const std::string& name) { return (corpus_dir() / name).string(); }

std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size()); // an empty array's file is empty
    return out;
}

std::vector<std::byte> take_vsimem(const std::string& path) {
    vsi_l_offset len = 0;
    GByte* p = VSIGetMemFileBuffer(path.c_str(), &len, FALSE);
    if (p == nullptr) throw std::runtime_error("no /vsimem/ file " + path);
    std::vector<std::byte> out(static_cast<std::size_t>(len));
    std::memcpy(out.data(), p, out.size());
    VSIUnlink(path.c_str());
    return out;
}

std::vector<std::string> vsimem_entries() {
    const CPLStringList list(VSIReadDirRecursive("/vsimem/"));
    std::vector<std::string> out;
    for (int i = 0; i < list.size(); ++i) out.emplace_back(list[i]);
    return out;
}

int open_fd_count() {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

Profile small_profile(const std::string& driver, std::map<std::string, std::string> options) {
    Profile p;
    p.driver = driver;
    p.width = 16;
    p.height = 16;
    p.count = 1;
    p.dtype = DType::uint8;
    p.options = std::move(options);
    return p;
}

AnyArray ramp16() {
    Array<std::uint8_t> a({1, 16, 16});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i);
    return AnyArray(std::move(a));
}

std::vector<std::byte> make_gtiff(int width, int height, int bands, const std::vector<std::string>& options) {
    GDALAllRegister();
    static int counter = 0;
    const std::string path = "/vsimem/test-fixture-" + std::to_string(counter++) + ".tif";
    CPLStringList opts;
    for (const auto& o : options) opts.AddString(o.c_str());
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, bands, GDT_Byte, opts.List());
    if (ds == nullptr) throw std::runtime_error("GDALCreate failed for the test fixture");
    double gt[6] = {101985.0, 30.0, 0.0, 2826915.0, 0.0, -30.0};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32618");
    std::vector<unsigned char> buf(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int b = 0; b < bands; ++b) {
        for (int r = 0; r < height; ++r) {
            for (int c = 0; c < width; ++c) {
                buf[static_cast<std::size_t>(r) * static_cast<std::size_t>(width) + static_cast<std::size_t>(c)] =
                    static_cast<unsigned char>((b * 31 + r * 7 + c * 3) % 251);
            }
        }
        if (GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, width, height, buf.data(), width, height,
                         GDT_Byte, 0, 0) != CE_None) {
            throw std::runtime_error("GDALRasterIO failed for the test fixture");
        }
    }
    GDALClose(ds);
    return take_vsimem(path);
}

AnyArray smooth_field(DType dtype, int bands, int height, int width, unsigned seed) {
    std::mt19937 rng(seed);
    AnyArray a(dtype, Shape{static_cast<std::size_t>(bands), static_cast<std::size_t>(height),
                            static_cast<std::size_t>(width)});
    std::uniform_real_distribution<double> noise(-1.0, 1.0);
    const double fx = 0.02 + 0.1 * noise(rng) * noise(rng), fy = 0.03 + 0.1 * noise(rng) * noise(rng);
    visit_dtype(dtype, [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_arithmetic_v<T>) {
            auto values = a.as<T>().values();
            const double lo = std::is_signed_v<T> ? -120.0 : 0.0;
            const auto w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
            for (std::size_t i = 0; i < values.size(); ++i) {
                const auto x = static_cast<double>(i % w), y = static_cast<double>((i / w) % h);
                double value = 120 + 100 * std::sin(fx * x + fy * y) + 20 * noise(rng) + ((x > width / 2.0) ? 7 : 0);
                if constexpr (std::is_floating_point_v<T>) {
                    value += 0.001 * noise(rng);
                } else {
                    value = std::round(value);
                }
                values[i] = static_cast<T>(std::max(lo, value));
            }
        }
    });
    return a;
}

} // namespace rastio::test
