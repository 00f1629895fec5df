#include <rastio/profile.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <cpl_conv.h>
#include <cpl_minixml.h>
#include <cpl_string.h>
#include <gdal.h>

#include <rastio/error.hpp>

#include "error_capture.hpp"
#include "gdal_handle.hpp"
#include "profile_check.hpp"

namespace rastio {

namespace {

struct XmlFree {
    void operator()(CPLXMLNode* n) const noexcept { CPLDestroyXMLNode(n); }
};

/// One <Option> of a driver's creation option list, as far as checking a value needs.
struct OptionDecl {
    std::string name, alias, deprecated_alias, type;
    std::optional<std::string> min, max, maxsize;
    std::vector<std::string> values; ///< a string-select's values: each <Value>'s text and alias
};
using OptionTable = std::vector<OptionDecl>;

/// The raster options declared in a driver's XML list (a vector-only option is left out).
OptionTable parse_table(const char* xml) {
    OptionTable out;
    const std::unique_ptr<CPLXMLNode, XmlFree> root(CPLParseXMLString(xml));
    const CPLXMLNode* list = root ? CPLGetXMLNode(root.get(), "=CreationOptionList") : nullptr;
    for (const CPLXMLNode* n = list ? list->psChild : nullptr; n != nullptr; n = n->psNext) {
        if (n->eType != CXT_Element || !EQUAL(n->pszValue, "Option")) continue;
        if (std::string(CPLGetXMLValue(n, "scope", "raster")).find("raster") == std::string::npos) continue;
        OptionDecl d;
        d.name = CPLGetXMLValue(n, "name", "");
        d.alias = CPLGetXMLValue(n, "alias", "");
        d.deprecated_alias = CPLGetXMLValue(n, "deprecated_alias", "");
        d.type = CPLGetXMLValue(n, "type", "");
        for (auto [attr, field] : {std::pair{"min", &d.min}, std::pair{"max", &d.max}, std::pair{"maxsize", &d.maxsize}}) {
            if (const char* v = CPLGetXMLValue(n, attr, nullptr)) *field = v;
        }
        for (const CPLXMLNode* v = n->psChild; v != nullptr; v = v->psNext) {
            if (v->eType != CXT_Element || !EQUAL(v->pszValue, "Value")) continue;
            for (const CPLXMLNode* t = v->psChild; t != nullptr; t = t->psNext) {
                if (t->eType == CXT_Text) d.values.emplace_back(t->pszValue);
            }
            if (const char* alias = CPLGetXMLValue(v, "alias", nullptr)) d.values.emplace_back(alias);
        }
        out.push_back(std::move(d));
    }
    return out;
}

/// The driver's table, parsed once per driver (parsing GTiff's list costs about 0.2 ms).
std::shared_ptr<const OptionTable> table_for(GDALDriverH drv) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const OptionTable>> cache; // by the driver's short name
    const std::string name = GDALGetDriverShortName(drv);
    {
        std::lock_guard lock(mutex);
        if (auto it = cache.find(name); it != cache.end()) return it->second;
    }
    detail::ErrorCapture quiet(detail::WarningPolicy::drop);
    const char* xml = GDALGetMetadataItem(drv, GDAL_DMD_CREATIONOPTIONLIST, nullptr);
    auto table = std::make_shared<const OptionTable>(xml != nullptr ? parse_table(xml) : OptionTable{});
    std::lock_guard lock(mutex);
    return cache.emplace(name, std::move(table)).first->second;
}

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

/// The declaration of `key` (by name or alias), or null when the driver declares none.
const OptionDecl* find_option(const OptionTable& table, const std::string& key) {
    for (const auto& d : table) {
        if (name_matches(d.name, key) || name_matches(d.alias, key) || name_matches(d.deprecated_alias, key)) return &d;
    }
    return nullptr;
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

/// What is wrong with `value` for option `d`, or empty when its declaration accepts it.
std::string rejection(const OptionDecl& d, const std::string& value) {
    const char* type = d.type.c_str();
    const auto range = [&](double x) -> std::string {
        if (d.min && x < CPLAtof(d.min->c_str())) return ">= " + *d.min;
        if (d.max && x > CPLAtof(d.max->c_str())) return "<= " + *d.max;
        return {};
    };
    if (EQUAL(type, "string-select")) {
        for (const auto& v : d.values) {
            if (EQUAL(v.c_str(), value.c_str())) return {};
        }
        return "the allowed values are " + join(d.values);
    }
    if (EQUAL(type, "int") || EQUAL(type, "integer") || EQUAL(type, "unsigned int")) {
        const bool is_unsigned = EQUAL(type, "unsigned int");
        const std::string kind = is_unsigned ? "a whole number >= 0" : "an integer";
        long long n = 0;
        if (!parse_integer(value, !is_unsigned, n)) return "it takes " + kind;
        const std::string out_of = range(static_cast<double>(n));
        return out_of.empty() ? std::string() : "it takes " + kind + " " + out_of;
    }
    if (EQUAL(type, "float")) {
        double x = 0;
        if (!parse_number(value, x)) return "it takes a number";
        const std::string out_of = range(x);
        return out_of.empty() ? std::string() : "it takes a number " + out_of;
    }
    if (EQUAL(type, "boolean")) {
        return is_boolean(value) ? std::string() : "it takes YES or NO (also TRUE/FALSE, ON/OFF, 1/0)";
    }
    if (EQUAL(type, "string") && d.maxsize &&
        value.size() > static_cast<std::size_t>(std::max(0, std::atoi(d.maxsize->c_str())))) {
        return "it takes at most " + *d.maxsize + " characters";
    }
    return {};
}

} // namespace

namespace detail {

std::vector<std::string> checked_creation_options(GDALDriverH drv, const std::map<std::string, std::string>& options) {
    std::vector<std::string> unknown;
    if (options.empty() || !CPLTestBool(CPLGetConfigOption("GDAL_VALIDATE_CREATION_OPTIONS", "YES"))) return unknown;
    const auto table = table_for(drv);
    for (const auto& [key, value] : options) {
        const OptionDecl* d = find_option(*table, key);
        if (d == nullptr) {
            unknown.push_back(key); // GDAL ignores it
            continue;
        }
        const std::string why = rejection(*d, value);
        if (!why.empty()) {
            throw ArgumentError(std::string("driver ") + GDALGetDriverShortName(drv) + " does not accept creation option " +
                                key + "=" + value + ": " + why);
        }
    }
    return unknown;
}

} // namespace detail

void check_creation_options(const std::string& driver, const std::map<std::string, std::string>& options) {
    detail::ensure_gdal();
    GDALDriverH drv = GDALGetDriverByName(driver.c_str());
    if (drv == nullptr) {
        throw DriverError("unknown raster driver \"" + driver + "\": `rastio env --formats` lists the drivers this GDAL has");
    }
    detail::checked_creation_options(drv, options);
}

} // namespace rastio
