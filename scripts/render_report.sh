#!/bin/sh
# Render a b2bcx workbook to PNG pages to look at it as a reader would.
# Usage: scripts/render_report.sh REPORT.xlsx [OUTDIR] [DPI]
# Needs LibreOffice (soffice) and poppler (pdftoppm), e.g.
#   apt-get install -y libreoffice-calc-nogui poppler-utils
# Each sheet prints landscape, one page wide; pages are OUTDIR/<name>-<n>.png.
set -eu
report=${1:?usage: scripts/render_report.sh REPORT.xlsx [OUTDIR] [DPI]}
out=${2:-out/render}
dpi=${3:-60}
mkdir -p "$out"
name=$(basename "$report" .xlsx)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation=file://"$profile" --headless --convert-to pdf \
    --outdir "$out" "$report" >/dev/null
pdftoppm -png -r "$dpi" "$out/$name.pdf" "$out/$name"
ls "$out"/"$name"*.png
