# shellcheck shell=bash disable=SC2034  # the variables below are used by the scripts that source this
# Shared helpers for the packaging scripts. Source it; do not run it.
#   ROOT      repository root
#   TOOLS_BIN repo-local bin dir for pinned `go install` tools (gitignored: .tools/)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/.tools/bin"
GOPATH_BIN="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
export PATH="$TOOLS_BIN:$PATH:$GOPATH_BIN"

# Pinned tool versions (bump deliberately, in one place), and names the scripts share.
NFPM_VERSION="v2.45.2"
ACTIONLINT_VERSION="v1.7.12"
CYCLONEDX_GOMOD_VERSION="v1.10.0"
WAILS_VERSION="v2.16.0"
GO_WINRES_VERSION="v0.3.3"
APP_NAME="outlook-connect"
PRODUCT_NAME="Outlook Connect"
DEFAULT_PROJECT_URL="https://github.com/outlookconnect/outlook-connect"

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
ok()   { printf '\033[1;32m ok\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mWARNING:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# need_apt CMD PACKAGE [CMD PACKAGE ...]: install the Debian packages whose command is missing.
need_apt() {
  local missing=()
  while [ $# -gt 0 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing missing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  } || die "apt-get install ${missing[*]} failed"
}

# need_apt_pkgs PACKAGE...: install Debian packages (by package name) that are not installed.
need_apt_pkgs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "Installing missing Debian packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  } || die "apt-get install ${missing[*]} failed"
}

# need_go_tool BINARY MODULE_PATH@VERSION: pinned `go install` into .tools/bin, reinstalled
# when the recorded version differs.
need_go_tool() {
  local bin="$1" pkg="$2" stamp="$TOOLS_BIN/.$1.version"
  if [ -x "$TOOLS_BIN/$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg" ]; then
    return 0
  fi
  log "Installing $pkg into .tools/bin"
  mkdir -p "$TOOLS_BIN"
  GOBIN="$TOOLS_BIN" go install "$pkg" || die "go install $pkg failed"
  echo "$pkg" >"$stamp"
}

# wails_cli: path of the pinned Wails CLI: $WAILS (the Makefile passes its .tools/bin/wails),
# else wails on PATH / in GOPATH/bin, as long as it is the pinned version; installed if absent.
wails_cli() {
  local w
  for w in "${WAILS:-}" "$(command -v wails 2>/dev/null || true)" "$(go env GOPATH)/bin/wails" "$TOOLS_BIN/wails"; do
    if [ -n "$w" ] && [ -x "$w" ] && "$w" version 2>/dev/null | grep -q "^${WAILS_VERSION}"; then
      echo "$w"; return 0
    fi
  done
  need_go_tool wails "github.com/wailsapp/wails/v2/cmd/wails@${WAILS_VERSION}"
  echo "$TOOLS_BIN/wails"
}

# require_file PATH WHAT: fail unless PATH exists and is non-empty (Wails' exit code lies).
require_file() {
  [ -s "$1" ] || die "$2 was not produced: $1 is missing or empty"
}

human_size() { du -h "$1" | cut -f1; }

# source_date_epoch: the time every timestamp inside a package gets, so two builds of one
# commit are byte-identical: the commit's time (reproducible-builds.org/specs/source-date-epoch).
source_date_epoch() {
  git -C "$ROOT" log -1 --format=%ct 2>/dev/null || {
    warn "not a git checkout: SOURCE_DATE_EPOCH falls back to build/VERSION's modification time"
    stat -c %Y "$ROOT/build/VERSION"
  }
}

# pkcs11_engine: OpenSSL's pkcs11 engine as the installed OpenSSL expects it
# (Debian/Ubuntu package libengine-pkcs11-openssl); prints the path, whether or not it exists.
pkcs11_engine() {
  echo "$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so"
}

# releasetool: builds tools/release (winget/cask generation, schema and workflow checks, the
# test time-stamping server) into .tools/bin and prints its path. Its own module, so the app's
# go.mod stays free of release-only dependencies.
releasetool() {
  mkdir -p "$TOOLS_BIN"
  (cd "$ROOT/tools/release" && go build -trimpath -o "$TOOLS_BIN/releasetool" .) >&2 \
    || die "could not build tools/release"
  echo "$TOOLS_BIN/releasetool"
}
