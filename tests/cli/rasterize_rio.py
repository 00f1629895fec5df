"""Compares `rastio rasterize` with `rio rasterize` on GeoJSON made fresh (polygons with holes,
overlapping multipolygons, lines, points; integer and float properties): both outputs must have
the same pixels, transform, CRS, nodata, dtype, count, size and block layout, for every way of
giving the grid (--res, --dimensions, --bounds, --like, an existing output) and every option.
Bad input (not JSON, not GeoJSON, bounds beyond EPSG:4326, no grid) is one error line, a
non-zero exit and no output file.

Usage: /usr/bin/python3 rasterize_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import math
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
    from rasterio.transform import from_origin
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIPPED: rasterio is not importable by %s (%s)" % (sys.executable, e))
    sys.exit(77)

tool = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="rastio-rasterize-rio-")
rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
X, Y = 500000.0, 5600000.0


def ring(cx, cy, r):
    n = int(rng.integers(5, 12))
    a = np.sort(rng.uniform(0, 2 * math.pi, n))
    rr = rng.uniform(0.5 * r, r, n)
    pts = [[float(cx + q * math.cos(t)), float(cy + q * math.sin(t))] for t, q in zip(a, rr)]
    return pts + [pts[0]]


def feature(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": geom}


def collection(x0, y0, span):
    feats = []
    for i in range(5):
        cx, cy = x0 + rng.uniform(0, span), y0 + rng.uniform(0, span)
        r = rng.uniform(0.05, 0.2) * span
        feats.append(feature({"type": "Polygon", "coordinates": [ring(cx, cy, r), ring(cx, cy, 0.3 * r)[::-1]]},
                             klass=int(rng.integers(1, 200)), height=float(round(rng.uniform(-5, 5), 2))))
    cx, cy = x0 + 0.5 * span, y0 + 0.5 * span
    feats.append(feature({"type": "MultiPolygon", "coordinates": [[ring(cx, cy, 0.2 * span)], [ring(cx + 0.1 * span, cy, 0.15 * span)]]},
                         klass=250, height=1.5))
    feats.append(feature({"type": "LineString", "coordinates": [[x0, y0], [x0 + span, y0 + 0.7 * span]]}, klass=3, height=2.25))
    feats.append(feature({"type": "Point", "coordinates": [x0 + 0.3 * span, y0 + 0.6 * span]}, klass=4))
    return {"type": "FeatureCollection", "features": feats}


def write_json(name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.profile


def same(label, a, b):
    (da, pa), (db, pb) = a, b
    for k in ("driver", "transform", "crs", "dtype", "count", "width", "height", "tiled", "blockysize", "compress"):
        if pa.get(k) != pb.get(k):
            failures.append("%s: %s differs: %r vs %r" % (label, k, pa.get(k), pb.get(k)))
    na, nb = pa.get("nodata"), pb.get("nodata")
    if not (na == nb or (na is not None and nb is not None and np.isnan(na) and np.isnan(nb))):
        failures.append("%s: nodata differs: %r vs %r" % (label, na, nb))
    if da.shape != db.shape or not np.array_equal(da, db, equal_nan=da.dtype.kind == "f"):
        failures.append("%s: pixels differ (%d of %d)" % (label, int(np.count_nonzero(da != db)) if da.shape == db.shape else -1, da.size))


utm = write_json("utm.geojson", collection(X, Y - 1000, 1000))
geo = write_json("geo.geojson", collection(12.0, 47.0, 0.5))
like = os.path.join(tmp, "like.tif")
with rasterio.open(like, "w", driver="GTiff", width=70, height=50, count=2, dtype="int16", nodata=-1, crs="EPSG:32633",
                   transform=from_origin(X - 100, Y + 50, 17, 23), tiled=True, blockxsize=16, blockysize=16) as ds:
    ds.write(np.zeros((2, 50, 70), "int16"))
existing = os.path.join(tmp, "existing.tif")
with rasterio.open(existing, "w", driver="GTiff", width=60, height=60, count=2, dtype="uint8", nodata=0, crs="EPSG:32633",
                   transform=from_origin(X - 50, Y + 20, 18, 18)) as ds:
    ds.write(rng.integers(0, 60, (2, 60, 60)).astype("uint8"))

CASES = [
    ("res", utm, ["--res", "10", "--src-crs", "EPSG:32633"]),
    ("res_xy_touched", utm, ["--res", "7", "--res", "13", "--src-crs", "EPSG:32633", "--all_touched"]),
    ("dimensions_property", utm, ["--dimensions", "64", "48", "--src-crs", "EPSG:32633", "--property", "klass"]),
    ("float_property_fill", utm, ["--res", "20", "--src-crs", "EPSG:32633", "--property", "height", "--fill", "-9.5"]),
    ("bounds_default_value", utm, ["--res", "15", "--src-crs", "EPSG:32633", "--bounds",
                                   "%f %f %f %f" % (X + 100, Y - 900, X + 800, Y - 50), "--default-value", "42"]),
    ("geographic_nodata_co", geo, ["--res", "0.01", "--nodata", "255", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
    ("like", utm, ["--like", like, "--property", "klass"]),
    ("like_touched", utm, ["--like", like, "-a", "--default-value", "-3"]),
]
for label, src, opts in CASES:
    out_r = os.path.join(tmp, label + ".rastio.tif")
    out_p = os.path.join(tmp, label + ".rio.tif")
    p = subprocess.run([tool, "rasterize", src, out_r] + opts, capture_output=True, text=True)
    if p.returncode != 0:
        failures.append("%s: rastio failed: %s" % (label, p.stderr.strip()))
        continue
    r = CliRunner().invoke(main_group, ["rasterize", src, "-o", out_p] + opts)
    if r.exit_code != 0:
        failures.append("%s: rio failed: %s %r" % (label, r.output, r.exception))
        continue
    same(label, read(out_r), read(out_p))

# GeoJSON on stdin, output with -o.
out_r, out_p = os.path.join(tmp, "stdin.rastio.tif"), os.path.join(tmp, "stdin.rio.tif")
with open(utm) as f:
    text = f.read()
p = subprocess.run([tool, "rasterize", "-o", out_r, "--res", "25", "--src-crs", "EPSG:32633"], input=text,
                   capture_output=True, text=True)
r = CliRunner().invoke(main_group, ["rasterize", "-o", out_p, "--res", "25", "--src-crs", "EPSG:32633"], input=text)
if p.returncode != 0 or r.exit_code != 0:
    failures.append("stdin: rastio %d %s / rio %d %s" % (p.returncode, p.stderr.strip(), r.exit_code, r.output))
else:
    same("stdin", read(out_r), read(out_p))

# Burning into an existing output (rio's --overwrite): every band, only where features burn.
out_r, out_p = os.path.join(tmp, "upd.rastio.tif"), os.path.join(tmp, "upd.rio.tif")
shutil.copy(existing, out_r)
shutil.copy(existing, out_p)
p = subprocess.run([tool, "rasterize", utm, out_r, "--overwrite", "--property", "klass"], capture_output=True, text=True)
r = CliRunner().invoke(main_group, ["rasterize", utm, out_p, "--overwrite", "--property", "klass"])
if p.returncode != 0 or r.exit_code != 0:
    failures.append("existing: rastio %d %s / rio %d %s" % (p.returncode, p.stderr.strip(), r.exit_code, r.output))
else:
    same("existing", read(out_r), read(out_p))

# Bad input: one error line, non-zero exit, no output; rio refuses them too.
notjson = os.path.join(tmp, "notjson.geojson")
with open(notjson, "w") as f:
    f.write("this is not { json")
bare = write_json("bare.geojson", {"type": "Polygon", "coordinates": [ring(X, Y, 100)]})
BAD = [
    ("not JSON", [notjson, "--res", "10"]),
    ("not GeoJSON features", [bare, "--res", "10"]),
    ("beyond EPSG:4326", [utm, "--res", "10"]),
    ("no grid", [utm, "--src-crs", "EPSG:32633"]),
    ("value too big for --like", [utm, "--like", like, "--default-value", "70000"]),
]
for label, args in BAD:
    out = os.path.join(tmp, "bad.tif")
    p = subprocess.run([tool, "rasterize"] + args[:1] + [out] + args[1:], capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or os.path.exists(out):
        failures.append("%s: want one error line, a non-zero exit and no output; got %d, %r, exists=%s"
                        % (label, p.returncode, p.stderr, os.path.exists(out)))
    r = CliRunner().invoke(main_group, ["rasterize"] + args[:1] + [os.path.join(tmp, "bad.rio.tif")] + args[1:])
    if r.exit_code == 0:
        failures.append("%s: rio accepted it" % label)
# An existing output without --overwrite is refused and left as it was.
before = open(existing, "rb").read()
p = subprocess.run([tool, "rasterize", utm, existing, "--res", "10"], capture_output=True, text=True)
if p.returncode == 0 or open(existing, "rb").read() != before:
    failures.append("rasterizing onto an existing output without --overwrite was not refused")

for f in failures:
    print("FAIL:", f)
print("rasterize: %d rio cases, stdin, an existing output, %d refusals; %d failures" % (len(CASES), len(BAD) + 1, len(failures)))
sys.exit(1 if failures else 0)
