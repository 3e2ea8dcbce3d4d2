#!/usr/bin/env bash
# Checks the artifacts that scripts/package.sh left in build/bin/ (`make package-test`).
#
#   bash scripts/package.sh && bash scripts/package-test.sh
#
# What it checks: every artifact exists, SHA256SUMS verifies; .deb control fields and contents;
# the .deb unpacks (dpkg-deb -x) with a valid desktop file and correctly sized icons; a real
# dpkg -i / --purge round trip leaves no file behind (root or passwordless sudo only, and only
# if outlook-connect is not already installed); .rpm requires and file list; the Windows exe is
# a PE32+ GUI binary with the right version resource; both installers unpack (7-Zip) to exactly
# that exe plus an uninstaller; Authenticode signing with a throwaway self-signed certificate
# verifies, including the exe and uninstaller INSIDE a freshly built installer; the installed
# (or unpacked) Linux binary starts under Xvfb and stays up (screenshot in test-artifacts/).
#
# Environment: KEEP_INSTALLED=1 skips the purge; SKIP_XVFB=1 skips the start check;
#              SKIP_WINDOWS=1 / SKIP_LINUX=1 as for package.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

T0=$SECONDS
BIN_DIR="$ROOT/build/bin"
ART_DIR="$ROOT/test-artifacts/package"
WORK="$(mktemp -d)"
INSTALLED_BY_US=0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

cleanup() {
  if [ "$INSTALLED_BY_US" = 1 ] && [ "${KEEP_INSTALLED:-}" != 1 ]; then
    $SUDO dpkg --purge "$APP_NAME" >/dev/null 2>&1 || true
  fi
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
if [ -z "$VERSION_FULL" ] || [ -z "$VERSION_NUM" ]; then die "build/bin/package.env has no version"; fi
# Test what was built, unless told otherwise.
SKIP_LINUX="${SKIP_LINUX:-$(sed -n 's/^SKIP_LINUX=//p' "$BIN_DIR/package.env")}"
SKIP_WINDOWS="${SKIP_WINDOWS:-$(sed -n 's/^SKIP_WINDOWS=//p' "$BIN_DIR/package.env")}"
need_apt file file dpkg-deb dpkg rpm rpm desktop-file-validate desktop-file-utils identify imagemagick \
  openssl openssl strings binutils
[ "${SKIP_WINDOWS:-}" = 1 ] || need_apt osslsigncode osslsigncode makensis nsis
# 7-Zip unpacks NSIS installers; Debian 12's 7zip package names it 7zz, newer ones 7z.
SEVENZIP="$(command -v 7zz || command -v 7z || true)"
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ -z "$SEVENZIP" ]; then
  need_apt_pkgs 7zip
  SEVENZIP="$(command -v 7zz || command -v 7z)" || die "7zip installed but neither 7zz nor 7z found"
fi
[ "${SKIP_XVFB:-}" = 1 ] || need_apt xvfb-run xvfb xauth xauth import imagemagick xwininfo x11-utils dbus-run-session dbus

DEB_VERSION="${VERSION_FULL/-/\~}-1" # nfpm: 1.2.3-rc.1 -> 1.2.3~rc.1, release 1
log "Testing artifacts for version $VERSION_FULL"

DEB="$BIN_DIR/${APP_NAME}_${DEB_VERSION}_amd64.deb"
RPM="$BIN_DIR/${APP_NAME}-${VERSION_FULL/-/\~}-1.x86_64.rpm"
EXE="$BIN_DIR/$APP_NAME.exe"
INST_MACHINE="$BIN_DIR/$APP_NAME-$VERSION_FULL-windows-amd64-installer.exe"
INST_USER="$BIN_DIR/$APP_NAME-$VERSION_FULL-windows-amd64-user-installer.exe"

# --- Artifacts and checksums ------------------------------------------------------------------
section "Artifacts"
expected=("$BIN_DIR/SHA256SUMS")
[ "${SKIP_LINUX:-}" = 1 ] || expected+=("$BIN_DIR/$APP_NAME" "$DEB" "$RPM")
[ "${SKIP_WINDOWS:-}" = 1 ] || expected+=("$EXE" "$INST_MACHINE" "$INST_USER")
for f in "${expected[@]}"; do
  if [ -s "$f" ]; then pass "exists: $(basename "$f") ($(human_size "$f"))"; else fail "missing or empty: ${f#"$ROOT"/}"; fi
done
check "SHA256SUMS verifies" bash -c "cd '$BIN_DIR' && sha256sum -c --strict SHA256SUMS"
for f in "${expected[@]}"; do
  case "$f" in *.deb|*.rpm|*installer.exe)
    check "SHA256SUMS lists $(basename "$f")" grep -q " $(basename "$f")\$" "$BIN_DIR/SHA256SUMS" ;;
  esac
done

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
  for p in /usr/bin/$APP_NAME /usr/share/applications/$APP_NAME.desktop /usr/share/doc/$APP_NAME/copyright; do
    check "contains $p" grep -qx "$p" "$WORK/deb.list"
  done
  for s in 16 24 32 48 64 128 256 512; do
    check "contains hicolor ${s}x${s} icon" grep -qx "/usr/share/icons/hicolor/${s}x${s}/apps/$APP_NAME.png" "$WORK/deb.list"
  done

  X="$WORK/deb-root"
  mkdir -p "$X"
  dpkg-deb -x "$DEB" "$X"
  check "unpacked binary is an executable ELF x86-64" bash -c \
    "test -x '$X/usr/bin/$APP_NAME' && file -b '$X/usr/bin/$APP_NAME' | grep -q 'ELF 64-bit LSB .*x86-64'"
  check "unpacked binary is the one in build/bin" cmp -s "$X/usr/bin/$APP_NAME" "$BIN_DIR/$APP_NAME"
  check "desktop-file-validate (packaged file)" desktop-file-validate "$X/usr/share/applications/$APP_NAME.desktop"
  check "desktop file: Exec/Icon/StartupWMClass" bash -c "
    f='$X/usr/share/applications/$APP_NAME.desktop'
    grep -qx 'Exec=$APP_NAME' \"\$f\" && grep -qx 'Icon=$APP_NAME' \"\$f\" && grep -qx 'StartupWMClass=$APP_NAME' \"\$f\""
  for s in 16 24 32 48 64 128 256 512; do
    check "icon ${s}x${s} is a ${s}x${s} PNG" bash -c \
      "identify -format '%m %wx%h' '$X/usr/share/icons/hicolor/${s}x${s}/apps/$APP_NAME.png' | grep -qx 'PNG ${s}x${s}'"
  done
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
  for d in gtk3 webkit2gtk4.1 xdg-utils dbus; do
    check "rpm requires $d" grep -qx "$d" "$WORK/rpm.requires"
  done
  q -l >"$WORK/rpm.list"
  check "rpm contains /usr/bin/$APP_NAME" grep -qx "/usr/bin/$APP_NAME" "$WORK/rpm.list"
  check "rpm contains the desktop file" grep -qx "/usr/share/applications/$APP_NAME.desktop" "$WORK/rpm.list"
  check "rpm contains 8 hicolor icons" test "$(grep -c "^/usr/share/icons/hicolor/.*/apps/$APP_NAME.png\$" "$WORK/rpm.list")" -eq 8
  check "rpm has no scriptlets" bash -c "[ -z \"\$(rpm -qp --nosignature --scripts '$RPM' 2>/dev/null)\" ]"
fi

# --- Windows ----------------------------------------------------------------------------------
# True when FILE carries an Authenticode signature whose digest matches the file's content.
signature_digest_ok() {
  local out cur calc
  out="$(osslsigncode verify -in "$1" 2>/dev/null || true)"
  cur="$(sed -n 's/^Current message digest *: *//p' <<<"$out" | head -1 | tr -d ' ')"
  calc="$(sed -n 's/^Calculated message digest *: *//p' <<<"$out" | head -1 | tr -d ' ')"
  [ -n "$cur" ] && [ "$cur" = "$calc" ]
}
# Prints the value after a VS_VERSION_INFO key (UTF-16LE strings: key, then value).
vs_value() { strings -el "$1" | grep -A1 -x "$2" | sed -n 2p; }
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ -s "$EXE" ]; then
  section "Windows exe and installers"
  check "exe: PE32+ executable (GUI) x86-64" bash -c "file -b '$EXE' | grep -q '^PE32+ executable (GUI) x86-64'"
  check "exe ProductVersion = $VERSION_NUM" test "$(vs_value "$EXE" ProductVersion)" = "$VERSION_NUM"
  check "exe FileVersion = $VERSION_NUM" test "$(vs_value "$EXE" FileVersion)" = "$VERSION_NUM"
  check "exe ProductName = $PRODUCT_NAME" test "$(vs_value "$EXE" ProductName)" = "$PRODUCT_NAME"
  check "exe OriginalFilename = $APP_NAME.exe" test "$(vs_value "$EXE" OriginalFilename)" = "$APP_NAME.exe"
  check "exe manifest identity ai.outlookconnect.desktop, asInvoker" bash -c \
    "strings '$EXE' | grep -q 'name=\"ai.outlookconnect.desktop\"' && strings '$EXE' | grep -q 'asInvoker'"
  # Signed build (package.sh ran with WINDOWS_SIGN_PFX): the signatures must cover the files as
  # they are. The chain is not checked here (it depends on the CA store); the digest is.
  if grep -qx 'SIGNED=1' "$BIN_DIR/package.env"; then
    for f in "$EXE" "$INST_MACHINE" "$INST_USER"; do
      check "signed build: $(basename "$f") signature digest matches" signature_digest_ok "$f"
    done
  fi
  for inst in "$INST_MACHINE" "$INST_USER"; do
    [ -s "$inst" ] || continue
    n="$(basename "$inst")"
    check "$n: Nullsoft installer" bash -c "file -b '$inst' | grep -q 'Nullsoft Installer'"
    check "$n: ProductVersion = $VERSION_NUM" test "$(vs_value "$inst" ProductVersion)" = "$VERSION_NUM"
    d="$WORK/unpack-${n%.exe}"
    if "$SEVENZIP" x -y -o"$d" "$inst" >"$WORK/7z.log" 2>&1; then
      check "$n: contains exactly build/bin/$APP_NAME.exe" cmp -s "$d/$APP_NAME.exe" "$EXE"
      if grep -qx 'SIGNED=1' "$BIN_DIR/package.env"; then
        check "$n: uninstall.exe inside is signed" signature_digest_ok "$d/uninstall.exe"
      fi
      check "$n: contains uninstall.exe" test -s "$d/uninstall.exe"
      check "$n: contains the WebView2 bootstrapper" test -s "$d/\$PLUGINSDIR/webview2bootstrapper/MicrosoftEdgeWebview2Setup.exe"
    else
      cat "$WORK/7z.log" >&2; fail "$n: 7-Zip could not unpack it"
    fi
  done
  # Scope: the per-user installer must not ask for elevation, the per-machine one must.
  check "per-machine installer requests administrator" bash -c "strings '$INST_MACHINE' | grep -q 'requireAdministrator'"
  check "per-user installer runs as invoker" bash -c "strings '$INST_USER' | grep -q 'asInvoker' && ! strings '$INST_USER' | grep -q 'requireAdministrator'"

  section "Authenticode signing with a throwaway certificate"
  S="$WORK/sign"
  mkdir -p "$S"
  pass_file="$S/pass"
  ( umask 077; openssl rand -hex 16 >"$pass_file" )
  if openssl req -x509 -newkey rsa:3072 -sha256 -days 2 -nodes -subj "/CN=Outlook Connect package-test" \
       -addext "extendedKeyUsage=codeSigning" -addext "keyUsage=critical,digitalSignature" \
       -keyout "$S/key.pem" -out "$S/cert.pem" >/dev/null 2>&1 \
     && openssl pkcs12 -export -inkey "$S/key.pem" -in "$S/cert.pem" -out "$S/cert.pfx" \
       -passout "file:$pass_file" >/dev/null 2>&1; then
    set +x
    export WINDOWS_SIGN_PFX WINDOWS_SIGN_PASSWORD
    WINDOWS_SIGN_PFX="$(base64 -w0 "$S/cert.pfx")" # exercise the base64 form used by CI secrets
    WINDOWS_SIGN_PASSWORD="$(cat "$pass_file")"
    cp "$EXE" "$S/app.exe"
    check "sign-windows.sh signs the exe" bash "$ROOT/scripts/sign-windows.sh" "$S/app.exe"
    # -CAfile makes the self-signed chain verify, so this checks the digest AND the chain.
    check "osslsigncode verify (exe)" bash -c "osslsigncode verify -CAfile '$S/cert.pem' -in '$S/app.exe' | tee '$ART_DIR/osslsigncode-verify.txt' | grep -q 'Signature verification: ok'"
    check "signed exe still has its version resource" test "$(vs_value "$S/app.exe" ProductVersion)" = "$VERSION_NUM"
    # The path package.sh takes when signing: makensis around the signed exe, the uninstaller
    # signed through !uninstfinalize, then the installer itself.
    if [ -s "$ROOT/build/windows/installer/wails_tools.nsh" ]; then
      if ( cd "$ROOT/build/windows/installer" && makensis -V2 -INPUTCHARSET UTF8 \
             -DARG_WAILS_AMD64_BINARY="$S/app.exe" -DINFO_PRODUCTVERSION="$VERSION_NUM" \
             "-DOC_SIGN_COMMAND=bash \"$ROOT/scripts/sign-windows.sh\"" \
             -DWAILS_INSTALL_SCOPE=user -DREQUEST_EXECUTION_LEVEL=user \
             -DOC_OUTFILE="$S/setup.exe" project.nsi ) >"$S/nsis.log" 2>&1; then
        check "sign-windows.sh signs the installer" bash "$ROOT/scripts/sign-windows.sh" "$S/setup.exe"
        check "osslsigncode verify (installer)" bash -c "osslsigncode verify -CAfile '$S/cert.pem' -in '$S/setup.exe' | grep -q 'Signature verification: ok'"
        "$SEVENZIP" x -y -o"$S/x" "$S/setup.exe" >/dev/null 2>&1 || true
        check "exe INSIDE the signed installer is signed" bash -c "osslsigncode verify -CAfile '$S/cert.pem' -in '$S/x/$APP_NAME.exe' | grep -q 'Signature verification: ok'"
        check "uninstaller INSIDE the signed installer is signed" bash -c "osslsigncode verify -CAfile '$S/cert.pem' -in '$S/x/uninstall.exe' | grep -q 'Signature verification: ok'"
      else
        tail -20 "$S/nsis.log" >&2; fail "makensis with signing failed"
      fi
    else
      fail "build/windows/installer/wails_tools.nsh missing (run package.sh first)"
    fi
    unset WINDOWS_SIGN_PFX WINDOWS_SIGN_PASSWORD
    check "a wrong password is refused" bash -c "! WINDOWS_SIGN_PFX='$S/cert.pfx' WINDOWS_SIGN_PASSWORD=wrong bash '$ROOT/scripts/sign-windows.sh' '$S/app.exe'"
  else
    fail "could not create a throwaway certificate with openssl"
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
