#!/usr/bin/python3
"""Writes rasterio 1.3's reprojection answers for rastio's warp parity test.

Usage: rasterio_warp_expect.py OUT_DIR

Makes small random GeoTIFFs (OUT_DIR/src_<n>.tif: dtypes, nodata and NaN, a per-dataset mask,
an alpha band) in several CRSs, then records what rasterio.warp gives for them: reproject (from
arrays and from dataset bands, every warp resampling), calculate_default_transform,
transform_bounds, transform and WarpedVRT reads. OUT_DIR/cases.json lists the cases; arrays go
to OUT_DIR/<n>.bin (C order, native dtype). When rasterio cannot be imported, OUT_DIR/SKIP holds
the reason and the script exits 0.
"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
try:
    import numpy as np
    import rasterio
    from rasterio.enums import ColorInterp, Resampling
    from rasterio.transform import from_origin
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import (aligned_target, calculate_default_transform, reproject, transform,
                               transform_bounds)
    from rasterio.windows import Window
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


def affine(t):
    return [t.a, t.b, t.c, t.d, t.e, t.f]


rng = np.random.default_rng(20261129)
SIZE = 64

# name, dtype, bands, crs, origin (x, y), pixel size, nodata, extras
SOURCES = [
    ("utm_uint8_rgb_nodata", "uint8", 3, "EPSG:32633", (400000, 5600000), 500, 0, {}),
    ("geo_int16_nodata", "int16", 1, "EPSG:4326", (10.0, 52.0), 0.05, -9999, {}),
    ("merc_float32_nan", "float32", 1, "EPSG:3857", (1100000, 6800000), 600, float("nan"), {}),
    ("utm_uint8_alpha", "uint8", 4, "EPSG:32633", (400000, 5600000), 500, None, {"alpha": True}),
    ("utm_uint16_mask", "uint16", 2, "EPSG:32633", (400000, 5600000), 500, None, {"mask": True}),
    ("polar_float64", "float64", 1, "EPSG:3413", (-400000, -400000), 5000, -1.0, {}),
    ("antimeridian_int32", "int32", 1, "EPSG:32660", (700000, 5200000), 4000, None, {}),
]
DST = {
    "utm_uint8_rgb_nodata": ["EPSG:3857", "EPSG:4326", "EPSG:3413", "EPSG:32632"],
    "geo_int16_nodata": ["EPSG:3857", "EPSG:32633", "EPSG:3413"],
    "merc_float32_nan": ["EPSG:4326", "EPSG:32633"],
    "utm_uint8_alpha": ["EPSG:3857", "EPSG:4326"],
    "utm_uint16_mask": ["EPSG:3857", "EPSG:4326"],
    "polar_float64": ["EPSG:4326", "EPSG:3857", "EPSG:32633"],
    "antimeridian_int32": ["EPSG:4326", "EPSG:3857", "EPSG:3832"],
}
METHODS = [r.name for r in Resampling if r.name != "gauss"]


def make_source(name, dtype, count, crs, origin, res, nodata, extras):
    path = os.path.join(out, name + ".tif")
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100.0, 30.0, size=(count, SIZE, SIZE)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -30000), min(info.max, 60000)
        data = rng.integers(lo, hi, size=(count, SIZE, SIZE), endpoint=True).astype(dtype)
    # Smooth structure plus noise, so that interpolation differs from nearest.
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    data = (data // 4 + ((xx + yy) % 32).astype(dtype)).astype(dtype) if np.dtype(dtype).kind != "f" else \
        (data + (xx + yy).astype(dtype))
    if nodata is not None:
        holes = rng.random((SIZE, SIZE)) < 0.1
        data[:, holes] = nodata
        data[:, 20:24, :] = nodata
    if extras.get("alpha"):
        alpha = np.full((SIZE, SIZE), 255, dtype="uint8")
        alpha[:, 40:] = 0
        alpha[5:9, :] = 0
        data[3] = alpha
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=count, dtype=dtype, crs=crs,
                   transform=from_origin(origin[0], origin[1], res, res), nodata=nodata)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(data)
            if extras.get("alpha"):
                ds.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
            if extras.get("mask"):
                m = np.full((SIZE, SIZE), 255, dtype="uint8")
                m[10:30, 10:50] = 0
                ds.write_mask(m)
    return path


for (name, dtype, count, crs, origin, res, nodata, extras) in SOURCES:
    path = make_source(name, dtype, count, crs, origin, res, nodata, extras)
    src_file = name + ".tif"
    with rasterio.open(path) as ds:
        array = ds.read()
        for dst_crs in DST[name]:
            base = dict(file=src_file, dst_crs=dst_crs)
            # transform_bounds and calculate_default_transform.
            add(dict(kind="transform_bounds", **base, densify_pts=21,
                     bounds=list(transform_bounds(ds.crs, dst_crs, *ds.bounds, densify_pts=21))))
            try:
                add(dict(kind="transform_bounds", **base, densify_pts=0,
                         bounds=list(transform_bounds(ds.crs, dst_crs, *ds.bounds, densify_pts=0))))
            except Exception as e:  # noqa: BLE001 - the error is the expectation
                add(dict(kind="transform_bounds_error", **base, densify_pts=0, error=str(e)))
            t, w, h = calculate_default_transform(ds.crs, dst_crs, ds.width, ds.height, *ds.bounds)
            add(dict(kind="cdt", **base, transform=affine(t), width=w, height=h))
            t2, w2, h2 = calculate_default_transform(ds.crs, dst_crs, ds.width, ds.height, *ds.bounds,
                                                     dst_width=50, dst_height=40)
            add(dict(kind="cdt", **base, dst_width=50, dst_height=40, transform=affine(t2), width=w2, height=h2))
            res2 = abs(t.a) * 1.5
            t3, w3, h3 = calculate_default_transform(ds.crs, dst_crs, ds.width, ds.height, *ds.bounds,
                                                     resolution=(res2, res2))
            add(dict(kind="cdt", **base, resolution=res2, transform=affine(t3), width=w3, height=h3))
            ta, wa, ha = aligned_target(t, w, h, res2)
            add(dict(kind="aligned", **base, resolution=res2, transform_in=affine(t), width_in=w, height_in=h,
                     transform=affine(ta), width=wa, height=ha))
            # Points: the source's corners and centre.
            l, b, r, tp = ds.bounds
            xs, ys = [l, r, (l + r) / 2, l], [tp, b, (b + tp) / 2, b]
            txs, tys = transform(ds.crs, dst_crs, xs, ys)
            add(dict(kind="transform", **base, xs=xs, ys=ys, txs=list(txs), tys=list(tys)))

            for m in METHODS:
                rs = Resampling[m]
                # From the array (nodata given as src_nodata, as a user would), into a made grid.
                kw = {} if nodata is None else dict(src_nodata=nodata)
                if extras.get("alpha"):
                    kw = dict(src_alpha=4, dst_alpha=4)
                dst, dt = reproject(array, src_transform=ds.transform, src_crs=ds.crs, dst_crs=dst_crs,
                                    resampling=rs, **kw)
                add(dict(kind="reproject_array", **base, resampling=m, src_nodata=kw.get("src_nodata"),
                         src_alpha=kw.get("src_alpha", 0), dst_alpha=kw.get("dst_alpha", 0),
                         transform=affine(dt)), dst)
                # From the dataset's bands (its nodata, mask and alpha), into a given grid.
                dst2 = np.zeros((count, h2, w2), dtype=dtype)
                reproject(rasterio.band(ds, list(ds.indexes)), dst2, dst_transform=t2, dst_crs=dst_crs,
                          resampling=rs)
                add(dict(kind="reproject_band", **base, resampling=m, transform=affine(t2), width=w2, height=h2),
                    dst2)
            # A dst_nodata other than the source's, and no initialisation of the destination.
            if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
                dst3 = np.full((count, h, w), 7, dtype=dtype)
                reproject(array, dst3, src_transform=ds.transform, src_crs=ds.crs, src_nodata=nodata,
                          dst_transform=t, dst_crs=dst_crs, dst_nodata=3, init_dest_nodata=False,
                          resampling=Resampling.bilinear)
                add(dict(kind="reproject_noinit", **base, src_nodata=nodata, transform=affine(t),
                         width=w, height=h), dst3)

            # WarpedVRT: GDAL's grid, full and windowed reads, masks; a given size; add_alpha.
            for m in ["nearest", "bilinear", "cubic", "average", "mode", "max", "q1", "rms"]:
                rs = Resampling[m]
                with WarpedVRT(ds, crs=dst_crs, resampling=rs) as vrt:
                    vb = dict(kind="vrt", **base, resampling=m, add_alpha=False, width=None, height=None,
                              vrt_transform=affine(vrt.transform), vrt_width=vrt.width, vrt_height=vrt.height,
                              nodata=vrt.nodata)
                    add(dict(vb, read="read"), vrt.read())
                    win = Window(5, 7, 23, 17)
                    add(dict(vb, read="window", window=[5, 7, 23, 17]), vrt.read(window=win))
                    add(dict(vb, read="out_shape", out_shape=[20, 30]),
                        vrt.read(out_shape=(vrt.count, 20, 30), resampling=Resampling.bilinear))
                    add(dict(vb, read="read_masks"), vrt.read_masks())
                    add(dict(vb, read="dataset_mask"), vrt.dataset_mask())
            for add_alpha in ([False, True] if not extras.get("alpha") else [False]):
                with WarpedVRT(ds, crs=dst_crs, resampling=Resampling.bilinear, width=40, height=30,
                               add_alpha=add_alpha) as vrt:
                    vb = dict(kind="vrt", **base, resampling="bilinear", add_alpha=add_alpha, width=40,
                              height=30, vrt_transform=affine(vrt.transform), vrt_width=vrt.width,
                              vrt_height=vrt.height, nodata=vrt.nodata)
                    add(dict(vb, read="read"), vrt.read())
                    add(dict(vb, read="read_masks"), vrt.read_masks())
                    add(dict(vb, read="dataset_mask"), vrt.dataset_mask())
                    add(dict(vb, read="read_masked"),
                        np.where(np.ma.getmaskarray(vrt.read(masked=True)), 0, 255).astype("uint8"))

# WarpedVRT reads needing several of the view's 512x128 blocks at once (rastio warps those on
# several threads): a larger source, a whole read and a window across block edges.
BLOCKS = "blocks_uint8_rgb_nodata"
with rasterio.open(os.path.join(out, BLOCKS + ".tif"), "w", driver="GTiff", width=700, height=600, count=3,
                   dtype="uint8", crs="EPSG:32633", transform=from_origin(400000, 5600000, 60, 60),
                   nodata=0) as ds:
    yy, xx = np.mgrid[0:600, 0:700]
    data = (rng.integers(1, 64, size=(3, 600, 700)) + ((xx * 3 + yy) % 160)).astype("uint8")
    data[:, rng.random((600, 700)) < 0.05] = 0
    ds.write(data)
with rasterio.open(os.path.join(out, BLOCKS + ".tif")) as ds:
    for m, add_alpha in [("bilinear", False), ("nearest", False), ("cubic", True)]:
        with WarpedVRT(ds, crs="EPSG:3857", resampling=Resampling[m], add_alpha=add_alpha) as vrt:
            vb = dict(kind="vrt_blocks", file=BLOCKS + ".tif", dst_crs="EPSG:3857", resampling=m,
                      add_alpha=add_alpha)
            add(dict(vb, window=[300, 100, 300, 250]), vrt.read(window=Window(300, 100, 300, 250)))
            add(dict(vb, window=None), vrt.read())

# A source georeferenced by a geotransform but without a CRS: rasterio 1.3.5 warps a dataset
# between geotransforms (GDAL does not reproject when one side has no CRS); an array without
# src_crs is refused.
NOCRS = "nocrs_uint8"
with rasterio.open(os.path.join(out, NOCRS + ".tif"), "w", driver="GTiff", width=64, height=48, count=2,
                   dtype="uint8", transform=from_origin(1000, 2000, 10, 10)) as ds:
    ds.write((rng.integers(0, 200, size=(2, 48, 64)) + np.mgrid[0:48, 0:64][1]).astype("uint8"))
with rasterio.open(os.path.join(out, NOCRS + ".tif")) as ds:
    nb = dict(kind="nocrs", file=NOCRS + ".tif")
    dst_t = from_origin(1100, 1900, 5, 5)
    for m in ["nearest", "bilinear"]:
        dst = np.zeros((2, 40, 50), "uint8")
        reproject(rasterio.band(ds, [1, 2]), dst, dst_transform=dst_t, dst_crs="EPSG:3857", resampling=Resampling[m])
        add(dict(nb, op="reproject", resampling=m, transform=affine(dst_t), dst_crs="EPSG:3857"), dst)
    dst = np.zeros((2, 40, 50), "uint8")
    _, t = reproject(rasterio.band(ds, [1, 2]), dst, dst_crs="EPSG:3857")
    add(dict(nb, op="reproject_grid", resampling="nearest", transform=affine(t), dst_crs="EPSG:3857"), dst)
    try:
        reproject(ds.read(), np.zeros((2, 40, 50), "uint8"), src_transform=ds.transform, dst_transform=dst_t,
                  dst_crs="EPSG:3857")
        add(dict(nb, op="array_error", error=None))
    except Exception as e:  # noqa: BLE001 - the error is the expectation
        add(dict(nb, op="array_error", error=str(e)))
    for name, kw in [("vrt", {}), ("vrt_crs", dict(crs="EPSG:3857")),
                     ("vrt_grid", dict(crs="EPSG:3857", transform=dst_t, width=50, height=40)),
                     ("vrt_size", dict(width=32, height=24))]:
        with WarpedVRT(ds, resampling=Resampling.bilinear, **kw) as vrt:
            add(dict(nb, op=name, resampling="bilinear", vrt_crs=vrt.crs.to_wkt() if vrt.crs else None,
                     vrt_transform=affine(vrt.transform), vrt_width=vrt.width, vrt_height=vrt.height), vrt.read())


def clean(v):
    """JSON has no NaN: nodata NaN is written as the string "nan"."""
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump({"rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__, "cases": clean(cases)}, f)
print("%d cases" % len(cases))
