"""Compares `rastio mask` with `rio mask` on rasters and GeoJSON made fresh (polygons with holes,
overlapping multipolygons, a bare geometry and a single Feature; nodata value, NaN, none):
both outputs must have the same pixels, transform, CRS, nodata, dtype, count, size and block
layout, with --crop, --invert, --all-touched, --co and the GeoJSON from stdin. Bad input (not
JSON, not GeoJSON, --crop with features outside the raster) is one error line, a non-zero exit
and no output file.

Usage: /usr/bin/python3 mask_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_rasters, feature, finish, refuses, ring, rio_refuses, run_both, start, write_json

import numpy as np
import rasterio
from rasterio.transform import from_origin

tool, failures, tmp, rng = start("mask")
X, Y = 500000.0, 5600000.0
# The profile keys both outputs must share (a NaN nodata equals NaN).
KEYS = ("driver", "transform", "crs", "dtype", "count", "width", "height", "tiled", "blockysize", "compress", "nodata")


def make(name, dtype, nodata, count, res, shape=(50, 60)):
    path = os.path.join(tmp, name)
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100, 30, (count,) + shape).astype(dtype)
    else:
        data = rng.integers(1, 200, (count,) + shape).astype(dtype)
    if nodata is not None:
        data[:, rng.random(shape) < 0.1] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=count, dtype=dtype, nodata=nodata,
                       crs="EPSG:32633", transform=from_origin(X, Y, res, res)) as ds:
        ds.write(data)
    return path


u8 = make("u8.tif", "uint8", 0, 2, 10)
f32 = make("f32.tif", "float32", float("nan"), 1, 7.5)
i16 = make("i16.tif", "int16", None, 3, 12.5)


def features(path):
    with rasterio.open(path) as ds:
        l, b, r, t = ds.bounds
    w = r - l
    feats = []
    for _ in range(3):
        cx, cy = rng.uniform(l, r), rng.uniform(b, t)
        rr = rng.uniform(0.1, 0.3) * w
        feats.append(feature({"type": "Polygon", "coordinates": [ring(rng, cx, cy, rr), ring(rng, cx, cy, 0.3 * rr)[::-1]]}))
    cx, cy = (l + r) / 2, (b + t) / 2
    feats.append(feature({"type": "MultiPolygon",
                          "coordinates": [[ring(rng, cx, cy, 0.2 * w)], [ring(rng, cx + 0.1 * w, cy, 0.2 * w)]]}))
    return feats


CASES = []
for src in (u8, f32, i16):
    feats = features(src)
    fc = write_json(src + ".fc.geojson", {"type": "FeatureCollection", "features": feats})
    one = write_json(src + ".feature.geojson", feats[0])
    bare = write_json(src + ".geom.geojson", feats[3]["geometry"])
    name = os.path.basename(src)[:-4]
    CASES += [
        (name + "_plain", src, ["--geojson-mask", fc]),
        (name + "_crop", src, ["-j", fc, "--crop"]),
        (name + "_invert", src, ["-j", fc, "--invert"]),
        (name + "_touched_feature", src, ["-j", one, "--all_touched"]),
        (name + "_bare_crop_co", src, ["-j", bare, "--crop", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
        (name + "_crop_invert", src, ["-j", fc, "--crop", "--invert"]),
    ]
for label, src, opts in CASES:
    out_r = os.path.join(tmp, label + ".rastio.tif")
    out_p = os.path.join(tmp, label + ".rio.tif")
    if run_both(tool, ["mask", src, out_r] + opts, ["mask", src, out_p] + opts, failures, label):
        compare_rasters(label, out_r, out_p, failures, KEYS)

# GeoJSON from stdin.
fc_text = open(os.path.join(tmp, "u8.tif.fc.geojson")).read()
out_r, out_p = os.path.join(tmp, "stdin.rastio.tif"), os.path.join(tmp, "stdin.rio.tif")
if run_both(tool, ["mask", u8, "-o", out_r, "-j", "-", "--crop"], ["mask", u8, "-o", out_p, "-j", "-", "--crop"],
            failures, "stdin", stdin=fc_text):
    compare_rasters("stdin", out_r, out_p, failures, KEYS)

# Bad input: one error line, non-zero exit, no output; rio refuses them too.
notjson = os.path.join(tmp, "notjson.geojson")
with open(notjson, "w") as f:
    f.write("{ not json")
notgeo = write_json(os.path.join(tmp, "notgeo.geojson"), {"type": "Topology", "objects": {}})
far = write_json(os.path.join(tmp, "far.geojson"), {"type": "Polygon", "coordinates": [ring(rng, X + 1e5, Y + 1e5, 100)]})
BAD = [("not JSON", [u8, "-j", notjson]), ("not GeoJSON", [u8, "-j", notgeo]),
       ("no overlap with --crop", [u8, "-j", far, "--crop"])]
for label, args in BAD:
    out = os.path.join(tmp, "bad.tif")
    refuses(tool, ["mask"] + args[:1] + [out] + args[1:], failures, label, output=out)
    rio_refuses(["mask"] + args[:1] + [os.path.join(tmp, "bad.rio.tif")] + args[1:], failures, label)

finish(failures, "mask: %d rio cases, stdin, %d refusals" % (len(CASES), len(BAD)))
