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

        # The screenshot has the raster's colours at the map's centre: compare with the value
        # the service reads there (/cog/point), allowing for resampling between zooms.
        center = browser.execute_script(
            "const m = window.rastioMap; return m ? [m.getCenter().lng, m.getCenter().lat] : null;")
        png = browser.get_screenshot_as_png()
        with MemoryFile(png) as mf, mf.open() as ds:
            shot = ds.read()
        h, w = shot.shape[1], shot.shape[2]
        patch = shot[:3, h // 2 - 2:h // 2 + 3, w // 2 - 2:w // 2 + 3].reshape(3, -1)
        got = numpy.median(patch, axis=1)
        background = numpy.array([221, 221, 221])
        print("centre colour", got.tolist())
        assert numpy.abs(got - background).max() > 3, "the centre shows the background, not the raster"
        if center:
            with urllib.request.urlopen("%s/cog/point/%f,%f?url=cogeo.tif" % (url, center[0], center[1]), timeout=10) as r:
                want = numpy.array(json.load(r)["values"][:3], dtype=float)
            print("raster value at the centre", want.tolist())
            assert numpy.abs(got - want).max() <= 60, "screenshot %s vs raster %s" % (got, want)
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
