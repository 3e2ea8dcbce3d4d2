#!/usr/bin/env bash
# Adds the package-manager files to a folder of release files (the release workflow's assemble
# job; package-test.sh checks the winget part on every `make test`):
#   outlook-connect-<ver>-winget-manifests.zip  winget manifest set (version, default locale,
#                                               installer: nullsoft, user + machine scopes, silent
#                                               switches), validated against the official schema
#   outlook-connect.rb                          Homebrew cask (url, sha256, app, uninstall, zap)
#
#   bash scripts/release-metadata.sh DIST VERSION REPO_URL
#
# DIST must hold both Windows installers and the macOS DMG of VERSION.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ $# -eq 3 ] || die "usage: release-metadata.sh DIST VERSION REPO_URL"
DIST="$1" VERSION="$2" REPO_URL="${3%/}"
[[ "$REPO_URL" == https://* ]] || die "REPO_URL must be https"
user="$DIST/$APP_NAME-$VERSION-windows-amd64-user-installer.exe"
machine="$DIST/$APP_NAME-$VERSION-windows-amd64-installer.exe"
dmg="$DIST/$APP_NAME-$VERSION-macos-universal.dmg"
for f in "$user" "$machine" "$dmg"; do require_file "$f" "$(basename "$f")"; done

TOOL="$(releasetool)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mapfile -t manifests < <("$TOOL" winget -out "$WORK/winget" -version "$VERSION" \
  -base-url "$REPO_URL/releases/download/v$VERSION" -repo-url "$REPO_URL" \
  -date "$(date -u +%Y-%m-%d)" -user "$user" -machine "$machine")
[ ${#manifests[@]} -eq 3 ] || die "releasetool winget wrote ${#manifests[@]} manifests, expected 3"
"$TOOL" winget-validate -schemas "$(ls -d "$ROOT"/build/winget/schema/v*)" "${manifests[@]}"
zipfile="$(realpath "$DIST")/$APP_NAME-$VERSION-winget-manifests.zip"
rm -f "$zipfile"
(cd "$WORK/winget" && zip -q -X -r "$zipfile" manifests)
ok "$(basename "$zipfile")"

"$TOOL" cask -out "$DIST/$APP_NAME.rb" -version "$VERSION" -dmg "$dmg" -homepage "$REPO_URL" \
  -url-template "$REPO_URL/releases/download/v#{version}/$APP_NAME-#{version}-macos-universal.dmg" >/dev/null
ok "$APP_NAME.rb (Homebrew cask)"
