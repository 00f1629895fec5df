#pragma once
// Private: GDAL start-up, owned GDAL strings and string lists, type mapping.

#include <memory>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>

namespace rastio::detail {

/// Registers GDAL's drivers once per process; call before any GDAL use.
void ensure_gdal();

struct cpl_free {
    void operator()(void* p) const noexcept { CPLFree(p); }
};
/// A string GDAL allocated, freed with CPLFree.
using cpl_string = std::unique_ptr<char, cpl_free>;

/// A NULL-terminated list of "KEY=VALUE" strings for GDAL, owning its strings.
class StringList {
public:
    StringList() = default;
    explicit StringList(const Options& options);
    /// Adds KEY=value, replacing an earlier value of the same key.
    void add(const std::string& key, const std::string& value);
    /// The list for GDAL; valid until this object changes, moves or dies.
    char** get();
    bool empty() const noexcept { return m_items.empty(); }

private:
    std::vector<std::string> m_items;
    std::vector<char*> m_ptrs;
};

GDALDataType to_gdal(DType t) noexcept;
/// The rastio DType of a band, honouring PIXELTYPE=SIGNEDBYTE for int8 in GDAL 3.6.
DType band_dtype(GDALRasterBandH band);
/// Total physical memory, the default cap for one read.
std::uint64_t default_max_read_bytes();
/// The cap in force for one read (RASTIO_MAX_READ_BYTES or the machine's memory).
std::uint64_t max_read_bytes();

} // namespace rastio::detail
