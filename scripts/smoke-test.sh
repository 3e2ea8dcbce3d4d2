#!/usr/bin/env bash
# smoke-test.sh BINARY ARTIFACT_DIR — the window smoke test of `make test`:
# start the production binary under Xvfb (demo mode, throwaway settings),
# wait until the frontend has set the window title after talking to Go,
# save a screenshot and assert it is not blank, then send SIGTERM and assert
# a clean exit within 5 seconds. The waiting is scripts/window-check.sh.
set -euo pipefail
if [ "${1:-}" = "--inside-xvfb" ]; then
  inside=1
  shift
fi
[ "$#" -eq 2 ] || { echo "usage: $0 BINARY ARTIFACT_DIR" >&2; exit 2; }
bin="$(realpath "$1")"
artifacts="$2"
mkdir -p "$artifacts"
shot="$(realpath "$artifacts")/smoke-window.png"
here="$(cd "$(dirname "$0")" && pwd)"

# Outside Xvfb: re-run this script inside a fresh virtual display (a shell
# function would not survive xvfb-run, which is a plain sh script).
if [ -z "${inside:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash "$0" --inside-xvfb "$@"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Nothing configured, whatever the caller's environment holds: the app must
# come up in demo mode on its own.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^OUTLOOK_CONNECT_' || true)
export OUTLOOK_CONNECT_CONFIG_DIR="$work/config"
export OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect smoke $$"
export BROWSER=true # demo mode never needs a real browser here
# Set by the frontend once GetAppInfo answered (see window-check.sh).
marker="Outlook Connect — Demo mode"

"$bin" >"$work/app.log" 2>&1 &
pid=$!
fail() {
  echo "smoke: $*"
  echo "--- app output ---"
  cat "$work/app.log"
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

window="$(bash "$here/window-check.sh" title "$pid" "$marker" 90)" || fail "the frontend never set the title \"$marker\""
echo "smoke: window $window"
colours="$(bash "$here/window-check.sh" painted "$shot" 60)" || fail "the window looks blank"
echo "smoke: screenshot $shot has $colours distinct colours"

start=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then fail "still running 5 s after SIGTERM"; fi
rc=0
wait "$pid" || rc=$?
echo "smoke: exited with status $rc $((($(date +%s%N) - start) / 1000000)) ms after SIGTERM"
[ "$rc" -eq 0 ] || fail "unclean exit (status $rc)"
echo "smoke: passed"
