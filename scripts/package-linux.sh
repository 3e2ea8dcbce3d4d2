#!/usr/bin/env bash
# Packages a built Linux binary as .deb and .rpm, reproducibly: the same binary, sources and
# SOURCE_DATE_EPOCH give byte-identical packages (package-test.sh builds them twice to check).
#
#   bash scripts/package-linux.sh BINARY OUTDIR
#
# The background helper program, outlook-connect-background (scripts/build-helper.sh), must sit
# next to BINARY: both go to /usr/bin, where the app looks for the helper next to itself.
#
# Writes OUTDIR/outlook-connect-<version>-linux-amd64.deb and
#        OUTDIR/outlook-connect-<version>-linux-x86_64.rpm
# (file names keep the release version as tagged, e.g. 1.2.0-rc.1; inside, the package version
# is 1.2.0~rc.1 so that it sorts before 1.2.0, but a "~" never reaches a file name).
#
# Environment: VERSION (see scripts/version.sh); SOURCE_DATE_EPOCH (default: the time of the
# last commit); PKG_MAINTAINER; PROJECT_URL.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ $# -eq 2 ] || die "usage: package-linux.sh BINARY OUTDIR"
BINARY="$(realpath "$1")"
OUTDIR="$2"
[ -x "$BINARY" ] || die "$BINARY is not an executable"
HELPER="$(dirname "$BINARY")/$APP_NAME-background"
[ -x "$HELPER" ] || die "$HELPER is missing: build it with scripts/build-helper.sh (make build does)"
[ -d "$OUTDIR" ] || die "$OUTDIR is not a folder"
need_go_tool nfpm "github.com/goreleaser/nfpm/v2/cmd/nfpm@${NFPM_VERSION}"
need_apt convert imagemagick objdump binutils

VERSION_FULL="$(bash "$ROOT/scripts/version.sh")"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(source_date_epoch)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Icons: resized from the committed PNGs, without the date/time chunks ImageMagick would add
# (they would make every build differ).
ICONS="$WORK/icons"
for s in 16 24 32 48 64 128 256 512; do
  mkdir -p "$ICONS/${s}x${s}"
  src="$ROOT/build/appicon.png"
  [ "$s" -le 32 ] && src="$ROOT/build/appicon-small.png" # simplified artwork stays crisp
  convert "$src" -resize "${s}x${s}" -strip -define png:exclude-chunks=date,time \
    "PNG32:$ICONS/${s}x${s}/$APP_NAME.png"
done

# AppStream metainfo, dated by SOURCE_DATE_EPOCH.
METAINFO="$WORK/metainfo.xml"
release_date="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)"
sed -e "s|@VERSION@|${VERSION_FULL/-/\~}|" -e "s|@DATE@|$release_date|" \
  -e "s|@PROJECT_URL@|${PROJECT_URL:-$DEFAULT_PROJECT_URL}|g" \
  "$ROOT/build/linux/outlook-connect.metainfo.xml.in" >"$METAINFO"

# RPM requirements by soname, as rpmbuild's own dependency generator would write them:
# every DT_NEEDED library, and every symbol version needed from it.
rpm_requires() {
  objdump -p "$1" | awk '
    $1 == "NEEDED" { print $2 "()(64bit)" }
    /^  required from / { lib = $3; sub(/:$/, "", lib); next }
    lib != "" && NF == 4 && $4 ~ /^[A-Z]/ { print lib "(" $4 ")(64bit)" }
    /^$/ { lib = "" }' | LC_ALL=C sort -u
}
requires="$(rpm_requires "$BINARY")"
# The helper needs no shared library at all (CGO_ENABLED=0): nothing to add to the requirements.
[ -z "$(rpm_requires "$HELPER")" ] || die "$HELPER links shared libraries; it must be built with CGO_ENABLED=0"
grep -q '^libwebkit2gtk-4\.1\.so\.0()(64bit)$' <<<"$requires" \
  || die "$BINARY does not link libwebkit2gtk-4.1.so.0 (built without the webkit2_41 tag?)"
CONFIG="$ROOT/build/linux/.nfpm-generated.yaml"
trap 'rm -rf "$WORK" "$CONFIG"' EXIT
awk -v reqs="$requires" '
  /^[ \t]*#@RPM_SONAME_REQUIRES@[ \t]*$/ {
    indent = $0; sub(/#.*/, "", indent)
    n = split(reqs, r, "\n"); for (i = 1; i <= n; i++) printf "%s- \"%s\"\n", indent, r[i]
    next
  }
  { print }' "$ROOT/build/linux/nfpm.yaml" >"$CONFIG"

export PKG_VERSION="$VERSION_FULL" PKG_ARCH="amd64" PKG_BINARY="$BINARY" PKG_HELPER="$HELPER" PKG_ICONS="$ICONS" PKG_METAINFO="$METAINFO"
export PKG_MAINTAINER="${PKG_MAINTAINER:-Outlook Connect maintainers <maintainers@outlook-connect.invalid>}"
DEB="$OUTDIR/$APP_NAME-$VERSION_FULL-linux-amd64.deb"
RPM="$OUTDIR/$APP_NAME-$VERSION_FULL-linux-x86_64.rpm"
rm -f "$DEB" "$RPM"
for fmt in deb rpm; do
  target="$DEB"; [ "$fmt" = rpm ] && target="$RPM"
  nfpm package --config "$CONFIG" --packager "$fmt" --target "$target" >"$WORK/nfpm.log" 2>&1 \
    || { cat "$WORK/nfpm.log" >&2; die "nfpm could not build the .$fmt"; }
done
require_file "$DEB" ".deb package"
require_file "$RPM" ".rpm package"
ok "$(basename "$DEB") ($(human_size "$DEB")), $(basename "$RPM") ($(human_size "$RPM")); SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
