// Package app is the Wails-bound surface of Outlook Connect: thin methods
// over the use cases in app/connect and the setup operations in app/config,
// plus the wiring that builds them from the resolved configuration. It is the
// only package that talks to Wails (through the Runtime interface).
package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/store"
)

// Event names the frontend subscribes to.
const (
	EventStateChanged  = "state:changed"
	EventSignInWaiting = "signin:waiting"
	EventConfigChanged = "config:changed"
	// EventMeetingsChanged carries a meetings.View.
	EventMeetingsChanged = "meetings:changed"
	// EventBackgroundChanged carries a BackgroundView.
	EventBackgroundChanged = "background:changed"
)

// Options configures the app; the zero value of each field is the
// production default.
type Options struct {
	Version string
	// Profile is the admin profile baked into the build (may be empty).
	Profile []byte
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)

	// host is the computer outside the config folder: the start-at-login
	// entry and the background helper's process (issue 14). Nil means the
	// real one (systemHost); tests in this package pass a fake, so no test
	// writes to the real home folder or starts a stray process.
	host host
}

// AppInfo is what the header, demo banner and About screen show.
type AppInfo struct {
	Version    string `json:"version"`
	Demo       bool   `json:"demo"`
	DemoReason string `json:"demoReason"`
	Configured bool   `json:"configured"`
	ConfigDir  string `json:"configDir"`
	LogsDir    string `json:"logsDir"`
	Platform   string `json:"platform"`
	// SetupProblem explains a configuration that cannot be used (for
	// example an invalid environment variable).
	SetupProblem *problem.Problem `json:"setupProblem,omitempty"`
}

// ExportResult says where a setup file was saved.
type ExportResult struct {
	Path      string `json:"path"`
	Cancelled bool   `json:"cancelled"`
}

// App is bound to the frontend: every exported method becomes a JS function
// (wails.md §3), so only UI operations are exported here.
type App struct {
	opts    Options
	role    role // the window, or the background helper (RunBackground)
	ready   chan struct{}
	lifeCtx context.Context // set by start; ends at shutdown

	// sched is the window's claim on the meeting scheduler (nil for the
	// background helper, and without a config folder).
	sched *windowScheduler
	// login is what the window last found or did about the start-at-login
	// entry; seen counts what the helper did that this window has shown.
	login loginState
	seen  seenRuns
	// bgWG tracks the goroutines that change the start-at-login entry, so
	// shutdown waits for them.
	bgWG sync.WaitGroup

	rtMu sync.RWMutex
	rt   Runtime

	mu           sync.Mutex // guards base, world and setupProblem
	base         *base
	world        *world
	setupProblem *problem.Problem
	// reloadMu is held for writing by a rewiring (one at a time) and for
	// reading by current(), so a bound method never sees the moment
	// between the old world closing and the new one being ready.
	reloadMu sync.RWMutex
}

// wiring is a consistent snapshot of what the bound methods work with.
type wiring struct {
	base         *base
	world        *world
	setupProblem *problem.Problem
}

func newApp(opts Options) *App {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.host == nil {
		opts.host = newSystemHost(opts.LookupEnv, testOverridesAllowed)
	}
	return &App{opts: opts, ready: make(chan struct{}), rt: nopRuntime{}}
}

// role says which process this is: the window (Wails) or the background
// helper (--background, RunBackground).
type role int

const (
	roleWindow role = iota
	roleBackground
)

func (a *App) runtime() Runtime {
	a.rtMu.RLock()
	defer a.rtMu.RUnlock()
	return a.rt
}

func (a *App) setRuntime(rt Runtime) {
	a.rtMu.Lock()
	a.rt = rt
	a.rtMu.Unlock()
}

// current waits until start-up, and any rewiring in progress, has
// finished and returns the wiring.
func (a *App) current() wiring {
	<-a.ready
	a.reloadMu.RLock()
	defer a.reloadMu.RUnlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	return wiring{base: a.base, world: a.world, setupProblem: a.setupProblem}
}

// opContext bounds a UI-triggered operation. Keychain prompts can take a
// while, so the bound is generous; sign-in waits run on the service's own
// context, not this one.
func opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// withService runs fn on the connect service, or returns the setup problem
// when the configuration cannot be used.
func (a *App) withService(fn func(ctx context.Context, s *connect.Service) connect.State) (connect.State, error) {
	w := a.current().world
	if w == nil || w.connect == nil {
		// The configuration cannot be used; AppInfo.SetupProblem says why
		// and the UI shows it instead of the Connect screen.
		return connect.State{Phase: connect.PhaseIdle}, nil
	}
	ctx, cancel := opContext()
	defer cancel()
	return fn(ctx, w.connect), nil
}

// GetState returns what the UI renders from.
func (a *App) GetState() (connect.State, error) {
	return a.withService(func(_ context.Context, s *connect.Service) connect.State { return s.State() })
}

// Connect starts the sign-in in the system browser.
func (a *App) Connect() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.Connect(ctx) })
}

// CancelSignIn stops waiting for the browser sign-in.
func (a *App) CancelSignIn() (connect.State, error) {
	return a.withService(func(_ context.Context, s *connect.Service) connect.State { return s.CancelSignIn() })
}

// OpenSignInAgain opens the sign-in page in the browser again.
func (a *App) OpenSignInAgain() (connect.State, error) {
	return a.withService(func(_ context.Context, s *connect.Service) connect.State { return s.OpenSignInAgain() })
}

// FinishConnecting retries registration with Recall without a new sign-in.
func (a *App) FinishConnecting() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.FinishConnecting(ctx) })
}

// Reconnect signs in again and updates the same Recall calendar.
func (a *App) Reconnect() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.Reconnect(ctx) })
}

// Disconnect deletes the calendar in Recall and forgets the sign-in.
func (a *App) Disconnect() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.Disconnect(ctx) })
}

// RemoveFromThisComputer forgets the connection locally only.
func (a *App) RemoveFromThisComputer() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.RemoveFromThisComputer(ctx) })
}

// RefreshStatus reads the calendar's status from Recall now.
func (a *App) RefreshStatus() (connect.State, error) {
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.RefreshStatus(ctx) })
}

// WindowFocused refreshes the status and the meetings when the window
// regains focus, each within its rate budget. The meetings answer through
// "meetings:changed".
func (a *App) WindowFocused() (connect.State, error) {
	if w := a.meetingsWorld(); w != nil {
		ctx, cancel := opContext()
		w.meetings.WindowFocused(ctx)
		cancel()
		// The helper may have started or stopped meanwhile.
		a.emitBackground(w)
	}
	return a.withService(func(ctx context.Context, s *connect.Service) connect.State { return s.WindowFocused(ctx) })
}

// DismissProblem hides the current error card.
func (a *App) DismissProblem() (connect.State, error) {
	return a.withService(func(_ context.Context, s *connect.Service) connect.State { return s.DismissProblem() })
}

// RetryStartup re-reads the configuration and the keychain, for example
// after the person unlocked their keychain or IT fixed the environment.
func (a *App) RetryStartup() (AppInfo, error) {
	<-a.ready
	a.reload()
	return a.info(a.current()), nil
}

// GetAppInfo returns the version, mode and folders.
func (a *App) GetAppInfo() (AppInfo, error) {
	return a.info(a.current()), nil
}

func (a *App) info(c wiring) AppInfo {
	info := AppInfo{Version: a.opts.Version, Platform: runtime.GOOS + "/" + runtime.GOARCH, SetupProblem: c.setupProblem}
	if c.base != nil && c.base.configDir != "" {
		info.ConfigDir = c.base.configDir
		info.LogsDir = filepath.Join(c.base.configDir, "logs")
	}
	if w := c.world; w != nil {
		info.Demo = w.resolved.Demo
		info.DemoReason = w.resolved.DemoReason
		info.Configured = !w.resolved.Demo
	}
	return info
}

// OpenLogsFolder shows the logs folder in the file manager.
func (a *App) OpenLogsFolder() error {
	info := a.info(a.current())
	if info.LogsDir == "" {
		return errors.New("the logs folder is not known: check OUTLOOK_CONNECT_CONFIG_DIR")
	}
	dir := info.LogsDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return errors.New("the logs folder could not be created")
	}
	return openFolder(dir)
}

// CopyText puts text on the clipboard.
func (a *App) CopyText(text string) error {
	return a.runtime().ClipboardSetText(text)
}

// GetSetup returns the setup screen's values and where each came from.
func (a *App) GetSetup() (config.SetupView, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	return b.config.View(ctx)
}

// ValidateSetup checks the setup screen's values without saving them.
func (a *App) ValidateSetup(in config.SetupInput) (config.ValidationResult, error) {
	b := a.current().base
	return b.config.Validate(in), nil
}

// SaveSetup validates and saves the settings, then rewires the app.
func (a *App) SaveSetup(in config.SetupInput) (config.SaveResult, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	res, err := b.config.Save(ctx, in)
	if err != nil || !res.Validation.OK {
		return res, err
	}
	a.reload()
	return res, nil
}

// ResetSetup forgets saved settings and secrets (back to demo mode unless
// the environment or a baked profile configures the app).
func (a *App) ResetSetup() (config.SetupView, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	if err := b.config.Reset(ctx); err != nil {
		return config.SetupView{}, err
	}
	a.reload()
	return b.config.View(ctx)
}

// TestRecall checks the Recall key against the chosen region.
func (a *App) TestRecall(in config.SetupInput) (config.TestResult, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	return b.config.TestRecall(ctx, in), nil
}

// TestMicrosoft checks the Microsoft settings as far as possible without a
// sign-in.
func (a *App) TestMicrosoft(in config.SetupInput) (config.TestResult, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	return b.config.TestMicrosoft(ctx, in), nil
}

// ImportSetupFile imports a setup file an admin handed out.
func (a *App) ImportSetupFile(contents string, passphrase string) (config.ImportResult, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	res, err := b.config.Import(ctx, []byte(contents), passphrase)
	if err != nil || !res.OK {
		return res, err
	}
	a.reload()
	return res, nil
}

// ExportSetupFile writes the current settings to a setup file the person
// chooses.
func (a *App) ExportSetupFile(opts config.ExportOptions) (ExportResult, error) {
	b := a.current().base
	ctx, cancel := opContext()
	defer cancel()
	data, name, err := b.config.Export(ctx, opts)
	if err != nil {
		return ExportResult{}, err
	}
	path, err := a.runtime().SaveFileDialog("Save setup file", name)
	if err != nil {
		return ExportResult{}, errors.New("the save dialog could not be opened")
	}
	if path == "" {
		return ExportResult{Cancelled: true}, nil
	}
	if err := store.WriteFileAtomic(path, data); err != nil {
		return ExportResult{}, err
	}
	return ExportResult{Path: path}, nil
}

// GetDiagnostics returns a redacted report for support.
func (a *App) GetDiagnostics() (string, error) {
	ctx, cancel := opContext()
	defer cancel()
	return a.diagnostics(ctx, a.current()), nil
}
