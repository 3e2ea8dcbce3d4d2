package app

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/options"
)

// Desktop holds the lifecycle hooks Wails calls. They live on a separate,
// unbound type so they never become JS functions (wails.md §3).
type Desktop struct {
	app    *App
	cancel context.CancelFunc
}

// New builds the app. It has no side effects: the bindings generator runs
// main() up to wails.Run (wails.md §3), so all I/O waits for Startup.
func New(opts Options) *Desktop {
	return &Desktop{app: newApp(opts)}
}

// Bound is the struct whose methods the frontend calls.
func (d *Desktop) Bound() *App { return d.app }

// Startup runs when the window exists. Wiring (which may wait for a keychain
// unlock prompt) runs in the background; bound methods wait for it.
func (d *Desktop) Startup(ctx context.Context) {
	d.app.setRuntime(withTestOverrides(runtimeFactory(ctx), d.app.opts.LookupEnv, testOverridesAllowed))
	runCtx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.app.start(runCtx)
}

// Shutdown stops the services and closes the logs.
func (d *Desktop) Shutdown(context.Context) {
	if d.cancel != nil {
		d.cancel()
	}
	d.app.stop()
}

// SecondInstanceLaunched brings the existing window forward when the person
// starts the app again.
func (d *Desktop) SecondInstanceLaunched(options.SecondInstanceData) {
	d.app.runtime().ShowWindow()
}
