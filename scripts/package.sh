#!/usr/bin/env bash
# Builds the release artifacts into build/bin/ (`make package`):
#   outlook-connect_<ver>-1_amd64.deb                      Debian / Ubuntu package   (nfpm)
#   outlook-connect-<ver>-1.x86_64.rpm                     Fedora / openSUSE package (nfpm)
#   outlook-connect-<ver>-windows-amd64-installer.exe      Windows, per-machine (admin) NSIS installer
#   outlook-connect-<ver>-windows-amd64-user-installer.exe Windows, per-user (no admin) NSIS installer
#   SHA256SUMS                                             checksums of the four files above
# plus the bare binaries build/bin/outlook-connect and build/bin/outlook-connect.exe (signed when
# signing is configured; it is the exact file inside both installers).
#
# Environment (all optional):
#   VERSION=1.2.3[-rc.1]      override the version (default: git tag v*, else build/VERSION + -dev…)
#   PROFILE=path/setup.json   bake an admin's setup file into this build (see warning it prints)
#   WINDOWS_SIGN_PFX          .pfx path or base64 -> Authenticode-sign exe, uninstaller, installers
#   WINDOWS_SIGN_PASSWORD     its password
#   WINDOWS_SIGN_TIMESTAMP_URL RFC 3161 timestamp server (recommended for releases)
#   PKG_MAINTAINER            "Name <email>" for the Linux packages
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
PROFILE_DST="$ROOT/build/profile/profile.json"
WORK="$(mktemp -d)"
WAILS_JSON_BACKUP=""
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
  rm -rf "$WORK"
  [ $rc -eq 0 ] || printf '\033[1;31mpackage.sh failed (exit %s)\033[0m\n' "$rc" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. Version -------------------------------------------------------------------------------
VERSION_FULL="$(bash "$ROOT/scripts/version.sh")"
VERSION_NUM="$(bash "$ROOT/scripts/version.sh" --numeric)"
FILE_VERSION="$(tr -d '[:space:]' <"$ROOT/build/VERSION")"
if [ "$VERSION_NUM" != "$FILE_VERSION" ]; then
  warn "building $VERSION_FULL but build/VERSION says $FILE_VERSION (bump build/VERSION when tagging)"
fi
log "Version $VERSION_FULL (numeric $VERSION_NUM)"
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
if [ -n "${WINDOWS_SIGN_PFX:-}" ]; then
  [ -n "${WINDOWS_SIGN_PASSWORD+x}" ] || die "WINDOWS_SIGN_PFX is set but WINDOWS_SIGN_PASSWORD is not"
  SIGN=1
  log "Windows signing: enabled"
else
  log "Windows signing: off (set WINDOWS_SIGN_PFX and WINDOWS_SIGN_PASSWORD to sign)"
fi

# --- 3. Baked profile (optional) --------------------------------------------------------------
if [ -e "$PROFILE_DST" ]; then
  die "build/profile/profile.json already exists (left over from an interrupted build?).
       It would be baked into every artifact. Delete it, or pass PROFILE=… to bake it on purpose."
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
  step_end

  # --- 6. Icons (not committed: made from build/appicon*.png on every package run) -----------
  step_start "hicolor icons"
  ICONS="$WORK/icons"
  for s in 16 24 32 48 64 128 256 512; do
    mkdir -p "$ICONS/${s}x${s}"
    src="$ROOT/build/appicon.png"
    # The simplified artwork stays crisp at tiny sizes.
    [ "$s" -le 32 ] && src="$ROOT/build/appicon-small.png"
    convert "$src" -resize "${s}x${s}" -strip "PNG32:$ICONS/${s}x${s}/$APP_NAME.png"
  done
  step_end

  # --- 7. .deb and .rpm ------------------------------------------------------------------------
  step_start "Linux packages (nfpm)"
  command -v desktop-file-validate >/dev/null && desktop-file-validate "$ROOT/build/linux/$APP_NAME.desktop"
  rm -f "$BIN_DIR"/*.deb "$BIN_DIR"/*.rpm
  PKG_ARCH="$(go env GOARCH)"
  export PKG_VERSION="$VERSION_FULL" PKG_ARCH PKG_BINARY="$BIN_DIR/$APP_NAME" PKG_ICONS="$ICONS"
  export PKG_MAINTAINER="${PKG_MAINTAINER:-Outlook Connect maintainers <maintainers@outlook-connect.invalid>}"
  for fmt in deb rpm; do
    nfpm package --config "$ROOT/build/linux/nfpm.yaml" --packager "$fmt" --target "$BIN_DIR/" >/dev/null
  done
  debs=("$BIN_DIR"/*.deb) rpms=("$BIN_DIR"/*.rpm)
  DEB="${debs[0]}" RPM="${rpms[0]}"
  require_file "$DEB" ".deb package"
  require_file "$RPM" ".rpm package"
  ok "$(basename "$DEB") ($(human_size "$DEB")), $(basename "$RPM") ($(human_size "$RPM"))"
  step_end
fi

# --- 8. Windows exe, signed, then NSIS installers around the signed exe -----------------------
if [ "${SKIP_WINDOWS:-}" != 1 ]; then
  step_start "Windows cross-build (wails build -nsis)"
  WIN_EXE="$BIN_DIR/$APP_NAME.exe"
  rm -f "$WIN_EXE" "$BIN_DIR"/*installer*.exe
  win_flags=("${WAILS_FLAGS[@]}")
  # The Linux build just generated the bindings and built the frontend: reuse them.
  if [ "${SKIP_LINUX:-}" = 1 ]; then
    win_flags+=("${SKIP_BINDINGS[@]}")
  else
    win_flags+=(-s -skipbindings)
  fi
  # -nsis here writes wails_tools.nsh and the WebView2 bootstrapper that project.nsi includes;
  # its own (unsigned) installer is replaced below. Wails exits 0 when makensis is missing,
  # so only the files count.
  "$WAILS" build -platform windows/amd64 -nsis "${win_flags[@]}"
  require_file "$WIN_EXE" "Windows exe"
  require_file "$ROOT/build/windows/installer/wails_tools.nsh" "wails_tools.nsh"
  require_file "$ROOT/build/windows/installer/tmp/MicrosoftEdgeWebview2Setup.exe" "WebView2 bootstrapper"
  file -b "$WIN_EXE" | grep -q 'PE32+ executable (GUI) x86-64' || die "$WIN_EXE is not a PE32+ GUI x86-64 binary"
  rm -f "$BIN_DIR/$APP_NAME-amd64-installer.exe"
  step_end

  nsis_defs=(-DARG_WAILS_AMD64_BINARY="$WIN_EXE" -DINFO_PRODUCTVERSION="$VERSION_NUM")
  if [ "$SIGN" = 1 ]; then
    step_start "Signing the exe"
    bash "$ROOT/scripts/sign-windows.sh" "$WIN_EXE"
    # makensis runs this on the uninstaller before embedding it (!uninstfinalize).
    nsis_defs+=("-DOC_SIGN_COMMAND=bash \"$ROOT/scripts/sign-windows.sh\"")
    step_end
  fi

  step_start "NSIS installers (machine + user)"
  INST_MACHINE="$BIN_DIR/$APP_NAME-$VERSION_FULL-windows-amd64-installer.exe"
  INST_USER="$BIN_DIR/$APP_NAME-$VERSION_FULL-windows-amd64-user-installer.exe"
  (
    cd "$ROOT/build/windows/installer"
    makensis -V2 -INPUTCHARSET UTF8 "${nsis_defs[@]}" -DOC_OUTFILE="$INST_MACHINE" project.nsi >"$WORK/nsis-machine.log" 2>&1 \
      || { cat "$WORK/nsis-machine.log" >&2; die "makensis (per-machine) failed"; }
    makensis -V2 -INPUTCHARSET UTF8 "${nsis_defs[@]}" -DWAILS_INSTALL_SCOPE=user -DREQUEST_EXECUTION_LEVEL=user \
      -DOC_OUTFILE="$INST_USER" project.nsi >"$WORK/nsis-user.log" 2>&1 \
      || { cat "$WORK/nsis-user.log" >&2; die "makensis (per-user) failed"; }
  )
  require_file "$INST_MACHINE" "per-machine installer"
  require_file "$INST_USER" "per-user installer"
  if [ "$SIGN" = 1 ]; then
    bash "$ROOT/scripts/sign-windows.sh" "$INST_MACHINE" "$INST_USER"
  fi
  ok "$(basename "$INST_MACHINE") ($(human_size "$INST_MACHINE")), $(basename "$INST_USER") ($(human_size "$INST_USER"))"
  step_end
fi

# --- 9. Checksums -----------------------------------------------------------------------------
step_start "SHA256SUMS"
(
  cd "$BIN_DIR"
  shopt -s nullglob
  files=(*.deb *.rpm *-installer.exe)
  [ ${#files[@]} -gt 0 ] || die "no artifacts to checksum"
  sha256sum "${files[@]}" >SHA256SUMS
)
require_file "$BIN_DIR/SHA256SUMS" "SHA256SUMS"
# What package-test.sh checks against (the version may come from the Makefile's VERSION).
cat >"$BIN_DIR/package.env" <<ENV
VERSION_FULL=$VERSION_FULL
VERSION_NUM=$VERSION_NUM
BAKED_PROFILE=$PROFILE_COPIED
SIGNED=$SIGN
SKIP_LINUX=${SKIP_LINUX:-0}
SKIP_WINDOWS=${SKIP_WINDOWS:-0}
ENV
step_end

echo >&2
log "Artifacts in build/bin (version $VERSION_FULL$([ -n "${PROFILE:-}" ] && echo ", WITH BAKED PROFILE"))"
(
  cd "$BIN_DIR"
  shopt -s nullglob
  for f in ./*.deb ./*.rpm ./*.exe ./SHA256SUMS; do printf '    %10s  %s\n' "$(stat -c %s "$f")" "${f#./}"; done
) >&2
log "Timings"
printf '    %s\n' "${TIMINGS[@]}" >&2
printf '    %-40s %4ss\n' "total" "$((SECONDS - T0))" >&2
