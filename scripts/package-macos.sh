#!/usr/bin/env bash
# macOS release steps, run on a Mac (Wails cannot cross-compile to macOS). Split so that only
# the signing step ever sees a signing secret:
#
#   bash scripts/package-macos.sh build         universal .app, with the background helper
#                                               program (scripts/build-helper.sh, one slice per
#                                               architecture, lipo'd) in Contents/MacOS next to
#                                               the main executable, where the app looks for it;
#                                               both programs' architectures checked with lipo;
#                                               zipped (ditto) into build/stage/macos/
#                                               (no secrets: the build job)
#   bash scripts/package-macos.sh sign          from that zip: codesign (hardened runtime, secure
#                                               timestamp, inside-out, no --deep: the helper
#                                               program before the bundle), notarise and
#                                               staple the app, build the DMG, sign it, notarise
#                                               and staple the DMG itself, check with spctl
#                                               -> build/dist/outlook-connect-<ver>-macos-universal.dmg
#   bash scripts/package-macos.sh dmg-unsigned  an UNSIGNED DMG for tests and manual runs that ask
#                                               for one (ALLOW_UNSIGNED=1 required)
#                                               -> build/dist/outlook-connect-<ver>-macos-universal-unsigned.dmg
#
# `sign` fails, naming what is missing, unless all of these are set:
#   APPLE_SIGN_P12_BASE64, APPLE_SIGN_P12_PASSWORD   "Developer ID Application" certificate + key
#   APPLE_SIGN_IDENTITY      e.g. "Developer ID Application: Example Ltd (TEAMID1234)"
#   and notarisation credentials, either an App Store Connect API key (preferred):
#   APPLE_NOTARY_KEY_P8_BASE64, APPLE_NOTARY_KEY_ID, APPLE_NOTARY_ISSUER_ID
#   or an Apple ID: APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (app-specific password)
# VERSION overrides the version as in scripts/version.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log()  { printf '==> %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(uname -s)" = Darwin ] || die "this script runs on macOS only"
[ $# -eq 1 ] || die "usage: package-macos.sh build|sign|dmg-unsigned"

WAILS_VERSION="v2.16.0"
PRODUCT_NAME="Outlook Connect"
APP_NAME="outlook-connect"
HELPER="$APP_NAME-background"
# The helper's code-signing identifier (the main executable's is the bundle id).
HELPER_ID="ai.outlookconnect.background"
STAGE="build/stage/macos"
APP_ZIP="$STAGE/$APP_NAME-app.zip"
DIST="build/dist"
WORK="$(mktemp -d)"
KEYCHAIN=""
WAILS_JSON_BACKUP=""

cleanup() {
  if [ -n "$KEYCHAIN" ]; then security delete-keychain "$KEYCHAIN" >/dev/null 2>&1 || true; fi
  if [ -n "$WAILS_JSON_BACKUP" ]; then cp "$WAILS_JSON_BACKUP" wails.json; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Both architectures, each a real Mach-O slice (lipo -verify_arch fails on a missing one), for
# the main executable and the helper program next to it.
check_universal() {
  local bin
  for bin in "$1/Contents/MacOS/$APP_NAME" "$1/Contents/MacOS/$HELPER"; do
    [ -x "$bin" ] || die "$bin is missing"
    lipo -verify_arch x86_64 arm64 "$bin" || die "$bin is not universal: $(lipo -archs "$bin")"
    log "lipo $(basename "$bin"): $(lipo -archs "$bin")"
  done
}

cmd_build() {
  local version_full version_num wails
  version_full="$(bash scripts/version.sh)"
  version_num="$(bash scripts/version.sh --numeric)"
  wails="${WAILS:-$(go env GOPATH)/bin/wails}"
  if ! "$wails" version 2>/dev/null | grep -q "^$WAILS_VERSION"; then
    log "Installing the Wails CLI $WAILS_VERSION"
    go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
    wails="$(go env GOPATH)/bin/wails"
  fi
  # Info.plist takes CFBundleVersion from wails.json info.productVersion (numeric X.Y.Z).
  WAILS_JSON_BACKUP="$WORK/wails.json"
  cp wails.json "$WAILS_JSON_BACKUP"
  node -e '
    const fs=require("fs"); const j=JSON.parse(fs.readFileSync("wails.json","utf8"));
    j.info=j.info||{}; j.info.productVersion=process.argv[1];
    fs.writeFileSync("wails.json", JSON.stringify(j,null,2)+"\n");' "$version_num"
  log "Building $PRODUCT_NAME $version_full (darwin/universal)"
  "$wails" build -clean -skipbindings -m -trimpath -platform darwin/universal -ldflags "-X main.version=$version_full"
  local app="build/bin/$PRODUCT_NAME.app"
  [ -d "$app" ] || die "wails build produced no $app" # it exits 0 when it builds nothing
  local arch
  for arch in amd64 arm64; do
    VERSION="$version_full" bash scripts/build-helper.sh "$WORK/$HELPER-$arch" "darwin/$arch"
  done
  lipo -create -output "$app/Contents/MacOS/$HELPER" "$WORK/$HELPER-amd64" "$WORK/$HELPER-arm64"
  chmod 755 "$app/Contents/MacOS/$HELPER"
  check_universal "$app"
  rm -rf "$STAGE"
  mkdir -p "$STAGE"
  ditto -c -k --keepParent "$app" "$APP_ZIP"
  printf 'VERSION_FULL=%s\n' "$version_full" >"$STAGE/stage.env"
  log "Staged $APP_ZIP (unsigned)"
}

# unstage: the staged app, unpacked into $WORK; prints its path.
unstage() {
  [ -s "$APP_ZIP" ] || die "$APP_ZIP is missing: run 'package-macos.sh build' first"
  ditto -x -k "$APP_ZIP" "$WORK/app"
  local app="$WORK/app/$PRODUCT_NAME.app"
  check_universal "$app"
  echo "$app"
}

make_dmg() { # APP DMG
  local stage="$WORK/dmg"
  rm -rf "$stage"
  mkdir -p "$stage" "$(dirname "$2")"
  ditto "$1" "$stage/$PRODUCT_NAME.app"
  ln -s /Applications "$stage/Applications"
  rm -f "$2"
  hdiutil create -volname "$PRODUCT_NAME" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$2" >/dev/null
  hdiutil verify "$2" >/dev/null
}

version_of_stage() { sed -n 's/^VERSION_FULL=//p' "$STAGE/stage.env"; }

cmd_dmg_unsigned() {
  [ "${ALLOW_UNSIGNED:-}" = 1 ] || die "refusing to make an unsigned DMG without ALLOW_UNSIGNED=1"
  local app dmg
  app="$(unstage)"
  dmg="$DIST/$APP_NAME-$(version_of_stage)-macos-universal-unsigned.dmg"
  make_dmg "$app" "$dmg"
  echo "::warning::$(basename "$dmg") is NOT signed or notarised: for tests only, Gatekeeper blocks it"
  log "Done: $dmg"
}

notarise() { # FILE (a .zip or .dmg)
  local out id status
  out="$WORK/notary-$(basename "$1").json"
  local creds=()
  if [ -n "${APPLE_NOTARY_KEY_P8_BASE64:-}" ]; then
    printf '%s' "$APPLE_NOTARY_KEY_P8_BASE64" | base64 --decode >"$WORK/AuthKey.p8"
    creds=(--key "$WORK/AuthKey.p8" --key-id "$APPLE_NOTARY_KEY_ID" --issuer "$APPLE_NOTARY_ISSUER_ID")
  else
    creds=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
  fi
  log "Notarising $(basename "$1") (xcrun notarytool submit --wait)"
  xcrun notarytool submit "$1" "${creds[@]}" --wait --timeout 45m --output-format json >"$out" || true
  id="$(plutil -extract id raw -o - "$out" 2>/dev/null || true)"
  status="$(plutil -extract status raw -o - "$out" 2>/dev/null || true)"
  if [ "$status" != Accepted ]; then
    cat "$out" >&2
    [ -z "$id" ] || xcrun notarytool log "$id" "${creds[@]}" >&2 || true
    die "notarisation of $(basename "$1") was not accepted (status: ${status:-none})"
  fi
  log "Notarisation accepted ($id)"
}

cmd_sign() {
  local missing=() v
  for v in APPLE_SIGN_P12_BASE64 APPLE_SIGN_P12_PASSWORD APPLE_SIGN_IDENTITY; do
    [ -n "${!v:-}" ] || missing+=("$v")
  done
  if [ -n "${APPLE_NOTARY_KEY_P8_BASE64:-}" ]; then
    for v in APPLE_NOTARY_KEY_ID APPLE_NOTARY_ISSUER_ID; do [ -n "${!v:-}" ] || missing+=("$v"); done
  else
    for v in APPLE_ID APPLE_TEAM_ID APPLE_APP_PASSWORD; do [ -n "${!v:-}" ] || missing+=("$v"); done
  fi
  [ ${#missing[@]} -eq 0 ] || die "cannot sign and notarise: not set: ${missing[*]} (an unsigned DMG comes only from a manual run that asks for it)"

  set +x # secrets below
  local app dmg kc_pass
  app="$(unstage)"
  dmg="$DIST/$APP_NAME-$(version_of_stage)-macos-universal.dmg"

  log "Importing the signing certificate into a temporary keychain"
  KEYCHAIN="$WORK/signing.keychain-db"
  kc_pass="$(openssl rand -hex 24)"
  security create-keychain -p "$kc_pass" "$KEYCHAIN"
  security set-keychain-settings -lut 3600 "$KEYCHAIN"
  security unlock-keychain -p "$kc_pass" "$KEYCHAIN"
  printf '%s' "$APPLE_SIGN_P12_BASE64" | base64 --decode >"$WORK/cert.p12"
  security import "$WORK/cert.p12" -k "$KEYCHAIN" -P "$APPLE_SIGN_P12_PASSWORD" -T /usr/bin/codesign >/dev/null
  rm -f "$WORK/cert.p12"
  security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k "$kc_pass" "$KEYCHAIN" >/dev/null
  # Search the temporary keychain first, keep the user's keychains after it.
  # shellcheck disable=SC2046
  security list-keychains -d user -s "$KEYCHAIN" $(security list-keychains -d user | tr -d '"')

  local sign=(codesign --force --options runtime --timestamp --keychain "$KEYCHAIN" -s "$APPLE_SIGN_IDENTITY")
  # Inside-out, without --deep (Apple: --deep is for verifying, not signing): first any nested
  # code (frameworks, helpers, plug-ins, dylibs), then the bundle, which seals its main executable.
  local nested
  while IFS= read -r -d '' nested; do
    log "Signing nested code: ${nested#"$app"/}"
    "${sign[@]}" "$nested"
  done < <(find "$app/Contents" -depth \( -name '*.framework' -o -name '*.app' -o -name '*.xpc' -o -name '*.dylib' -o -name '*.bundle' \) -print0)
  # The helper program is a second executable in Contents/MacOS: signed on its own first (the
  # bundle's signature seals only its main executable), with the same hardened runtime.
  log "Signing nested code: Contents/MacOS/$HELPER"
  "${sign[@]}" --identifier "$HELPER_ID" "$app/Contents/MacOS/$HELPER"
  log "Signing $PRODUCT_NAME.app (hardened runtime, secure timestamp)"
  "${sign[@]}" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
  codesign --verify --strict --verbose=2 "$app/Contents/MacOS/$HELPER"
  codesign -dv --verbose=2 "$app/Contents/MacOS/$HELPER" 2>&1 | grep -q 'flags=.*runtime' \
    || die "$HELPER is not signed with the hardened runtime"
  codesign -dv --verbose=2 "$app" 2>&1 | grep -E '^(Authority|TeamIdentifier|Timestamp|Runtime)' >&2 || true

  # The app is notarised and stapled on its own too, so a copy dragged out of the DMG opens
  # without a network check.
  ditto -c -k --keepParent "$app" "$WORK/app.zip"
  notarise "$WORK/app.zip"
  xcrun stapler staple "$app"
  xcrun stapler validate "$app"

  log "Creating, signing, notarising and stapling $(basename "$dmg")"
  make_dmg "$app" "$dmg"
  codesign --force --timestamp --keychain "$KEYCHAIN" -s "$APPLE_SIGN_IDENTITY" "$dmg"
  notarise "$dmg"
  xcrun stapler staple "$dmg"
  xcrun stapler validate "$dmg"
  # What Gatekeeper does when a person opens the downloaded DMG, and the app inside it.
  spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
  spctl --assess --type execute --verbose=2 "$app"
  log "Done: $dmg"
}

case "$1" in
  build) cmd_build ;;
  sign) cmd_sign ;;
  dmg-unsigned) cmd_dmg_unsigned ;;
  *) die "unknown step $1 (build, sign or dmg-unsigned)" ;;
esac
