"""Compares `rastio convert` with `rio convert` on rasters made fresh: --dtype casts (numpy's
unsafe casts: integers wrap, floats truncate, NaN and out-of-range values as numpy gives them),
--scale-ratio and --scale-offset (float64 arithmetic then the cast; a zero is ignored, as rio does),
--rgb, -o or a last positional, a PNG driver from the extension, a per-dataset mask. Both outputs
must have the same pixels, dtype, size, CRS, transform, nodata, color interpretation and masks
(rio also copies the input's block layout and compression; rastio's GDAL copy does not). Bad
input is one error line, a non-zero exit and no output.

Usage: /usr/bin/python3 convert_rio.py RASTIO_TOOL      (exit 77: skipped)
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
tmp = tempfile.mkdtemp(prefix="rastio-convert-rio-")
rng = np.random.default_rng(5)
W, H = 33, 21


def make(name, data, nodata=None, mask=False):
    path = os.path.join(tmp, name)
    with rasterio.open(path, "w", driver="GTiff", width=W, height=H, count=data.shape[0], dtype=data.dtype.name,
                       nodata=nodata, crs="EPSG:32618", transform=from_origin(300000, 4500000, 30, 30)) as ds:
        ds.write(data)
        if mask:
            m = np.full((H, W), 255, "uint8")
            m[5:15, 10:20] = 0
            ds.write_mask(m)
    return path


# Values where numpy's casts and GDAL's differ: out of range, negative, fractional, NaN, infinite.
odd = np.array([300.7, -1.5, np.nan, 1e10, -1e10, 255.9, -129.5, 70000.2, -70000.2, 3e9, -3e9, np.inf, -np.inf,
                0.5, -0.5, 65535.9, 32767.5, -32768.7, 2147483647.0, -2147483648.0])
wild = make("wild.tif", np.resize(odd, (2, H, W)).astype("float64"))
wild32 = make("wild32.tif", np.resize(odd, (1, H, W)).astype("float32"))
# In uint32's range (numpy's float -> uint32 cast is undefined outside it and differs by position).
tame = make("tame.tif", (rng.random((1, H, W)) * 4e9).astype("float64"))
u16 = make("u16.tif", (rng.random((2, H, W)) * 65535).astype("uint16"), nodata=0)
i16 = make("i16.tif", (rng.random((1, H, W)) * 60000 - 30000).astype("int16"))
rgb = make("rgb.tif", (rng.random((3, H, W)) * 255).astype("uint8"))
masked = make("masked.tif", (rng.random((1, H, W)) * 255).astype("uint8"), mask=True)
nan_nodata = make("nan_nodata.tif", (rng.random((1, H, W)) * 255).astype("float32"), nodata=float("nan"))

CASES = [
    ("plain", rgb, "tif", []),
    ("uint16 to uint8 wraps", u16, "tif", ["--dtype", "uint8"]),
    ("ratio", u16, "tif", ["--dtype", "uint8", "--scale-ratio", "0.0625"]),
    ("offset", rgb, "tif", ["--scale-offset", "100"]),
    ("ratio and offset", i16, "tif", ["--dtype", "int16", "--scale-ratio", "1.7", "--scale-offset", "-20.5"]),
    ("ratio zero ignored", rgb, "tif", ["--scale-ratio", "0"]),
    ("offset zero ignored", u16, "tif", ["--dtype", "int16", "--scale-offset", "0"]),
    ("negative ratio", u16, "tif", ["--dtype", "int32", "--scale-ratio", "-3.25"]),
    ("int16 to uint32", i16, "tif", ["--dtype", "uint32"]),
    ("int16 to uint16", i16, "tif", ["--dtype", "uint16"]),
]
for dt in ("uint8", "uint16", "int16", "int32", "float32"):
    CASES.append(("float64 to %s" % dt, wild, "tif", ["--dtype", dt]))
    CASES.append(("float32 to %s scaled" % dt, wild32, "tif", ["--dtype", dt, "--scale-ratio", "1.5", "--scale-offset", "3"]))
CASES += [
    ("float64 to uint32", tame, "tif", ["--dtype", "uint32", "--scale-ratio", "0.999"]),
    ("rgb", rgb, "tif", ["--rgb"]),
    ("co", rgb, "tif", ["--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
    ("png", rgb, "png", []),
    ("png scaled", u16, "png", ["--dtype", "uint8", "--scale-ratio", "0.004"]),
    ("mask", masked, "tif", ["--scale-ratio", "0.5"]),
    ("nan nodata", nan_nodata, "tif", ["--dtype", "float64", "--scale-ratio", "2"]),
]


def same(label, out_r, out_p):
    with rasterio.open(out_r) as x, rasterio.open(out_p) as y:
        for key in ("driver", "dtype", "count", "width", "height", "crs", "transform", "nodata"):
            a, b = x.profile.get(key), y.profile.get(key)
            if a != b and not (key == "nodata" and a is not None and b is not None and np.isnan(a) and np.isnan(b)):
                failures.append("%s: %s differs: %r vs %r" % (label, key, x.profile.get(key), y.profile.get(key)))
        a, b = x.read(), y.read()
        if not np.array_equal(a, b, equal_nan=True):
            where = np.argwhere(~((a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b))[0]
            failures.append("%s: pixels differ, first at %r: %r vs %r" % (label, tuple(where), a[tuple(where)], b[tuple(where)]))
        if x.colorinterp != y.colorinterp:
            failures.append("%s: colorinterp differs: %r vs %r" % (label, x.colorinterp, y.colorinterp))
        if not np.array_equal(x.read_masks(), y.read_masks()):
            failures.append("%s: masks differ" % label)


for label, src, ext, opts in CASES:
    name = label.replace(" ", "_")
    out_r, out_p = os.path.join(tmp, name + ".rastio." + ext), os.path.join(tmp, name + ".rio." + ext)
    p = subprocess.run([tool, "convert", src, "-o", out_r] + opts, capture_output=True, text=True)
    r = CliRunner().invoke(main_group, ["convert", src, "-o", out_p] + opts)
    if p.returncode != 0 or r.exit_code != 0:
        failures.append("%s: failed: rastio %r, rio %r %r" % (label, p.stderr.strip(), r.output, r.exception))
        continue
    same(label, out_r, out_p)

# A last positional as OUTPUT.
out = os.path.join(tmp, "pos.tif")
p = subprocess.run([tool, "convert", u16, out, "--dtype", "uint8", "--scale-ratio", "0.0625"], capture_output=True, text=True)
if p.returncode != 0:
    failures.append("positional output: %r" % p.stderr)
else:
    same("positional", out, os.path.join(tmp, "ratio.rio.tif"))

BAD = [
    ("bad ratio", [rgb, "--scale-ratio", "x"]),
    ("bad dtype", [rgb, "--dtype", "uint7"]),
    ("missing input", [os.path.join(tmp, "no-such.tif")]),
    ("two inputs", [rgb, u16]),
    ("nodata beyond the dtype", [nan_nodata, "--dtype", "uint8"]),
]
r = CliRunner().invoke(main_group, ["convert", nan_nodata, "-o", os.path.join(tmp, "nan.rio.tif"), "--dtype", "uint8"])
if r.exit_code == 0:
    failures.append("rio convert accepted a NaN nodata for uint8: the refusal case is wrong")
for label, args in BAD:
    bad = os.path.join(tmp, "bad.tif")
    p = subprocess.run([tool, "convert"] + args + ["-o", bad], capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or os.path.exists(bad):
        failures.append("%s: want one error line and no output; got %d %r" % (label, p.returncode, p.stderr))
before = open(out, "rb").read() if os.path.exists(out) else b"(no file)"
p = subprocess.run([tool, "convert", rgb, out], capture_output=True, text=True)
if p.returncode == 0 or len(p.stderr.strip().splitlines()) != 1 or (open(out, "rb").read() if os.path.exists(out) else b"(no file)") != before:
    failures.append("existing output: want one error line and the file unchanged; got %d %r" % (p.returncode, p.stderr))
leftovers = [f for f in os.listdir(tmp) if f.startswith(".")]
if leftovers:
    failures.append("temp files left behind: %r" % leftovers)
for f in failures:
    print("FAIL:", f)
print("convert: %d rio cases, %d refusals; %d failures" % (len(CASES) + 1, len(BAD) + 1, len(failures)))
sys.exit(1 if failures else 0)
