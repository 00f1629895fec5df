"""Compares `rastio shapes` with `rio shapes` on rasters made fresh (random classified bands, a
nodata value, several bands, float32, a per-dataset mask): the default (a sequence of features
in longitude/latitude), --projected, --collection, --indent, --compact, --precision, --bidx,
--mask, --as-mask, --with-nodata, --sampling, --rs, --bbox, -o. The GeoJSON must be equal, floats
within 1e-9 (how many outputs are also byte-identical is printed). Bad input (not a raster, a band
out of range, a dtype rasterio refuses) is one error line, a non-zero exit and no -o file.

Usage: /usr/bin/python3 shapes_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import finish, json_diff, json_texts, rastio, refuses, run_both, start

import numpy as np
import rasterio
from rasterio.transform import Affine, from_origin

tool, failures, tmp, rng = start("shapes")


def classified(count, h, w, classes, cell=5):
    coarse = rng.integers(0, classes, size=(count, h // cell + 2, w // cell + 2))
    img = np.kron(coarse, np.ones((1, cell, cell), dtype=int))[:, :h, :w]
    flip = rng.random((count, h, w)) < 0.05
    img[flip] = rng.integers(0, classes, size=int(flip.sum()))
    return img


def make(name, count, dtype, nodata, crs="EPSG:32633", transform=from_origin(500000, 5600000, 30, 30),
         h=37, w=43, dataset_mask=False):
    path = os.path.join(tmp, name)
    img = classified(count, h, w, 5)
    if np.dtype(dtype).kind == "f":
        data = (img * 0.3 + 0.1).astype(dtype)
    else:
        data = (img * 3).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=dtype, nodata=nodata,
                       crs=crs, transform=transform) as ds:
        ds.write(data)
        if dataset_mask:
            m = np.full((h, w), 255, "uint8")
            m[5:15, 10:30] = 0
            ds.write_mask(m)
    return path


u8 = make("u8.tif", 1, "uint8", 0)
i16 = make("i16.tif", 3, "int16", 6)
f32 = make("f32.tif", 1, "float32", None, crs="EPSG:3857",
           transform=Affine(1000.0, 0.0, -20037508.0 + 5000, 0.0, -1000.0, 8000000.0))
msk = make("msk.tif", 2, "uint16", None, dataset_mask=True)
f64 = make("f64.tif", 1, "float64", None)

CASES = [
    ("default", u8, []),
    ("projected", u8, ["--projected"]),
    ("collection_indent", u8, ["--collection", "--indent", "2"]),
    ("compact_projected", u8, ["--compact", "--projected"]),
    ("precision", u8, ["--precision", "4"]),
    ("precision_projected", u8, ["--precision", "2", "--projected"]),
    ("bidx2", i16, ["--bidx", "2", "--projected"]),
    ("mask_all_bands", i16, ["--mask", "--projected"]),
    ("mask_bidx", i16, ["--mask", "--bidx", "3"]),
    ("as_mask", i16, ["--as-mask", "--projected"]),
    ("as_mask_with_nodata", i16, ["--as-mask", "--with-nodata", "--projected"]),
    ("with_nodata", u8, ["--with-nodata", "--collection"]),
    ("sampling3", u8, ["--sampling", "3", "--projected"]),
    ("sampling4_mask", i16, ["--sampling", "4", "--mask"]),
    ("rs_bbox", u8, ["--rs", "--bbox", "--projected"]),
    ("float32", f32, ["--precision", "6"]),
    ("float32_collection", f32, ["--collection", "--projected"]),
    ("dataset_mask", msk, ["--projected"]),
    ("dataset_mask_as_mask", msk, ["--as-mask", "--bidx", "2"]),
]


identical = 0
for label, src, opts in CASES:
    out_r, out_p = os.path.join(tmp, label + ".rastio.json"), os.path.join(tmp, label + ".rio.json")
    if not run_both(tool, ["shapes", src, "-o", out_r] + opts, ["shapes", src, "-o", out_p] + opts, failures, label):
        continue
    got, want = open(out_r).read(), open(out_p).read()
    # Each JSON text, however laid out (one a line, or an indented collection); RS prefixes dropped.
    a, b = [v for _, v in json_texts(got)], [v for _, v in json_texts(want)]
    if len(a) != len(b) or not b:
        failures.append("%s: %d texts vs rio's %d" % (label, len(a), len(b)))
        continue
    # Numbers to 1e-9 (not relative), and an int never equal to a float.
    d = json_diff(a, b, rel_tol=0, exact_types=True)
    if d:
        failures.append("%s: %s" % (label, d))
    identical += got == want
    # stdout gives the same text as -o.
    s = rastio(tool, ["shapes", src] + opts)
    if s.stdout != got:
        failures.append("%s: stdout differs from -o" % label)

BAD = [
    ("not a raster", [os.path.join(tmp, "notraster.tif")]),
    ("band out of range", [u8, "--bidx", "4"]),
    ("float64 (rasterio refuses)", [f64]),
    ("no CRS for geographic", [os.path.join(tmp, "nocrs.tif")]),
]
with open(os.path.join(tmp, "notraster.tif"), "w") as f:
    f.write("not a raster\n")
with rasterio.open(os.path.join(tmp, "nocrs.tif"), "w", driver="GTiff", width=8, height=6, count=1, dtype="uint8") as ds:
    ds.write(np.arange(48, dtype="uint8").reshape(1, 6, 8) // 10)
for label, args in BAD:
    bad = os.path.join(tmp, "bad.json")
    refuses(tool, ["shapes"] + args + ["-o", bad], failures, label, output=bad)
finish(failures, "shapes: %d rio cases (%d byte-identical); %d bad inputs" % (len(CASES), identical, len(BAD)))
