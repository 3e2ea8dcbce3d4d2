#!/usr/bin/env bash
# Checks the release files that scripts/package.sh left in build/dist/ (`make package-test`).
#
#   bash scripts/package.sh && bash scripts/package-test.sh
#
# What it checks: build/dist holds exactly the expected release files, none with a "~" or any
# other character GitHub rewrites, and SHA256SUMS lists exactly them with matching digests;
# the .deb and .rpm are reproducible (packaged again from the same binary: byte-identical);
# .deb control fields and contents (the background helper program next to the main binary in
# /usr/bin: executable, static, no GTK/WebKit, stamped with the version, runs with no display),
# AppStream metainfo (appstreamcli validate), the scalable SVG
# icon, PNG icons without date chunks; a real dpkg -i / --purge round trip leaves no file behind
# (root or passwordless sudo only, and only if outlook-connect is not already installed); .rpm
# requirements by soname and file list; Windows file versions (distinct per release candidate)
# and product versions; both installers unpack (7-Zip) to exactly the staged exes and
# uninstaller; the installer script's rules (install folder kept, downgrade refused, WebView2
# failure is an error, only this session's copies stopped, start-at-login entry removed); the
# signing round trip through the release code path (scripts/windows-installers.sh with a key
# generated inside a SoftHSM token, RFC 3161 timestamps from a loopback TSA), verified for chain
# and timestamp, including the exe and uninstaller INSIDE the installers, and shown to reject a
# foreign root, a missing timestamp and a changed byte; winget manifests generated from the
# installers validate against the official schema; the installed (or unpacked) Linux binary
# starts under Xvfb and stays up (screenshot in test-artifacts/).
#
# Environment: KEEP_INSTALLED=1 skips the purge; SKIP_XVFB=1 skips the start check;
#              SKIP_WINDOWS=1 / SKIP_LINUX=1 as for package.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

T0=$SECONDS
BIN_DIR="$ROOT/build/bin"
DIST="$ROOT/build/dist"
STAGE="$ROOT/build/stage/windows"
ART_DIR="$ROOT/test-artifacts/package"
WORK="$(mktemp -d)"
INSTALLED_BY_US=0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

cleanup() {
  if [ "$INSTALLED_BY_US" = 1 ] && [ "${KEEP_INSTALLED:-}" != 1 ]; then
    $SUDO dpkg --purge "$APP_NAME" >/dev/null 2>&1 || true
  fi
  [ ! -d "$WORK/kit" ] || bash "$ROOT/scripts/signing-test-kit.sh" stop "$WORK/kit"
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=()
pass() { PASSED=$((PASSED + 1)); ok "$*"; }
fail() { FAILED+=("$*"); printf '\033[1;31mFAIL\033[0m %s\n' "$*" >&2; }
# check "description" command...: pass/fail on the command's exit status.
check() {
  local what="$1"; shift
  if "$@" >"$WORK/check.out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/      /' "$WORK/check.out" | head -20 >&2; fi
}
section() { printf '\n\033[1m-- %s\033[0m\n' "$*" >&2; }

mkdir -p "$ART_DIR"

# The version package.sh built (it may have come from the Makefile's VERSION).
[ -s "$BIN_DIR/package.env" ] || die "build/bin/package.env is missing: run scripts/package.sh (make package) first"
VERSION_FULL="$(sed -n 's/^VERSION_FULL=//p' "$BIN_DIR/package.env")"
VERSION_NUM="$(sed -n 's/^VERSION_NUM=//p' "$BIN_DIR/package.env")"
FILE_VERSION="$(sed -n 's/^FILE_VERSION=//p' "$BIN_DIR/package.env")"
PKG_EPOCH="$(sed -n 's/^SOURCE_DATE_EPOCH=//p' "$BIN_DIR/package.env")"
STAGE_ONLY="$(sed -n 's/^STAGE_ONLY=//p' "$BIN_DIR/package.env")"
if [ -z "$VERSION_FULL" ] || [ -z "$VERSION_NUM" ] || [ -z "$FILE_VERSION" ]; then die "build/bin/package.env has no version"; fi
# Test what was built, unless told otherwise.
SKIP_LINUX="${SKIP_LINUX:-$(sed -n 's/^SKIP_LINUX=//p' "$BIN_DIR/package.env")}"
SKIP_WINDOWS="${SKIP_WINDOWS:-$(sed -n 's/^SKIP_WINDOWS=//p' "$BIN_DIR/package.env")}"
need_apt file file dpkg-deb dpkg rpm rpm desktop-file-validate desktop-file-utils identify imagemagick \
  openssl openssl strings binutils appstreamcli appstream
[ "${SKIP_WINDOWS:-}" = 1 ] || need_apt osslsigncode osslsigncode makensis nsis
# 7-Zip unpacks NSIS installers; Debian 12's 7zip package names it 7zz, newer ones 7z.
SEVENZIP="$(command -v 7zz || command -v 7z || true)"
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ -z "$SEVENZIP" ]; then
  need_apt_pkgs 7zip
  SEVENZIP="$(command -v 7zz || command -v 7z)" || die "7zip installed but neither 7zz nor 7z found"
fi
[ "${SKIP_XVFB:-}" = 1 ] || need_apt xvfb-run xvfb xauth xauth import imagemagick xwininfo x11-utils dbus-run-session dbus

DEB_VERSION="${VERSION_FULL/-/\~}-1" # inside the package 1.2.3-rc.1 is 1.2.3~rc.1 (sorts first)
log "Testing artifacts for version $VERSION_FULL"

DEB="$DIST/$APP_NAME-$VERSION_FULL-linux-amd64.deb"
RPM="$DIST/$APP_NAME-$VERSION_FULL-linux-x86_64.rpm"
EXE="$BIN_DIR/$APP_NAME.exe"
HELPER="$APP_NAME-background"
WIN_HELPER="$BIN_DIR/$HELPER.exe"
INST_MACHINE="$DIST/$APP_NAME-$VERSION_FULL-windows-amd64-installer.exe"
INST_USER="$DIST/$APP_NAME-$VERSION_FULL-windows-amd64-user-installer.exe"

# --- Release files and checksums --------------------------------------------------------------
section "Release files (build/dist)"
expected=()
[ "${SKIP_LINUX:-}" = 1 ] || expected+=("$DEB" "$RPM")
[ "${SKIP_WINDOWS:-}" = 1 ] || [ "$STAGE_ONLY" = 1 ] || expected+=("$INST_MACHINE" "$INST_USER")
for f in "${expected[@]}"; do
  if [ -s "$f" ]; then pass "exists: $(basename "$f") ($(human_size "$f"))"; else fail "missing or empty: ${f#"$ROOT"/}"; fi
done
check "build/dist holds exactly the expected release files and SHA256SUMS" bash -c "
  diff <(cd '$DIST' && ls -A | LC_ALL=C sort) <( (printf '%s\n' SHA256SUMS; for f in ${expected[*]@Q}; do basename \"\$f\"; done) | LC_ALL=C sort)"
check "SHA256SUMS lists exactly the files in build/dist, digests match" bash "$ROOT/scripts/checksums.sh" check "$DIST"
check "no release or staged file name contains '~'" bash -c "! find '$DIST' \$([ -d '$STAGE' ] && echo '$STAGE') -name '*~*' | grep ."
# The guard itself: a stale file or a "~" name must stop checksums.sh.
mkdir -p "$WORK/dist-copy"
cp "$DIST"/* "$WORK/dist-copy/"
echo stale >"$WORK/dist-copy/$APP_NAME-0.0.1-windows-amd64-installer.exe"
check "checksums.sh check rejects a file SHA256SUMS does not list" bash -c "! bash '$ROOT/scripts/checksums.sh' check '$WORK/dist-copy' 2>/dev/null"
rm -f "$WORK/dist-copy/$APP_NAME-0.0.1-windows-amd64-installer.exe"
echo x >"$WORK/dist-copy/$APP_NAME-1.2.3~rc.1.deb"
check "checksums.sh write refuses a '~' in a file name" bash -c "! bash '$ROOT/scripts/checksums.sh' write '$WORK/dist-copy' 2>/dev/null"

# Windows file versions: four numbers, ordered, distinct for every release candidate.
check "file versions: 1.2.0-rc.1 < 1.2.0-rc.2 < 1.2.0 < 1.2.1-alpha.1, all distinct" bash -c "
  v() { VERSION=\$1 bash '$ROOT/scripts/version.sh' --file; }
  [ \"\$(v 1.2.0-rc.1) \$(v 1.2.0-rc.2) \$(v 1.2.0) \$(v 1.2.1-alpha.1)\" = '1.2.0.3001 1.2.0.3002 1.2.0.9000 1.2.1.1001' ]
  printf '%s\n' \$(v 1.2.0-rc.2) \$(v 1.2.0-rc.1) \$(v 1.2.0) | sort -V -C && exit 1 || true
  ! VERSION=1.2.0-preview bash '$ROOT/scripts/version.sh' --file 2>/dev/null"

check "build/appicon.png is a 1024x1024 PNG" bash -c "identify -format '%m %wx%h' '$ROOT/build/appicon.png' | grep -qx 'PNG 1024x1024'"
check "build/windows/icon.ico has 256/128/64/48/32/16" bash -c \
  "[ \"\$(identify -format '%w ' '$ROOT/build/windows/icon.ico' | tr ' ' '\n' | sort -n | xargs)\" = '16 32 48 64 128 256' ]"

# --- Debian package ---------------------------------------------------------------------------
if [ "${SKIP_LINUX:-}" != 1 ] && [ -s "$DEB" ]; then
  section "Debian package: $(basename "$DEB")"
  field() { dpkg-deb -f "$DEB" "$1"; }
  check "Package: $APP_NAME" test "$(field Package)" = "$APP_NAME"
  check "Version: $DEB_VERSION" test "$(field Version)" = "$DEB_VERSION"
  check "Architecture: amd64" test "$(field Architecture)" = "amd64"
  depends="$(field Depends)"
  for d in libwebkit2gtk-4.1-0 libgtk-3-0 xdg-utils dbus; do
    check "Depends contains $d" bash -c "tr ',' '\n' <<<'$depends' | sed 's/^ *//' | grep -qE '^$d( |\$|\\|)'"
  done
  check "Maintainer field set" test -n "$(field Maintainer)"
  check "no maintainer scripts (clean install/remove)" bash -c \
    "! dpkg-deb --ctrl-tarfile '$DEB' | tar -t | grep -Eq '(preinst|postinst|prerm|postrm)\$'"

  dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's#^\./#/#' >"$WORK/deb.list"
  for p in /usr/bin/$APP_NAME /usr/bin/$HELPER /usr/share/applications/$APP_NAME.desktop /usr/share/doc/$APP_NAME/copyright; do
    check "contains $p" grep -qx "$p" "$WORK/deb.list"
  done
  for s in 16 24 32 48 64 128 256 512; do
    check "contains hicolor ${s}x${s} icon" grep -qx "/usr/share/icons/hicolor/${s}x${s}/apps/$APP_NAME.png" "$WORK/deb.list"
  done
  check "contains the scalable SVG icon" grep -qx "/usr/share/icons/hicolor/scalable/apps/$APP_NAME.svg" "$WORK/deb.list"
  check "contains the AppStream metainfo" grep -qx "/usr/share/metainfo/ai.outlookconnect.OutlookConnect.metainfo.xml" "$WORK/deb.list"

  X="$WORK/deb-root"
  mkdir -p "$X"
  dpkg-deb -x "$DEB" "$X"
  check "unpacked binary is an executable ELF x86-64" bash -c \
    "test -x '$X/usr/bin/$APP_NAME' && file -b '$X/usr/bin/$APP_NAME' | grep -q 'ELF 64-bit LSB .*x86-64'"
  check "unpacked binary is the one in build/bin" cmp -s "$X/usr/bin/$APP_NAME" "$BIN_DIR/$APP_NAME"
  # The background helper program, where the app looks for it: next to the main binary.
  check "unpacked helper $HELPER is an executable static ELF x86-64, next to $APP_NAME" bash -c \
    "test -x '$X/usr/bin/$HELPER' && file -b '$X/usr/bin/$HELPER' | grep -q 'ELF 64-bit LSB .*x86-64.*statically linked'"
  check "unpacked helper is the one in build/bin" cmp -s "$X/usr/bin/$HELPER" "$BIN_DIR/$HELPER"
  check "helper needs no shared library (no GTK, no WebKit, no libc)" bash -c \
    "! objdump -p '$X/usr/bin/$HELPER' | grep -q NEEDED && ! strings '$X/usr/bin/$HELPER' | grep -qiE 'libwebkit2gtk|libgtk-3'"
  check "helper mode 0755 in the package" bash -c \
    "dpkg-deb -c '$DEB' | grep -E ' \./usr/bin/$HELPER\$' | grep -q '^-rwxr-xr-x'"
  check "desktop-file-validate (packaged file)" desktop-file-validate "$X/usr/share/applications/$APP_NAME.desktop"
  check "desktop file: Exec/Icon/StartupWMClass" bash -c "
    f='$X/usr/share/applications/$APP_NAME.desktop'
    grep -qx 'Exec=$APP_NAME' \"\$f\" && grep -qx 'Icon=$APP_NAME' \"\$f\" && grep -qx 'StartupWMClass=$APP_NAME' \"\$f\""
  for s in 16 24 32 48 64 128 256 512; do
    check "icon ${s}x${s} is a ${s}x${s} PNG" bash -c \
      "identify -format '%m %wx%h' '$X/usr/share/icons/hicolor/${s}x${s}/apps/$APP_NAME.png' | grep -qx 'PNG ${s}x${s}'"
  done
  MI="$X/usr/share/metainfo/ai.outlookconnect.OutlookConnect.metainfo.xml"
  check "appstreamcli validate (packaged metainfo)" appstreamcli validate --no-net "$MI"
  check "metainfo: release $DEB_VERSION, launchable $APP_NAME.desktop" bash -c \
    "grep -q '<release version=\"${VERSION_FULL/-/\~}\"' '$MI' && grep -q '<launchable type=\"desktop-id\">$APP_NAME.desktop<' '$MI'"
  check "SVG icon is the committed artwork" cmp -s "$X/usr/share/icons/hicolor/scalable/apps/$APP_NAME.svg" "$ROOT/build/appicon.svg"
  check "PNG icons carry no date/time chunks" bash -c \
    "! grep -l -a -E 'tIME|date:(create|modify)' '$X'/usr/share/icons/hicolor/*/apps/$APP_NAME.png"
  check "binary links webkit2gtk-4.1 (webkit2_41 tag)" bash -c "ldd '$X/usr/bin/$APP_NAME' | grep -q 'libwebkit2gtk-4.1'"
  check "binary has no unresolved libraries" bash -c "! ldd '$X/usr/bin/$APP_NAME' | grep -q 'not found'"
  # Debian 12 (glibc 2.36) is the oldest supported system: a binary built on a newer distro
  # can silently need a newer glibc (e.g. __isoc23_* symbols, GLIBC_2.38).
  glibc_max="$(objdump -T "$X/usr/bin/$APP_NAME" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
  if [ "$(printf '%s\n' "$glibc_max" 2.36 | sort -V | tail -1)" = 2.36 ]; then
    pass "binary needs glibc <= 2.36 (has GLIBC_$glibc_max): runs on Debian 12 / Ubuntu 22.04+"
  elif [ "$(printf '%s\n' "$(ldd --version | head -1 | awk '{print $NF}')" 2.36 | sort -V | tail -1)" != 2.36 ]; then
    warn "binary needs GLIBC_$glibc_max because this machine's glibc is newer than Debian 12's;" \
      "release packages must be built on Debian 12 (as .github/workflows/release.yml does)"
  else
    fail "binary needs GLIBC_$glibc_max (> 2.36): it will not run on Debian 12"
  fi

  # Real install / purge round trip on this machine.
  section "dpkg -i / dpkg --purge round trip"
  if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
    warn "not root and no passwordless sudo: skipping the real install round trip"
  elif dpkg-query -W -f='${Status}' "$APP_NAME" 2>/dev/null | grep -q 'install ok installed'; then
    warn "$APP_NAME is already installed here; not touching it (skipping the round trip)"
  else
    log "Installing runtime dependencies with apt (apt-get satisfy)"
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q --no-install-recommends "$depends" >"$WORK/apt.log" 2>&1; then
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q --no-install-recommends "$depends" >"$WORK/apt.log" 2>&1 \
        || { tail -20 "$WORK/apt.log" >&2; fail "could not install the runtime dependencies: $depends"; }
    fi
    if $SUDO dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1; then
      INSTALLED_BY_US=1
      pass "dpkg -i $(basename "$DEB")"
      check "dpkg -s reports installed $DEB_VERSION" bash -c \
        "dpkg-query -W -f='\${Status} \${Version}' '$APP_NAME' | grep -qx 'install ok installed $DEB_VERSION'"
      dpkg -L "$APP_NAME" >"$WORK/installed.list"
      check "every packaged file is on disk" bash -c \
        "while read -r p; do test -e \"\$p\" || { echo \"missing \$p\"; exit 1; }; done <'$WORK/installed.list'"
      check "outlook-connect is on PATH at /usr/bin" test "$(command -v "$APP_NAME")" = "/usr/bin/$APP_NAME"
    else
      cat "$WORK/dpkg-i.log" >&2
      fail "dpkg -i $(basename "$DEB")"
    fi
  fi
fi

# --- Start under Xvfb (installed binary if we installed it, else the unpacked one) ------------
if [ "${SKIP_LINUX:-}" != 1 ] && [ "${SKIP_XVFB:-}" != 1 ]; then
  section "Starts under Xvfb"
  if [ "$INSTALLED_BY_US" = 1 ]; then APP_BIN="/usr/bin/$APP_NAME"; else APP_BIN="$WORK/deb-root/usr/bin/$APP_NAME"; fi
  if [ -x "$APP_BIN" ]; then
    # Private HOME, config dir and keyring namespace, demo mode: nothing of this machine is used.
    mkdir -p "$WORK/home"
    cat >"$WORK/xvfb-inner.sh" <<'INNER'
#!/usr/bin/env bash
set -u
"$APP_BIN" >"$WORK/app.log" 2>&1 &
pid=$!
# Poll (scripts/window-check.sh) for the title the frontend sets only after it talked to Go.
rc=0
bash "$ROOT/scripts/window-check.sh" title "$pid" "$PRODUCT_NAME — Demo mode" 90 >"$WORK/window.txt" || rc=$?
xwininfo -root -tree >"$WORK/windows.txt" 2>&1 || true
if [ "$rc" -eq 3 ]; then wait "$pid"; echo "exited early with status $?"; exit 1; fi
if [ "$rc" -ne 0 ]; then kill -KILL "$pid"; echo "the frontend never set the title \"$PRODUCT_NAME — Demo mode\""; exit 4; fi
# The screenshot is checked below; a blank one fails there.
bash "$ROOT/scripts/window-check.sh" painted "$ART_DIR/xvfb-installed-app.png" 60 >/dev/null || true
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "still running 5 s after SIGTERM"; kill -KILL "$pid"; exit 2; fi
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || { echo "exit status $rc after SIGTERM"; exit 3; }
exit 0
INNER
    chmod +x "$WORK/xvfb-inner.sh"
    runner=(xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp")
    # A private session bus with an unlocked throwaway keyring (the project's CI helper) when
    # available, so the app starts as on a desktop; else a bare private session bus.
    if [ -f "$ROOT/.ci/keyring-session.sh" ]; then
      runner=(bash "$ROOT/.ci/keyring-session.sh" "${runner[@]}")
    elif command -v dbus-run-session >/dev/null; then
      runner=(dbus-run-session -- "${runner[@]}")
    fi
    if env -i PATH="$PATH" LANG=C.UTF-8 HOME="$WORK/home" APP_BIN="$APP_BIN" WORK="$WORK" ART_DIR="$ART_DIR" \
         ROOT="$ROOT" PRODUCT_NAME="$PRODUCT_NAME" \
         XDG_CONFIG_HOME="$WORK/home/.config" XDG_CACHE_HOME="$WORK/home/.cache" \
         OUTLOOK_CONNECT_CONFIG_DIR="$WORK/home/.config/outlook-connect" \
         OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect package-test $$" OUTLOOK_CONNECT_DEMO=1 BROWSER=true \
         "${runner[@]}" "$WORK/xvfb-inner.sh" >"$WORK/xvfb.out" 2>&1; then
      pass "$APP_BIN showed its window under Xvfb and exited cleanly on SIGTERM"
    else
      fail "$APP_BIN under Xvfb: $(tr '\n' ' ' <"$WORK/xvfb.out")"
      tail -20 "$WORK/app.log" >&2 2>/dev/null || true
    fi
    cp "$WORK/app.log" "$ART_DIR/xvfb-installed-app.log" 2>/dev/null || true
    cp "$WORK/windows.txt" "$ART_DIR/xvfb-windows.txt" 2>/dev/null || true
    if [ -s "$ART_DIR/xvfb-installed-app.png" ]; then
      colours="$(convert "$ART_DIR/xvfb-installed-app.png" -format '%k' info: 2>/dev/null || echo 0)"
      if [ "${colours:-0}" -ge 64 ]; then pass "screenshot test-artifacts/package/xvfb-installed-app.png ($colours colours)"
      else fail "screenshot looks blank ($colours colours)"; fi
    else
      fail "no screenshot taken"
    fi
    # GTK derives WM_CLASS from the program name (main.go sets linux.Options.ProgramName); the
    # .desktop file's StartupWMClass must match it for docks to show the right icon.
    # Go titles the window "Outlook Connect"; only the frontend, once GetAppInfo answered, adds
    # "— Demo mode" (OUTLOOK_CONNECT_DEMO=1 here). window.txt is the viewable window with that title.
    check "the frontend titled the window \"$PRODUCT_NAME — Demo mode\"" grep -qF "\"$PRODUCT_NAME — Demo mode\":" "$WORK/window.txt"
    if grep -q "(\"$APP_NAME\" " "$WORK/windows.txt" 2>/dev/null; then
      pass "window WM_CLASS instance is \"$APP_NAME\" (matches StartupWMClass)"
    else
      fail "no window with WM_CLASS \"$APP_NAME\" (set linux.Options{ProgramName: \"$APP_NAME\"} in main.go)"
      grep -i 'outlook' "$WORK/windows.txt" >&2 || true
    fi
  else
    fail "no Linux binary to start"
  fi
fi

# --- The background helper program runs with no display at all -------------------------------
# Nothing is configured in its private folder, so it starts, logs who it is and stops: enough to
# show it runs on this system without GTK or a display, stamped with this version.
if [ "${SKIP_LINUX:-}" != 1 ] && [ -s "$DEB" ]; then
  section "Background helper without a display"
  if [ "$INSTALLED_BY_US" = 1 ]; then HELPER_BIN="/usr/bin/$HELPER"; else HELPER_BIN="$WORK/deb-root/usr/bin/$HELPER"; fi
  mkdir -p "$WORK/helper-home"
  rc=0
  env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$WORK/helper-home" XDG_CONFIG_HOME="$WORK/helper-home/.config" \
    OUTLOOK_CONNECT_CONFIG_DIR="$WORK/helper-home/config" OUTLOOK_CONNECT_KEYRING_SERVICE="Outlook Connect package-test $$" \
    timeout 30 "$HELPER_BIN" >"$WORK/helper.out" 2>&1 || rc=$?
  HELPER_LOG="$WORK/helper-home/config/logs/background.log"
  cp "$HELPER_LOG" "$ART_DIR/helper-background.log" 2>/dev/null || true
  check "$HELPER_BIN stopped by itself with nothing to do (exit $rc, not killed by the timeout)" test "$rc" -ne 124
  check "its log names version $VERSION_FULL and the program $HELPER" \
    grep -qF "\"msg\":\"background.started\",\"version\":\"$VERSION_FULL\",\"pid\":" "$HELPER_LOG"
  check "its log names the program $HELPER and says why it stopped" bash -c \
    "grep -qF '\"program\":\"$HELPER\"' '$HELPER_LOG' && grep -qF '\"msg\":\"background.stopped\"' '$HELPER_LOG'"
  check "$HELPER refuses an unknown argument (exit 2)" bash -c "'$HELPER_BIN' --no-such-flag 2>/dev/null; [ \$? -eq 2 ]"
fi

# Purge and check nothing of the package remains.
if [ "$INSTALLED_BY_US" = 1 ] && [ "${KEEP_INSTALLED:-}" != 1 ]; then
  section "dpkg --purge"
  if $SUDO dpkg --purge "$APP_NAME" >"$WORK/purge.log" 2>&1; then
    INSTALLED_BY_US=0
    pass "dpkg --purge $APP_NAME"
    check "package no longer known to dpkg" bash -c "! dpkg-query -W -f='\${Status}' '$APP_NAME' 2>/dev/null | grep -q installed"
    # Every regular file and link the package owned is gone; of its directories only shared
    # ones (still holding other packages' files) may remain.
    check "no packaged file remains after purge" bash -c "
      left=0
      while read -r p; do
        if [ -e \"\$p\" ] || [ -L \"\$p\" ]; then
          if [ -d \"\$p\" ] && [ ! -L \"\$p\" ]; then
            case \"\$p\" in *outlook-connect*) echo \"directory left: \$p\"; left=1 ;; esac
          else
            echo \"file left: \$p\"; left=1
          fi
        fi
      done <'$WORK/installed.list'
      exit \$left"
  else
    cat "$WORK/purge.log" >&2
    fail "dpkg --purge $APP_NAME"
  fi
fi

# --- RPM --------------------------------------------------------------------------------------
if [ "${SKIP_LINUX:-}" != 1 ] && [ -s "$RPM" ]; then
  section "RPM package: $(basename "$RPM")"
  q() { rpm -qp --nosignature "$@" "$RPM" 2>/dev/null; }
  check "rpm name/version/arch" test "$(q --queryformat '%{NAME} %{VERSION} %{ARCH}')" = "$APP_NAME ${VERSION_FULL/-/\~} x86_64"
  q -R >"$WORK/rpm.requires"
  # By soname, as rpmbuild would: Fedora and openSUSE name the packages differently.
  for d in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' 'libjavascriptcoregtk-4.1.so.0()(64bit)' \
           'libsoup-3.0.so.0()(64bit)' 'libc.so.6()(64bit)' xdg-utils '(dbus or dbus-1)'; do
    check "rpm requires $d" grep -qxF "$d" "$WORK/rpm.requires"
  done
  check "rpm requires every library the binary links, by soname" bash -c "
    for lib in \$(objdump -p '$BIN_DIR/$APP_NAME' | awk '\$1==\"NEEDED\"{print \$2}'); do
      grep -qxF \"\$lib()(64bit)\" '$WORK/rpm.requires' || { echo \"missing \$lib\"; exit 1; }
    done"
  check "rpm names no distribution-specific package for a library" bash -c "! grep -qxE 'gtk3|webkit2gtk4\.1|libwebkit2gtk-4_1-0' '$WORK/rpm.requires'"
  q -l >"$WORK/rpm.list"
  check "rpm contains /usr/bin/$APP_NAME" grep -qx "/usr/bin/$APP_NAME" "$WORK/rpm.list"
  check "rpm contains the helper /usr/bin/$HELPER, mode 0755" bash -c \
    "rpm -qp --nosignature --queryformat '[%{FILEMODES:perms} %{FILENAMES}\n]' '$RPM' 2>/dev/null | grep -qx -- '-rwxr-xr-x /usr/bin/$HELPER'"
  check "rpm contains the desktop file" grep -qx "/usr/share/applications/$APP_NAME.desktop" "$WORK/rpm.list"
  check "rpm contains 8 hicolor icons" test "$(grep -c "^/usr/share/icons/hicolor/.*/apps/$APP_NAME.png\$" "$WORK/rpm.list")" -eq 8
  check "rpm contains the SVG icon and the metainfo" bash -c \
    "grep -qx '/usr/share/icons/hicolor/scalable/apps/$APP_NAME.svg' '$WORK/rpm.list' && grep -qx '/usr/share/metainfo/ai.outlookconnect.OutlookConnect.metainfo.xml' '$WORK/rpm.list'"
  check "rpm has no scriptlets" bash -c "[ -z \"\$(rpm -qp --nosignature --scripts '$RPM' 2>/dev/null)\" ]"
fi

# --- Reproducible Linux packages --------------------------------------------------------------
# Packaged again from the same binary and sources: every byte must match what package.sh built.
if [ "${SKIP_LINUX:-}" != 1 ] && [ -s "$DEB" ] && [ -s "$RPM" ]; then
  section "Reproducible .deb and .rpm"
  mkdir -p "$WORK/repro"
  if VERSION="$VERSION_FULL" SOURCE_DATE_EPOCH="$PKG_EPOCH" bash "$ROOT/scripts/package-linux.sh" "$BIN_DIR/$APP_NAME" "$WORK/repro" >"$WORK/repro.log" 2>&1; then
    check "second build: .deb byte-identical" cmp "$DEB" "$WORK/repro/$(basename "$DEB")"
    check "second build: .rpm byte-identical" cmp "$RPM" "$WORK/repro/$(basename "$RPM")"
  else
    cat "$WORK/repro.log" >&2; fail "package-linux.sh could not package again"
  fi
fi

# --- Windows ----------------------------------------------------------------------------------
# Prints the value after a VS_VERSION_INFO key (UTF-16LE strings: key, then value).
vs_value() { strings -el "$1" | grep -A1 -x "$2" | sed -n 2p; }
# Prints the four-number FileVersion of VS_FIXEDFILEINFO: after its signature 0xFEEF04BD and
# dwStrucVersion come dwFileVersionMS and dwFileVersionLS (little-endian).
fixed_file_version() {
  local off b
  off="$(LC_ALL=C grep -obUaP '\xbd\x04\xef\xfe' "$1" | head -1 | cut -d: -f1)"
  [ -n "$off" ] || return 1
  read -r -a b < <(od -An -v -tx1 -j "$((off + 8))" -N 8 "$1")
  [ ${#b[@]} -eq 8 ] || return 1
  printf '%d.%d.%d.%d\n' "$((16#${b[3]}${b[2]}))" "$((16#${b[1]}${b[0]}))" "$((16#${b[7]}${b[6]}))" "$((16#${b[5]}${b[4]}))"
}
NSI="$ROOT/build/windows/installer/project.nsi"
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ -s "$EXE" ]; then
  section "Windows exe and installers"
  check "exe: PE32+ executable (GUI) x86-64" bash -c "file -b '$EXE' | grep -q '^PE32+ executable (GUI) x86-64'"
  # GUI subsystem: started at login from the Run key, a console program would open a window.
  check "helper $HELPER.exe: PE32+ executable (GUI) x86-64" bash -c "file -b '$WIN_HELPER' | grep -q '^PE32+ executable (GUI) x86-64'"
  check "helper $HELPER.exe carries version $VERSION_FULL (-X main.version)" bash -c "strings '$WIN_HELPER' | grep -qF '$VERSION_FULL'"
  # Its own version resource, icon and manifest (scripts/build-helper.sh, go-winres): Task
  # Manager's start-up and process lists name it and its publisher instead of a bare file name.
  check "helper ProductVersion = $VERSION_FULL" test "$(vs_value "$WIN_HELPER" ProductVersion)" = "$VERSION_FULL"
  check "helper FileVersion = $FILE_VERSION" test "$(vs_value "$WIN_HELPER" FileVersion)" = "$FILE_VERSION"
  check "helper fixed file version = $FILE_VERSION" test "$(fixed_file_version "$WIN_HELPER")" = "$FILE_VERSION"
  check "helper FileDescription = $PRODUCT_NAME background helper" test "$(vs_value "$WIN_HELPER" FileDescription)" = "$PRODUCT_NAME background helper"
  check "helper OriginalFilename = $HELPER.exe" test "$(vs_value "$WIN_HELPER" OriginalFilename)" = "$HELPER.exe"
  for key in ProductName CompanyName LegalCopyright; do
    check "helper $key is the exe's" test "$(vs_value "$WIN_HELPER" "$key")" = "$(vs_value "$EXE" "$key")"
  done
  check "helper has an icon group resource" bash -c "strings -el -n 3 '$WIN_HELPER' | grep -qx APP"
  check "helper manifest identity ai.outlookconnect.background, asInvoker" bash -c \
    "strings '$WIN_HELPER' | grep -q 'name=\"ai.outlookconnect.background\"' && strings '$WIN_HELPER' | grep -q 'asInvoker'"
  check "exe ProductVersion = $VERSION_FULL" test "$(vs_value "$EXE" ProductVersion)" = "$VERSION_FULL"
  check "exe FileVersion = $FILE_VERSION" test "$(vs_value "$EXE" FileVersion)" = "$FILE_VERSION"
  check "exe fixed file version = $FILE_VERSION" test "$(fixed_file_version "$EXE")" = "$FILE_VERSION"
  check "exe ProductName = $PRODUCT_NAME" test "$(vs_value "$EXE" ProductName)" = "$PRODUCT_NAME"
  check "exe OriginalFilename = $APP_NAME.exe" test "$(vs_value "$EXE" OriginalFilename)" = "$APP_NAME.exe"
  check "exe manifest identity ai.outlookconnect.desktop, asInvoker" bash -c \
    "strings '$EXE' | grep -q 'name=\"ai.outlookconnect.desktop\"' && strings '$EXE' | grep -q 'asInvoker'"
  check "build/windows/info.json restored after the build" git -C "$ROOT" diff --quiet -- build/windows/info.json
  check "stage holds both exes and both uninstallers" bash -c \
    "cmp -s '$STAGE/$APP_NAME.exe' '$EXE' && cmp -s '$STAGE/$HELPER.exe' '$WIN_HELPER' && test -s '$STAGE/uninstall-machine.exe' && test -s '$STAGE/uninstall-user.exe'"
  for inst in "$INST_MACHINE" "$INST_USER"; do
    [ -s "$inst" ] || continue
    n="$(basename "$inst")"
    scope=machine; [[ "$n" == *-user-installer.exe ]] && scope=user
    check "$n: Nullsoft installer" bash -c "file -b '$inst' | grep -q 'Nullsoft Installer'"
    check "$n: ProductVersion = $VERSION_FULL, FileVersion = $FILE_VERSION" bash -c \
      "[ \"\$(strings -el '$inst' | grep -A1 -x ProductVersion | sed -n 2p)\" = '$VERSION_FULL' ] && [ \"\$(strings -el '$inst' | grep -A1 -x FileVersion | sed -n 2p)\" = '$FILE_VERSION' ]"
    check "$n: fixed file version = $FILE_VERSION" test "$(fixed_file_version "$inst")" = "$FILE_VERSION"
    d="$WORK/unpack-${n%.exe}"
    if "$SEVENZIP" x -y -o"$d" "$inst" >"$WORK/7z.log" 2>&1; then
      check "$n: contains exactly build/bin/$APP_NAME.exe" cmp -s "$d/$APP_NAME.exe" "$EXE"
      check "$n: contains exactly build/bin/$HELPER.exe, next to $APP_NAME.exe" cmp -s "$d/$HELPER.exe" "$WIN_HELPER"
      check "$n: contains the staged $scope uninstaller" cmp -s "$d/uninstall.exe" "$STAGE/uninstall-$scope.exe"
      check "$n: contains the WebView2 bootstrapper" test -s "$d/\$PLUGINSDIR/webview2bootstrapper/MicrosoftEdgeWebview2Setup.exe"
    else
      cat "$WORK/7z.log" >&2; fail "$n: 7-Zip could not unpack it"
    fi
  done
  # Scope: the per-user installer must not ask for elevation, the per-machine one must.
  if [ -s "$INST_MACHINE" ]; then
    check "per-machine installer requests administrator" bash -c "strings '$INST_MACHINE' | grep -q 'requireAdministrator'"
    check "per-user installer runs as invoker" bash -c "strings '$INST_USER' | grep -q 'asInvoker' && ! strings '$INST_USER' | grep -q 'requireAdministrator'"
  fi

  # The installer script's rules (the script is compiled into the installers above, and the
  # behaviour needs Windows to run: these pin the instructions that implement each rule).
  section "Installer script rules (project.nsi)"
  check "InstallDirRegKey keeps the install folder on upgrade" grep -qE '^InstallDirRegKey \$\{OC_ROOT\} "\$\{OC_DIR_KEY\}" "InstallLocation"' "$NSI"
  check "every taskkill is limited to this session" bash -c "
    grep -n 'taskkill' '$NSI' | grep -v '^ *[0-9]*: *#' >'$WORK/taskkill.txt'; test -s '$WORK/taskkill.txt'
    ! grep -v '/FI \"SESSION eq \$1\"' '$WORK/taskkill.txt'"
  check "the helper program is installed next to the exe, stopped (this session) and removed by the uninstaller" bash -c "
    grep -qx '!define HELPER_EXECUTABLE   \"$HELPER.exe\"' '$NSI' &&
    sed -n '/^Section\$/,/^SectionEnd/p' '$NSI' | grep -qF 'File \"/oname=\${HELPER_EXECUTABLE}\" \"\${OC_HELPER_BINARY}\"' &&
    sed -n '/^!macro oc.stopApp/,/^!macroend/p' '$NSI' | grep -qF '/F /FI \"SESSION eq \$1\" /IM \"\${HELPER_EXECUTABLE}\"' &&
    sed -n '/^!macro oc.checkNotInUse/,/^!macroend/p' '$NSI' | grep -qF '\$INSTDIR\\\${HELPER_EXECUTABLE}' &&
    sed -n '/^Section \"uninstall\"/,/^SectionEnd/p' '$NSI' | grep -qF 'Delete \"\$INSTDIR\\\${HELPER_EXECUTABLE}\"'"
  check "a failed WebView2 setup aborts with exit code 4" bash -c \
    "sed -n '/^!macro oc.webview2runtime/,/^!macroend/p' '$NSI' | grep -q 'SetErrorLevel 4' && sed -n '/^!macro oc.webview2runtime/,/^!macroend/p' '$NSI' | grep -q 'Abort'"
  check "the Wails WebView2 macro (which ignores failures) is not used" bash -c "! grep -q 'wails.webview2runtime' '$NSI'"
  check "a downgrade is refused (exit 3) unless /ALLOWDOWNGRADE" bash -c \
    "sed -n '/^Function .onInit/,/^FunctionEnd/p' '$NSI' | grep -q '/ALLOWDOWNGRADE' && sed -n '/^Function .onInit/,/^FunctionEnd/p' '$NSI' | grep -q 'SetErrorLevel 3'"
  check "the uninstaller deletes the HKCU Run value \"$PRODUCT_NAME\" (and its StartupApproved flag) and stops this session's copies" bash -c "
    sed -n '/^Section \"uninstall\"/,/^SectionEnd/p' '$NSI' >'$WORK/unsec.nsi'
    grep -q 'DeleteRegValue HKCU \"\${RUN_KEY}\" \"\${RUN_VALUE_NAME}\"' '$WORK/unsec.nsi' &&
    grep -q 'DeleteRegValue HKCU \"\${STARTUP_APPROVED_KEY}\" \"\${RUN_VALUE_NAME}\"' '$WORK/unsec.nsi' &&
    grep -qx '!define STARTUP_APPROVED_KEY \"Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Explorer\\\\StartupApproved\\\\Run\"' '$NSI' &&
    grep -qx '!define RUN_VALUE_NAME      \"$PRODUCT_NAME\"' '$NSI' &&
    grep -qx '!define RUN_KEY             \"Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\"' '$NSI' &&
    [ \"\$(grep -n 'oc.stopApp' '$WORK/unsec.nsi' | head -1 | cut -d: -f1)\" -lt \"\$(grep -n 'Delete \"\$INSTDIR' '$WORK/unsec.nsi' | head -1 | cut -d: -f1)\" ]"

  # --- Signing round trip: the release code path with a key inside a SoftHSM token -----------
  section "Authenticode: PKCS#11 key in SoftHSM, RFC 3161 timestamps, release code path"
  if bash "$ROOT/scripts/signing-test-kit.sh" start "$WORK/kit" >"$WORK/kit.log" 2>&1; then
    pass "throwaway signing kit: key generated inside a SoftHSM token, test CA, loopback TSA"
    S="$WORK/signed"
    mkdir -p "$S/out"
    cp -r "$STAGE" "$S/stage"
    (
      # shellcheck source=/dev/null
      source "$WORK/kit/env"
      check "windows-installers.sh all: sign payload, build, sign installers, verify chain + timestamp" \
        bash "$ROOT/scripts/windows-installers.sh" all "$S/stage" "$S/out"
      cp "$S/out"/*.exe "$ART_DIR/" 2>/dev/null || true
      osslsigncode verify -CAfile "$WINDOWS_SIGN_CA_FILE" -TSA-CAfile "$WINDOWS_SIGN_TSA_CA_FILE" \
        -in "$S/out/$(basename "$INST_USER")" >"$ART_DIR/osslsigncode-verify.txt" 2>&1 || true
      signed_inst="$S/out/$(basename "$INST_MACHINE")"
      check "signed installer still has its version resource" test "$(fixed_file_version "$signed_inst")" = "$FILE_VERSION"
      # The verifier must be able to fail: a foreign root, no timestamp, one changed byte.
      openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=Unrelated Root" \
        -keyout "$S/other.key" -out "$S/other.pem" >/dev/null 2>&1
      check "verification rejects a signer that does not chain to the trusted root" bash -c \
        "! WINDOWS_SIGN_CA_FILE='$S/other.pem' bash '$ROOT/scripts/verify-windows-signature.sh' '$signed_inst' 2>/dev/null"
      check "verification rejects a signature made for another subject" bash -c \
        "! WINDOWS_SIGN_EXPECTED_SUBJECT='CN=Someone Else' bash '$ROOT/scripts/verify-windows-signature.sh' '$signed_inst' 2>/dev/null"
      cp "$signed_inst" "$S/tampered.exe"
      printf '\x00' | dd of="$S/tampered.exe" bs=1 seek=4096 conv=notrunc status=none
      check "verification rejects a file changed after signing" bash -c \
        "! bash '$ROOT/scripts/verify-windows-signature.sh' '$S/tampered.exe' 2>/dev/null"
      printf '%s' "$WINDOWS_SIGN_PKCS11_PIN" >"$S/pin"
      osslsigncode sign -pkcs11module "$WINDOWS_SIGN_PKCS11_MODULE" -key "$WINDOWS_SIGN_PKCS11_KEY" \
        -readpass "$S/pin" -certs "$WINDOWS_SIGN_CERT" -h sha256 -in "$EXE" -out "$S/no-ts.exe" >/dev/null 2>&1
      check "verification rejects a signature without an RFC 3161 timestamp" bash -c \
        "test -s '$S/no-ts.exe' && ! bash '$ROOT/scripts/verify-windows-signature.sh' '$S/no-ts.exe' 2>/dev/null"
      check "signing refuses a wrong PIN" bash -c \
        "cp '$EXE' '$S/pin.exe'; ! WINDOWS_SIGN_PKCS11_PIN=000000 bash '$ROOT/scripts/sign-windows.sh' '$S/pin.exe' 2>/dev/null"
      check "makensis refuses an uninstaller other than the one that was signed" bash -c \
        "! sh '$ROOT/scripts/nsis-swap-uninstaller.sh' '$STAGE/uninstall-user.exe' '$S/stage/uninstall-user.exe' \
           \"\$(sha256sum '$STAGE/uninstall-machine.exe' | cut -d' ' -f1)\" 2>/dev/null"
      [ ${#FAILED[@]} -eq 0 ] || printf '%s\n' "${FAILED[@]}" >"$WORK/signing.failed"
      echo "$PASSED" >"$WORK/signing.passed"
    )
    # The checks above ran in a subshell (to keep the kit's settings out of the rest).
    PASSED="$(cat "$WORK/signing.passed" 2>/dev/null || echo "$PASSED")"
    if [ -s "$WORK/signing.failed" ]; then mapfile -t FAILED <"$WORK/signing.failed"; fi
    bash "$ROOT/scripts/signing-test-kit.sh" stop "$WORK/kit"
  else
    cat "$WORK/kit.log" >&2; fail "could not set up the SoftHSM signing kit"
  fi
fi

# --- winget manifests from the installers, against the official schema ------------------------
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ -s "$INST_MACHINE" ] && [ -s "$INST_USER" ]; then
  section "winget manifests (schema $(basename "$(ls -d "$ROOT"/build/winget/schema/v*)"))"
  TOOL="$(releasetool)"
  W="$WORK/winget"
  if "$TOOL" winget -out "$W" -version "$VERSION_FULL" -date 2026-01-01 \
       -base-url "$DEFAULT_PROJECT_URL/releases/download/v$VERSION_FULL" -repo-url "$DEFAULT_PROJECT_URL" \
       -user "$INST_USER" -machine "$INST_MACHINE" >"$WORK/winget.list" 2>"$WORK/winget.err"; then
    pass "releasetool winget wrote $(wc -l <"$WORK/winget.list") manifests"
    mapfile -t manifests <"$WORK/winget.list"
    SCHEMAS="$(ls -d "$ROOT"/build/winget/schema/v*)"
    check "winget manifests validate against the vendored official schema" "$TOOL" winget-validate -schemas "$SCHEMAS" "${manifests[@]}"
    inst_yaml="$(grep 'installer.yaml$' "$WORK/winget.list")"
    check "installer manifest: nullsoft, user + machine scopes, /S, sha256 of each installer" bash -c "
      f='$inst_yaml'
      grep -qx 'InstallerType: nullsoft' \"\$f\" && grep -qx '  Silent: /S' \"\$f\" &&
      grep -qx '  - Architecture: x64' \"\$f\" && grep -qx '    Scope: user' \"\$f\" && grep -qx '    Scope: machine' \"\$f\" &&
      grep -qix \"    InstallerSha256: \$(sha256sum '$INST_USER' | cut -d' ' -f1)\" \"\$f\" &&
      grep -qix \"    InstallerSha256: \$(sha256sum '$INST_MACHINE' | cut -d' ' -f1)\" \"\$f\""
    sed 's/Scope: machine/Scope: everyone/' "$inst_yaml" >"$WORK/bad.installer.yaml"
    check "the schema check rejects a manifest with an invalid scope" bash -c \
      "! '$TOOL' winget-validate -schemas '$SCHEMAS' '$WORK/bad.installer.yaml' 2>/dev/null"
    cp "$W"/manifests -r "$ART_DIR/winget" 2>/dev/null || true
  else
    cat "$WORK/winget.err" >&2; fail "releasetool winget"
  fi
fi

# --- Summary ----------------------------------------------------------------------------------
echo >&2
if [ ${#FAILED[@]} -eq 0 ]; then
  ok "package-test: all $PASSED checks passed in $((SECONDS - T0))s"
else
  printf '\033[1;31mpackage-test: %d failed, %d passed (%ss):\033[0m\n' "${#FAILED[@]}" "$PASSED" "$((SECONDS - T0))" >&2
  printf '    - %s\n' "${FAILED[@]}" >&2
  exit 1
fi
