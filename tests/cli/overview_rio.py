"""Compares `rastio overview` with rio's on rasters made fresh: --build (list, b^min..max, auto)
with each resampling, --rebuild, --ls. The same --ls text, the same overview pixels (every
level, every band) and the same rio_overview tag; bad --build is one error line, exit 2.

Usage: /usr/bin/python3 overview_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os
import shutil
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import finish, rastio, refuses, rio

import numpy as np
import rasterio
from rasterio.transform import Affine

tool = sys.argv[1]
rng = np.random.default_rng(1603)
failures = []


def make(path, dtype, count, w, h):
    data = (rng.random((count, h, w)) * 200).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=dtype,
                       crs="EPSG:32618", transform=Affine(30.0, 0, 1000.0, 0, -30.0, 9000.0)) as ds:
        ds.write(data)


def levels(path):
    out = []
    with rasterio.open(path) as ds:
        n = len(ds.overviews(1))
        tag = ds.tags(ns="rio_overview")
    for i in range(n):
        with rasterio.open(path, overview_level=i) as ds:
            out.append(ds.read())
    return out, tag


CASES = [  # dtype, count, width, height, build, resampling
    ("uint8", 3, 300, 200, "2,4,8", "nearest"), ("uint16", 1, 130, 90, "2^1..3", "average"),
    ("float32", 2, 257, 129, "2^1..2", "bilinear"), ("int16", 1, 600, 520, "auto", "gauss"),
    ("float64", 1, 64, 64, "3,9", "rms"), ("uint8", 2, 100, 77, "2,4", "mode"),
]

with tempfile.TemporaryDirectory() as tmp:
    for i, (dtype, count, w, h, build, resampling) in enumerate(CASES):
        a, b = os.path.join(tmp, "a%d.tif" % i), os.path.join(tmp, "b%d.tif" % i)
        make(a, dtype, count, w, h)
        shutil.copy(a, b)
        where = "%s %s --build %s --resampling %s" % (dtype, (w, h), build, resampling)
        for args in (["--ls"], ["--build", build, "--resampling", resampling], ["--ls"]):
            p, r = rastio(tool, ["overview", a] + args), rio(["overview", b] + args)
            if p.returncode != r.exit_code or p.stdout != r.stdout or p.stderr:
                failures.append("%s %s: rastio %d %r %r, rio %d %r" % (where, args, p.returncode, p.stdout, p.stderr,
                                                                       r.exit_code, r.stdout))
        (la, ta), (lb, tb) = levels(a), levels(b)
        if ta != tb or len(la) != len(lb) or any(x.shape != y.shape or not np.array_equal(x, y, equal_nan=True) for x, y in zip(la, lb)):
            failures.append("%s: overview pixels or tags differ (%d vs %d levels, %r vs %r)" % (where, len(la), len(lb), ta, tb))
        if not la:
            failures.append("%s: no overview built" % where)
        # --rebuild: rio hands GDAL the factors in a Python set's order ({2, 4, 8} iterates as
        # 8, 2, 4), so its coarser levels depend on that accident; rastio rebuilds in ascending
        # order, which reproduces exactly what --build made (checked here), with the recorded method.
        p = rastio(tool, ["overview", a, "--rebuild"])
        (lr, tr) = levels(a)
        if p.returncode != 0 or p.stderr or tr != ta or len(lr) != len(la) or any(not np.array_equal(x, y, equal_nan=True) for x, y in zip(la, lr)):
            failures.append("%s --rebuild: exit %d %r, levels changed" % (where, p.returncode, p.stderr))
        if rastio(tool, ["overview", a, "--ls"]).stdout != rio(["overview", b, "--ls"]).stdout:
            failures.append("%s --ls after --rebuild differs" % where)
    a = os.path.join(tmp, "a0.tif")
    for bad in ["2^x", "1,2", "x", "2^1"]:
        refuses(tool, ["overview", a, "--build", bad], failures, "--build %s" % bad, code=2)
    refuses(tool, ["overview", a], failures, "no action", code=2)

finish(failures, "overview: %d rasters compared with rio, 5 refusals" % len(CASES))
