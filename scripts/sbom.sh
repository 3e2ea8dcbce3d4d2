#!/usr/bin/env bash
# Software bills of materials (CycloneDX 1.6 JSON) for a release, with pinned generators
# (`make sbom`; the release workflow attaches them):
#   outlook-connect-<ver>-sbom-go-<os>.cdx.json  the Go modules linked into each platform's binary
#                                                (build tags and GOOS as the release builds use),
#                                                with the Go standard library and detected licences
#   outlook-connect-<ver>-sbom-npm.cdx.json      the frontend's npm packages from its lock file
#                                                (all of them: the bundled runtime, e.g. Svelte, is
#                                                a devDependency; build-only ones are marked
#                                                cdx:npm:package:development)
#
#   bash scripts/sbom.sh [OUTDIR]     default build/sbom (emptied first)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

OUT="${1:-$ROOT/build/sbom}"
VERSION_FULL="$(bash "$ROOT/scripts/version.sh")"
need_go_tool cyclonedx-gomod "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@${CYCLONEDX_GOMOD_VERSION}"
rm -rf "$OUT"
mkdir -p "$OUT"

# The frontend is embedded, so frontend/dist must exist for the Go package graph to load.
mkdir -p frontend/dist
[ -n "$(ls -A frontend/dist)" ] || touch frontend/dist/.gitkeep

gomod_sbom() { # OS GOOS GOARCH CGO TAGS
  local out="$OUT/$APP_NAME-$VERSION_FULL-sbom-go-$1.cdx.json"
  GOOS="$2" GOARCH="$3" CGO_ENABLED="$4" GOFLAGS="-mod=readonly -tags=$5" \
    cyclonedx-gomod app -json -licenses -std -output-version 1.6 -output "$out" -main . "$ROOT" \
    || die "cyclonedx-gomod ($1) failed"
  ok "$(basename "$out") ($(jq '.components | length' "$out") components)"
}
need_apt jq jq
gomod_sbom linux linux amd64 1 desktop,production,webkit2_41
gomod_sbom windows windows amd64 0 desktop,production
gomod_sbom macos darwin arm64 1 desktop,production

# npm: the generator is pinned in tools/sbom's lock file.
(cd "$ROOT/tools/sbom" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null) || die "npm ci in tools/sbom failed"
npm_out="$OUT/$APP_NAME-$VERSION_FULL-sbom-npm.cdx.json"
"$ROOT/tools/sbom/node_modules/.bin/cyclonedx-npm" --package-lock-only --output-reproducible \
  --spec-version 1.6 --output-format JSON --output-file "$npm_out" "$ROOT/frontend/package.json" \
  || die "cyclonedx-npm failed"
ok "$(basename "$npm_out") ($(jq '.components | length' "$npm_out") components)"
