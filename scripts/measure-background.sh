#!/usr/bin/env bash
# measure-background.sh BINARY [SECONDS] — resident memory and idle CPU of
# the background helper as installs run it (the helper program next to
# BINARY, outlook-connect-background, as make build and every package put
# it; with no display at all: DISPLAY, WAYLAND_DISPLAY and XAUTHORITY
# unset) next to the window's (BINARY under Xvfb), in the same state: configured against the fakes
# (demo-services), a calendar connected, the rule "every meeting with a
# link", the week's bots scheduled (by the app's own test code,
# TestPrepareMeasurement). Each process runs alone and is measured after it
# settled: VmRSS and VmHWM from /proc/PID/status, and utime+stime from
# /proc/PID/stat over SECONDS (default 60), for the process and for its
# whole process tree (the window's WebKit web and network processes).
# VmRSS is split into RssAnon (the process's own memory) and RssFile (pages
# of the program and its shared libraries: the window links GTK and
# WebKitGTK, whose clean pages are shared with other programs and given
# back under memory pressure; the helper program is static and links
# none). With HELPER_FLAG=1 it measures "BINARY --background" instead, the
# fallback for installs without the helper program.
# Prints a Markdown table. `make bench` runs it inside .ci/keyring-session.sh.
# Nothing reaches the real home folder or keychain namespace; nothing is
# left running.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

# --- measuring ------------------------------------------------------------

# pids_of PID: PID and its descendants.
pids_of() {
  local pid="$1" child
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pids_of "$child"; done
}

# ticks PID...: utime+stime of the processes, in clock ticks. The fields
# after the command name (which may hold spaces) are counted from its ")".
ticks() {
  local pid sum=0 rest
  for pid in "$@"; do
    rest="$(sed 's/^.*) //' /proc/"$pid"/stat 2>/dev/null)" || continue
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $rest
    sum=$((sum + ${12} + ${13}))
  done
  echo "$sum"
}

# kb FIELD PID...: the sum of a /proc/PID/status field (kB).
kb() {
  local field="$1" pid sum=0 v
  shift
  for pid in "$@"; do
    v="$(awk -v f="$field:" '$1 == f {print $2}' /proc/"$pid"/status 2>/dev/null)"
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }

# measure NAME PID SECONDS: one table row after SECONDS of idling.
measure() {
  local name="$1" pid="$2" secs="$3" hz t0 t1 w0 w1 tree
  hz="$(getconf CLK_TCK)"
  # shellcheck disable=SC2207
  tree=($(pids_of "$pid"))
  t0="$(ticks "$pid")"
  w0="$(ticks "${tree[@]}")"
  sleep "$secs"
  # shellcheck disable=SC2207
  tree=($(pids_of "$pid"))
  t1="$(ticks "$pid")"
  w1="$(ticks "${tree[@]}")"
  printf '| %s | %s | %s | %s | %s | %s | %d | %s | %s |\n' "$name" \
    "$(mb "$(kb VmRSS "$pid")")" "$(mb "$(kb VmHWM "$pid")")" \
    "$(mb "$(kb RssAnon "$pid")")" "$(mb "$(kb RssFile "$pid")")" \
    "$(awk -v t=$((t1 - t0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f %% (%d ticks in %d s)", 100 * t / hz / s, t, s}')" \
    "${#tree[@]}" "$(mb "$(kb VmRSS "${tree[@]}")")" \
    "$(awk -v t=$((w1 - w0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f %%", 100 * t / hz / s}')"
}

# lock_pid FILE: the pid a lock file of the config folder names (app/schedlock).
lock_pid() { sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$1" 2>/dev/null || true; }

# until_locked FILE PID SECONDS: wait until PID holds the lock FILE.
until_locked() {
  local file="$1" pid="$2" n
  for ((n = 0; n < $3 * 10; n++)); do
    [ "$(lock_pid "$file")" = "$pid" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# stop PID: SIGTERM, and the exit status (within 10 s).
stop() {
  local pid="$1" n rc=0
  kill -TERM "$pid" 2>/dev/null || true
  for ((n = 0; n < 100; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "did not stop within 10 s of SIGTERM" >&2; fi
  wait "$pid" || rc=$?
  return "$rc"
}

# --- the window, inside its own Xvfb --------------------------------------

if [ "${1:-}" = "--window" ]; then
  bin="$2" work="$3" secs="$4"
  # No helper after the window closes: this run measures the window alone.
  OUTLOOK_CONNECT_KEEP_SCHEDULING=false "$bin" >"$work/window.out" 2>&1 &
  pid=$!
  bash "$here/window-check.sh" title "$pid" "Outlook Connect" 90 >/dev/null ||
    { echo "the window did not open" >&2; cat "$work/window.out" >&2; exit 1; }
  until_locked "$work/config/scheduler.lock" "$pid" 60 ||
    { echo "the window never held the scheduler" >&2; exit 1; }
  sleep 15 # settle: start-up, the first status read, WebKit's first paint
  measure "window (Xvfb)" "$pid" "$secs"
  stop "$pid" || { echo "the window exited with $?" >&2; exit 1; }
  exit 0
fi

# --- main -----------------------------------------------------------------

[ "$#" -ge 1 ] || { echo "usage: $0 BINARY [SECONDS]" >&2; exit 2; }
bin="$(realpath "$1")"
secs="${2:-60}"
if [ "${HELPER_FLAG:-}" = 1 ]; then
  helper_cmd=("$bin" --background)
  helper_name="\`outlook-connect --background\` (no display)"
else
  helper_cmd=("$(dirname "$bin")/outlook-connect-background")
  helper_name="\`outlook-connect-background\` (no display)"
  [ -x "${helper_cmd[0]}" ] ||
    { echo "no helper program next to $bin (make build puts it there; HELPER_FLAG=1 measures $bin --background)" >&2; exit 2; }
fi
[ "$secs" -ge 60 ] || { echo "measure for at least 60 seconds" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  # A helper is detached from us: stop it by the pid its lock names.
  local h
  h="$(lock_pid "$work/config/background.lock")"
  if [ -n "$h" ]; then kill -TERM "$h" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Nothing of the caller's configuration, home folder or display leaks in
# (Go keeps its caches where they were).
while read -r var; do unset "$var"; done < <(compgen -e | grep '^OUTLOOK_CONNECT_' || true)
GOPATH="$(go env GOPATH)" GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)"
export GOPATH GOCACHE GOMODCACHE
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$XDG_CONFIG_HOME"
display="${DISPLAY:-}"
unset DISPLAY WAYLAND_DISPLAY XAUTHORITY

(cd "$root" && go build -o "$work/demo-services" ./app/demo/cmd/demo-services)
"$work/demo-services" >"$work/fakes.json" 2>"$work/fakes.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/fakes.json" ] && break; sleep 0.1; done
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$work/fakes.json"; }
OUTLOOK_CONNECT_MS_CLIENT_ID="$(field client_id)"
OUTLOOK_CONNECT_MS_CLIENT_SECRET="$(field client_secret)"
OUTLOOK_CONNECT_MS_AUTHORITY="$(field microsoft_url)"
OUTLOOK_CONNECT_RECALL_API_KEY="$(field recall_api_key)"
OUTLOOK_CONNECT_RECALL_BASE_URL="$(field recall_url)"
export OUTLOOK_CONNECT_MS_CLIENT_ID OUTLOOK_CONNECT_MS_CLIENT_SECRET OUTLOOK_CONNECT_MS_AUTHORITY \
  OUTLOOK_CONNECT_RECALL_API_KEY OUTLOOK_CONNECT_RECALL_BASE_URL
export OUTLOOK_CONNECT_CONFIG_DIR="$work/config"
export OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect measure $$"
[ -n "$OUTLOOK_CONNECT_MS_CLIENT_ID" ] || { echo "demo-services did not start" >&2; cat "$work/fakes.log" >&2; exit 1; }

echo "measure: connecting a calendar (TestPrepareMeasurement)" >&2
(cd "$root" && OUTLOOK_CONNECT_MEASURE_PREPARE=1 OUTLOOK_CONNECT_KEYRING_IT=1 \
  go test -count=1 -run '^TestPrepareMeasurement$' ./app/ >"$work/prepare.log" 2>&1) ||
  { echo "could not connect a calendar:" >&2; cat "$work/prepare.log" >&2; exit 1; }

echo "| process | VmRSS | VmHWM | of which RssAnon | of which RssFile | idle CPU | processes | VmRSS, all | idle CPU, all |"
echo "|---|---|---|---|---|---|---|---|---|"

echo "measure: ${helper_cmd[*]}, no display, ${secs} s" >&2
"${helper_cmd[@]}" >"$work/helper.out" 2>&1 &
helper=$!
pids+=("$helper")
until_locked "$work/config/scheduler.lock" "$helper" 60 ||
  { echo "the helper never held the scheduler" >&2; cat "$work/config/logs/background.log" >&2; exit 1; }
sleep 10 # settle: its first status read and plan
measure "$helper_name" "$helper" "$secs"
stop "$helper" || { echo "the helper exited with $? after SIGTERM" >&2; exit 1; }
grep -q '"background.stopped","reason":"signal","exit_code":0' "$work/config/logs/background.log" ||
  { echo "the helper did not log a clean stop" >&2; exit 1; }

echo "measure: the window under Xvfb, ${secs} s" >&2
[ -z "$display" ] || echo "measure: (the caller's display is not used)" >&2
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash "$0" --window "$bin" "$work" "$secs"
