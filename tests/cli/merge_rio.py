"""Compares `rastio merge` with `rio merge` on rasters made fresh (overlapping tiles, offsets of a
fraction of a pixel, nodata value and NaN, another resolution): both outputs must have the same
pixels, transform, CRS, nodata, dtype, count and block layout. --method and
--target-aligned-pixels (not in rio 1.3.5's merge) are compared with rasterio.merge.merge.
Bad input (no overlap with --bounds, another CRS, another band count) is one error line, a
non-zero exit and no output file.

Usage: /usr/bin/python3 merge_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_rasters, finish, keeps_existing, rastio, refuses, run_both, start

import numpy as np
import rasterio
from rasterio.merge import merge
from rasterio.transform import from_origin

tool, failures, tmp, rng = start("merge", seed=7)
# The profile keys both outputs must share (a NaN nodata equals NaN).
KEYS = ("transform", "crs", "dtype", "count", "width", "height", "tiled", "blockysize", "nodata")


def make(name, dtype, origin, res, nodata, count=1, crs="EPSG:32633", shape=(30, 40)):
    path = os.path.join(tmp, name)
    data = (rng.random((count,) + shape) * 200).astype(dtype)
    if nodata is not None:
        data[:, 2:5, :] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=count, dtype=dtype,
                       nodata=nodata, crs=crs, transform=from_origin(origin[0], origin[1], res, res)) as ds:
        ds.write(data)
    return path


X, Y = 500000.0, 5600000.0
a = make("a.tif", "uint8", (X, Y), 10, 0, count=2)
b = make("b.tif", "uint8", (X + 153.3, Y - 77.7), 10, 0, count=2)
c = make("c.tif", "float32", (X, Y), 5, float("nan"))
d = make("d.tif", "float32", (X + 61.0, Y - 33.0), 7.5, float("nan"))
CASES = [
    ("plain", [a, b], []),
    ("bounds", [a, b], ["--bounds", "%f %f %f %f" % (X + 20, Y - 300, X + 400, Y - 10)]),
    ("res", [a, b], ["--res", "13"]),
    ("res2_bilinear", [c, d], ["--res", "4", "--res", "6", "--resampling", "bilinear"]),
    ("nodata_dtype", [a, b], ["--nodata", "7", "-t", "uint16"]),
    ("bidx", [a, b], ["-b", "2"]),
    ("nan", [c, d], []),
    ("co", [a, b], ["--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
]
for label, inputs, opts in CASES:
    out_r = os.path.join(tmp, label + ".rastio.tif")
    out_p = os.path.join(tmp, label + ".rio.tif")
    if run_both(tool, ["merge"] + inputs + [out_r] + opts, ["merge"] + inputs + ["-o", out_p] + opts, failures, label):
        compare_rasters(label, out_r, out_p, failures, KEYS)

# Options rio 1.3.5's merge lacks, against rasterio.merge.merge.
for method in ["first", "last", "min", "max", "sum", "count"]:
    out_r = os.path.join(tmp, "m_%s.tif" % method)
    p = rastio(tool, ["merge", a, b, "-o", out_r, "--method", method, "--res", "7", "--target-aligned-pixels"])
    if p.returncode != 0:
        failures.append("method %s: rastio failed: %s" % (method, p.stderr.strip()))
        continue
    dest, t = merge([a, b], method=method, res=(7, 7), target_aligned_pixels=True)
    with rasterio.open(out_r) as ds:
        got, transform = ds.read(), ds.transform
    if transform != t or not np.array_equal(got, dest):
        failures.append("method %s: differs from rasterio.merge.merge" % method)

# Bad input: one error line, non-zero exit, no output.
other_crs = make("e.tif", "uint8", (X, Y), 10, 0, count=2, crs="EPSG:32632")
one_band = make("f.tif", "uint8", (X, Y), 10, 0, count=1)
for label, args in [("no overlap", [a, b, "--bounds", "0 0 100 100"]), ("crs", [a, other_crs]), ("bands", [a, one_band]),
                    ("missing input", [a, os.path.join(tmp, "nope.tif")])]:
    out = os.path.join(tmp, "bad.tif")
    refuses(tool, ["merge"] + args[:2] + [out] + args[2:], failures, label, output=out)
# An existing output without --overwrite is refused and left as it was.
keeps_existing(tool, ["merge", a, b, a], a, failures, "merging onto an existing input without --overwrite")

finish(failures, "merge: %d rio cases, 6 methods, 5 refusals" % len(CASES))
