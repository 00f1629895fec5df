#!/usr/bin/env bash
# Runs the built rastio tool as a user would and checks its output, exit status and files.
# Usage: cli_test.sh TOOL CORPUS_DIR CASE     (exit 77 = skipped, with the reason printed)
set -u -o pipefail
TOOL=$1
CORPUS=$2
CASE=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rastio-cli-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }
need_corpus() {
    [ -f "$CORPUS/RGB.byte.tif" ] || { echo "SKIPPED: corpus not found at $CORPUS"; exit 77; }
}
# run EXPECTED_STATUS CMD...: runs, keeps stdout in out, stderr in err, checks the status.
run() {
    local want=$1; shift
    "$@" >out 2>err
    local got=$?
    [ "$got" -eq "$want" ] || { cat err >&2; fail "'$*' exited $got, expected $want"; }
}
# The error contract: exactly one line 'rastio: error: ...' and nothing that looks like a crash.
one_error_line() {
    [ "$(wc -l <err)" -eq 1 ] || { cat err >&2; fail "stderr is not one line"; }
    grep -q '^rastio: error: ' err || { cat err >&2; fail "stderr does not start with 'rastio: error: '"; }
    if grep -Eqi 'terminate|traceback|abort|what\(\)' err; then cat err >&2; fail "stderr looks like a crash"; fi
    [ -n "${1:-}" ] && { grep -q -- "$1" err || { cat err >&2; fail "stderr lacks '$1'"; }; }
    return 0
}
checksums() { gdalinfo -checksum "$1" | grep -o 'Checksum=[0-9]*' | tr '\n' ' '; }

case "$CASE" in
version)
    run 0 "$TOOL" --version
    grep -Eq '^rastio [0-9]+\.[0-9]+\.[0-9]+ \(GDAL ' out || fail "version line: $(cat out)"
    ;;
help)
    run 0 "$TOOL" --help
    mv out top
    for sub in info convert blocks bounds env warp clip; do
        grep -q "$sub" top || fail "--help does not list $sub"
        run 0 "$TOOL" "$sub" --help
        grep -q "Example" out || fail "$sub --help has no example"
        grep -q "rastio $sub" out || fail "$sub --help example does not run rastio $sub"
    done
    ;;
usage_errors)
    run 2 "$TOOL"
    one_error_line "subcommand"
    run 2 "$TOOL" info
    one_error_line "input"
    run 2 "$TOOL" info x.tif --no-such-flag
    one_error_line "no-such-flag"
    run 2 "$TOOL" frobnicate
    one_error_line
    run 2 "$TOOL" env
    one_error_line "--formats"
    ;;
info)
    need_corpus
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif"
    [ "$(wc -l <out)" -eq 1 ] || fail "info is not one line"
    grep -q '"driver": "GTiff"' out || fail "no driver in $(cat out)"
    grep -q '"crs": "EPSG:32618"' out || fail "no crs"
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif" --indent 2
    [ "$(wc -l <out)" -gt 20 ] || fail "--indent 2 is not multi-line"
    grep -q '^  "count": 3,$' out || fail "--indent 2 layout: $(head -5 out)"
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif" --count
    [ "$(cat out)" = "3" ] || fail "--count: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif" --shape
    [ "$(cat out)" = "718 791" ] || fail "--shape: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif" --bounds
    [ "$(cat out)" = "101985.0 2611485.0 339315.0 2826915.0" ] || fail "--bounds: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/RGB.byte.tif" -t
    [ "$(cat out)" = "uint8" ] || fail "--dtype: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/float_nan.tif" --nodata
    [ "$(cat out)" = "nan" ] || fail "--nodata: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/byte.tif" --crs
    [ "$(cat out)" = "EPSG:26711" ] || fail "--crs: $(cat out)"
    run 0 "$TOOL" info "$CORPUS/byte.tif" --checksum
    [ "$(cat out)" = "$(gdalinfo -checksum "$CORPUS/byte.tif" | grep -o 'Checksum=[0-9]*' | cut -d= -f2)" ] \
        || fail "--checksum: $(cat out)"
    run 2 "$TOOL" info "$CORPUS/byte.tif" --count --crs
    one_error_line
    ;;
info_stdin)
    need_corpus
    for f in RGB.byte.tif float_nan.tif rotated.tif 389225main_sw_1965_1024.jpg; do
        run 0 "$TOOL" info "$CORPUS/$f"
        mv out from_path
        "$TOOL" info - <"$CORPUS/$f" >from_stdin 2>err || { cat err >&2; fail "info - on $f failed"; }
        # Only what names the file may differ; nothing here does.
        cmp -s from_path from_stdin || { diff from_path from_stdin >&2; fail "info - differs from info PATH on $f"; }
    done
    cat "$CORPUS/shade.tif" | "$TOOL" info - --crs >out 2>err || fail "piped info failed"
    [ "$(cat out)" = "EPSG:3857" ] || fail "piped --crs: $(cat out)"
    ;;
stdin_garbage)
    printf 'not a raster at all' | "$TOOL" info - >out 2>err
    [ $? -eq 1 ] || fail "garbage on stdin did not exit 1"
    one_error_line "(-)"
    grep -q vsimem err && fail "the error shows an internal /vsimem/ path: $(cat err)"
    "$TOOL" info - </dev/null >out 2>err
    [ $? -eq 1 ] || fail "empty stdin did not exit 1"
    one_error_line "empty"
    ;;
missing_file)
    run 1 "$TOOL" info "$WORK/no-such.tif"
    one_error_line "no such file ($WORK/no-such.tif)"
    run 1 "$TOOL" convert "$WORK/no-such.tif" out.tif
    one_error_line "no-such.tif"
    [ -e out.tif ] && fail "a missing input left out.tif"
    printf 'not a raster\n' > "$WORK/notes.txt"
    run 1 "$TOOL" info "$WORK/notes.txt"
    one_error_line "not recognized"
    ;;
corrupt)
    need_corpus
    # The header is sound: info works, as rio's does.
    run 0 "$TOOL" info "$CORPUS/corrupt.tif" --driver
    [ "$(cat out)" = "GTiff" ] || fail "corrupt.tif driver: $(cat out)"
    # A tile is not: the conversion fails and leaves nothing behind, on disk or on stdout.
    run 1 "$TOOL" convert "$CORPUS/corrupt.tif" out.tif
    one_error_line "corrupt.tif"
    [ -z "$(ls -A | grep -v -x -e out -e err)" ] || fail "files left behind: $(ls -A)"
    "$TOOL" convert - - --driver PNG <"$CORPUS/corrupt.tif" >out 2>err
    [ $? -eq 1 ] || fail "piped conversion of corrupt.tif did not exit 1"
    [ -s out ] && fail "a failed conversion wrote $(wc -c <out) bytes to stdout"
    one_error_line
    run 1 "$TOOL" info "$CORPUS/corrupt.tif" --checksum
    one_error_line "cannot read band 1"
    ;;
convert_pipe_png)
    need_corpus
    # The issue's own example: stdin -> MemoryFile -> PNG in memory -> stdout.
    cat "$CORPUS/RGB.byte.tif" | "$TOOL" convert - - --driver PNG >out.png 2>err || { cat err; fail "pipe failed"; }
    [ "$(head -c 8 out.png | od -An -c | tr -d ' ')" = "211PNG\r\n032\n" ] || fail "stdout is not a PNG"
    [ "$(gdalinfo out.png | grep -c '^Driver: PNG')" -eq 1 ] || fail "GDAL does not open the PNG"
    [ "$(checksums out.png)" = "$(checksums "$CORPUS/RGB.byte.tif")" ] || fail "PNG pixels differ from the source"
    # A pipe is silent but for the note that the georeferencing sidecar cannot travel; --quiet drops it.
    grep -q "sidecar" err || fail "no sidecar warning: $(cat err)"
    cat "$CORPUS/RGB.byte.tif" | "$TOOL" convert - - --driver PNG --quiet >out2.png 2>err
    [ -s err ] && fail "--quiet conversion wrote to stderr: $(cat err)"
    cmp -s out.png out2.png || fail "two identical conversions differ"
    ;;
convert_file)
    need_corpus
    run 0 "$TOOL" convert "$CORPUS/RGB.byte.tif" sel.tif --dtype uint16 --bands 3,1 --co COMPRESS=DEFLATE --co TILED=YES
    [ -s err ] && fail "a piped conversion wrote to stderr: $(cat err)"
    run 0 "$TOOL" info sel.tif
    for want in '"count": 2' '"dtype": "uint16"' '"compress": "deflate"' '"tiled": true' '"crs": "EPSG:32618"'; do
        grep -q "$want" out || fail "sel.tif lacks $want: $(cat out)"
    done
    src=($(checksums "$CORPUS/RGB.byte.tif"))
    got=($(checksums sel.tif))
    [ "${got[0]}" = "${src[2]}" ] && [ "${got[1]}" = "${src[0]}" ] || fail "bands 3,1 not copied in order"
    # The driver comes from the extension; PNG's georeferencing sidecar lands beside it.
    run 0 "$TOOL" convert "$CORPUS/byte.tif" small.png
    run 0 "$TOOL" info small.png --driver
    [ "$(cat out)" = "PNG" ] || fail "small.png driver: $(cat out)"
    [ -f small.png.aux.xml ] || fail "no small.png.aux.xml sidecar"
    ls -A | grep -q rastio && fail "temp files left: $(ls -A)"
    # Converting stdin to a file and a file to stdout.
    "$TOOL" convert - fromstdin.tif <"$CORPUS/byte.tif" 2>err || fail "stdin to file"
    "$TOOL" convert "$CORPUS/byte.tif" - --driver GTiff >tostdout.tif 2>err || fail "file to stdout"
    [ "$(checksums fromstdin.tif)" = "$(checksums "$CORPUS/byte.tif")" ] || fail "stdin to file pixels"
    [ "$(checksums tostdout.tif)" = "$(checksums "$CORPUS/byte.tif")" ] || fail "file to stdout pixels"
    run 1 "$TOOL" convert "$CORPUS/byte.tif" bad.tif --bands 1,2
    one_error_line "band 2"
    [ -e bad.tif ] && fail "a failed conversion left bad.tif"
    run 2 "$TOOL" convert "$CORPUS/byte.tif" bad.tif --dtype uint7
    one_error_line "uint7"
    run 2 "$TOOL" convert "$CORPUS/byte.tif" bad.xyz123
    one_error_line "extension"
    ;;
overwrite)
    need_corpus
    run 0 "$TOOL" convert "$CORPUS/byte.tif" out.tif
    before=$(md5sum out.tif)
    run 1 "$TOOL" convert "$CORPUS/RGB.byte.tif" out.tif
    one_error_line "use --overwrite"
    grep -q "(out.tif)$" err || fail "the error does not name out.tif: $(cat err)"
    [ "$(md5sum out.tif)" = "$before" ] || fail "a refused conversion changed out.tif"
    run 0 "$TOOL" convert "$CORPUS/RGB.byte.tif" out.tif --overwrite
    run 0 "$TOOL" info out.tif --count
    [ "$(cat out)" = "3" ] || fail "--overwrite did not replace out.tif"
    ;;
unknown_driver)
    need_corpus
    run 2 "$TOOL" convert "$CORPUS/byte.tif" out.tif --driver NoSuchDriver
    one_error_line 'unknown raster driver "NoSuchDriver"'
    [ -e out.tif ] && fail "left out.tif"
    run 2 "$TOOL" convert "$CORPUS/byte.tif" - 
    one_error_line "--driver is required"
    # A driver that reads but cannot write.
    run 2 "$TOOL" convert "$CORPUS/byte.tif" out.adf --driver AIG
    one_error_line "cannot write"
    ;;
blocks)
    need_corpus
    run 0 "$TOOL" blocks "$CORPUS/shade.tif" --projected --sequence
    [ "$(wc -l <out)" -eq 16 ] || fail "shade.tif has 4x4 blocks of 256, got $(wc -l <out) lines"
    head -1 out | grep -q '"window": {"col_off": 0, "height": 256, "row_off": 0, "width": 256}' || fail "first window: $(head -1 out)"
    tail -1 out | grep -q '"block": "\[3, 3\]"' || fail "last block: $(tail -1 out)"
    head -1 out | grep -q '\[\[\[-11858134.818413004, 4811252.3077395195\], \[-11858134.818413004, 4813698.2926443005\]' || fail "projected geometry: $(head -1 out)"
    run 0 "$TOOL" blocks "$CORPUS/RGB.byte.tif" --sequence
    [ "$(wc -l <out)" -eq 240 ] || fail "RGB.byte.tif strips of 3 rows: $(wc -l <out)"
    tail -1 out | grep -q '"window": {"col_off": 0, "height": 1, "row_off": 717, "width": 791}' || fail "last strip: $(tail -1 out)"
    grep -q -- '\[\[\[-78\.9' out || fail "geographic coordinates expected"
    "$TOOL" blocks - --projected --sequence <"$CORPUS/shade.tif" >piped 2>err || fail "blocks -"
    [ "$(sed 's/"id": "[^"]*"//' piped)" = "$(run 0 "$TOOL" blocks "$CORPUS/shade.tif" --projected --sequence; sed 's/"id": "[^"]*"//' out)" ] \
        || fail "blocks - differs from blocks PATH"
    run 1 "$TOOL" blocks "$CORPUS/float.tif"
    one_error_line "--projected"
    ;;
bounds)
    need_corpus
    run 0 "$TOOL" bounds "$CORPUS/byte.tif" --projected
    grep -q '"bbox": \[440720.0, 3750120.0, 441920.0, 3751320.0\]' out || fail "projected bbox: $(cat out)"
    grep -q '"type": "Feature"' out || fail "not a feature"
    grep -q '"filename": "byte.tif"' out || fail "no filename"
    run 0 "$TOOL" bounds "$CORPUS/world.byte.tif" --bbox
    [ "$(cat out)" = "[-180.0, -75.0, 180.0, 75.0]" ] || fail "geographic bbox: $(cat out)"
    "$TOOL" bounds - --bbox --precision 3 <"$CORPUS/byte.tif" >out 2>err || fail "bounds -"
    [ "$(cat out)" = "[-117.642, 33.892, -117.629, 33.902]" ] || fail "bounds - --precision 3: $(cat out)"
    ;;
env)
    run 0 "$TOOL" env --formats
    grep -q '^GTiff: GeoTIFF (read, write, createcopy)' out || fail "GTiff line: $(grep GTiff out)"
    grep -q '^PNG: Portable Network Graphics (read, createcopy)' out || fail "PNG line: $(grep '^PNG' out)"
    [ "$(wc -l <out)" -gt 50 ] || fail "few drivers listed"
    run 0 "$TOOL" env --formats --json
    grep -q '"GTiff": {' out || fail "--json has no GTiff"
    ;;
quiet_when_piped)
    need_corpus
    # stderr is a file here, not a terminal: no progress bar even for a slower conversion.
    run 0 "$TOOL" convert "$CORPUS/world.byte.tif" big.tif --co COMPRESS=DEFLATE --co ZLEVEL=9
    [ -s err ] && fail "stderr not empty when not a terminal: $(cat err)"
    if command -v script >/dev/null; then
        # Under a pseudo-terminal the progress bar may appear, and only on stderr.
        script -qec "'$TOOL' convert '$CORPUS/world.byte.tif' tty.tif --quiet" /dev/null >tty.log
        grep -q '\.\.\.10' tty.log && fail "--quiet printed progress on a terminal"
    fi
    ;;
bad_creation_option)
    need_corpus
    # A value the driver's own option list rejects: one usage error naming the option, the
    # driver and the allowed values, and nothing written (rio writes an uncompressed file).
    run 2 "$TOOL" convert "$CORPUS/byte.tif" out.tif --co COMPRESS=FOO
    one_error_line "COMPRESS=FOO"
    grep -q "GTiff" err && grep -q "DEFLATE" err || fail "the error does not name the driver and values: $(cat err)"
    grep -q "(out.tif)$" err || fail "the error does not name out.tif: $(cat err)"
    run 2 "$TOOL" convert "$CORPUS/byte.tif" out.tif --co TILED=MAYBE
    one_error_line "TILED=MAYBE"
    # CreateCopy-only drivers too, to a file and to stdout.
    run 2 "$TOOL" convert "$CORPUS/byte.tif" out.tif --driver COG --co BLOCKSIZE=64
    one_error_line ">= 128"
    "$TOOL" convert - - --driver PNG --co ZLEVEL=high <"$CORPUS/byte.tif" >out.png 2>err
    [ $? -eq 2 ] || fail "a bad PNG option to stdout did not exit 2"
    one_error_line "ZLEVEL=high"
    [ -s out.png ] && fail "a refused conversion wrote $(wc -c <out.png) bytes to stdout"
    [ -z "$(ls -A | grep -v -x -e out -e err -e out.png)" ] || fail "files left behind: $(ls -A)"
    ;;
gdal_warnings)
    need_corpus
    # An option GTiff does not know: GDAL ignores it with a warning, one line on stderr.
    run 0 "$TOOL" convert "$CORPUS/byte.tif" out.tif --co NOT_A_GTIFF_OPTION=1
    [ "$(wc -l <err)" -eq 1 ] || { cat err >&2; fail "expected one warning line"; }
    grep -qx 'rastio: warning: driver GTiff does not support creation option NOT_A_GTIFF_OPTION (out.tif)' err \
        || fail "warning line: $(cat err)"
    [ "$(checksums out.tif)" = "$(checksums "$CORPUS/byte.tif")" ] || fail "the conversion did not happen"
    # rio prints GDAL's same message (through Python's logging).
    if [ -x /usr/bin/rasterio ]; then
        /usr/bin/rasterio convert "$CORPUS/byte.tif" rio.tif --co NOT_A_GTIFF_OPTION=1 2>rio.err >/dev/null
        grep -q 'driver GTiff does not support creation option NOT_A_GTIFF_OPTION' rio.err \
            || fail "rio printed another message: $(cat rio.err)"
    else
        echo "note: /usr/bin/rasterio not found; the comparison with rio was skipped"
    fi
    # GDAL says some things twice (ZLEVEL=99 for GTiff): one line each.
    run 0 "$TOOL" convert "$CORPUS/byte.tif" z.tif --co ZLEVEL=99
    [ "$(wc -l <err)" -eq 1 ] || { cat err >&2; fail "a repeated warning printed twice"; }
    grep -q '^rastio: warning: ZLEVEL=99' err || fail "ZLEVEL warning: $(cat err)"
    # From stdin the line names what the user gave, never a /vsimem/ path.
    "$TOOL" convert - piped.tif --co NOT_A_GTIFF_OPTION=1 <"$CORPUS/byte.tif" >out 2>err || fail "stdin conversion"
    grep -q '^rastio: warning: .*NOT_A_GTIFF_OPTION (piped.tif)$' err || fail "stdin warning: $(cat err)"
    grep -q vsimem err && fail "a warning shows an internal path: $(cat err)"
    # -q (rio's global flag, before or after the subcommand) and convert's --quiet silence them.
    run 0 "$TOOL" -q convert "$CORPUS/byte.tif" q1.tif --co NOT_A_GTIFF_OPTION=1
    [ -s err ] && fail "-q before the subcommand printed: $(cat err)"
    run 0 "$TOOL" convert "$CORPUS/byte.tif" q2.tif --co NOT_A_GTIFF_OPTION=1 -q
    [ -s err ] && fail "-q after the subcommand printed: $(cat err)"
    run 0 "$TOOL" convert "$CORPUS/byte.tif" q3.tif --co NOT_A_GTIFF_OPTION=1 --quiet
    [ -s err ] && fail "--quiet printed: $(cat err)"
    # -q never hides an error.
    run 2 "$TOOL" -q convert "$CORPUS/byte.tif" q4.tif --co COMPRESS=FOO
    one_error_line "COMPRESS=FOO"
    run 0 "$TOOL" -q info "$CORPUS/byte.tif" --count
    [ "$(cat out)" = "1" ] || fail "-q info: $(cat out)"
    ;;
warp_pipe)
    need_corpus
    # Bytes in, bytes out, then read back through stdin: the CRS and size rio warp would give.
    cat "$CORPUS/RGB.byte.tif" | "$TOOL" warp - - --driver GTiff --dst-crs EPSG:3857 --res 600 >warped.tif 2>err \
        || { cat err >&2; fail "warp through pipes failed"; }
    [ -s err ] && fail "stderr not empty: $(cat err)"
    run 0 "$TOOL" info - --crs <warped.tif
    [ "$(cat out)" = "EPSG:3857" ] || fail "--crs of the warped file: $(cat out)"
    run 0 "$TOOL" info warped.tif --res
    [ "$(cat out)" = "600.0 600.0" ] || fail "--res of the warped file: $(cat out)"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" - --dst-crs EPSG:4326
    one_error_line "--driver is required"
    ;;
warp_errors)
    need_corpus
    # Unknown CRS: a usage error naming it, and no output.
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:999999
    one_error_line 'invalid --dst-crs: .*EPSG:999999'
    [ -e out.tif ] && fail "an unknown CRS left out.tif"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs "+proj=nosuchproj"
    one_error_line "invalid --dst-crs"
    # Missing input.
    run 1 "$TOOL" warp no-such.tif out.tif --dst-crs EPSG:4326
    one_error_line "no such file"
    [ -e out.tif ] && fail "a missing input left out.tif"
    # An existing DST is kept without --overwrite, replaced with it.
    echo keep >out.tif
    run 1 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:4326
    one_error_line "use --overwrite"
    [ "$(cat out.tif)" = "keep" ] || fail "a refused warp changed out.tif"
    run 0 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:4326 --overwrite
    run 0 "$TOOL" info out.tif --crs
    [ "$(cat out)" = "EPSG:4326" ] || fail "--overwrite did not replace out.tif: $(cat out)"
    rm -f out.tif
    # A source that fails while being read: exit 1, no DST and no temp file left behind.
    run 1 "$TOOL" warp "$CORPUS/corrupt.tif" out.tif --dst-crs EPSG:4326
    one_error_line "warp to GTiff failed"
    [ -z "$(ls -A | grep -v -x -e out -e err)" ] || fail "left files: $(ls -A)"
    # A source without georeferencing: the cause is named.
    run 1 "$TOOL" warp "$CORPUS/float.tif" out.tif --dst-crs EPSG:4326
    one_error_line "no source CRS"
    [ -e out.tif ] && fail "an ungeoreferenced source left out.tif"
    # rio's usage rules.
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --like "$CORPUS/byte.tif" --dst-crs EPSG:4326
    one_error_line "--like cannot be used"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:4326 --target-aligned-pixels
    one_error_line "requires --res"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:4326 --dst-bounds -78 23 -76 25
    one_error_line "--res is required"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dimensions 10 10 --res 5
    one_error_line "--dimensions cannot be used"
    run 2 "$TOOL" warp "$CORPUS/byte.tif" out.tif --dst-crs EPSG:4326 --dst-nodata 0
    one_error_line "--src-nodata must be given"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --resampling gauss
    one_error_line "gauss"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --resampling nosuch
    one_error_line "unknown --resampling"
    run 2 "$TOOL" warp "$CORPUS/RGB.byte.tif" out.tif --dst-crs EPSG:4326 --dst-bounds 0 0 1e9 1e9 --res 0.001
    one_error_line "invalid output dimensions"
    [ -e out.tif ] && fail "a refused warp left out.tif"
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
echo "PASS: $CASE"
