"""Compares `rastio clip` with `rio clip` on rasters made fresh: --bounds (inside, across an edge,
fractional pixels, --geographic), --like (same CRS and another), --with-complement (with and
without nodata, where rio writes numpy's fill value), --nodata, --co, -f, -o or a last positional,
per-dataset masks and tiled inputs. Both outputs must have the same profile, pixels, masks and
georeferencing. Bad input (bounds that miss the raster, a rotated raster, no --bounds nor --like,
bad --bounds text, an existing output) is one error line, a non-zero exit and no output.

Usage: /usr/bin/python3 clip_rio.py RASTIO_TOOL      (exit 77: skipped)
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
    from rasterio.transform import Affine, from_origin
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIPPED: rasterio is not importable by %s (%s)" % (sys.executable, e))
    sys.exit(77)

tool = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="rastio-clip-rio-")
rng = np.random.default_rng(16)
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
    with rasterio.open(out_r) as x, rasterio.open(out_p) as y:
        if x.profile != y.profile:
            failures.append("%s: profile differs: %r vs %r" % (label, x.profile, y.profile))
        if not np.array_equal(x.read(), y.read(), equal_nan=True):
            failures.append("%s: pixels differ:\n%r\n%r" % (label, x.read()[0][:4], y.read()[0][:4]))
        if not np.array_equal(x.read_masks(), y.read_masks()):
            failures.append("%s: masks differ" % label)
        if x.mask_flag_enums != y.mask_flag_enums:
            failures.append("%s: mask flags differ: %r vs %r" % (label, x.mask_flag_enums, y.mask_flag_enums))
        if x.colorinterp != y.colorinterp:
            failures.append("%s: colorinterp differs: %r vs %r" % (label, x.colorinterp, y.colorinterp))
    if os.path.exists(out_r + ".msk") != os.path.exists(out_p + ".msk"):
        failures.append("%s: a .msk beside one output only" % label)


for label, src, opts in CASES:
    out_r, out_p = os.path.join(tmp, label + ".rastio.tif"), os.path.join(tmp, label + ".rio.tif")
    p = subprocess.run([tool, "clip", src, "-o", out_r] + opts, capture_output=True, text=True)
    r = CliRunner().invoke(main_group, ["clip", src, "-o", out_p] + opts)
    if p.returncode != 0 or r.exit_code != 0:
        failures.append("%s: failed: rastio %r, rio %r %r" % (label, p.stderr.strip(), r.output, r.exception))
        continue
    same(label, out_r, out_p)

# A last positional as OUTPUT.
out = os.path.join(tmp, "pos.tif")
p = subprocess.run([tool, "clip", plain, out, "--bounds", "500023 5599747 500187 5599911"], capture_output=True, text=True)
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
    p = subprocess.run([tool, "clip"] + args + ["-o", bad], capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    r = CliRunner().invoke(main_group, ["clip"] + args + ["-o", os.path.join(tmp, "bad.rio.tif")])
    if r.exit_code == 0 and label != "touching":
        failures.append("%s: rio accepted it; the case is wrong" % label)
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or os.path.exists(bad):
        failures.append("%s: want one error line and no output; got %d %r" % (label, p.returncode, p.stderr))
# An existing output is kept without --overwrite.
before = open(out, "rb").read() if os.path.exists(out) else b"(no file)"
p = subprocess.run([tool, "clip", plain, out, "--bounds", "500000 5599700 500400 5600000"], capture_output=True, text=True)
if p.returncode == 0 or len(p.stderr.strip().splitlines()) != 1 or (open(out, "rb").read() if os.path.exists(out) else b"(no file)") != before:
    failures.append("existing output: want one error line and the file unchanged; got %d %r" % (p.returncode, p.stderr))
leftovers = [f for f in os.listdir(tmp) if f.startswith(".")]
if leftovers:
    failures.append("temp files left behind: %r" % leftovers)
for f in failures:
    print("FAIL:", f)
print("clip: %d rio cases, %d refusals; %d failures" % (len(CASES) + 1, len(BAD) + 1, len(failures)))
sys.exit(1 if failures else 0)
