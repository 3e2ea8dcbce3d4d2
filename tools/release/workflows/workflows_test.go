package workflows

import (
	"strings"
	"testing"
)

// A release workflow that keeps every rule; each case below breaks one.
const good = `
name: Release
on:
  push:
    tags: ["v*"]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000
        with:
          persist-credentials: false
      - uses: actions/setup-go@0000000000000000000000000000000000000000
        with:
          go-version-file: go.mod
          cache: false
      - uses: actions/setup-node@0000000000000000000000000000000000000000
        with:
          node-version: "22"
      - run: make package
  sign:
    needs: build
    runs-on: ubuntu-24.04
    environment: release-signing
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000
        with:
          persist-credentials: false
      - name: sign
        env:
          PIN: ${{ secrets.WINDOWS_SIGN_PKCS11_PIN }}
        run: bash scripts/windows-installers.sh all stage dist
  publish:
    needs: sign
    runs-on: ubuntu-24.04
    permissions:
      contents: write
    steps:
      - run: gh release upload "$TAG" dist/*
        env:
          GH_TOKEN: ${{ github.token }}
`

func check(t *testing.T, name, src string) []Finding {
	t.Helper()
	fs, err := CheckFile(name, []byte(src), Default)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestGoodWorkflowPasses(t *testing.T) {
	if fs := check(t, "release.yml", good); len(fs) != 0 {
		t.Fatalf("findings on a good workflow: %v", fs)
	}
}

func TestEachRuleCanFail(t *testing.T) {
	for _, tc := range []struct {
		rule, file, old, new string
	}{
		{"secrets-only-in-signing-job", "release.yml", "run: make package",
			"run: make package\n        env:\n          X: ${{ secrets.WINDOWS_SIGN_PKCS11_PIN }}"},
		{"secrets-only-in-signing-job", "release.yml", "    environment: release-signing\n", ""},
		{"secrets-only-in-signing-job", "release.yml", "permissions:\n  contents: read\n",
			"permissions:\n  contents: read\nenv:\n  APPLE_ID: ${{ secrets.APPLE_ID }}\n"},
		{"secrets-only-in-signing-job", "release.yml", "    environment: release-signing\n",
			"    environment: release-signing\n    env:\n      PIN: ${{ secrets['WINDOWS_SIGN_PKCS11_PIN'] }}\n"},
		{"secrets-only-in-signing-job", "ci.yml", "    runs-on: ubuntu-24.04\n    permissions:",
			"    runs-on: ubuntu-24.04\n    secrets: inherit\n    permissions:"},
		{"no-build-tools-in-signing-job", "release.yml", "run: bash scripts/windows-installers.sh all stage dist",
			"run: |\n          npm ci\n          bash scripts/windows-installers.sh all stage dist"},
		{"no-build-tools-in-signing-job", "release.yml", "run: bash scripts/windows-installers.sh all stage dist",
			"run: go install example.org/tool@v1"},
		{"no-build-tools-in-signing-job", "release.yml", "      - name: sign\n",
			"      - uses: actions/setup-node@0000000000000000000000000000000000000000\n      - name: sign\n"},
		{"no-cache-in-release", "release.yml", "          cache: false\n", ""},
		{"no-cache-in-release", "release.yml", `          node-version: "22"`, "          node-version: \"22\"\n          cache: npm"},
		{"no-cache-in-release", "release.yml", "      - run: make package",
			"      - uses: actions/cache@0000000000000000000000000000000000000000\n      - run: make package"},
		{"no-cache-in-release", "release.yml", "      - name: sign\n",
			"      - uses: azure/trusted-signing-action@0000000000000000000000000000000000000000\n      - name: sign\n"},
		{"checkout-without-credentials", "ci.yml", "        with:\n          persist-credentials: false\n      - name: sign", "      - name: sign"},
		{"pinned-runner", "ci.yml", "    needs: sign\n    runs-on: ubuntu-24.04", "    needs: sign\n    runs-on: macos-latest"},
		{"supported-node", "ci.yml", `node-version: "22"`, `node-version: "20"`},
		{"explicit-permissions", "ci.yml", "permissions:\n  contents: read\njobs:", "permissions:\n  contents: write\njobs:"},
		{"no-pull-request-target", "ci.yml", "  push:\n", "  pull_request_target:\n  push:\n"},
	} {
		src := strings.Replace(good, tc.old, tc.new, 1)
		if src == good {
			t.Fatalf("%s: the edit did not apply", tc.rule)
		}
		fs := check(t, tc.file, src)
		found := false
		for _, f := range fs {
			found = found || f.Rule == tc.rule
		}
		if !found {
			t.Errorf("%s: not reported after %q -> %q; got %v", tc.rule, tc.old, tc.new, fs)
		}
	}
}

// The cache rules bind the release workflow only: CI may cache.
func TestCachesAllowedOutsideRelease(t *testing.T) {
	src := strings.Replace(good, "          cache: false\n", "", 1)
	if fs := check(t, "ci.yml", src); len(fs) != 0 {
		t.Fatalf("ci.yml with caches: %v", fs)
	}
}

// The repository's own workflows keep every rule.
func TestRepositoryWorkflows(t *testing.T) {
	fs, err := Check("../../../.github/workflows", Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}
