"""Scale-out: Debian's nginx balances two `rastio serve` processes with examples/nginx's config;
requests keep succeeding while one process is stopped (SIGTERM). Exit 0: passed, 1: failed,
77: skipped.

    serve_nginx_test.py RASTIO_EXE CORPUS_DIR CONF_TEMPLATE
"""

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

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_rastio(exe, root):
    p = subprocess.Popen([exe, "serve", "--root", root, "--port", "0", "--workers", "2", "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    m = re.match(r"rastio serve: listening on http://(127\.0\.0\.1:\d+)", line)
    if not m:
        p.kill()
        raise AssertionError("rastio serve did not start: %r" % line)
    return p, m.group(1)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def main():
    exe, corpus, template = sys.argv[1], sys.argv[2], sys.argv[3]
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx:
        print("skipped: nginx is not installed")
        return SKIP
    cog = os.path.join(corpus, "cogeo.tif")
    if not os.path.exists(cog):
        print("skipped: the corpus's cogeo.tif is not present")
        return SKIP
    root = tempfile.mkdtemp(prefix="rastio_serve_nginx_")
    data = os.path.join(root, "data")
    os.makedirs(data)
    shutil.copy(cog, os.path.join(data, "cogeo.tif"))
    procs = []
    ngx = None
    try:
        a, up1 = start_rastio(exe, data)
        procs.append(a)
        b, up2 = start_rastio(exe, data)
        procs.append(b)
        port = free_port()
        conf = open(template).read()
        for k, v in {"@DIR@": root, "@PORT@": str(port), "@UPSTREAM1@": up1, "@UPSTREAM2@": up2}.items():
            conf = conf.replace(k, v)
        conf_path = os.path.join(root, "rastio.conf")
        open(conf_path, "w").write(conf)
        ngx = subprocess.Popen([nginx, "-p", root, "-c", conf_path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        else:
            raise AssertionError("nginx did not come up: %s" % ngx.stderr.read1(2000) if ngx.poll() is not None else "")
        paths = ["/cog/info?url=cogeo.tif", "/cog/tiles/WebMercatorQuad/18/224757/101422.png?url=cogeo.tif",
                 "/cog/preview.png?url=cogeo.tif&max_size=128", "/healthz"]
        ok = 0
        for i in range(60):
            if i == 20:
                procs[0].send_signal(signal.SIGTERM)  # one process goes away mid-run
                procs[0].wait(timeout=15)
                print("stopped one rastio serve after %d requests" % i)
            status, body = get(base + paths[i % len(paths)])
            assert status == 200, "request %d: status %d" % (i, status)
            assert body, "request %d: empty body" % i
            ok += 1
        print("%d/60 requests succeeded through nginx" % ok)
        print("passed")
        return 0
    except (AssertionError, urllib.error.URLError) as e:
        print("FAILED: %s" % e)
        return 1
    finally:
        if ngx is not None:
            ngx.send_signal(signal.SIGQUIT)
            try:
                ngx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                ngx.kill()
                ngx.wait()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
