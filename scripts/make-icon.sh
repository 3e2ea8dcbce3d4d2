#!/usr/bin/env bash
# Regenerates the app icons from the committed SVG artwork:
#   build/appicon.svg        -> build/appicon.png        (1024x1024, Wails' master icon; macOS .icns source)
#   build/appicon-small.svg  -> build/appicon-small.png  (256x256, simplified art for <= 32 px)
#   both                     -> build/windows/icon.ico   (256/128/64/48 from the full art, 32/16 from the small art)
# Run after editing an SVG, then review the PNGs and commit all of them:
#   bash scripts/make-icon.sh
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_apt rsvg-convert librsvg2-bin convert imagemagick

B="$ROOT/build"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log "Rendering build/appicon.png (1024x1024)"
rsvg-convert -w 1024 -h 1024 "$B/appicon.svg" -o "$tmp/appicon.png"
# -strip drops timestamps so a re-run on unchanged art gives an identical file.
convert "$tmp/appicon.png" -strip -define png:exclude-chunks=date,time "PNG32:$B/appicon.png"

log "Rendering build/appicon-small.png (256x256)"
rsvg-convert -w 256 -h 256 "$B/appicon-small.svg" -o "$tmp/small.png"
convert "$tmp/small.png" -strip -define png:exclude-chunks=date,time "PNG32:$B/appicon-small.png"

log "Building build/windows/icon.ico (256/128/64/48/32/16)"
mkdir -p "$B/windows"
for s in 256 128 64 48; do
  rsvg-convert -w "$s" -h "$s" "$B/appicon.svg" -o "$tmp/ico-$s.png"
done
for s in 32 16; do
  rsvg-convert -w "$s" -h "$s" "$B/appicon-small.svg" -o "$tmp/ico-$s.png"
done
convert "$tmp"/ico-256.png "$tmp"/ico-128.png "$tmp"/ico-64.png "$tmp"/ico-48.png \
  "$tmp"/ico-32.png "$tmp"/ico-16.png "$B/windows/icon.ico"

identify "$B/appicon.png" "$B/appicon-small.png" "$B/windows/icon.ico" | awk '{print "    " $1, $2, $3}' >&2
ok "Icons written. Review them, then commit build/appicon*.{svg,png} and build/windows/icon.ico."
