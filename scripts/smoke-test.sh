#!/usr/bin/env bash
# smoke-test.sh BINARY ARTIFACT_DIR — the window smoke test of `make test`:
# start the production binary under Xvfb (demo mode, throwaway settings),
# wait for its window, save a screenshot, assert it is not blank, then send
# SIGTERM and assert a clean exit within 5 seconds.
set -euo pipefail
if [ "${1:-}" = "--inside-xvfb" ]; then
  inside=1
  shift
fi
bin="$(realpath "$1")"
artifacts="$2"
mkdir -p "$artifacts"
shot="$(realpath "$artifacts")/smoke-window.png"

# Outside Xvfb: re-run this script inside a fresh virtual display (a shell
# function would not survive xvfb-run, which is a plain sh script).
if [ -z "${inside:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash "$0" --inside-xvfb "$@"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OUTLOOK_CONNECT_CONFIG_DIR="$work/config"
export OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect smoke $$"
export BROWSER=true # demo mode never needs a real browser here
# xwininfo prints non-ASCII window titles only in a UTF-8 locale.
export LANG=C.UTF-8
# The title is "Outlook Connect", or "Outlook Connect — Demo mode".
title_re='"Outlook Connect( — Demo mode)?"'

inner() {
  "$bin" >"$work/app.log" 2>&1 &
  local pid=$! i colours
  # The window appears first; the page renders a moment later.
  for i in $(seq 1 120); do
    if xwininfo -root -tree 2>/dev/null | grep -qE "$title_re"; then break; fi
    kill -0 "$pid" 2>/dev/null || { echo "smoke: the app exited early"; cat "$work/app.log"; return 1; }
    sleep 0.25
  done
  xwininfo -root -tree | grep -qE "$title_re" || { echo "smoke: no window titled 'Outlook Connect'"; cat "$work/app.log"; return 1; }
  # Not blank: the rendered shell has text, an icon and a button, so many
  # distinct colours; an empty webview has one or two.
  for i in $(seq 1 60); do
    import -window root "$shot"
    colours="$(convert "$shot" -format '%k' info:)"
    [ "$colours" -ge 64 ] && break
    sleep 0.5
  done
  echo "smoke: screenshot $shot has $colours distinct colours"
  if [ "$colours" -lt 64 ]; then echo "smoke: the window looks blank"; cat "$work/app.log"; return 1; fi

  local start end rc
  start=$(date +%s%N)
  kill -TERM "$pid"
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "smoke: still running 5 s after SIGTERM"; kill -KILL "$pid"; return 1
  fi
  rc=0; wait "$pid" || rc=$?
  end=$(date +%s%N)
  echo "smoke: exited with status $rc $(( (end - start) / 1000000 )) ms after SIGTERM"
  [ "$rc" -eq 0 ] || { echo "smoke: unclean exit"; cat "$work/app.log"; return 1; }
}
inner
echo "smoke: passed"
