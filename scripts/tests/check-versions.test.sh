#!/usr/bin/env bash
# Tests of scripts/check-versions.sh with stand-in go, node and npm: which
# versions pass, and that a refusal says what is needed. The Node rule is
# also checked against the "engines" of every package in the lock file, so
# a dependency bump that needs a newer Node fails here, not in Vite.
# shellcheck source=scripts/tests/lib.sh
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
GO_WANT="$(sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$ROOT/go.mod")"

setup() {
  BIN="$(sandbox_path "$TEST_TMP" bash env dirname sed sort head)"
  stub "$BIN" go '[ "$1 $2" = "env GOVERSION" ] && echo "go$GO_VERSION"'
  stub "$BIN" node '[ "$1" = --version ] && echo "v$NODE_VERSION"'
  stub "$BIN" npm 'echo 10.0.0'
}

check() { # GO_VERSION NODE_VERSION
  RC=0
  OUT="$(env -i PATH="$BIN" GO_VERSION="$1" NODE_VERSION="$2" bash "$ROOT/scripts/check-versions.sh" 2>&1)" || RC=$?
}

test_current_versions_pass() {
  setup
  check "$GO_WANT" 20.19.0
  assert_eq 0 "$RC" "Go $GO_WANT, Node 20.19.0: $OUT"
  check 1.99.1 24.3.0
  assert_eq 0 "$RC" "newer Go, Node 24: $OUT"
}

test_debian_12_node_is_refused_with_a_clear_message() {
  setup
  check "$GO_WANT" 18.19.0
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "Node.js 18.19.0 cannot build the frontend" "names the version found"
  assert_contains "$OUT" "20.19+" "says what is needed"
  assert_contains "$OUT" "Debian 12's own nodejs package is 18" "explains the usual cause"
}

test_old_go_is_refused() {
  setup
  check 1.22.5 20.19.0
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "Go 1.22.5 is too old: this project needs Go $GO_WANT or newer" "names both versions"
}

test_missing_tools_are_named() {
  setup
  rm "$BIN/node" "$BIN/go"
  check "" ""
  assert_eq 1 "$RC" "exit status"
  assert_contains "$OUT" "Go is not installed" "Go"
  assert_contains "$OUT" "Node.js and npm are not installed" "Node"
}

# The accepted Node versions, version by version, against the script.
test_node_versions_table() {
  setup
  local v want
  while read -r v want; do
    check "$GO_WANT" "$v"
    assert_eq "$want" "$RC" "Node $v"
  done <<'EOF'
16.20.2 1
18.19.0 1
20.18.3 1
20.19.0 0
20.20.2 0
21.7.3 1
22.12.0 1
22.13.0 0
23.11.0 1
24.0.0 0
25.2.1 0
EOF
}

# The same versions against the lock file's engines: the script accepts a
# version exactly when every frontend package does.
test_node_rule_matches_the_lock_file() {
  command -v node >/dev/null || { fail "node is needed to read the lock file"; return; }
  local v want lock_says
  setup
  for v in 18.20.0 20.0.0 20.18.9 20.19.0 21.0.0 22.0.0 22.12.0 22.13.0 23.0.0 24.0.0 26.1.0; do
    check "$GO_WANT" "$v"
    want=$([ "$RC" = 0 ] && echo ok || echo refused)
    lock_says="$(node - "$ROOT/frontend/package-lock.json" "$v" <<'JS'
const [lockPath, version] = process.argv.slice(2);
const lock = require(lockPath);
const num = (s) => s.split('.').map((x) => parseInt(x, 10) || 0).concat([0, 0, 0]).slice(0, 3);
const cmp = (a, b) => { for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };
const have = num(version);
// The forms the lock uses: "^a.b.c", ">=a.b.c", ">= a", "a" (any a.x.y), "a || b".
function satisfies(range) {
  return range.split('||').some((part) => {
    const p = part.trim().replace(/\s+/g, '').replace(/^(\^|>=)?v/, '$1');
    let m;
    if ((m = /^\^(\d+(?:\.\d+){0,2})$/.exec(p))) { const w = num(m[1]); return have[0] === w[0] && cmp(have, w) >= 0; }
    if ((m = /^>=(\d+(?:\.\d+){0,2})$/.exec(p))) return cmp(have, num(m[1])) >= 0;
    if ((m = /^(\d+)(?:\.x)?$/.exec(p))) return have[0] === parseInt(m[1], 10);
    throw new Error('range form not understood: ' + range);
  });
}
const refusing = Object.entries(lock.packages)
  .filter(([name, p]) => name && p.engines && p.engines.node && !p.optional)
  .filter(([, p]) => !satisfies(p.engines.node))
  .map(([name, p]) => `${name} (${p.engines.node})`);
console.log(refusing.length ? 'refused ' + refusing.join(', ') : 'ok');
JS
)"
    assert_eq "$want" "${lock_says%% *}" "Node $v: script says $want, lock file says $lock_says"
  done
}

run_tests
