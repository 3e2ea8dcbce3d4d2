#!/usr/bin/env bash
# Prints the version to build, for -ldflags "-X main.version=…" and the package versions.
#   bash scripts/version.sh            -> e.g. 1.2.3, 1.2.3-rc.1, 0.1.0-dev.42.g1a2b3c4
#   bash scripts/version.sh --numeric  -> X.Y.Z only (wails.json info.productVersion, Windows
#                                         version resources, NSIS, Info.plist need it numeric)
#   bash scripts/version.sh --file     -> X.Y.Z.B, the Windows file version: B orders the builds
#                                         of one X.Y.Z so release candidates never share a file
#                                         version with each other or with the release:
#                                         dev builds 0, alpha.N 1000+N, beta.N 2000+N, rc.N 3000+N,
#                                         the release 9000 (N <= 999)
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
numeric="${BASH_REMATCH[1]}"
pre="${BASH_REMATCH[2]#-}"
case "${1:-}" in
  --numeric) echo "$numeric" ;;
  --file)
    if [ -z "$pre" ]; then
      build=9000
    elif [[ "$pre" =~ ^(alpha|beta|rc)\.([0-9]{1,3})$ ]]; then
      n=$((10#${BASH_REMATCH[2]}))
      case "${BASH_REMATCH[1]}" in alpha) build=$((1000 + n)) ;; beta) build=$((2000 + n)) ;; rc) build=$((3000 + n)) ;; esac
    elif [[ "$pre" =~ ^dev(\.|$) ]]; then
      build=0
    else
      echo "version.sh: pre-release '$pre' of '$full' has no Windows file version: use alpha.N, beta.N or rc.N (N <= 999)" >&2
      exit 1
    fi
    echo "$numeric.$build" ;;
  "") echo "$full" ;;
  *) echo "version.sh: unknown option $1" >&2; exit 2 ;;
esac
