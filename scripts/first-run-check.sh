#!/usr/bin/env bash
# first-run-check.sh [ARTIFACT_DIR] — proves a newcomer's first command works:
# `make run` in a fresh `git clone` of this repository (what is committed, not
# the working tree), started as on a bare server — no DISPLAY, no Wayland,
# no desktop session bus, nothing configured — under a timeout. It must
# reach a window whose title the frontend set after talking to Go
# ("Outlook Connect — Demo mode"), painted (screenshot not blank), and when
# the app gets SIGTERM, `make run` must end with status 0 (the app exited
# cleanly and so did the virtual display and the private keychain around it).
#
# The window lives on the Xvfb that `make run` (scripts/run-app.sh, via
# xvfb-run -a) started for itself; this script finds that Xvfb among the
# processes it started and looks at its display with its own auth file.
#
# Environment: FIRST_RUN_TIMEOUT (seconds for clone, build and start;
# default 1800). Run by .ci/run after `make test`; screenshot and the
# output of `make run` in ARTIFACT_DIR/first-run/ (default test-artifacts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
artifacts="$(mkdir -p "${1:-$root/test-artifacts}/first-run" && cd "${1:-$root/test-artifacts}/first-run" && pwd)"
budget="${FIRST_RUN_TIMEOUT:-1800}"
marker="Outlook Connect — Demo mode"
log="$artifacts/make-run.log"
shot="$artifacts/first-run-window.png"
rm -f "$log" "$shot"

work="$(mktemp -d)"
runner=""
cleanup() {
  # Everything `make run` started shares the process group timeout(1) made.
  if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
    kill -TERM -- "-$runner" 2>/dev/null || true
    wait "$runner" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { echo "first-run: $*"; }
die() {
  say "FAILED: $*"
  echo "--- last lines of make run ($log) ---"
  tail -40 "$log" 2>/dev/null || true
  exit 1
}
now() { date +%s; }
t0=$(now)

say "cloning $(git -C "$root" rev-parse --short HEAD) into a fresh directory"
git clone --quiet "$root" "$work/clone"

# As on a bare server: no display, no session bus, nothing configured. The
# settings folder and keychain namespace are throwaway ones, so a developer's
# own settings are neither used nor touched.
env_args=(-u DISPLAY -u WAYLAND_DISPLAY -u XAUTHORITY -u DBUS_SESSION_BUS_ADDRESS)
while read -r var; do env_args+=(-u "$var"); done < <(compgen -e | grep '^OUTLOOK_CONNECT_' || true)
env_args+=(OUTLOOK_CONNECT_CONFIG_DIR="$work/config" OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect first-run $$")

# timeout(1) puts itself and make in a new process group and, when the time
# is up, signals that whole group.
say "make run (budget ${budget} s), without DISPLAY"
(cd "$work/clone" && exec env "${env_args[@]}" timeout --kill-after=30 "$budget" make run) </dev/null >"$log" 2>&1 &
runner=$!

# pid_of_app / the Xvfb's display and auth file, among the processes of the group.
group_procs() { ps -e -o pid=,pgid=,args= | awk -v g="$runner" '$2 == g { $2 = ""; print }'; }
app_bin="$work/clone/build/bin/outlook-connect"
app_pid="" display="" auth=""
while :; do
  procs="$(group_procs)"
  app_pid="$(awk -v b="$app_bin" '$2 == b { print $1; exit }' <<<"$procs")"
  xvfb="$(awk '$2 == "Xvfb" || $2 ~ /\/Xvfb$/ { $1 = ""; print; exit }' <<<"$procs")"
  if [ -n "$app_pid" ] && [ -n "$xvfb" ]; then
    read -r -a xargs_ <<<"$xvfb"
    for i in "${!xargs_[@]}"; do
      case "${xargs_[$i]}" in
        :[0-9]*) display="${xargs_[$i]}" ;;
        -auth) auth="${xargs_[$((i + 1))]}" ;;
      esac
    done
    [ -n "$display" ] && [ -n "$auth" ] && [ -s "$auth" ] && break
  fi
  kill -0 "$runner" 2>/dev/null || { rc=0; wait "$runner" || rc=$?; die "make run ended (status $rc) before the app ran on a virtual display"; }
  [ $(($(now) - t0)) -lt "$budget" ] || die "the app was not running on a virtual display within ${budget} s"
  sleep 1
done
say "built and started in $(($(now) - t0)) s: app pid $app_pid on Xvfb $display"
grep -q "No display found: starting Outlook Connect on a virtual display" "$log" || die "make run did not say it uses a virtual display"

export DISPLAY="$display" XAUTHORITY="$auth"
window="$(bash "$root/scripts/window-check.sh" title "$app_pid" "$marker" 120)" || die "no window titled \"$marker\" (the frontend sets it after talking to Go)"
say "window $window"
colours="$(bash "$root/scripts/window-check.sh" painted "$shot" 60)" || die "the window looks blank"
say "screenshot $shot has $colours distinct colours"

say "SIGTERM to the app"
kill -TERM "$app_pid"
for _ in $(seq 1 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app_pid" 2>/dev/null && die "the app was still running 5 s after SIGTERM"
# make, xvfb-run and the private keychain session unwind after the app.
for _ in $(seq 1 300); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
kill -0 "$runner" 2>/dev/null && die "make run was still running 30 s after the app exited"
rc=0
wait "$runner" || rc=$?
runner=""
[ "$rc" -eq 0 ] || die "make run exited with status $rc after the app's SIGTERM (124 = the ${budget} s timeout)"
say "passed: make run from a fresh clone reached a painted window and exited cleanly, $(($(now) - t0)) s in all"
