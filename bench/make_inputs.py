#!/usr/bin/python3
"""Makes the benchmark inputs with GDAL: smooth fields plus noise, as real imagery looks.

Usage: make_inputs.py OUTDIR   (files already there are kept)
"""
import json
import os
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def field(rows, cols, bands, seed):
    """Smooth waves plus Gaussian noise, one band after another."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    out = np.empty((bands, rows, cols), np.float32)
    for b in range(bands):
        out[b] = (np.sin(x / (37.0 + 11 * b)) * np.cos(y / (53.0 + 7 * b)) * 60.0
                  + (x + y) / (rows + cols) * 80.0 + 90.0
                  + rng.normal(0.0, 3.0, (rows, cols)).astype(np.float32))
    return out


def write(path, arr, gdal_type, options, origin=(500000.0, 4200000.0), nodata=None):
    bands, rows, cols = arr.shape
    tmp = path + ".part"
    ds = gdal.GetDriverByName("GTiff").Create(tmp, cols, rows, bands, gdal_type, options)
    ds.SetGeoTransform((origin[0], 10.0, 0.0, origin[1], 0.0, -10.0))
    ds.SetProjection("EPSG:32633")
    for b in range(bands):
        ds.GetRasterBand(b + 1).WriteArray(arr[b])
        if nodata is not None:
            ds.GetRasterBand(b + 1).SetNoDataValue(nodata)
    ds = None
    os.replace(tmp, path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    made = []

    def need(name):
        p = os.path.join(out, name)
        return None if os.path.exists(p) else p

    if p := need("small.tif"):
        write(p, np.clip(field(256, 256, 3, 1), 0, 255).astype(np.uint8), gdal.GDT_Byte, [])
        made.append(p)
    big = None
    if need("raw.tif") or need("deflate.tif"):
        big = np.clip(field(4096, 4096, 3, 2), 0, 255).astype(np.uint8)
    if p := need("raw.tif"):
        write(p, big, gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
        made.append(p)
    if p := need("deflate.tif"):
        write(p, big, gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE"])
        made.append(p)
    big = None
    if p := need("lzw_f32.tif"):
        # Elevation-like values kept to centimetres, as survey data are.
        f = np.round((field(4096, 4096, 1, 3) * np.float32(3.7) - np.float32(120.0)) * 100) / np.float32(100)
        write(p, f, gdal.GDT_Float32, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=LZW",
                                       "PREDICTOR=3"])
        made.append(p)
    # Issue 16: 16 tiles of 2048x2048 uint8 (nodata 0) in a 4x4 grid, 512 pixels of overlap.
    for i in range(16):
        if p := need("merge_%02d.tif" % i):
            tile = np.clip(field(2048, 2048, 1, 100 + i), 1, 255).astype(np.uint8)
            tile[:, 100:140, :] = 0  # a band of nodata in every tile
            write(p, tile, gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"],
                  origin=(500000.0 + (i % 4) * 1536 * 10.0, 4200000.0 - (i // 4) * 1536 * 10.0), nodata=0)
            made.append(p)
    # Issue 16: 10,000 star-shaped polygons (8 to 15 vertices, most with a hole) over the 4096x4096
    # 10 m grid of rasterize10k, one "value<TAB>GeoJSON geometry" line each.
    if p := need("polygons10k.txt"):
        rng = np.random.default_rng(16)
        lines = []
        for _ in range(10000):
            cx, cy = rng.uniform(500000.0, 540960.0), rng.uniform(4159040.0, 4200000.0)
            r = rng.uniform(20.0, 300.0)
            rings = []
            for scale, reverse in ((1.0, False), (0.3, True)):
                n = int(rng.integers(8, 16))
                a = np.sort(rng.uniform(0, 2 * np.pi, n))
                rr = rng.uniform(0.5 * r * scale, r * scale, n)
                ring = [[round(float(cx + q * np.cos(t)), 3), round(float(cy + q * np.sin(t)), 3)] for t, q in zip(a, rr)]
                ring.append(ring[0])
                rings.append(ring[::-1] if reverse else ring)
                if rng.random() < 0.3:
                    break
            geom = json.dumps({"type": "Polygon", "coordinates": rings}, separators=(",", ":"))
            lines.append("%d\t%s\n" % (int(rng.integers(1, 256)), geom))
        with open(p + ".part", "w") as f:
            f.writelines(lines)
        os.replace(p + ".part", p)
    # Issue 16: a 4096x4096 uint8 classified raster for shapes: 11 classes of a smooth field
    # (curved, staircase edges), with 0.1% of the pixels speckled (one-pixel regions).
    if p := need("classes.tif"):
        rng = np.random.default_rng(16)
        y, x = np.mgrid[0:4096, 0:4096].astype(np.float32)
        f = (np.sin(x / 97.0) * np.cos(y / 131.0) * 60.0 + np.sin((x + 2 * y) / 413.0) * 40.0
             + (x + y) / 8192.0 * 80.0 + 90.0)
        classes = (np.clip(f, 0, 255) // 25).astype(np.uint8)
        speck = rng.random(classes.shape) < 0.001
        classes[speck] = rng.integers(0, 10, int(speck.sum()))
        write(p, classes[np.newaxis], gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
        made.append(p)
    for p in made:
        print(f"made {p} ({os.path.getsize(p)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
