#!/usr/bin/python3
"""Writes rasterio 1.3's shapes and sieve answers for rastio's shapes parity test.

Usage: rasterio_shapes_expect.py OUT_DIR

Makes fresh random classified rasters (blobs of a few classes, with speckle so that regions have
holes and touch at corners) in uint8, uint16, int16, int32 and float32, and records what
rasterio.features.shapes gives for them: both connectivities, no transform, a north-up and a
rotated transform, uint8 masks (0/1 and 0/other values), a masked array, a GeoTIFF band as the
source (its own transform) with a band as the mask. Then rasterio.features.sieve for several sizes,
connectivities and masks, and the dtypes rasterio refuses. Arrays go to OUT_DIR/<n>.bin (C order,
native dtype), rasters to OUT_DIR/<n>.tif, answers to OUT_DIR/cases.json. When rasterio cannot
be imported, OUT_DIR/SKIP holds the reason and the script exits 0.
"""
import json
import os
import sys
import warnings

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
try:
    import numpy as np
    import rasterio
    from rasterio import features
    from rasterio.transform import Affine
except Exception as e:  # noqa: BLE001 - any import failure means no peer
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("rasterio is not importable by %s: %s" % (sys.executable, e))
    sys.exit(0)

warnings.simplefilter("ignore")
seed = int.from_bytes(os.urandom(4), "little")
rng = np.random.default_rng(seed)
cases = []
counter = [0]


def save(arr):
    counter[0] += 1
    name = "%d.bin" % counter[0]
    np.ascontiguousarray(arr).tofile(os.path.join(out, name))
    return name


def classified(h, w, dtype, classes=4, cell=6, speckle=0.08):
    """Blobs of `classes` values (cells of `cell` pixels, jittered), with speckle."""
    coarse = rng.integers(0, classes, size=(h // cell + 2, w // cell + 2))
    img = np.kron(coarse, np.ones((cell, cell), dtype=int))
    oy, ox = rng.integers(0, cell, size=2)
    img = img[oy:oy + h, ox:ox + w]
    flip = rng.random((h, w)) < speckle
    img[flip] = rng.integers(0, classes, size=int(flip.sum()))
    kind = np.dtype(dtype).kind
    if kind == "f":
        return (img.astype("float64") * 0.1 + 0.05).astype(dtype)
    values = {"uint8": [0, 7, 200, 255], "uint16": [0, 300, 65535, 12], "int16": [-32768, -5, 0, 32767],
              "int32": [-2147483648, 2147483647, 0, 99999]}[np.dtype(dtype).name]
    lut = np.array(values * ((classes + 3) // 4))[:classes]
    return lut[img].astype(dtype)


def affine(t):
    return [t.a, t.b, t.c, t.d, t.e, t.f]


def shape_list(gen):
    return [[g, v] for g, v in gen]


TRANSFORMS = {
    "identity": Affine.identity(),
    "northup": Affine(30.0, 0.0, 101985.0, 0.0, -30.0, 2826915.0),
    "rotated": Affine(0.5, 0.25, -12.125, -0.2, 0.75, 33.3),
}

# Arrays: every valid dtype, both connectivities, three transforms, masks.
for dtype in ("uint8", "uint16", "int16", "int32", "float32"):
    for conn in (4, 8):
        for tname, t in TRANSFORMS.items():
            h, w = int(rng.integers(20, 45)), int(rng.integers(20, 45))
            img = classified(h, w, dtype)
            c = {"name": "%s_c%d_%s" % (dtype, conn, tname), "kind": "shapes", "dtype": dtype, "shape": [1, h, w],
                 "bin": save(img), "connectivity": conn, "transform": affine(t)}
            mask = None
            if tname != "identity":
                # A uint8 mask: 0 leaves out, any other value keeps (1 and 9 here).
                mask = np.where(rng.random((h, w)) < 0.2, 0, 1 if tname == "northup" else 9).astype("uint8")
                mask[: h // 3, : w // 3] = 0
                c["mask_bin"] = save(mask)
            c["expect"] = shape_list(features.shapes(img, mask=mask, connectivity=conn, transform=t))
            cases.append(c)

# A masked array: its mask (inverted, rasterio's rule) chooses the pixels.
for dtype in ("uint8", "float32"):
    h, w = 30, 33
    img = classified(h, w, dtype)
    invalid = rng.random((h, w)) < 0.25
    c = {"name": "masked_array_" + dtype, "kind": "shapes_masked", "dtype": dtype, "shape": [1, h, w],
         "bin": save(img), "mask_bin": save(np.where(invalid, 0, 255).astype("uint8")), "connectivity": 4,
         "transform": affine(TRANSFORMS["northup"])}
    c["expect"] = shape_list(features.shapes(np.ma.masked_array(img, mask=invalid), transform=TRANSFORMS["northup"]))
    cases.append(c)

# A GeoTIFF band as the source (its own transform), another band as the mask.
for dtype in ("uint8", "int16"):
    h, w = 28, 36
    img = classified(h, w, dtype)
    mask = np.where(rng.random((h, w)) < 0.3, 0, 255).astype("uint8")
    tif = "band_%s.tif" % dtype
    with rasterio.open(os.path.join(out, tif), "w", driver="GTiff", width=w, height=h, count=1, dtype=dtype,
                       crs="EPSG:32633", transform=TRANSFORMS["northup"]) as ds:
        ds.write(img, 1)
    mtif = "mask_%s.tif" % dtype
    with rasterio.open(os.path.join(out, mtif), "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8",
                       crs="EPSG:32633", transform=TRANSFORMS["northup"]) as ds:
        ds.write(mask, 1)
    with rasterio.open(os.path.join(out, tif)) as ds, rasterio.open(os.path.join(out, mtif)) as ms:
        for conn in (4, 8):
            c = {"name": "dataset_band_%s_c%d" % (dtype, conn), "kind": "shapes_band", "tif": tif, "mask_tif": mtif,
                 "connectivity": conn, "dtype": dtype, "transform": affine(TRANSFORMS["rotated"])}
            # The transform given is ignored for a band: GDAL uses the dataset's.
            c["expect"] = shape_list(features.shapes(rasterio.band(ds, 1), mask=rasterio.band(ms, 1), connectivity=conn,
                                                     transform=TRANSFORMS["rotated"]))
            cases.append(c)

# dtypes rasterio refuses.
for dtype in ("int8", "uint32", "float64", "int64"):
    img = classified(10, 12, "int16").astype(dtype) if dtype != "float64" else classified(10, 12, "float32").astype(dtype)
    c = {"name": "refused_" + dtype, "kind": "shapes", "dtype": dtype, "shape": [1, 10, 12], "bin": save(img),
         "connectivity": 4, "transform": affine(TRANSFORMS["identity"])}
    try:
        list(features.shapes(img))
        c["expect"] = "accepted"
    except ValueError as e:
        c["error"] = str(e)
    cases.append(c)

# sieve: sizes, connectivities, masks, dtypes.
for dtype in ("uint8", "uint16", "int16", "int32"):
    for conn in (4, 8):
        for size in (1, 3, 10):
            h, w = int(rng.integers(20, 40)), int(rng.integers(20, 40))
            img = classified(h, w, dtype, speckle=0.15)
            c = {"name": "sieve_%s_c%d_s%d" % (dtype, conn, size), "kind": "sieve", "dtype": dtype, "shape": [1, h, w],
                 "bin": save(img), "connectivity": conn, "size": size}
            mask = None
            if size == 3:
                mask = (rng.random((h, w)) > 0.2).astype("uint8")
                c["mask_bin"] = save(mask)
            c["expect_bin"] = save(features.sieve(img, size, mask=mask, connectivity=conn))
            cases.append(c)
for dtype in ("float32", "int8", "uint32"):
    img = classified(10, 12, "int16").astype(dtype)
    c = {"name": "sieve_refused_" + dtype, "kind": "sieve", "dtype": dtype, "shape": [1, 10, 12], "bin": save(img),
         "connectivity": 4, "size": 2}
    try:
        features.sieve(img, 2)
        c["expect"] = "accepted"
    except ValueError as e:
        c["error"] = str(e)
    cases.append(c)

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump({"seed": seed, "cases": cases}, f)
