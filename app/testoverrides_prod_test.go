//go:build !dev

package app

import "testing"

// TestProductionBuildsIgnoreTestOverrides: every build without the dev tag
// (wails build, packages, go test) must ignore OUTLOOK_CONNECT_E2E_SAVE_PATH.
func TestProductionBuildsIgnoreTestOverrides(t *testing.T) {
	if testOverridesAllowed {
		t.Fatal("a build without the dev tag honours the end-to-end test overrides")
	}
}
