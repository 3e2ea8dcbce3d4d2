//go:build dev

package app

// testOverridesAllowed: dev builds (wails dev, the e2e binary) honour the
// end-to-end test overrides in testoverrides.go.
const testOverridesAllowed = true
