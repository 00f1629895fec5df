// A source dataset for GDAL's warper that reads each chunk's window of a GeoTIFF in /vsimem/
// with rastio's direct reader, straight into the warper's buffer: no block cache holding a
// second decoded copy of the source, no copy out of it.
#include <span>

#include <gdal_priv.h>

#include <rastio/window.hpp>

#include "gtiff_direct.hpp"
#include "warp_internal.hpp"

namespace rastio::detail {

namespace {

/// A band of DirectSource: everything but reads is the GTiff band's own.
class DirectSourceBand final : public ProxyBand {
public:
    DirectSourceBand(GDALDataset* ds, int band, GDALRasterBand* under, const std::string& path)
        : ProxyBand(ds, band, under), m_path(path) {}
    int GetMaskFlags() override { return m_under->GetMaskFlags(); }
    GDALRasterBand* GetMaskBand() override { return m_under->GetMaskBand(); }
    double GetNoDataValue(int* ok) override { return m_under->GetNoDataValue(ok); }
    GDALColorInterp GetColorInterpretation() override { return m_under->GetColorInterpretation(); }
    GDALColorTable* GetColorTable() override { return m_under->GetColorTable(); }
    double GetOffset(int* ok) override { return m_under->GetOffset(ok); }
    double GetScale(int* ok) override { return m_under->GetScale(ok); }
    int GetOverviewCount() override { return 0; }

protected:
    CPLErr IReadBlock(int x, int y, void* data) override { return m_under->ReadBlock(x, y, data); }
    CPLErr IRasterIO(GDALRWFlag rw, int x, int y, int w, int h, void* buf, int bw, int bh, GDALDataType bt,
                     GSpacing ps, GSpacing ls, GDALRasterIOExtraArg* extra) override {
        // GDAL's warper reads a one-band source band by band: packed rows, as DirectSource's.
        const GSpacing esize = GDALGetDataTypeSizeBytes(bt);
        if (rw == GF_Read && bw == w && bh == h && w > 0 && h > 0 && esize > 0 && ps == esize && ls == esize * w) {
            const int band = nBand;
            if (gtiff_direct_read(GDALDataset::ToHandle(m_under->GetDataset()), m_path, std::span<const int>(&band, 1),
                                  Window(x, y, w, h), bt,
                                  std::span<std::byte>(static_cast<std::byte*>(buf), static_cast<std::size_t>(ls * h)))) {
                return CE_None;
            }
        }
        return m_under->RasterIO(rw, x, y, w, h, buf, bw, bh, bt, ps, ls, extra);
    }

private:
    const std::string& m_path; // the dataset's, which outlives its bands
};

/// Reads full-resolution, band-sequential windows (what the warper asks for) with the direct
/// reader; any other request, or a layout the direct reader declines, goes to the GTiff dataset.
class DirectSource final : public GDALDataset {
public:
    DirectSource(GDALDataset* under, std::string path, bool owns) : m_under(under), m_path(std::move(path)), m_owns(owns) {
        nRasterXSize = under->GetRasterXSize();
        nRasterYSize = under->GetRasterYSize();
        eAccess = GA_ReadOnly;
        SetDescription(under->GetDescription());
        for (int b = 1; b <= under->GetRasterCount(); ++b) SetBand(b, new DirectSourceBand(this, b, under->GetRasterBand(b), m_path));
    }
    DirectSource(const DirectSource&) = delete;
    DirectSource& operator=(const DirectSource&) = delete;
    DirectSource(DirectSource&&) = delete;
    DirectSource& operator=(DirectSource&&) = delete;
    ~DirectSource() override {
        if (m_owns) GDALClose(GDALDataset::ToHandle(m_under));
    }
    CPLErr GetGeoTransform(double* gt) override { return m_under->GetGeoTransform(gt); }
    const OGRSpatialReference* GetSpatialRef() const override { return m_under->GetSpatialRef(); }
    void take_ownership() noexcept { m_owns = true; }

protected:
    CPLErr IRasterIO(GDALRWFlag rw, int x, int y, int w, int h, void* buf, int bw, int bh, GDALDataType bt, int count,
                     int* bands, GSpacing ps, GSpacing ls, GSpacing bs, GDALRasterIOExtraArg* extra) override {
        const GSpacing esize = GDALGetDataTypeSizeBytes(bt);
        // GDAL's warper asks for packed rows, each band a little apart (one spare pixel between).
        if (rw == GF_Read && bw == w && bh == h && w > 0 && h > 0 && count > 0 && esize > 0 && ps == esize &&
            ls == esize * w && bs >= ls * h && bs % esize == 0) {
            const auto stride = static_cast<std::size_t>(bs / esize);
            const auto bytes = static_cast<std::size_t>(bs) * static_cast<std::size_t>(count - 1) +
                               static_cast<std::size_t>(ls * h);
            if (gtiff_direct_read(GDALDataset::ToHandle(m_under), m_path,
                                  std::span<const int>(bands, static_cast<std::size_t>(count)), Window(x, y, w, h), bt,
                                  std::span<std::byte>(static_cast<std::byte*>(buf), bytes), stride)) {
                return CE_None;
            }
        }
        return m_under->RasterIO(rw, x, y, w, h, buf, bw, bh, bt, count, bands, ps, ls, bs, extra);
    }

private:
    GDALDataset* m_under;
    std::string m_path;
    bool m_owns;
};

} // namespace

DatasetHandle direct_warp_source(GDALDatasetH gtiff, const std::string& path) {
    auto* under = GDALDataset::FromHandle(gtiff);
    GDALDriver* drv = under->GetDriver();
    if (path.rfind("/vsimem/", 0) != 0 || drv == nullptr || !EQUAL(drv->GetDescription(), "GTiff") ||
        under->GetAccess() != GA_ReadOnly || under->GetRasterCount() < 1) {
        return nullptr;
    }
    return DatasetHandle(GDALDataset::ToHandle(new DirectSource(under, path, false)));
}

DatasetHandle direct_warp_source(DatasetHandle& gtiff, const std::string& path) {
    DatasetHandle proxy = direct_warp_source(gtiff.get(), path);
    if (!proxy) return proxy;
    static_cast<DirectSource*>(GDALDataset::FromHandle(proxy.get()))->take_ownership();
    (void)gtiff.release();
    return proxy;
}

} // namespace rastio::detail
