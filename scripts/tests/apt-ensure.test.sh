#!/usr/bin/env bash
# Tests of scripts/apt-ensure.sh with stand-ins for dpkg-query and apt-get
# on PATH: it installs only what is missing, waits for the dpkg lock instead
# of failing when another apt runs, and passes apt's failure on.
# shellcheck source=scripts/tests/lib.sh
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

setup() {
  BIN="$(sandbox_path "$TEST_TMP" bash env id grep)"
  LOG="$TEST_TMP/log"
  : >"$LOG"
  # Installed: the packages listed in $INSTALLED.
  stub "$BIN" dpkg-query 'pkg="${!#}"
for p in $INSTALLED; do [ "$p" = "$pkg" ] && { printf "install ok installed"; exit 0; }; done
echo "dpkg-query: no packages found matching $pkg" >&2; exit 1'
  stub "$BIN" apt-get 'echo "DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} apt-get $*" >>"$LOG"; exit "${APT_EXIT:-0}"'
  # Not root: sudo runs the command as it is (the real one would ask first).
  stub "$BIN" sudo 'echo "sudo" >>"$LOG"; exec "$@"'
}

ensure() {
  RC=0
  OUT="$(env -i PATH="$BIN" LOG="$LOG" INSTALLED="${INSTALLED:-}" APT_EXIT="${APT_EXIT:-0}" ${LOCK:+APT_LOCK_TIMEOUT=$LOCK} \
    bash "$ROOT/scripts/apt-ensure.sh" "$@" 2>&1)" || RC=$?
}

test_installs_only_the_missing_packages_waiting_for_the_dpkg_lock() {
  setup
  INSTALLED="xauth dbus" ensure xvfb xauth dbus gnome-keyring
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_contains "$OUT" "installing Debian packages: xvfb gnome-keyring" "says what it installs"
  local want_prefix=""
  [ "$(id -u)" = 0 ] || want_prefix=$'sudo\n'
  assert_eq "${want_prefix}DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
${want_prefix}DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends xvfb gnome-keyring" \
    "$(cat "$LOG")" "apt-get calls"
}

test_lock_timeout_can_be_changed() {
  setup
  LOCK=5 ensure xvfb
  assert_contains "$(cat "$LOG")" "-o DPkg::Lock::Timeout=5 install" "APT_LOCK_TIMEOUT"
}

test_nothing_missing_runs_no_apt() {
  setup
  INSTALLED="xvfb xauth" ensure xvfb xauth
  assert_eq 0 "$RC" "exit status; output: $OUT"
  assert_eq "" "$(cat "$LOG")" "no apt-get, no sudo"
}

test_apt_failure_is_passed_on() {
  setup
  APT_EXIT=100 ensure xvfb
  assert_eq 100 "$RC" "exit status"
}

test_no_packages_is_a_usage_error() {
  setup
  ensure
  assert_eq 2 "$RC" "exit status"
  assert_contains "$OUT" "usage:" "usage"
}

run_tests
