#include <rastio/profile.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <vector>

#include <cpl_conv.h>
#include <cpl_minixml.h>
#include <cpl_string.h>
#include <gdal.h>

#include <rastio/error.hpp>

#include "error_capture.hpp"
#include "gdal_handle.hpp"

namespace rastio {

namespace {

struct XmlFree {
    void operator()(CPLXMLNode* n) const noexcept { CPLDestroyXMLNode(n); }
};

/// GDAL's rules for an option name, case-insensitive: exact, "PREFIX_*" or "*_SUFFIX".
bool name_matches(const std::string& pattern, const std::string& key) {
    if (pattern.empty()) return false;
    if (pattern.back() == '*') return EQUALN(pattern.c_str(), key.c_str(), pattern.size() - 1);
    if (pattern.front() == '*') {
        const std::size_t tail = pattern.size() - 1;
        return key.size() > tail && EQUAL(key.c_str() + key.size() - tail, pattern.c_str() + 1);
    }
    return EQUAL(pattern.c_str(), key.c_str());
}

/// The <Option> describing `key` for rasters (by name or alias), or null when the driver has none.
const CPLXMLNode* find_option(const CPLXMLNode* list, const std::string& key) {
    for (const CPLXMLNode* n = list->psChild; n != nullptr; n = n->psNext) {
        if (n->eType != CXT_Element || !EQUAL(n->pszValue, "Option")) continue;
        const std::string scope = CPLGetXMLValue(n, "scope", "raster");
        if (scope.find("raster") == std::string::npos) continue; // a vector-only option
        if (name_matches(CPLGetXMLValue(n, "name", ""), key) || name_matches(CPLGetXMLValue(n, "alias", ""), key) ||
            name_matches(CPLGetXMLValue(n, "deprecated_alias", ""), key)) {
            return n;
        }
    }
    return nullptr;
}

/// A string-select's accepted values: each <Value>'s text and its alias attribute.
std::vector<std::string> select_values(const CPLXMLNode* option) {
    std::vector<std::string> out;
    for (const CPLXMLNode* v = option->psChild; v != nullptr; v = v->psNext) {
        if (v->eType != CXT_Element || !EQUAL(v->pszValue, "Value")) continue;
        for (const CPLXMLNode* t = v->psChild; t != nullptr; t = t->psNext) {
            if (t->eType == CXT_Text) out.emplace_back(t->pszValue);
        }
        if (const char* alias = CPLGetXMLValue(v, "alias", nullptr)) out.emplace_back(alias);
    }
    return out;
}

bool parse_integer(const std::string& v, bool allow_minus, long long& out) {
    const char* first = v.data();
    const char* last = v.data() + v.size();
    if (first != last && *first == '+') ++first;
    else if (!allow_minus && first != last && *first == '-') return false;
    if (first == last || *first == '+' || (*first == '-' && first + 1 == last)) return false;
    const auto res = std::from_chars(first, last, out);
    return res.ec == std::errc() && res.ptr == last;
}

bool parse_number(const std::string& v, double& out) {
    if (v.empty()) return false;
    char* end = nullptr;
    out = CPLStrtod(v.c_str(), &end);
    return end != nullptr && *end == '\0';
}

bool is_boolean(const std::string& v) {
    for (const char* b : {"YES", "NO", "TRUE", "FALSE", "ON", "OFF", "1", "0"}) {
        if (EQUAL(v.c_str(), b)) return true;
    }
    return false;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

/// What is wrong with `value` for `option`, or empty when the option's declaration accepts it.
std::string rejection(const CPLXMLNode* option, const std::string& value) {
    const std::string type = CPLGetXMLValue(option, "type", "");
    const char* min = CPLGetXMLValue(option, "min", nullptr);
    const char* max = CPLGetXMLValue(option, "max", nullptr);
    const auto range = [&](double x) -> std::string {
        if (min != nullptr && x < CPLAtof(min)) return std::string(">= ") + min;
        if (max != nullptr && x > CPLAtof(max)) return std::string("<= ") + max;
        return {};
    };
    if (EQUAL(type.c_str(), "string-select")) {
        const auto values = select_values(option);
        for (const auto& v : values) {
            if (EQUAL(v.c_str(), value.c_str())) return {};
        }
        return "the allowed values are " + join(values);
    }
    if (EQUAL(type.c_str(), "int") || EQUAL(type.c_str(), "integer") || EQUAL(type.c_str(), "unsigned int")) {
        const bool is_unsigned = EQUAL(type.c_str(), "unsigned int");
        const std::string kind = is_unsigned ? "a whole number >= 0" : "an integer";
        long long n = 0;
        if (!parse_integer(value, !is_unsigned, n)) return "it takes " + kind;
        const std::string out_of = range(static_cast<double>(n));
        return out_of.empty() ? std::string() : "it takes " + kind + " " + out_of;
    }
    if (EQUAL(type.c_str(), "float")) {
        double x = 0;
        if (!parse_number(value, x)) return "it takes a number";
        const std::string out_of = range(x);
        return out_of.empty() ? std::string() : "it takes a number " + out_of;
    }
    if (EQUAL(type.c_str(), "boolean")) {
        return is_boolean(value) ? std::string() : "it takes YES or NO (also TRUE/FALSE, ON/OFF, 1/0)";
    }
    if (EQUAL(type.c_str(), "string")) {
        const char* maxsize = CPLGetXMLValue(option, "maxsize", nullptr);
        if (maxsize != nullptr && value.size() > static_cast<std::size_t>(std::max(0, std::atoi(maxsize)))) {
            return std::string("it takes at most ") + maxsize + " characters";
        }
    }
    return {};
}

} // namespace

void check_creation_options(const std::string& driver, const std::map<std::string, std::string>& options) {
    detail::ensure_gdal();
    GDALDriverH drv = GDALGetDriverByName(driver.c_str());
    if (drv == nullptr) {
        throw DriverError("unknown raster driver \"" + driver + "\": `rastio env --formats` lists the drivers this GDAL has");
    }
    if (options.empty() || !CPLTestBool(CPLGetConfigOption("GDAL_VALIDATE_CREATION_OPTIONS", "YES"))) return;
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    const char* xml = GDALGetMetadataItem(drv, GDAL_DMD_CREATIONOPTIONLIST, nullptr);
    if (xml == nullptr || *xml == '\0') return; // the driver declares nothing: GDAL decides
    const std::unique_ptr<CPLXMLNode, XmlFree> root(CPLParseXMLString(xml));
    if (!root) return;
    const CPLXMLNode* list = CPLGetXMLNode(root.get(), "=CreationOptionList");
    if (list == nullptr) return;
    for (const auto& [key, value] : options) {
        const CPLXMLNode* option = find_option(list, key);
        if (option == nullptr) continue; // unknown to the driver: GDAL warns and ignores it
        const std::string why = rejection(option, value);
        if (!why.empty()) {
            throw ArgumentError(std::string("driver ") + GDALGetDriverShortName(drv) + " does not accept creation option " + key + "=" + value +
                                ": " + why);
        }
    }
}

} // namespace rastio
