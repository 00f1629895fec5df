#include <rastio/crs.hpp>

#include <memory>

#include <ogr_srs_api.h>

#include <rastio/error.hpp>

#include "error_capture.hpp"
#include "gdal_handle.hpp"

namespace rastio {

namespace {

struct srs_deleter {
    void operator()(OGRSpatialReferenceH h) const noexcept { OSRDestroySpatialReference(h); }
};
using SrsPtr = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, srs_deleter>;

SrsPtr make_srs() {
    SrsPtr srs(OSRNewSpatialReference(nullptr));
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

SrsPtr import(const std::string& wkt) {
    auto srs = make_srs();
    if (OSRSetFromUserInput(srs.get(), wkt.c_str()) != OGRERR_NONE) {
        throw ArgumentError("invalid CRS: " + wkt.substr(0, 200));
    }
    return srs;
}

std::string export_wkt(OGRSpatialReferenceH srs, const char* format, bool pretty = false) {
    char* out = nullptr;
    const char* opts[] = {format, pretty ? "MULTILINE=YES" : "MULTILINE=NO", nullptr};
    const OGRErr err = OSRExportToWktEx(srs, &out, opts);
    detail::cpl_string owned(out);
    if (err != OGRERR_NONE || out == nullptr) return {};
    return out;
}

std::string crs_canonical_wkt(OGRSpatialReferenceH srs) {
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    std::string wkt = export_wkt(srs, "FORMAT=WKT1_GDAL");
    if (wkt.empty()) wkt = export_wkt(srs, "FORMAT=WKT2_2019");
    return wkt;
}

} // namespace

CRS CRS::from_epsg(int code) {
    detail::ensure_gdal();
    if (code <= 0) throw ArgumentError("invalid EPSG code " + std::to_string(code));
    return from_string("EPSG:" + std::to_string(code));
}

CRS CRS::from_string(const std::string& text) {
    detail::ensure_gdal();
    if (text.empty()) return {};
    detail::ErrorCapture errors;
    auto srs = make_srs();
    if (OSRSetFromUserInput(srs.get(), text.c_str()) != OGRERR_NONE) {
        throw ArgumentError("invalid CRS \"" + text.substr(0, 200) + "\"" +
                            (errors.message().empty() ? "" : ": " + errors.message()));
    }
    CRS crs;
    crs.m_wkt = crs_canonical_wkt(srs.get());
    if (text != crs.m_wkt) crs.m_input = text;
    if (crs.m_wkt.empty()) throw ArgumentError("CRS \"" + text.substr(0, 200) + "\" cannot be written as WKT");
    return crs;
}

std::string CRS::to_wkt2(bool pretty) const {
    if (empty()) return {};
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    return export_wkt(import(m_wkt).get(), "FORMAT=WKT2_2019", pretty);
}

std::string CRS::to_proj4() const {
    if (empty()) return {};
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    auto srs = import(m_wkt);
    char* out = nullptr;
    OSRExportToProj4(srs.get(), &out);
    detail::cpl_string owned(out);
    return out ? std::string(out) : std::string();
}

std::string CRS::to_json() const {
    if (empty()) return {};
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    auto srs = import(m_wkt);
    char* out = nullptr;
    OSRExportToPROJJSON(srs.get(), &out, nullptr);
    detail::cpl_string owned(out);
    return out ? std::string(out) : std::string();
}

std::optional<int> CRS::to_epsg(int min_confidence) const {
    if (empty()) return std::nullopt;
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    auto srs = import(m_input.empty() ? m_wkt : m_input);
    // The CRS's own authority, when it names EPSG at its root.
    const char* auth = OSRGetAuthorityName(srs.get(), nullptr);
    const char* code = OSRGetAuthorityCode(srs.get(), nullptr);
    if (auth && code && EQUAL(auth, "EPSG")) return std::atoi(code);
    // Otherwise the best match in PROJ's database, as rasterio's to_epsg does.
    int count = 0;
    int* confidences = nullptr;
    OGRSpatialReferenceH* matches = OSRFindMatches(srs.get(), nullptr, &count, &confidences);
    std::optional<int> result;
    for (int i = 0; i < count && !result; ++i) {
        if (confidences[i] < min_confidence) continue;
        const char* ma = OSRGetAuthorityName(matches[i], nullptr);
        const char* mc = OSRGetAuthorityCode(matches[i], nullptr);
        if (ma && mc && EQUAL(ma, "EPSG")) result = std::atoi(mc);
    }
    OSRFreeSRSArray(matches);
    CPLFree(confidences);
    return result;
}

std::string CRS::to_string() const {
    if (empty()) return {};
    if (auto code = to_epsg()) return "EPSG:" + std::to_string(*code);
    return m_wkt;
}

bool CRS::is_geographic() const {
    if (empty()) return false;
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    return OSRIsGeographic(import(m_wkt).get()) != 0;
}

bool CRS::is_projected() const {
    if (empty()) return false;
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    return OSRIsProjected(import(m_wkt).get()) != 0;
}

bool CRS::operator==(const CRS& other) const {
    if (empty() || other.empty()) return empty() == other.empty();
    if (m_wkt == other.m_wkt) return true;
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    const char* opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
    return OSRIsSameEx(import(m_wkt).get(), import(other.m_wkt).get(), opts) != 0;
}

} // namespace rastio
