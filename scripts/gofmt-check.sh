#!/usr/bin/env bash
# gofmt-check.sh [DIR] — fail, listing them, if gofmt would change any Go
# file of the repository (default: the one holding this script).
#
# Files are found with find, not `git ls-files`: outside a git checkout (a
# source tarball, a copied tree) git lists nothing, and `gofmt -l` with no
# file arguments reads stdin and reports nothing — a check that always
# passed. An empty list is an error here for the same reason.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# What .gitignore keeps out of the repository: dependencies, pinned tools,
# build output.
mapfile -t files < <(find . \( -path ./.git -o -path ./frontend/node_modules -o -path ./.tools \
  -o -path ./build/bin -o -path ./test-artifacts \) -prune -o -type f -name '*.go' -print | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "gofmt-check: no Go files found under $root" >&2
  exit 1
fi
unformatted="$(gofmt -l "${files[@]}")"
if [ -n "$unformatted" ]; then
  echo "gofmt needed (run gofmt -w on these files):"
  echo "$unformatted"
  exit 1
fi
echo "gofmt: ${#files[@]} files formatted"
