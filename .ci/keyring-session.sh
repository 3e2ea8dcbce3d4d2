#!/usr/bin/env bash
# keyring-session.sh CMD [ARGS...]
#
# Runs CMD inside a private D-Bus session bus with an unlocked, throwaway
# gnome-keyring "login" collection, so github.com/zalando/go-keyring (and the
# app's vault integration tests) work on headless Debian 12, also as root.
# The bus, the daemon and the keyring die with CMD; CMD's exit code is
# passed through. Recipe and reasons: docs in keyring.md §3.2 and §3.4.
#
#   bash .ci/keyring-session.sh env OUTLOOK_CONNECT_KEYRING_IT=1 go test -race -count=1 ./app/vault/
#
# dbus-x11 is deliberately not installed: its dbus-launch would let godbus
# autolaunch stray buses outside this session (keyring.md §3.1).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if ! command -v dbus-run-session >/dev/null || ! command -v dbus-send >/dev/null || ! command -v gnome-keyring-daemon >/dev/null \
   || ! command -v secret-tool >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends dbus gnome-keyring libsecret-tools
fi

exec dbus-run-session -- bash -c '
  set -euo pipefail
  # A fresh keyring directory each run: a login.keyring left by an earlier
  # run with another password would stay locked, and --unlock still exits 0
  # (keyring.md §3.4). The password is echoed with -n: a newline would be
  # part of it.
  kr_dir="$(mktemp -d)"
  # A private runtime directory too: the daemon keeps its control socket
  # there (else in a ~/.cache/keyring-* shared by every session of this
  # user), so parallel sessions never reach the daemon of another session.
  export XDG_RUNTIME_DIR="$kr_dir/run"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  trap "rm -rf \"\$kr_dir\"" EXIT
  echo -n "ci-keyring-pass" | XDG_DATA_HOME="$kr_dir" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The daemon claims org.freedesktop.secrets on the bus a moment after it
  # returns; a client that asks earlier makes D-Bus activate a second,
  # locked daemon. Wait for the name (up to 10 s) before anyone uses it.
  for _ in $(seq 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      break
    fi
    sleep 0.1
  done
  # Fail loudly here, not in the tests, if the Secret Service is not usable.
  echo -n ok | secret-tool store --label=ci-keyring-check service ci-keyring-check username ci
  test "$(secret-tool lookup service ci-keyring-check username ci)" = ok
  secret-tool clear service ci-keyring-check username ci
  set +e
  "$@"
  exit $?
' keyring-session "$@"
