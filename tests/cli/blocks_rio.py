"""Compares `rastio blocks` with `rio blocks` on rasters made fresh (tiled and striped): the
FeatureCollection (the default) and --sequence, --rs, --projected, --precision, --indent,
--compact, --bidx, -o. The JSON must be equal (floats to 1e-9). Bad input (a band out of range,
no CRS for longitude/latitude) is one error line, a non-zero exit and no output.

Usage: /usr/bin/python3 blocks_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geojson_rio import close, compare, refuse  # noqa: E402  (exits 77 without rasterio)

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from rasterio.rio.main import main_group  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402

tool = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="rastio-blocks-rio-")


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
    identical += compare(tool, "blocks", args, failures, label)

# -o: the same text in a file.
out_r, out_p = os.path.join(tmp, "blocks.rastio.json"), os.path.join(tmp, "blocks.rio.json")
p = subprocess.run([tool, "blocks", tiled, "-o", out_r], capture_output=True, text=True)
r = CliRunner(mix_stderr=False).invoke(main_group, ["blocks", tiled, "-o", out_p])
if p.returncode != 0 or r.exit_code != 0 or p.stdout:
    failures.append("-o: failed: %r %r" % (p.stderr, r.exception))
else:
    d = close(json.load(open(out_r)), json.load(open(out_p)))
    if d:
        failures.append("-o: differs at %s" % d)

bad = os.path.join(tmp, "bad.json")
refuse(tool, "blocks", [tiled, "--bidx", "9", "-o", bad], failures, "band 9", bad)
refuse(tool, "blocks", [nocrs, "-o", bad], failures, "no crs", bad)
refuse(tool, "blocks", [os.path.join(tmp, "no-such.tif")], failures, "missing input")
for f in failures:
    print("FAIL:", f)
print("blocks: %d rio cases (%d byte-identical), 3 refusals; %d failures" % (len(CASES) + 1, identical, len(failures)))
sys.exit(1 if failures else 0)
