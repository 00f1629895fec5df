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
import warnings

corpus, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
os.environ.setdefault("CPL_LOG", os.devnull)  # GDAL's messages of the reads expected to fail
warnings.simplefilter("ignore")  # NotGeoreferenced, NodataShadow: not what is compared
try:
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window, from_bounds
except Exception as e:  # noqa: BLE001 - any import failure means no peer
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("rasterio is not importable by %s: %s" % (sys.executable, e))
    sys.exit(0)

if not os.path.isdir(corpus):
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("the corpus %s is not present (RASTIO_CORPUS_DIR)" % corpus)
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

# Datasets rasterio writes fresh, with a fixed seed: random dtypes, layouts, nodata, masks, alpha.
# Windows run past each edge, lie wholly outside or are empty (cropped reads), and boundless reads
# with and without fill values; every read call: read, read_masks, dataset_mask, masked reads.
def fresh_datasets():
    from rasterio.enums import ColorInterp
    from rasterio.transform import from_origin
    rng = np.random.default_rng(20261129)
    os.makedirs(os.path.join(out, "fresh"), exist_ok=True)
    kinds = ["all_valid", "all_valid", "nodata", "nodata_nan", "mask_internal", "mask_sidecar",
             "gray_alpha", "rgba", "rgba_nodata", "gray_alpha_uint16"]
    made = []
    for i, kind in enumerate(kinds):
        width, height = int(rng.integers(18, 30)), int(rng.integers(14, 24))
        dtype = str(rng.choice(["uint8", "int16", "uint16", "int32", "float32", "float64"]))
        count = int(rng.integers(1, 4))
        if kind == "nodata_nan":
            dtype = str(rng.choice(["float32", "float64"]))
        elif kind in ("gray_alpha", "rgba", "rgba_nodata"):
            dtype, count = "uint8", (2 if kind == "gray_alpha" else 4)
        elif kind == "gray_alpha_uint16":
            dtype, count = "uint16", 2
        profile = dict(driver="GTiff", width=width, height=height, count=count, dtype=dtype,
                       crs="EPSG:32618", transform=from_origin(1000, 2000, 10, 10))
        if rng.random() < 0.5:
            profile.update(tiled=True, blockxsize=16, blockysize=16)
        profile["interleave"] = str(rng.choice(["pixel", "band"]))
        if rng.random() < 0.5:
            profile["compress"] = "deflate"
        if kind in ("nodata", "rgba_nodata"):
            profile["nodata"] = 3
        elif kind == "nodata_nan":
            profile["nodata"] = float("nan")
        if kind in ("rgba", "rgba_nodata"):
            profile["photometric"] = "RGB"
        # Small values so that 0, 3 and 7 (nodata and fill values) occur among the pixels.
        data = rng.integers(0, 10, size=(count, height, width)).astype(dtype)
        if kind == "nodata_nan":
            data[rng.random(data.shape) < 0.2] = np.nan
        if "alpha" in kind or kind.startswith("rgba"):
            alpha = rng.choice([0, 9, 255], size=(height, width))
            data[-1] = alpha * (257 if dtype == "uint16" else 1)
        name = "fresh/%02d-%s.tif" % (i, kind)
        env = rasterio.Env(GDAL_TIFF_INTERNAL_MASK=(kind == "mask_internal"))
        with env, rasterio.open(os.path.join(out, name), "w", **profile) as ds:
            ds.write(data)
            if "alpha" in kind or kind.startswith("rgba"):
                interp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue] if count == 4 else [ColorInterp.gray]
                ds.colorinterp = interp + [ColorInterp.alpha]
            if kind.startswith("mask"):
                ds.write_mask(np.where(rng.random((height, width)) < 0.3, 0, 255).astype("uint8"))
        made.append(name)
    return made


def fresh_cases(name):
    def mask255(a):
        return np.where(np.asarray(a).astype(bool), 255, 0).astype("uint8") if np.asarray(a).dtype == bool else a

    def run(kind, args, f):
        try:
            a = f()
        except Exception as e:  # noqa: BLE001 - the error is the expectation
            add(dict(kind="read_error", error=type(e).__name__, fresh=True, of=kind, **args))
            return
        add(dict(kind=kind, fresh=True, **args), a)

    with rasterio.open(os.path.join(out, name)) as ds:
        w, h = ds.width, ds.height
        band_sets = [list(ds.indexes)] + ([[ds.count, 1]] if ds.count > 1 else [])
        edges = [[-3, -3, 10, 10], [w - 5, 2, 20, 6], [4, h - 3, 6, 10], [-5, -5, w + 10, h + 10],
                 [w + 2, 0, 5, 4], [-8, 3, 5, 4], [2, -9, 4, 5], [2, h, 4, 5], [0, 0, 0, 5], [3, 4, 5, 0]]
        resampled = [([-3, -3, 10, 10], [4, 5], "nearest"), ([-3, -3, 10, 10], [14, 9], "bilinear"),
                     ([w - 5, 2, 20, 6], [3, 3], "average"), ([w + 2, 0, 5, 4], [4, 4], "nearest")]
        outside = [[-4, -3, 10, 8], [w - 6, h - 5, 12, 9], [w + 3, h + 3, 4, 4], [2, 2, 5, 5], [-2, -2, w + 4, h + 4]]
        for bands in band_sets:
            for win_, shape, method, boundless, fills in (
                    [(e, None, "nearest", False, [None, 7]) for e in edges] +
                    [(e, s, m, False, [None, 7]) for e, s, m in resampled] +
                    [(o, None, "nearest", True, [None, 7, 3, 0]) for o in outside] +
                    [([-4, -3, 10, 8], [5, 4], "nearest", True, [None, 7]),
                     ([-2, -2, w + 4, h + 4], [9, 12], "average", True, [None, 7])]):
                kw = dict(window=Window(*win_), out_shape=None if shape is None else tuple(shape),
                          resampling=Resampling[method], boundless=boundless)
                for fill in fills:
                    args = dict(file=name, bands=bands, window=win_, out_shape=shape, resampling=method,
                                boundless=boundless, fill_value=fill)
                    run("read", args, lambda: ds.read(bands, fill_value=fill, **kw))
                    run("read_masked", args, lambda: np.where(np.ma.getmaskarray(
                        ds.read(bands, fill_value=fill, masked=True, **kw)), 0, 255).astype("uint8"))
                    run("read_masked_data", args, lambda: ds.read(bands, fill_value=fill, masked=True, **kw).data)
                args = dict(file=name, bands=bands, window=win_, out_shape=shape, resampling=method,
                            boundless=boundless, fill_value=None)
                run("read_masks", args, lambda: mask255(ds.read_masks(bands, **kw)))
                if bands == list(ds.indexes):
                    run("dataset_mask", args, lambda: mask255(ds.dataset_mask(**kw)))


for fresh in fresh_datasets():
    fresh_cases(fresh)

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump({"rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__, "cases": cases}, f)
print("wrote %d cases with rasterio %s to %s" % (len(cases), rasterio.__version__, out))
