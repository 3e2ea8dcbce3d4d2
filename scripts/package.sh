#!/usr/bin/env bash
# Builds the release files (`make package`) into build/dist/, which is emptied first, so that
# only files from this run can ever be listed or published:
#   outlook-connect-<ver>-linux-amd64.deb                  Debian / Ubuntu package   (nfpm)
#   outlook-connect-<ver>-linux-x86_64.rpm                 Fedora / openSUSE package (nfpm)
#   outlook-connect-<ver>-windows-amd64-installer.exe      Windows, per-machine (admin) NSIS installer
#   outlook-connect-<ver>-windows-amd64-user-installer.exe Windows, per-user (no admin) NSIS installer
#   SHA256SUMS                                             checksums of exactly the files above
# <ver> is the version as tagged (1.2.0, 1.2.0-rc.1): no file name ever carries a "~".
# Also: the bare binaries build/bin/outlook-connect and build/bin/outlook-connect.exe, the
# background helper programs next to them (outlook-connect-background[.exe], scripts/build-helper.sh), the
# Windows signing stage build/stage/windows/ (see scripts/windows-installers.sh) and
# build/bin/package.env (what package-test.sh checks against).
#
# Environment (all optional):
#   VERSION=1.2.3[-rc.1]      override the version (default: git tag v*, else build/VERSION + -dev…)
#   PROFILE=path/setup.json   bake an admin's setup file into this build (see warning it prints)
#   WINDOWS_SIGN_BACKEND=pkcs11 and its settings (scripts/sign-windows.sh): sign the exe, both
#                             uninstallers and both installers, then verify chain and timestamp
#   WINDOWS_STAGE_ONLY=1      stop after staging the unsigned Windows inputs (the release build
#                             job: signing and the installers happen in the signing job)
#   SOURCE_DATE_EPOCH         timestamps inside the Linux packages (default: last commit's time)
#   PKG_MAINTAINER            "Name <email>" for the Linux packages
#   PROJECT_URL               project home page (metainfo, "Installed apps" link)
#   SKIP_LINUX=1 / SKIP_WINDOWS=1  build only one side
#
# macOS artifacts are built by .github/workflows/release.yml on a macOS runner (Wails cannot
# cross-compile to macOS; it would exit 0 with no output).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

T0=$SECONDS
declare -a TIMINGS=()
step_start() { STEP_NAME="$1"; STEP_T0=$SECONDS; log "$1"; }
step_end() { TIMINGS+=("$(printf '%-40s %4ss' "$STEP_NAME" "$((SECONDS - STEP_T0))")"); }

BIN_DIR="$ROOT/build/bin"
DIST="$ROOT/build/dist"
STAGE="$ROOT/build/stage/windows"
PROFILE_DST="$ROOT/build/profile/profile.json"
WORK="$(mktemp -d)"
WAILS_JSON_BACKUP=""
INFO_JSON_BACKUP=""
PROFILE_COPIED=0

cleanup() {
  local rc=$?
  if [ "$PROFILE_COPIED" = 1 ]; then
    rm -f "$PROFILE_DST"
    log "Removed the baked profile copy (build/profile/profile.json)"
  fi
  if [ -n "$WAILS_JSON_BACKUP" ] && [ -f "$WAILS_JSON_BACKUP" ]; then
    cp "$WAILS_JSON_BACKUP" "$ROOT/wails.json"
  fi
  if [ -n "$INFO_JSON_BACKUP" ] && [ -f "$INFO_JSON_BACKUP" ]; then
    cp "$INFO_JSON_BACKUP" "$ROOT/build/windows/info.json"
  fi
  rm -rf "$WORK"
  [ $rc -eq 0 ] || printf '\033[1;31mpackage.sh failed (exit %s)\033[0m\n' "$rc" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. Version -------------------------------------------------------------------------------
VERSION_FULL="$(bash "$ROOT/scripts/version.sh")"
VERSION_NUM="$(bash "$ROOT/scripts/version.sh" --numeric)"
FILE_VERSION="$(bash "$ROOT/scripts/version.sh" --file)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(source_date_epoch)}"
WORKING_VERSION="$(tr -d '[:space:]' <"$ROOT/build/VERSION")"
if [ "$VERSION_NUM" != "$WORKING_VERSION" ]; then
  warn "building $VERSION_FULL but build/VERSION says $WORKING_VERSION (bump build/VERSION when tagging)"
fi
log "Version $VERSION_FULL (numeric $VERSION_NUM, Windows file version $FILE_VERSION)"
LDFLAGS="-X main.version=$VERSION_FULL"

# --- 2. Tools ---------------------------------------------------------------------------------
step_start "Checking tools"
command -v go >/dev/null || die "Go is not installed"
command -v npm >/dev/null || die "Node.js/npm is not installed (the frontend is built by wails build)"
need_apt_pkgs build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev
need_apt convert imagemagick file file
[ "${SKIP_WINDOWS:-}" = 1 ] || need_apt makensis nsis osslsigncode osslsigncode
need_go_tool nfpm "github.com/goreleaser/nfpm/v2/cmd/nfpm@${NFPM_VERSION}"
WAILS="$(wails_cli)"
ok "wails $("$WAILS" version | head -1), nfpm $(nfpm --version 2>&1 | awk '/GitVersion/{print $2}')"
step_end

SIGN=0
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ "${WINDOWS_STAGE_ONLY:-}" != 1 ]; then
  if [ -n "${WINDOWS_SIGN_BACKEND:-}" ]; then
    SIGN=1
    log "Windows signing: $WINDOWS_SIGN_BACKEND"
  else
    log "Windows signing: off (set WINDOWS_SIGN_BACKEND=pkcs11 and its settings to sign; see scripts/sign-windows.sh)"
  fi
fi

# --- 3. Baked profile (optional) --------------------------------------------------------------
# build/profile/profile.go embeds that folder whole: anything in it but its README and itself
# would ship in every binary.
stray="$(cd "$ROOT/build/profile" && find . -mindepth 1 ! -name README.md ! -name profile.go -printf '%P\n' | sort)"
if [ -n "$stray" ]; then
  die "build/profile/ holds more than its README and profile.go:
         ${stray//$'\n'/$'\n'         }
       It would be embedded in every artifact (a leftover profile.json from an interrupted
       build, perhaps). Delete it, or pass PROFILE=… to bake a setup file on purpose."
fi
if [ -n "${PROFILE:-}" ]; then
  [ -f "$PROFILE" ] || die "PROFILE=$PROFILE: no such file"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$PROFILE" 2>/dev/null \
    || die "PROFILE=$PROFILE is not valid JSON"
  ( umask 077; cp "$PROFILE" "$PROFILE_DST" )
  PROFILE_COPIED=1
  warn "Baking $PROFILE into this build.
         Anything baked into a distributed binary can be extracted by whoever has a copy
         (client secret, Recall API key included). Share such builds only inside your
         organisation, and use a dedicated Recall workspace/API key for calendar connection."
fi

# --- 4. wails.json productVersion must be the numeric version for this build -------------------
CUR_PV="$(node -e 'const j=require(process.argv[1]); process.stdout.write((j.info&&j.info.productVersion)||"")' "$ROOT/wails.json")"
if [ "$CUR_PV" != "$VERSION_NUM" ]; then
  log "Setting wails.json info.productVersion $CUR_PV -> $VERSION_NUM for this build (restored afterwards)"
  WAILS_JSON_BACKUP="$WORK/wails.json.orig"
  cp "$ROOT/wails.json" "$WAILS_JSON_BACKUP"
  node -e '
    const fs=require("fs"); const p=process.argv[1];
    const j=JSON.parse(fs.readFileSync(p,"utf8")); j.info=j.info||{}; j.info.productVersion=process.argv[2];
    fs.writeFileSync(p, JSON.stringify(j,null,2)+"\n");' "$ROOT/wails.json" "$VERSION_NUM"
fi

# The exe's version resource: four-number file version distinct per release candidate, and the
# full version as the product version string (restored afterwards, like wails.json).
if [ "${SKIP_WINDOWS:-}" != 1 ]; then
  INFO_JSON_BACKUP="$WORK/info.json.orig"
  cp "$ROOT/build/windows/info.json" "$INFO_JSON_BACKUP"
  node -e '
    const fs=require("fs"); const p=process.argv[1]; const [full, file]=process.argv.slice(2);
    const j=JSON.parse(fs.readFileSync(p,"utf8"));
    j.fixed.file_version=file; j.fixed.product_version=file;
    j.info["0000"].FileVersion=file; j.info["0000"].ProductVersion=full;
    fs.writeFileSync(p, JSON.stringify(j,null,"\t")+"\n");' "$ROOT/build/windows/info.json" "$VERSION_FULL" "$FILE_VERSION"
fi

rm -rf "$DIST"
mkdir -p "$DIST"

# Common wails flags: -m keeps go.mod/go.sum untouched (no `go mod tidy` in release builds),
# -trimpath keeps build-machine paths out of the binaries.
WAILS_FLAGS=(-m -trimpath -ldflags "$LDFLAGS")
# frontend/wailsjs is committed (and checked by `make bindings-check`): do not regenerate it,
# unless it is missing.
SKIP_BINDINGS=()
[ -d "$ROOT/frontend/wailsjs/go" ] && SKIP_BINDINGS=(-skipbindings)

# --- 5. Linux binary --------------------------------------------------------------------------
if [ "${SKIP_LINUX:-}" != 1 ]; then
  step_start "Linux build (wails build -clean)"
  "$WAILS" build -clean "${SKIP_BINDINGS[@]}" "${WAILS_FLAGS[@]}" -o "$APP_NAME"
  require_file "$BIN_DIR/$APP_NAME" "Linux binary"
  file -b "$BIN_DIR/$APP_NAME" | grep -q '^ELF 64-bit' || die "$BIN_DIR/$APP_NAME is not an ELF binary"
  ok "build/bin/$APP_NAME ($(human_size "$BIN_DIR/$APP_NAME"))"
  VERSION="$VERSION_FULL" bash "$ROOT/scripts/build-helper.sh" "$BIN_DIR/$APP_NAME-background" linux/amd64
  file -b "$BIN_DIR/$APP_NAME-background" | grep -q '^ELF 64-bit.*statically linked' \
    || die "$BIN_DIR/$APP_NAME-background is not a static ELF binary"
  ok "build/bin/$APP_NAME-background ($(human_size "$BIN_DIR/$APP_NAME-background"))"
  step_end

  # --- 6. .deb and .rpm (reproducible: scripts/package-linux.sh) ------------------------------
  step_start "Linux packages (nfpm)"
  command -v desktop-file-validate >/dev/null && desktop-file-validate "$ROOT/build/linux/$APP_NAME.desktop"
  bash "$ROOT/scripts/package-linux.sh" "$BIN_DIR/$APP_NAME" "$DIST"
  step_end
fi

# --- 8. Windows exe, staged with its uninstallers; signed and packed by windows-installers.sh -
if [ "${SKIP_WINDOWS:-}" != 1 ]; then
  step_start "Windows cross-build (wails build -nsis)"
  WIN_EXE="$BIN_DIR/$APP_NAME.exe"
  WIN_HELPER="$BIN_DIR/$APP_NAME-background.exe"
  rm -f "$WIN_EXE" "$WIN_HELPER" "$BIN_DIR"/*installer*.exe
  # First: the installer wails builds here (and discards) takes it from next to the exe.
  VERSION="$VERSION_FULL" bash "$ROOT/scripts/build-helper.sh" "$WIN_HELPER" windows/amd64
  win_flags=("${WAILS_FLAGS[@]}")
  # The Linux build just generated the bindings and built the frontend: reuse them.
  if [ "${SKIP_LINUX:-}" = 1 ]; then
    win_flags+=("${SKIP_BINDINGS[@]}")
  else
    win_flags+=(-s -skipbindings)
  fi
  # -nsis here writes wails_tools.nsh and the WebView2 bootstrapper that project.nsi includes;
  # its own installer is discarded. Wails exits 0 when makensis is missing, so only files count.
  "$WAILS" build -platform windows/amd64 -nsis "${win_flags[@]}"
  require_file "$WIN_EXE" "Windows exe"
  file -b "$WIN_EXE" | grep -q 'PE32+ executable (GUI) x86-64' || die "$WIN_EXE is not a PE32+ GUI x86-64 binary"
  require_file "$WIN_HELPER" "Windows background helper"
  file -b "$WIN_HELPER" | grep -q 'PE32+ executable (GUI) x86-64' || die "$WIN_HELPER is not a PE32+ GUI x86-64 binary"
  rm -f "$BIN_DIR"/*installer*.exe
  step_end

  step_start "Windows stage (exes + uninstallers to sign)"
  bash "$ROOT/scripts/windows-installers.sh" stage "$WIN_EXE" "$STAGE"
  step_end

  if [ "${WINDOWS_STAGE_ONLY:-}" != 1 ]; then
    step_start "NSIS installers (machine + user)$([ "$SIGN" = 1 ] && echo ", signed and verified")"
    bash "$ROOT/scripts/windows-installers.sh" all "$STAGE" "$DIST"
    step_end
  fi
fi

# --- 9. Checksums -----------------------------------------------------------------------------
step_start "SHA256SUMS"
if [ -n "$(ls -A "$DIST")" ]; then
  bash "$ROOT/scripts/checksums.sh" write "$DIST"
else
  log "No release files in build/dist (stage only)"
fi
# What package-test.sh checks against (the version may come from the Makefile's VERSION).
cat >"$BIN_DIR/package.env" <<ENV
VERSION_FULL=$VERSION_FULL
VERSION_NUM=$VERSION_NUM
FILE_VERSION=$FILE_VERSION
SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH
BAKED_PROFILE=$PROFILE_COPIED
SIGNED=$SIGN
STAGE_ONLY=${WINDOWS_STAGE_ONLY:-0}
SKIP_LINUX=${SKIP_LINUX:-0}
SKIP_WINDOWS=${SKIP_WINDOWS:-0}
ENV
step_end

echo >&2
log "Release files in build/dist (version $VERSION_FULL$([ -n "${PROFILE:-}" ] && echo ", WITH BAKED PROFILE"))"
(
  cd "$DIST"
  shopt -s nullglob
  for f in ./*; do printf '    %10s  %s\n' "$(stat -c %s "$f")" "${f#./}"; done
) >&2
log "Timings"
printf '    %s\n' "${TIMINGS[@]}" >&2
printf '    %-40s %4ss\n' "total" "$((SECONDS - T0))" >&2
