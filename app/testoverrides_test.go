package app

import (
	"context"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/config"
)

// TestSaveDialogOverride: the e2e-only save path replaces the dialog only
// when the build allows it and the run is an end-to-end run; everything
// else still reaches the real runtime.
func TestSaveDialogOverride(t *testing.T) {
	const path = "/tmp/e2e/setup.json.age"
	both := map[string]string{demoControlFileEnv: "/tmp/e2e/control.json", saveDialogOverrideEnv: path}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		allowed bool
		want    string
	}{
		{"dev build, e2e run", both, true, path},
		{"production build", both, false, "dialog answer"},
		{"dev build, not an e2e run", map[string]string{saveDialogOverrideEnv: path}, true, "dialog answer"},
		{"dev build, e2e run, empty path", map[string]string{demoControlFileEnv: "/tmp/c.json", saveDialogOverrideEnv: ""}, true, "dialog answer"},
		{"dev build, e2e run, no path", map[string]string{demoControlFileEnv: "/tmp/c.json"}, true, "dialog answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &recordingRuntime{saveTo: "dialog answer"}
			got := withTestOverrides(rt, envFrom(tc.env), tc.allowed)
			if p, err := got.SaveFileDialog("Save setup file", "setup.json"); err != nil || p != tc.want {
				t.Errorf("SaveFileDialog = %q, %v; want %q", p, err, tc.want)
			}
			got.Emit("x", 1)
			got.ShowWindow()
			if rt.eventCount("x") != 1 || rt.shown != 1 {
				t.Error("the other runtime calls must reach the real runtime")
			}
		})
	}
}

// TestStartupAppliesTheOverrideOnlyInDevBuilds: through Startup, as the
// app runs. `go test` (like `wails build`) builds without the dev tag, so
// the override is off; with -tags dev (as scripts/e2e.sh builds) it is on.
func TestStartupAppliesTheOverrideOnlyInDevBuilds(t *testing.T) {
	rt := &recordingRuntime{saveTo: "dialog answer"}
	prev := runtimeFactory
	runtimeFactory = func(context.Context) Runtime { return rt }
	t.Cleanup(func() { runtimeFactory = prev })
	const path = "/tmp/e2e/setup.json.age"
	d := New(Options{LookupEnv: envFrom(map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: "Outlook Connect test unused",
		config.EnvClientID:       "not-a-guid", // no world needed
		demoControlFileEnv:       t.TempDir() + "/control.json",
		saveDialogOverrideEnv:    path,
	})})
	d.Startup(context.Background())
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	want := "dialog answer"
	if testOverridesAllowed {
		want = path
	}
	if p, _ := d.app.runtime().SaveFileDialog("t", "n"); p != want {
		t.Errorf("dev tag %v: the save dialog answered %q, want %q", testOverridesAllowed, p, want)
	}
}
