//go:build !dev

package app

// testOverridesAllowed: every other build, production included, ignores
// the end-to-end test overrides in testoverrides.go.
const testOverridesAllowed = false
