"""rastio's remote-raster tests: reads by URL and through a ByteSource against a local server.

Each case starts its own range_server.py on 127.0.0.1 in a temporary folder, runs real programs
against it with timeouts (remote_probe, the rastio tool), checks what they printed and what went
over the wire, then stops the server and removes the folder. Exit 0: passed, 1: failed, 77: skipped.

    remote_test.py CASE --probe EXE [--rastio EXE] [--corpus DIR]
    CASE: windows | source_windows | direct_bytes | faults | source_faults | delay | tool
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from range_server import Server  # noqa: E402

SKIP = 77
TIMEOUT = 60  # seconds for any one program


class Failed(Exception):
    pass


class Skipped(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def child_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.pop("GDAL_DISABLE_READDIR_ON_OPEN", None)  # rastio's default for remote paths is tested
    env["GDAL_HTTP_MAX_RETRY"] = "0"
    env.update(extra or {})
    return env


def run(cmd, env=None, timeout=TIMEOUT):
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, env=child_env(env))
    secs = time.monotonic() - t0
    out = r.stdout.decode(errors="replace")
    err = r.stderr.decode(errors="replace")
    if out:
        print(out.rstrip())
    if err:
        print("stderr: " + err.rstrip())
    return r.returncode, out, err, secs


def make_fixtures(args, root):
    """cog.tif: a DEFLATE COG with 256x256 tiles and an overview, made by GDAL's own gdal_translate."""
    src = os.path.join(args.corpus, "RGB.byte.tif")
    if not os.path.isfile(src):
        raise Skipped(f"the corpus file {src} is missing")
    gdal_translate = shutil.which("gdal_translate")
    if gdal_translate is None:
        raise Skipped("gdal_translate (GDAL's tools) is not installed")
    cog = os.path.join(root, "cog.tif")
    subprocess.run([gdal_translate, "-q", "-of", "COG", "-co", "BLOCKSIZE=256", "-co", "COMPRESS=DEFLATE",
                    "-co", "OVERVIEWS=AUTO", src, cog], check=True, timeout=TIMEOUT)
    shutil.copy(os.path.join(args.corpus, "cogeo.tif"), os.path.join(root, "cogeo.tif"))
    with zipfile.ZipFile(os.path.join(root, "cogs.zip"), "w", zipfile.ZIP_STORED) as z:
        z.write(cog, "dir/cog.tif")
    return cog


# name, read options, whether rastio's own remote reader serves it (else GDAL reads it)
READS = [
    ("cog.tif", [], True),
    ("cog.tif", ["--window", "100,37,300,211"], True),
    ("cog.tif", ["--window", "512,256,256,256"], True),
    ("cog.tif", ["--out-shape", "90,99"], False),  # decimated between levels: GDAL resamples an overview
    ("cog.tif", ["--out-shape", "359,395"], True),  # the whole of the first overview, pixel for pixel
    ("cogeo.tif", ["--window", "300,500,400,300"], False),  # YCbCr JPEG: GDAL decodes it
    ("cogeo.tif", ["--window", "0,0,1024,1024", "--out-shape", "256,256"], False),
]


def case_windows(args, server, root, source=False):
    extra = ["--source"] if source else []
    for name, opts, direct in READS:
        rc, out, _, _ = run([args.probe, server.url(name), os.path.join(root, name)] + extra + opts)
        check(rc == 0 and "identical=yes" in out, f"{name} {opts}: not the pixels of the local copy (exit {rc})")
        check("registered_after=0" in out, "a ByteSource stayed registered after its dataset closed")
        served = re.search(r"direct=(\d+)", out)
        check(served and (int(served.group(1)) > 0) == direct,
              f"{name} {opts}: the remote direct reader {'did not serve' if direct else 'served'} the read")
        # The same read with the direct reader off: GDAL's pixels, the same answer.
        rc, out, _, _ = run([args.probe, server.url(name), os.path.join(root, name), "--env", "RASTIO_DIRECT_READ=NO"]
                            + extra + opts)
        check(rc == 0 and "identical=yes" in out and "direct=0" in out, f"{name} {opts}: GDAL's own read failed")
    names = {r["path"].split("?", 1)[0] for r in server.requests}
    check(names <= {f"/ok/{name}" for name, _, _ in READS},
          f"requests for other files than the raster (sidecars, listings): {sorted(names)}")
    gets = [r for r in server.requests if r["method"] == "GET"]
    check(gets, "the server saw no GET")
    for r in gets:
        check(r["range"] is not None and r["status"] == 206, f"a GET fetched the whole file, not a range: {r}")
    total = sum(r["bytes"] for r in gets)
    print(f"{len(server.requests)} requests, {len(gets)} ranged GETs, {total} bytes")


def block_bytes(path, window, block=256):
    """The compressed bytes of the full-resolution blocks that `window` (col, row, w, h) touches,
    as GDAL's GTiff driver reports them (BLOCK_SIZE_x_y), or Skipped without GDAL's Python."""
    try:
        from osgeo import gdal
    except ImportError as e:
        raise Skipped(f"GDAL's Python bindings are missing ({e})")
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)  # pixel-interleaved: one block holds every band
    col, row, w, h = window
    total = 0
    for y in range(row // block, (row + h - 1) // block + 1):
        for x in range(col // block, (col + w - 1) // block + 1):
            total += int(band.GetMetadataItem(f"BLOCK_SIZE_{x}_{y}", "TIFF"))
    return total


def case_direct_bytes(args, server, root):
    """A window read by URL fetches the header once and then only its blocks, in one batch."""
    local = os.path.join(root, "cog.tif")
    window = (200, 200, 400, 300)  # 2 x 3 blocks of 256
    tiles = block_bytes(local, window)
    server.requests.clear()
    rc, out, _, _ = run([args.probe, server.url("cog.tif"), local, "--window", ",".join(map(str, window))])
    check(rc == 0 and "identical=yes" in out and "direct=1" in out, "the direct read by URL failed or did not run")
    gets = [r for r in server.requests if r["method"] == "GET"]
    header = gets[0]["bytes"]  # GDAL's first read: the header and the first IFDs
    fetched = sum(r["bytes"] for r in gets[1:])
    print(f"{len(server.requests)} requests ({len(gets)} GETs): header {header} bytes, then {fetched} bytes "
          f"for blocks of {tiles} bytes")
    check(len(gets) <= 3, f"{len(gets)} GETs for one window: {gets}")
    check(fetched >= tiles, f"fetched {fetched} bytes, fewer than the blocks' own {tiles}")
    check(header + fetched <= 1.25 * (tiles + header), f"fetched {header + fetched} bytes for {tiles} of blocks")


def case_source_windows(args, server, root):
    case_windows(args, server, root, source=True)


# mode -> what the message must say (besides the URL), for GDAL's /vsicurl/ and for the ByteSource
FAULTS = {
    "status-404": (r"404", r"HTTP 404"),
    "status-500": (r"500", r"HTTP 500"),
    "past-65536-500": (r"HTTP 500", r"HTTP 500"),
    "past-65536-404": (r"HTTP 404", r"HTTP 404"),
    "past-65536-short": (r"transfer closed|bytes remaining", r"Transferred a partial file|got \d+ of \d+ bytes"),
    "stall": (r"[Tt]imed out", r"[Tt]imeout|timed out"),
    "past-65536-stall": (r"[Tt]imed out", r"[Tt]imeout|timed out"),
    "norange": (r"Range downloading not supported", r"HTTP 200 \(expected 206\)"),
    "after-1-short": (r"transfer closed|bytes remaining|not recognized", r"Transferred a partial file|got \d+ of \d+ bytes"),
}


def case_faults(args, server, root, source=False):
    local = os.path.join(root, "cog.tif")
    for mode, (gdal_says, source_says) in FAULTS.items():
        url = server.url("cog.tif", mode)
        cmd = [args.probe, url, local]
        env = None
        if source:
            cmd += ["--source", "--timeout", "2"]
        elif mode.startswith("past") and mode.endswith("stall"):
            cmd += ["--env", "GDAL_HTTP_TIMEOUT=2"]  # through rastio::Env
        else:
            env = {"GDAL_HTTP_TIMEOUT": "2"}  # through the process environment
        rc, out, _, secs = run(cmd, env=env)
        check("DIFFERENT" not in out and rc != 0, f"{mode}: a fault gave pixels reported as a success")
        check(rc == 2 and out.startswith("IOError: "), f"{mode}: expected an IOError, got exit {rc}")
        message = out.splitlines()[0]
        check(url in message, f"{mode}: the message does not name the URL")
        says = source_says if source else gdal_says
        check(re.search(says, message), f"{mode}: the message does not say /{says}/")
        check(secs < 20, f"{mode}: took {secs:.1f} s despite a 2 s timeout")
        check("registered_after=0" in out, f"{mode}: a ByteSource stayed registered")


def case_source_faults(args, server, root):
    case_faults(args, server, root, source=True)


def case_delay(args, server, root):
    server.delay = 0.05
    rc, out, _, secs = run([args.probe, server.url("cog.tif"), os.path.join(root, "cog.tif"),
                            "--window", "100,37,300,211"])
    check(rc == 0 and "identical=yes" in out, "the delayed read differs from the local copy")
    n = len(server.requests)
    check(n >= 2, f"only {n} requests")
    check(secs >= 0.05 * 2, f"{n} requests each delayed 50 ms took only {secs:.2f} s")
    print(f"delay 50 ms: {n} requests, {secs:.2f} s")
    # Sidecars are looked for when the user asks (GDAL's option honoured over rastio's default).
    server.requests.clear()
    rc, out, _, _ = run([args.probe, server.url("cog.tif"), os.path.join(root, "cog.tif"), "--window", "0,0,64,64"],
                        env={"GDAL_DISABLE_READDIR_ON_OPEN": "FALSE"})
    check(rc == 0 and "identical=yes" in out, "the read with sidecar lookups differs")
    probes = [r["path"] for r in server.requests if not r["path"].endswith("/cog.tif")]
    check(probes, "GDAL_DISABLE_READDIR_ON_OPEN=FALSE looked for no sidecar")


def case_tool(args, server, root):
    if not args.rastio or not os.path.isfile(args.rastio):
        raise Skipped("the rastio tool is not built (RASTIO_BUILD_TOOLS=OFF, or not this target)")
    local = os.path.join(root, "cog.tif")
    rc, remote_out, _, _ = run([args.rastio, "info", server.url("cog.tif")])
    check(rc == 0, f"rastio info URL exited {rc}")
    rc, local_out, _, _ = run([args.rastio, "info", local])
    check(rc == 0, f"rastio info LOCAL exited {rc}")
    remote, here = json.loads(remote_out), json.loads(local_out)
    for key in ("driver", "width", "height", "count", "dtype", "crs", "transform", "bounds", "blockxsize", "tiled"):
        check(remote.get(key) == here.get(key), f"info {key}: {remote.get(key)} by URL, {here.get(key)} locally")

    zipped = f"zip+http://127.0.0.1:{server.port}/ok/cogs.zip!dir/cog.tif"
    rc, zip_out, _, _ = run([args.rastio, "info", zipped])
    check(rc == 0 and json.loads(zip_out).get("width") == here["width"], "rastio info zip+http://...!member failed")

    out_tif = os.path.join(root, "converted.tif")
    rc, _, _, _ = run([args.rastio, "convert", server.url("cog.tif"), out_tif])
    check(rc == 0 and os.path.isfile(out_tif), f"rastio convert URL exited {rc}")
    rc, out, _, _ = run([args.probe, "file://" + out_tif, local])
    check(rc == 0 and "identical=yes" in out, "rastio convert from a URL wrote other pixels")

    rc, _, err, _ = run([args.rastio, "info", server.url("cog.tif", "status-404")])
    check(rc != 0 and err.startswith("rastio: error: ") and len(err.strip().splitlines()) == 1,
          "rastio info on a 404 did not print one error line")
    check("404" in err and server.url("cog.tif", "status-404") in err, "the tool's error misses the status or URL")


CASES = {
    "windows": case_windows,
    "source_windows": case_source_windows,
    "faults": case_faults,
    "source_faults": case_source_faults,
    "direct_bytes": case_direct_bytes,
    "delay": case_delay,
    "tool": case_tool,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--probe", required=True)
    parser.add_argument("--rastio")
    parser.add_argument("--corpus", default="")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="rastio-remote-")
    try:
        make_fixtures(args, root)
        with Server(root, lifetime=100.0) as server:
            CASES[args.case](args, server, root)
    except Skipped as e:
        print(f"skipped: {e}")
        return SKIP
    except Failed as e:
        print(f"FAILED: {e}")
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
