"""The reference tiler for `bench/serve_bench.py`: what TiTiler does for a tile, written with
rasterio the way rio-tiler does it (a WarpedVRT at the source's resolution over the tile, a
read with out_shape, the mask as alpha, PNG through a MemoryFile), served by FastAPI + uvicorn
(Debian packages). Only the tile route, on files under REFERENCE_ROOT.

    REFERENCE_ROOT=DIR uvicorn --app-dir bench serve_reference:app --workers N --port P
"""

import math
import os

import numpy
import rasterio
from fastapi import FastAPI, HTTPException, Response
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform, transform_bounds

ROOT = os.path.realpath(os.environ.get("REFERENCE_ROOT", "."))
WEB_MERCATOR = CRS.from_epsg(3857)
HALF = 20037508.342789244
app = FastAPI()


def tile_bounds(z, x, y):
    size = 2 * HALF / (1 << z)
    left, top = -HALF + x * size, HALF - y * size
    return left, top - size, left + size, top


@app.get("/cog/tiles/WebMercatorQuad/{z}/{x}/{y}.png")
def tile(z: int, x: int, y: int, url: str):
    path = os.path.realpath(os.path.join(ROOT, url))
    if not path.startswith(ROOT + os.sep) or not os.path.exists(path):
        raise HTTPException(status_code=400, detail="url: refused")
    left, bottom, right, top = tile_bounds(z, x, y)
    with rasterio.open(path) as src:
        db = transform_bounds(src.crs, WEB_MERCATOR, *src.bounds, densify_pts=21)
        if left >= db[2] or right <= db[0] or bottom >= db[3] or top <= db[1]:
            raise HTTPException(status_code=404, detail="Tile %d/%d/%d is outside bounds" % (z, x, y))
        native, _, _ = calculate_default_transform(src.crs, WEB_MERCATOR, src.width, src.height, *src.bounds)
        res = min(abs(native.a), (right - left) / 256)
        w = max(256, int(math.ceil((right - left) / res - 1e-6)))
        vrt_transform = Affine((right - left) / w, 0, left, 0, -(top - bottom) / w, top)
        opts = dict(crs=WEB_MERCATOR, transform=vrt_transform, width=w, height=w, resampling=Resampling.nearest)
        if src.nodata is None:
            opts["add_alpha"] = True
        with WarpedVRT(src, **opts) as vrt:
            data = vrt.read(indexes=[1, 2, 3], out_shape=(3, 256, 256))
            mask = vrt.dataset_mask(out_shape=(256, 256))
    with MemoryFile() as mf:
        with mf.open(driver="PNG", width=256, height=256, count=4, dtype="uint8") as dst:
            dst.write(numpy.concatenate([data.astype("uint8"), mask[None].astype("uint8")]))
        body = mf.read()
    return Response(body, media_type="image/png")
