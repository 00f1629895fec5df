"""A real browser on rastio serve's map page: Debian's chromium (headless) + chromium-driver +
python3-selenium open /cog/WebMercatorQuad/map.html for a corpus COG, wait for the tiles, fail
on any console error or failed tile request, and check that the screenshot shows the raster's
colours where the raster is. Exit 0: passed, 1: failed, 77: skipped (the reason is printed).

    serve_browser_test.py RASTIO_EXE CORPUS_DIR
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    cog = os.path.join(corpus, "cogeo.tif")
    if not os.path.exists(cog):
        print("skipped: the corpus's cogeo.tif is not present")
        return SKIP
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        import numpy
        from rasterio.io import MemoryFile
    except ImportError as e:
        print("skipped: %s (needs python3-selenium, python3-rasterio)" % e)
        return SKIP
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(driver_path) or not shutil.which("chromium"):
        print("skipped: chromium and chromium-driver are not installed")
        return SKIP

    root = tempfile.mkdtemp(prefix="rastio_serve_browser_")
    shutil.copy(cog, os.path.join(root, "cogeo.tif"))
    log_path = os.path.join(root, "access.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([exe, "serve", "--root", root, "--port", "0", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    browser = None
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        url = re.match(r"rastio serve: listening on (\S+)", first).group(1)
        map_url = second.split("map: ", 1)[1].strip()
        assert map_url == url + "/cog/WebMercatorQuad/map.html?url=cogeo.tif", map_url

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=800,600", "--force-device-scale-factor=1"):
            options.add_argument(a)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        browser = webdriver.Chrome(service=Service(driver_path), options=options)
        browser.set_page_load_timeout(30)
        browser.get(map_url)
        deadline = time.time() + 40
        state = {}
        while time.time() < deadline:
            state = browser.execute_script("return Object.assign({}, document.body.dataset);")
            if state.get("loaded") or state.get("error"):
                break
            time.sleep(0.2)
        print("page state:", state)
        assert state.get("loaded") == "1", "the tiles did not load: %s" % state
        assert "error" not in state and "tileerror" not in state, state
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, "console errors: %s" % errors

        # Every tile the page asked for was served (200); the viewer's assets too.
        log.flush()
        lines = open(log_path).read().splitlines()
        tiles = [l for l in lines if " /cog/tiles/" in l]
        print("%d tile requests" % len(tiles))
        assert tiles, "no tile was requested"
        bad = [l for l in lines if not re.search(r" (200|304) ", l)]
        assert not bad, "failed requests: %s" % bad

        # The screenshot has the raster's colours where the raster is: its centre region matches
        # the same view rendered by the service (/cog/bbox of the map's bounds, same size).
        view = browser.execute_script(
            "const m = window.rastioMap, b = m.getBounds(), s = m.getSize(); "
            "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth(), s.x, s.y];")
        png = browser.get_screenshot_as_png()
        with MemoryFile(png) as mf, mf.open() as ds:
            shot = ds.read()
        h, w = shot.shape[1], shot.shape[2]
        assert (w, h) == (view[4], view[5]), "screenshot %dx%d, map %dx%d" % (w, h, view[4], view[5])
        bbox = "%s/cog/bbox/%.10f,%.10f,%.10f,%.10f/%dx%d.png?url=cogeo.tif&dst_crs=EPSG:3857" % (
            url, view[0], view[1], view[2], view[3], w, h)
        with urllib.request.urlopen(bbox, timeout=30) as r:
            with MemoryFile(r.read()) as mf, mf.open() as ds:
                want_img = ds.read()
        region = (slice(h // 2 - 10, h // 2 + 11), slice(w // 2 - 10, w // 2 + 11))
        got = shot[:3][(slice(None),) + region].reshape(3, -1).mean(axis=1)
        want = want_img[:3][(slice(None),) + region].reshape(3, -1).mean(axis=1)
        background = numpy.array([221, 221, 221])
        print("centre colour %s, the service's view %s" % (got.round(1).tolist(), want.round(1).tolist()))
        assert numpy.abs(got - background).max() > 3, "the centre shows the background, not the raster"
        assert numpy.abs(got - want).max() <= 20, "screenshot %s vs service %s" % (got, want)
        # Where the raster is not (a corner, outside its bounds), the page shows the background.
        corner = numpy.median(shot[:3, 2:7, 2:7].reshape(3, -1), axis=1)
        print("corner colour", corner.tolist())
        assert numpy.abs(corner - background).max() <= 3, "outside the raster the page is not the background"
        print("passed")
        return 0
    except AssertionError as e:
        print("FAILED: %s" % e)
        return 1
    finally:
        if browser is not None:
            browser.quit()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
