#!/usr/bin/env bash
# Authenticode-signs Windows PE files in place, with a key that never leaves its hardware: a
# PKCS#11 token, HSM or cloud key service (the only kind of code-signing key a CA issues since
# June 2023), through osslsigncode, with an RFC 3161 timestamp (so signatures stay valid after
# the certificate expires).
#
#   WINDOWS_SIGN_BACKEND=pkcs11 … bash scripts/sign-windows.sh FILE.exe...
#
# Environment:
#   WINDOWS_SIGN_BACKEND         pkcs11 (Azure Trusted Signing signs in the release workflow with
#                                its official action instead; see build/README.md "Signing")
#   WINDOWS_SIGN_PKCS11_MODULE   the token's / HSM's / cloud key's PKCS#11 module (.so)
#   WINDOWS_SIGN_PKCS11_KEY      RFC 7512 URI of the private key, e.g.
#                                "pkcs11:token=Code%20Signing;object=codesign;type=private"
#   WINDOWS_SIGN_PKCS11_PIN      the token PIN (secret: passed to osslsigncode in a 0600 file,
#                                never on a command line, never printed)
#   WINDOWS_SIGN_CERT            the signing certificate and its intermediates, PEM, leaf first:
#                                a file path or the PEM text itself
#   WINDOWS_SIGN_TIMESTAMP_URL   RFC 3161 time-stamping server (required)
#   WINDOWS_SIGN_PKCS11_ENGINE   path of OpenSSL's pkcs11 engine, only if it is not the one in
#                                OpenSSL's ENGINESDIR (Debian/Ubuntu: libengine-pkcs11-openssl),
#                                which osslsigncode loads by its id by default
#   WINDOWS_SIGN_DESCRIPTION     default "Outlook Connect"
#   WINDOWS_SIGN_URL             "more info" URL Windows shows in the UAC prompt
#
# The same path signs releases and the throwaway SoftHSM key that package-test.sh uses on every
# `make test`. scripts/verify-windows-signature.sh checks the result (chain and timestamp).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +x # never trace below: the PIN is handled here

[ $# -ge 1 ] || die "usage: sign-windows.sh FILE.exe..."
case "${WINDOWS_SIGN_BACKEND:-}" in
  pkcs11) ;;
  azure) die "WINDOWS_SIGN_BACKEND=azure signs in the release workflow (azure/trusted-signing-action on a Windows runner), not with this script" ;;
  "") die "WINDOWS_SIGN_BACKEND is not set (pkcs11)" ;;
  *) die "WINDOWS_SIGN_BACKEND=${WINDOWS_SIGN_BACKEND}: unknown (pkcs11 or azure)" ;;
esac
for v in WINDOWS_SIGN_PKCS11_MODULE WINDOWS_SIGN_PKCS11_KEY WINDOWS_SIGN_CERT WINDOWS_SIGN_TIMESTAMP_URL; do
  [ -n "${!v:-}" ] || die "$v is not set"
done
[ -n "${WINDOWS_SIGN_PKCS11_PIN+x}" ] || die "WINDOWS_SIGN_PKCS11_PIN is not set"
[ -f "$WINDOWS_SIGN_PKCS11_MODULE" ] || die "PKCS#11 module $WINDOWS_SIGN_PKCS11_MODULE does not exist"
[[ "$WINDOWS_SIGN_PKCS11_KEY" == pkcs11:* ]] || die "WINDOWS_SIGN_PKCS11_KEY must be a pkcs11: URI (RFC 7512)"
case "$WINDOWS_SIGN_TIMESTAMP_URL" in
  https://*|http://*) ;; # RFC 3161 replies are signed themselves; most public TSAs speak plain http
  *) die "WINDOWS_SIGN_TIMESTAMP_URL must be an http(s) URL" ;;
esac
need_apt osslsigncode osslsigncode openssl openssl

# osslsigncode loads the engine by id unless given a path; 2.5 (Debian 12) fails to load it by
# path ("bad engine id"), so a path is passed only when one is configured.
engine_args=()
if [ -n "${WINDOWS_SIGN_PKCS11_ENGINE:-}" ]; then
  [ -f "$WINDOWS_SIGN_PKCS11_ENGINE" ] || die "WINDOWS_SIGN_PKCS11_ENGINE=$WINDOWS_SIGN_PKCS11_ENGINE does not exist"
  engine_args=(-pkcs11engine "$WINDOWS_SIGN_PKCS11_ENGINE")
else
  [ -f "$(pkcs11_engine)" ] || die "OpenSSL's pkcs11 engine is missing ($(pkcs11_engine)): install libengine-pkcs11-openssl"
fi

work="$(mktemp -d)"
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT
( umask 077; printf '%s' "$WINDOWS_SIGN_PKCS11_PIN" >"$work/pin" )
if [ -f "$WINDOWS_SIGN_CERT" ]; then
  cert="$WINDOWS_SIGN_CERT"
else
  cert="$work/cert.pem"
  printf '%s\n' "$WINDOWS_SIGN_CERT" >"$cert"
fi
openssl x509 -in "$cert" -noout 2>/dev/null || die "WINDOWS_SIGN_CERT is neither a PEM file nor PEM text"
url_args=()
[ -z "${WINDOWS_SIGN_URL:-}" ] || url_args=(-i "$WINDOWS_SIGN_URL")

for f in "$@"; do
  [ -s "$f" ] || die "cannot sign $f: missing or empty"
  out="$work/signed.exe"
  rm -f "$out" "$work/unsigned.exe"
  # Signing replaces a signature rather than adding a second one.
  src="$f"
  if osslsigncode extract-signature -in "$f" -out "$work/old.sig" >/dev/null 2>&1; then
    osslsigncode remove-signature -in "$f" -out "$work/unsigned.exe" >/dev/null
    src="$work/unsigned.exe"
  fi
  if ! osslsigncode sign "${engine_args[@]}" -pkcs11module "$WINDOWS_SIGN_PKCS11_MODULE" \
      -key "$WINDOWS_SIGN_PKCS11_KEY" -readpass "$work/pin" -certs "$cert" \
      -n "${WINDOWS_SIGN_DESCRIPTION:-$PRODUCT_NAME}" "${url_args[@]}" -h sha256 \
      -ts "$WINDOWS_SIGN_TIMESTAMP_URL" -in "$src" -out "$out" >"$work/log" 2>&1; then
    grep -v -i 'pin' "$work/log" >&2 || true
    die "osslsigncode could not sign $f (wrong PIN, key URI or certificate, or the time-stamping server did not answer)"
  fi
  cat "$out" >"$f" # in place: same inode and permissions
  ok "signed $(basename "$f") (timestamped by $WINDOWS_SIGN_TIMESTAMP_URL)"
done
