#!/usr/bin/python3
"""Writes rasterio 1.3's answers for rastio's features parity test.

Usage: rasterio_features_expect.py OUT_DIR

Makes fresh random inputs each run: small GeoTIFFs (OUT_DIR/<raster>.tif) in several CRSs,
dtypes and nodata kinds (none, a value, NaN), and random GeoJSON geometries over and around
them (star-shaped polygons with holes, multipolygons with overlapping parts, lines, points,
a geometry collection). Then records what rasterio.features.rasterize, geometry_mask, bounds,
geometry_window and rasterio.mask.mask / raster_geometry_mask give, and which calls rasterio
refuses. OUT_DIR/cases.json lists the cases; arrays go to OUT_DIR/<n>.bin (C order, native
dtype; boolean masks as uint8). When rasterio cannot be imported, OUT_DIR/SKIP says why.
"""
import json
import math
import os
import sys
import warnings

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
try:
    import numpy as np
    import rasterio
    from rasterio.enums import MergeAlg
    from rasterio.features import bounds, geometry_mask, geometry_window, rasterize
    from rasterio.mask import mask, raster_geometry_mask
    from rasterio.transform import Affine
except Exception as e:  # noqa: BLE001 - any import failure means no peer
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write("rasterio is not importable by %s: %s" % (sys.executable, e))
    sys.exit(0)

warnings.simplefilter("ignore")
seed = int.from_bytes(os.urandom(4), "little")
rng = np.random.default_rng(seed)
cases = []
bins = [0]


def affine(t):
    return [t.a, t.b, t.c, t.d, t.e, t.f]


def save(arr):
    arr = np.ascontiguousarray(arr)
    if arr.dtype == bool:
        arr = arr.astype("uint8")
    name = "%d.bin" % bins[0]
    bins[0] += 1
    arr.tofile(os.path.join(out, name))
    return dict(bin=name, dtype=str(arr.dtype), shape=list(arr.shape))


def star(cx, cy, r, n=None):
    """A simple star-shaped ring around (cx, cy), radii in [0.5r, r], closed."""
    n = n or int(rng.integers(5, 14))
    angles = np.sort(rng.uniform(0, 2 * math.pi, n))
    radii = rng.uniform(0.5 * r, r, n)
    ring = [[float(cx + rr * math.cos(a)), float(cy + rr * math.sin(a))] for a, rr in zip(angles, radii)]
    return ring + [ring[0]]


def polygon(cx, cy, r, holes=True):
    rings = [star(cx, cy, r)]
    if holes and rng.random() < 0.7:
        rings.append(star(cx, cy, 0.35 * r)[::-1])  # inside: the outer ring's radii are >= 0.5r
    return {"type": "Polygon", "coordinates": rings}


def geometries(b, res):
    """Random geometries over and around bounds b (left, bottom, right, top)."""
    left, bottom, right, top = b
    w, h = right - left, top - bottom

    def pt():
        return float(rng.uniform(left - 0.15 * w, right + 0.15 * w)), float(rng.uniform(bottom - 0.15 * h, top + 0.15 * h))

    r = 0.25 * min(w, h)
    polys = [polygon(*pt(), float(rng.uniform(0.3 * r, r))) for _ in range(4)]
    multi = []
    for _ in range(2):
        cx, cy = pt()
        multi.append({"type": "MultiPolygon", "coordinates": [
            polygon(cx, cy, r)["coordinates"],
            polygon(cx + 0.4 * r, cy - 0.3 * r, 0.8 * r)["coordinates"],  # overlaps the first
            polygon(cx - 1.5 * r, cy + 1.2 * r, 0.5 * r, holes=False)["coordinates"]]})
    lines = [{"type": "LineString", "coordinates": [list(pt()) for _ in range(int(rng.integers(2, 6)))]} for _ in range(3)]
    lines.append({"type": "MultiLineString", "coordinates": [[list(pt()) for _ in range(3)] for _ in range(2)]})
    points = [{"type": "Point", "coordinates": list(pt())} for _ in range(6)]
    points.append({"type": "MultiPoint", "coordinates": [list(pt()) for _ in range(4)]})
    collection = {"type": "GeometryCollection", "geometries": [polys[0], lines[0], points[0]]}
    return {
        "polygons": polys,
        "multipolygons": multi,
        "lines": lines,
        "points": points,
        "mixed": polys[1:3] + multi[:1] + lines[1:3] + points[1:3] + [collection],
    }


def outside(b):
    left, bottom, right, top = b
    w, h = right - left, top - bottom
    return polygon(right + 2 * w, top + 2 * h, 0.2 * min(w, h))


RASTERS = [
    # name, crs, dtype, count, (height, width), transform, nodata
    ("utm_uint8", "EPSG:32633", "uint8", 1, (60, 80), Affine(10, 0, 500000.0, 0, -10, 5600000.0), 0),
    ("geo_float32_nan", "EPSG:4326", "float32", 2, (50, 70), Affine(0.01, 0, 12.3, 0, -0.015, 47.9), float("nan")),
    ("merc_int16", "EPSG:3857", "int16", 3, (48, 64), Affine(25.0, 0, 1300000.0, 0, -25.0, 6000000.0), -9999),
    ("laea_float64_none", "EPSG:3035", "float64", 2, (40, 40), Affine(12.5, 0, 4321000.0, 0, -12.5, 3210000.0), None),
    ("utm_uint16_mask", "EPSG:32633", "uint16", 1, (45, 55), Affine(3.7, 0, 500017.3, 0, -3.7, 5600011.1), None),
]


def make_raster(name, crs, dtype, count, shape, transform, nodata):
    h, w = shape
    if np.dtype(dtype).kind == "f":
        data = rng.normal(100.0, 40.0, size=(count, h, w)).astype(dtype)
    else:
        data = rng.integers(1, 250, size=(count, h, w), endpoint=True).astype(dtype)
    if nodata is not None:
        hole = rng.random((h, w)) < 0.1
        data[:, hole] = nodata
    path = os.path.join(out, name + ".tif")
    profile = dict(driver="GTiff", width=w, height=h, count=count, dtype=dtype, crs=crs, transform=transform, nodata=nodata)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(data)
            if name.endswith("_mask"):
                m = np.full((h, w), 255, dtype="uint8")
                m[5:15, 10:30] = 0
                ds.write_mask(m)
    return path


def values_for(geoms, kind):
    if kind == "int":
        return [int(v) for v in rng.integers(1, 200, len(geoms))]
    return [float(round(v, 3)) for v in rng.uniform(-50, 50, len(geoms))]


def refusal(name, call, **record):
    try:
        call()
    except ValueError as e:
        cases.append(dict(kind=record.pop("kind"), name=name, error=str(e), **record))
        return
    raise SystemExit("rasterio did not refuse %s" % name)


for rname, crs, dtype, count, shape, transform, nodata in RASTERS:
    path = make_raster(rname, crs, dtype, count, shape, transform, nodata)
    with rasterio.open(path) as ds:
        sets = geometries(ds.bounds, ds.res)
        for sname, geoms in sets.items():
            base = "%s/%s" % (rname, sname)
            out_shape = ds.shape
            t = ds.transform
            # rasterize: geometries alone, then values of each kind with every option.
            variants = [
                ("plain", None, {}),
                ("int_all_touched", "int", dict(all_touched=True)),
                ("float_add", "float", dict(merge_alg="add")),
                ("int_dtype_fill", "int", dict(dtype="int32", fill=-7, default_value=9)),
                ("float_dtype64", "float", dict(dtype="float64", fill=0.5)),
                ("default_uint16", None, dict(dtype="uint16", default_value=300, fill=2)),
                ("int_big", "int", dict(fill=70000)),
                ("int_negative_add_touched", "int", dict(fill=-1, merge_alg="add", all_touched=True)),
            ]
            for vname, kind, opts in variants:
                vals = values_for(geoms, kind) if kind else None
                shapes_arg = list(zip(geoms, vals)) if vals else list(geoms)
                kw = dict(opts)
                if "merge_alg" in kw:
                    kw["merge_alg"] = MergeAlg[kw["merge_alg"]]
                arr = rasterize(shapes_arg, out_shape=out_shape, transform=t, **kw)
                cases.append(dict(kind="rasterize", name=base + "/" + vname, geoms=geoms, values=vals,
                                  out_shape=list(out_shape), transform=affine(t), options=opts, **save(arr)))
            # rasterize into an existing array, adding.
            start = rng.integers(0, 50, size=out_shape).astype("int16")
            vals = values_for(geoms, "int")
            o = start.copy()
            rasterize(list(zip(geoms, vals)), out=o, transform=t, merge_alg=MergeAlg.add)
            first = save(start)
            cases.append(dict(kind="rasterize_out", name=base + "/out_add", geoms=geoms, values=vals,
                              transform=affine(t), start=first["bin"], **save(o)))
            # geometry_mask.
            for inv in (False, True):
                for at in (False, True):
                    m = geometry_mask(geoms, out_shape=out_shape, transform=t, all_touched=at, invert=inv)
                    cases.append(dict(kind="geometry_mask", name="%s/mask_inv%d_at%d" % (base, inv, at), geoms=geoms,
                                      out_shape=list(out_shape), transform=affine(t), invert=inv, all_touched=at, **save(m)))
            # bounds of each geometry: plain, south-up order, through the inverse transform.
            inv_t = ~t
            for i, g in enumerate(geoms):
                cases.append(dict(kind="bounds", name="%s/bounds_%d" % (base, i), geom=g,
                                  plain=list(bounds(g)), south=list(bounds(g, north_up=False)),
                                  pixels=list(bounds(g, transform=inv_t)), transform=affine(inv_t)))
            # geometry_window with pads, boundless.
            for px, py, bl in ((0, 0, False), (0.5, 0.5, False), (2.3, 1.1, False), (0, 0, True), (3, 3, True)):
                try:
                    w = geometry_window(ds, geoms, pad_x=px, pad_y=py, boundless=bl)
                    win = [int(w.col_off), int(w.row_off), int(w.width), int(w.height)]
                except Exception:  # noqa: BLE001 - WindowError: no overlap
                    win = None
                cases.append(dict(kind="geometry_window", name="%s/window_%s_%s_%d" % (base, px, py, bl), raster=rname,
                                  geoms=geoms, pad_x=px, pad_y=py, boundless=bl, window=win))
            # mask and raster_geometry_mask.
            mvariants = [
                ("plain", {}),
                ("crop", dict(crop=True)),
                ("crop_pad", dict(crop=True, pad=True)),
                ("crop_pad_wide", dict(crop=True, pad=True, pad_width=2.5)),
                ("invert", dict(invert=True)),
                ("all_touched_unfilled", dict(all_touched=True, filled=False)),
                ("crop_unfilled", dict(crop=True, filled=False)),
                ("nodata_indexes", dict(nodata=7, indexes=[count] if count == 1 else [count, 1])),
            ]
            for vname, opts in mvariants:
                kw = dict(opts)
                try:
                    img, mt = mask(ds, geoms, **kw)
                except ValueError as e:
                    cases.append(dict(kind="mask", name=base + "/m_" + vname, raster=rname, geoms=geoms, options=opts,
                                      error=str(e)))
                    continue
                rec = dict(kind="mask", name=base + "/m_" + vname, raster=rname, geoms=geoms, options=opts,
                           transform=affine(mt), **save(np.ma.getdata(img)))
                if not kw.get("filled", True):
                    rec["mask_bin"] = save(np.ma.getmaskarray(img))["bin"]
                cases.append(rec)
            for vname, opts in (("rgm", {}), ("rgm_crop_pad", dict(crop=True, pad=True)), ("rgm_invert_touch", dict(invert=True, all_touched=True))):
                try:
                    m, mt, win = raster_geometry_mask(ds, geoms, **opts)
                except ValueError as e:
                    cases.append(dict(kind="raster_geometry_mask", name=base + "/" + vname, raster=rname, geoms=geoms,
                                      options=opts, error=str(e)))
                    continue
                cases.append(dict(kind="raster_geometry_mask", name=base + "/" + vname, raster=rname, geoms=geoms,
                                  options=opts, transform=affine(mt),
                                  window=None if win is None else [int(win.col_off), int(win.row_off), int(win.width), int(win.height)],
                                  **save(m)))
        # Shapes outside the raster: refused with crop, all masked without.
        far = [outside(ds.bounds)]
        refusal("%s/outside_crop" % rname, lambda: mask(ds, far, crop=True), kind="mask", raster=rname, geoms=far,
                options=dict(crop=True))
        img, mt = mask(ds, far)
        cases.append(dict(kind="mask", name="%s/outside_plain" % rname, raster=rname, geoms=far, options={},
                          transform=affine(mt), **save(img)))

# rasterize's refusals.
sq = {"type": "Polygon", "coordinates": [[[1, 1], [5, 1], [5, 5], [1, 5], [1, 1]]]}
empty = {"type": "Polygon", "coordinates": []}
R = [
    ("int8", lambda: rasterize([sq], out_shape=(6, 6), dtype="int8"), dict(geoms=[sq], options=dict(dtype="int8"))),
    ("value_300_uint8", lambda: rasterize([(sq, 300)], out_shape=(6, 6), dtype="uint8"),
     dict(geoms=[sq], values=[300], options=dict(dtype="uint8"))),
    ("value_float_int16", lambda: rasterize([(sq, 2.5)], out_shape=(6, 6), dtype="int16"),
     dict(geoms=[sq], values=[2.5], options=dict(dtype="int16"))),
    ("fill_negative_uint8", lambda: rasterize([sq], out_shape=(6, 6), dtype="uint8", fill=-1),
     dict(geoms=[sq], options=dict(dtype="uint8", fill=-1))),
    ("default_big_uint16", lambda: rasterize([sq], out_shape=(6, 6), dtype="uint16", default_value=70000),
     dict(geoms=[sq], options=dict(dtype="uint16", default_value=70000))),
    ("no_valid", lambda: rasterize([empty], out_shape=(6, 6)), dict(geoms=[empty], options={})),
    ("zero_width", lambda: rasterize([sq], out_shape=(6, 0)), dict(geoms=[sq], options={}, out_shape=[6, 0])),
]
for name, call, rec in R:
    rec.setdefault("out_shape", [6, 6])
    refusal("refuse/" + name, call, kind="rasterize", values=rec.pop("values", None), transform=[1, 0, 0, 0, 1, 0], **rec)

# One empty shape among valid ones is skipped (a warning), not refused.
arr = rasterize([(empty, 3), (sq, 4)], out_shape=(6, 6))
cases.append(dict(kind="rasterize", name="skip/empty_first", geoms=[empty, sq], values=[3, 4], out_shape=[6, 6],
                  transform=[1, 0, 0, 0, 1, 0], options={}, **save(arr)))

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump(dict(seed=seed, cases=cases), f)
