#!/usr/bin/env bash
# macOS release build, run on a Mac (the release workflow's macos-latest job; Wails cannot
# cross-compile to macOS). Produces build/bin/outlook-connect-<version>-macos-universal.dmg.
#
#   bash scripts/package-macos.sh
#
# Signing and notarisation happen only when all of these are set (else an unsigned DMG is made,
# which Gatekeeper blocks until the user allows it; see build/README-install.md):
#   APPLE_SIGN_P12_BASE64     base64 of the "Developer ID Application" certificate + key (.p12)
#   APPLE_SIGN_P12_PASSWORD   its password
#   APPLE_SIGN_IDENTITY       e.g. "Developer ID Application: Example Ltd (TEAMID1234)"
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarytool credentials (app-specific password)
# VERSION overrides the version as in scripts/version.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log()  { printf '==> %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(uname -s)" = Darwin ] || die "this script runs on macOS only"

WAILS_VERSION="v2.16.0"
PRODUCT_NAME="Outlook Connect"
VERSION_FULL="$(bash scripts/version.sh)"
VERSION_NUM="$(bash scripts/version.sh --numeric)"
APP="build/bin/$PRODUCT_NAME.app"
DMG="build/bin/outlook-connect-$VERSION_FULL-macos-universal.dmg"
WORK="$(mktemp -d)"
KEYCHAIN=""
WAILS_JSON_BACKUP=""

cleanup() {
  if [ -n "$KEYCHAIN" ]; then
    security delete-keychain "$KEYCHAIN" >/dev/null 2>&1 || true
  fi
  if [ -n "$WAILS_JSON_BACKUP" ]; then cp "$WAILS_JSON_BACKUP" wails.json; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

WAILS="${WAILS:-$(go env GOPATH)/bin/wails}"
if ! "$WAILS" version 2>/dev/null | grep -q "^$WAILS_VERSION"; then
  log "Installing the Wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
  WAILS="$(go env GOPATH)/bin/wails"
fi

# Info.plist takes CFBundleVersion from wails.json info.productVersion (numeric X.Y.Z).
WAILS_JSON_BACKUP="$WORK/wails.json"
cp wails.json "$WAILS_JSON_BACKUP"
node -e '
  const fs=require("fs"); const j=JSON.parse(fs.readFileSync("wails.json","utf8"));
  j.info=j.info||{}; j.info.productVersion=process.argv[1];
  fs.writeFileSync("wails.json", JSON.stringify(j,null,2)+"\n");' "$VERSION_NUM"

log "Building $PRODUCT_NAME $VERSION_FULL (darwin/universal)"
"$WAILS" build -clean -skipbindings -m -trimpath -platform darwin/universal -ldflags "-X main.version=$VERSION_FULL"
# Wails exits 0 even when it builds nothing for a platform: check the bundle.
[ -x "$APP/Contents/MacOS/outlook-connect" ] || die "wails build produced no $APP"
lipo -archs "$APP/Contents/MacOS/outlook-connect" | grep -q arm64 || die "the binary is not universal"

SIGN=0
if [ -n "${APPLE_SIGN_P12_BASE64:-}" ] && [ -n "${APPLE_SIGN_IDENTITY:-}" ]; then
  SIGN=1
fi

if [ "$SIGN" = 1 ]; then
  set +x # secrets below
  log "Importing the signing certificate into a temporary keychain"
  KEYCHAIN="$WORK/signing.keychain-db"
  kc_pass="$(openssl rand -hex 24)"
  security create-keychain -p "$kc_pass" "$KEYCHAIN"
  security set-keychain-settings -lut 3600 "$KEYCHAIN"
  security unlock-keychain -p "$kc_pass" "$KEYCHAIN"
  printf '%s' "$APPLE_SIGN_P12_BASE64" | base64 --decode >"$WORK/cert.p12"
  security import "$WORK/cert.p12" -k "$KEYCHAIN" -P "${APPLE_SIGN_P12_PASSWORD:-}" \
    -T /usr/bin/codesign -T /usr/bin/security >/dev/null
  rm -f "$WORK/cert.p12"
  security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k "$kc_pass" "$KEYCHAIN" >/dev/null
  # Search the temporary keychain first, keep the user's keychains after it.
  # shellcheck disable=SC2046
  security list-keychains -d user -s "$KEYCHAIN" $(security list-keychains -d user | tr -d '"')

  log "Signing $APP (hardened runtime, secure timestamp)"
  codesign --deep --force --options runtime --timestamp --keychain "$KEYCHAIN" \
    -s "$APPLE_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"

  if [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
    log "Notarising (xcrun notarytool submit --wait)"
    ditto -c -k --keepParent "$APP" "$WORK/app.zip"
    xcrun notarytool submit "$WORK/app.zip" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
      --password "$APPLE_APP_PASSWORD" --wait --timeout 30m | tee "$WORK/notary.log"
    grep -q 'status: Accepted' "$WORK/notary.log" || die "notarisation was not accepted (see the log above; 'xcrun notarytool log <id>' shows why)"
    xcrun stapler staple "$APP"
    xcrun stapler validate "$APP"
    spctl --assess --type execute --verbose=2 "$APP"
  else
    echo "::warning::Signed but NOT notarised: APPLE_ID / APPLE_TEAM_ID / APPLE_APP_PASSWORD missing"
  fi
else
  echo "::warning::macOS build is NOT signed or notarised (signing secrets missing); Gatekeeper will warn users"
fi

log "Creating $DMG"
stage="$WORK/dmg"
mkdir -p "$stage"
ditto "$APP" "$stage/$PRODUCT_NAME.app"
ln -s /Applications "$stage/Applications"
rm -f "$DMG"
hdiutil create -volname "$PRODUCT_NAME" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG"
if [ "$SIGN" = 1 ]; then
  codesign --force --timestamp --keychain "$KEYCHAIN" -s "$APPLE_SIGN_IDENTITY" "$DMG"
fi
[ -s "$DMG" ] || die "no DMG produced"
hdiutil verify "$DMG"
log "Done: $DMG ($(du -h "$DMG" | cut -f1))"
