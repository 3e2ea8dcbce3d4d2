#!/usr/bin/env bash
# A throwaway code-signing setup for tests, shaped like a release's: the key is generated INSIDE
# a SoftHSM token (it cannot be exported, as with a real HSM or cloud key), a test CA issues the
# code-signing certificate, and a loopback RFC 3161 time-stamping server (tools/release `tsa`,
# backed by `openssl ts`) stamps the signatures. scripts/sign-windows.sh then signs through the
# same PKCS#11 path as a release.
#
#   bash scripts/signing-test-kit.sh start DIR   creates it all in DIR and writes DIR/env
#                                                (the WINDOWS_SIGN_* settings to source)
#   bash scripts/signing-test-kit.sh stop DIR    stops the time-stamping server
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || die "usage: signing-test-kit.sh start|stop DIR"
DIR="$2"
case "$1" in
  stop)
    if [ -s "$DIR/tsa.pid" ]; then kill "$(cat "$DIR/tsa.pid")" 2>/dev/null || true; rm -f "$DIR/tsa.pid"; fi
    exit 0 ;;
  start) ;;
  *) die "unknown command $1" ;;
esac

need_apt softhsm2-util softhsm2 pkcs11-tool opensc openssl openssl
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so; do
  [ -f "$m" ] && { MODULE="$m"; break; }
done
[ -n "$MODULE" ] || die "libsofthsm2.so not found"
ENGINE="$(pkcs11_engine)"
[ -f "$ENGINE" ] || need_apt_pkgs libengine-pkcs11-openssl

mkdir -p "$DIR/tokens"
DIR="$(realpath "$DIR")"
chmod 700 "$DIR"
cat >"$DIR/softhsm2.conf" <<CONF
directories.tokendir = $DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$DIR/softhsm2.conf"
PIN="$(openssl rand -hex 8)"
SO_PIN="$(openssl rand -hex 8)"
LABEL="oc-test-$$"
softhsm2-util --init-token --free --label "$LABEL" --so-pin "$SO_PIN" --pin "$PIN" >/dev/null
# The key pair is made by the token; only the public half ever leaves it.
pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN" \
  --keypairgen --key-type rsa:3072 --id 01 --label codesign >/dev/null 2>&1 || die "SoftHSM key generation failed"
KEY_URI="pkcs11:token=$LABEL;object=codesign;type=private"

# Test root CA (for both the code-signing and the time-stamping certificate).
openssl req -x509 -newkey rsa:3072 -sha256 -days 2 -nodes -subj "/CN=Outlook Connect Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$DIR/ca.key" -out "$DIR/ca.pem" >/dev/null 2>&1

# Code-signing certificate for the token's key: the CSR is signed inside the token.
cat >"$DIR/engine.cnf" <<CONF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
init = 0
CONF
( umask 077; printf '%s' "$PIN" >"$DIR/pin" )
OPENSSL_CONF="$DIR/engine.cnf" openssl req -new -engine pkcs11 -keyform engine \
  -key "$KEY_URI" -passin "file:$DIR/pin" -subj "/O=Outlook Connect Test/CN=Outlook Connect test signer" \
  -out "$DIR/codesign.csr" >/dev/null 2>&1 || die "could not make a CSR with the token's key"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$DIR/codesign.ext"
openssl x509 -req -in "$DIR/codesign.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
  -days 2 -sha256 -extfile "$DIR/codesign.ext" -out "$DIR/codesign.pem" >/dev/null 2>&1

# Time-stamping authority (RFC 3161): its own key and certificate (EKU timeStamping, critical).
openssl req -newkey rsa:2048 -nodes -subj "/O=Outlook Connect Test/CN=Outlook Connect test TSA" \
  -keyout "$DIR/tsa.key" -out "$DIR/tsa.csr" >/dev/null 2>&1
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' >"$DIR/tsa.ext"
openssl x509 -req -in "$DIR/tsa.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
  -days 2 -sha256 -extfile "$DIR/tsa.ext" -out "$DIR/tsa.pem" >/dev/null 2>&1
echo 01 >"$DIR/tsa.serial"
cat >"$DIR/tsa.cnf" <<CONF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $DIR/tsa.serial
crypto_device = builtin
signer_cert = $DIR/tsa.pem
certs = $DIR/ca.pem
signer_key = $DIR/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CONF
TOOL="$(releasetool)"
rm -f "$DIR/tsa.addr"
"$TOOL" tsa -config "$DIR/tsa.cnf" -addr-file "$DIR/tsa.addr" -idle 10m >"$DIR/tsa.log" 2>&1 &
echo $! >"$DIR/tsa.pid"
for _ in $(seq 1 100); do [ -s "$DIR/tsa.addr" ] && break; kill -0 "$(cat "$DIR/tsa.pid")" 2>/dev/null || break; sleep 0.05; done
[ -s "$DIR/tsa.addr" ] || { cat "$DIR/tsa.log" >&2; die "the test time-stamping server did not start"; }

cat >"$DIR/env" <<ENV
export SOFTHSM2_CONF='$DIR/softhsm2.conf'
export WINDOWS_SIGN_BACKEND=pkcs11
export WINDOWS_SIGN_PKCS11_MODULE='$MODULE'
export WINDOWS_SIGN_PKCS11_KEY='$KEY_URI'
export WINDOWS_SIGN_PKCS11_PIN='$PIN'
export WINDOWS_SIGN_CERT='$DIR/codesign.pem'
export WINDOWS_SIGN_TIMESTAMP_URL='http://$(cat "$DIR/tsa.addr")/'
export WINDOWS_SIGN_CA_FILE='$DIR/ca.pem'
export WINDOWS_SIGN_TSA_CA_FILE='$DIR/ca.pem'
export WINDOWS_SIGN_EXPECTED_SUBJECT='CN=Outlook Connect test signer'
ENV
ok "test signing kit in $DIR: SoftHSM token $LABEL, key generated in the token, TSA on $(cat "$DIR/tsa.addr")"
