"""Interop between rastio's MemoryFile and the real rasterio (Debian's python3-rasterio).

Run by ctest with /usr/bin/python3:  rasterio_peer.py PEER_PROGRAM [CORPUS_DIR]

1. Bytes rasterio writes into its MemoryFile (every dtype; GTiff raw, DEFLATE and LZW tiled;
   PNG; JPEG; COG) open in rastio's MemoryFile with identical values, CRS, transform, nodata.
2. Bytes rastio writes (the same matrices) open in rasterio identically.
3. The corpus files' bytes round-trip through MemoryFile(bytes) -> getbuffer() unchanged, and
   rastio reads the same pixels and georeferencing from them as rasterio does.

rasterio and numpy are used only as the peer. Exits 77 (ctest: skipped) when they are missing.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

try:
    import numpy as np
    import rasterio
    from rasterio.crs import CRS
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"skipped: {sys.executable} cannot import rasterio and numpy ({e}); install python3-rasterio")
    sys.exit(77)

warnings.filterwarnings("ignore", category=rasterio.errors.NotGeoreferencedWarning)

PEER = sys.argv[1]
CORPUS = sys.argv[2] if len(sys.argv) > 2 else ""
TMP = tempfile.mkdtemp(prefix="rastio-interop-")
TRANSFORM = from_origin(101985.0, 2826915.0, 30.0, 30.0)

checks = 0
failures = []

# rasterio 1.3.5 swaps GDAL's Int64 (13) and UInt64 (12): it reads an Int64 band as uint64 and
# writes dtype="int64" as a UInt64 band. rastio follows GDAL; detect the swap from rasterio itself.
RASTERIO_SWAPS_64 = rasterio.dtypes.dtype_fwd.get(12) == "int64"
SWAP64 = {"int64": "uint64", "uint64": "int64"}
if RASTERIO_SWAPS_64:
    print(f"note: rasterio {rasterio.__version__} swaps int64/uint64 (GDAL type codes 12/13); for 64-bit integers "
          "the bits are compared and the dtypes are expected swapped, and rasterio's nodata (it reports none) is not used")


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what)


# One rastio process answers every command (GDAL starts once).
PEER_PROC = subprocess.Popen([PEER, "batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def peer(*args):
    PEER_PROC.stdin.write("\t".join(map(str, args)) + "\n")
    PEER_PROC.stdin.flush()
    line = PEER_PROC.stdout.readline()
    if not line:
        raise RuntimeError(f"{PEER} batch exited (code {PEER_PROC.wait()}) on: {' '.join(map(str, args))}")
    answer = json.loads(line)
    if "error" in answer:
        raise RuntimeError(f"rastio failed on {' '.join(map(str, args))}: {answer['error']}")
    return answer


def matrix(dtype, count=2, height=37, width=53):
    """A deterministic matrix spread over much of the dtype's range, its extremes included."""
    n = count * height * width
    kind = np.dtype(dtype).kind
    if kind == "c":
        i = np.arange(n, dtype=np.float64)
        return (((i * 7) % 1000 - 500) + 1j * ((i * 3) % 100 - 50)).astype(dtype).reshape(count, height, width)
    if kind in "iu":
        info = np.iinfo(dtype)
        span = min(int(info.max) - int(info.min), 2**40)
        start = int(info.min) if span < 2**40 else (0 if kind == "u" else -(2**39))
        flat = ((np.arange(n, dtype=np.int64) * 7919) % span + start).astype(dtype)
        flat[0], flat[1] = info.min, info.max
    else:
        info = np.finfo(dtype)
        flat = ((np.arange(n, dtype=np.float64) * 104729.0) % 65521.0 - 30000.25).astype(dtype)
        flat[0], flat[1], flat[2] = np.nan, info.max, info.min
    return flat.reshape(count, height, width)


def nodata_for(dtype):
    if dtype.startswith("complex"):
        return None
    kind = np.dtype(dtype).kind
    return {"u": 3, "i": -7}.get(kind, -9999.5)


def same_values(a, b):
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def same_nodata(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is None or y is None:
            if x is not y:
                return False
        elif isinstance(x, str) or isinstance(y, str):
            if str(x).lower() != str(y).lower() and not (math.isnan(float(x)) and math.isnan(float(y))):
                return False
        elif not (x == y or (math.isnan(x) and math.isnan(y))):
            return False
    return True


def rastio_reads(path):
    """What rastio's MemoryFile sees in the file: (description, values)."""
    values_path = path + ".values"
    d = peer("describe", path, values_path)
    raw = np.fromfile(values_path, dtype=np.dtype(d["dtypes"][0]))
    os.unlink(values_path)
    return d, raw.reshape(d["count"], d["height"], d["width"])


def compare_with_rasterio(ds, path, label, expected_nodata=None):
    """Checks that rastio reads `path` as rasterio's open dataset `ds` does."""
    d, values = rastio_reads(path)
    check(d["width"] == ds.width and d["height"] == ds.height and d["count"] == ds.count, f"{label}: shape")
    theirs = ds.read()
    swapped = RASTERIO_SWAPS_64 and ds.dtypes[0] in SWAP64
    if swapped:
        check(d["dtypes"] == [SWAP64[t] for t in ds.dtypes], f"{label}: dtypes {d['dtypes']} vs swapped {list(ds.dtypes)}")
        theirs = theirs.view(values.dtype)
    else:
        check(d["dtypes"] == list(ds.dtypes), f"{label}: dtypes {d['dtypes']} vs {list(ds.dtypes)}")
    check(same_values(values, theirs), f"{label}: pixel values")
    if ds.crs is None:
        check(d["crs_wkt"] == "", f"{label}: rastio has a CRS rasterio lacks")
    else:
        check(d["crs_wkt"] != "" and CRS.from_wkt(d["crs_wkt"]) == ds.crs, f"{label}: CRS")
        check(d["epsg"] == ds.crs.to_epsg(), f"{label}: EPSG {d['epsg']} vs {ds.crs.to_epsg()}")
    check(ds.transform.almost_equals(rasterio.Affine(*d["transform"]), precision=1e-9), f"{label}: transform")
    if not swapped:
        check(same_nodata(d["nodata"], list(ds.nodatavals)), f"{label}: nodata {d['nodata']} vs {ds.nodatavals}")
    if expected_nodata is not None:
        check(same_nodata(d["nodata"], expected_nodata), f"{label}: nodata {d['nodata']} vs written {expected_nodata}")
    return d, values


# 1 and 2: every dtype and layout, both directions --------------------------------------------
DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "int64", "uint64",
          "float32", "float64", "complex64", "complex128"]
LAYOUTS = [
    ("GTiff-raw", "GTiff", ".tif", {}),
    ("GTiff-DEFLATE-tiled", "GTiff", ".tif", {"COMPRESS": "DEFLATE", "TILED": "YES", "BLOCKXSIZE": "16", "BLOCKYSIZE": "16"}),
    ("GTiff-LZW-tiled", "GTiff", ".tif", {"COMPRESS": "LZW", "TILED": "YES", "BLOCKXSIZE": "32", "BLOCKYSIZE": "32"}),
]
CASES = [(name, driver, ext, opts, dtype) for (name, driver, ext, opts) in LAYOUTS for dtype in DTYPES]
CASES += [("PNG", "PNG", ".png", {}, "uint8"), ("PNG", "PNG", ".png", {}, "uint16"),
          ("JPEG", "JPEG", ".jpg", {"QUALITY": "90"}, "uint8"),
          ("COG", "COG", ".tif", {"COMPRESS": "DEFLATE"}, "uint8"),
          ("COG", "COG", ".tif", {"COMPRESS": "LZW"}, "int16"),
          ("COG", "COG", ".tif", {"COMPRESS": "DEFLATE"}, "float32")]

for name, driver, ext, opts, dtype in CASES:
    label = f"{name} {dtype}"
    count = 3 if driver == "JPEG" else 2
    src = matrix(dtype, count=count)
    lossless = driver != "JPEG"
    nodata = nodata_for(dtype) if driver in ("GTiff", "COG") else None
    georef = driver in ("GTiff", "COG")

    # rasterio writes, rastio reads.
    profile = dict(driver=driver, width=src.shape[2], height=src.shape[1], count=count, dtype=dtype, **opts)
    if georef:
        profile.update(crs="EPSG:32618", transform=TRANSFORM)
    if nodata is not None:
        profile["nodata"] = nodata
    with MemoryFile(ext=ext) as mf:
        with mf.open(**profile) as dst:
            dst.write(src)
        data = bytes(mf.getbuffer())
        path = os.path.join(TMP, f"rasterio-{name}-{dtype}{ext}")
        with open(path, "wb") as f:
            f.write(data)
        with mf.open() as ds:
            if lossless:
                check(same_values(ds.read(), src), f"{label}: rasterio's own read-back (fixture sanity)")
            compare_with_rasterio(ds, path, f"rasterio->rastio {label}")
    os.unlink(path)

    # rastio writes the same matrix, rasterio reads.
    raw = os.path.join(TMP, "matrix.raw")
    src.tofile(raw)
    out = os.path.join(TMP, f"rastio-{name}-{dtype}{ext}")
    args = [f"{k}={v}" for k, v in opts.items()]
    if nodata is not None:
        args.append(f"NODATA={nodata}")
    peer("write", raw, dtype, count, src.shape[1], src.shape[2], driver, ext, out, *args)
    with open(out, "rb") as f:
        data = f.read()
    with MemoryFile(data, ext=ext) as mf, mf.open() as ds:
        label2 = f"rastio->rasterio {label}"
        check(ds.driver == ("GTiff" if driver == "COG" else driver), f"{label2}: driver {ds.driver}")
        check((ds.count, ds.height, ds.width) == src.shape, f"{label2}: shape")
        swapped = RASTERIO_SWAPS_64 and dtype in SWAP64
        check(list(ds.dtypes) == [SWAP64[dtype] if swapped else dtype] * count, f"{label2}: dtypes {ds.dtypes}")
        if lossless:
            theirs = ds.read()
            check(same_values(theirs.view(src.dtype) if swapped else theirs, src), f"{label2}: pixel values")
        if georef:
            check(ds.crs is not None and ds.crs.to_epsg() == 32618, f"{label2}: CRS {ds.crs}")
            check(ds.transform.almost_equals(TRANSFORM, precision=1e-9), f"{label2}: transform {ds.transform}")
            if not swapped:
                check(same_nodata(list(ds.nodatavals), [nodata] * count), f"{label2}: nodata {ds.nodatavals}")
        if "COMPRESS" in opts:
            check(ds.compression is not None and ds.compression.name.upper() == opts["COMPRESS"], f"{label2}: compression {ds.compression}")
        if opts.get("TILED") == "YES":
            check(ds.block_shapes[0] == (int(opts["BLOCKYSIZE"]), int(opts["BLOCKXSIZE"])), f"{label2}: blocks {ds.block_shapes}")
        if driver == "COG":
            check(ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG", f"{label2}: COG layout")
        # Lossy or not, both libraries decode these bytes to the same pixels.
        compare_with_rasterio(ds, out, f"rastio->rasterio->rastio {label}",
                              expected_nodata=[nodata] * count if nodata is not None else None)
    os.unlink(out)
    os.unlink(raw)

# 2b: large GeoTIFFs (>= 4 MiB of pixels), whose blocks rastio's direct writer lays out itself
BIG = [("GTiff-raw-big", {}, "uint8", 3),
       ("GTiff-tiled-big", {"TILED": "YES"}, "uint8", 3),
       ("GTiff-DEFLATE-tiled-big", {"COMPRESS": "DEFLATE", "TILED": "YES"}, "uint16", 2),
       ("GTiff-band-interleaved-big", {"INTERLEAVE": "BAND"}, "float32", 2),
       ("GTiff-DEFLATE-strips-big", {"COMPRESS": "DEFLATE"}, "int16", 3)]
for name, opts, dtype, count in BIG:
    src = matrix(dtype, count=count, height=1100, width=1301)
    nodata = nodata_for(dtype)
    raw = os.path.join(TMP, "matrix.raw")
    src.tofile(raw)
    out = os.path.join(TMP, f"rastio-{name}.tif")
    peer("write", raw, dtype, count, src.shape[1], src.shape[2], "GTiff", ".tif", out,
         *[f"{k}={v}" for k, v in opts.items()], f"NODATA={nodata}")
    with open(out, "rb") as f:
        data = f.read()
    label = f"rastio->rasterio {name} {dtype}"
    with MemoryFile(data) as mf, mf.open() as ds:
        check((ds.count, ds.height, ds.width) == src.shape, f"{label}: shape")
        check(same_values(ds.read(), src), f"{label}: pixel values")
        check(ds.crs is not None and ds.crs.to_epsg() == 32618, f"{label}: CRS {ds.crs}")
        check(ds.transform.almost_equals(TRANSFORM, precision=1e-9), f"{label}: transform {ds.transform}")
        check(same_nodata(list(ds.nodatavals), [nodata] * count), f"{label}: nodata {ds.nodatavals}")
        want_comp = opts.get("COMPRESS")
        check((ds.compression.name.upper() if ds.compression else None) == want_comp, f"{label}: compression {ds.compression}")
        check(ds.is_tiled == (opts.get("TILED") == "YES"), f"{label}: tiled {ds.is_tiled}")
        want_interleave = "BAND" if opts.get("INTERLEAVE") == "BAND" else "PIXEL"
        check(ds.interleaving.name.upper() == want_interleave, f"{label}: interleave {ds.interleaving}")
    os.unlink(out)
    os.unlink(raw)

# 3: the corpus -------------------------------------------------------------------------------
if not CORPUS or not os.path.isdir(CORPUS):
    print(f"corpus part skipped: the corpus directory {CORPUS!r} is not present")
else:
    for entry in sorted(os.listdir(CORPUS)):
        path = os.path.join(CORPUS, entry)
        if entry in ("README.md", "SHA256SUMS") or not os.path.isfile(path):
            continue
        out = os.path.join(TMP, "roundtrip.bin")
        peer("roundtrip", path, out)
        with open(path, "rb") as a, open(out, "rb") as b:
            check(a.read() == b.read(), f"corpus {entry}: bytes changed through MemoryFile -> getbuffer()")
        os.unlink(out)
        if entry.endswith((".tif", ".jpg")) and entry != "corrupt.tif":
            with rasterio.open(path) as ds:
                compare_with_rasterio(ds, path, f"corpus {entry}")

PEER_PROC.stdin.close()
check(PEER_PROC.wait() == 0, "the rastio peer exited with an error")
os.rmdir(TMP)
if failures:
    print(f"interop with rasterio {rasterio.__version__}: {len(failures)} of {checks} checks failed")
    sys.exit(1)
print(f"interop with rasterio {rasterio.__version__} (GDAL {rasterio.__gdal_version__}): all {checks} checks passed "
      f"({len(CASES)} write cases each way)")
