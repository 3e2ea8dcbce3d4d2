#!/usr/bin/env bash
# Tests of scripts/gofmt-check.sh (`make lint`'s gofmt step) on small trees
# that are not git checkouts, as in a source tarball.
# shellcheck source=scripts/tests/lib.sh
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

tree() { # writes a formatted module into $TEST_TMP/src
  SRC="$TEST_TMP/src"
  mkdir -p "$SRC/app/sub" "$SRC/frontend/node_modules/pkg" "$SRC/.tools/src"
  printf 'package main\n\nfunc main() {}\n' >"$SRC/main.go"
  printf 'package sub\n\n// X is x.\nconst X = 1\n' >"$SRC/app/sub/x.go"
  printf 'package sub\n' >"$SRC/app/sub/x_windows.go"
}

gofmt_check() {
  RC=0
  OUT="$(bash "$ROOT/scripts/gofmt-check.sh" "$SRC" 2>&1)" || RC=$?
}

test_formatted_tree_passes() {
  tree
  gofmt_check
  assert_eq 0 "$RC" "exit status: $OUT"
  assert_contains "$OUT" "3 files formatted" "counts the files it checked"
}

test_unformatted_file_fails_outside_git() {
  tree
  [ ! -e "$SRC/.git" ] || fail "the tree must not be a git checkout"
  printf 'package sub\nfunc  Y( ) {\n}\n' >"$SRC/app/sub/y.go"
  gofmt_check
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "./app/sub/y.go" "names the file"
}

test_files_for_other_platforms_are_checked() {
  tree
  printf 'package sub\nvar  z = 1\n' >"$SRC/app/sub/x_windows.go"
  gofmt_check
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "./app/sub/x_windows.go" "names the file"
}

test_dependencies_and_tools_are_not_checked() {
  tree
  printf 'package pkg\nvar  z = 1\n' >"$SRC/frontend/node_modules/pkg/z.go"
  printf 'package src\nvar  z = 1\n' >"$SRC/.tools/src/z.go"
  gofmt_check
  assert_eq 0 "$RC" "exit status: $OUT"
}

test_no_go_files_is_an_error_not_a_pass() {
  mkdir -p "$TEST_TMP/empty"
  SRC="$TEST_TMP/empty"
  gofmt_check
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "no Go files found" "says why"
}

run_tests
