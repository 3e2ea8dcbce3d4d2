package app

// Test-only override of the native save dialog, for the end-to-end tests.
//
// The Setup screen's "Export setup file…" asks where to save through a
// native dialog (Runtime.SaveFileDialog), which Playwright cannot drive:
// the e2e suite reaches the app through its dev server, not its window.
// When OUTLOOK_CONNECT_E2E_SAVE_PATH is set, SaveFileDialog answers that
// path without showing a dialog. It is honoured only
//   - in builds with the "dev" build tag (wails dev, and the binary
//     scripts/e2e.sh builds): a production build (wails build) has
//     testOverridesAllowed false and ignores the variable; and
//   - together with OUTLOOK_CONNECT_DEMO_CONTROL_FILE, the variable that
//     marks an end-to-end run.
//
// Documented in the README ("Tests") and frontend/e2e/setup.spec.ts.
const saveDialogOverrideEnv = "OUTLOOK_CONNECT_E2E_SAVE_PATH"

// savePathOverride answers every save dialog with one path.
type savePathOverride struct {
	Runtime
	path string
}

func (r savePathOverride) SaveFileDialog(string, string) (string, error) { return r.path, nil }

// withTestOverrides returns rt, or rt with its save dialog replaced when
// the build allows test overrides and the environment asks for one in an
// end-to-end run.
func withTestOverrides(rt Runtime, lookupEnv func(string) (string, bool), allowed bool) Runtime {
	if !allowed {
		return rt
	}
	if marker, ok := lookupEnv(demoControlFileEnv); !ok || marker == "" {
		return rt
	}
	if path, ok := lookupEnv(saveDialogOverrideEnv); ok && path != "" {
		return savePathOverride{Runtime: rt, path: path}
	}
	return rt
}
