// IOErrors of remote reads: the HTTP failures GDAL 3.6 reports only as VSICURL debug lines.

#include <gtest/gtest.h>

#include <cpl_conv.h>
#include <cpl_error.h>

#include <rastio/rastio.hpp>

#include "error_capture.hpp"

namespace {

std::string thrown(const rastio::detail::ErrorCapture& errors) {
    try {
        errors.throw_io("cannot read Window(...)", "/vsicurl/http://h/x.tif");
    } catch (const rastio::IOError& e) {
        return e.what();
    }
    return {};
}

TEST(RemoteErrorsTest, HttpStatusOfARangeRequestReachesTheMessage) {
    rastio::detail::enable_network_diagnostics();
    rastio::detail::ErrorCapture errors;
    CPLDebug("VSICURL", "Downloading 278528-360447 (http://h/x.tif)...");
    CPLDebug("VSICURL", "Got response_code=500");
    CPLError(CE_Failure, CPLE_AppDefined, "TIFFReadEncodedTile() failed.");
    const auto what = thrown(errors);
    EXPECT_NE(what.find("TIFFReadEncodedTile() failed."), std::string::npos) << what;
    EXPECT_NE(what.find("[HTTP 500 for bytes 278528-360447 of http://h/x.tif]"), std::string::npos) << what;
}

TEST(RemoteErrorsTest, CurlErrorsAndFileSizeFailures) {
    rastio::detail::enable_network_diagnostics();
    {
        rastio::detail::ErrorCapture errors;
        CPLDebug("VSICURL", "Downloading 0-16383 (http://h/y.tif)...");
        CPLDebug("VSICURL", "DownloadRegion(http://h/y.tif): response_code=0, msg=Operation timed out after 2001 ms");
        CPLError(CE_Failure, CPLE_AppDefined, "read failed");
        const auto what = thrown(errors);
        EXPECT_NE(what.find("Operation timed out after 2001 ms (bytes 0-16383 of http://h/y.tif)"), std::string::npos)
            << what;
    }
    {
        rastio::detail::ErrorCapture errors;
        CPLDebug("VSICURL", "GetFileSize(http://h/z.tif)=0  response_code=403");
        CPLError(CE_Failure, CPLE_OpenFailed, "not recognized");
        const auto what = thrown(errors);
        EXPECT_NE(what.find("HTTP 403 for http://h/z.tif"), std::string::npos) << what;
    }
    {
        // Successful requests leave no note.
        rastio::detail::ErrorCapture errors;
        CPLDebug("VSICURL", "Downloading 0-16383 (http://h/w.tif)...");
        CPLDebug("VSICURL", "Got response_code=206");
        CPLError(CE_Failure, CPLE_AppDefined, "something else");
        EXPECT_EQ(thrown(errors).find('['), std::string::npos);
        EXPECT_TRUE(errors.network_failure().empty());
    }
    // Outside a capture, nothing turned CPL_DEBUG on for this thread.
    EXPECT_EQ(CPLGetConfigOption("CPL_DEBUG", nullptr), nullptr);
}

} // namespace
