#!/usr/bin/env bash
# window-check.sh — the window checks shared by the smoke test
# (scripts/smoke-test.sh), the installed-package check
# (scripts/package-test.sh) and the first-run check (scripts/first-run-check.sh).
# Runs against the X display in $DISPLAY (an Xvfb).
#
#   window-check.sh title PID TITLE [SECONDS]
#       Wait until a viewable window titled exactly TITLE exists, while PID
#       (the app) keeps running. Prints the window's line of
#       `xwininfo -root -tree` (title, WM_CLASS, geometry).
#   window-check.sh painted PNG [SECONDS]
#       Screenshot the whole display into PNG until it is clearly not blank
#       (at least 64 distinct colours: the rendered page has text, an icon and
#       buttons; an empty webview has one or two) and has settled (the same
#       pixels twice in a row, so not a loading spinner). Prints the colour
#       count.
#
# Exit status: 0 done; 1 not within SECONDS (default 60); 3 the app exited.
# Waiting is polling for the condition, never a fixed sleep: a loaded
# machine only makes it slower, and a broken app fails with what was seen.
#
# Why the title: Go gives the window the title "Outlook Connect" before any
# JavaScript runs. The frontend sets "Outlook Connect — Demo mode" (through
# runtime.WindowSetTitle) only after GetAppInfo answered from Go, so that
# title proves the page loaded, its script ran and the bindings work.
set -euo pipefail
# xwininfo prints non-ASCII window titles only in a UTF-8 locale.
export LC_ALL=C.UTF-8

[ -n "${DISPLAY:-}" ] || { echo "window-check: DISPLAY is not set" >&2; exit 2; }

# deadline SECONDS — sets $end, in nanoseconds of the monotonic-enough clock.
deadline() { end=$(($(date +%s%N) + $1 * 1000000000)); }
expired() { [ "$(date +%s%N)" -ge "$end" ]; }

title() {
  local pid="$1" want="$2" seconds="${3:-60}" tree line id
  deadline "$seconds"
  while :; do
    tree="$(xwininfo -root -tree 2>/dev/null || true)"
    # Lines look like: 0x1a00004 "Outlook Connect — Demo mode": ("outlook-connect" "Outlook-connect")  900x640+0+0  +0+0
    while IFS= read -r line; do
      id="${line%% *}"
      if xwininfo -id "$id" 2>/dev/null | grep -q 'Map State: IsViewable'; then
        echo "$line" | sed 's/^ *//'
        return 0
      fi
    done < <(grep -F "\"$want\":" <<<"$tree" | sed 's/^ *//')
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "window-check: the app (pid $pid) exited before a window titled \"$want\" appeared" >&2
      return 3
    fi
    if expired; then
      echo "window-check: no viewable window titled \"$want\" within ${seconds} s; windows with titles:" >&2
      grep -E '^ *0x[0-9a-f]+ "' <<<"$tree" | sed 's/^ */    /' >&2 || echo "    (none)" >&2
      return 1
    fi
    sleep 0.25
  done
}

painted() {
  local png="$1" seconds="${2:-60}" colours=0 pixels previous=""
  deadline "$seconds"
  while :; do
    if import -window root "$png" 2>/dev/null; then
      colours="$(convert "$png" -format '%k' info: 2>/dev/null || echo 0)"
      pixels="$(convert "$png" rgb:- 2>/dev/null | sha256sum)"
      # Settled, too: two shots in a row alike, so a spinner ("Loading…")
      # is not mistaken for the rendered screen.
      if [ "${colours:-0}" -ge 64 ] && [ "$pixels" = "$previous" ]; then
        echo "$colours"
        return 0
      fi
      previous="$pixels"
    fi
    if expired; then
      echo "window-check: the screen still looks blank or keeps changing after ${seconds} s ($colours colours in $png)" >&2
      return 1
    fi
    sleep 0.5
  done
}

case "${1:-}" in
  title) shift; [ "$#" -ge 2 ] || { echo "usage: $0 title PID TITLE [SECONDS]" >&2; exit 2; }; title "$@" ;;
  painted) shift; [ "$#" -ge 1 ] || { echo "usage: $0 painted PNG [SECONDS]" >&2; exit 2; }; painted "$@" ;;
  *) echo "usage: $0 title PID TITLE [SECONDS] | painted PNG [SECONDS]" >&2; exit 2 ;;
esac
