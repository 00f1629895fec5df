#!/usr/bin/python3
"""`make bench-remote`: a cold open + one read of a remote COG, rastio against rasterio 1.3.5, with
the same Range server (tests/remote/range_server.py on 127.0.0.1) adding a fixed delay per request.

Input: a 16384x16384 RGB uint8 COG (DEFLATE, 512x512 tiles, overviews), made once with GDAL in
BUILD_DIR/bench-data/remote_cog.tif (about 900 MB, a minute). Cases: a 512x512 window at full
resolution, and a 4096x4096 window read into 256x256 (GDAL's 1024x1024 overview, pixel for pixel).
Every measurement is a fresh process against a fresh server, so nothing is cached between them;
the time is taken inside the process, from open to the end of the read. Requests and bytes come
from the server's log. Figures only: nothing is asserted.

    remote_bench.py BUILD_DIR [--delay-ms 20] [--rounds 3]
"""

import argparse
import ast
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "tests", "remote", "range_server.py")
PY = "/usr/bin/python3"
N = 16384
CASES = {
    "window 512x512": ((5000, 7000, 512, 512), None),
    "overview 256x256": ((4096, 4096, 4096, 4096), (256, 256)),
}
RASTERIO = """
import sys, time
import rasterio
from rasterio.windows import Window
url, col, row, w, h = sys.argv[1], *map(int, sys.argv[2:6])
shape = tuple(map(int, sys.argv[6:8])) if len(sys.argv) > 6 else None
t = time.perf_counter()
with rasterio.open(url) as ds:
    a = ds.read(window=Window(col, row, w, h), out_shape=(3,) + shape if shape else None)
ms = (time.perf_counter() - t) * 1000
print(f"ms={ms:.1f} sum={int(a.sum(dtype='uint64'))}")
"""
PEERS = {
    "rasterio defaults": {},
    "rasterio tuned": {"GDAL_HTTP_MULTIRANGE": "YES", "GDAL_NUM_THREADS": "ALL_CPUS"},
}


def make_cog(path):
    import numpy as np
    from osgeo import gdal
    gdal.UseExceptions()
    tmp = path + ".src.tif"
    ds = gdal.GetDriverByName("GTiff").Create(tmp, N, N, 3, gdal.GDT_Byte,
                                              ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512"])
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 4200000.0, 0.0, -10.0))
    ds.SetProjection("EPSG:32633")
    rng = np.random.default_rng(5)
    x = np.arange(N, dtype=np.float32)[None, :]
    for r0 in range(0, N, 1024):  # smooth waves plus noise, as imagery looks, a strip at a time
        y = np.arange(r0, r0 + 1024, dtype=np.float32)[:, None]
        for b in range(3):
            f = (np.sin(x / (37.0 + 11 * b)) * np.cos(y / (53.0 + 7 * b)) * 60.0 + (x + y) / (2 * N) * 80.0 + 90.0
                 + rng.normal(0, 3.0, (1024, N)).astype(np.float32))
            ds.GetRasterBand(b + 1).WriteArray(np.clip(f, 0, 255).astype(np.uint8), 0, r0)
    ds = None
    gdal.Translate(path + ".part", tmp, format="COG",
                   creationOptions=["COMPRESS=DEFLATE", "NUM_THREADS=ALL_CPUS", "BLOCKSIZE=512"])
    os.remove(tmp)
    os.replace(path + ".part", path)


def own_bytes(path, window, shape):
    """The compressed bytes of the blocks the read needs, at the level it reads, from GDAL's TIFF metadata."""
    from osgeo import gdal
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    col, row, w, h = window
    if shape:
        f = w // shape[1]
        band = next(band.GetOverview(i) for i in range(band.GetOverviewCount()) if band.GetOverview(i).XSize == N // f)
        col, row, w, h = col // f, row // f, shape[1], shape[0]
    bx, by = band.GetBlockSize()
    total = 0
    for ty in range(row // by, (row + h - 1) // by + 1):
        for tx in range(col // bx, (col + w - 1) // bx + 1):
            total += int(band.GetMetadataItem(f"BLOCK_SIZE_{tx}_{ty}", "TIFF"))
    return total


def measure(cmd, root, delay_ms, env=None):
    srv = subprocess.Popen([PY, SERVER, root, "--delay-ms", str(delay_ms), "--max-requests", "500", "--lifetime", "120"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/ok/remote_cog.tif"
        full_env = dict(os.environ)
        full_env.update(env or {})
        r = subprocess.run([url if a == "URL" else a for a in cmd], capture_output=True, text=True, timeout=120,
                           env=full_env)
        if r.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {r.stderr.strip()}")
        fields = dict(item.split("=", 1) for item in r.stdout.split())
    finally:
        srv.send_signal(signal.SIGINT)
        _, err = srv.communicate(timeout=30)
    log = [ast.literal_eval(line) for line in err.splitlines() if line.startswith("{")]
    return float(fields["ms"]), fields["sum"], len(log), sum(x["bytes"] for x in log if x["method"] == "GET"), fields


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    data = os.path.join(os.path.abspath(args.build), "bench-data")
    os.makedirs(data, exist_ok=True)
    cog = os.path.join(data, "remote_cog.tif")
    if not os.path.exists(cog):
        t = time.time()
        make_cog(cog)
        print(f"made {cog} ({os.path.getsize(cog)} bytes) in {time.time() - t:.0f} s", file=sys.stderr)
    reader = os.path.join(os.path.abspath(args.build), "bench", "remote_read")
    with open(cog, "rb") as f:
        header = len(f.read(16384))  # GDAL's first read of a GeoTIFF by URL
    print(f"input: {N}x{N} RGB uint8 COG, DEFLATE, 512x512 tiles ({os.path.getsize(cog)} bytes); "
          f"{args.delay_ms:g} ms added per request; median of {args.rounds} fresh processes")
    print("| read | reader | ms | requests | bytes | bytes / (blocks + header) | vs rastio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for case, (window, shape) in CASES.items():
        argv = [",".join(map(str, window))] + ([f"{shape[0]},{shape[1]}"] if shape else [])
        need = own_bytes(cog, window, shape) + header
        sides = {"rastio": ([reader, "URL"] + argv, None)}
        for peer, env in PEERS.items():
            sides[peer] = ([PY, "-c", RASTERIO, "URL"] + [str(v) for v in window] + ([str(s) for s in shape] if shape else []),
                           env)
        runs = {name: [] for name in sides}
        for _ in range(args.rounds):  # alternate the sides, so that drift hits them alike
            for name, (cmd, env) in sides.items():
                runs[name].append(measure(cmd, data, args.delay_ms, env))
        sums = {name: {r[1] for r in rs} for name, rs in runs.items()}
        if len(set().union(*sums.values())) != 1:
            print(f"WARNING: {case}: the readers disagree on the pixels: {sums}")
        if any(r[4].get("direct") == "0" for r in runs["rastio"]):
            print(f"WARNING: {case}: rastio's own remote reader did not serve the read")
        base = statistics.median(r[0] for r in runs["rastio"])
        for name, rs in runs.items():
            ms = statistics.median(r[0] for r in rs)
            reqs = statistics.median(r[2] for r in rs)
            got = statistics.median(r[3] for r in rs)
            print(f"| {case} | {name} | {ms:.0f} | {reqs:g} | {got:.0f} | {got / need:.2f} | {ms / base:.1f}x |")


if __name__ == "__main__":
    main()
