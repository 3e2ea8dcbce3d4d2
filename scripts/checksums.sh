#!/usr/bin/env bash
# Writes or checks DIR/SHA256SUMS for a folder of release files (`make package`, the release
# workflow's publish job).
#
#   bash scripts/checksums.sh write DIR   SHA256SUMS := every file in DIR, sorted by name
#   bash scripts/checksums.sh check DIR   SHA256SUMS lists exactly the files in DIR, and each
#                                         digest matches
#
# Both refuse a folder that holds anything a release must not publish: subfolders, hidden
# files, or names with characters GitHub rewrites on upload (for example "~", which it turns
# into "." so that SHA256SUMS would name a file nobody can download). Release files are built
# into a folder that is emptied at the start of every run, so nothing stale can be listed.
set -euo pipefail

die() { printf 'checksums.sh: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: checksums.sh write|check DIR"
mode="$1" dir="$2"
[ -d "$dir" ] || die "$dir is not a folder"
cd "$dir"

# Release file names: letters, digits, dot, dash, underscore, plus; nothing GitHub renames.
names=()
while IFS= read -r -d '' f; do
  f="${f#./}"
  [ "$f" = SHA256SUMS ] && continue
  [ -d "$f" ] && die "$dir/$f is a folder: release folders hold files only"
  if [ ! -f "$f" ] || [ -L "$f" ]; then die "$dir/$f is not a regular file"; fi
  case "$f" in .*) die "$dir/$f is hidden: it would not be published" ;; esac
  [[ "$f" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "'$f' has characters GitHub rewrites on upload (only letters, digits and . _ + - are kept)"
  [ -s "$f" ] || die "$dir/$f is empty"
  names+=("$f")
done < <(find . -mindepth 1 -maxdepth 1 -print0 | LC_ALL=C sort -z)
[ ${#names[@]} -gt 0 ] || die "$dir holds no release files"

case "$mode" in
  write)
    sha256sum -- "${names[@]}" >SHA256SUMS.tmp
    mv SHA256SUMS.tmp SHA256SUMS
    ;;
  check)
    [ -s SHA256SUMS ] || die "$dir/SHA256SUMS is missing"
    listed="$(awk '{ sub(/^\*/, "", $2); print $2 }' SHA256SUMS | LC_ALL=C sort)"
    present="$(printf '%s\n' "${names[@]}")"
    if [ "$listed" != "$present" ]; then
      diff <(echo "$listed") <(echo "$present") | sed 's/^</  listed, not present:/; s/^>/  present, not listed:/' | grep '^  ' >&2 || true
      die "SHA256SUMS does not list exactly the files in $dir"
    fi
    sha256sum --strict --quiet -c SHA256SUMS || die "a file in $dir does not match SHA256SUMS"
    ;;
  *) die "unknown mode $mode (write or check)" ;;
esac
