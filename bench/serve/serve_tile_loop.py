"""The reference tiler's tile function (bench/serve_reference.py) in a loop, no socket: CPU time
per tile on one thread, for the tile list serve_tile_loop (the C++ side) reads. Figures only.

    REFERENCE_ROOT=ROOT /usr/bin/python3 bench/serve/serve_tile_loop.py PATHS_FILE [ROUNDS]
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import serve_reference  # noqa: E402


def main():
    paths = [p.strip() for p in open(sys.argv[1]) if p.strip()]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    tiles = []
    for p in paths:
        m = re.match(r"/cog/tiles/WebMercatorQuad/(\d+)/(\d+)/(\d+)\.png\?url=(.+)$", p)
        tiles.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)))

    def run():
        n = size = 0
        for z, x, y, url in tiles:
            try:
                r = serve_reference.tile(z, x, y, url)
            except serve_reference.HTTPException:
                continue
            n += 1
            size += len(r.body)
        return n, size

    run()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time()
        n, size = run()
        best = min(best, time.thread_time() - t0)
    print("reference: %d tiles (200), %.3f ms CPU a tile (best of %d rounds), %.0f bytes a tile"
          % (n, best * 1000 / max(n, 1), rounds, size / max(n, 1)))


if __name__ == "__main__":
    main()
