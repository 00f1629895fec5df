// Band metadata of Dataset: color interpretation, units, scales and offsets, colormaps, GCPs, RPCs.

#include <rastio/dataset.hpp>

#include <algorithm>
#include <memory>

#include <gdal.h>

#include <rastio/error.hpp>

#include "dataset_parity.hpp"
#include "dataset_state.hpp"
#include "error_capture.hpp"

namespace rastio {

using detail::ErrorCapture;

std::vector<ColorInterp> Dataset::colorinterp() const {
    const detail::DatasetUse use(m_state);
    std::vector<ColorInterp> out;
    for (int b = 1; b <= count(); ++b) {
        const int ci = GDALGetRasterColorInterpretation(detail::checked_band(*this, b));
        out.push_back(ci >= 0 && ci <= static_cast<int>(ColorInterp::Cr) ? static_cast<ColorInterp>(ci)
                                                                          : ColorInterp::undefined);
    }
    return out;
}

void Dataset::set_colorinterp(const std::vector<ColorInterp>& interp) {
    const detail::DatasetUse use(m_state);
    detail::require_writable(*this, "set the color interpretation");
    detail::require_per_band(*this, interp.size(), "set_colorinterp");
    ErrorCapture errors(name());
    for (std::size_t i = 0; i < interp.size(); ++i) {
        if (GDALSetRasterColorInterpretation(detail::checked_band(*this, static_cast<int>(i) + 1),
                                             static_cast<GDALColorInterp>(interp[i])) != CE_None) {
            errors.throw_io("cannot set band " + std::to_string(i + 1) + "'s color interpretation to " +
                                std::string(to_string(interp[i])),
                            name());
        }
    }
}

void Dataset::set_descriptions(const std::vector<std::string>& texts) {
    const detail::DatasetUse use(m_state);
    detail::require_writable(*this, "set band descriptions");
    detail::require_per_band(*this, texts.size(), "set_descriptions");
    for (std::size_t i = 0; i < texts.size(); ++i) set_description(static_cast<int>(i) + 1, texts[i]);
}

std::vector<std::string> Dataset::units() const {
    const detail::DatasetUse use(m_state);
    std::vector<std::string> out;
    for (int b = 1; b <= count(); ++b) {
        const char* u = GDALGetRasterUnitType(detail::checked_band(*this, b));
        out.emplace_back(u ? u : "");
    }
    return out;
}

void Dataset::set_units(const std::vector<std::string>& units) {
    const detail::DatasetUse use(m_state);
    detail::require_writable(*this, "set band units");
    detail::require_per_band(*this, units.size(), "set_units");
    ErrorCapture errors(name());
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (GDALSetRasterUnitType(detail::checked_band(*this, static_cast<int>(i) + 1), units[i].c_str()) != CE_None) {
            errors.throw_io("cannot set band " + std::to_string(i + 1) + "'s unit", name());
        }
    }
}

std::vector<double> Dataset::scales() const {
    const detail::DatasetUse use(m_state);
    std::vector<double> out;
    for (int b = 1; b <= count(); ++b) out.push_back(GDALGetRasterScale(detail::checked_band(*this, b), nullptr));
    return out;
}

std::vector<double> Dataset::offsets() const {
    const detail::DatasetUse use(m_state);
    std::vector<double> out;
    for (int b = 1; b <= count(); ++b) out.push_back(GDALGetRasterOffset(detail::checked_band(*this, b), nullptr));
    return out;
}

void Dataset::set_scales(const std::vector<double>& scales) {
    const detail::DatasetUse use(m_state);
    detail::require_writable(*this, "set band scales");
    detail::require_per_band(*this, scales.size(), "set_scales");
    ErrorCapture errors(name());
    for (std::size_t i = 0; i < scales.size(); ++i) {
        if (GDALSetRasterScale(detail::checked_band(*this, static_cast<int>(i) + 1), scales[i]) != CE_None) {
            errors.throw_io("cannot set band " + std::to_string(i + 1) + "'s scale", name());
        }
    }
}

void Dataset::set_offsets(const std::vector<double>& offsets) {
    const detail::DatasetUse use(m_state);
    detail::require_writable(*this, "set band offsets");
    detail::require_per_band(*this, offsets.size(), "set_offsets");
    ErrorCapture errors(name());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        if (GDALSetRasterOffset(detail::checked_band(*this, static_cast<int>(i) + 1), offsets[i]) != CE_None) {
            errors.throw_io("cannot set band " + std::to_string(i + 1) + "'s offset", name());
        }
    }
}

Colormap Dataset::colormap(int band) const {
    const detail::DatasetUse use(m_state);
    GDALColorTableH ct = GDALGetRasterColorTable(detail::checked_band(*this, band));
    if (ct == nullptr) {
        throw ArgumentError("band " + std::to_string(band) + " of " + name() + " has no colormap (no color table)");
    }
    Colormap out;
    for (int i = 0; i < GDALGetColorEntryCount(ct); ++i) {
        const GDALColorEntry* e = GDALGetColorEntry(ct, i);
        auto c = [](short v) { return static_cast<std::uint8_t>(std::clamp<int>(v, 0, 255)); };
        out[i] = {c(e->c1), c(e->c2), c(e->c3), c(e->c4)};
    }
    return out;
}

void Dataset::write_colormap(int band, const Colormap& colormap) {
    const detail::DatasetUse use(m_state);
    GDALRasterBandH b = detail::checked_band(*this, band);
    detail::require_writable(*this, "write a colormap");
    if (colormap.empty()) throw ArgumentError("empty colormap for band " + std::to_string(band) + " of " + name());
    if (colormap.begin()->first < 0 || colormap.rbegin()->first > 65535) {
        throw ArgumentError("colormap keys must be pixel values from 0 to 65535");
    }
    const std::unique_ptr<std::remove_pointer_t<GDALColorTableH>, void (*)(GDALColorTableH)> ct(
        GDALCreateColorTable(GPI_RGB), GDALDestroyColorTable);
    for (const auto& [value, rgba] : colormap) {
        const GDALColorEntry e{rgba[0], rgba[1], rgba[2], rgba[3]};
        GDALSetColorEntry(ct.get(), value, &e);
    }
    ErrorCapture errors(name());
    if (GDALSetRasterColorTable(b, ct.get()) != CE_None || errors.failed()) {
        errors.throw_io("cannot write the colormap of band " + std::to_string(band), name());
    }
}

GCPs Dataset::gcps() const {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    GCPs out;
    const int n = GDALGetGCPCount(h);
    const GDAL_GCP* list = GDALGetGCPs(h);
    for (int i = 0; i < n && list != nullptr; ++i) {
        const GDAL_GCP& g = list[i];
        out.points.push_back({.row = g.dfGCPLine, .col = g.dfGCPPixel, .x = g.dfGCPX, .y = g.dfGCPY, .z = g.dfGCPZ,
                              .id = g.pszId ? g.pszId : "", .info = g.pszInfo ? g.pszInfo : ""});
    }
    const char* wkt = GDALGetGCPProjection(h);
    if (wkt != nullptr && *wkt != '\0') out.crs = CRS::from_wkt(wkt);
    return out;
}

std::optional<RPC> Dataset::rpcs() const {
    const detail::DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    CSLConstList md = GDALGetMetadata(h, "RPC");
    if (md == nullptr) return std::nullopt;
    GDALRPCInfoV2 info{};
    ErrorCapture quiet(detail::WarningPolicy::drop);
    if (!GDALExtractRPCInfoV2(md, &info)) return std::nullopt;
    RPC r;
    r.err_bias = info.dfERR_BIAS;
    r.err_rand = info.dfERR_RAND;
    r.height_off = info.dfHEIGHT_OFF;
    r.height_scale = info.dfHEIGHT_SCALE;
    r.lat_off = info.dfLAT_OFF;
    r.lat_scale = info.dfLAT_SCALE;
    r.long_off = info.dfLONG_OFF;
    r.long_scale = info.dfLONG_SCALE;
    r.line_off = info.dfLINE_OFF;
    r.line_scale = info.dfLINE_SCALE;
    r.samp_off = info.dfSAMP_OFF;
    r.samp_scale = info.dfSAMP_SCALE;
    std::copy(std::begin(info.adfLINE_NUM_COEFF), std::end(info.adfLINE_NUM_COEFF), r.line_num_coeff.begin());
    std::copy(std::begin(info.adfLINE_DEN_COEFF), std::end(info.adfLINE_DEN_COEFF), r.line_den_coeff.begin());
    std::copy(std::begin(info.adfSAMP_NUM_COEFF), std::end(info.adfSAMP_NUM_COEFF), r.samp_num_coeff.begin());
    std::copy(std::begin(info.adfSAMP_DEN_COEFF), std::end(info.adfSAMP_DEN_COEFF), r.samp_den_coeff.begin());
    return r;
}

} // namespace rastio
