"""Compares `rastio info` with rasterio's own `rio info` (/usr/bin/rasterio), key by key.

Runs on every file of the corpus that rio can open, and on files this script makes with
rasterio (edge cases of rio's rules: tiling, interleave, photometric, units, GCPs, dtypes...),
through a path and through stdin. Strict: the same keys, strings equal, numbers equal within
1e-12 (relative). Any difference allowed is listed in ALLOWED with its reason.

Usage: /usr/bin/python3 compare_rio.py RASTIO_TOOL CORPUS_DIR      (exit 77: skipped)
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import skip

import numpy as np
import rasterio
from rasterio.control import GroundControlPoint
from rasterio.transform import Affine

RIO = "/usr/bin/rasterio"
REL_TOL = 1e-12
ABS_TOL = 1e-12

# (file name, key) -> why rastio may differ from rio there. Keep it short and honest.
# An entry (name, key, how) with how "path" or "stdin".
ALLOWED = {
    ("RGB2.byte.tif", "mask_flags", "stdin"):
        "its mask is a sidecar file (RGB2.byte.tif.msk) beside it; stdin carries only the main file's bytes",
}

if not os.path.exists(RIO):
    skip(RIO + " not found")


def same(a, b, where, diffs):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        if a != b or type(a) is not type(b):
            diffs.append("%s: rastio %r, rio %r" % (where, a, b))
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) != isinstance(b, int):
            diffs.append("%s: rastio %r, rio %r (int vs float)" % (where, a, b))
        elif math.isnan(a) or math.isnan(b):
            if not (math.isnan(a) and math.isnan(b)):
                diffs.append("%s: rastio %r, rio %r" % (where, a, b))
        elif not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            diffs.append("%s: rastio %r, rio %r" % (where, a, b))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append("%s: rastio has %d items, rio %d" % (where, len(a), len(b)))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, "%s[%d]" % (where, i), diffs)
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                diffs.append("%s.%s: missing in rastio (rio %r)" % (where, k, b[k]))
            elif k not in b:
                diffs.append("%s.%s: only in rastio (%r)" % (where, k, a[k]))
            else:
                same(a[k], b[k], "%s.%s" % (where, k), diffs)
    else:
        diffs.append("%s: rastio %r, rio %r" % (where, a, b))


def rio_json(args):
    """rio's output for `args`, or None when rio fails. rio's own click command runs in a forked
    child (rasterio is imported once, and a crash of rio on some file only loses that child)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        code = 1
        try:
            from click.testing import CliRunner
            from rasterio.rio.main import main_group
            import warnings
            warnings.simplefilter("ignore")
            res = CliRunner(mix_stderr=False).invoke(main_group, args, catch_exceptions=True)
            if res.exit_code == 0:
                os.write(w, res.stdout_bytes)
                code = 0
        finally:
            os.close(w)
            os._exit(code)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    return json.loads(b"".join(chunks).decode())


def rastio_json(tool, args, stdin_path=None):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run([tool] + args, stdin=stdin, capture_output=True, timeout=120)
    finally:
        if stdin_path:
            stdin.close()
    if p.returncode != 0:
        raise AssertionError("rastio %s failed: %s" % (" ".join(args), p.stderr.decode(errors="replace").strip()))
    return json.loads(p.stdout)


def make_files(d):
    """Files with the features rio's rules depend on; returns their paths."""
    out = []

    def write(name, data, **profile):
        path = os.path.join(d, name)
        count, height, width = data.shape
        extra = profile.pop("extra", None)
        with rasterio.open(path, "w", width=width, height=height, count=count, dtype=data.dtype, **profile) as dst:
            dst.write(data)
            if extra:
                extra(dst)
        out.append(path)

    rng = np.random.default_rng(5)
    tr = Affine.translation(500000.0, 4200000.0) * Affine.scale(30.0, -30.0)
    # Tiled with one tile exactly as wide as the raster: is it "tiled"?
    write("tiled-exact.tif", rng.integers(0, 255, (1, 256, 256), dtype="uint8"), driver="GTiff",
          tiled=True, blockxsize=256, blockysize=256, crs="EPSG:4326",
          transform=Affine.translation(10.0, 50.0) * Affine.scale(0.001, -0.001))
    # Striped, one strip holding the whole raster: 16x16 and 32x32 count as tiled for rio, 20x20 does not.
    for n in (16, 20, 32):
        write("strip-%d.tif" % n, rng.integers(0, 255, (1, n, n), dtype="uint8"), driver="GTiff")
    write("strip-32x48.tif", rng.integers(0, 255, (1, 48, 32), dtype="uint8"), driver="GTiff", blockysize=32)
    # Band interleaved, LZW, nodata, descriptions and units.
    def describe(dst):
        dst.set_band_description(1, "elevation")
        dst.set_band_unit(1, "m")
        dst.set_band_unit(3, "ft")
    write("int16-band.tif", rng.integers(-500, 500, (3, 40, 50), dtype="int16"), driver="GTiff", interleave="band",
          compress="lzw", nodata=-9999, crs="EPSG:32633", transform=tr, extra=describe)
    # Float64, NaN nodata, rotation, no CRS.
    write("rotated-nan.tif", rng.random((1, 7, 9)), driver="GTiff", nodata=float("nan"),
          transform=Affine.translation(100, 200) * Affine.rotation(30) * Affine.scale(2, -2))
    # YCbCr JPEG, tiled: photometric and compress from the JPEG-in-TIFF rules.
    write("ycbcr.tif", rng.integers(0, 255, (3, 64, 80), dtype="uint8"), driver="GTiff", tiled=True, blockxsize=32,
          blockysize=32, compress="jpeg", photometric="ycbcr", crs="EPSG:3857", transform=tr)
    # MINISWHITE photometric, packbits, uint16.
    write("white.tif", rng.integers(0, 4000, (1, 10, 12), dtype="uint16"), driver="GTiff", photometric="miniswhite",
          compress="packbits", crs="EPSG:26911", transform=tr)
    # Small dtypes and complex.
    write("int8.tif", rng.integers(-100, 100, (1, 5, 6), dtype="int8"), driver="GTiff")
    write("complex.tif", (rng.random((2, 4, 4)) + 1j * rng.random((2, 4, 4))).astype("complex64"), driver="GTiff")
    write("uint32-zstd.tif", rng.integers(0, 2**31, (2, 9, 9), dtype="uint32"), driver="GTiff", compress="zstd",
          crs="ESRI:54009", transform=Affine.translation(0, 0) * Affine.scale(1000, -1000))
    # GCPs instead of a geotransform.
    def gcps(dst):
        pts = [GroundControlPoint(0, 0, 10.0, 50.0, 0, "a", "one"), GroundControlPoint(0, 20, 10.2, 50.0, 0, "b", "two"),
               GroundControlPoint(20, 0, 10.0, 49.8, 0, "c", "three"), GroundControlPoint(20, 20, 10.21, 49.79, 5, "d", "")]
        dst.gcps = (pts, rasterio.crs.CRS.from_epsg(4326))
    write("gcps.tif", rng.integers(0, 9, (1, 20, 20), dtype="uint8"), driver="GTiff", extra=gcps)
    # An alpha band: mask flags per_dataset + alpha.
    def alpha(dst):
        from rasterio.enums import ColorInterp
        dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    write("rgba.tif", rng.integers(0, 255, (4, 16, 16), dtype="uint8"), driver="GTiff", photometric="rgb",
          crs="EPSG:4326", transform=Affine.translation(-3, 3) * Affine.scale(0.25, -0.25), extra=alpha)
    # A non-GTiff driver.
    write("gray.png", rng.integers(0, 255, (1, 30, 20), dtype="uint8"), driver="PNG")
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tool, corpus = sys.argv[1], sys.argv[2]
    compared, skipped, failures, allowed_seen = [], [], [], []
    work = tempfile.mkdtemp(prefix="rastio-rio-")
    try:
        files = []
        if os.path.isdir(corpus):
            files += [os.path.join(corpus, f) for f in sorted(os.listdir(corpus))]
        else:
            print("note: corpus not found at %s; comparing made files only" % corpus)
        made = make_files(work)
        # A file rastio itself wrote, through a pipe.
        piped = os.path.join(work, "piped.tif")
        with open(os.path.join(work, "int16-band.tif"), "rb") as src, open(piped, "wb") as dst:
            subprocess.run([tool, "convert", "-", "-", "--driver", "GTiff", "--bands", "3,1", "--dtype", "float32",
                            "--co", "TILED=YES", "--co", "COMPRESS=DEFLATE"], stdin=src, stdout=dst, check=True)
        files += made + [piped]
        for path in files:
            name = os.path.basename(path)
            want = rio_json(["info", path])
            if want is None:
                skipped.append(name)
                continue
            runs = [("path", rastio_json(tool, ["info", path]))]
            if path.startswith(work) or name in ("RGB.byte.tif", "RGB2.byte.tif", "cogeo.tif", "float_nan.tif"):
                runs.append(("stdin", rastio_json(tool, ["info", "-"], stdin_path=path)))
            for how, got in runs:
                diffs = []
                same(got, want, name, diffs)
                for d in diffs:
                    key = d[len(name) + 1:].split(":")[0].split(".")[0].split("[")[0]
                    if (name, key, how) in ALLOWED:
                        allowed_seen.append("%s (%s): %s" % (d, how, ALLOWED[(name, key, how)]))
                    else:
                        failures.append("%s (%s)" % (d, how))
            compared.append(name)
            # rio bounds --bbox (geographic) for files with a CRS.
            if want.get("crs"):
                rio_bbox = rio_json(["bounds", "--bbox", path])
                if rio_bbox is not None:
                    diffs = []
                    same(rastio_json(tool, ["bounds", "--bbox", path]), rio_bbox, name + " bounds", diffs)
                    failures += diffs
        print("compared with rio info: %d files: %s" % (len(compared), ", ".join(compared)))
        print("rio cannot open (skipped): %s" % (", ".join(skipped) or "none"))
        print("allowed differences: %s" % ("\n  " + "\n  ".join(allowed_seen) if allowed_seen else "none"))
        if failures:
            print("DIFFERENCES:\n  " + "\n  ".join(failures))
            return 1
        if len(compared) < 10:
            print("too few files compared")
            return 1
        print("PASS: rastio info matches rio info")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
