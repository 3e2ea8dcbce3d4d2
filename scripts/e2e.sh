#!/usr/bin/env bash
# e2e.sh ARTIFACT_DIR [PLAYWRIGHT ARGS…] — the Playwright end-to-end suite: builds the frontend
# and the dev binary (whose dev server lets a browser call the bound Go
# methods, wails.md §4b), then runs frontend/e2e under Xvfb. Expects to run
# inside .ci/keyring-session.sh (a real, unlocked Secret Service).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
artifacts="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
cd "$root"

(cd frontend && npm run build >/dev/null)
# Outside build/bin, which packaging empties, and outside the temporary
# folders: the app refuses to write a start-at-login entry (issue 14) for a
# program there, which would be gone after a restart.
mkdir -p "$root/.tools"
bindir="$(mktemp -d "$root/.tools/e2e-bin.XXXXXX")"
trap 'rm -rf "$bindir"' EXIT
go build -tags dev,webkit2_41 -gcflags "all=-N -l" -o "$bindir/outlook-connect-dev" .
# The background helper program next to it, as packages install it: the app starts (and writes
# the start-at-login entry for) this one. Same tag as the app, no cgo as in releases.
CGO_ENABLED=0 go build -tags dev -o "$bindir/outlook-connect-background" ./cmd/outlook-connect-background
# Helpers of the Setup test: fakes to configure the app against, and age.
go build -o "$bindir/demo-services" ./app/demo/cmd/demo-services
go build -o "$bindir/age-passphrase" ./app/demo/cmd/age-passphrase

export E2E_APP_BIN="$bindir/outlook-connect-dev" E2E_ARTIFACTS="$artifacts"
export E2E_DEMO_SERVICES="$bindir/demo-services" E2E_AGE_PASSPHRASE="$bindir/age-passphrase"
rm -rf "$artifacts/screens" "$artifacts/e2e-results"
cd frontend
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" npx playwright test -c e2e/playwright.config.ts "$@"
echo "e2e: screenshots in $artifacts/screens"
