#!/usr/bin/env bash
# Tests of scripts/run-app.sh (what `make run` does after building): on a
# machine without a display or a desktop session it installs the virtual
# display and the keychain pieces before using them. The machine running
# these tests has everything, so each test gets a PATH that hides what it
# must not find, and APT_ENSURE names a stub installer that records what it
# was asked to install and "installs" stand-ins for the commands.
# shellcheck source=scripts/tests/lib.sh
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# The commands run-app.sh and .ci/keyring-session.sh use besides the ones
# under test.
BASE_COMMANDS=(bash env realpath dirname id mktemp mkdir rm cat cp seq sleep grep)

# setup — $TEST_TMP/bin (base commands only), a recording installer, and a
# fake app that records how it was started. The stand-ins: xvfb-run runs
# its command; dbus-run-session runs its command; the keyring pieces accept
# what keyring-session.sh asks of them.
setup() {
  BIN="$(sandbox_path "$TEST_TMP" "${BASE_COMMANDS[@]}")"
  STUBS="$TEST_TMP/stubs"
  LOG="$TEST_TMP/log"
  mkdir -p "$STUBS"
  : >"$LOG"
  stub "$STUBS" xvfb-run 'echo "xvfb-run $*" >>"$LOG"
while [ "${1#-}" != "$1" ]; do case "$1" in -s|-n|-f|-e|-p|-w) shift 2 ;; *) shift ;; esac; done
DISPLAY=:77 exec "$@"'
  stub "$STUBS" Xvfb 'exit 0'
  stub "$STUBS" xauth 'exit 0'
  stub "$STUBS" dbus-run-session 'echo "dbus-run-session" >>"$LOG"
[ "$1" = -- ] && shift
DBUS_SESSION_BUS_ADDRESS=unix:path=/stub exec "$@"'
  stub "$STUBS" dbus-send 'echo "   boolean true"'
  stub "$STUBS" gnome-keyring-daemon 'cat >/dev/null; echo "gnome-keyring-daemon $*" >>"$LOG"'
  stub "$STUBS" secret-tool '[ "$1" = store ] && cat >/dev/null; [ "$1" = lookup ] && printf ok; exit 0'
  # The installer "installs" a package by putting its commands on PATH.
  stub "$TEST_TMP" installer 'echo "install $*" >>"$LOG"
for p in "$@"; do case "$p" in
  xvfb) cp "$STUBS/xvfb-run" "$STUBS/Xvfb" "$BIN/" ;;
  xauth) cp "$STUBS/xauth" "$BIN/" ;;
  dbus) cp "$STUBS/dbus-run-session" "$STUBS/dbus-send" "$BIN/" ;;
  gnome-keyring) cp "$STUBS/gnome-keyring-daemon" "$BIN/" ;;
  libsecret-tools) cp "$STUBS/secret-tool" "$BIN/" ;;
esac; done'
  stub "$TEST_TMP" app 'echo "app started DISPLAY=${DISPLAY:-} BUS=${DBUS_SESSION_BUS_ADDRESS:-}" >>"$LOG"'
  export LOG BIN STUBS APT_ENSURE="$TEST_TMP/installer"
}

# run_app VAR=VALUE... — run-app.sh with only the given environment and the
# sandbox PATH; sets RC and OUT.
run_app() {
  RC=0
  OUT="$(env -i HOME="$TEST_TMP" PATH="$BIN" LOG="$LOG" BIN="$BIN" STUBS="$STUBS" APT_ENSURE="$APT_ENSURE" "$@" \
    bash "$ROOT/scripts/run-app.sh" "$TEST_TMP/app" 2>&1)" || RC=$?
}

no_session_bus() {
  if [ -S "/run/user/$(id -u)/bus" ]; then
    echo "    (this machine has a session bus at /run/user/$(id -u)/bus: the private-keychain path is not reachable here)"
    return 1
  fi
}

test_bare_headless_machine_installs_the_virtual_display_and_the_keychain() {
  setup
  no_session_bus || return 0
  run_app
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_contains "$OUT" "No display found" "says it uses a virtual display"
  assert_eq "install xvfb xauth
install dbus gnome-keyring libsecret-tools
dbus-run-session
gnome-keyring-daemon --unlock --components=secrets
xvfb-run -a -s -screen 0 1280x800x24 -nolisten tcp $TEST_TMP/app
app started DISPLAY=:77 BUS=unix:path=/stub" "$(cat "$LOG")" "what was installed, then how the app was started"
}

test_headless_with_a_session_bus_installs_only_the_virtual_display() {
  setup
  run_app DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_eq "install xvfb xauth
xvfb-run -a -s -screen 0 1280x800x24 -nolisten tcp $TEST_TMP/app
app started DISPLAY=:77 BUS=unix:path=/run/session-bus" "$(cat "$LOG")" "install and start"
}

test_virtual_display_present_installs_nothing() {
  setup
  cp "$STUBS/xvfb-run" "$STUBS/Xvfb" "$STUBS/xauth" "$BIN/"
  run_app DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_not_contains "$(cat "$LOG")" "install" "nothing to install"
  assert_contains "$(cat "$LOG")" "app started DISPLAY=:77" "started on the virtual display"
}

test_desktop_session_starts_the_app_directly() {
  setup
  run_app DISPLAY=:0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_eq "app started DISPLAY=:0 BUS=unix:path=/run/session-bus" "$(cat "$LOG")" "no installs, no xvfb-run"
  run_app WAYLAND_DISPLAY=wayland-0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_not_contains "$(cat "$LOG")" "xvfb-run" "Wayland counts as a display"
}

test_install_that_leaves_the_command_missing_stops_with_a_clear_message() {
  setup
  stub "$TEST_TMP" installer 'echo "install $*" >>"$LOG"'
  run_app DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "xvfb-run is still missing after installing xvfb xauth" "names the command and packages"
  assert_not_contains "$(cat "$LOG")" "app started" "the app is not started"
}

test_failed_install_stops_before_starting() {
  setup
  stub "$TEST_TMP" installer 'echo "install $*" >>"$LOG"; exit 100'
  run_app DBUS_SESSION_BUS_ADDRESS=unix:path=/run/session-bus
  assert_eq 100 "$RC" "the installer's exit status is passed on"
  assert_not_contains "$(cat "$LOG")" "app started" "the app is not started"
}

test_default_installer_is_apt_ensure() {
  assert_contains "$(cat "$ROOT/scripts/run-app.sh")" 'installer="${APT_ENSURE:-$here/scripts/apt-ensure.sh}"' "default installer"
  [ -x "$ROOT/scripts/apt-ensure.sh" ] || fail "scripts/apt-ensure.sh is not executable"
}

run_tests
