#!/usr/bin/env bash
# Tools the end-to-end and GIS-client tests drive, from Debian's packages:
#   chromium        the web app's browser tests (Playwright drives it; Playwright never downloads a browser)
#   gdal-bin        ogrinfo / ogr2ogr, the GDAL that QGIS itself uses (OGC API - Features and vector tiles)
#   python3-owslib  OWSLib, the Python OGC client
#
#   scripts/test-tools.sh          install what is missing (as root on Debian), else say what to install
#   scripts/test-tools.sh check    exit 1 and list what is missing, install nothing
#
# Idempotent and quick when everything is there; `make test` and .ci/run call it.
set -euo pipefail

say() { printf 'test-tools: %s\n' "$*"; }

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
/usr/bin/python3 -c 'import owslib' >/dev/null 2>&1 || missing+=(python3-owslib)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = check ]; then
  say "missing: ${missing[*]}"
  exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}"
  say "(the browser and GIS-client tests fail without them)"
  exit 0
fi
say "installing: ${missing[*]} (apt-get)"
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
for i in 1 2 3; do
  if apt-get "${apt_opts[@]}" update -qq; then break; fi
  [ "$i" -lt 3 ] || { say "apt-get update failed"; exit 1; }
  sleep 5
done
DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
