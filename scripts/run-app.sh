#!/usr/bin/env bash
# run-app.sh BINARY — start the built app the way `make run` promises, also
# on a bare machine: without a display it uses a virtual one (Xvfb), and
# without a desktop session it uses a private, throwaway keychain. What
# either needs is installed first, like every other package `make run` uses.
#
# APT_ENSURE names the installer (default: scripts/apt-ensure.sh). It is
# called with Debian package names; scripts/tests/run-app.test.sh replaces
# it with a stub that records what it was asked to install.
set -euo pipefail
[ "$#" -eq 1 ] || { echo "usage: $0 BINARY" >&2; exit 2; }
bin="$(realpath "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"
installer="${APT_ENSURE:-$here/scripts/apt-ensure.sh}"

# need WHY COMMAND:PACKAGE... — install the packages of the missing commands,
# then make sure the commands really are there now.
need() {
  local why="$1" pair cmd pkg
  shift
  local cmds=() pkgs=()
  for pair in "$@"; do
    cmd="${pair%%:*}" pkg="${pair#*:}"
    command -v "$cmd" >/dev/null 2>&1 && continue
    cmds+=("$cmd")
    [[ " ${pkgs[*]} " == *" $pkg "* ]] || pkgs+=("$pkg")
  done
  [ ${#cmds[@]} -eq 0 ] && return 0
  echo "$why needs ${cmds[*]}: installing ${pkgs[*]}."
  "$installer" "${pkgs[@]}"
  hash -r
  for cmd in "${cmds[@]}"; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
      echo "run-app: $cmd is still missing after installing ${pkgs[*]}; install it by hand and run 'make run' again." >&2
      exit 1
    fi
  done
}

cmd=("$bin")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  need "The virtual display" xvfb-run:xvfb Xvfb:xvfb xauth:xauth
  echo "No display found: starting Outlook Connect on a virtual display (xvfb-run)."
  echo "To see the window, run 'make run' from a desktop session."
  cmd=(xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "${cmd[@]}")
fi
# Without DBUS_SESSION_BUS_ADDRESS the app's D-Bus library (godbus) falls
# back to the login session's socket, /run/user/<uid>/bus.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "/run/user/$(id -u)/bus" ]; then
  need "The private keychain" dbus-run-session:dbus dbus-send:dbus gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools
  echo "No desktop session bus found: using a private keychain that is discarded when the app exits."
  exec bash "$here/.ci/keyring-session.sh" "${cmd[@]}"
fi
exec "${cmd[@]}"
