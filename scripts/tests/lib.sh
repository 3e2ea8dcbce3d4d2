# shellcheck shell=bash
# Assertions for the script tests (scripts/tests/*.test.sh). Source it; each
# test file defines test_* functions and ends with `run_tests`.
set -euo pipefail

TESTS_FAILED=0
TEST_TMP=""

fail() {
  printf '    FAIL: %s\n' "$*" >&2
  TEST_FAILED=1
}

assert_eq() { # WANT GOT WHAT
  [ "$1" = "$2" ] || fail "$3: want [$1], got [$2]"
}

assert_contains() { # HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || fail "$3: [$2] not in:"$'\n'"$1"
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
  [[ "$1" != *"$2"* ]] || fail "$3: [$2] should not be in:"$'\n'"$1"
}

assert_file_missing() { # PATH WHAT
  [ ! -e "$1" ] || fail "$2: $1 exists:"$'\n'"$(cat "$1")"
}

# sandbox_path DIR CMD... — DIR/bin holding links to just these commands
# (found on the current PATH), for a PATH that hides everything else.
sandbox_path() {
  local dir="$1" c p
  shift
  mkdir -p "$dir/bin"
  for c in "$@"; do
    p="$(command -v "$c")" || { echo "sandbox_path: $c is not installed" >&2; return 1; }
    ln -sf "$p" "$dir/bin/$c"
  done
  echo "$dir/bin"
}

# stub DIR NAME BODY — an executable bash script DIR/NAME running BODY.
stub() {
  printf '#!/bin/bash\nset -u\n%s\n' "$3" >"$1/$2"
  chmod +x "$1/$2"
}

# run_tests — runs every test_* function defined by the caller, each in a
# subshell with a fresh $TEST_TMP, and exits non-zero if any failed.
run_tests() {
  local t rc log
  for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
    TEST_TMP="$(mktemp -d)"
    log="$(mktemp)"
    # Not inside `if` or `||`: there bash ignores set -e, also in subshells,
    # and an unexpected failure in a test would go unnoticed.
    set +e
    (
      set -eE
      trap 'echo "    unexpected failure (exit $?) at line $LINENO: ${BASH_COMMAND%%$'"'"'\n'"'"'*}" >&2' ERR
      TEST_FAILED=0
      "$t"
      exit "$TEST_FAILED"
    ) >"$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
      printf '  ok   %s\n' "$t"
    else
      printf '  FAIL %s\n' "$t"
      sed 's/^/  /' "$log"
      TESTS_FAILED=$((TESTS_FAILED + 1))
    fi
    rm -rf "$TEST_TMP" "$log"
  done
  [ "$TESTS_FAILED" -eq 0 ]
}
