// Pixels to bytes: through a MemoryFile, or (PNG) written here.
#include "render.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <rastio/error.hpp>
#include <rastio/memory_file.hpp>

#include "png.hpp"

namespace rastio::serve {

Format parse_format(const std::string& text, const std::string& param) {
    if (text == "png") return Format::png;
    if (text == "jpg" || text == "jpeg") return Format::jpeg;
    if (text == "webp") return Format::webp;
    if (text == "tif" || text == "tiff") return Format::gtiff;
    if (text == "npy") return Format::npy;
    bad_param(param, "unknown format \"" + text.substr(0, 32) + "\" (png, jpg, jpeg, webp, tif, npy)");
}

std::string content_type(Format f) {
    switch (f) {
    case Format::png: return "image/png";
    case Format::jpeg: return "image/jpeg";
    case Format::webp: return "image/webp";
    case Format::gtiff: return "image/tiff; application=geotiff";
    case Format::npy: return "application/x-binary";
    }
    return "application/octet-stream";
}

Format default_format(const ImageData& img) {
    const auto m = img.mask.values();
    return std::all_of(m.begin(), m.end(), [](std::uint8_t v) { return v != 0; }) ? Format::jpeg : Format::png;
}

std::pair<int, int> fit_size(int height, int width, int max_size) {
    if (height <= 0 || width <= 0) return {0, 0};
    if (std::max(height, width) <= max_size) return {height, width};
    const double s = static_cast<double>(max_size) / std::max(height, width);
    return {std::max(1, static_cast<int>(std::lround(height * s))), std::max(1, static_cast<int>(std::lround(width * s)))};
}

namespace {

template <class T>
double as_double(const T& v) {
    return pixel_value(v);
}

// Calls f(const T* values) with the array's typed values.
template <class F>
void with_values(const AnyArray& a, F&& f) {
    visit_dtype(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        f(a.as<T>().data());
    });
}

} // namespace

ImageData read_image(const Dataset& ds, const ImageParams& p, const std::optional<Window>& window, int rows, int cols) {
    ReadOptions ro;
    ro.bands = p.bands;
    ro.window = window;
    ro.out_shape = std::make_pair(rows, cols);
    ro.resampling = p.resampling;
    ImageData img;
    const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    img.mask = Array<std::uint8_t>(Shape{1, static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)});
    std::uint8_t* m = img.mask.data();
    if (p.nodata) {
        img.data = ds.read(ro);
        const double nd = *p.nodata;
        const bool nan = std::isnan(nd);
        with_values(img.data, [&](const auto* v) {
            for (std::size_t b = 0; b < p.bands.size(); ++b) {
                for (std::size_t i = 0; i < n; ++i) {
                    const double x = as_double(v[b * n + i]);
                    if (!(nan ? std::isnan(x) : x == nd)) m[i] = 255;
                }
            }
        });
    } else {
        MaskedArray ma = ds.read_masked(ro);
        img.data = std::move(ma.data);
        const std::uint8_t* bm = ma.mask.data();
        const std::size_t mb = ma.mask.bands();
        for (std::size_t b = 0; b < mb; ++b) {
            for (std::size_t i = 0; i < n; ++i) m[i] = std::max(m[i], bm[b * n + i]);
        }
    }
    img.crs = ds.crs();
    if (window) {
        const Affine t = ds.window_transform(*window);
        img.transform = t * Affine::scale(static_cast<double>(window->width) / cols, static_cast<double>(window->height) / rows);
    } else {
        img.transform = ds.transform() * Affine::scale(static_cast<double>(ds.width()) / cols, static_cast<double>(ds.height()) / rows);
    }
    return img;
}

ImageData post_process(ImageData img, const ImageParams& p) {
    const Shape s = img.data.shape();
    const std::size_t n = s[1] * s[2];
    if (!p.rescale.empty()) {
        Array<std::uint8_t> out(s);
        std::uint8_t* o = out.data();
        with_values(img.data, [&](const auto* v) {
            for (std::size_t b = 0; b < s[0]; ++b) {
                const auto [lo, hi] = p.rescale.size() == 1 ? p.rescale[0] : p.rescale[b];
                const double scale = hi != lo ? 255.0 / (hi - lo) : 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    const double x = (as_double(v[b * n + i]) - lo) * scale;
                    o[b * n + i] = std::isnan(x) ? 0 : static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.0, 255.0)));
                }
            }
        });
        img.data = std::move(out);
    }
    if (p.colormap) {
        Array<std::uint8_t> rgb(Shape{3, s[1], s[2]});
        std::uint8_t* o = rgb.data();
        std::uint8_t* m = img.mask.data();
        with_values(img.data, [&](const auto* v) {
            for (std::size_t i = 0; i < n; ++i) {
                const auto c = p.colormap->at(as_double(v[i]));
                o[i] = c[0];
                o[n + i] = c[1];
                o[2 * n + i] = c[2];
                m[i] = std::min(m[i], c[3]);
            }
        });
        img.data = std::move(rgb);
    }
    return img;
}

namespace {

// uint8 (PNG: uint16 too) as given; anything else clamped to 0..255 (as rio-tiler casts).
AnyArray image_dtype(const AnyArray& a, bool allow_uint16) {
    if (a.dtype() == DType::uint8 || (allow_uint16 && a.dtype() == DType::uint16)) return a;
    Array<std::uint8_t> out(a.shape());
    std::uint8_t* o = out.data();
    with_values(a, [&](const auto* v) {
        for (std::size_t i = 0; i < out.size(); ++i) {
            const double x = as_double(v[i]);
            o[i] = std::isnan(x) ? 0 : static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.0, 255.0)));
        }
    });
    return out;
}

// Bands of `a` plus, when given, the mask as one more band (converted to a's dtype; 255 -> max).
AnyArray with_extra_band(const AnyArray& a, const Array<std::uint8_t>* mask, std::size_t repeat_first = 1) {
    const Shape s = a.shape();
    const std::size_t n = s[1] * s[2];
    const std::size_t bands = s[0] * repeat_first + (mask ? 1 : 0);
    AnyArray out(a.dtype(), Shape{bands, s[1], s[2]});
    visit_dtype(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* src = a.as<T>().data();
        T* dst = out.as<T>().data();
        std::size_t k = 0;
        for (std::size_t r = 0; r < repeat_first; ++r, k += s[0]) std::memcpy(dst + k * n, src, s[0] * n * sizeof(T));
        if (mask) {
            const std::uint8_t* m = mask->data();
            T on{};
            if constexpr (std::is_same_v<T, std::uint16_t>) on = 65535;
            else if constexpr (std::is_arithmetic_v<T>) on = static_cast<T>(255);
            else if constexpr (requires { on.real(); }) on = T(255);
            else on.real = 255;
            for (std::size_t i = 0; i < n; ++i) dst[k * n + i] = m[i] ? on : T{};
        }
    });
    return out;
}

std::string memory_bytes(MemoryFile& mf) {
    const auto bytes = mf.getbuffer();
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a string body
}

std::string write_with_driver(const AnyArray& a, const std::string& driver, const std::string& ext, const ImageData* geo,
                              const Options& options) {
    const Shape s = a.shape();
    MemoryFile mf(MemoryFileOptions{.ext = ext});
    Profile prof{.driver = driver,
                 .width = static_cast<int>(s[2]),
                 .height = static_cast<int>(s[1]),
                 .count = static_cast<int>(s[0]),
                 .dtype = a.dtype(),
                 .options = options};
    if (geo) {
        prof.crs = geo->crs;
        prof.transform = geo->transform;
    }
    {
        Dataset ds = mf.open(prof);
        ds.write(a);
        if (geo) {
            const auto m = geo->mask.values();
            if (!std::all_of(m.begin(), m.end(), [](std::uint8_t v) { return v != 0; })) ds.write_mask(geo->mask);
        }
        ds.close();
    }
    return memory_bytes(mf);
}

void put_le16(std::string& s, std::uint16_t v) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>(v >> 8));
}

std::string npy_descr(DType t) {
    switch (t) {
    case DType::uint8: return "|u1";
    case DType::int8: return "|i1";
    case DType::uint16: return "<u2";
    case DType::int16: return "<i2";
    case DType::uint32: return "<u4";
    case DType::int32: return "<i4";
    case DType::uint64: return "<u8";
    case DType::int64: return "<i8";
    case DType::float32: return "<f4";
    case DType::float64: return "<f8";
    case DType::cfloat32: return "<c8";
    case DType::cfloat64: return "<c16";
    default: bad_param("format", "npy cannot hold " + std::string(to_string(t)) + " pixels");
    }
}

// numpy's .npy format, version 1.0: magic, header length, a Python dict literal, raw C-order data.
std::string encode_npy(const AnyArray& a) {
    const Shape s = a.shape();
    std::string header = "{'descr': '" + npy_descr(a.dtype()) + "', 'fortran_order': False, 'shape': (" +
                         std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " + std::to_string(s[2]) + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    std::string out("\x93NUMPY\x01\x00", 8);
    put_le16(out, static_cast<std::uint16_t>(header.size()));
    out += header;
    const auto bytes = a.bytes();
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes to a string body
    return out;
}

} // namespace

std::string encode(const ImageData& img, Format f, bool return_mask) {
    const std::size_t bands = img.data.shape()[0];
    try {
        switch (f) {
        case Format::gtiff:
            return write_with_driver(img.data, "GTiff", ".tif", &img, {{"COMPRESS", "DEFLATE"}});
        case Format::npy:
            return encode_npy(with_extra_band(img.data, &img.mask));
        case Format::png: {
            if (bands != 1 && bands != 3) bad_param("bidx", "png needs 1 or 3 bands, got " + std::to_string(bands));
            const AnyArray a = image_dtype(img.data, true);
            // Our own rows and libdeflate instead of GDAL's PNG driver (libpng + zlib): see png.hpp.
            return return_mask ? encode_png_with_alpha(a, img.mask) : encode_png(a);
        }
        case Format::jpeg: {
            if (bands != 1 && bands != 3) bad_param("bidx", "jpeg needs 1 or 3 bands, got " + std::to_string(bands));
            return write_with_driver(image_dtype(img.data, false), "JPEG", ".jpg", nullptr, {});
        }
        case Format::webp: {
            if (bands != 1 && bands != 3) bad_param("bidx", "webp needs 1 or 3 bands, got " + std::to_string(bands));
            const AnyArray a = image_dtype(img.data, false);
            // WEBP holds RGB or RGBA: a gray band is repeated three times.
            return write_with_driver(with_extra_band(a, return_mask ? &img.mask : nullptr, bands == 1 ? 3 : 1), "WEBP",
                                     ".webp", nullptr, {{"QUALITY", "75"}});
        }
        }
    } catch (const rastio::Error& e) {
        throw HttpError(400, std::string("format: cannot encode the image: ") + e.what());
    }
    bad_param("format", "unknown");
}

std::string hash_hex(const std::string& bytes) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    static const char* digits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = digits[h & 15];
    return out;
}

} // namespace rastio::serve
