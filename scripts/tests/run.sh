#!/usr/bin/env bash
# run.sh [FILE...] — the tests of the shell scripts (`make scripts-test`):
# every scripts/tests/*.test.sh, or the ones named.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "$#" -gt 0 ] || set -- "$here"/*.test.sh
failed=()
for f in "$@"; do
  echo "$(basename "$f"):"
  bash "$f" || failed+=("$(basename "$f")")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "script tests failed: ${failed[*]}" >&2
  exit 1
fi
echo "script tests: all passed"
