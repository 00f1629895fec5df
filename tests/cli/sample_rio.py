"""Compares `rastio sample` with rasterio's `rio sample` on rasters this script makes fresh.

Rasters in several dtypes, nodata kinds (none, 0, a value, NaN), CRSs and transforms (north-up,
south-up, rotated); points inside, on edges and outside; every --bidx form. The outputs must be
the same text, line for line. Bad points must give one `rastio: error:` line and exit 1.

Usage: /usr/bin/python3 sample_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os
import random
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import finish, rastio, refuses, rio, run_both, skip

import numpy as np
import rasterio
from rasterio.transform import Affine

RIO = "/usr/bin/rasterio"
if not os.path.exists(RIO):
    skip(RIO + " not found")

tool = sys.argv[1]
rng = np.random.default_rng(16)
random.seed(16)
failures = []

CASES = [
    # dtype, count, nodata, crs, transform
    ("uint8", 3, None, "EPSG:32618", Affine(300.0, 0, 101985.0, 0, -300.0, 2826915.0)),
    ("int16", 2, -9999, "EPSG:4326", Affine(0.01, 0, -10.0, 0, -0.01, 50.0)),
    ("uint16", 1, 0, "EPSG:3857", Affine(30.0, 0, 1000.0, 0, 30.0, -5000.0)),  # south-up
    ("int32", 2, 7, None, Affine(2.0, 0.5, 10.0, 0.3, -2.0, 100.0)),  # rotated, no CRS
    ("float32", 2, float("nan"), "EPSG:32633", Affine(10.0, 0, 500000.0, 0, -10.0, 6000000.0)),
    ("float64", 1, -3.5e38, "EPSG:2154", Affine(0.5, 0, 700000.0, 0, -0.5, 6600000.0)),
    ("uint32", 1, None, "EPSG:4326", Affine(1.0, 0, 0.5, 0, -1.0, 0.5)),
]


def make(path, dtype, count, nodata, crs, transform):
    h, w = 37, 53
    if np.dtype(dtype).kind == "f":
        data = rng.normal(0, 1e3, (count, h, w)).astype(dtype)
        if nodata is not None:
            data[:, rng.random((h, w)) < 0.2] = nodata
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, (count, h, w), dtype=dtype, endpoint=True)
        if nodata is not None:
            data[:, rng.random((h, w)) < 0.2] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=dtype, nodata=nodata,
                       crs=crs, transform=transform) as ds:
        ds.write(data)


def points(transform, w, h, n):
    out = []
    for _ in range(n):
        # Fractional pixel positions from well outside to well inside, some exactly on pixel edges.
        c = rng.uniform(-5, w + 5) if rng.random() < 0.7 else float(rng.integers(-2, w + 2))
        r = rng.uniform(-5, h + 5) if rng.random() < 0.7 else float(rng.integers(-2, h + 2))
        x, y = transform * (c, r)
        out.append("[%r, %r]" % (x, y) if rng.random() < 0.8 else "[%d, %d]" % (round(x), round(y)))
    return "\n".join(out) + "\n"


with tempfile.TemporaryDirectory() as tmp:
    for i, (dtype, count, nodata, crs, transform) in enumerate(CASES):
        path = os.path.join(tmp, "s%d.tif" % i)
        make(path, dtype, count, nodata, crs, transform)
        pts = points(transform, 53, 37, 300)
        for bidx in [None, "1", "..1", "2..", "1,1", "%d,1" % count, "1..%d" % count]:
            if bidx == "2.." and count == 1:
                # No band left: rio fails with a traceback; rastio says so in one line.
                refuses(tool, ["sample", path, "--bidx", bidx], failures, "%s --bidx 2.." % path, code=2, stdin=pts)
                continue
            extra = [] if bidx is None else ["--bidx", bidx]
            where = "%s (%s, nodata %r) --bidx %s" % (os.path.basename(path), dtype, nodata, bidx)
            # rio runs in this process: the same code as /usr/bin/rasterio, without its start-up.
            ran = run_both(tool, ["sample", path] + extra, ["sample", path] + extra, failures, where, stdin=pts, quiet=True)
            if not ran:
                continue
            a, b = ran[0].stdout.splitlines(), ran[1].stdout.splitlines()
            if len(a) != len(b):
                failures.append("%s: rastio wrote %d lines, rio %d" % (where, len(a), len(b)))
            for n, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    failures.append("%s line %d: rastio %s, rio %s" % (where, n + 1, x, y))
                    break
        # Points from a file and a single point as an argument, as rio reads them.
        pts_file = os.path.join(tmp, "pts%d.txt" % i)
        with open(pts_file, "w") as f:
            f.write(pts)
        one = pts.splitlines()[0]
        for arg in [pts_file, one]:
            ours, theirs = rastio(tool, ["sample", path, arg], ""), rio(["sample", path, arg], "")
            if ours.stdout != theirs.stdout:
                failures.append("%s with %r: rastio %r, rio %r" % (path, arg[:60], ours.stdout[:200], theirs.stdout[:200]))

    # Bad points: one error line naming the line, exit 1, nothing half-written for that line.
    path = os.path.join(tmp, "s0.tif")
    for bad in ["[1, 2]\nnot json\n", "[1, 2]\n{\"x\": 1}\n", "[\"a\", 2]\n"]:
        refuses(tool, ["sample", path], failures, "bad points %r" % bad, code=1, prefix="rastio: error: line ", stdin=bad,
                partial_stdout=True)
    refuses(tool, ["sample", path, "--bidx", "9"], failures, "--bidx 9 on 3 bands", stdin="[1, 2]\n")

finish(failures, "sample: %d rasters compared with rio; bad points and bands refused" % len(CASES))
