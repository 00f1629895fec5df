"""Compares `rastio blocks` with `rio blocks` on rasters made fresh (tiled and striped): the
FeatureCollection (the default) and --sequence, --rs, --projected, --precision, --indent,
--compact, --bidx, -o. The JSON must be equal (floats to 1e-9). Bad input (a band out of range,
no CRS for longitude/latitude) is one error line, a non-zero exit and no output.

Usage: /usr/bin/python3 blocks_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_json_output, finish, json_diff, refuses, run_both, start

import numpy as np
import rasterio
from rasterio.transform import from_origin

tool, failures, tmp, _ = start("blocks")


def make(name, crs="EPSG:32633", **kw):
    path = os.path.join(tmp, name)
    with rasterio.open(path, "w", driver="GTiff", width=70, height=50, count=2, dtype="uint8", crs=crs,
                       transform=from_origin(500000, 5600000, 10, 10), **kw) as ds:
        ds.write(np.ones((2, 50, 70), "uint8"))
    return path


tiled = make("tiled.tif", tiled=True, blockxsize=32, blockysize=16)
striped = make("striped.tif", blockysize=7)
nocrs = make("nocrs.tif", crs=None)
CASES = [
    ("collection", [tiled]),
    ("striped", [striped]),
    ("projected", [tiled, "--projected"]),
    ("sequence", [tiled, "--sequence"]),
    ("sequence rs", [striped, "--sequence", "--rs"]),
    ("precision", [tiled, "--precision", "4"]),
    ("precision projected", [tiled, "--precision", "0", "--projected"]),
    ("indent", [tiled, "--indent", "2"]),
    ("indent sequence", [tiled, "--indent", "3", "--sequence"]),
    ("compact", [tiled, "--compact"]),
    ("compact sequence", [tiled, "--compact", "--sequence", "--projected"]),
    ("bidx", [tiled, "--bidx", "2"]),
    ("no crs projected", [nocrs, "--projected", "--sequence"]),
]
identical = 0
for label, args in CASES:
    identical += compare_json_output(tool, "blocks", args, failures, label)

# -o: the same text in a file.
out_r, out_p = os.path.join(tmp, "blocks.rastio.json"), os.path.join(tmp, "blocks.rio.json")
ran = run_both(tool, ["blocks", tiled, "-o", out_r], ["blocks", tiled, "-o", out_p], failures, "-o")
if ran and ran[0].stdout:
    failures.append("-o: rastio also printed %r" % ran[0].stdout[:80])
elif ran:
    d = json_diff(json.load(open(out_r)), json.load(open(out_p)))
    if d:
        failures.append("-o: differs at %s" % d)

bad = os.path.join(tmp, "bad.json")
refuses(tool, ["blocks", tiled, "--bidx", "9", "-o", bad], failures, "band 9", output=bad)
refuses(tool, ["blocks", nocrs, "-o", bad], failures, "no crs", output=bad)
refuses(tool, ["blocks", os.path.join(tmp, "no-such.tif")], failures, "missing input")
finish(failures, "blocks: %d rio cases (%d byte-identical), 3 refusals" % (len(CASES) + 1, identical))
