#include "dataset_parity.hpp"

#include <rastio/error.hpp>

namespace rastio::detail {

// checked_band() and require_writable() live in dataset.cpp beside the checks Dataset uses itself.

void require_per_band(const Dataset& ds, std::size_t n, const char* what) {
    const auto count = static_cast<std::size_t>(ds.count());
    if (n != count) {
        throw ArgumentError(std::string(what) + ": " + std::to_string(n) + " values given for the " +
                            std::to_string(count) + " bands of " + ds.name() + "; give one per band");
    }
}

GDALRIOResampleAlg to_rasterio_alg(Resampling r) {
    switch (r) {
    case Resampling::nearest: return GRIORA_NearestNeighbour;
    case Resampling::bilinear: return GRIORA_Bilinear;
    case Resampling::cubic: return GRIORA_Cubic;
    case Resampling::cubic_spline: return GRIORA_CubicSpline;
    case Resampling::lanczos: return GRIORA_Lanczos;
    case Resampling::average: return GRIORA_Average;
    case Resampling::mode: return GRIORA_Mode;
    case Resampling::gauss: return GRIORA_Gauss;
    case Resampling::rms: return GRIORA_RMS;
    default: break;
    }
    throw ArgumentError("resampling " + std::string(to_string(r)) +
                        " can be used for warping but not for reads (GDAL 3.6 has no such RasterIO method); "
                        "use nearest, bilinear, cubic, cubic_spline, lanczos, average, mode, gauss or rms");
}

const char* to_overview_alg(Resampling r) {
    switch (r) {
    case Resampling::nearest: return "NEAREST";
    case Resampling::bilinear: return "BILINEAR";
    case Resampling::cubic: return "CUBIC";
    case Resampling::cubic_spline: return "CUBICSPLINE";
    case Resampling::lanczos: return "LANCZOS";
    case Resampling::average: return "AVERAGE";
    case Resampling::mode: return "MODE";
    case Resampling::gauss: return "GAUSS";
    case Resampling::rms: return "RMS";
    default: break;
    }
    throw ArgumentError("resampling " + std::string(to_string(r)) +
                        " cannot build overviews; use nearest, bilinear, cubic, cubic_spline, lanczos, "
                        "average, mode, gauss or rms");
}

} // namespace rastio::detail
