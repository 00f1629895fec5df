"""Compares `rastio mask` with `rio mask` on rasters and GeoJSON made fresh (polygons with holes,
overlapping multipolygons, a bare geometry and a single Feature; nodata value, NaN, none):
both outputs must have the same pixels, transform, CRS, nodata, dtype, count, size and block
layout, with --crop, --invert, --all-touched, --co and the GeoJSON from stdin. Bad input (not
JSON, not GeoJSON, --crop with features outside the raster) is one error line, a non-zero exit
and no output file.

Usage: /usr/bin/python3 mask_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import json
import math
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
tmp = tempfile.mkdtemp(prefix="rastio-mask-rio-")
rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
X, Y = 500000.0, 5600000.0


def ring(cx, cy, r):
    n = int(rng.integers(5, 12))
    a = np.sort(rng.uniform(0, 2 * math.pi, n))
    rr = rng.uniform(0.5 * r, r, n)
    pts = [[float(cx + q * math.cos(t)), float(cy + q * math.sin(t))] for t, q in zip(a, rr)]
    return pts + [pts[0]]


def make(name, dtype, nodata, count, res, shape=(50, 60)):
    path = os.path.join(tmp, name)
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100, 30, (count,) + shape).astype(dtype)
    else:
        data = rng.integers(1, 200, (count,) + shape).astype(dtype)
    if nodata is not None:
        data[:, rng.random(shape) < 0.1] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=count, dtype=dtype, nodata=nodata,
                       crs="EPSG:32633", transform=from_origin(X, Y, res, res)) as ds:
        ds.write(data)
    return path


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
        failures.append("%s: pixels differ" % label)


u8 = make("u8.tif", "uint8", 0, 2, 10)
f32 = make("f32.tif", "float32", float("nan"), 1, 7.5)
i16 = make("i16.tif", "int16", None, 3, 12.5)


def features(path):
    with rasterio.open(path) as ds:
        l, b, r, t = ds.bounds
    w = r - l
    feats = []
    for _ in range(3):
        cx, cy = rng.uniform(l, r), rng.uniform(b, t)
        rr = rng.uniform(0.1, 0.3) * w
        feats.append({"type": "Feature", "properties": {},
                      "geometry": {"type": "Polygon", "coordinates": [ring(cx, cy, rr), ring(cx, cy, 0.3 * rr)[::-1]]}})
    cx, cy = (l + r) / 2, (b + t) / 2
    feats.append({"type": "Feature", "properties": {}, "geometry": {
        "type": "MultiPolygon", "coordinates": [[ring(cx, cy, 0.2 * w)], [ring(cx + 0.1 * w, cy, 0.2 * w)]]}})
    return feats


CASES = []
for src in (u8, f32, i16):
    feats = features(src)
    fc = write_json(os.path.basename(src) + ".fc.geojson", {"type": "FeatureCollection", "features": feats})
    one = write_json(os.path.basename(src) + ".feature.geojson", feats[0])
    bare = write_json(os.path.basename(src) + ".geom.geojson", feats[3]["geometry"])
    name = os.path.basename(src)[:-4]
    CASES += [
        (name + "_plain", src, ["--geojson-mask", fc]),
        (name + "_crop", src, ["-j", fc, "--crop"]),
        (name + "_invert", src, ["-j", fc, "--invert"]),
        (name + "_touched_feature", src, ["-j", one, "--all_touched"]),
        (name + "_bare_crop_co", src, ["-j", bare, "--crop", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
        (name + "_crop_invert", src, ["-j", fc, "--crop", "--invert"]),
    ]
for label, src, opts in CASES:
    out_r = os.path.join(tmp, label + ".rastio.tif")
    out_p = os.path.join(tmp, label + ".rio.tif")
    p = subprocess.run([tool, "mask", src, out_r] + opts, capture_output=True, text=True)
    if p.returncode != 0:
        failures.append("%s: rastio failed: %s" % (label, p.stderr.strip()))
        continue
    r = CliRunner().invoke(main_group, ["mask", src, out_p] + opts)
    if r.exit_code != 0:
        failures.append("%s: rio failed: %s %r" % (label, r.output, r.exception))
        continue
    same(label, read(out_r), read(out_p))

# GeoJSON from stdin.
fc_text = open(os.path.join(tmp, "u8.tif.fc.geojson")).read()
out_r, out_p = os.path.join(tmp, "stdin.rastio.tif"), os.path.join(tmp, "stdin.rio.tif")
p = subprocess.run([tool, "mask", u8, "-o", out_r, "-j", "-", "--crop"], input=fc_text, capture_output=True, text=True)
r = CliRunner().invoke(main_group, ["mask", u8, "-o", out_p, "-j", "-", "--crop"], input=fc_text)
if p.returncode != 0 or r.exit_code != 0:
    failures.append("stdin: rastio %d %s / rio %d %s" % (p.returncode, p.stderr.strip(), r.exit_code, r.output))
else:
    same("stdin", read(out_r), read(out_p))

# Bad input: one error line, non-zero exit, no output; rio refuses them too.
notjson = os.path.join(tmp, "notjson.geojson")
with open(notjson, "w") as f:
    f.write("{ not json")
notgeo = write_json("notgeo.geojson", {"type": "Topology", "objects": {}})
far = write_json("far.geojson", {"type": "Polygon", "coordinates": [ring(X + 1e5, Y + 1e5, 100)]})
BAD = [("not JSON", [u8, "-j", notjson]), ("not GeoJSON", [u8, "-j", notgeo]),
       ("no overlap with --crop", [u8, "-j", far, "--crop"])]
for label, args in BAD:
    out = os.path.join(tmp, "bad.tif")
    p = subprocess.run([tool, "mask"] + args[:1] + [out] + args[1:], capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or os.path.exists(out):
        failures.append("%s: want one error line, a non-zero exit and no output; got %d, %r, exists=%s"
                        % (label, p.returncode, p.stderr, os.path.exists(out)))
    r = CliRunner().invoke(main_group, ["mask"] + args[:1] + [os.path.join(tmp, "bad.rio.tif")] + args[1:])
    if r.exit_code == 0:
        failures.append("%s: rio accepted it" % label)

for f in failures:
    print("FAIL:", f)
print("mask: %d rio cases, stdin, %d refusals; %d failures" % (len(CASES), len(BAD), len(failures)))
sys.exit(1 if failures else 0)
