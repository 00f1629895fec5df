"""rastio's HTTP tests: the examples and the tool against a real HTTP server on 127.0.0.1.

Each case starts its own server (server.py) in a temporary folder, runs real programs against it
with timeouts, checks what went over the wire, and stops the server and removes the folder even
when a check fails. Exit 0: passed, 1: failed, 77: skipped (the reason is printed).

    http_test.py CASE --post-geotiff EXE --fetch-and-read EXE [--rastio EXE] [--corpus DIR]
    CASE: post | fetch | cli_info_stdin
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server import Server  # noqa: E402

SKIP = 77
TIMEOUT = 60  # seconds for any one program


class Failed(Exception):
    pass


class Skipped(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def run(cmd, **kwargs):
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, **kwargs)
    out = r.stdout.decode(errors="replace")
    err = r.stderr.decode(errors="replace")
    if out:
        print(out.rstrip())
    if err:
        print("stderr: " + err.rstrip())
    return r.returncode, out, err


def post(args, server, work):
    """Runs post_geotiff against the server; returns (path received, path of the copy sent, raster line)."""
    copy = os.path.join(work, "sent-copy.tif")
    rc, out, _ = run([args.post_geotiff, server.url("posted.tif"), copy])
    check(rc == 0, f"post_geotiff exited {rc}")
    check(re.search(r"HTTP 201, sent (\d+) of \1 bytes", out), "post_geotiff did not report a complete upload")
    received = os.path.join(server.root, "posted.tif")
    check(os.path.isfile(received), "the server received no posted.tif")
    line = re.search(r"^raster: (.*)$", out, re.M)
    check(line, "post_geotiff printed no raster line")
    return received, copy, line.group(1)


def case_post(args, server, work):
    received, copy, raster = post(args, server, work)
    with open(received, "rb") as f:
        got = f.read()
    with open(copy, "rb") as f:
        sent = f.read()
    check(len(got) > 1000, f"only {len(got)} bytes received")
    check(got == sent, f"the server received {len(got)} bytes that differ from getbuffer()'s {len(sent)}")
    records = [r for r in server.received if r["name"] == "posted.tif"]
    check(len(records) == 1, f"expected one POST, the server saw {len(records)}")
    rec = records[0]
    check(rec["content_length"] == str(len(sent)), f"Content-Length {rec['content_length']} != {len(sent)}")
    check(rec["content_type"] == "image/tiff", f"Content-Type {rec['content_type']}")
    check(rec["sha256"] == hashlib.sha256(sent).hexdigest(), "sha256 of the body differs")
    print(f"received {len(got)} bytes, identical to getbuffer(), sha256 {rec['sha256']}")

    # The received bytes open, in a real peer (rasterio), as the raster the example made.
    try:
        import numpy  # noqa: F401
        import rasterio
    except ImportError as e:
        print(f"note: rasterio is not importable by {sys.executable} ({e}); the raster check uses gdalinfo")
        rasterio = None
    expected = dict(kv.split("=", 1) for kv in raster.split())
    if rasterio is not None:
        with rasterio.open(received) as ds:
            seen = {
                "width": str(ds.width),
                "height": str(ds.height),
                "count": str(ds.count),
                "dtype": ds.dtypes[0],
                "crs": ds.crs.to_string(),
                "sum": str(int(ds.read().astype("uint64").sum())),
            }
        print(f"rasterio reads the received file as {seen}")
        check(seen == expected, f"rasterio reads {seen}, the example wrote {expected}")
    else:
        rc, out, _ = run(["gdalinfo", "-json", "-checksum", received])
        check(rc == 0, "gdalinfo cannot open the received file")
        info = json.loads(out)
        check(info["size"] == [int(expected["width"]), int(expected["height"])], "size differs")
        check(len(info["bands"]) == int(expected["count"]), "band count differs")

    # No server listening: a clear error and exit status 1, promptly.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    rc, _, err = run([args.post_geotiff, f"http://127.0.0.1:{closed_port}/x.tif"])
    check(rc == 1 and "POST" in err and "failed" in err, f"posting to a closed port exited {rc}")


def case_fetch(args, server, work):
    received, copy, _ = post(args, server, work)
    # The roundtrip: GET back what was posted, checked against the copy of getbuffer().
    rc, out, _ = run([args.fetch_and_read, server.url("posted.tif"), copy])
    check(rc == 0, f"fetch_and_read exited {rc}")
    check("bytes identical, metadata identical, pixels identical" in out, "the download differs from the source")
    chunks = re.search(r"in (\d+) chunks", out)
    check(chunks and int(chunks.group(1)) > 1, "the body should arrive in several chunks")

    # A file written by others, when the corpus is there.
    source = os.path.join(args.corpus, "RGB.byte.tif") if args.corpus else ""
    if source and os.path.isfile(source):
        shutil.copyfile(source, os.path.join(server.root, "RGB.byte.tif"))
        rc, out, _ = run([args.fetch_and_read, server.url("RGB.byte.tif"), source])
        check(rc == 0, f"fetch_and_read of the corpus's RGB.byte.tif exited {rc}")
        check("bytes identical, metadata identical, pixels identical" in out, "RGB.byte.tif differs")
    else:
        print(f"note: corpus file RGB.byte.tif not found in {args.corpus!r}; fetched only the posted file")

    # A missing file is an error, reported, not a crash.
    rc, _, err = run([args.fetch_and_read, server.url("missing.tif")])
    check(rc == 1, f"fetching a missing file exited {rc}, expected 1")
    check("404" in err, "the error should name the HTTP status 404")


def case_cli_info_stdin(args, server, work):
    if not args.rastio:
        raise Skipped("the rastio tool is not built (RASTIO_BUILD_TOOLS=OFF)")
    if not os.access(args.rastio, os.X_OK):
        raise Skipped(f"the rastio tool {args.rastio} does not exist")
    received, copy, _ = post(args, server, work)
    rc, local, err = run([args.rastio, "info", copy])
    if rc != 0:
        raise Skipped(f"`rastio info FILE` is not supported by this build (exit {rc}: {err.strip()[:200]})")
    with open(copy, "rb") as f:
        rc, _, err = run([args.rastio, "info", "-"], stdin=f)
    if rc != 0:
        raise Skipped(f"`rastio info -` (stdin) is not supported by this build (exit {rc}: {err.strip()[:200]})")

    curl = shutil.which("curl")
    if curl is None:
        raise Skipped("the curl command is not installed")
    url = server.url("posted.tif")
    print(f"$ curl -s {url} | {args.rastio} info -", flush=True)
    with subprocess.Popen([curl, "-s", "--fail", "--max-time", "30", url], stdout=subprocess.PIPE) as c:
        try:
            r = subprocess.run([args.rastio, "info", "-"], stdin=c.stdout, capture_output=True, timeout=TIMEOUT)
        finally:
            c.stdout.close()
            c.wait(timeout=TIMEOUT)
    piped = r.stdout.decode(errors="replace")
    print(piped.rstrip())
    check(c.returncode == 0, f"curl exited {c.returncode}")
    check(r.returncode == 0, f"rastio info - exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    check(json.loads(piped) == json.loads(local), "`curl | rastio info -` differs from `rastio info FILE`")
    info = json.loads(piped)
    check((info.get("width"), info.get("height"), info.get("count")) == (512, 512, 3), "wrong size in rastio info -")


CASES = {"post": case_post, "fetch": case_fetch, "cli_info_stdin": case_cli_info_stdin}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--post-geotiff", required=True)
    parser.add_argument("--fetch-and-read", required=True)
    parser.add_argument("--rastio", default="")
    parser.add_argument("--corpus", default="")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="rastio-http-test-")
    root = os.path.join(work, "served")
    os.mkdir(root)
    server = Server(root, max_requests=20, lifetime=120)
    server.start()
    print(f"server: http://127.0.0.1:{server.port}/ serving {root}", flush=True)
    try:
        CASES[args.case](args, server, work)
        print(f"PASSED: http {args.case}")
        return 0
    except Skipped as e:
        print(f"SKIPPED: http {args.case}: {e}")
        return SKIP
    except (Failed, subprocess.TimeoutExpired, OSError) as e:
        print(f"FAILED: http {args.case}: {e}")
        return 1
    finally:
        server.stop()
        for line in server.log:
            print("server: " + line)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
