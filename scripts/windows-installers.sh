#!/usr/bin/env bash
# The Windows installers, in steps that can run in different jobs, so that only the signing
# steps ever see a signing secret:
#
#   windows-installers.sh stage EXE STAGE        unsigned inputs (no secrets: the build job)
#   windows-installers.sh sign-payload STAGE     sign both exes and both uninstallers (pkcs11)
#   windows-installers.sh build STAGE OUTDIR     makensis: per-machine and per-user installers
#   windows-installers.sh sign-installers OUTDIR sign the installers (pkcs11)
#   windows-installers.sh verify STAGE OUTDIR    chain + timestamp of the installers and of the
#                                                exes and uninstaller inside each of them
#   windows-installers.sh all STAGE OUTDIR       the four above; unsigned when
#                                                WINDOWS_SIGN_BACKEND is empty (development)
#
# STAGE holds: outlook-connect.exe and outlook-connect-background.exe (the background helper
# program, taken from next to EXE, where package.sh builds it); uninstall-machine.exe and
# uninstall-user.exe (what makensis
# generates as the uninstaller of each installer, copied out so it can be signed before it is
# embedded); nsis/ (wails_tools.nsh and the WebView2 bootstrapper from `wails build -nsis`);
# stage.env (versions and the uninstallers' SHA-256 before signing). makensis is deterministic,
# so `build` checks the uninstaller it generates against that SHA-256 and embeds the signed copy.
#
# With WINDOWS_SIGN_BACKEND=azure the two signing steps are the release workflow's
# azure/trusted-signing-action steps instead (Windows runners only); stage/build/verify are the
# same. Environment for signing: see scripts/sign-windows.sh; for verify: see
# scripts/verify-windows-signature.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

need_apt makensis nsis
SCOPES=(machine user)
HELPER_EXE="$APP_NAME-background.exe"
installer_name() { # VERSION SCOPE
  if [ "$2" = user ]; then echo "$APP_NAME-$1-windows-amd64-user-installer.exe"
  else echo "$APP_NAME-$1-windows-amd64-installer.exe"; fi
}
stage_env() { sed -n "s/^$2=//p" "$1/stage.env"; }

# makensis STAGE SCOPE OUTFILE [EXTRA_DEFINES...]: one installer from the stage.
run_makensis() {
  local stage="$1" scope="$2" outfile="$3"; shift 3
  local work; work="$(mktemp -d)"
  # project.nsi includes "wails_tools.nsh", "tmp\<bootstrapper>" and "..\icon.ico".
  mkdir -p "$work/installer"
  cp "$ROOT/build/windows/installer/project.nsi" "$work/installer/"
  cp "$stage/nsis/wails_tools.nsh" "$work/installer/"
  cp -r "$stage/nsis/tmp" "$work/installer/tmp"
  cp "$ROOT/build/windows/icon.ico" "$work/icon.ico"
  local defs=(-DARG_WAILS_AMD64_BINARY="$(realpath "$stage/$APP_NAME.exe")"
    -DOC_VERSION="$(stage_env "$stage" VERSION_FULL)" -DOC_FILE_VERSION="$(stage_env "$stage" FILE_VERSION)"
    -DOC_PROJECT_URL="$(stage_env "$stage" PROJECT_URL)" -DOC_SCRIPTS="$ROOT/scripts" -DOC_OUTFILE="$outfile")
  [ "$scope" = user ] && defs+=(-DWAILS_INSTALL_SCOPE=user -DREQUEST_EXECUTION_LEVEL=user)
  if ! (cd "$work/installer" && makensis -V2 -INPUTCHARSET UTF8 "${defs[@]}" "$@" project.nsi) >"$work/log" 2>&1; then
    cat "$work/log" >&2
    rm -rf "$work"
    die "makensis ($scope) failed"
  fi
  rm -rf "$work"
  require_file "$outfile" "$scope installer"
}

cmd_stage() { # EXE STAGE
  local exe="$1" stage="$2"
  require_file "$exe" "Windows exe"
  require_file "$(dirname "$exe")/$HELPER_EXE" "Windows background helper (scripts/build-helper.sh)"
  for f in wails_tools.nsh tmp/MicrosoftEdgeWebview2Setup.exe; do
    require_file "$ROOT/build/windows/installer/$f" "$f (written by wails build -nsis)"
  done
  rm -rf "$stage"
  mkdir -p "$stage/nsis/tmp"
  cp "$exe" "$stage/$APP_NAME.exe"
  cp "$(dirname "$exe")/$HELPER_EXE" "$stage/$HELPER_EXE"
  cp "$ROOT/build/windows/installer/wails_tools.nsh" "$stage/nsis/"
  cp "$ROOT/build/windows/installer/tmp/MicrosoftEdgeWebview2Setup.exe" "$stage/nsis/tmp/"
  cat >"$stage/stage.env" <<ENV
VERSION_FULL=$(bash "$ROOT/scripts/version.sh")
FILE_VERSION=$(bash "$ROOT/scripts/version.sh" --file)
PROJECT_URL=${PROJECT_URL:-$DEFAULT_PROJECT_URL}
ENV
  local scope tmp
  tmp="$(mktemp -d)"
  for scope in "${SCOPES[@]}"; do
    run_makensis "$stage" "$scope" "$tmp/discard.exe" -DOC_UNINSTALLER_OUT="$(realpath "$stage")/uninstall-$scope.exe"
    require_file "$stage/uninstall-$scope.exe" "$scope uninstaller"
    echo "UNINSTALLER_SHA256_${scope^^}=$(sha256sum "$stage/uninstall-$scope.exe" | cut -d' ' -f1)" >>"$stage/stage.env"
  done
  rm -rf "$tmp"
  ok "staged $(basename "$exe"), $HELPER_EXE and both uninstallers in ${stage#"$ROOT"/}"
}

cmd_sign_payload() { # STAGE
  bash "$ROOT/scripts/sign-windows.sh" "$1/$APP_NAME.exe" "$1/$HELPER_EXE" "$1/uninstall-machine.exe" "$1/uninstall-user.exe"
}

cmd_build() { # STAGE OUTDIR
  local stage="$1" out="$2" scope v
  v="$(stage_env "$stage" VERSION_FULL)"
  [ -n "$v" ] || die "$stage/stage.env has no version: run 'stage' first"
  for scope in "${SCOPES[@]}"; do
    run_makensis "$stage" "$scope" "$(realpath "$out")/$(installer_name "$v" "$scope")" \
      -DOC_UNINSTALLER_SIGNED="$(realpath "$stage")/uninstall-$scope.exe" \
      -DOC_UNINSTALLER_SHA256="$(stage_env "$stage" "UNINSTALLER_SHA256_${scope^^}")"
  done
  ok "built $(installer_name "$v" machine), $(installer_name "$v" user)"
}

cmd_sign_installers() { # OUTDIR
  local f files=()
  for f in "$1"/*-installer.exe; do [ -e "$f" ] && files+=("$f"); done
  [ ${#files[@]} -eq 2 ] || die "expected 2 installers in $1, found ${#files[@]}"
  bash "$ROOT/scripts/sign-windows.sh" "${files[@]}"
}

cmd_verify() { # STAGE OUTDIR
  local stage="$1" out="$2" v scope inst x sevenzip
  sevenzip="$(command -v 7zz || command -v 7z || true)"
  [ -n "$sevenzip" ] || { need_apt_pkgs 7zip; sevenzip="$(command -v 7zz || command -v 7z)"; }
  v="$(stage_env "$stage" VERSION_FULL)"
  x="$(mktemp -d)"
  local files=()
  for scope in "${SCOPES[@]}"; do
    inst="$out/$(installer_name "$v" "$scope")"
    require_file "$inst" "$scope installer"
    "$sevenzip" x -y -o"$x/$scope" "$inst" >/dev/null || die "7-Zip could not unpack $inst"
    cmp -s "$x/$scope/$APP_NAME.exe" "$stage/$APP_NAME.exe" || die "$(basename "$inst") does not hold the staged $APP_NAME.exe"
    cmp -s "$x/$scope/$HELPER_EXE" "$stage/$HELPER_EXE" || die "$(basename "$inst") does not hold the staged $HELPER_EXE"
    cmp -s "$x/$scope/uninstall.exe" "$stage/uninstall-$scope.exe" || die "$(basename "$inst") does not hold the staged uninstall-$scope.exe"
    mv "$x/$scope/$APP_NAME.exe" "$x/$scope-$APP_NAME.exe"
    mv "$x/$scope/$HELPER_EXE" "$x/$scope-$HELPER_EXE"
    mv "$x/$scope/uninstall.exe" "$x/$scope-uninstall.exe"
    files+=("$inst" "$x/$scope-$APP_NAME.exe" "$x/$scope-$HELPER_EXE" "$x/$scope-uninstall.exe")
  done
  bash "$ROOT/scripts/verify-windows-signature.sh" "${files[@]}" || { rm -rf "$x"; die "signature verification failed"; }
  rm -rf "$x"
}

[ $# -ge 1 ] || die "usage: windows-installers.sh stage|sign-payload|build|sign-installers|verify|all ..."
cmd="$1"; shift
case "$cmd" in
  stage) [ $# -eq 2 ] || die "usage: stage EXE STAGE"; cmd_stage "$@" ;;
  sign-payload) [ $# -eq 1 ] || die "usage: sign-payload STAGE"; cmd_sign_payload "$@" ;;
  build) [ $# -eq 2 ] || die "usage: build STAGE OUTDIR"; cmd_build "$@" ;;
  sign-installers) [ $# -eq 1 ] || die "usage: sign-installers OUTDIR"; cmd_sign_installers "$@" ;;
  verify) [ $# -eq 2 ] || die "usage: verify STAGE OUTDIR"; cmd_verify "$@" ;;
  all)
    [ $# -eq 2 ] || die "usage: all STAGE OUTDIR"
    if [ -n "${WINDOWS_SIGN_BACKEND:-}" ]; then
      cmd_sign_payload "$1"
      cmd_build "$1" "$2"
      cmd_sign_installers "$2"
      cmd_verify "$1" "$2"
    else
      warn "WINDOWS_SIGN_BACKEND is not set: the installers are NOT signed (development build)"
      cmd_build "$1" "$2"
    fi ;;
  *) die "unknown step $cmd" ;;
esac
