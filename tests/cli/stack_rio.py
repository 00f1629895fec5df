"""Compares `rastio stack` with `rio stack` on rasters made fresh: every --bidx form (N, M,N,O,
M..O, ..N, N..), --rgb, --co, -o or a last positional; both outputs must have the same pixels,
profile and color interpretation. Bad --bidx is one error line, exit 2 and no output.

Usage: /usr/bin/python3 stack_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_rasters, finish, rastio, refuses, run_both, start

import rasterio
from rasterio.transform import from_origin

tool, failures, tmp, rng = start("stack", seed=11)


def make(name, count, dtype="uint8", nodata=None):
    path = os.path.join(tmp, name)
    with rasterio.open(path, "w", driver="GTiff", width=33, height=21, count=count, dtype=dtype, nodata=nodata,
                       crs="EPSG:32633", transform=from_origin(500000, 5600000, 10, 10)) as ds:
        ds.write((rng.random((count, 21, 33)) * 250).astype(dtype))
    return path


a, b = make("a.tif", 3, nodata=0), make("b.tif", 4)
CASES = [
    ("all", [a, b], []),
    ("single", [a, "--bidx", "2", b, "--bidx", "4"], []),
    ("list", [a, "--bidx", "3,1,2"], []),
    ("ranges", [a, "--bidx", "..2", b, "--bidx", "3.."], []),
    ("range", [b, "--bidx", "2..3", a], []),
    ("rgb", [a], ["--rgb"]),
    ("co", [a, b], ["--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
]
for label, inputs, opts in CASES:
    out_r, out_p = os.path.join(tmp, label + ".rastio.tif"), os.path.join(tmp, label + ".rio.tif")
    if run_both(tool, ["stack"] + inputs + ["-o", out_r] + opts, ["stack"] + inputs + ["-o", out_p] + opts, failures, label):
        compare_rasters(label, out_r, out_p, failures, attrs=("colorinterp",))
# Positional output.
out = os.path.join(tmp, "pos.tif")
p = rastio(tool, ["stack", a, b, out])
if p.returncode != 0 or not os.path.exists(out):
    failures.append("positional output: %r" % p.stderr)
for label, args in [("band 9", [a, "--bidx", "9"]), ("not a band", [a, "--bidx", "x"])]:
    bad = os.path.join(tmp, "bad.tif")
    refuses(tool, ["stack"] + args + ["-o", bad], failures, label, output=bad)
finish(failures, "stack: %d rio cases" % len(CASES))
