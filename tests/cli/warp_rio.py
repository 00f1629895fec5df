"""Compares `rastio warp` with rasterio's own `rio warp` (run in-process), option set by option set.

Each case runs both tools on the same input with the same options, then opens both outputs with
rasterio: the same profile (driver, dtype, size, count, nodata, creation options such as tiling
and compression), the same CRS, transforms equal within 1e-9 of a pixel, and pixels identical
(NaN equal to NaN) unless the case says otherwise and why.

Usage: /usr/bin/python3 warp_rio.py RASTIO_TOOL CORPUS_DIR [CASE...]      (exit 77: skipped)
"""
import os
import shutil
import subprocess
import sys
import tempfile

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import skip

import numpy as np
import rasterio
from rasterio.rio.main import main_group
from rasterio.transform import Affine

RESAMPLINGS = ["nearest", "bilinear", "cubic", "cubic_spline", "lanczos", "average", "mode", "max", "min", "med",
               "q1", "q3", "sum", "rms"]

# name -> (input: a corpus file name or "@made" for files this script makes, options)
CASES = {
    "dst_crs": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326"]),
    "dst_crs_proj4": ("RGB.byte.tif", ["--dst-crs", "+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs"]),
    "res": ("RGB.byte.tif", ["--dst-crs", "EPSG:3857", "--res", "500"]),
    "res_xy": ("RGB.byte.tif", ["--dst-crs", "EPSG:3857", "--res", "400", "--res", "650"]),
    "res_same_crs": ("RGB.byte.tif", ["--res", "600"]),
    "same_crs_defaults_rotated": ("@rotated.tif", []),
    "dimensions": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--dimensions", "300", "200"]),
    "dimensions_same_crs": ("RGB.byte.tif", ["--dimensions", "400", "300"]),
    "dst_bounds": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--dst-bounds", "-78", "23", "-76.5", "25", "--res", "0.01"]),
    "bounds_alias": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--bounds", "-78", "23", "-76.5", "25", "--res", "0.01"]),
    "src_bounds": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--src-bounds", "150000", "2650000", "300000", "2800000",
                                    "--res", "0.005"]),
    "dst_bounds_same_crs": ("RGB.byte.tif", ["--dst-bounds", "150000", "2650000", "300000", "2800000"]),
    "like": ("RGB.byte.tif", ["--like", "@template"]),
    "target_aligned_pixels": ("RGB.byte.tif", ["--dst-crs", "EPSG:3857", "--res", "1000", "--target-aligned-pixels"]),
    "dst_nodata": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--dst-nodata", "255"]),
    "src_dst_nodata_float": ("@float_nan.tif", ["--dst-crs", "EPSG:4326", "--src-nodata", "-1", "--dst-nodata", "-9999",
                                                "--resampling", "bilinear"]),
    "nan_nodata_float": ("@float_nan.tif", ["--dst-crs", "EPSG:3857", "--resampling", "cubic"]),
    "int16_src_nodata": ("@int16.tif", ["--dst-crs", "EPSG:32631", "--src-nodata", "7", "--resampling", "average"]),
    "nodata_255_bilinear": ("shade.tif", ["--dst-crs", "EPSG:32613", "--resampling", "bilinear"]),
    "threads": ("RGB.byte.tif", ["--dst-crs", "EPSG:3857", "--resampling", "bilinear", "--threads", "2"]),
    "creation_options": ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--co", "COMPRESS=DEFLATE", "--co", "TILED=YES"]),
    "creation_options_blocks": ("@int16.tif", ["--dst-crs", "EPSG:3857", "--co", "blockxsize=32", "--co", "blockysize=48",
                                               "--co", "compress=none"]),
    "creation_options_strips": ("@int16.tif", ["--dst-crs", "EPSG:3857", "--co", "tiled=no", "--co", "blockysize=8"]),
    "driver_png": ("shade.tif", ["--dst-crs", "EPSG:4326", "-f", "PNG"]),
    "antimeridian": ("alpha.tif", ["--dst-crs", "EPSG:4326"]),
    "world_to_mercator": ("world.byte.tif", ["--dst-crs", "EPSG:3857", "--res", "20000"]),
    "polar": ("world.byte.tif", ["--dst-crs", "EPSG:3413", "--dst-bounds", "-3000000", "-3000000", "3000000",
                                 "3000000", "--res", "25000"]),
    "gcps": ("RGB.byte.gcp.vrt", ["--dst-crs", "EPSG:32618"]),
}
for r in RESAMPLINGS:
    CASES["resampling_" + r] = ("RGB.byte.tif", ["--dst-crs", "EPSG:4326", "--resampling", r])


def make_inputs(work):
    """Small rasters with nodata, NaN and other dtypes, made with rasterio."""
    rng = np.random.default_rng(13)
    f = rng.normal(100, 30, (2, 60, 80)).astype("float32")
    f[:, 10:20, 10:30] = np.nan
    f[:, 40:45, :] = -1
    profile = dict(driver="GTiff", width=80, height=60, count=2, dtype="float32", nodata=float("nan"),
                   crs="EPSG:32633", transform=Affine(250.0, 0, 430000.0, 0, -250.0, 4650000.0))
    with rasterio.open(os.path.join(work, "float_nan.tif"), "w", **profile) as ds:
        ds.write(f)
    i = rng.integers(-500, 500, (1, 50, 70)).astype("int16")
    i[0, 5:15, 5:15] = 7
    profile = dict(driver="GTiff", width=70, height=50, count=1, dtype="int16", crs="EPSG:4326",
                   transform=Affine(0.01, 0, 2.5, 0, -0.01, 48.8), tiled=True, blockxsize=16, blockysize=16)
    with rasterio.open(os.path.join(work, "int16.tif"), "w", **profile) as ds:
        ds.write(i)
    # A rotated grid with a CRS: rio's default same-CRS rule (square pixels over the bounds).
    profile = dict(driver="GTiff", width=40, height=30, count=1, dtype="uint8", crs="EPSG:32633",
                   transform=Affine.translation(500000, 4200000) * Affine.rotation(20) * Affine.scale(30, -30))
    with rasterio.open(os.path.join(work, "rotated.tif"), "w", **profile) as ds:
        ds.write(rng.integers(0, 255, (1, 30, 40)).astype("uint8"))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def run_rio(args):
    """`rio ARGS` in this process (rasterio imported once: the cases stay quick)."""
    try:
        main_group.main(args=list(args), prog_name="rio", standalone_mode=False)
        return 0, ""
    except SystemExit as e:
        return (e.code or 0), ""
    except Exception as e:  # click's usage errors and rasterio's errors alike
        return 1, "%s: %s" % (type(e).__name__, e)


def compare(a_path, b_path):
    """Differences between rastio's output (a) and rio's (b), as sentences."""
    diffs = []
    with rasterio.open(a_path) as a, rasterio.open(b_path) as b:
        pa, pb = dict(a.profile), dict(b.profile)
        for key in sorted(set(pa) | set(pb)):
            va, vb = pa.get(key), pb.get(key)
            if key == "transform":
                scale = max(abs(vb.a), abs(vb.e), 1e-300)
                if any(abs(x - y) > 1e-9 * scale for x, y in zip(va, vb)):
                    diffs.append("transform: rastio %r, rio %r" % (tuple(va), tuple(vb)))
            elif key == "nodata" and va is not None and vb is not None and np.isnan(va) and np.isnan(vb):
                continue
            elif va != vb:
                diffs.append("%s: rastio %r, rio %r" % (key, va, vb))
        if diffs:
            return diffs
        xa, xb = a.read(), b.read()
        if not np.array_equal(xa, xb, equal_nan=np.issubdtype(xa.dtype, np.floating)):
            d = np.abs(xa.astype("float64") - xb.astype("float64"))
            both_nan = np.isnan(xa.astype("float64")) & np.isnan(xb.astype("float64"))
            d[both_nan] = 0
            diffs.append("pixels: %d of %d differ, largest difference %r"
                         % (int(np.count_nonzero(d)), d.size, float(np.nanmax(np.where(np.isnan(d), np.inf, d)))))
        if not np.array_equal(a.read_masks(), b.read_masks()):
            diffs.append("masks differ")
    return diffs


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    tool, corpus = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:] or list(CASES) + ["stdin_stdout"]
    unknown = [w for w in wanted if w not in CASES and w != "stdin_stdout"]
    if unknown:
        raise SystemExit("unknown cases: " + ", ".join(unknown))
    if not os.path.exists(os.path.join(corpus, "RGB.byte.tif")):
        skip("corpus not found at " + corpus)
    work = tempfile.mkdtemp(prefix="rastio-warp-rio-")
    failures = []
    try:
        make_inputs(work)
        template = os.path.join(work, "template.tif")
        code, err = run_rio(["warp", os.path.join(corpus, "RGB.byte.tif"), template, "--dst-crs", "EPSG:3857",
                         "--res", "700"])
        if code != 0:
            raise SystemExit("rio warp could not make the template: " + err)
        for name in [w for w in wanted if w in CASES]:
            src, opts = CASES[name]
            src = os.path.join(work, src[1:]) if src.startswith("@") else os.path.join(corpus, src)
            opts = [template if o == "@template" else o for o in opts]
            ext = ".png" if "PNG" in opts else ".tif"
            ours, theirs = os.path.join(work, name + ".rastio" + ext), os.path.join(work, name + ".rio" + ext)
            code_b, err_b = run_rio(["warp", src, theirs] + opts)
            code_a, err_a = run([tool, "warp", src, ours] + opts)
            if code_b != 0:
                failures.append("%s: rio warp failed (%s), so the case proves nothing" % (name, err_b))
                continue
            # GDAL's warnings (e.g. creation options PNG ignores, which rio logs too) are allowed,
            # as `rastio: warning:` lines; anything else on stderr is a failure.
            noise = [l for l in err_a.splitlines() if not l.startswith("rastio: warning: ")]
            if code_a != 0 or noise:
                failures.append("%s: rastio warp exited %d: %s" % (name, code_a, err_a))
                continue
            diffs = compare(ours, theirs)
            print("%-28s %s" % (name, "same" if not diffs else "DIFFERENT"))
            failures += ["%s: %s" % (name, d) for d in diffs]
        if "stdin_stdout" in wanted:
            # Bytes in, bytes out: the same file as rio's from a path.
            src = os.path.join(corpus, "RGB.byte.tif")
            theirs, ours = os.path.join(work, "pipe.rio.tif"), os.path.join(work, "pipe.rastio.tif")
            run_rio(["warp", src, theirs, "--dst-crs", "EPSG:3857", "--resampling", "bilinear"])
            with open(src, "rb") as fin, open(ours, "wb") as fout:
                p = subprocess.run([tool, "warp", "-", "-", "--driver", "GTiff", "--dst-crs", "EPSG:3857",
                                    "--resampling", "bilinear"], stdin=fin, stdout=fout, stderr=subprocess.PIPE)
            if p.returncode != 0:
                failures.append("stdin_stdout: rastio exited %d: %s" % (p.returncode, p.stderr.decode().strip()))
            else:
                diffs = compare(ours, theirs)
                print("%-28s %s" % ("stdin_stdout", "same" if not diffs else "DIFFERENT"))
                failures += ["stdin_stdout: " + d for d in diffs]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    if failures:
        sys.exit(1)
    print("all %d cases match rio warp" % len(wanted))


if __name__ == "__main__":
    main()
