#include "seeds.hpp"

#include <cstring>
#include <random>
#include <stdexcept>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

namespace rastio::fuzz {

namespace {

std::vector<std::byte> take(const std::string& path) {
    vsi_l_offset len = 0;
    GByte* p = VSIGetMemFileBuffer(path.c_str(), &len, FALSE);
    if (p == nullptr) throw std::runtime_error("seed generator: no /vsimem/ file " + path);
    std::vector<std::byte> out(static_cast<std::size_t>(len));
    if (!out.empty()) std::memcpy(out.data(), p, out.size());
    VSIUnlink(path.c_str());
    const std::string aux = path + ".aux.xml";
    VSIUnlink(aux.c_str());
    return out;
}

/// A MEM dataset filled with a pattern, georeferenced, with a nodata value when asked.
GDALDatasetH pattern(int width, int height, int bands, GDALDataType type, bool nodata) {
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", width, height, bands, type, nullptr);
    if (ds == nullptr) throw std::runtime_error("seed generator: cannot create a MEM dataset");
    double gt[6] = {101985.0, 30.0, 0.0, 2826915.0, 0.0, -30.0};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32618");
    std::vector<double> row(static_cast<std::size_t>(width));
    for (int b = 1; b <= bands; ++b) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        if (nodata) GDALSetRasterNoDataValue(band, 0);
        for (int r = 0; r < height; ++r) {
            for (int c = 0; c < width; ++c) row[static_cast<std::size_t>(c)] = (b * 31 + r * 7 + c * 3) % 251;
            if (GDALRasterIO(band, GF_Write, 0, r, width, 1, row.data(), width, 1, GDT_Float64, 0, 0) != CE_None) {
                throw std::runtime_error("seed generator: cannot fill a MEM dataset");
            }
        }
    }
    return ds;
}

std::vector<std::byte> copy_to(const char* driver, GDALDatasetH src, const std::string& name,
                               const std::vector<const char*>& options) {
    CPLStringList opts;
    for (const char* o : options) opts.AddString(o);
    const std::string path = "/vsimem/rastio-fuzz-seeds/" + name;
    GDALDatasetH out = GDALCreateCopy(GDALGetDriverByName(driver), path.c_str(), src, FALSE, opts.List(), nullptr, nullptr);
    if (out == nullptr) throw std::runtime_error("seed generator: cannot write " + name + ": " + CPLGetLastErrorMsg());
    GDALClose(out);
    return take(path);
}

/// A zip archive holding `member` with `bytes`, written through GDAL's /vsizip/.
std::vector<std::byte> zip_of(const std::string& member, const std::vector<std::byte>& bytes) {
    const std::string zip = "/vsimem/rastio-fuzz-seeds/seed.zip";
    const std::string path = "/vsizip/" + zip + "/" + member;
    VSILFILE* fp = VSIFOpenL(path.c_str(), "wb");
    if (fp == nullptr) throw std::runtime_error("seed generator: cannot create a zip member");
    VSIFWriteL(bytes.data(), 1, bytes.size(), fp);
    VSIFCloseL(fp);
    return take(zip);
}

} // namespace

std::vector<Seed> make_seeds() {
    GDALAllRegister();
    CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
    std::vector<Seed> out;
    GDALDatasetH rgb = pattern(64, 48, 3, GDT_Byte, false);
    GDALDatasetH u16 = pattern(40, 30, 2, GDT_UInt16, true);
    GDALDatasetH f32 = pattern(33, 17, 1, GDT_Float32, true);
    GDALDatasetH i16 = pattern(20, 20, 1, GDT_Int16, false);
    out.push_back({"gtiff-striped.tif", copy_to("GTiff", rgb, "a.tif", {})});
    out.push_back({"gtiff-tiled-deflate.tif",
                   copy_to("GTiff", rgb, "b.tif", {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"})});
    out.push_back({"gtiff-lzw-band.tif", copy_to("GTiff", rgb, "c.tif", {"COMPRESS=LZW", "INTERLEAVE=BAND"})});
    out.push_back({"gtiff-jpeg-ycbcr.tif", copy_to("GTiff", rgb, "d.tif", {"COMPRESS=JPEG", "PHOTOMETRIC=YCBCR"})});
    out.push_back({"gtiff-uint16-packbits.tif", copy_to("GTiff", u16, "e.tif", {"COMPRESS=PACKBITS"})});
    out.push_back({"gtiff-float32-predictor.tif",
                   copy_to("GTiff", f32, "f.tif", {"COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"})});
    out.push_back({"gtiff-int16-zstd.tif", copy_to("GTiff", i16, "g.tif", {"COMPRESS=ZSTD", "PREDICTOR=2"})});
    out.push_back({"gtiff-bigtiff.tif", copy_to("GTiff", i16, "h.tif", {"BIGTIFF=YES"})});
    out.push_back({"cog.tif", copy_to("COG", rgb, "i.tif", {"BLOCKSIZE=32", "OVERVIEWS=FORCE_USE_EXISTING"})});
    out.push_back({"png-rgb.png", copy_to("PNG", rgb, "j.png", {})});
    out.push_back({"png-uint16.png", copy_to("PNG", u16, "k.png", {})});
    out.push_back({"jpeg.jpg", copy_to("JPEG", rgb, "l.jpg", {"QUALITY=80"})});
    out.push_back({"zip-gtiff.zip", zip_of("dir/x.tif", out[1].bytes)});
    out.push_back({"zip-png.zip", zip_of("y.png", out[9].bytes)});
    for (GDALDatasetH ds : {rgb, u16, f32, i16}) GDALClose(ds);
    VSIRmdirRecursive("/vsimem/rastio-fuzz-seeds");
    return out;
}

std::vector<std::byte> mutate(const std::vector<std::byte>& seed, std::uint64_t index) {
    std::mt19937_64 rng(0x9e3779b97f4a7c15ULL ^ (index * 0xbf58476d1ce4e5b9ULL) ^ seed.size());
    std::vector<std::byte> b = seed;
    auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) {
        switch (rng() % 6) {
        case 0: // truncate
            b.resize(pick(b.size()));
            break;
        case 1: { // flip bits in a few bytes
            for (int i = 0; i < 4; ++i) b[pick(b.size())] ^= static_cast<std::byte>(1u << (rng() % 8));
            break;
        }
        case 2: { // an interesting 16- or 32-bit integer, most likely in the header or an IFD
            static const std::uint32_t values[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                                   0x7fffffff, 0x80000000, 0xffffffff, 65535, 1000000};
            const std::uint32_t v = values[rng() % std::size(values)];
            const std::size_t width = rng() % 2 ? 4 : 2;
            const std::size_t limit = std::min<std::size_t>(b.size(), rng() % 3 ? 512 : b.size());
            if (limit < width) break;
            const std::size_t at = pick(limit - width + 1);
            std::memcpy(b.data() + at, &v, width);
            break;
        }
        case 3: { // delete a chunk
            const std::size_t at = pick(b.size());
            const std::size_t n = std::min(b.size() - at, 1 + pick(64));
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
            break;
        }
        case 4: { // duplicate a chunk
            const std::size_t at = pick(b.size());
            const std::size_t n = std::min(b.size() - at, 1 + pick(64));
            std::vector<std::byte> chunk(b.begin() + static_cast<std::ptrdiff_t>(at),
                                         b.begin() + static_cast<std::ptrdiff_t>(at + n));
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(pick(b.size())), chunk.begin(), chunk.end());
            break;
        }
        default: // random bytes
            for (int i = 0; i < 8; ++i) b[pick(b.size())] = static_cast<std::byte>(rng());
            break;
        }
    }
    return b;
}

} // namespace rastio::fuzz
