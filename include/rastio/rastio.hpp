#pragma once
/// rastio: geospatial rasters on GDAL, with in-memory files at the heart.

#include <rastio/affine.hpp>
#include <rastio/byte_source.hpp>
#include <rastio/array.hpp>
#include <rastio/crs.hpp>
#include <rastio/dataset.hpp>
#include <rastio/dtype.hpp>
#include <rastio/enums.hpp>
#include <rastio/env.hpp>
#include <rastio/error.hpp>
#include <rastio/features.hpp>
#include <rastio/memory_file.hpp>
#include <rastio/memory_file_stream.hpp>
#include <rastio/merge.hpp>
#include <rastio/metadata.hpp>
#include <rastio/path.hpp>
#include <rastio/profile.hpp>
#include <rastio/sample.hpp>
#include <rastio/statistics.hpp>
#include <rastio/version.hpp>
#include <rastio/warp.hpp>
#include <rastio/window.hpp>
