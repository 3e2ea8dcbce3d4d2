#!/usr/bin/env bash
# check-versions.sh — fail early, in plain words, when Go or Node is missing
# or too old, instead of late inside `go build` or Vite. Run by `make deps`
# (so by `make run` and `make test`) before anything is installed.
#
# Go: at least the version go.mod's `go` line names. Node: what every
# frontend tool in frontend/package-lock.json accepts (their "engines"):
# Vite 8 needs ^20.19 or >=22.12, jsdom ^20.19, ^22.13 or >=24, Vitest
# ^20, ^22 or >=24 — together 20.19+ on 20.x, 22.13+ on 22.x, or 24+.
# scripts/tests/check-versions.test.sh checks this rule against the lock file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Accepted Node versions: "MAJOR.MINOR" minimums per major line; the last
# entry also accepts every later major.
NODE_MINIMUMS=(20.19 22.13 24.0)
NODE_WANT="Node.js 20.19+ (on 20.x), 22.13+ (on 22.x) or 24+"

problems=()

# version_ge A B — A >= B for dotted versions.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

go_want="$(sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$root/go.mod")"
[ -n "$go_want" ] || { echo "check-versions: no 'go' line in go.mod" >&2; exit 2; }
if ! command -v go >/dev/null 2>&1; then
  problems+=("Go is not installed (or not on PATH). Install Go $go_want or newer from the official Go downloads (on Debian it goes to /usr/local/go; add /usr/local/go/bin to PATH).")
else
  # In the module, so a toolchain switch (GOTOOLCHAIN) is taken into account.
  go_have="$(cd "$root" && go env GOVERSION 2>/dev/null || true)"
  go_have="${go_have#go}"
  if [ -z "$go_have" ] || ! version_ge "$go_have" "$go_want"; then
    problems+=("Go ${go_have:-of unknown version} is too old: this project needs Go $go_want or newer (go.mod). Install a newer Go from the official Go downloads; Debian 12's own golang package is 1.19.")
  fi
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  problems+=("Node.js and npm are not installed (or not on PATH). The frontend needs $NODE_WANT. Debian 12's own nodejs package is 18, which is too old: install a current Node.js LTS (for example NodeSource's Debian packages, or nvm).")
else
  node_have="$(node --version 2>/dev/null || true)"
  node_have="${node_have#v}"
  ok=""
  if [[ "$node_have" =~ ^([0-9]+)\.([0-9]+)\. ]]; then
    major="${BASH_REMATCH[1]}"
    last="${NODE_MINIMUMS[${#NODE_MINIMUMS[@]}-1]}"
    for min in "${NODE_MINIMUMS[@]}"; do
      if [ "$major" = "${min%%.*}" ] || { [ "$min" = "$last" ] && [ "$major" -gt "${min%%.*}" ]; }; then
        version_ge "$node_have" "$min" && ok=1
      fi
    done
  fi
  if [ -z "$ok" ]; then
    problems+=("Node.js ${node_have:-of unknown version} cannot build the frontend: it needs $NODE_WANT (Vite 8, Vitest 4, jsdom). Debian 12's own nodejs package is 18: install a current Node.js LTS (for example NodeSource's Debian packages, or nvm), then run make again.")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  echo "Outlook Connect cannot be built with the tools on this machine:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "Go $go_have and Node.js $node_have are new enough."
