"""A small HTTP server for rastio's HTTP tests, on 127.0.0.1 only.

POST /<name> stores the request body as <root>/<name> and records its length and sha256;
GET /<name> serves <root>/<name>. Bounded: at most `max_requests` requests, for at most
`lifetime` seconds, bodies of at most MAX_BODY bytes, 10 s of socket silence per request.

Run alone, it binds an ephemeral port and prints "PORT <n>" on its first line:
    python3 server.py ROOT [--max-requests N] [--lifetime SECONDS]
"""

import argparse
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import time

MAX_BODY = 64 * 1024 * 1024
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


class Handler(http.server.BaseHTTPRequestHandler):
    timeout = 10  # seconds of silence before the connection is dropped
    server_version = "rastio-test-server/1"

    def _name(self):
        name = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return name if NAME.match(name) else None

    def _reply(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 (http.server's naming)
        name = self._name()
        if name is None:
            return self._reply(400, {"error": "bad file name"})
        if self.headers.get("Transfer-Encoding"):
            return self._reply(411, {"error": "send a Content-Length, not a chunked body"})
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._reply(411, {"error": "Content-Length required"})
        if length < 0 or length > MAX_BODY:
            return self._reply(413, {"error": "body too large"})
        digest = hashlib.sha256()
        received = 0
        path = os.path.join(self.server.root, name)
        with open(path + ".part", "wb") as out:
            for _ in range(length // 65536 + 2):  # bounded: one read per 64 KiB, plus the end
                if received == length:
                    break
                chunk = self.rfile.read(min(65536, length - received))
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                received += len(chunk)
        if received != length:
            os.unlink(path + ".part")
            return self._reply(400, {"error": f"body ended after {received} of {length} bytes"})
        os.replace(path + ".part", path)
        record = {
            "name": name,
            "bytes": received,
            "sha256": digest.hexdigest(),
            "content_type": self.headers.get("Content-Type"),
            "content_length": self.headers.get("Content-Length"),
        }
        self.server.received.append(record)
        self._reply(201, record)

    def do_GET(self):  # noqa: N802
        name = self._name()
        path = os.path.join(self.server.root, name) if name else None
        if path is None or not os.path.isfile(path):
            return self._reply(404, {"error": "not found"})
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Type", "image/tiff")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(path, "rb") as f:
            for _ in range(size // 65536 + 2):
                chunk = f.read(65536)
                if not chunk:
                    break
                self.wfile.write(chunk)

    def log_message(self, fmt, *args):
        self.server.log.append(fmt % args)


class Server(http.server.HTTPServer):
    """An HTTPServer on 127.0.0.1, an ephemeral port, serving one request at a time."""

    timeout = 0.2  # handle_request() returns after this long without a connection

    def __init__(self, root, max_requests=20, lifetime=60.0):
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.max_requests = max_requests
        self.deadline = time.monotonic() + lifetime
        self.received = []
        self.log = []
        self.handled = 0
        self._stop = threading.Event()
        self._thread = None

    @property
    def port(self):
        return self.server_address[1]

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def serve_bounded(self):
        """Serves until stop(), max_requests requests or the deadline, whichever comes first."""
        while not self._stop.is_set() and self.handled < self.max_requests and time.monotonic() < self.deadline:
            self.handle_request()

    def process_request(self, request, client_address):
        self.handled += 1
        super().process_request(request, client_address)

    def start(self):
        self._thread = threading.Thread(target=self.serve_bounded, name="rastio-http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
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
    parser.add_argument("--max-requests", type=int, default=20)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()
    server = Server(args.root, args.max_requests, args.lifetime)
    print(f"PORT {server.port}", flush=True)
    try:
        server.serve_bounded()
    finally:
        server.server_close()
        for line in server.log:
            print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
