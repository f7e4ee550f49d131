#!/usr/bin/env bash
# Render a deck to PNG pages for a visual check: PPTX -> PDF (LibreOffice) -> PNG.
# Usage: scripts/render_deck.sh DECK.pptx [OUTDIR] [DPI]
# Needs LibreOffice Impress and poppler (Debian: apt-get install
# libreoffice-impress-nogui poppler-utils). Pages land in OUTDIR/<deck>-<n>.png.
set -euo pipefail
deck=${1:?usage: scripts/render_deck.sh DECK.pptx [OUTDIR] [DPI]}
out=${2:-$(dirname "$deck")/render}
dpi=${3:-60}
mkdir -p "$out"
# A private profile: a second LibreOffice running elsewhere does not block this one.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation=file://"$profile" --headless --convert-to pdf \
  --outdir "$out" "$deck" >/dev/null
pdf="$out/$(basename "${deck%.*}").pdf"
pdftoppm -png -r "$dpi" "$pdf" "$out/$(basename "${deck%.*}")"
ls "$out"/*.png | head -n 5
