#!/usr/bin/env bash
# run-app.sh BINARY — start the built app the way `make run` promises, also
# on a bare machine: without a display it uses a virtual one (Xvfb), and
# without a desktop session it uses a private, throwaway keychain.
set -euo pipefail
bin="$(realpath "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"

cmd=("$bin")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: starting Outlook Connect on a virtual display (xvfb-run)."
  echo "To see the window, run 'make run' from a desktop session."
  cmd=(xvfb-run -a -s "-screen 0 1280x800x24" "${cmd[@]}")
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "/run/user/$(id -u)/bus" ]; then
  echo "No desktop session bus found: using a private keychain that is discarded when the app exits."
  exec bash "$here/.ci/keyring-session.sh" "${cmd[@]}"
fi
exec "${cmd[@]}"
