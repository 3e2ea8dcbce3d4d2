package app

import "context"

// Runtime is the slice of the Wails runtime the app uses. Only
// wailsRuntime (wails_runtime.go) touches Wails; tests use a fake, so no
// Go test ever calls runtime.* with a non-Wails context (which exits the
// test binary, wails.md §4a).
type Runtime interface {
	Emit(event string, data any)
	ClipboardSetText(text string) error
	// SaveFileDialog asks where to save a file; "" means the person cancelled.
	SaveFileDialog(title, defaultName string) (string, error)
	// ShowWindow brings the window to the front (second instance launched).
	ShowWindow()
}

// nopRuntime is used before Wails calls Startup and in headless tests.
type nopRuntime struct{}

func (nopRuntime) Emit(string, any)                              {}
func (nopRuntime) ClipboardSetText(string) error                 { return nil }
func (nopRuntime) SaveFileDialog(string, string) (string, error) { return "", nil }
func (nopRuntime) ShowWindow()                                   {}

var _ Runtime = nopRuntime{}

// runtimeFactory builds the Wails-backed Runtime from the startup context;
// a variable so tests of Desktop can swap it.
var runtimeFactory = func(ctx context.Context) Runtime { return wailsRuntime{ctx: ctx} }
