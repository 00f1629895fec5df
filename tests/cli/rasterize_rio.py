"""Compares `rastio rasterize` with `rio rasterize` on GeoJSON made fresh (polygons with holes,
overlapping multipolygons, lines, points; integer and float properties): both outputs must have
the same pixels, transform, CRS, nodata, dtype, count, size and block layout, for every way of
giving the grid (--res, --dimensions, --bounds, --like, an existing output) and every option.
Bad input (not JSON, not GeoJSON, bounds beyond EPSG:4326, no grid) is one error line, a
non-zero exit and no output file.

Usage: /usr/bin/python3 rasterize_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os
import shutil

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import (compare_rasters, feature, finish, keeps_existing, refuses, ring, rio_refuses, run_both, start,
                        write_json)

import numpy as np
import rasterio
from rasterio.transform import from_origin

tool, failures, tmp, rng = start("rasterize")
X, Y = 500000.0, 5600000.0
# The profile keys both outputs must share (a NaN nodata equals NaN).
KEYS = ("driver", "transform", "crs", "dtype", "count", "width", "height", "tiled", "blockysize", "compress", "nodata")


def collection(x0, y0, span):
    feats = []
    for i in range(5):
        cx, cy = x0 + rng.uniform(0, span), y0 + rng.uniform(0, span)
        r = rng.uniform(0.05, 0.2) * span
        feats.append(feature({"type": "Polygon", "coordinates": [ring(rng, cx, cy, r), ring(rng, cx, cy, 0.3 * r)[::-1]]},
                             klass=int(rng.integers(1, 200)), height=float(round(rng.uniform(-5, 5), 2))))
    cx, cy = x0 + 0.5 * span, y0 + 0.5 * span
    feats.append(feature({"type": "MultiPolygon",
                          "coordinates": [[ring(rng, cx, cy, 0.2 * span)], [ring(rng, cx + 0.1 * span, cy, 0.15 * span)]]},
                         klass=250, height=1.5))
    feats.append(feature({"type": "LineString", "coordinates": [[x0, y0], [x0 + span, y0 + 0.7 * span]]}, klass=3, height=2.25))
    feats.append(feature({"type": "Point", "coordinates": [x0 + 0.3 * span, y0 + 0.6 * span]}, klass=4))
    return {"type": "FeatureCollection", "features": feats}


utm = write_json(os.path.join(tmp, "utm.geojson"), collection(X, Y - 1000, 1000))
geo = write_json(os.path.join(tmp, "geo.geojson"), collection(12.0, 47.0, 0.5))
like = os.path.join(tmp, "like.tif")
with rasterio.open(like, "w", driver="GTiff", width=70, height=50, count=2, dtype="int16", nodata=-1, crs="EPSG:32633",
                   transform=from_origin(X - 100, Y + 50, 17, 23), tiled=True, blockxsize=16, blockysize=16) as ds:
    ds.write(np.zeros((2, 50, 70), "int16"))
existing = os.path.join(tmp, "existing.tif")
with rasterio.open(existing, "w", driver="GTiff", width=60, height=60, count=2, dtype="uint8", nodata=0, crs="EPSG:32633",
                   transform=from_origin(X - 50, Y + 20, 18, 18)) as ds:
    ds.write(rng.integers(0, 60, (2, 60, 60)).astype("uint8"))

CASES = [
    ("res", utm, ["--res", "10", "--src-crs", "EPSG:32633"]),
    ("res_xy_touched", utm, ["--res", "7", "--res", "13", "--src-crs", "EPSG:32633", "--all_touched"]),
    ("dimensions_property", utm, ["--dimensions", "64", "48", "--src-crs", "EPSG:32633", "--property", "klass"]),
    ("float_property_fill", utm, ["--res", "20", "--src-crs", "EPSG:32633", "--property", "height", "--fill", "-9.5"]),
    ("bounds_default_value", utm, ["--res", "15", "--src-crs", "EPSG:32633", "--bounds",
                                   "%f %f %f %f" % (X + 100, Y - 900, X + 800, Y - 50), "--default-value", "42"]),
    ("geographic_nodata_co", geo, ["--res", "0.01", "--nodata", "255", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
    ("like", utm, ["--like", like, "--property", "klass"]),
    ("like_touched", utm, ["--like", like, "-a", "--default-value", "-3"]),
]
for label, src, opts in CASES:
    out_r = os.path.join(tmp, label + ".rastio.tif")
    out_p = os.path.join(tmp, label + ".rio.tif")
    if run_both(tool, ["rasterize", src, out_r] + opts, ["rasterize", src, "-o", out_p] + opts, failures, label):
        compare_rasters(label, out_r, out_p, failures, KEYS)

# GeoJSON on stdin, output with -o.
out_r, out_p = os.path.join(tmp, "stdin.rastio.tif"), os.path.join(tmp, "stdin.rio.tif")
with open(utm) as f:
    text = f.read()
grid = ["--res", "25", "--src-crs", "EPSG:32633"]
if run_both(tool, ["rasterize", "-o", out_r] + grid, ["rasterize", "-o", out_p] + grid, failures, "stdin", stdin=text):
    compare_rasters("stdin", out_r, out_p, failures, KEYS)

# Burning into an existing output (rio's --overwrite): every band, only where features burn.
out_r, out_p = os.path.join(tmp, "upd.rastio.tif"), os.path.join(tmp, "upd.rio.tif")
shutil.copy(existing, out_r)
shutil.copy(existing, out_p)
opts = ["--overwrite", "--property", "klass"]
if run_both(tool, ["rasterize", utm, out_r] + opts, ["rasterize", utm, out_p] + opts, failures, "existing"):
    compare_rasters("existing", out_r, out_p, failures, KEYS)

# Bad input: one error line, non-zero exit, no output; rio refuses them too.
notjson = os.path.join(tmp, "notjson.geojson")
with open(notjson, "w") as f:
    f.write("this is not { json")
bare = write_json(os.path.join(tmp, "bare.geojson"), {"type": "Polygon", "coordinates": [ring(rng, X, Y, 100)]})
BAD = [
    ("not JSON", [notjson, "--res", "10"]),
    ("not GeoJSON features", [bare, "--res", "10"]),
    ("beyond EPSG:4326", [utm, "--res", "10"]),
    ("no grid", [utm, "--src-crs", "EPSG:32633"]),
    ("value too big for --like", [utm, "--like", like, "--default-value", "70000"]),
]
for label, args in BAD:
    out = os.path.join(tmp, "bad.tif")
    refuses(tool, ["rasterize"] + args[:1] + [out] + args[1:], failures, label, output=out)
    rio_refuses(["rasterize"] + args[:1] + [os.path.join(tmp, "bad.rio.tif")] + args[1:], failures, label)
# An existing output without --overwrite is refused and left as it was.
keeps_existing(tool, ["rasterize", utm, existing, "--res", "10"], existing, failures,
               "rasterizing onto an existing output without --overwrite")

finish(failures, "rasterize: %d rio cases, stdin, an existing output, %d refusals" % (len(CASES), len(BAD) + 1))
