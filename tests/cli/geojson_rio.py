"""Shared by blocks_rio.py and bounds_rio.py: runs rastio and rio with the same arguments and
compares what they print as JSON (floats to 1e-9), text by text."""
import json
import math
import subprocess
import sys

try:
    from click.testing import CliRunner
    from rasterio.rio.main import main_group
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIPPED: rasterio is not importable by %s (%s)" % (sys.executable, e))
    sys.exit(77)


def close(a, b, path="$"):
    """None when a and b are equal JSON values (floats to 1e-9), else where they differ."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and (
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))):
            return None
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            return "%s: keys %r vs %r" % (path, sorted(a), sorted(b))
        for k in a:
            d = close(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = close(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b and type(a) == type(b) else "%s: %r vs %r" % (path, a, b)


def texts(out):
    """The JSON texts of an output, in order, each as (had an RS before it, value)."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(out) and out[i] in " \n":
            i += 1
        if i >= len(out):
            return found
        rs = out[i] == "\x1e"
        value, i = decoder.raw_decode(out, i + rs)
        found.append((rs, value))


def compare(tool, command, args, failures, label):
    """Runs both; appends to failures what differs. Returns True when the texts are identical."""
    p = subprocess.run([tool, command] + args, capture_output=True, text=True)
    r = CliRunner(mix_stderr=False).invoke(main_group, [command] + args)
    if p.returncode != 0 or r.exit_code != 0:
        failures.append("%s: failed: rastio %r, rio %r %r" % (label, p.stderr.strip(), r.stdout, r.exception))
        return False
    mine, theirs = texts(p.stdout), texts(r.stdout)
    if len(mine) != len(theirs):
        failures.append("%s: %d texts vs rio's %d" % (label, len(mine), len(theirs)))
        return False
    for i, ((rs_a, a), (rs_b, b)) in enumerate(zip(mine, theirs)):
        if rs_a != rs_b:
            failures.append("%s: text %d: RS prefix differs" % (label, i))
            return False
        d = close(a, b)
        if d:
            failures.append("%s: text %d differs at %s" % (label, i, d))
            return False
    return p.stdout == r.stdout


def refuse(tool, command, args, failures, label, no_file=None):
    """The tool must fail with one error line (and leave no_file absent)."""
    import os
    p = subprocess.run([tool, command] + args, capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or not lines[0].startswith("rastio: error: ") or p.stdout:
        failures.append("%s: want one error line and no output; got %d %r %r" % (label, p.returncode, p.stderr, p.stdout[:80]))
    if no_file and os.path.exists(no_file):
        failures.append("%s: left %s behind" % (label, no_file))
