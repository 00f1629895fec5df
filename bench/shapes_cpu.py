#!/usr/bin/python3
"""CPU time of one process polygonizing bench-data/classes.tif (BENCHMARKS.md, shapes4096).

    /usr/bin/python3 bench/shapes_cpu.py gdal|rasterio BUILD/bench-data/classes.tif

`gdal`: GDAL's own gdal.Polygonize of the band (copied to a MEM dataset first) into an OGR Memory
layer, nothing else; `rasterio`: list(rasterio.features.shapes(band, transform=...)). One warm-up,
then the median of 3 runs of time.process_time(). rastio's figure is rastio_bench's CPU column.
"""
import statistics
import sys
import time


def main():
    which, path = sys.argv[1], sys.argv[2]
    if which == "rasterio":
        import rasterio
        import rasterio.features
        with rasterio.open(path) as ds:
            band, transform = ds.read(1), ds.transform

        def run():
            return len(list(rasterio.features.shapes(band, transform=transform)))
    else:
        from osgeo import gdal, ogr
        gdal.UseExceptions()
        mem = gdal.GetDriverByName("MEM").CreateCopy("", gdal.Open(path))
        band = mem.GetRasterBand(1)

        def run():
            vds = ogr.GetDriverByName("Memory").CreateDataSource("")
            layer = vds.CreateLayer("polygons")
            layer.CreateField(ogr.FieldDefn("value", ogr.OFTInteger))
            gdal.Polygonize(band, None, layer, 0, [])
            return layer.GetFeatureCount()
    count = run()
    times = []
    for _ in range(3):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    print(f"{which}: {count} polygons, CPU {statistics.median(times):.3f} s (median of {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
