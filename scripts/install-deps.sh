#!/usr/bin/env bash
# Installs the Debian packages rastio needs to build, test and benchmark.
# Idempotent: runs `apt-get update` and `apt-get install` only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake make pkg-config
  libgdal-dev gdal-bin libdeflate-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  libcurl4-openssl-dev curl
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libjs-leaflet
  chromium chromium-driver python3-selenium nginx wrk python3-fastapi uvicorn
  python3-rasterio rasterio python3-gdal python3-numpy
  time
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo > /dev/null; then
    echo "install-deps: run as root, or install sudo, to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
