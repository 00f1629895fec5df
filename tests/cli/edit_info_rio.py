"""Compares `rastio edit-info` with rio's on rasters made fresh: each edit is made on two copies,
one by each tool, then both files' rio info JSON, tags, units, descriptions and colors must be
equal. Bad options are one error line, exit 2, and leave the file unchanged.

Usage: /usr/bin/python3 edit_info_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import os
import shutil
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import finish, rastio, refuses, rio, run_both

import numpy as np
import rasterio
from rasterio.transform import Affine

tool = sys.argv[1]
failures = []


def make(path, dtype, count, nodata, crs):
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=count, dtype=dtype, nodata=nodata,
                       crs=crs, transform=Affine(30.0, 0, 1000.0, 0, -30.0, 9000.0)) as ds:
        ds.write(np.ones((count, 10, 20), dtype=dtype))


def state(path):
    with rasterio.open(path) as ds:
        return (json.loads(rio(["info", path]).stdout), ds.tags(), ds.units,
                ds.descriptions, [c.name for c in ds.colorinterp])


CASES = [
    ["--nodata", "5"], ["--nodata", "nan"], ["--unset-nodata"], ["--crs", "EPSG:4326"],
    ["--crs", "+proj=utm +zone=33 +datum=WGS84"],
    ["--transform", "[10.0, 0.0, 500.0, 0.0, -10.0, 700.0]"], ["--units", "metres", "--bidx", "2"],
    ["--description", "the second", "--bidx", "2"], ["--tag", "a=1", "--tag", "b=two words"],
    ["--colorinterp", "RGB"], ["--colorinterp", "blue,green,red"], ["--like", "TEMPLATE", "--all"],
    ["--like", "TEMPLATE", "--crs", "like", "--transform", "like"], ["--like", "TEMPLATE", "--nodata", "like"],
]

with tempfile.TemporaryDirectory() as tmp:
    template = os.path.join(tmp, "template.tif")
    make(template, "float32", 3, 7.0, "EPSG:3857")
    with rasterio.open(template, "r+") as t:
        t.update_tags(source="template", level="3")
        t.transform = Affine(2.0, 0, -50.0, 0, -2.0, 80.0)
    for i, args in enumerate(CASES):
        args = [template if a == "TEMPLATE" else a for a in args]
        dtype = "float32" if "nan" in args else "uint8"
        a, b = os.path.join(tmp, "a%d.tif" % i), os.path.join(tmp, "b%d.tif" % i)
        make(a, dtype, 3, 0, "EPSG:32618")
        shutil.copy(a, b)
        if not run_both(tool, ["edit-info", a] + args, ["edit-info", b] + args, failures, args, quiet=True):
            continue
        sa, sb = state(a), state(b)
        if json.dumps(sa, sort_keys=True) != json.dumps(sb, sort_keys=True):
            failures.append("%s: rastio %r, rio %r" % (args, sa, sb))
    # --unset-crs: rio 1.3.5 fails (CRSError: CRS is invalid: None); rastio removes the CRS.
    a = os.path.join(tmp, "unset.tif")
    make(a, "uint8", 3, 0, "EPSG:32618")
    r = rastio(tool, ["edit-info", a, "--unset-crs"])
    if r.returncode != 0 or state(a)[0]["crs"] is not None:
        failures.append("--unset-crs: exit %d %r, crs %r" % (r.returncode, r.stderr, state(a)[0]["crs"]))
    a = os.path.join(tmp, "bad.tif")
    make(a, "uint8", 3, 0, "EPSG:32618")
    before = state(a)
    for args in (["--nodata", "300"], ["--crs", "EPSG:0"], ["--transform", "[1, 2]"], ["--tag", "novalue"],
                 ["--colorinterp", "purple"], ["--colorinterp", "red,green"], ["--nodata", "1", "--unset-nodata"],
                 ["--crs", "like"]):
        refuses(tool, ["edit-info", a] + args, failures, "bad %s" % args, code=2)
    if state(a) != before:
        failures.append("bad options changed the file")

finish(failures, "edit-info: %d edits compared with rio's, --unset-crs, 8 refusals" % len(CASES))
