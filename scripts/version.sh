#!/usr/bin/env bash
# Prints the version to build, for -ldflags "-X main.version=…" and the package versions.
#   bash scripts/version.sh            -> e.g. 1.2.3, 1.2.3-rc.1, 0.1.0-dev.42.g1a2b3c4
#   bash scripts/version.sh --numeric  -> X.Y.Z only (wails.json info.productVersion, Windows
#                                         version resources, NSIS, Info.plist need it numeric)
# Resolution, first match wins:
#   1. $VERSION from the environment (a leading "v" is dropped)
#   2. HEAD is exactly at a tag v* (git describe --tags --match 'v*' --exact-match)
#   3. build/VERSION, plus "-dev.<commit count>.g<short sha>" when inside a git checkout with commits
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

full=""
if [ -n "${VERSION:-}" ]; then
  full="${VERSION#v}"
elif tag="$(git -C "$ROOT" describe --tags --match 'v*' --exact-match 2>/dev/null)"; then
  full="${tag#v}"
else
  base="$(tr -d '[:space:]' <"$ROOT/build/VERSION")"
  if sha="$(git -C "$ROOT" rev-parse --short=7 HEAD 2>/dev/null)"; then
    count="$(git -C "$ROOT" rev-list --count HEAD)"
    full="${base}-dev.${count}.g${sha}"
  else
    full="$base"
  fi
fi

# Semantic version: X.Y.Z with an optional -prerelease (letters, digits, dots, hyphens).
if ! [[ "$full" =~ ^([0-9]+\.[0-9]+\.[0-9]+)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "version.sh: '$full' is not a version like 1.2.3 or 1.2.3-rc.1" >&2
  exit 1
fi
if [ "${1:-}" = "--numeric" ]; then
  echo "${BASH_REMATCH[1]}"
else
  echo "$full"
fi
