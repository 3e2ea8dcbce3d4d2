#!/usr/bin/env bash
# build-helper.sh OUT [GOOS/GOARCH] — builds the background helper program
# (cmd/outlook-connect-background) into OUT, for this machine or the given
# target, with what `wails build` gives the main program in production:
# -trimpath, the "production" tag, -ldflags "-X main.version=… -w -s" (and
# -H windowsgui on Windows, so a start at login opens no console window).
# CGO_ENABLED=0: the helper must link no GTK, WebKit or C library (that is
# its whole point; the keychain is reached over D-Bus, the Security
# framework's CLI or wincred, all without cgo), which also lets one Linux
# machine build it for every system. VERSION as in scripts/version.sh.
# Used by make build, scripts/package.sh, scripts/package-macos.sh and the
# measurements; kept to bash 3.2 (macOS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: build-helper.sh OUT [GOOS/GOARCH]" >&2
  exit 2
fi
out="$1"
target="${2:-$(go env GOOS)/$(go env GOARCH)}"
goos="${target%/*}"
goarch="${target#*/}"
version="${VERSION:-$(bash "$ROOT/scripts/version.sh")}"
ldflags="-X main.version=$version -w -s"
[ "$goos" != windows ] || ldflags="$ldflags -H windowsgui"

case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"

# Windows: a version resource, icon and manifest like the main program's
# (Wails makes those from build/windows/info.json), so Task Manager's
# start-up list and process list show "Outlook Connect background helper"
# with the app's icon and publisher, not a bare file name. go-winres
# writes a .syso that go build links from the package folder; it is
# removed again so the tree stays clean.
syso=""
if [ "$goos" = windows ]; then
  # shellcheck source=scripts/lib.sh
  . "$ROOT/scripts/lib.sh"
  need_go_tool go-winres "github.com/tc-hib/go-winres@${GO_WINRES_VERSION}"
  syso="$ROOT/cmd/outlook-connect-background/rsrc_windows_$goarch.syso"
  trap 'rm -f "$syso"' EXIT
  "$TOOLS_BIN/go-winres" make --in "$ROOT/build/windows/helper-winres.json" \
    --out "${syso%_windows_"$goarch".syso}" --arch "$goarch" \
    --product-version "$version" --file-version "$(VERSION="$version" bash "$ROOT/scripts/version.sh" --file)"
  [ -s "$syso" ] || { echo "build-helper.sh: go-winres produced no $syso" >&2; exit 1; }
fi
(cd "$ROOT" && CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
  go build -trimpath -tags production -ldflags "$ldflags" -o "$out" ./cmd/outlook-connect-background)
[ -s "$out" ] || { echo "build-helper.sh: go build produced no $out" >&2; exit 1; }
echo "built $out ($goos/$goarch, version $version)" >&2
