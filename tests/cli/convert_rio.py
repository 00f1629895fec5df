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

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_rasters, finish, keeps_existing, rastio, refuses, rio_refuses, run_both, start

import numpy as np
import rasterio
from rasterio.transform import from_origin

tool, failures, tmp, rng = start("convert", seed=5)
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
    """Pixels, dtype, size, CRS, transform, nodata, color interpretation and masks (the block layout
    and compression may differ)."""
    compare_rasters(label, out_r, out_p, failures, keys=("driver", "dtype", "count", "width", "height", "crs",
                                                          "transform", "nodata"), masks=True, attrs=("colorinterp",))


for label, src, ext, opts in CASES:
    name = label.replace(" ", "_")
    out_r, out_p = os.path.join(tmp, name + ".rastio." + ext), os.path.join(tmp, name + ".rio." + ext)
    if run_both(tool, ["convert", src, "-o", out_r] + opts, ["convert", src, "-o", out_p] + opts, failures, label):
        same(label, out_r, out_p)

# A last positional as OUTPUT.
out = os.path.join(tmp, "pos.tif")
p = rastio(tool, ["convert", u16, out, "--dtype", "uint8", "--scale-ratio", "0.0625"])
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
rio_refuses(["convert", nan_nodata, "-o", os.path.join(tmp, "nan.rio.tif"), "--dtype", "uint8"], failures,
            "NaN nodata for uint8")
for label, args in BAD:
    bad = os.path.join(tmp, "bad.tif")
    refuses(tool, ["convert"] + args + ["-o", bad], failures, label, output=bad)
keeps_existing(tool, ["convert", rgb, out], out, failures)
leftovers = [f for f in os.listdir(tmp) if f.startswith(".")]
if leftovers:
    failures.append("temp files left behind: %r" % leftovers)
finish(failures, "convert: %d rio cases, %d refusals" % (len(CASES) + 1, len(BAD) + 1))
