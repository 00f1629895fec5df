"""`rastio serve` against the reference tiler (serve_reference.py: FastAPI + uvicorn + rasterio,
rio-tiler's way) in the same run: tiles/s and p50/p99 latency with wrk at 1, 8 and 32
connections, on a 4096x4096 RGB COG with overviews, the same tile list and the same number of
workers. Optionally (--soak) 50,000 tile requests to rastio, with its resident memory after
5,000 and after 50,000. Figures only: nothing is asserted.

    /usr/bin/python3 bench/serve_bench.py RASTIO_EXE [--workers N] [--seconds S] [--soak] [--tile-loop EXE]
"""

import argparse
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def make_cog(path):
    """A 4096x4096 RGB uint8 COG (DEFLATE, 512 blocks, overviews) over a UTM area, smooth colours."""
    import numpy
    import rasterio
    from rasterio import shutil as rio_shutil
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin
    n = 4096
    yy, xx = numpy.mgrid[0:n, 0:n].astype("float32") / n
    rgb = numpy.stack([(128 + 127 * numpy.sin(xx * 20)), (128 + 127 * numpy.cos(yy * 15)),
                       (255 * (xx * yy))]).astype("uint8")
    profile = dict(driver="GTiff", width=n, height=n, count=3, dtype="uint8", crs="EPSG:32618",
                   transform=from_origin(500000, 4500000, 1.0, 1.0))
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp:
            tmp.write(rgb)
        with mem.open() as tmp:
            rio_shutil.copy(tmp, path, driver="COG", compress="DEFLATE", blocksize=512)


def tile_paths(path, zooms=(14, 15, 16, 17)):
    import rasterio
    from rasterio.warp import transform_bounds
    with rasterio.open(path) as src:
        w, s, e, n = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    out = []
    for z in zooms:
        def tx(lon):
            return int((lon + 180) / 360 * (1 << z))

        def ty(lat):
            r = math.radians(lat)
            return int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * (1 << z))
        for x in range(tx(w), tx(e) + 1):
            for y in range(ty(n), ty(s) + 1):
                out.append("/cog/tiles/WebMercatorQuad/%d/%d/%d.png?url=bench.tif" % (z, x, y))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc):
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("server did not come up: " + url)


def wrk(base, paths, connections, seconds, workdir):
    lua = os.path.join(workdir, "paths.lua")
    with open(lua, "w") as f:
        f.write("paths = {%s}\n" % ",".join('"%s"' % p for p in paths))
        f.write("i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
    threads = min(connections, 2)
    r = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", lua, base],
                       capture_output=True, text=True, timeout=seconds + 60)
    out = r.stdout

    def lat(label):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % label, out)
        if not m:
            return float("nan")
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return dict(rps=float(rps.group(1)) if rps else float("nan"), p50=lat("50"), p99=lat("99"),
                errors=int(non2xx.group(1)) if non2xx else 0)


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rastio")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", default="1,8,32")
    ap.add_argument("--soak", action="store_true")
    ap.add_argument("--tile-loop", help="bench/serve_tile_loop: also time a tile's CPU on each side, no socket")
    ap.add_argument("--soak-counts", default="5000,50000", help="requests before the first and the second RSS reading")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("serve_bench: wrk is not installed (Debian's wrk)")
        return 77
    work = tempfile.mkdtemp(prefix="rastio_serve_bench_")
    procs = []
    try:
        cog = os.path.join(work, "bench.tif")
        make_cog(cog)
        paths = tile_paths(cog)
        print("input: 4096x4096 RGB uint8 COG (DEFLATE, overviews); %d tiles at zooms 14-17; %d workers each"
              % (len(paths), args.workers))
        rport, pport = free_port(), free_port()
        rastio = subprocess.Popen([args.rastio, "serve", "--root", work, "--port", str(rport), "--workers",
                                   str(args.workers), "--quiet"], stdout=subprocess.DEVNULL)
        procs.append(rastio)
        env = dict(os.environ, REFERENCE_ROOT=work)
        ref = subprocess.Popen(["/usr/bin/python3", "-m", "uvicorn", "--app-dir", HERE, "serve_reference:app",
                                "--workers", str(args.workers), "--port", str(pport), "--log-level", "warning"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(ref)
        rbase, pbase = "http://127.0.0.1:%d" % rport, "http://127.0.0.1:%d" % pport
        wait_up(rbase + paths[0], rastio)
        wait_up(pbase + paths[0], ref)
        kept = []
        for p in paths:  # tiles the data covers (edge tiles outside it answer 404)
            try:
                urllib.request.urlopen(rbase + p, timeout=30).read()
                kept.append(p)
            except urllib.error.HTTPError:
                pass
        paths = kept
        for p in paths:  # warm the reference too
            urllib.request.urlopen(pbase + p, timeout=30).read()
        print("%d tiles inside the data" % len(paths))
        print("| connections | rastio tiles/s | p50 ms | p99 ms | reference tiles/s | p50 ms | p99 ms | speed-up |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in [int(x) for x in args.connections.split(",")]:
            a = wrk(rbase, paths, c, args.seconds, work)
            b = wrk(pbase, paths, c, args.seconds, work)
            print("| %d | %.0f | %.1f | %.1f | %.0f | %.1f | %.1f | %.1fx |" % (
                c, a["rps"], a["p50"], a["p99"], b["rps"], b["p50"], b["p99"], a["rps"] / b["rps"] if b["rps"] else float("nan")))
            if a["errors"] or b["errors"]:
                print("  non-2xx answers: rastio %d, reference %d" % (a["errors"], b["errors"]))
        if args.tile_loop:
            # CPU time a tile on one thread, the handler without HTTP on each side, alternated:
            # a fairer signal than wrk on a loaded machine.
            listing = os.path.join(work, "tiles.txt")
            with open(listing, "w") as f:
                f.write("\n".join(paths) + "\n")
            here = os.path.join(HERE, "serve", "serve_tile_loop.py")
            env = dict(os.environ, REFERENCE_ROOT=work)
            best = {}
            for _ in range(2):
                for side, cmd in (("rastio", [args.tile_loop, work, listing, "3"]),
                                  ("reference", ["/usr/bin/python3", here, listing, "2"])):
                    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
                    print("  " + r.stdout.strip())
                    m = re.search(r"([\d.]+) ms CPU a tile", r.stdout)
                    if m:
                        best[side] = min(best.get(side, float("inf")), float(m.group(1)))
            if len(best) == 2:
                print("CPU a tile (best): rastio %.2f ms, reference %.2f ms: %.1fx"
                      % (best["rastio"], best["reference"], best["reference"] / best["rastio"]))
        if args.soak:
            def run_n(n):
                for i in range(n):
                    urllib.request.urlopen(rbase + paths[i % len(paths)], timeout=30).read()
            first, total = [int(x) for x in args.soak_counts.split(",")]
            run_n(first)
            after_first = rss_mib(rastio.pid)
            run_n(total - first)
            after_total = rss_mib(rastio.pid)
            print("soak: rastio serve resident memory %.1f MiB after %d tiles, %.1f MiB after %d (%+.1f MiB)"
                  % (after_first, first, after_total, total, after_total - after_first))
        return 0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
