// `rastio edit-info`: edit a dataset's metadata in place, like `rio edit-info`.
#include <cmath>
#include <limits>

#include "common.hpp"

namespace rastio_cli {

namespace {

struct EditOptions {
    std::string input;
    std::optional<int> bidx;
    std::optional<std::string> nodata;
    bool unset_nodata = false;
    std::optional<std::string> crs;
    bool unset_crs = false;
    std::optional<std::string> transform;
    std::optional<std::string> units;
    std::optional<std::string> description;
    std::vector<std::string> tags;
    std::optional<std::string> colorinterp;
    std::optional<std::string> like;
    bool all = false;
};

rastio::Dataset open_or_fail(const std::string& path, const std::string& mode) {
    try {
        return rastio::open(path, mode);
    } catch (const rastio::Error& e) {
        throw Failure(e.what(), path);
    }
}

bool in_range(double v, rastio::DType t) {
    using rastio::DType;
    if (std::isnan(v) || std::isinf(v)) return t == DType::float32 || t == DType::float64;
    switch (t) {
    case DType::uint8: return v >= 0 && v <= 255;
    case DType::int8: return v >= -128 && v <= 127;
    case DType::uint16: return v >= 0 && v <= 65535;
    case DType::int16: return v >= -32768 && v <= 32767;
    case DType::uint32: return v >= 0 && v <= 4294967295.0;
    case DType::int32: return v >= -2147483648.0 && v <= 2147483647.0;
    case DType::float32: return std::fabs(v) <= std::numeric_limits<float>::max();
    default: return true;
    }
}

double parse_number(const std::string& s, const std::string& what) {
    std::string l = s;
    for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == "nan") return std::nan("");
    try {
        std::size_t used = 0;
        const double v = std::stod(s, &used);
        if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    throw Failure(what + " \"" + s + "\" is not a number", "", exit_usage);
}

void run_edit(const EditOptions& o) {
    if (o.input == "-") throw Failure("metadata is edited in place: give a file, not stdin", "", exit_usage);
    if (o.unset_nodata && o.nodata) throw Failure("--unset-nodata and --nodata cannot be used together", "", exit_usage);
    if (o.unset_crs && o.crs) throw Failure("--unset-crs and --crs cannot be used together", "", exit_usage);
    const auto wants_like = [&](const std::optional<std::string>& v) { return o.all || (v && *v == "like"); };
    rastio::Dataset like;
    if (o.like) like = open_or_fail(*o.like, "r");
    if ((wants_like(o.nodata) || wants_like(o.crs) || wants_like(o.transform) || wants_like(o.colorinterp)) && !o.like)
        throw Failure("'like' and --all need --like TEMPLATE", "", exit_usage);

    // Parse every option before touching the file: a bad one changes nothing.
    std::optional<std::optional<double>> nodata;
    std::optional<rastio::CRS> crs;
    std::optional<rastio::Affine> transform;
    std::optional<std::vector<rastio::ColorInterp>> interp;
    rastio::Tags tags;
    if (wants_like(o.nodata)) nodata = like.nodata();
    else if (o.nodata) nodata = parse_number(*o.nodata, "--nodata");
    if (wants_like(o.crs)) crs = like.crs();
    else if (o.crs) {
        try {
            crs = rastio::CRS::from_string(*o.crs);
        } catch (const rastio::Error&) {
            throw Failure("'" + *o.crs + "' is not a recognized CRS", "", exit_usage);
        }
    }
    if (wants_like(o.transform)) transform = like.transform();
    else if (o.transform) {
        Json j;
        try {
            j = Json::parse(*o.transform);
        } catch (const Json::parse_error&) {
        }
        if (!j.is_array() || (j.size() != 6 && j.size() != 9) || !std::all_of(j.begin(), j.end(), [](const Json& v) { return v.is_number(); }))
            throw Failure("'" + *o.transform + "' is not recognized as an Affine array", "", exit_usage);
        transform = rastio::Affine{j[0].get<double>(), j[1].get<double>(), j[2].get<double>(), j[3].get<double>(), j[4].get<double>(), j[5].get<double>()};
    }
    if (o.all) tags = like.tags();
    for (const auto& t : o.tags) {
        const auto eq = t.find('=');
        if (eq == std::string::npos || t.find('=', eq + 1) != std::string::npos) throw Failure("'" + t + "' is a malformed tag: give KEY=VAL", "", exit_usage);
        tags[t.substr(0, eq)] = t.substr(eq + 1);
    }
    if (wants_like(o.colorinterp)) interp = like.colorinterp();
    else if (o.colorinterp) {
        std::string v = *o.colorinterp, l = v;
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l == "rgb") v = "red,green,blue";
        if (l == "rgba") v = "red,green,blue,alpha";
        std::vector<rastio::ColorInterp> out;
        std::size_t start = 0;
        while (true) {
            const auto comma = v.find(',', start);
            const std::string name = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            try {
                out.push_back(rastio::parse_colorinterp(name));
            } catch (const rastio::Error&) {
                throw Failure("color interpretation '" + name + "' is invalid", "", exit_usage);
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        interp = out;
    }

    rastio::Dataset ds = open_or_fail(o.input, "r+");
    const int band = o.bidx.value_or(1);
    if ((o.units || o.description) && (band < 1 || band > ds.count()))
        throw Failure("band " + std::to_string(band) + " is out of range 1.." + std::to_string(ds.count()), o.input, exit_usage);
    if (nodata && *nodata && !in_range(**nodata, ds.dtypes().front()))
        throw Failure("--nodata is outside the range of the file's data type (" + std::string(rastio::to_string(ds.dtypes().front())) + ")", o.input, exit_usage);
    if (interp && interp->size() != static_cast<std::size_t>(ds.count()))
        throw Failure("--colorinterp gives " + std::to_string(interp->size()) + " color interpretations for " + std::to_string(ds.count()) + " bands", o.input, exit_usage);
    if (o.unset_nodata) ds.set_nodata(std::nullopt);
    else if (nodata) ds.set_nodata(*nodata);
    if (o.unset_crs) ds.set_crs(rastio::CRS{});
    else if (crs) ds.set_crs(*crs);
    if (transform) ds.set_transform(*transform);
    if (!tags.empty()) ds.update_tags(tags);
    if (o.units) {
        auto u = ds.units();
        u[static_cast<std::size_t>(band - 1)] = *o.units;
        ds.set_units(u);
    }
    if (o.description) ds.set_description(band, *o.description);
    if (interp) ds.set_colorinterp(*interp);
    ds.close();
}

} // namespace

void add_edit_info(CLI::App& app) {
    auto o = std::make_shared<EditOptions>();
    auto* sub = app.add_subcommand("edit-info", "Edit a dataset's metadata in place: nodata, CRS, transform, units, description, tags, colors.");
    sub->add_option("input", o->input, "A raster file")->required();
    sub->add_option("-b,--bidx", o->bidx, "The band for --units and --description (default 1)");
    sub->add_option("--nodata", o->nodata, "New nodata value for every band (a number, nan, or like)");
    sub->add_flag("--unset-nodata", o->unset_nodata, "Remove the nodata value");
    sub->add_option("--crs", o->crs, "New CRS: EPSG:n, PROJ or WKT text, or like");
    sub->add_flag("--unset-crs", o->unset_crs, "Remove the CRS");
    sub->add_option("--transform", o->transform, "New affine transform as JSON [a, b, c, d, e, f], or like");
    sub->add_option("--units", o->units, "New units of a band (with --bidx)");
    sub->add_option("--description", o->description, "New description of a band (with --bidx)");
    sub->add_option("--tag", o->tags, "New tag KEY=VAL (repeatable)")->allow_extra_args(false);
    sub->add_option("--colorinterp", o->colorinterp, "Color interpretation of every band: name,name,... or RGB, RGBA, like");
    sub->add_option("--like", o->like, "A template raster for 'like' values");
    sub->add_flag("--all", o->all, "Copy nodata, CRS, transform, tags and color interpretation from --like");
    sub->footer("Example:\n  rastio edit-info out.tif --crs EPSG:32618 --nodata 0 --tag source=survey\n");
    sub->callback([o] { run_edit(*o); });
}

} // namespace rastio_cli
