#!/usr/bin/python3
"""rasterio's side of the comparison: one case per process, timed in-process with perf_counter.

Usage: rasterio_bench.py CASE DATADIR REPS
Prints one JSON object: {"case", "median_ms", "times_ms", "reads_per_s" (threads case)}.
Run it with GDAL_NUM_THREADS=ALL_CPUS in the environment for the tuned figures.
"""
import json
import os
import statistics
import sys
import threading
import time

import numpy as np
import rasterio
from rasterio.merge import merge
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio import features
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform, reproject
from rasterio.windows import Window

# Issue 13's tile reads: 256 windows of 256x256 pixels spread evenly over a Web Mercator view.
TILE, TILES_PER_SIDE = 256, 16


def tile_windows(width, height):
    """The 16x16 windows of TILE pixels, evenly spaced from corner to corner of the view."""
    step_x = (width - TILE) / (TILES_PER_SIDE - 1)
    step_y = (height - TILE) / (TILES_PER_SIDE - 1)
    return [Window(int(round(i * step_x)), int(round(j * step_y)), TILE, TILE)
            for j in range(TILES_PER_SIDE) for i in range(TILES_PER_SIDE)]


def load(datadir, name):
    with open(os.path.join(datadir, name), "rb") as f:
        return f.read()


def open_read(data):
    with MemoryFile(data) as mf, mf.open() as ds:
        return ds.read()


def make_case(case, datadir):
    if case == "baseline":
        return lambda: None
    if case == "small_read_x1000":
        data = load(datadir, "small.tif")

        def run():
            for _ in range(1000):
                open_read(data)
        return run
    if case in ("raw_read", "deflate_read", "lzw_f32_read"):
        data = load(datadir, {"raw_read": "raw.tif", "deflate_read": "deflate.tif",
                              "lzw_f32_read": "lzw_f32.tif"}[case])
        return lambda: open_read(data)
    if case == "incremental_write_read":
        data = load(datadir, "raw.tif")

        def run():
            with MemoryFile() as mf:
                for at in range(0, len(data), 8192):
                    mf.write(data[at:at + 8192])
                with mf.open() as ds:
                    return ds.read()
        return run
    if case == "copy_read":
        # rastio's MemoryFile(bytes) copies; rasterio's MemoryFile(bytes) borrows the bytes
        # object, so this is the same flow as raw_read on rasterio's side.
        data = load(datadir, "raw.tif")
        return lambda: open_read(data)
    if case in ("write_raw", "write_deflate", "write_tiled_raw", "write_tiled_deflate"):
        pixels = open_read(load(datadir, "raw.tif"))
        extra = {"compress": "deflate"} if case.endswith("deflate") else {}
        if case.startswith("write_tiled"):
            extra["tiled"] = True

        def run():
            with MemoryFile() as mf:
                with mf.open(driver="GTiff", width=pixels.shape[2], height=pixels.shape[1],
                             count=pixels.shape[0], dtype=pixels.dtype, **extra) as ds:
                    ds.write(pixels)
                buf = mf.getbuffer()
                assert len(buf) > 1000
                del buf
        return run
    if case == "threads8_small_x200":
        data = load(datadir, "small.tif")

        def run():
            with MemoryFile(data) as mf:
                def worker():
                    for _ in range(200):
                        with rasterio.open(mf.name) as ds:
                            ds.read()
                threads = [threading.Thread(target=worker) for _ in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
        return run
    # Warping: "tuned" (GDAL_NUM_THREADS set by compare.py) also asks the warper for every CPU.
    tuned = "GDAL_NUM_THREADS" in os.environ
    if case in ("warp_bilinear", "warp_nearest"):
        data = load(datadir, "raw.tif")
        resampling = Resampling.bilinear if case == "warp_bilinear" else Resampling.nearest
        dst_crs = CRS.from_epsg(3857)

        def run():
            with MemoryFile(data) as mf, mf.open() as src:
                transform, width, height = calculate_default_transform(
                    src.crs, dst_crs, src.width, src.height, *src.bounds)
                dst = np.zeros((src.count, height, width), src.dtypes[0])
                reproject(rasterio.band(src, list(src.indexes)), dst, dst_transform=transform, dst_crs=dst_crs,
                          resampling=resampling, num_threads=os.cpu_count() if tuned else 1)
                return dst
        return run
    if case == "warpedvrt_tiles_x256":
        data = load(datadir, "raw.tif")

        def run():
            with MemoryFile(data) as mf, mf.open() as src:
                with WarpedVRT(src, crs=CRS.from_epsg(3857), resampling=Resampling.bilinear) as vrt:
                    for w in tile_windows(vrt.width, vrt.height):
                        tile = vrt.read(window=w)
                        assert tile.shape == (3, TILE, TILE)
        return run
    if case == "merge16":
        datas = [load(datadir, "merge_%02d.tif" % i) for i in range(16)]

        def run():
            files = [MemoryFile(d) for d in datas]
            srcs = [f.open() for f in files]
            try:
                dest, _ = merge(srcs)
                assert dest.shape == (1, 6656, 6656)
                return dest
            finally:
                for s, f in zip(srcs, files):
                    s.close()
                    f.close()
        return run
    if case == "rasterize10k":
        shapes = []
        with open(os.path.join(datadir, "polygons10k.txt")) as f:
            for line in f:
                value, geom = line.split("\t", 1)
                shapes.append((json.loads(geom), int(value)))
        transform = Affine(10.0, 0.0, 500000.0, 0.0, -10.0, 4200000.0)

        def run():
            out = rasterize(shapes, out_shape=(4096, 4096), transform=transform)
            assert out.shape == (4096, 4096) and out.dtype == np.uint8
            return out
        return run
    if case == "shapes4096":
        with MemoryFile(load(datadir, "classes.tif")) as mf, mf.open() as ds:
            classes, transform = ds.read(1), ds.transform

        def run():
            # Every shape built and kept, as a caller listing them would.
            out = list(features.shapes(classes, transform=transform))
            assert len(out) == 15343
            return out
        return run
    raise SystemExit(f"unknown case {case}")


def main():
    case, datadir, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = make_case(case, datadir)
    with rasterio.Env():
        run()  # warm-up
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000.0)
    out = {"case": case, "median_ms": statistics.median(times), "times_ms": times}
    if case == "threads8_small_x200":
        out["reads_per_s"] = 1600.0 / (out["median_ms"] / 1000.0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
