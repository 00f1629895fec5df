#include <rastio/dataset.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <cpl_vsi.h>

#include <rastio/env.hpp>
#include <rastio/error.hpp>
#include <rastio/memory_file.hpp>
#include <rastio/path.hpp>

#include "dataset_parity.hpp"
#include "dataset_state.hpp"
#include "error_capture.hpp"
#include "gtiff_direct.hpp"
#include "memory_file_state.hpp"
#include "profile_check.hpp"

namespace rastio {

namespace detail {

DatasetState::~DatasetState() {
    try {
        close();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor cannot report; close() does
    }
}

void DatasetState::add_dependent(const std::shared_ptr<DatasetState>& ds) {
    const std::lock_guard lock(m_dependents_mutex);
    std::erase_if(m_dependents, [](const std::weak_ptr<DatasetState>& w) { return w.expired(); });
    m_dependents.push_back(ds);
}

void DatasetState::close() {
    closing = true;
    std::vector<std::weak_ptr<DatasetState>> dependents;
    {
        const std::lock_guard lock(m_dependents_mutex);
        dependents.swap(m_dependents);
    }
    for (const auto& w : dependents) {
        auto d = w.lock();
        if (!d) continue;
        try {
            d->close(); // a read-only view over this handle goes before it
        } catch (...) { // NOLINT(bugprone-empty-catch): its failure must not keep this one open
        }
    }
    std::lock_guard lock(close_mutex);
    GDALDatasetH h = handle.exchange(nullptr); // only one closer gets the handle
    if (h == nullptr) return;
    const auto release_after_close = std::move(keep_alive); // destroyed after GDALClose below
    ErrorCapture errors(name);
    if (copy_driver != nullptr) {
        // An in-memory target's previous bytes, put back if the copy fails (a copy truncates first).
        std::vector<GByte> previous;
        bool had_previous = false;
        if (copy_path.rfind("/vsimem/", 0) == 0) {
            vsi_l_offset len = 0;
            CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
            if (const GByte* p = VSIGetMemFileBuffer(copy_path.c_str(), &len, FALSE)) {
                previous.assign(p, p + len);
                had_previous = true;
            }
        }
        GDALDatasetH out = nullptr;
        {
            const Env checked_on_create({{"GDAL_VALIDATE_CREATION_OPTIONS", "NO"}}); // see create_dataset
            out = GDALCreateCopy(copy_driver, copy_path.c_str(), h, FALSE, copy_options.get(), nullptr, nullptr);
        }
        if (out != nullptr) GDALClose(out);
        GDALClose(h);
        if (out == nullptr || errors.failed()) {
            // Leave no partial file behind: restore what was there, or remove the file.
            CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
            VSILFILE* fp = had_previous ? VSIFOpenL(copy_path.c_str(), "wb") : nullptr;
            if (fp != nullptr) {
                VSIFWriteL(previous.data(), 1, previous.size(), fp);
                VSIFCloseL(fp);
            } else {
                VSIUnlink(copy_path.c_str());
            }
            errors.throw_io(std::string("cannot write ") + GDALGetDriverShortName(copy_driver) + " dataset",
                            copy_path);
        }
        return;
    }
    GDALClose(h);
    std::unique_ptr<GTiffDirectWriter> fast;
    if (has_direct.exchange(false)) fast = std::move(direct);
    if (writable() && errors.failed()) errors.throw_io("failed to complete dataset on close", name);
    if (fast) fast->finish(name);
}

void DatasetState::materialize() {
    std::lock_guard lock(close_mutex);
    if (closing || !direct || !direct->pending()) return; // a close waiting next places the pixels itself
    GDALDatasetH h = handle.exchange(nullptr);
    if (h == nullptr) return;
    ErrorCapture errors(name);
    GDALClose(h);
    has_direct = false;
    auto fast = std::move(direct);
    if (errors.failed()) errors.throw_io("failed to complete dataset", name);
    fast->finish(name);
    const char* const gtiff[] = {"GTiff", nullptr};
    GDALDatasetH again = GDALOpenEx(name.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE | GDAL_OF_VERBOSE_ERROR, gtiff,
                                    nullptr, nullptr);
    if (again == nullptr) errors.throw_io("cannot reopen " + name + " after writing its pixels", name);
    handle = again;
}

namespace {
/// The innermost DatasetUse this thread holds (each links to the one before), or null.
thread_local const DatasetUse* t_innermost_use = nullptr;
} // namespace

DatasetUse::DatasetUse(const std::shared_ptr<DatasetState>& st, Pixels pixels) : m_state(st.get()), m_outer(t_innermost_use) {
    if (!st) throw ClosedError("dataset is closed (or was moved from)");
    for (const DatasetUse* u = m_outer; u != nullptr; u = u->m_outer) {
        if (u->m_state == m_state) { // the outer use holds the lock, so the handle cannot change
            m_handle = u->m_handle;
            t_innermost_use = this;
            return;
        }
    }
    if (pixels == Pixels::placed && st->has_direct.load()) st->materialize(); // takes the lock exclusively
    st->close_mutex.lock_shared();
    m_handle = st->handle.load();
    if (m_handle == nullptr || st->closing.load()) {
        st->close_mutex.unlock_shared();
        throw ClosedError("dataset " + st->name + " is closed");
    }
    m_locked = true;
    t_innermost_use = this;
}

DatasetUse::~DatasetUse() {
    t_innermost_use = m_outer;
    if (m_locked) m_state->close_mutex.unlock_shared();
}

namespace {

const char* driver_name(GDALDatasetH h) {
    GDALDriverH d = GDALGetDatasetDriver(h);
    return d ? GDALGetDriverShortName(d) : "";
}

void apply_georeferencing(GDALDatasetH h, const Profile& p, const std::string& path) {
    ErrorCapture errors(path);
    if (!p.crs.empty() && GDALSetProjection(h, p.crs.to_wkt().c_str()) != CE_None) {
        errors.throw_io("cannot set the CRS", path);
    }
    if (p.transform) {
        auto gt = p.transform->to_gdal();
        if (GDALSetGeoTransform(h, gt.data()) != CE_None) errors.throw_io("cannot set the transform", path);
    }
}

/// Sets or deletes one band's nodata. `warnings`: drop while other bands are still to be set to
/// the same value (GTiff then warns that another band's nodata differs, which the next calls end).
void set_band_nodata(GDALRasterBandH band, std::optional<double> nodata, const std::string& path,
                     WarningPolicy warnings = WarningPolicy::forward) {
    ErrorCapture errors(warnings, path);
    CPLErr err = CE_None;
    if (!nodata) {
        const GDALDataType gdt = GDALGetRasterDataType(band);
        if (gdt == GDT_Int64 || gdt == GDT_UInt64) {
            // GDAL 3.6's GTiff forgets to delete a nodata set as a 64-bit integer; one set as a
            // double is deleted. The inner capture keeps this step's own complaints out.
            ErrorCapture ignored(WarningPolicy::drop);
            GDALSetRasterNoDataValue(band, 0.0);
        }
        err = GDALDeleteRasterNoDataValue(band);
    } else if (GDALGetRasterDataType(band) == GDT_Int64 || GDALGetRasterDataType(band) == GDT_UInt64) {
        // 64-bit bands keep their nodata as an integer: refuse what a cast would make undefined.
        const bool is_signed = GDALGetRasterDataType(band) == GDT_Int64;
        const double lo = is_signed ? -9223372036854775808.0 : 0.0;
        const double hi = is_signed ? 9223372036854775808.0 : 18446744073709551616.0;
        if (!(*nodata >= lo && *nodata < hi) || std::trunc(*nodata) != *nodata) {
            throw ArgumentError("nodata " + std::to_string(*nodata) + " cannot be held by a " +
                                (is_signed ? "int64" : "uint64") + " band of " + path);
        }
        err = is_signed ? GDALSetRasterNoDataValueAsInt64(band, static_cast<std::int64_t>(*nodata))
                        : GDALSetRasterNoDataValueAsUInt64(band, static_cast<std::uint64_t>(*nodata));
    } else {
        err = GDALSetRasterNoDataValue(band, *nodata);
    }
    if (err != CE_None || errors.failed()) errors.throw_io("cannot set the nodata value", path);
}

std::optional<double> band_nodata(GDALRasterBandH band) {
    int has = 0;
    double v = 0;
    switch (GDALGetRasterDataType(band)) {
    case GDT_Int64: v = static_cast<double>(GDALGetRasterNoDataValueAsInt64(band, &has)); break;
    case GDT_UInt64: v = static_cast<double>(GDALGetRasterNoDataValueAsUInt64(band, &has)); break;
    default: v = GDALGetRasterNoDataValue(band, &has); break;
    }
    return has ? std::optional<double>(v) : std::nullopt;
}

std::string available_drivers_hint() {
    return "`rastio env --formats` lists the drivers this GDAL has";
}

void check_profile(const Profile& p) {
    if (p.driver.empty()) throw ArgumentError("profile has no driver: set Profile::driver, e.g. \"GTiff\"");
    if (!p.width) throw ArgumentError("profile has no width: set Profile::width");
    if (!p.height) throw ArgumentError("profile has no height: set Profile::height");
    if (!p.count) throw ArgumentError("profile has no count: set Profile::count (the number of bands)");
    if (!p.dtype) throw ArgumentError("profile has no dtype: set Profile::dtype, e.g. rastio::DType::uint8");
    if (*p.width <= 0 || *p.height <= 0) {
        throw ArgumentError("profile size " + std::to_string(*p.width) + "x" + std::to_string(*p.height) +
                            " is not positive");
    }
    if (*p.count <= 0) throw ArgumentError("profile count " + std::to_string(*p.count) + " is not positive");
}

bool driver_has(GDALDriverH drv, const char* cap) {
    const char* v = GDALGetMetadataItem(drv, cap, nullptr);
    return v != nullptr && EQUAL(v, "YES");
}

void check_driver_dtype(GDALDriverH drv, DType t) {
    const char* types = GDALGetMetadataItem(drv, GDAL_DMD_CREATIONDATATYPES, nullptr);
    if (types == nullptr || *types == '\0') return; // the driver does not say
    // GTiff writes Int64/UInt64 since GDAL 3.5, but 3.6 does not list them yet.
    if ((t == DType::int64 || t == DType::uint64) && EQUAL(GDALGetDriverShortName(drv), "GTiff")) return;
    const char* want = GDALGetDataTypeName(to_gdal(t));
    const CPLStringList list(CSLTokenizeString2(types, " ", 0));
    if (list.FindString(want) < 0) {
        throw DriverError(std::string("driver ") + GDALGetDriverShortName(drv) + " cannot write " +
                          std::string(to_string(t)) + " pixels; it writes: " + types);
    }
}

/// Compressing a large GTiff uses every core unless the caller chose (NUM_THREADS or
/// GDAL_NUM_THREADS); a small one stays on one thread, where a pool costs more than it saves.
void add_gtiff_write_threads(const Profile& p, StringList& options) {
    const auto comp = p.options.find("COMPRESS");
    if (comp == p.options.end() || EQUAL(comp->second.c_str(), "NONE")) return;
    if (p.options.count("NUM_THREADS") || CPLGetConfigOption("GDAL_NUM_THREADS", nullptr) != nullptr) return;
    const double bytes = static_cast<double>(*p.width) * static_cast<double>(*p.height) *
                         static_cast<double>(*p.count) * static_cast<double>(dtype_size(*p.dtype));
    if (bytes >= 4.0 * 1024 * 1024) options.add("NUM_THREADS", "ALL_CPUS");
}

} // namespace

std::shared_ptr<DatasetState> open_dataset(const std::string& path, const std::string& mode,
                                           const Options& options) {
    ensure_gdal();
    if (mode != "r" && mode != "r+") {
        throw ArgumentError("mode \"" + mode + "\" is not one of \"r\", \"r+\" (use \"w\" with a profile to create)");
    }
    ErrorCapture errors(path);
    StringList open_options(options);
    unsigned flags = GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR | (mode == "r" ? GDAL_OF_READONLY : GDAL_OF_UPDATE);
    GDALDatasetH h = GDALOpenEx(path.c_str(), flags, nullptr, open_options.get(), nullptr);
    if (h == nullptr) {
        VSIStatBufL st;
        if (VSIStatL(path.c_str(), &st) != 0 && path.find("/vsizip/") == std::string::npos && !is_remote(path)) {
            throw IOError("cannot open " + path + ": no such file", path, CPLE_OpenFailed, errors.message());
        }
        errors.throw_io("cannot open dataset", path);
    }
    auto st = std::make_shared<DatasetState>();
    st->handle = h;
    st->name = path;
    st->mode = mode;
    return st;
}

std::shared_ptr<DatasetState> create_dataset(const std::string& path, const std::string& mode,
                                             const Profile& p) {
    ensure_gdal();
    check_profile(p);
    GDALDriverH drv = GDALGetDriverByName(p.driver.c_str());
    if (drv == nullptr || !driver_has(drv, GDAL_DCAP_RASTER)) {
        throw DriverError("unknown raster driver \"" + p.driver + "\": " + available_drivers_hint());
    }
    const bool can_create = driver_has(drv, GDAL_DCAP_CREATE);
    const bool can_copy = driver_has(drv, GDAL_DCAP_CREATECOPY);
    if (!can_create && !can_copy) {
        throw DriverError("driver " + p.driver + " can read but not write rasters: " + available_drivers_hint());
    }
    check_driver_dtype(drv, *p.dtype);
    const auto unknown_options = checked_creation_options(drv, p.options);

    StringList options(p.options);
    const bool is_gtiff = EQUAL(p.driver.c_str(), "GTiff");
    if (*p.dtype == DType::int8 && is_gtiff) options.add("PIXELTYPE", "SIGNEDBYTE");
    if (is_gtiff) add_gtiff_write_threads(p, options);
    std::unique_ptr<GTiffDirectWriter> direct;
    if (is_gtiff && can_create && mode != "r+") direct = GTiffDirectWriter::plan(path, p, options);

    ErrorCapture errors(path);
    // The options were checked above against the driver's list, parsed once: GDAL's own check
    // would parse it again on every Create/CreateCopy (about 0.2 ms for GTiff's). Say what GDAL
    // would have said of the options it does not know, in its words, now.
    for (const auto& key : unknown_options) {
        CPLError(CE_Warning, CPLE_NotSupported, "driver %s does not support creation option %s",
                 GDALGetDriverShortName(drv), key.c_str());
    }
    auto st = std::make_shared<DatasetState>();
    st->name = path;
    st->mode = mode;
    const GDALDataType gdt = to_gdal(*p.dtype);
    if (can_create) {
        const Env checked({{"GDAL_VALIDATE_CREATION_OPTIONS", "NO"}});
        st->handle = GDALCreate(drv, path.c_str(), *p.width, *p.height, *p.count, gdt, options.get());
        if (st->handle == nullptr) errors.throw_io("cannot create " + p.driver + " dataset", path);
        st->direct = std::move(direct);
        st->has_direct = st->direct != nullptr;
    } else {
        GDALDriverH mem = GDALGetDriverByName("MEM");
        st->handle = GDALCreate(mem, "", *p.width, *p.height, *p.count, gdt, nullptr);
        if (st->handle == nullptr) errors.throw_io("cannot buffer " + p.driver + " dataset in memory", path);
        st->copy_driver = drv;
        st->copy_path = path;
        st->copy_options = std::move(options);
    }
    if (*p.dtype == DType::int8 && (!is_gtiff || !can_create)) {
        for (int b = 1; b <= *p.count; ++b) {
            GDALSetMetadataItem(GDALGetRasterBand(st->handle, b), "PIXELTYPE", "SIGNEDBYTE", "IMAGE_STRUCTURE");
        }
    }
    apply_georeferencing(st->handle, p, path);
    if (p.nodata) {
        for (int b = 1; b <= *p.count; ++b) {
            set_band_nodata(GDALGetRasterBand(st->handle, b), p.nodata, path,
                            b < *p.count ? WarningPolicy::drop : WarningPolicy::forward);
        }
    }
    return st;
}

} // namespace detail

using detail::ErrorCapture;

namespace {

/// A value of type T from a double, as GDAL converts: rounded and clamped for integers.
template <class T>
T from_double(double v) {
    if constexpr (std::is_same_v<T, complex_int16>) {
        return {from_double<std::int16_t>(v), 0};
    } else if constexpr (std::is_same_v<T, complex_int32>) {
        return {from_double<std::int32_t>(v), 0};
    } else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
        return T(static_cast<typename T::value_type>(v), 0);
    } else if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(v);
    } else {
        if (std::isnan(v)) return T{0};
        const double r = std::round(v);
        if (r <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
        if (r >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
        return static_cast<T>(r);
    }
}

/// The pixel at index i of a buffer of dtype t, as a double (the real part of a complex).
double to_double(const std::byte* p, DType t, std::size_t i) {
    return visit_dtype(t, [&](auto v) -> double {
        using T = decltype(v);
        std::memcpy(&v, p + i * sizeof(T), sizeof(T));
        if constexpr (std::is_same_v<T, complex_int16> || std::is_same_v<T, complex_int32>) {
            return static_cast<double>(v.real);
        } else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
            return static_cast<double>(v.real());
        } else {
            return static_cast<double>(v);
        }
    });
}

/// Converts n pixels from dtype `from` to dtype `to`.
void convert(const std::byte* src, DType from, std::byte* dst, DType to, std::size_t n) {
    visit_dtype(to, [&](auto v) {
        using T = decltype(v);
        for (std::size_t i = 0; i < n; ++i) {
            const T out = from_double<T>(to_double(src, from, i));
            std::memcpy(dst + i * sizeof(T), &out, sizeof(T));
        }
    });
}

std::string shape_string(const Shape& s) {
    return "(" + std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " + std::to_string(s[2]) + ")";
}

} // namespace

Dataset::Dataset() noexcept = default;
Dataset::Dataset(std::shared_ptr<detail::DatasetState> state) noexcept : m_state(std::move(state)) {}
Dataset::Dataset(Dataset&& other) noexcept = default;
Dataset& Dataset::operator=(Dataset&& other) noexcept {
    if (this != &other) {
        if (m_state) {
            try {
                m_state->close();
            } catch (...) { // NOLINT(bugprone-empty-catch): replaced datasets close silently, as in the destructor
            }
        }
        m_state = std::move(other.m_state);
    }
    return *this;
}

Dataset::~Dataset() {
    if (m_state) {
        try {
            m_state->close();
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor cannot report; close() does
        }
    }
}

void Dataset::close() {
    if (m_state) m_state->close();
}

bool Dataset::closed() const noexcept { return !m_state || !m_state->is_open(); }

namespace {
const std::string k_empty;
}

const std::string& Dataset::name() const { return m_state ? m_state->name : k_empty; }
const std::string& Dataset::mode() const { return m_state ? m_state->mode : k_empty; }

namespace {

using detail::DatasetUse;

GDALRasterBandH band_of(GDALDatasetH h, int band, const std::string& name) {
    const int count = GDALGetRasterCount(h);
    if (band < 1 || band > count) {
        throw ArgumentError("band " + std::to_string(band) + " is out of range: " + name + " has " +
                            std::to_string(count) + " band" + (count == 1 ? "" : "s") + " (indexes start at 1)");
    }
    return GDALGetRasterBand(h, band);
}

void writable_or_throw(const std::string& mode, const std::string& name, const char* what) {
    if (mode == "r") {
        throw ModeError(std::string("cannot ") + what + ": dataset " + name +
                        " is open for reading; open it with mode \"r+\" to update it");
    }
}

void check_writable(const std::shared_ptr<detail::DatasetState>& st, const char* what) {
    writable_or_throw(st->mode, st->name, what);
}

} // namespace

namespace detail {

// Both are called inside a Dataset method that holds a DatasetUse, so the handle stays open.
GDALRasterBandH checked_band(const Dataset& ds, int band) {
    return band_of(static_cast<GDALDatasetH>(ds.gdal_handle()), band, ds.name());
}

Window checked_crop(const Window& window, int width, int height, const std::string& name) {
    if (window.width < 0 || window.height < 0) {
        throw ArgumentError(window.to_string() + " has a negative size; a window to read from " + name +
                            " needs a width and height of 0 or more");
    }
    return window.cropped(width, height);
}

void require_writable(const Dataset& ds, const char* what) {
    (void)ds.gdal_handle(); // throws ClosedError when closed
    writable_or_throw(ds.mode(), ds.name(), what);
}

} // namespace detail

std::string Dataset::driver() const {
    const DatasetUse use(m_state, DatasetUse::Pixels::any);
    return detail::driver_name(use.handle());
}
int Dataset::width() const { return GDALGetRasterXSize(DatasetUse(m_state, DatasetUse::Pixels::any).handle()); }
int Dataset::height() const { return GDALGetRasterYSize(DatasetUse(m_state, DatasetUse::Pixels::any).handle()); }
int Dataset::count() const { return GDALGetRasterCount(DatasetUse(m_state, DatasetUse::Pixels::any).handle()); }

std::vector<DType> Dataset::dtypes() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::vector<DType> out;
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) out.push_back(detail::band_dtype(GDALGetRasterBand(h, b)));
    return out;
}

Bands Dataset::indexes() const {
    Bands out(static_cast<std::size_t>(count()));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>(i) + 1;
    return out;
}

CRS Dataset::crs() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    // GDAL parses georeferencing lazily and may complain here (e.g. "Key N of unknown type"):
    // keep its messages off stderr.
    ErrorCapture quiet(detail::WarningPolicy::drop);
    const char* wkt = GDALGetProjectionRef(h);
    if (wkt == nullptr || *wkt == '\0') return {};
    return CRS::from_wkt(wkt);
}

Affine Dataset::transform() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::array<double, 6> gt{};
    ErrorCapture quiet(detail::WarningPolicy::drop);
    if (GDALGetGeoTransform(h, gt.data()) != CE_None) return Affine::identity();
    return Affine::from_gdal(gt);
}

std::optional<double> Dataset::nodata() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    if (GDALGetRasterCount(h) < 1) return std::nullopt;
    return detail::band_nodata(GDALGetRasterBand(h, 1));
}

std::vector<std::optional<double>> Dataset::nodatavals() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::vector<std::optional<double>> out;
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) out.push_back(detail::band_nodata(GDALGetRasterBand(h, b)));
    return out;
}

Bounds Dataset::bounds() const {
    const Affine t = transform();
    const double w = width(), hgt = height();
    if (t.b == 0.0 && t.d == 0.0) return {t.c, t.f + t.e * hgt, t.c + t.a * w, t.f};
    const std::array<std::pair<double, double>, 4> corners{t.apply(0, 0), t.apply(0, hgt), t.apply(w, hgt),
                                                           t.apply(w, 0)};
    Bounds b{corners[0].first, corners[0].second, corners[0].first, corners[0].second};
    for (const auto& [x, y] : corners) {
        b.left = std::min(b.left, x);
        b.right = std::max(b.right, x);
        b.bottom = std::min(b.bottom, y);
        b.top = std::max(b.top, y);
    }
    return b;
}

std::pair<double, double> Dataset::res() const {
    const Affine t = transform();
    if (t.b == 0.0 && t.d == 0.0) return {t.a, -t.e};
    return {std::sqrt(t.a * t.a + t.d * t.d), std::sqrt(t.b * t.b + t.e * t.e)};
}

std::vector<std::pair<int, int>> Dataset::block_shapes() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::vector<std::pair<int, int>> out;
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) {
        int bx = 0, by = 0;
        GDALGetBlockSize(GDALGetRasterBand(h, b), &bx, &by);
        out.emplace_back(by, bx);
    }
    return out;
}

Profile Dataset::profile() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    Profile p;
    p.driver = detail::driver_name(h);
    p.width = GDALGetRasterXSize(h);
    p.height = GDALGetRasterYSize(h);
    p.count = GDALGetRasterCount(h);
    if (*p.count > 0) p.dtype = detail::band_dtype(GDALGetRasterBand(h, 1));
    p.crs = crs();
    p.transform = transform();
    p.nodata = nodata();
    if (*p.count > 0) {
        int bx = 0, by = 0;
        GDALGetBlockSize(GDALGetRasterBand(h, 1), &bx, &by);
        // rasterio's rule, observed with 1.3.5: square blocks or blocks narrower than the raster
        // are tiles; full-width blocks are strips.
        const bool tiled = bx < *p.width || (bx == by && bx > 1);
        if (tiled) p.options["BLOCKXSIZE"] = std::to_string(bx);
        p.options["BLOCKYSIZE"] = std::to_string(by);
        p.options["TILED"] = tiled ? "YES" : "NO";
    }
    if (const char* c = GDALGetMetadataItem(h, "COMPRESSION", "IMAGE_STRUCTURE")) {
        // GDAL says "YCbCr JPEG" where a creation option says COMPRESS=JPEG + PHOTOMETRIC=YCBCR
        // (rasterio's profile too), so that the profile creates a similar file.
        if (EQUAL(c, "YCbCr JPEG")) {
            p.options["COMPRESS"] = "JPEG";
            p.options["PHOTOMETRIC"] = "YCBCR";
        } else {
            p.options["COMPRESS"] = c;
        }
    }
    if (const char* il = GDALGetMetadataItem(h, "INTERLEAVE", "IMAGE_STRUCTURE")) p.options["INTERLEAVE"] = il;
    return p;
}

Tags Dataset::tags(int band, const std::string& ns) const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    GDALMajorObjectH obj = band == 0 ? static_cast<GDALMajorObjectH>(h) : band_of(h, band, m_state->name);
    Tags out;
    char** md = GDALGetMetadata(obj, ns.empty() ? nullptr : ns.c_str());
    for (char** it = md; it && *it; ++it) {
        char* key = nullptr;
        const char* value = CPLParseNameValue(*it, &key);
        detail::cpl_string owned(key);
        if (key) out[key] = value ? value : "";
    }
    return out;
}

void Dataset::update_tags(const Tags& tags, int band, const std::string& ns) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "update tags");
    GDALMajorObjectH obj = band == 0 ? static_cast<GDALMajorObjectH>(h) : band_of(h, band, m_state->name);
    ErrorCapture errors(m_state->name);
    for (const auto& [k, v] : tags) {
        if (GDALSetMetadataItem(obj, k.c_str(), v.c_str(), ns.empty() ? nullptr : ns.c_str()) != CE_None) {
            errors.throw_io("cannot set tag " + k, m_state->name);
        }
    }
}

std::vector<std::string> Dataset::descriptions() const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    std::vector<std::string> out;
    for (int b = 1; b <= GDALGetRasterCount(h); ++b) out.emplace_back(GDALGetDescription(GDALGetRasterBand(h, b)));
    return out;
}

void Dataset::set_description(int band, const std::string& text) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "set a band description");
    GDALSetDescription(band_of(h, band, m_state->name), text.c_str());
}

void Dataset::set_crs(const CRS& crs) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "set the CRS");
    ErrorCapture errors(m_state->name);
    if (GDALSetProjection(h, crs.to_wkt().c_str()) != CE_None) errors.throw_io("cannot set the CRS", m_state->name);
}

void Dataset::set_transform(const Affine& transform) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "set the transform");
    ErrorCapture errors(m_state->name);
    auto gt = transform.to_gdal();
    if (GDALSetGeoTransform(h, gt.data()) != CE_None) errors.throw_io("cannot set the transform", m_state->name);
}

void Dataset::set_nodata(std::optional<double> nodata) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "set the nodata value");
    const int count = GDALGetRasterCount(h);
    for (int b = 1; b <= count; ++b) {
        detail::set_band_nodata(GDALGetRasterBand(h, b), nodata, m_state->name,
                                b < count ? detail::WarningPolicy::drop : detail::WarningPolicy::forward);
    }
}

void* Dataset::gdal_handle() const { return DatasetUse(m_state).handle(); }

Shape Dataset::checked_shape(const Bands& bands, const Window& window, std::size_t elem_size) const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    if (bands.empty()) throw ArgumentError("no bands given to read from " + m_state->name);
    for (int b : bands) band_of(h, b, m_state->name);
    // As rasterio: a window running past the edges reads the part inside (possibly nothing).
    const Window crop = detail::checked_crop(window, GDALGetRasterXSize(h), GDALGetRasterYSize(h), m_state->name);
    const Shape shape{bands.size(), static_cast<std::size_t>(crop.height), static_cast<std::size_t>(crop.width)};
    const std::size_t n = detail::checked_elements(shape, elem_size);
    if (n == 0) return shape;
    const std::uint64_t bytes = static_cast<std::uint64_t>(n) * elem_size;
    const std::uint64_t limit = detail::max_read_bytes();
    if (bytes > limit) {
        throw ArgumentError("reading " + shape_string(shape) + " pixels from " + m_state->name + " needs " +
                            std::to_string(bytes) + " bytes, over the limit of " + std::to_string(limit) +
                            " (RASTIO_MAX_READ_BYTES); read a smaller window");
    }
    // GDAL decodes whole blocks, so a small window of a file with one huge compressed block
    // (a decompression bomb) costs the whole block: refuse blocks over the limit too.
    const char* il = GDALGetMetadataItem(h, "INTERLEAVE", "IMAGE_STRUCTURE");
    const std::uint64_t bands_per_block =
        il != nullptr && EQUAL(il, "PIXEL") ? static_cast<std::uint64_t>(GDALGetRasterCount(h)) : 1;
    for (int b : bands) {
        GDALRasterBandH band = GDALGetRasterBand(h, b);
        int bx = 0, by = 0;
        GDALGetBlockSize(band, &bx, &by);
        std::uint64_t block = 0;
        const bool overflow =
            __builtin_mul_overflow(static_cast<std::uint64_t>(std::max(bx, 0)), static_cast<std::uint64_t>(std::max(by, 0)), &block) ||
            __builtin_mul_overflow(block, static_cast<std::uint64_t>(GDALGetDataTypeSizeBytes(GDALGetRasterDataType(band))), &block) ||
            __builtin_mul_overflow(block, bands_per_block, &block);
        if (overflow || block > limit) {
            throw ArgumentError("reading " + window.to_string() + " from " + m_state->name + " decodes blocks of " +
                                std::to_string(bx) + "x" + std::to_string(by) + " pixels (" + (overflow ? std::string("over 2^64") : std::to_string(block)) +
                                " bytes), over the limit of " + std::to_string(limit) + " (RASTIO_MAX_READ_BYTES)");
        }
    }
    return shape;
}

AnyArray Dataset::read() const { return read(indexes(), Window::full(width(), height())); }
AnyArray Dataset::read(const Bands& bands) const { return read(bands, Window::full(width(), height())); }
AnyArray Dataset::read(const Window& window) const { return read(indexes(), window); }

AnyArray Dataset::read(const Bands& bands, const Window& window) const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    if (bands.empty()) throw ArgumentError("no bands given to read from " + m_state->name);
    const DType t = detail::band_dtype(band_of(h, bands.front(), m_state->name));
    auto out = AnyArray::uninitialized(t, checked_shape(bands, window, dtype_size(t)));
    read_into(bands, window, t, out.writable_bytes());
    return out;
}

void Dataset::read_into(const Bands& bands, const Window& requested, DType t, std::span<std::byte> out) const {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    const Shape shape = checked_shape(bands, requested, dtype_size(t));
    const Window window = requested.cropped(GDALGetRasterXSize(h), GDALGetRasterYSize(h));
    const std::size_t esize = dtype_size(t);
    const std::size_t band_bytes = shape[1] * shape[2] * esize;
    if (out.size() != band_bytes * shape[0]) {
        throw ArgumentError("buffer of " + std::to_string(out.size()) + " bytes does not fit " + shape_string(shape) +
                            " " + std::string(to_string(t)) + " pixels (" + std::to_string(band_bytes * shape[0]) +
                            " bytes)" + (window == requested ? "" : " of " + requested.to_string() + " cropped to the " +
                            std::to_string(GDALGetRasterXSize(h)) + "x" + std::to_string(GDALGetRasterYSize(h)) +
                            " raster: " + window.to_string()));
    }
    if (out.empty()) return; // the window holds no pixel of the raster
    // GDAL 3.6 knows int8 only as Byte with PIXELTYPE=SIGNEDBYTE: convert those bands here.
    std::vector<bool> src_int8(bands.size());
    bool any_mismatch = false;
    for (std::size_t i = 0; i < bands.size(); ++i) {
        src_int8[i] = detail::band_dtype(GDALGetRasterBand(h, bands[i])) == DType::int8;
        if (src_int8[i] != (t == DType::int8)) any_mismatch = true;
    }
    ErrorCapture errors(m_state->name);
    auto raster_io = [&](std::span<const int> band_map, void* dst, GDALDataType gdt, std::size_t elem) {
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        const auto pixel = static_cast<GSpacing>(elem);
        const GSpacing line = pixel * window.width;
        const GSpacing band = line * window.height;
        if (m_state->before_read) m_state->before_read(h, window);
        if (GDALDatasetRasterIOEx(h, GF_Read, window.col_off, window.row_off, window.width, window.height, dst,
                                  window.width, window.height, gdt, static_cast<int>(band_map.size()),
                                  const_cast<int*>(band_map.data()), pixel, line, band, &extra) != CE_None) { // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature lacks const
            errors.throw_io("cannot read " + window.to_string(), m_state->name);
        }
        if (m_state->after_read) m_state->after_read(h, window);
    };
    if (!any_mismatch) {
        // Common GeoTIFF layouts in memory: decode straight into `out`, in parallel when large.
        if (m_state->mode == "r" &&
            (detail::gtiff_direct_read(h, m_state->name, bands, window, detail::to_gdal(t), out) ||
             detail::gtiff_remote_read(h, m_state->name, bands, window, window.width, window.height, detail::to_gdal(t),
                                       out))) {
            return;
        }
        raster_io(bands, out.data(), detail::to_gdal(t), esize);
        return;
    }
    const std::size_t n = shape[1] * shape[2];
    for (std::size_t i = 0; i < bands.size(); ++i) {
        std::byte* dst = out.data() + i * band_bytes;
        const int one[1] = {bands[i]};
        if (src_int8[i] == (t == DType::int8)) {
            raster_io(one, dst, detail::to_gdal(t), esize);
        } else if (src_int8[i]) {
            std::vector<std::byte> tmp(n);
            raster_io(one, tmp.data(), GDT_Byte, 1);
            convert(tmp.data(), DType::int8, dst, t, n);
        } else {
            std::vector<std::byte> tmp(n * sizeof(double));
            raster_io(one, tmp.data(), GDT_Float64, sizeof(double));
            convert(tmp.data(), DType::float64, dst, t, n);
        }
    }
}

void Dataset::write(const AnyArray& array) { write(array, indexes(), Window::full(width(), height())); }

void Dataset::write(const AnyArray& array, const Bands& bands) {
    write(array, bands, Window::full(width(), height()));
}

void Dataset::write(const AnyArray& array, const Bands& bands, const Window& window) {
    const DatasetUse use(m_state);
    const Shape want{bands.size(), static_cast<std::size_t>(std::max(window.height, 0)),
                     static_cast<std::size_t>(std::max(window.width, 0))};
    if (array.shape() != want) {
        throw ArgumentError("array of shape " + shape_string(array.shape()) + " does not match the " +
                            shape_string(want) + " (bands, rows, cols) being written to " + m_state->name);
    }
    write_bytes(bands, window, array.dtype(), array.bytes());
}

void Dataset::write_bytes(const Bands& bands, const Window& window, DType t, std::span<const std::byte> data) {
    const DatasetUse use(m_state);
    GDALDatasetH h = use.handle();
    check_writable(m_state, "write");
    if (bands.empty()) throw ArgumentError("no bands given to write to " + m_state->name);
    for (int b : bands) band_of(h, b, m_state->name);
    const int w = GDALGetRasterXSize(h), hh = GDALGetRasterYSize(h);
    if (!window.is_valid() || !window.is_inside(w, hh)) {
        throw ArgumentError(window.to_string() + " is not inside the " + std::to_string(w) + "x" +
                            std::to_string(hh) + " raster of " + m_state->name);
    }
    const std::size_t esize = dtype_size(t);
    const std::size_t n = static_cast<std::size_t>(window.width) * static_cast<std::size_t>(window.height);
    if (data.size() != n * esize * bands.size()) {
        throw ArgumentError(std::to_string(data.size()) + " bytes do not hold " + std::to_string(bands.size()) +
                            " bands of " + std::to_string(window.width) + "x" + std::to_string(window.height) +
                            " " + std::string(to_string(t)) + " pixels");
    }
    ErrorCapture errors(m_state->name);
    auto raster_io = [&](std::span<const int> band_map, const void* src, GDALDataType gdt, std::size_t elem) {
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        const auto pixel = static_cast<GSpacing>(elem);
        const GSpacing line = pixel * window.width;
        const GSpacing band = line * window.height;
        if (GDALDatasetRasterIOEx(h, GF_Write, window.col_off, window.row_off, window.width, window.height,
                                  const_cast<void*>(src), window.width, window.height, gdt, // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL does not write to the buffer in GF_Write
                                  static_cast<int>(band_map.size()), const_cast<int*>(band_map.data()), pixel, // NOLINT(cppcoreguidelines-pro-type-const-cast): GDAL's signature lacks const
                                  line, band, &extra) != CE_None ||
            errors.failed()) {
            errors.throw_io("cannot write " + window.to_string(), m_state->name);
        }
    };
    bool any_mismatch = false;
    std::vector<bool> dst_int8(bands.size());
    for (std::size_t i = 0; i < bands.size(); ++i) {
        dst_int8[i] = detail::band_dtype(GDALGetRasterBand(h, bands[i])) == DType::int8;
        if (dst_int8[i] != (t == DType::int8)) any_mismatch = true;
    }
    if (m_state->has_direct.load()) {
        if (!any_mismatch && m_state->direct->write(h, bands, window, t, data)) return;
        m_state->direct->gdal_writes_pixels();
    }
    if (!any_mismatch) {
        raster_io(bands, data.data(), detail::to_gdal(t), esize);
        return;
    }
    for (std::size_t i = 0; i < bands.size(); ++i) {
        const std::byte* src = data.data() + i * n * esize;
        const int one[1] = {bands[i]};
        if (dst_int8[i] == (t == DType::int8)) {
            raster_io(one, src, detail::to_gdal(t), esize);
        } else if (dst_int8[i]) {
            std::vector<std::byte> tmp(n);
            convert(src, t, tmp.data(), DType::int8, n);
            raster_io(one, tmp.data(), GDT_Byte, 1);
        } else {
            std::vector<std::byte> tmp(n * sizeof(std::int16_t));
            convert(src, DType::int8, tmp.data(), DType::int16, n);
            raster_io(one, tmp.data(), GDT_Int16, sizeof(std::int16_t));
        }
    }
}

Dataset open(const std::string& path_or_url, const std::string& mode, const Options& options) {
    detail::ensure_gdal();
    const std::string path = vsi_path(path_or_url); // URLs as rasterio parses them
    // A remote raster's sidecars are not looked for unless asked (GDAL_DISABLE_READDIR_ON_OPEN
    // set to anything): each probe is a request, six of them for a GeoTIFF.
    std::optional<Env> remote_defaults;
    if (is_remote(path)) {
        detail::enable_network_diagnostics();
        if (!Env::get("GDAL_DISABLE_READDIR_ON_OPEN")) remote_defaults.emplace(Options{{"GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"}});
    }
    auto mf = detail::find_memory_file(path);
    std::shared_lock<std::shared_mutex> opening; // a MemoryFile's close() waits until the dataset is tracked
    if (mf) {
        opening = std::shared_lock(mf->open_mutex);
        std::lock_guard lock(mf->mutex);
        mf->check_open();
        if (mode != "r" && mf->readonly) {
            throw ModeError("cannot open " + path + " in mode \"" + mode +
                            "\": its MemoryFile was made from bytes and is read-only, so GDAL may not write to them");
        }
    }
    auto st = detail::open_dataset(path, mode, options);
    if (mf) mf->track(st);
    return Dataset(std::move(st));
}

Dataset open(const std::string& path_or_url, const std::string& mode, const Profile& profile) {
    detail::ensure_gdal();
    const std::string path = vsi_path(path_or_url);
    if (mode != "w") {
        throw ArgumentError("mode \"" + mode + "\" with a profile: use \"w\" to create a dataset");
    }
    auto mf = detail::find_memory_file(path);
    std::shared_lock<std::shared_mutex> opening; // a MemoryFile's close() waits until the dataset is tracked
    if (mf) {
        opening = std::shared_lock(mf->open_mutex);
        std::lock_guard lock(mf->mutex);
        mf->check_open();
        if (mf->readonly) {
            throw ModeError("cannot create a dataset at " + path + ": its MemoryFile was made from bytes and is read-only");
        }
    }
    auto st = detail::create_dataset(path, mode, profile);
    if (mf) mf->track(st);
    return Dataset(std::move(st));
}

Dataset open(MemoryFile& memfile) { return memfile.open(); }

} // namespace rastio
