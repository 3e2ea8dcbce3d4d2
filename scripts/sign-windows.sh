#!/usr/bin/env bash
# Authenticode-signs Windows PE files in place with osslsigncode (works on Linux).
#
#   WINDOWS_SIGN_PFX=cert.pfx WINDOWS_SIGN_PASSWORD=… bash scripts/sign-windows.sh FILE.exe...
#
# Environment:
#   WINDOWS_SIGN_PFX            path to a PKCS#12 (.pfx/.p12) file, OR its base64 text (CI secret)
#   WINDOWS_SIGN_PASSWORD       its password (never printed, never on a command line)
#   WINDOWS_SIGN_TIMESTAMP_URL  optional RFC 3161 timestamp server; strongly recommended for
#                               releases (the signature then stays valid after the cert expires)
#   WINDOWS_SIGN_DESCRIPTION    optional, default "Outlook Connect"
#   WINDOWS_SIGN_URL            optional "more info" URL shown by Windows in the UAC prompt
#
# Without WINDOWS_SIGN_PFX it exits 1: callers decide whether signing is wanted.
# Also called by makensis through !uninstfinalize to sign the uninstaller (see project.nsi).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 1 ] || die "usage: $0 FILE.exe..."
[ -n "${WINDOWS_SIGN_PFX:-}" ] || die "WINDOWS_SIGN_PFX is not set (path to a .pfx, or its base64)"
[ -n "${WINDOWS_SIGN_PASSWORD+x}" ] || die "WINDOWS_SIGN_PASSWORD is not set"
need_apt osslsigncode osslsigncode

set +x # never trace anything below: it handles the password
work="$(mktemp -d)"
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT

if [ -f "$WINDOWS_SIGN_PFX" ]; then
  pfx="$WINDOWS_SIGN_PFX"
else
  pfx="$work/cert.pfx"
  printf '%s' "$WINDOWS_SIGN_PFX" | tr -d '[:space:]' | base64 -d >"$pfx" 2>/dev/null \
    || die "WINDOWS_SIGN_PFX is neither an existing file nor valid base64"
fi
# The password goes through a 0600 file (osslsigncode -readpass), so it never shows in `ps`.
( umask 077; printf '%s' "$WINDOWS_SIGN_PASSWORD" >"$work/pass" )

ts_args=()
if [ -n "${WINDOWS_SIGN_TIMESTAMP_URL:-}" ]; then
  ts_args=(-ts "$WINDOWS_SIGN_TIMESTAMP_URL")
fi
url_args=()
if [ -n "${WINDOWS_SIGN_URL:-}" ]; then
  url_args=(-i "$WINDOWS_SIGN_URL")
fi

for f in "$@"; do
  [ -s "$f" ] || die "cannot sign $f: missing or empty"
  log "Signing $(basename "$f")"
  out="$work/signed.exe"
  rm -f "$out"
  # Re-signing an already signed file would fail; strip an existing signature first.
  if osslsigncode extract-signature -in "$f" -out "$work/old.sig" >/dev/null 2>&1; then
    osslsigncode remove-signature -in "$f" -out "$work/unsigned.exe" >/dev/null
    cp "$work/unsigned.exe" "$f"
  fi
  if ! osslsigncode sign -pkcs12 "$pfx" -readpass "$work/pass" \
      -n "${WINDOWS_SIGN_DESCRIPTION:-$PRODUCT_NAME}" "${url_args[@]}" \
      -h sha256 "${ts_args[@]}" -in "$f" -out "$out" >"$work/log" 2>&1; then
    cat "$work/log" >&2
    die "osslsigncode could not sign $f (wrong password or not a code-signing PKCS#12?)"
  fi
  # Replace in place (same inode, keeps permissions).
  cat "$out" >"$f"
  ok "signed $(basename "$f")"
done
