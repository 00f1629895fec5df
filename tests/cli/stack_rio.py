"""Compares `rastio stack` with `rio stack` on rasters made fresh: every --bidx form (N, M,N,O,
M..O, ..N, N..), --rgb, --co, -o or a last positional; both outputs must have the same pixels,
profile and color interpretation. Bad --bidx is one error line, exit 2 and no output.

Usage: /usr/bin/python3 stack_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import rasterio
    from click.testing import CliRunner
    from rasterio.rio.main import main_group
    from rasterio.transform import from_origin
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIPPED: rasterio is not importable by %s (%s)" % (sys.executable, e))
    sys.exit(77)

tool = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="rastio-stack-rio-")
rng = np.random.default_rng(11)


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
    p = subprocess.run([tool, "stack"] + inputs + ["-o", out_r] + opts, capture_output=True, text=True)
    r = CliRunner().invoke(main_group, ["stack"] + inputs + ["-o", out_p] + opts)
    if p.returncode != 0 or r.exit_code != 0:
        failures.append("%s: failed: rastio %r, rio %r" % (label, p.stderr.strip(), r.output))
        continue
    with rasterio.open(out_r) as x, rasterio.open(out_p) as y:
        if x.profile != y.profile:
            failures.append("%s: profile differs: %r vs %r" % (label, x.profile, y.profile))
        if not np.array_equal(x.read(), y.read()):
            failures.append("%s: pixels differ" % label)
        if x.colorinterp != y.colorinterp:
            failures.append("%s: colorinterp differs: %r vs %r" % (label, x.colorinterp, y.colorinterp))
# Positional output.
out = os.path.join(tmp, "pos.tif")
p = subprocess.run([tool, "stack", a, b, out], capture_output=True, text=True)
if p.returncode != 0 or not os.path.exists(out):
    failures.append("positional output: %r" % p.stderr)
for label, args in [("band 9", [a, "--bidx", "9"]), ("not a band", [a, "--bidx", "x"])]:
    bad = os.path.join(tmp, "bad.tif")
    p = subprocess.run([tool, "stack"] + args + ["-o", bad], capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or os.path.exists(bad):
        failures.append("%s: want one error line and no output; got %d %r" % (label, p.returncode, p.stderr))
for f in failures:
    print("FAIL:", f)
print("stack: %d rio cases; %d failures" % (len(CASES), len(failures)))
sys.exit(1 if failures else 0)
