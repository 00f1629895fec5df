#!/usr/bin/python3
"""The bench's warp cases, checked pixel for pixel against rasterio (issue 13).

Usage: warp_identity.py RASTIO_TOOL BENCH_DATA_DIR

Reprojects BENCH_DATA_DIR/raw.tif (4096x4096x3 uint8, UTM 33N) to Web Mercator with
`rastio warp` (rastio's reproject, with its own warp kernel and every CPU) and with rasterio's
reproject() as bench/rasterio_bench.py calls it (one thread), bilinear and nearest, and prints
how many pixels differ (0 expected) and whether the grids are equal. Exits 1 on a difference.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import calculate_default_transform, reproject


def rasterio_warp(path, resampling):
    dst_crs = CRS.from_epsg(3857)
    with rasterio.open(path) as src:
        transform, width, height = calculate_default_transform(src.crs, dst_crs, src.width, src.height, *src.bounds)
        dst = np.zeros((src.count, height, width), src.dtypes[0])
        reproject(rasterio.band(src, list(src.indexes)), dst, dst_transform=transform, dst_crs=dst_crs,
                  resampling=resampling, num_threads=1)
    return dst, transform


def main():
    tool, data = sys.argv[1], sys.argv[2]
    src = os.path.join(data, "raw.tif")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("bilinear", "nearest"):
            out = os.path.join(tmp, name + ".tif")
            subprocess.run([tool, "warp", src, out, "--dst-crs", "EPSG:3857", "--resampling", name], check=True)
            want, want_transform = rasterio_warp(src, Resampling[name])
            with rasterio.open(out) as got_ds:
                got = got_ds.read()
                same_grid = got_ds.transform.almost_equals(want_transform, precision=1e-9) and got.shape == want.shape
            differ = int(np.count_nonzero(got != want)) if got.shape == want.shape else -1
            print(f"{name}: shape {got.shape}, same grid: {same_grid}, samples that differ: {differ} of {want.size}")
            failed |= differ != 0 or not same_grid
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
