"""Compares `rastio bounds` with `rio bounds` on rasters made fresh: one input or several, the
feature sequence (the default) and --collection, --feature and --bbox, --rs, --geographic,
--projected, --mercator, --dst-crs, --precision, --indent, --compact. The JSON must be equal
(floats to 1e-9). Bad input (a missing file, a bad --dst-crs, no CRS to transform from) is one
error line, a non-zero exit and no output.

Usage: /usr/bin/python3 bounds_rio.py RASTIO_TOOL      (exit 77: skipped)
"""
import os

# rio_common first: without rasterio it prints "SKIPPED: ..." and exits 77.
from rio_common import compare_json_output, finish, refuses, start

import numpy as np
import rasterio
from rasterio.transform import Affine, from_origin

tool, failures, tmp, _ = start("bounds")


def make(name, crs, transform, width=60, height=40):
    path = os.path.join(tmp, name)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs=crs,
                       transform=transform) as ds:
        ds.write(np.ones((1, height, width), "uint8"))
    return path


utm = make("utm.tif", "EPSG:32633", from_origin(500000, 5600000, 30, 30))
lcc = make("lcc.tif", "EPSG:2154", from_origin(650000, 6870000, 100, 100))
geo = make("geo.tif", "EPSG:4326", from_origin(-10.5, 44.25, 0.05, 0.05))
rot = make("rotated.tif", "EPSG:32633", Affine(30, 5, 500000, 5, -30, 5600000))
nocrs = make("nocrs.tif", None, from_origin(0, 100, 1, 1))
# Inputs named as the user typed them: rio's title is the path as given.
os.chdir(tmp)
CASES = [
    ("default", [utm]),
    ("relative path", ["lcc.tif"]),
    ("projected", [utm, "--projected"]),
    ("geographic", [lcc, "--geographic"]),
    ("mercator", [utm, "--mercator"]),
    ("dst-crs", [utm, "--dst-crs", "EPSG:3857"]),
    ("dst-crs lower", [geo, "--dst-crs", "epsg:32630"]),
    ("dst-crs wins", [utm, "--projected", "--dst-crs", "EPSG:2154"]),
    ("bbox", [lcc, "--bbox"]),
    ("feature", [lcc, "--feature"]),
    ("several", [utm, "lcc.tif", geo]),
    ("several rs", [utm, lcc, "--rs"]),
    ("collection", [utm, "lcc.tif", geo, "--collection"]),
    ("collection bbox", [utm, lcc, geo, "--collection", "--bbox"]),
    ("sequence bbox", [utm, lcc, "--sequence", "--bbox"]),
    ("precision", [utm, lcc, "--precision", "3"]),
    ("precision projected", [utm, "--precision", "0", "--projected"]),
    ("indent", [utm, "--indent", "2"]),
    ("indent collection", [utm, lcc, "--indent", "4", "--collection"]),
    ("compact", [utm, lcc, "--compact", "--collection"]),
    ("rotated", [rot, "--projected"]),
    ("rotated geographic", [rot]),
    ("no crs projected", [nocrs, "--projected"]),
]
identical = 0
for label, args in CASES:
    identical += compare_json_output(tool, "bounds", args, failures, label)

refuses(tool, ["bounds", os.path.join(tmp, "no-such.tif")], failures, "missing input")
refuses(tool, ["bounds", utm, "--dst-crs", "EPSG:999999"], failures, "bad dst-crs")
refuses(tool, ["bounds", nocrs], failures, "no crs")
finish(failures, "bounds: %d rio cases (%d byte-identical), 3 refusals" % (len(CASES), identical))
