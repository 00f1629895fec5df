"""A static file server for rastio's remote-raster tests: 127.0.0.1 only, honours Range, logs
every request, and injects faults chosen by the URL.

GET/HEAD /<mode>/<name> serves <root>/<name>, where <mode> is one of
    ok                  Range honoured (206 with Content-Range; 416 when unsatisfiable)
    status-<code>       every request answers <code> (e.g. status-500, status-404)
    after-<k>-<code>    the first k requests on this URL are served, then <code>
    past-<offset>-<code>  requests whose Range starts at or after <offset> answer <code> (so a
                        header read succeeds and the tile reads fail, however many requests it takes)
    short / after-<k>-short / past-<offset>-short   the body is cut short: half the promised
                        bytes, then the connection closes
    norange             Range ignored: 200 with the whole file
    stall / after-<k>-stall / past-<offset>-stall   the request is read and never answered
                        (until the server stops)
Every response waits `delay` seconds first (a fixed delay per request, as a distant server).

Bounded: at most `max_requests` requests and `lifetime` seconds; each connection is dropped after
10 s of silence; a stall lasts at most `lifetime` seconds and ends when the server stops.

Run alone, it prints "PORT <n>" first, then serves:
    python3 range_server.py ROOT [--delay-ms N] [--max-requests N] [--lifetime SECONDS]
"""

import argparse
import http.server
import os
import re
import socketserver
import sys
import threading
import time

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
MODE = re.compile(r"^(ok|norange|short|stall|status-(\d{3})|(after|past)-(\d{1,9})-(\d{3}|short|stall))$")
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class Handler(http.server.BaseHTTPRequestHandler):
    timeout = 10
    protocol_version = "HTTP/1.1"  # keep-alive, as real object stores
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the headers (40 ms on Linux), on every request.
    disable_nagle_algorithm = True
    server_version = "rastio-range-server/1"

    def _fault(self, mode, name, rng):
        """The fault to inject for this request ('' for none), counting requests per URL."""
        m = MODE.match(mode)
        if m is None:
            return "bad"
        key = f"{mode}/{name}"
        with self.server.lock:
            n = self.server.per_url.get(key, 0) + 1
            self.server.per_url[key] = n
        if m.group(2):
            return m.group(2)
        if m.group(3) == "after":
            return m.group(5) if n > int(m.group(4)) else ""
        if m.group(3) == "past":
            start = RANGE.match(rng or "")
            return m.group(5) if start and int(start.group(1)) >= int(m.group(4)) else ""
        return "" if mode == "ok" else mode

    def _log(self, status, sent, rng):
        with self.server.lock:
            self.server.requests.append(
                {"method": self.command, "path": self.path, "range": rng, "status": status, "bytes": sent,
                 "time": time.monotonic()}
            )

    def _plain(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(code, len(body), self.headers.get("Range"))

    def do_HEAD(self):  # noqa: N802 (http.server's naming)
        self.do_GET()

    def do_GET(self):  # noqa: N802
        with self.server.lock:
            over = len(self.server.requests) >= self.server.max_requests
        if over:
            self.close_connection = True
            return self._plain(503, "request budget of this test server spent")
        if self.server.delay > 0:
            time.sleep(self.server.delay)
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        rng = self.headers.get("Range")
        if len(parts) != 2 or not NAME.match(parts[1]):
            return self._plain(404, "not found")
        mode, name = parts
        path = os.path.join(self.server.root, name)
        if not os.path.isfile(path):
            return self._plain(404, "not found")
        fault = self._fault(mode, name, rng)
        if fault == "bad":
            return self._plain(400, "unknown fault mode")
        if fault.isdigit():
            return self._plain(int(fault), f"injected status {fault}")
        if fault == "stall":
            self._log("stall", 0, rng)
            self.server.stopping.wait(self.server.lifetime)
            self.close_connection = True
            return None
        size = os.path.getsize(path)
        status, start, end = 200, 0, size - 1
        m = RANGE.match(rng or "")
        if m and fault != "norange":
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
            if start >= size or end < start:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return self._log(416, 0, rng)
            status = 206
        body = b""
        if self.command != "HEAD":
            with open(path, "rb") as f:  # only the bytes asked for: benchmark files are hundreds of MB
                f.seek(start)
                body = f.read(end + 1 - start)
        self.send_response(status)
        self.send_header("Content-Type", "image/tiff")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end + 1 - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return self._log(status, 0, rng)
        if fault == "short":
            cut = body[: len(body) // 2]
            self.wfile.write(cut)
            self.wfile.flush()
            self.close_connection = True
            return self._log(f"{status}-short", len(cut), rng)
        self.wfile.write(body)
        return self._log(status, len(body), rng)

    def log_message(self, fmt, *args):
        pass  # every request is in server.requests instead


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Serves on 127.0.0.1 and an ephemeral port, one thread per connection, bounded."""

    daemon_threads = True
    block_on_close = False
    timeout = 0.2

    def __init__(self, root, delay_ms=0, max_requests=2000, lifetime=120.0):
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.delay = delay_ms / 1000.0
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.deadline = time.monotonic() + lifetime
        self.lock = threading.Lock()
        self.requests = []
        self.per_url = {}
        self.connections = 0
        self.stopping = threading.Event()
        self._thread = None

    @property
    def port(self):
        return self.server_address[1]

    def url(self, name, mode="ok"):
        return f"http://127.0.0.1:{self.port}/{mode}/{name}"

    def log_for(self, name, mode="ok"):
        with self.lock:
            return [r for r in self.requests if r["path"].split("?", 1)[0] == f"/{mode}/{name}"]

    def serve_bounded(self):
        while not self.stopping.is_set() and self.connections < self.max_requests and time.monotonic() < self.deadline:
            self.handle_request()

    def process_request(self, request, client_address):
        self.connections += 1
        super().process_request(request, client_address)

    def start(self):
        self._thread = threading.Thread(target=self.serve_bounded, name="rastio-range-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--delay-ms", type=float, default=0)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()
    server = Server(args.root, args.delay_ms, args.max_requests, args.lifetime)
    print(f"PORT {server.port}", flush=True)
    try:
        server.serve_bounded()
    finally:
        server.stopping.set()
        server.server_close()
        for r in server.requests:
            print(r, file=sys.stderr)


if __name__ == "__main__":
    main()
