#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint (pinned) and, through shellcheck, the shell in
# their run: steps; also shellchecks the packaging scripts. `make workflows-check` runs it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

need_go_tool actionlint "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
need_apt shellcheck shellcheck

log "actionlint $ACTIONLINT_VERSION over .github/workflows"
actionlint -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml
ok "workflows pass actionlint"

# Every third-party action must be pinned to a full commit SHA.
if grep -nE '^\s*-?\s*uses:\s*[^ ]+@' .github/workflows/*.yml | grep -vE '@[0-9a-f]{40}( |$)'; then
  die "the actions above are not pinned to a full commit SHA"
fi
ok "all actions are pinned to commit SHAs"

# Secrets only in the release-signing jobs (which run no package manager or build tool), no
# caches in the release workflow, checkouts without credentials, pinned runners and Node.
log "releasetool workflows (release rules of issue 16)"
"$(releasetool)" workflows .github/workflows

log "shellcheck over the packaging scripts"
shellcheck -x -P scripts scripts/lib.sh scripts/version.sh scripts/make-icon.sh scripts/package.sh \
  scripts/package-test.sh scripts/sign-windows.sh scripts/package-macos.sh scripts/lint-workflows.sh \
  scripts/package-linux.sh scripts/windows-installers.sh scripts/verify-windows-signature.sh \
  scripts/signing-test-kit.sh scripts/checksums.sh scripts/nsis-swap-uninstaller.sh \
  scripts/release-metadata.sh scripts/brew-check-cask.sh scripts/sbom.sh
ok "packaging scripts pass shellcheck"
