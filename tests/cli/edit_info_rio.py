"""Compares `rastio edit-info` with rio's on rasters made fresh: each edit is made on two copies,
one by each tool, then both files' rio info JSON, tags, units, descriptions and colors must be
equal. Bad options are one error line, exit 2, and leave the file unchanged.

Usage: /usr/bin/python3 edit_info_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import rasterio
    from click.testing import CliRunner
    from rasterio.rio.main import main_group
    from rasterio.transform import Affine
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIPPED: rasterio is not importable by %s (%s)" % (sys.executable, e))
    sys.exit(77)

tool = sys.argv[1]
failures = []


def make(path, dtype, count, nodata, crs):
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=count, dtype=dtype, nodata=nodata,
                       crs=crs, transform=Affine(30.0, 0, 1000.0, 0, -30.0, 9000.0)) as ds:
        ds.write(np.ones((count, 10, 20), dtype=dtype))


def state(path):
    with rasterio.open(path) as ds:
        return (json.loads(CliRunner().invoke(main_group, ["info", path]).output), ds.tags(), ds.units,
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
        r = subprocess.run([tool, "edit-info", a] + args, capture_output=True, text=True, timeout=60)
        rr = CliRunner(mix_stderr=False).invoke(main_group, ["edit-info", b] + args)
        if r.returncode != 0 or r.stderr or rr.exit_code != 0:
            failures.append("%s: rastio %d %r, rio %d %r" % (args, r.returncode, r.stderr, rr.exit_code, rr.exception))
            continue
        sa, sb = state(a), state(b)
        if json.dumps(sa, sort_keys=True) != json.dumps(sb, sort_keys=True):
            failures.append("%s: rastio %r, rio %r" % (args, sa, sb))
    # --unset-crs: rio 1.3.5 fails (CRSError: CRS is invalid: None); rastio removes the CRS.
    a = os.path.join(tmp, "unset.tif")
    make(a, "uint8", 3, 0, "EPSG:32618")
    r = subprocess.run([tool, "edit-info", a, "--unset-crs"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or state(a)[0]["crs"] is not None:
        failures.append("--unset-crs: exit %d %r, crs %r" % (r.returncode, r.stderr, state(a)[0]["crs"]))
    a = os.path.join(tmp, "bad.tif")
    make(a, "uint8", 3, 0, "EPSG:32618")
    before = state(a)
    for args in (["--nodata", "300"], ["--crs", "EPSG:0"], ["--transform", "[1, 2]"], ["--tag", "novalue"],
                 ["--colorinterp", "purple"], ["--colorinterp", "red,green"], ["--nodata", "1", "--unset-nodata"],
                 ["--crs", "like"]):
        r = subprocess.run([tool, "edit-info", a] + args, capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or len(r.stderr.splitlines()) != 1 or not r.stderr.startswith("rastio: error: "):
            failures.append("bad %s: exit %d, stderr %r" % (args, r.returncode, r.stderr))
    if state(a) != before:
        failures.append("bad options changed the file")

if failures:
    print("\n".join(failures[:40]))
    print("%d difference(s)" % len(failures))
    sys.exit(1)
print("rastio edit-info matches rio edit-info on %d edits" % len(CASES))
