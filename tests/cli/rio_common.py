"""What the rio-parity scripts tests/cli/*_rio.py share. Each runs `rastio CMD` and rio's `rio CMD`
(rasterio 1.3.5, in this process through click) with the same options and compares the outputs.

Import this module before numpy and rasterio: where they cannot be imported (any python3 but
Debian's /usr/bin/python3), importing it prints "SKIPPED: why" and exits 77, ctest's skip code.
ctest runs each script as a file, so the scripts' folder is sys.path[0] and this module is found.
"""
import json
import math
import os
import subprocess
import sys
import tempfile


def skip(reason):
    """Prints "SKIPPED: reason" and exits 77 (the SKIP_RETURN_CODE of tests/cli/CMakeLists.txt)."""
    print("SKIPPED: " + reason)
    sys.exit(77)


try:
    import numpy as np
    import rasterio
    from click.testing import CliRunner
    from rasterio.rio.main import main_group
except ImportError as e:  # pragma: no cover - depends on the machine
    skip("rasterio is not importable by %s (%s)" % (sys.executable, e))


def start(command, seed=None):
    """The tool's path (argv[1]), an empty list of failures, a fresh temporary folder (left behind
    to look into) and numpy's generator, seeded with `seed` or, when None, from os.urandom."""
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little") if seed is None else seed)
    return sys.argv[1], [], tempfile.mkdtemp(prefix="rastio-%s-rio-" % command), rng


def finish(failures, summary):
    """Prints each failure as a "FAIL: " line, then the summary and the count of failures; exits 1
    when there is any failure, else 0."""
    for f in failures:
        print("FAIL:", f)
    print("%s; %d failures" % (summary, len(failures)))
    sys.exit(1 if failures else 0)


def rastio(tool, args, stdin=None):
    """Runs `rastio ARGS` (text in and out, 120 s at most); returns the CompletedProcess."""
    return subprocess.run([tool] + args, input=stdin, capture_output=True, text=True, timeout=120)


def rio(args, stdin=None):
    """Runs `rio ARGS` in this process; returns click's Result, stdout and stderr apart."""
    return CliRunner(mix_stderr=False).invoke(main_group, args, input=stdin)


def run_both(tool, ours, theirs, failures, label, stdin=None, quiet=False):
    """Runs `rastio OURS` and `rio THEIRS` (both fed `stdin`). When both exit 0 (and rastio writes
    nothing on stderr, if `quiet`) returns rastio's CompletedProcess and rio's Result; else appends
    what each said to failures and returns None."""
    p, r = rastio(tool, ours, stdin), rio(theirs, stdin)
    if p.returncode == 0 and r.exit_code == 0 and not (quiet and p.stderr):
        return p, r
    failures.append("%s: failed: rastio %d %r, rio %d %r %r"
                    % (label, p.returncode, p.stderr.strip(), r.exit_code, r.stderr.strip()[-300:], r.exception))
    return None


def refuses(tool, args, failures, label, output=None, code=None, prefix="rastio: error: ", stdin=None,
            partial_stdout=False):
    """`rastio ARGS` must refuse: a non-zero exit (exactly `code` when given), one stderr line
    starting with `prefix`, nothing on stdout (unless `partial_stdout`: lines done before the bad
    one) and no file at `output`. Appends what is wrong to failures; returns the CompletedProcess."""
    p = rastio(tool, args, stdin)
    lines = p.stderr.strip().splitlines()
    left = output is not None and os.path.exists(output)
    if ((p.returncode == 0 if code is None else p.returncode != code) or len(lines) != 1
            or not lines[0].startswith(prefix) or (p.stdout and not partial_stdout) or left):
        failures.append("%s: want one error line, exit %s and no output; got exit %d, stderr %r, stdout %r%s"
                        % (label, "non-zero" if code is None else code, p.returncode, p.stderr, p.stdout[:80],
                           ", left %s behind" % output if left else ""))
    return p


def rio_refuses(args, failures, label, stdin=None):
    """`rio ARGS` must refuse too, or the refusal case proves nothing."""
    if rio(args, stdin).exit_code == 0:
        failures.append("%s: rio accepted it: the refusal case is wrong" % label)


def keeps_existing(tool, args, path, failures, label="existing output"):
    """`rastio ARGS`, writing onto the file at `path` without --overwrite, must refuse (as in
    refuses) and leave that file as it was."""
    def content():
        with open(path, "rb") as f:
            return f.read()
    before = content() if os.path.exists(path) else None
    refuses(tool, args, failures, label)
    if (content() if os.path.exists(path) else None) != before:
        failures.append("%s: %s was changed" % (label, path))


def nan_equal(a, b):
    """a == b, or both are float NaN (a nodata value, a number)."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def compare_rasters(label, ours, theirs, failures, keys=None, masks=False, attrs=()):
    """Appends to failures how rastio's raster at `ours` differs from rio's at `theirs`: each
    profile key of `keys` (of either profile when None; NaN nodata equal to NaN), the pixels (NaN
    equal to NaN), the masks when `masks`, and each dataset attribute named in `attrs`."""
    with rasterio.open(ours) as x, rasterio.open(theirs) as y:
        for key in sorted(set(x.profile) | set(y.profile)) if keys is None else keys:
            if not nan_equal(x.profile.get(key), y.profile.get(key)):
                failures.append("%s: %s differs: %r vs %r" % (label, key, x.profile.get(key), y.profile.get(key)))
        a, b = x.read(), y.read()
        if a.shape != b.shape:
            failures.append("%s: pixels differ: shape %r vs %r" % (label, a.shape, b.shape))
        elif not np.array_equal(a, b, equal_nan=np.issubdtype(a.dtype, np.inexact)):
            differ = a != b
            if np.issubdtype(a.dtype, np.inexact):
                differ &= ~(np.isnan(a) & np.isnan(b))
            first = tuple(int(i) for i in np.argwhere(differ)[0])
            failures.append("%s: pixels differ (%d of %d), first at %r: %r vs %r"
                            % (label, int(np.count_nonzero(differ)), a.size, first, a[first], b[first]))
        if masks and not np.array_equal(x.read_masks(), y.read_masks()):
            failures.append("%s: masks differ" % label)
        for attr in attrs:
            if getattr(x, attr) != getattr(y, attr):
                failures.append("%s: %s differs: %r vs %r" % (label, attr, getattr(x, attr), getattr(y, attr)))


def json_diff(a, b, path="$", rel_tol=1e-9, abs_tol=1e-9, exact_types=False):
    """None when the JSON values a and b are equal, floats within the tolerances and NaN equal to
    NaN (an int equals a float only without `exact_types`); else where and how they first differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            return "%s: keys %r vs %r" % (path, sorted(a), sorted(b))
        for k in a:
            d = json_diff(a[k], b[k], path + "." + k, rel_tol, abs_tol, exact_types)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_diff(x, y, "%s[%d]" % (path, i), rel_tol, abs_tol, exact_types)
            if d:
                return d
        return None
    if isinstance(a, float) or isinstance(b, float):
        if exact_types and type(a) is not type(b):
            return "%s: %r (%s) vs %r (%s)" % (path, a, type(a).__name__, b, type(b).__name__)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and (
                math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol) or (math.isnan(a) and math.isnan(b))):
            return None
        return "%s: %r vs %r" % (path, a, b)
    return None if a == b and type(a) is type(b) else "%s: %r vs %r" % (path, a, b)


def json_texts(out):
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


def compare_json_output(tool, command, args, failures, label):
    """Runs `rastio COMMAND ARGS` and `rio COMMAND ARGS`; appends to failures where the JSON texts
    they print differ (see json_diff; RS prefixes alike). True when the outputs are identical."""
    ran = run_both(tool, [command] + args, [command] + args, failures, label)
    if not ran:
        return False
    mine, theirs = json_texts(ran[0].stdout), json_texts(ran[1].stdout)
    if len(mine) != len(theirs):
        failures.append("%s: %d texts vs rio's %d" % (label, len(mine), len(theirs)))
        return False
    for i, ((rs_a, a), (rs_b, b)) in enumerate(zip(mine, theirs)):
        if rs_a != rs_b:
            failures.append("%s: text %d: RS prefix differs" % (label, i))
            return False
        d = json_diff(a, b)
        if d:
            failures.append("%s: text %d differs at %s" % (label, i, d))
            return False
    return ran[0].stdout == ran[1].stdout


def ring(rng, cx, cy, r):
    """A closed ring of 5 to 11 random points around (cx, cy), counter-clockwise, each r/2 to r away."""
    n = int(rng.integers(5, 12))
    a = np.sort(rng.uniform(0, 2 * math.pi, n))
    rr = rng.uniform(0.5 * r, r, n)
    pts = [[float(cx + q * math.cos(t)), float(cy + q * math.sin(t))] for t, q in zip(a, rr)]
    return pts + [pts[0]]


def feature(geometry, **properties):
    """A GeoJSON Feature."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_json(path, obj):
    """Writes obj as JSON to path; returns path."""
    with open(path, "w") as f:
        json.dump(obj, f)
    return path
