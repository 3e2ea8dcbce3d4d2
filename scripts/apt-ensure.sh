#!/usr/bin/env bash
# apt-ensure.sh PKG... — install the Debian packages that are missing, and
# nothing else. Used by `make run` / `make test` on a fresh machine, and by
# scripts/run-app.sh (which names it through APT_ENSURE, so its tests can put
# a recording stub in its place).
#
# Several of these can run at once (parallel make, two terminals, CI steps),
# and a fresh machine may still be running its own unattended upgrades: apt
# waits up to APT_LOCK_TIMEOUT seconds (default 600) for the dpkg lock
# instead of failing at once with "Could not get lock".
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
lock=(-o "DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT:-600}")
echo "==> installing Debian packages: ${missing[*]}"
# sudo resets the environment: pass the frontend setting as an argument.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}"
