"""Compares `rastio clip` with `rio clip` on rasters made fresh: --bounds (inside, across an edge,
fractional pixels, --geographic), --like (same CRS and another), --with-complement (with and
without nodata, where rio writes numpy's fill value), --nodata, --co, -f, -o or a last positional,
per-dataset masks and tiled inputs. Both outputs must have the same profile, pixels, masks and
georeferencing. Bad input (bounds that miss the raster, a rotated raster, no --bounds nor --like,
bad --bounds text, an existing output) is one error line, a non-zero exit and no output.

Usage: /usr/bin/python3 clip_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_rasters, finish, keeps_existing, rastio, refuses, rio_refuses, run_both, start

import numpy as np
import rasterio
from rasterio.transform import Affine, from_origin

tool, failures, tmp, rng = start("clip", seed=16)
W, H = 40, 30


def make(name, count=2, dtype="uint8", nodata=None, mask=False, crs="EPSG:32633", transform=None, **kw):
    path = os.path.join(tmp, name)
    transform = transform or from_origin(500000, 5600000, 10, 10)
    with rasterio.open(path, "w", driver="GTiff", width=W, height=H, count=count, dtype=dtype, nodata=nodata,
                       crs=crs, transform=transform, **kw) as ds:
        data = rng.random((count, H, W)) * 200 - (50 if dtype.startswith(("int", "float")) else 0)
        data = data.astype(dtype)
        if nodata is not None:
            data[:, 3:6, 4:9] = nodata
        ds.write(data)
        if mask:
            m = np.full((H, W), 255, "uint8")
            m[10:20, 12:30] = 0
            ds.write_mask(m)
    return path


plain = make("plain.tif")
nod = make("nodata.tif", nodata=7)
f32 = make("f32.tif", count=1, dtype="float32")
i16 = make("i16.tif", count=3, dtype="int16", nodata=-9)
masked = make("masked.tif", mask=True)
tiled = make("tiled.tif", tiled=True, blockxsize=16, blockysize=16, compress="deflate")
# Partial alpha: rio writes the alpha band's values (1..254 too) as the output's .msk mask.
alpha = make("alpha.tif", count=4, photometric="RGB", alpha="YES")
with rasterio.open(alpha, "r+") as ds:
    ds.write((rng.random((H, W)) * 255).astype("uint8"), 4)
rotated = make("rotated.tif", transform=Affine(10, 2, 500000, 2, -10, 5600000))
# Templates for --like: one in the same CRS, one in longitude/latitude.
with rasterio.open(os.path.join(tmp, "like.tif"), "w", driver="GTiff", width=5, height=4, count=1, dtype="uint8",
                   crs="EPSG:32633", transform=from_origin(500055, 5599875, 20, 20)) as ds:
    ds.write(np.zeros((1, 4, 5), "uint8"))
like, like4326 = os.path.join(tmp, "like.tif"), os.path.join(tmp, "like4326.tif")
# Longitude/latitude bounds inside plain.tif's extent (UTM 33N near 15E, 50.5N).
with rasterio.open(plain) as ds:
    from rasterio.warp import transform_bounds
    lon0, lat0, lon1, lat1 = transform_bounds(ds.crs, "EPSG:4326", 500060, 5599780, 500260, 5599950)

# A longitude/latitude template over part of plain.tif.
with rasterio.open(os.path.join(tmp, "like4326.tif"), "w", driver="GTiff", width=5, height=5, count=1, dtype="uint8",
                   crs="EPSG:4326", transform=from_origin(lon0, lat1, 0.0004, 0.0004)) as ds:
    ds.write(np.zeros((1, 5, 5), "uint8"))
CASES = [
    ("inside", plain, ["--bounds", "500023 5599747 500187 5599911"]),
    ("json bounds", plain, ["--bounds", "[500023, 5599747, 500187, 5599911]"]),
    ("fractional", nod, ["--bounds", "500004.99 5599800.004 500145.02 5599955.5"]),
    ("across edge", nod, ["--bounds", "499950 5599700 500100 5600080"]),
    ("complement nodata", nod, ["--bounds", "499950 5599700 500100 5600080", "--with-complement"]),
    ("complement no nodata", plain, ["--bounds", "499950 5599700 500100 5600080", "--with-complement"]),
    ("complement float32", f32, ["--bounds", "500350 5599650 500480 5599760", "--with-complement"]),
    ("complement int16 nodata 0", i16, ["--bounds", "499980 5599650 500480 5600020", "--with-complement", "--nodata", "0"]),
    ("without complement", nod, ["--bounds", "499950 5599700 500100 5600080", "--without-complement"]),
    ("nodata", plain, ["--bounds", "500023 5599747 500187 5599911", "--nodata", "5"]),
    ("nodata none", nod, ["--bounds", "500023 5599747 500187 5599911", "--nodata", "none"]),
    ("geographic", plain, ["--bounds", "%r %r %r %r" % (lon0, lat0, lon1, lat1), "--geographic"]),
    ("projected", plain, ["--bounds", "500023 5599747 500187 5599911", "--projected"]),
    ("like", nod, ["--like", like]),
    ("like 4326", plain, ["--like", like4326]),
    ("co", plain, ["--bounds", "500023 5599747 500187 5599911", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
    ("driver", plain, ["--bounds", "500023 5599747 500187 5599911", "-f", "GTiff"]),
    ("per-dataset mask", masked, ["--bounds", "500050 5599750 500350 5599950"]),
    ("mask complement", masked, ["--bounds", "500050 5599750 500450 5600050", "--with-complement"]),
    ("alpha", alpha, ["--bounds", "500050 5599750 500350 5599950"]),
    ("alpha complement", alpha, ["--bounds", "500050 5599750 500450 5600050", "--with-complement"]),
    ("tiled small", tiled, ["--bounds", "500023 5599847 500087 5599911"]),
    ("tiled big", tiled, ["--bounds", "500000 5599700 500400 5600000"]),
]


def same(label, out_r, out_p):
    """The whole profile, pixels, masks, mask flags and color interpretation, and a .msk beside both or neither."""
    compare_rasters(label, out_r, out_p, failures, masks=True, attrs=("mask_flag_enums", "colorinterp"))
    if os.path.exists(out_r + ".msk") != os.path.exists(out_p + ".msk"):
        failures.append("%s: a .msk beside one output only" % label)


for label, src, opts in CASES:
    out_r, out_p = os.path.join(tmp, label + ".rastio.tif"), os.path.join(tmp, label + ".rio.tif")
    if run_both(tool, ["clip", src, "-o", out_r] + opts, ["clip", src, "-o", out_p] + opts, failures, label):
        same(label, out_r, out_p)

# A last positional as OUTPUT.
out = os.path.join(tmp, "pos.tif")
p = rastio(tool, ["clip", plain, out, "--bounds", "500023 5599747 500187 5599911"])
if p.returncode != 0 or not os.path.exists(out):
    failures.append("positional output: %r" % p.stderr)
else:
    same("positional", out, os.path.join(tmp, "inside.rio.tif"))

BAD = [
    ("disjoint", [plain, "--bounds", "600000 5599747 600187 5599911"]),
    ("touching", [plain, "--bounds", "500400 5599747 500500 5599911"]),
    ("rotated", [rotated, "--bounds", "500023 5599747 500187 5599911"]),
    ("no bounds", [plain]),
    ("bad bounds", [plain, "--bounds", "1 2 3"]),
    ("inverted", [plain, "--bounds", "500187 5599747 500023 5599911"]),
    ("like disjoint", [plain, "--like", os.path.join(tmp, "elsewhere.tif")]),
]
with rasterio.open(os.path.join(tmp, "elsewhere.tif"), "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
                   crs="EPSG:32633", transform=from_origin(700000, 5600000, 10, 10)) as ds:
    ds.write(np.zeros((1, 2, 2), "uint8"))
for label, args in BAD:
    bad = os.path.join(tmp, "bad.tif")
    if label != "touching":  # rio fails there with a WindowError traceback, not a refusal
        rio_refuses(["clip"] + args + ["-o", os.path.join(tmp, "bad.rio.tif")], failures, label)
    refuses(tool, ["clip"] + args + ["-o", bad], failures, label, output=bad)
# An existing output is kept without --overwrite.
keeps_existing(tool, ["clip", plain, out, "--bounds", "500000 5599700 500400 5600000"], out, failures)
leftovers = [f for f in os.listdir(tmp) if f.startswith(".")]
if leftovers:
    failures.append("temp files left behind: %r" % leftovers)
finish(failures, "clip: %d rio cases, %d refusals" % (len(CASES) + 1, len(BAD) + 1))
