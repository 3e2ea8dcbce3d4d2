#!/usr/bin/env bash
# Verifies Authenticode signatures the way a release needs them, not just the digest: the
# signature covers the file, the signer chains to a trusted root, the signature carries an
# RFC 3161 timestamp whose own signature chains to a trusted root, and (optionally) the signer is
# who it should be.
#
#   bash scripts/verify-windows-signature.sh [--ca PEM] [--tsa-ca PEM] [--subject TEXT] FILE...
#
# --ca / --tsa-ca default to WINDOWS_SIGN_CA_FILE / WINDOWS_SIGN_TSA_CA_FILE, else the system's
# CA bundle. --subject (default WINDOWS_SIGN_EXPECTED_SUBJECT) must appear in the signer's
# subject. Writes osslsigncode's report next to nothing; prints it on failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ca="${WINDOWS_SIGN_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
tsa_ca="${WINDOWS_SIGN_TSA_CA_FILE:-$ca}"
subject="${WINDOWS_SIGN_EXPECTED_SUBJECT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --ca) ca="$2"; shift 2 ;;
    --tsa-ca) tsa_ca="$2"; shift 2 ;;
    --subject) subject="$2"; shift 2 ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || die "usage: verify-windows-signature.sh [--ca PEM] [--tsa-ca PEM] [--subject TEXT] FILE..."
[ -s "$ca" ] || die "CA file $ca is missing"
[ -s "$tsa_ca" ] || die "TSA CA file $tsa_ca is missing"
need_apt osslsigncode osslsigncode

failed=0
for f in "$@"; do
  report="$(osslsigncode verify -CAfile "$ca" -TSA-CAfile "$tsa_ca" -in "$f" 2>&1)" && rc=0 || rc=$?
  problems=()
  [ "$rc" -eq 0 ] || problems+=("osslsigncode verify exited $rc")
  cur="$(sed -n 's/^Current message digest *: *//p' <<<"$report" | head -1 | tr -d ' ')"
  calc="$(sed -n 's/^Calculated message digest *: *//p' <<<"$report" | head -1 | tr -d ' ')"
  { [ -n "$cur" ] && [ "$cur" = "$calc" ]; } || problems+=("the signature does not cover the file as it is")
  grep -qx 'Signature verification: ok' <<<"$report" || problems+=("the signer does not chain to a trusted root")
  grep -qx 'Timestamp Server Signature verification: ok' <<<"$report" \
    || problems+=("no valid RFC 3161 timestamp (or its signer does not chain to a trusted root)")
  if [ -n "$subject" ]; then
    signer="$(awk '/^\tSigner #0:/{f=1} f && /Subject:/{sub(/^[ \t]*Subject: */,""); print; exit}' <<<"$report")"
    [[ "$signer" == *"$subject"* ]] || problems+=("signed by '$signer', expected '$subject'")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    ok "$(basename "$f"): signature, chain and timestamp verified"
  else
    failed=1
    printf '%s\n' "$report" | sed 's/^/      /' >&2
    for p in "${problems[@]}"; do printf '\033[1;31mFAIL\033[0m %s: %s\n' "$(basename "$f")" "$p" >&2; done
  fi
done
exit "$failed"
