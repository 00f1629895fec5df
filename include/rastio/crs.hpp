#pragma once
/// A coordinate reference system, held as WKT and compared by meaning.

#include <optional>
#include <string>

namespace rastio {

/// A coordinate reference system. Cheap to copy; an empty CRS means "none".
class CRS {
public:
    CRS() = default;

    /// The CRS of an EPSG code; throws ArgumentError for an unknown code.
    static CRS from_epsg(int code);
    /// Accepts "EPSG:4326", WKT (1 or 2), PROJ strings and PROJJSON; throws ArgumentError.
    static CRS from_string(const std::string& text);
    /// Same as from_string, for WKT.
    static CRS from_wkt(const std::string& wkt) { return from_string(wkt); }

    bool empty() const noexcept { return m_wkt.empty(); }
    explicit operator bool() const noexcept { return !empty(); }

    /// WKT1 as GDAL writes it (rasterio's default), or WKT2 when WKT1 cannot express it.
    const std::string& to_wkt() const noexcept { return m_wkt; }
    /// WKT2 (2019), multi-line when `pretty`.
    std::string to_wkt2(bool pretty = false) const;
    /// The PROJ string.
    std::string to_proj4() const;
    /// PROJJSON.
    std::string to_json() const;
    /// The EPSG code: the CRS's own authority when it names one, else the best match
    /// at or above `min_confidence` percent (rasterio's rule, default 70).
    std::optional<int> to_epsg(int min_confidence = 70) const;
    /// "EPSG:32618" when to_epsg() finds a code, else WKT; "" for an empty CRS.
    std::string to_string() const;

    bool is_geographic() const;
    bool is_projected() const;

    /// Equality by meaning (GDAL's IsSame), not by text.
    bool operator==(const CRS& other) const;

private:
    std::string m_wkt;
    /// The text from_string was given, when it says more than the WKT (a PROJ string loses its
    /// EPSG match once written as WKT1): to_epsg() identifies from it, as rasterio does.
    std::string m_input;
};

} // namespace rastio
