#!/bin/sh
# makensis !uninstfinalize hook (build/windows/installer/project.nsi, OC_UNINSTALLER_SIGNED):
# replaces the uninstaller makensis just generated ($1) with the signed copy ($2) of that same
# uninstaller, after checking that what makensis generated now is byte-for-byte what was signed
# (its SHA-256 before signing: $3). makensis embeds whatever the file holds after this hook.
set -eu
[ $# -eq 3 ] || { echo "usage: nsis-swap-uninstaller.sh GENERATED SIGNED SHA256" >&2; exit 2; }
got="$(sha256sum "$1" | cut -d' ' -f1)"
if [ "$got" != "$3" ]; then
  echo "nsis-swap-uninstaller: makensis generated an uninstaller ($got) other than the one that was signed ($3); stage and sign again" >&2
  exit 1
fi
cp "$2" "$1"
