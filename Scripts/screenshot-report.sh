#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium (Debian package `chromium`).
#
#   Scripts/screenshot-report.sh FILE.html OUT.png [WIDTHxHEIGHT]
#
# The window defaults to 1280x2400 (the whole report at desktop width). No network is needed: the report is
# self-contained. Exits 2 on bad arguments, 3 when no Chromium is installed, Chromium's status otherwise.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 FILE.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 2
fi
html=$1
out=$2
size=${3:-1280x2400}
if [[ ! -f "$html" ]]; then
    echo "error: no such file: $html" >&2
    exit 2
fi
browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser=$(command -v "$candidate")
        break
    fi
done
if [[ -z "$browser" ]]; then
    echo "error: no Chromium found; install it with: apt-get install -y chromium" >&2
    exit 3
fi
html_abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
out_abs=$(mkdir -p "$(dirname "$out")" && cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out_abs"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --screenshot="$out_abs" --window-size="${size/x/,}" \
    "file://$html_abs" >/dev/null 2>&1 || true
if [[ ! -s "$out_abs" ]]; then
    echo "error: Chromium wrote no screenshot to $out_abs" >&2
    exit 1
fi
echo "$out_abs"
