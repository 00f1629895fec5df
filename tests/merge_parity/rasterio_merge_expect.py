#!/usr/bin/python3
"""Writes rasterio 1.3's merge answers for rastio's merge parity test.

Usage: rasterio_merge_expect.py OUT_DIR

Makes small random GeoTIFFs (OUT_DIR/<set>_<n>.tif) in sets: overlapping and disjoint tiles,
tiles touching at an edge, offsets of a fraction of a pixel, several dtypes, nodata kinds
(none, a value, NaN), a per-dataset mask, tiles of different resolutions. Then records what
rasterio.merge.merge gives for each set with every method and with bounds, res,
target_aligned_pixels, nodata, dtype, indexes and resampling, plus a custom method.
OUT_DIR/cases.json lists the cases; arrays go to OUT_DIR/<n>.bin (C order, native dtype).
When rasterio cannot be imported, OUT_DIR/SKIP holds the reason and the script exits 0.
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
    from rasterio.enums import Resampling
    from rasterio.merge import merge
    from rasterio.transform import from_origin
except Exception as e:  # noqa: BLE001 - any import failure means no peer
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("rasterio is not importable by %s: %s" % (sys.executable, e))
    sys.exit(0)

warnings.simplefilter("ignore")
rng = np.random.default_rng(20261204)
cases = []


def affine(t):
    return [t.a, t.b, t.c, t.d, t.e, t.f]


def clean(v):
    if isinstance(v, float) and v != v:
        return "nan"
    return v


def make(name, dtype, count, origin, res, shape, nodata, mask=False, holes=True):
    path = os.path.join(out, name + ".tif")
    h, w = shape
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100.0, 40.0, size=(count, h, w)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        data = rng.integers(max(info.min, -1000), min(info.max, 1000) - 1, size=(count, h, w), endpoint=True).astype(dtype)
        if dtype == "uint8":
            data = rng.integers(1, 100, size=(count, h, w), endpoint=True).astype(dtype)
    if nodata is not None and holes:
        hole = rng.random((h, w)) < 0.15
        data[:, hole] = nodata
        data[:, 3:6, :] = nodata
    rx, ry = res if isinstance(res, tuple) else (res, res)
    profile = dict(driver="GTiff", width=w, height=h, count=count, dtype=dtype, crs="EPSG:32633",
                   transform=from_origin(origin[0], origin[1], rx, ry), nodata=nodata)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(data)
            if mask:
                m = np.full((h, w), 255, dtype="uint8")
                m[8:20, 5:25] = 0
                ds.write_mask(m)
    return name + ".tif"


X, Y = 500000.0, 5600000.0
SETS = {
    # Overlapping tiles, one offset by a fraction of a pixel.
    "overlap_uint8": [make("overlap_uint8_0", "uint8", 2, (X, Y), 10, (40, 50), 0),
                      make("overlap_uint8_1", "uint8", 2, (X + 203.7, Y - 151.2), 10, (40, 50), 0),
                      make("overlap_uint8_2", "uint8", 2, (X + 80, Y - 260), 10, (30, 30), 0)],
    # Two tiles with a gap between them.
    "disjoint_int16": [make("disjoint_int16_0", "int16", 1, (X, Y), 20, (30, 30), -9999),
                       make("disjoint_int16_1", "int16", 1, (X + 900, Y - 100), 20, (30, 30), -9999)],
    "nan_float32": [make("nan_float32_0", "float32", 1, (X, Y), 5, (40, 40), float("nan")),
                    make("nan_float32_1", "float32", 1, (X + 77.5, Y - 52.5), 5, (40, 40), float("nan")),
                    make("nan_float32_2", "float32", 1, (X + 40, Y + 30), 5, (20, 60), float("nan"))],
    # No nodata: every pixel valid; the output's fill is 0.
    "none_float64": [make("none_float64_0", "float64", 1, (X, Y), 10, (30, 40), None),
                     make("none_float64_1", "float64", 1, (X + 150, Y - 120), 10, (30, 40), None)],
    # Different resolutions: the first's wins unless res is given; the others resample.
    "res_uint16": [make("res_uint16_0", "uint16", 1, (X, Y), 10, (40, 40), 65535),
                   make("res_uint16_1", "uint16", 1, (X + 130, Y - 90), 15, (30, 30), 65535),
                   make("res_uint16_2", "uint16", 1, (X - 60, Y - 250), (7.5, 6.0), (40, 50), 65535)],
    # Tiles that touch at an edge only, and a per-dataset mask.
    "touch_mask_uint8": [make("touch_mask_uint8_0", "uint8", 1, (X, Y), 10, (30, 30), None, mask=True),
                         make("touch_mask_uint8_1", "uint8", 1, (X + 300, Y), 10, (30, 30), None),
                         make("touch_mask_uint8_2", "uint8", 1, (X, Y - 300), 10, (30, 30), None)],
    "int32_mixed": [make("int32_mixed_0", "int32", 1, (X, Y), 10, (30, 30), -1),
                    make("int32_mixed_1", "int32", 1, (X + 55, Y - 45), 10, (30, 30), None)],
}

METHODS = ["first", "last", "min", "max", "sum", "count"]


def bounds_of(files):
    bs = []
    for f in files:
        with rasterio.open(os.path.join(out, f)) as ds:
            bs.append(ds.bounds)
    return (min(b.left for b in bs), min(b.bottom for b in bs), max(b.right for b in bs), max(b.top for b in bs))


def add(name, files, dest, transform, **opts):
    dest = np.ascontiguousarray(dest)
    bin_name = "%d.bin" % len(cases)
    dest.tofile(os.path.join(out, bin_name))
    cases.append(dict(name=name, files=files, transform=affine(transform), out_dtype=str(dest.dtype),
                      shape=list(dest.shape), bin=bin_name, **{k: clean(v) for k, v in opts.items()}))


for set_name, files in SETS.items():
    paths = [os.path.join(out, f) for f in files]
    for m in METHODS:
        dest, t = merge(paths, method=m)
        add("%s/%s" % (set_name, m), files, dest, t, method=m)
    l, b, r, tp = bounds_of(files)
    variants = [
        ("bounds", dict(bounds=[l + 33.3, b + 47.1, r - 61.7, tp - 12.9])),
        ("bounds_wider", dict(bounds=[l - 100, b - 50, r + 75, tp + 100])),
        ("res_coarse", dict(res=[17.0, 17.0])),
        ("res_fine", dict(res=[3.3, 4.4])),
        ("res_bilinear", dict(res=[13.0, 13.0], resampling="bilinear")),
        ("res_average", dict(res=[23.0, 23.0], resampling="average")),
        ("tap", dict(res=[7.0, 7.0], target_aligned_pixels=True)),
        ("tap_bounds", dict(res=[9.0, 9.0], target_aligned_pixels=True, bounds=[l + 13.3, b + 27.1, r - 31.7, tp - 2.9])),
        ("nodata", dict(nodata=7)),
        ("nodata_max", dict(nodata=7, method="max")),
        ("dtype_float32", dict(dtype="float32")),
        ("dtype_int16_sum", dict(dtype="int16", method="sum")),
        ("dtype_uint8_min", dict(dtype="uint8", method="min")),
    ]
    if set_name == "overlap_uint8":
        variants += [("indexes_2", dict(indexes=[2])), ("indexes_21", dict(indexes=[2, 1], method="last"))]
    for vname, opts in variants:
        kw = dict(opts)
        if "bounds" in kw:
            kw["bounds"] = tuple(kw["bounds"])
        if "res" in kw:
            kw["res"] = tuple(kw["res"])
        if "resampling" in kw:
            kw["resampling"] = Resampling[kw["resampling"]]
        dest, t = merge(paths, **kw)
        add("%s/%s" % (set_name, vname), files, dest, t, **opts)

    # A custom method: valid new pixels, plus the source's index, over anything; the calls' offsets.
    calls = []

    def plus_index(merged_data, new_data, merged_mask, new_mask, index=None, roff=None, coff=None):
        calls.append([index, roff, coff, int(np.count_nonzero(merged_mask)), int(np.count_nonzero(new_mask))])
        np.copyto(merged_data, new_data + np.asarray(index, dtype=new_data.dtype), where=~new_mask, casting="unsafe")

    dest, t = merge(paths, method=plus_index)
    add("%s/custom" % set_name, files, dest, t, method="custom", calls=calls)

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump(dict(cases=cases), f)
