"""Compares `rastio info --stats` and `rastio info --verbose` with rio's, on rasters made fresh.

rio (rasterio 1.3.5) asks GDAL for statistics, which come from a cache when the file has one and
are written to an .aux.xml beside it: rio runs here on its own copy of each raster, fresh, so its
answer is GDAL's exact computation. rastio must print the same text for --stats, the same JSON
for --verbose (numbers within 1e-12), and leave no .aux.xml behind.

Usage: /usr/bin/python3 info_stats_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import finish, json_diff, rastio, refuses, rio

import numpy as np
import rasterio
from rasterio.transform import Affine

tool = sys.argv[1]
rng = np.random.default_rng(1616)
failures = []

CASES = [  # dtype, count, nodata
    ("uint8", 3, None), ("uint8", 2, 0), ("uint16", 1, 65535), ("int16", 2, -9999), ("int32", 1, None),
    ("uint32", 1, 7), ("float32", 2, float("nan")), ("float32", 1, -3.4e38), ("float64", 2, None), ("float64", 1, 1.5),
]


def make(path, dtype, count, nodata):
    h, w = 123, 77
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100.0, 1e3, (count, h, w)).astype(dtype)
        data[:, rng.random((h, w)) < 0.05] = np.nan
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, (count, h, w), dtype=dtype, endpoint=True)
    if nodata is not None:
        data[:, rng.random((h, w)) < 0.2] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=dtype, nodata=nodata,
                       crs="EPSG:32631", transform=Affine(10.0, 0, 500000.0, 0, -10.0, 6000000.0)) as ds:
        ds.write(data)


with tempfile.TemporaryDirectory() as tmp:
    for i, (dtype, count, nodata) in enumerate(CASES):
        ours = os.path.join(tmp, "ours", "s%d.tif" % i)
        theirs = os.path.join(tmp, "theirs", "s%d.tif" % i)
        os.makedirs(os.path.dirname(ours), exist_ok=True)
        os.makedirs(os.path.dirname(theirs), exist_ok=True)
        make(ours, dtype, count, nodata)
        where = "%s (%s, nodata %r)" % (os.path.basename(ours), dtype, nodata)
        for b in range(1, count + 1):
            shutil.copy(ours, theirs)  # fresh each time: no cached statistics
            if os.path.exists(theirs + ".aux.xml"):
                os.remove(theirs + ".aux.xml")
            want = rio(["info", theirs, "--stats", "--bidx", str(b)])
            got = rastio(tool, ["info", ours, "--stats", "--bidx", str(b)])
            if want.exit_code != 0 or got.returncode != 0 or got.stdout != want.stdout:
                failures.append("%s band %d --stats: rastio %r (%s), rio %r" % (where, b, got.stdout, got.stderr.strip(), want.stdout))
        shutil.copy(ours, theirs)
        if os.path.exists(theirs + ".aux.xml"):
            os.remove(theirs + ".aux.xml")
        want = rio(["info", theirs, "--verbose"])
        got = rastio(tool, ["info", ours, "--verbose"])
        a, w = json.loads(got.stdout or "null"), json.loads(want.stdout or "null")
        if want.exit_code != 0 or got.returncode != 0 or not isinstance(a, dict) or not isinstance(w, dict):
            failures.append("%s --verbose: rastio exit %d %s" % (where, got.returncode, got.stderr.strip()))
        else:
            for key in ("stats", "checksum"):
                d = json_diff(a.get(key), w.get(key), "$." + key, rel_tol=1e-12, abs_tol=1e-12, exact_types=True)
                if d:
                    failures.append("%s --verbose: %s" % (where, d))
        if os.path.exists(ours + ".aux.xml"):
            failures.append("%s: rastio wrote %s" % (where, ours + ".aux.xml"))
    # Stdin: the same statistics, and a band with no valid pixel is one clear error.
    src = os.path.join(tmp, "ours", "s0.tif")
    with open(src, "rb") as f:
        piped = subprocess.run([tool, "info", "-", "--stats"], input=f.read(), capture_output=True, timeout=60)
    direct = subprocess.run([tool, "info", src, "--stats"], capture_output=True, timeout=60)
    if piped.stdout != direct.stdout or piped.returncode != 0:
        failures.append("stdin --stats: %r vs %r" % (piped.stdout, direct.stdout))
    empty = os.path.join(tmp, "ours", "empty.tif")
    with rasterio.open(empty, "w", driver="GTiff", width=4, height=3, count=1, dtype="uint8", nodata=9) as ds:
        ds.write(np.full((1, 3, 4), 9, dtype="uint8"))
    refuses(tool, ["info", empty, "--stats"], failures, "all-nodata --stats", code=1)

finish(failures, "info --stats/--verbose: %d rasters compared with rio, stdin, 1 refusal" % len(CASES))
