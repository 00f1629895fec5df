#!/usr/bin/env bash
# `make bench`: rastio and rasterio side by side on the same inputs (see bench/compare.py).
# Usage: bench/compare.sh BUILD_DIR [compare.py options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
shift || true
exec /usr/bin/python3 "$here/compare.py" "$build" "$@"
