#!/usr/bin/python3
"""Side-by-side benchmark of rastio and rasterio on the same files, in the same run (issue 6).

Usage: compare.py BUILD_DIR [--reps N] [--rounds N] [--cases a,b] [--no-update]

Makes the inputs with GDAL (bench/make_inputs.py, cached in BUILD_DIR/bench-data), runs every
case in its own process under /usr/bin/time -v: rastio (BUILD_DIR/bench/rastio_bench, Google
Benchmark), rasterio with default settings and rasterio with GDAL_NUM_THREADS=ALL_CPUS. Prints
one markdown table, writes it to bench/out/table.md and replaces the marked section of
BENCHMARKS.md (unless --no-update).
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"  # Debian's python3 with rasterio, numpy and GDAL's bindings

MiB = 1024 * 1024
# case, label, bytes of input and of output for the RSS bar (read cases only), bar vs default, bar vs tuned
CASES = [
    ("small_read_x1000", "open + read all bands, small file (197 KB), 1000 times", "small.tif", 256 * 256 * 3, 10, 10),
    ("raw_read", "open + read all bands, 48 MB uncompressed", "raw.tif", 4096 * 4096 * 3, 8, 2),
    ("copy_read", "the same from a copy: MemoryFile(bytes) copies (rasterio's borrows), open + read", "raw.tif",
     4096 * 4096 * 3, 5, 2),
    ("deflate_read", "open + read all bands, 48 MB DEFLATE", "deflate.tif", 4096 * 4096 * 3, 3, 1.5),
    ("lzw_f32_read", "open + read all bands, 64 MB float32 LZW predictor 3", "lzw_f32.tif", 4096 * 4096 * 4, 3, 1.5),
    ("incremental_write_read", "48 MB written in 8 KiB writes into an empty MemoryFile, then open + read", None, None, 10, 10),
    ("write_raw", "create 4096x4096x3 GTiff in a MemoryFile, write, close, getbuffer: uncompressed", None, None, 5, 5),
    ("write_deflate", "the same with DEFLATE", None, None, 2, 1.5),
    ("write_tiled_raw", "the same, tiled (TILED=YES, 256x256): uncompressed", None, None, 5, 5),
    ("write_tiled_deflate", "the same, tiled, with DEFLATE", None, None, 2, 1.5),
    ("threads8_small_x200", "8 threads each opening + reading the small file 200 times, one MemoryFile", None, None, None, None),
    # Issue 13: reprojection of raw.tif (UTM 33N) to Web Mercator on the grid calculate_default_transform
    # gives (4098x4115x3), into a new array; then a tile server's reads through a WarpedVRT.
    ("warp_bilinear", "reproject 4096x4096x3 uint8 UTM 33N -> Web Mercator (4098x4115), bilinear", "raw.tif",
     4098 * 4115 * 3, 2, 1.2),
    ("warp_nearest", "the same, nearest", "raw.tif", 4098 * 4115 * 3, 2, 1.2),
    ("warpedvrt_tiles_x256", "WarpedVRT of it in Web Mercator (bilinear), 256 reads of 256x256 windows spread over it",
     "raw.tif", 256 * 256 * 3, 2, 1.2),
    # Issue 16: rasterio.merge.merge of 16 overlapping 2048x2048 uint8 tiles (nodata 0) into 6656x6656.
    ("merge16", "merge of 16 overlapping 2048x2048 uint8 tiles (nodata 0) into 6656x6656", None, None, 2, 2),
    # Issue 16: rasterio.features.rasterize of 10,000 polygons (most with a hole) into 4096x4096 uint8.
    ("rasterize10k", "rasterize 10,000 polygons (most with a hole) into 4096x4096 uint8", None, None, 2, 2),
    # Issue 16: rasterio.features.shapes of a 4096x4096 uint8 classified raster (15,343 polygons, 468k
    # vertices), every result consumed: rasterio builds Python dicts, rastio nlohmann::json.
    ("shapes4096", "shapes of a 4096x4096 uint8 classified raster (15,343 polygons), all consumed", None, None, 2, 2),
]
# RSS bar slack over input + output, MiB (the warp cases' bar is issue 13's: 64 MiB).
RSS_SLACK = {"warp_bilinear": 64, "warp_nearest": 64, "warpedvrt_tiles_x256": 64}


def run_timed(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in KiB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, int(m.group(1)) if m else 0


def rastio_case(bench, case, data, reps):
    env = dict(os.environ, RASTIO_BENCH_DATA=data)
    out, rss = run_timed([bench, f"--benchmark_filter=^BM_{case}/", f"--benchmark_repetitions={reps}",
                          "--benchmark_format=json"], env)
    runs = json.loads(out)["benchmarks"]
    scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}
    times = [r["real_time"] * scale[r["time_unit"]] for r in runs if r.get("run_type") == "iteration"]
    return times, rss


def rasterio_case(case, data, reps, tuned):
    env = dict(os.environ)
    env.pop("GDAL_NUM_THREADS", None)
    if tuned:
        env["GDAL_NUM_THREADS"] = "ALL_CPUS"
    out, rss = run_timed([PY, os.path.join(HERE, "rasterio_bench.py"), case, data, str(reps)], env)
    return json.loads(out.strip().splitlines()[-1])["times_ms"], rss


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def fmt_ms(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def page_cost(build):
    """The page-cost probe (bench/page_cost.cpp): what a fresh page costs here, as one line."""
    probe = os.path.join(build, "bench", "page_cost")
    if not os.access(probe, os.X_OK):
        return "page-cost probe not built (cmake --build BUILD --target page_cost)"
    return subprocess.run([probe], capture_output=True, text=True, check=True).stdout.strip()


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({model}), {mem_kb / MiB:.1f} GiB RAM, Linux {platform.release()}, load average {load:.1f} at start"


def versions():
    v = subprocess.run([PY, "-c", "import rasterio; from osgeo import gdal; print(rasterio.__version__, gdal.__version__)"],
                       capture_output=True, text=True).stdout.split()
    return (v + ["?", "?"])[:2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=3, help="timed runs per process, after one warm-up")
    ap.add_argument("--rounds", type=int, default=3, help="processes per side and case, alternating sides")
    ap.add_argument("--cases", default="", help="comma-separated subset of cases")
    ap.add_argument("--no-update", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = ap.parse_args()
    bench = os.path.join(args.build, "bench", "rastio_bench")
    if not os.access(bench, os.X_OK):
        raise SystemExit(f"{bench} is missing: build with Google Benchmark installed (libbenchmark-dev)")
    data = os.path.join(args.build, "bench-data")
    subprocess.run([PY, os.path.join(HERE, "make_inputs.py"), data], check=True)
    wanted = set(filter(None, args.cases.split(",")))
    started = datetime.datetime.now(datetime.timezone.utc)
    env_line = machine()
    # Every large case's ratio depends on what a fresh page costs: measured once, before the cases.
    pages = page_cost(args.build)
    print(f"Page cost: {pages}", flush=True)
    rasterio_v, gdal_v = versions()

    header = ("| case | rastio | rasterio | rasterio tuned | ratio (bar) | ratio tuned (bar) "
              "| peak RSS rastio | peak RSS rasterio |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    print(header, flush=True)
    print(lines[1], flush=True)
    verdicts = []
    # Peak RSS of a process that only starts GDAL (rastio) or imports rasterio: what every case carries.
    _, r_base = rastio_case(bench, "baseline", data, 1)
    _, p_base = rasterio_case("baseline", data, 1, tuned=False)
    for case, label, infile, out_bytes, bar, bar_tuned in CASES:
        if wanted and case not in wanted:
            continue
        # Rounds alternate the three processes, so that a busy moment of a shared machine falls on
        # all of them rather than on one; the median is over every timed run of every round.
        r_all, p_all, t_all = [], [], []
        r_rss = p_rss = 0
        for _ in range(args.rounds):
            times, rss = rastio_case(bench, case, data, args.reps)
            r_all += times
            r_rss = max(r_rss, rss)
            times, rss = rasterio_case(case, data, args.reps, tuned=False)
            p_all += times
            p_rss = max(p_rss, rss)
            times, _ = rasterio_case(case, data, args.reps, tuned=True)
            t_all += times
        r_ms, p_ms, t_ms = median(r_all), median(p_all), median(t_all)
        ratio, ratio_t = p_ms / r_ms, t_ms / r_ms

        def cell(x, b):
            if b is None:
                return f"{x:.1f}x"
            return f"{x:.1f}x ({'>=' if x >= b else '**<**'} {b:g}) {'ok' if x >= b else 'MISSED'}"
        if bar is not None:
            verdicts.append((case, ratio >= bar and ratio_t >= bar_tuned))
        grown = (r_rss - r_base) / 1024
        rss_cell = f"{r_rss / 1024:.0f} MiB (+{grown:.0f}"
        if infile:
            # The copying read holds its input twice by definition (the caller's bytes and the copy).
            copies = 2 if case == "copy_read" else 1
            limit = (copies * os.path.getsize(os.path.join(data, infile)) + out_bytes) / MiB + RSS_SLACK.get(case, 32)
            rss_cell += f"; bar +{limit:.0f} {'ok' if grown <= limit else 'MISSED'}"
        rss_cell += ")"
        if case == "threads8_small_x200":
            name = f"{label}: {1600 / (r_ms / 1000):,.0f} vs {1600 / (p_ms / 1000):,.0f} reads/s"
        else:
            name = label
        row = (f"| {name} | {fmt_ms(r_ms)} | {fmt_ms(p_ms)} | {fmt_ms(t_ms)} | {cell(ratio, bar)} "
               f"| {cell(ratio_t, bar_tuned)} | {rss_cell} | {p_rss / 1024:.0f} MiB (+{(p_rss - p_base) / 1024:.0f}) |")
        lines.append(row)
        print(row, flush=True)

    minutes = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
    notes = [
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `bash bench/compare.sh {' '.join(sys.argv[1:])}` (what `make bench` runs), "
        f"{args.rounds} rounds alternating the three processes of each case, each process timing {args.reps} "
        f"runs after one warm-up: medians of {args.rounds * args.reps} runs; {minutes:.1f} minutes in all.",
        f"Machine: {env_line}. rasterio {rasterio_v} on GDAL {gdal_v}.",
        f"Page cost (`bench/page_cost`, 256 MiB faulted in, before the cases): {pages}.",
        "Ratios are rasterio time / rastio time; \"tuned\" is rasterio with GDAL_NUM_THREADS=ALL_CPUS. "
        "Peak RSS is /usr/bin/time -v of one process per case (rasterio's: default settings); in brackets, "
        f"the growth over a process that only starts GDAL ({r_base / 1024:.0f} MiB for rastio) or imports rasterio "
        f"({p_base / 1024:.0f} MiB). The RSS bar (input + output + 32 MiB; 64 MiB for the warp cases; the copying "
        "read's input counted twice) applies to that growth.",
    ]
    table = "\n".join(lines + notes) + "\n"
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "table.md"), "w") as f:
        f.write(table)
    print("\n".join(notes))
    missed = [c for c, ok in verdicts if not ok]
    print(f"bars missed: {', '.join(missed) if missed else 'none'}")
    if not args.no_update and not wanted:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        text = open(path).read() if os.path.exists(path) else ""
        begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
        if begin in text and end in text:
            text = text[:text.index(begin) + len(begin)] + "\n" + table + text[text.index(end):]
            with open(path, "w") as f:
                f.write(text)
            print(f"updated {path}")
        else:
            print(f"{path} has no {begin} ... {end} section: not updated")


if __name__ == "__main__":
    main()
