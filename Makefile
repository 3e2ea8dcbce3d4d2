# Outlook Connect — the two commands a newcomer needs are `make run` and
# `make test`; every other target is a step of those two.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT    := $(abspath .)
TOOLS   := $(ROOT)/.tools/bin
ARTIFACTS := $(ROOT)/test-artifacts
export PATH := $(TOOLS):$(shell go env GOROOT 2>/dev/null)/bin:$(PATH)
export GOFLAGS ?= -buildvcs=false

# Pinned tools: `@latest` of the Wails CLI resolves to a v2.9.2 that does not
# build with Go 1.26 (wails.md §0), so every version is explicit.
WAILS_VERSION       := v2.16.0
STATICCHECK_VERSION := v0.8.2
WAILS       := $(TOOLS)/wails
STATICCHECK := $(TOOLS)/staticcheck

# From an exact v* tag, else build/VERSION plus -dev.N.g<sha> (scripts/version.sh).
VERSION ?= $(shell bash scripts/version.sh)
LDFLAGS := -X main.version=$(VERSION)

# Debian packages: to build, to run the tests (Xvfb, keychain, browser,
# packaging tools).
BUILD_PACKAGES := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev xdg-utils
TEST_PACKAGES  := xvfb xauth x11-utils imagemagick dbus gnome-keyring libsecret-tools \
                  chromium nsis desktop-file-utils rpm file fonts-dejavu-core \
                  osslsigncode 7zip shellcheck librsvg2-bin \
                  softhsm2 opensc libengine-pkcs11-openssl appstream

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The installer of missing Debian packages, also used by scripts/run-app.sh;
# its tests name a recording stub instead.
export APT_ENSURE ?= $(ROOT)/scripts/apt-ensure.sh

.PHONY: help
help: ## List the targets
	@echo "Outlook Connect — set-up commands:"
	@echo "  make run    install what is missing, build, start the app (demo mode when nothing is configured)"
	@echo "  make test   everything CI checks (CI then also runs make first-run-check)"
	@echo
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort | awk -F'\t' '{printf "  %-18s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- deps ----

.PHONY: deps deps-build deps-test deps-tools deps-frontend version-check
deps: version-check deps-build deps-tools deps-frontend ## Install everything needed to build

# First, before anything is installed: Go or Node too old is said plainly
# here rather than deep inside a build.
version-check: ## Check that Go and Node.js are new enough
	@bash scripts/check-versions.sh

deps-build: version-check ## Install the Debian packages needed to build
	@$(APT_ENSURE) $(BUILD_PACKAGES)

deps-test: deps-build ## Install the Debian packages the tests use
	@$(APT_ENSURE) $(TEST_PACKAGES)

deps-tools: version-check $(WAILS) $(STATICCHECK) ## Install the pinned Go tools into .tools/bin

$(WAILS): Makefile
	@echo "==> installing the Wails CLI $(WAILS_VERSION)"
	GOBIN=$(TOOLS) go install github.com/wailsapp/wails/v2/cmd/wails@$(WAILS_VERSION)
	@touch $@

$(STATICCHECK): Makefile
	@echo "==> installing staticcheck $(STATICCHECK_VERSION)"
	GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@

deps-frontend: version-check frontend/node_modules/.package-lock.json ## Install the npm packages from the lock file

frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	@echo "==> npm ci"
	cd frontend && npm ci --no-audit --no-fund --engine-strict
	@touch $@

# --------------------------------------------------------------- build ----

BIN := build/bin/outlook-connect
# The background helper program (cmd/outlook-connect-background), next to
# BIN where the app looks for it (after wails build, whose -clean empties
# build/bin).
HELPER_BIN := build/bin/outlook-connect-background

.PHONY: build
build: deps ## Production build into build/bin/ (the window and the background helper)
	$(WAILS) build -clean -skipbindings -ldflags "$(LDFLAGS)" -o outlook-connect
	@test -x $(BIN) || { echo "wails build produced no $(BIN)" >&2; exit 1; }
	VERSION=$(VERSION) bash scripts/build-helper.sh $(HELPER_BIN)

.PHONY: run
run: build ## Build and start the app
	@$(ROOT)/scripts/run-app.sh $(BIN)

.PHONY: dev
dev: deps ## Live-reloading development build (wails dev)
	$(WAILS) dev -nosyncgomod

.PHONY: bindings
bindings: deps-tools deps-frontend ## Regenerate frontend/wailsjs from the bound Go methods
	$(WAILS) generate module
	@# Wails writes these files with modes that depend on the command and on
	@# whether they existed; use the ones `wails dev` leaves, so neither
	@# command shows a mode-only change in git status.
	@chmod 755 frontend/wailsjs/go/*.ts frontend/wailsjs/go/*/*
	@chmod 644 frontend/wailsjs/runtime/*

# ---------------------------------------------------------------- test ----

.PHONY: test
test: deps deps-test lint scripts-test bindings-check go-test sim fuzz frontend-check frontend-test build smoke e2e package package-test release-tools-test workflows-check ## Everything CI checks
	@echo "make test: all checks passed"

.PHONY: lint
lint: deps-tools ## gofmt, go vet, staticcheck, shellcheck
	@bash scripts/gofmt-check.sh
	go vet ./...
	$(STATICCHECK) ./...
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing: run 'make deps-test'"; exit 1; }
	shellcheck -S warning scripts/*.sh scripts/tests/*.sh .ci/run .ci/keyring-session.sh

.PHONY: scripts-test
scripts-test: ## Tests of the shell scripts (make run's installs, version checks, gofmt check)
	bash scripts/tests/run.sh

.PHONY: bindings-check
# File modes are ignored: the generator writes 0755 or keeps what is there.
bindings-check: bindings ## Fail when the committed frontend/wailsjs is out of date
	@if ! git -c core.fileMode=false diff --quiet -- frontend/wailsjs || [ -n "$$(git ls-files --others --exclude-standard frontend/wailsjs)" ]; then \
	  echo "frontend/wailsjs is out of date: run 'make bindings' and commit the result"; \
	  git -c core.fileMode=false --no-pager diff --stat -- frontend/wailsjs; exit 1; fi

.PHONY: go-test
go-test: ## Go tests with the race detector, against a real Secret Service
	bash .ci/keyring-session.sh env OUTLOOK_CONNECT_KEYRING_IT=1 go test -race -count=1 ./...

# An execution count, not a duration: Go 1.26's fuzz coordinator can fail a
# duration-bounded run with a spurious "context deadline exceeded" at the
# deadline on a loaded machine (golang/go#75804, fixed in Go 1.27), while a
# count has no deadline to race. 100000 runs take about 5-10 s here.
FUZZTIME ?= 100000x
.PHONY: fuzz
fuzz: ## Run each fuzz target briefly
	go test -run='^$$' -fuzz='^FuzzCallback$$' -fuzztime=$(FUZZTIME) ./app/msauth/
	go test -run='^$$' -fuzz='^FuzzDecodeCalendar$$' -fuzztime=$(FUZZTIME) ./app/recall/

.PHONY: sim
sim: ## Organisation-scale simulation: 1,000 installs on one Recall key (short span), with issue 14's assertions
	go test -count=1 -run='^TestFleet$$' -v ./app/demo/sim/

.PHONY: bench
bench: ## Benchmarks: sign-in overhead, event listing, meetings sync + plan, demo start, keychain and file writes; the fleet simulation at 100, 1,000 and 5,000 installs
	go test -run='^$$' -bench=. -benchmem ./app/msauth/ ./app/recall/ ./app/meetings/ ./app/demo/ ./app/vault/ ./app/store/
	go test -count=1 -timeout=60m -run='^TestFleet$$' -v ./app/demo/sim/ -args -sim.full
	$(MAKE) bench-background

.PHONY: bench-background
bench-background: build ## Resident memory and idle CPU of the background helper (no display) next to the window's (Xvfb)
	bash .ci/keyring-session.sh bash scripts/measure-background.sh $(BIN) 60

.PHONY: frontend-check frontend-test
frontend-check: deps-frontend ## svelte-check (types and a11y)
	cd frontend && npm run check

frontend-test: deps-frontend ## Vitest component tests
	cd frontend && npm test

.PHONY: smoke
smoke: build ## Start the built binary under Xvfb, screenshot it, stop it with SIGTERM
	bash .ci/keyring-session.sh bash scripts/smoke-test.sh $(BIN) $(ARTIFACTS)

.PHONY: e2e
e2e: deps-frontend ## Playwright end-to-end tests against the dev binary in demo mode
	bash .ci/keyring-session.sh bash scripts/e2e.sh $(ARTIFACTS)

.PHONY: package
package: deps ## Linux .deb/.rpm, Windows installers, SHA256SUMS into build/dist/
	WAILS=$(WAILS) VERSION=$(VERSION) PROFILE=$(PROFILE) bash scripts/package.sh

.PHONY: package-test
package-test: ## Check every package artifact (contents, install/remove, signing)
	WAILS=$(WAILS) bash scripts/package-test.sh

.PHONY: first-run-check
first-run-check: ## make run in a fresh clone, no display: window titled by the frontend, clean exit (.ci/run)
	bash scripts/first-run-check.sh $(ARTIFACTS)

.PHONY: release-tools-test
release-tools-test: ## Tests of tools/release (winget, cask, workflow rules, test TSA)
	cd tools/release && go vet ./... && go test -race -count=1 ./...

.PHONY: sbom
sbom: deps-frontend ## CycloneDX SBOMs (Go modules per platform, npm packages) into build/sbom/
	bash scripts/sbom.sh

.PHONY: workflows-check
workflows-check: ## actionlint and the release rules over .github/workflows
	bash scripts/lint-workflows.sh

.PHONY: clean
clean: ## Remove build output and test artifacts
	rm -rf build/bin build/dist build/stage build/sbom $(ARTIFACTS)
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete
