#!/usr/bin/python3
"""Writes rasterio 1.3's answers for rastio's parity test.

Usage: rasterio_expect.py CORPUS_DIR OUT_DIR

OUT_DIR/cases.json lists the cases; arrays go to OUT_DIR/<n>.bin (C order, native dtype).
When rasterio cannot be imported, OUT_DIR/SKIP holds the reason and the script exits 0.
"""
import json
import math
import os
import sys

corpus, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
try:
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window, from_bounds
except Exception as e:  # noqa: BLE001 - any import failure means no peer
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("rasterio is not importable by %s: %s" % (sys.executable, e))
    sys.exit(0)

cases = []


def add(case, array=None):
    if array is not None:
        array = np.ascontiguousarray(array)
        if array.ndim == 2:
            array = array[np.newaxis, ...]
        name = "%d.bin" % len(cases)
        array.tofile(os.path.join(out, name))
        case.update(bin=name, dtype=str(array.dtype), shape=list(array.shape))
    cases.append(case)


def win(w):
    return None if w is None else Window(*w)


def read_cases(fname, bands, window=None, out_shape=None, methods=("nearest",), boundless=False,
               fill_value=None, masks=False):
    path = os.path.join(corpus, fname)
    with rasterio.open(path) as ds:
        for m in methods:
            args = dict(file=fname, bands=bands, window=window, out_shape=out_shape, resampling=m,
                        boundless=boundless, fill_value=fill_value)
            shape = None if out_shape is None else (len(bands),) + tuple(out_shape)
            kw = dict(window=win(window), out_shape=shape, resampling=Resampling[m], boundless=boundless)
            try:
                a = ds.read(bands, fill_value=fill_value, **kw)
                add(dict(kind="read", **args), a)
            except Exception as e:  # noqa: BLE001 - the error is the expectation
                add(dict(kind="read_error", error=type(e).__name__, **args))
                continue
            if masks:
                add(dict(kind="read_masks", **args), ds.read_masks(bands, **kw))


# Resampled reads: decimated by a non-integer factor and magnified, every read method.
methods = [r.name for r in Resampling]
read_cases("RGB.byte.tif", [1, 2, 3], out_shape=[239, 263], methods=methods)
read_cases("RGB.byte.tif", [3, 1], window=[200, 100, 30, 40], out_shape=[97, 75], methods=methods)
# Decimated reads that GDAL serves from overviews (and their masks).
read_cases("cogeo.tif", [1, 2, 3], out_shape=[200, 200], methods=["nearest", "average", "bilinear"], masks=True)
read_cases("float_nan.tif", [1], out_shape=[5, 7], methods=["nearest", "bilinear", "average"], masks=True)

# Masks.
for fname in ["RGB2.byte.tif", "alpha.tif", "cogeo.tif", "float_nan.tif", "all-nodata.tif", "RGB.byte.tif"]:
    with rasterio.open(os.path.join(corpus, fname)) as ds:
        add(dict(kind="mask_flags", file=fname,
                 flags=[[f.name for f in band] for band in ds.mask_flag_enums]))
        add(dict(kind="read_masks", file=fname, bands=list(ds.indexes), window=None, out_shape=None,
                 resampling="nearest", boundless=False, fill_value=None), ds.read_masks())
        add(dict(kind="dataset_mask", file=fname, window=None, out_shape=None, boundless=False), ds.dataset_mask())
        add(dict(kind="read_masked", file=fname, bands=list(ds.indexes)),
            np.where(np.ma.getmaskarray(ds.read(masked=True)), 0, 255).astype("uint8"))

# Boundless reads: partly outside, far outside, with nodata or a fill value, and their masks.
for window in ([-20, -10, 50, 60], [700, 600, 120, 140], [-100, -100, 10, 10], [100, 100, 20, 20]):
    for fill in (None, 7):
        read_cases("RGB.byte.tif", [1, 2, 3], window=window, boundless=True, fill_value=fill, masks=True)
read_cases("float_nan.tif", [1], window=[-1, -1, 5, 4], boundless=True, fill_value=None, masks=True)
read_cases("alpha.tif", [1, 4], window=[1200, -5, 40, 30], boundless=True, fill_value=None, masks=True)

# Geometry helpers, on a north-up and a rotated transform.
ops = {"floor": math.floor, "ceil": math.ceil, "round": round}
for fname in ["RGB.byte.tif", "rotated.tif", "cogeo.tif"]:
    with rasterio.open(os.path.join(corpus, fname)) as ds:
        add(dict(kind="bounds", file=fname, value=list(ds.bounds)))
        t = ds.transform
        for (col, row) in [(0.25, 0.75), (10.5, 20.5), (100.0, 50.0), (ds.width - 0.3, ds.height - 0.6), (-3.7, 5.2)]:
            x, y = t * (col, row)
            for name, op in ops.items():
                r, c = ds.index(x, y, op=op)
                add(dict(kind="index", file=fname, x=x, y=y, op=name, value=[int(r), int(c)]))
        for (row, col) in [(0, 0), (10, 20), (ds.height - 1, ds.width - 1), (3.5, 7.25)]:
            for offset in ["center", "ul", "ur", "ll", "lr"]:
                add(dict(kind="xy", file=fname, row=row, col=col, offset=offset,
                         value=list(ds.xy(row, col, offset=offset))))
        for w in ([0, 0, 10, 10], [5, 7, 100, 30], [-10, -20, 15, 25]):
            add(dict(kind="window_bounds", file=fname, window=w, value=list(ds.window_bounds(Window(*w)))))
            add(dict(kind="window_transform", file=fname, window=w,
                     value=list(ds.window_transform(Window(*w)))[:6]))
        if fname != "rotated.tif":
            l, b, r, tp = ds.bounds
            for frac in ([0.1, 0.2, 0.5, 0.6], [0.0, 0.0, 1.0, 1.0], [0.33, 0.41, 0.34, 0.44]):
                bb = [l + frac[0] * (r - l), b + frac[1] * (tp - b), l + frac[2] * (r - l), b + frac[3] * (tp - b)]
                fw = from_bounds(*bb, transform=t)
                add(dict(kind="from_bounds", file=fname, bounds=bb,
                         value=[fw.col_off, fw.row_off, fw.width, fw.height]))

# Overviews and blocks.
for fname in ["cogeo.tif", "RGB.byte.tif", "alpha.tif", "all-nodata.tif"]:
    with rasterio.open(os.path.join(corpus, fname)) as ds:
        add(dict(kind="overviews", file=fname, value=ds.overviews(1)))
        add(dict(kind="block_shapes", file=fname, value=[list(s) for s in ds.block_shapes]))
        add(dict(kind="block_windows", file=fname,
                 value=[[ij[0], ij[1], w.col_off, w.row_off, w.width, w.height] for ij, w in ds.block_windows(1)]))
        add(dict(kind="block_size", file=fname, value=ds.block_size(1, 0, 0)))

# Ground control points and RPCs.
with rasterio.open(os.path.join(corpus, "RGB.byte.gcp.vrt")) as ds:
    points, crs = ds.gcps
    add(dict(kind="gcps", file="RGB.byte.gcp.vrt", crs=crs.to_wkt() if crs else "",
             value=[[p.row, p.col, p.x, p.y, p.z, p.id, p.info or ""] for p in points]))
with rasterio.open(os.path.join(corpus, "RGB.byte.rpc.vrt")) as ds:
    add(dict(kind="rpcs", file="RGB.byte.rpc.vrt", value=ds.rpcs.to_dict()))

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump({"rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__, "cases": cases}, f)
print("wrote %d cases with rasterio %s to %s" % (len(cases), rasterio.__version__, out))
