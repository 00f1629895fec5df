"""`rastio serve` as users start it: prints its URL and a map URL, answers, logs one line per
request on stderr, and stops cleanly (exit 0) on SIGTERM. Exit 0: passed, 1: failed, 77: skipped.

    serve_cli_test.py RASTIO_EXE CORPUS_DIR
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

SKIP = 77


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    cog = os.path.join(corpus, "cogeo.tif")
    if not os.path.exists(cog):
        print("skipped: the corpus's cogeo.tif is not present")
        return SKIP
    root = tempfile.mkdtemp(prefix="rastio_serve_cli_")
    shutil.copy(cog, os.path.join(root, "cogeo.tif"))
    proc = subprocess.Popen([exe, "serve", "--root", root, "--port", "0", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        print(first + second, end="")
        m = re.match(r"rastio serve: listening on (http://127\.0\.0\.1:\d+)$", first.strip())
        assert m, "no URL line: %r" % first
        url = m.group(1)
        assert second.strip() == "map: %s/cog/WebMercatorQuad/map.html?url=cogeo.tif" % url, second
        with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
            assert r.status == 200
        with urllib.request.urlopen(url + "/cog/info?url=cogeo.tif", timeout=10) as r:
            info = json.load(r)
            assert info["width"] == 1024, info
        try:
            urllib.request.urlopen(url + "/cog/info?url=../../etc/passwd", timeout=10)
            raise AssertionError("traversal was served")
        except urllib.error.HTTPError as e:
            assert e.code == 400, e.code
            assert "detail" in json.load(e)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        print(out + err, end="")
        assert proc.returncode == 0, "exit status %s" % proc.returncode
        assert "rastio serve: stopped" in out
        assert re.search(r"GET /cog/info 200 \d+ [\d.]+ms", err), err
        assert re.search(r"GET /cog/info 400 \d+ [\d.]+ms", err), err
        print("passed")
        return 0
    except AssertionError as e:
        print("FAILED: %s" % e)
        return 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
