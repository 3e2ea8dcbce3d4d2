package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/outlookconnect/outlook-connect/app/browser"
	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/connect/recallcalendars"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/msauth"
	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/recall"
	"github.com/outlookconnect/outlook-connect/app/store"
	"github.com/outlookconnect/outlook-connect/app/vault"
)

// base is what lives for the whole process: folders, logs, keychain access
// and the configuration manager.
type base struct {
	configDir string
	browser   string // BROWSER, for opening the sign-in page
	logger    *slog.Logger
	guard     *logging.Guard
	logCloser io.Closer
	vault     *vault.Vault
	config    *config.Manager
	// budget is the process's one meetings budget: every world shares it,
	// so a 429 Recall sent is remembered across a rewiring.
	budget *meetings.Budget
	// startProblem is an environment or keychain problem found at start;
	// it outlives every reload.
	startProblem *problem.Problem
}

// world is what depends on the resolved configuration; it is rebuilt when
// the setup changes (for example when an admin imports a setup file).
type world struct {
	resolved config.Resolved
	demo     *demo.Services
	control  *demo.Control
	connect  *connect.Service
	meetings *meetings.Service
	prefs    meetings.PrefsStore // the person's choices, read for GetBackground
	follow   *follower           // keeps meetings in step with connect
	// closed is set first thing in close, so nothing the world does while
	// it winds down reaches the UI (a rewiring's new world speaks next).
	closed atomic.Bool
}

// schedulerMode says whether this window runs the meetings scheduler
// (Active) or only shows what another process schedules (Passive). It is
// the one place that decides: issue 14 asks the scheduler lock here, so
// that exactly one process per config folder calls Recall. Until then the
// window always schedules.
func (w *world) schedulerMode() meetings.Mode { return meetings.Active }

// close stops the world's services and waits for their goroutines: the
// connection first (no state reaches the follower after it), then the
// follower, then the meetings scheduler (its cache stays for next time).
func (w *world) close() {
	if w == nil {
		return
	}
	w.closed.Store(true)
	if w.connect != nil {
		w.connect.Close()
	}
	if w.follow != nil {
		w.follow.close()
	}
	if w.meetings != nil {
		w.meetings.Stop()
	}
	if w.control != nil {
		_ = w.control.Close()
	}
	if w.demo != nil {
		_ = w.demo.Close()
	}
}

// start wires everything; bound methods block on a.ready until it is done.
func (a *App) start(ctx context.Context) {
	defer close(a.ready)
	a.lifeCtx = ctx
	b := a.newBase()
	w, p := a.newWorld(ctx, b)
	a.mu.Lock()
	a.base, a.world, a.setupProblem = b, w, p
	a.mu.Unlock()
	b.logger.Info("app.started", "version", a.opts.Version, "demo", w != nil && w.resolved.Demo)
}

func (a *App) stop() {
	select {
	case <-a.ready:
	case <-time.After(5 * time.Second):
		return // start-up is stuck (keychain prompt); exit anyway
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.world.close()
	a.world = nil
	if a.base != nil {
		a.base.logger.Info("app.stopped")
		_ = a.base.logCloser.Close()
	}
}

// reload re-resolves the configuration after setup changed and rebuilds
// the world, then tells the UI.
func (a *App) reload() {
	// One reload at a time, or two could each build a world and one leak.
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.mu.Lock()
	b, old := a.base, a.world
	a.world = nil
	a.mu.Unlock()
	old.close()
	// The new world lives as long as the app, not as long as the request
	// that triggered the reload.
	w, p := a.newWorld(a.lifeCtx, b)
	a.mu.Lock()
	a.world, a.setupProblem = w, p
	a.mu.Unlock()
	rt := a.runtime()
	rt.Emit(EventConfigChanged, a.info(wiring{base: b, world: w, setupProblem: p}))
	if w != nil && w.connect != nil {
		rt.Emit(EventStateChanged, w.connect.State())
	}
	if w != nil && w.meetings != nil {
		// The admin's "keep scheduling" default may have changed.
		rt.Emit(EventBackgroundChanged, w.backgroundView())
	}
}

func (a *App) newBase() *base {
	b := &base{}
	basics, err := config.ResolveBasics(a.opts.LookupEnv, nil)
	if err != nil {
		// An unusable environment is shown on an error card; the app does
		// not quietly fall back to demo mode or write anywhere.
		b.startProblem = problem.From(err)
		basics = config.Basics{KeyringService: config.DefaultKeyringService, LogLevel: slog.LevelInfo}
	}
	b.configDir = basics.ConfigDir
	b.browser = basics.Browser

	var logger *slog.Logger
	var guard *logging.Guard
	var closer io.Closer
	if basics.LogsDir != "" {
		logger, guard, closer, err = logging.Setup(logging.Options{Dir: basics.LogsDir, Level: basics.LogLevel})
	}
	if logger == nil {
		// Logging must never stop the app; fall back to stderr, still guarded.
		guard = logging.NewGuard()
		logger = slog.New(guard.Handler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: basics.LogLevel})))
		closer = nopCloser{}
		if err != nil {
			logger.Warn("logging.file_unavailable", "err_type", fmt.Sprintf("%T", err))
		}
	}
	b.logger, b.guard, b.logCloser = logger, guard, closer

	v, err := vault.New(vault.Options{Service: basics.KeyringService})
	if err != nil && b.startProblem == nil {
		b.startProblem = problem.From(err)
	}
	b.vault = v

	b.config = config.New(config.Options{
		Env:       a.opts.LookupEnv,
		ConfigDir: b.configDir,
		Profile:   a.opts.Profile,
		Settings:  settingsFile{path: filepath.Join(b.configDir, "settings.json")},
		Secrets:   configSecrets{vault: v},
		Recall:    recallProber{version: a.opts.Version},
	})
	b.budget = meetings.NewBudget(config.DefaultExpectedInstalls)
	return b
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// newWorld resolves the configuration and builds the use cases. When the
// configuration cannot be used it returns no world and the problem to show.
func (a *App) newWorld(ctx context.Context, b *base) (*world, *problem.Problem) {
	if b.startProblem != nil {
		return nil, b.startProblem
	}
	resolved, err := b.config.Resolve(ctx)
	if err != nil {
		p := problem.From(err)
		b.logger.Warn("config.unusable", "code", p.Code)
		return nil, p
	}
	w := &world{resolved: resolved}

	clientID, clientSecret := resolved.ClientID, resolved.ClientSecret.Reveal()
	authority, recallURL, apiKey := resolved.Authority, resolved.RecallBaseURL, resolved.RecallAPIKey.Reveal()
	connectionFile, meetingsFile, prefsFile := "connection.json", "meetings.json", "preferences.json"
	secrets := b.vault
	if resolved.Demo {
		svc, err := demo.Start(demo.Options{RedirectHost: resolved.RedirectHost})
		if err != nil {
			return nil, problem.From(fmt.Errorf("demo services: %w", err))
		}
		w.demo = svc
		clientID, clientSecret = svc.ClientID, svc.ClientSecret
		authority, recallURL, apiKey = svc.MicrosoftURL(), svc.RecallURL(), svc.RecallAPIKey
		// Demo connections are kept apart from real ones, so trying the
		// demo never disturbs an organisation's real calendar. The fakes
		// live in memory, so each run of the demo starts afresh.
		connectionFile, meetingsFile, prefsFile = "connection-demo.json", "meetings-demo.json", "preferences-demo.json"
		for _, name := range []string{connectionFile, meetingsFile, prefsFile} {
			_ = store.Remove(filepath.Join(b.configDir, name))
		}
		if dv, err := vault.New(vault.Options{Service: b.vault.Service() + " (demo)"}); err == nil {
			secrets = dv
			_ = dv.DeleteAll(ctx)
		}
		if path, ok := a.opts.LookupEnv(demoControlFileEnv); ok && path != "" {
			if err := w.startDemoControl(path, secrets.Service()); err != nil {
				b.logger.Warn("demo.control_unavailable", "err", err)
			}
		}
	}
	b.guard.Register(clientSecret)
	b.guard.Register(apiKey)

	rc, err := recall.New(recall.Config{BaseURL: recallURL, APIKey: apiKey, Version: a.opts.Version})
	if err != nil {
		w.close()
		return nil, problem.From(err)
	}
	b.budget.SetExpectedInstalls(resolved.ExpectedInstalls)
	w.prefs = meetings.NewFilePrefs(filepath.Join(b.configDir, prefsFile))
	ms, err := meetings.New(meetings.Options{
		Source:              rc,
		Cache:               meetings.NewFileCache(filepath.Join(b.configDir, meetingsFile)),
		Prefs:               w.prefs,
		Notifier:            meetingsNotifier{app: a, closed: &w.closed},
		BotName:             resolved.BotName,
		DefaultRule:         meetings.Rule(resolved.DefaultRecordingRule),
		DefaultAcceptedOnly: resolved.DefaultAcceptedOnly,
		InternalDomains:     resolved.InternalDomains,
		Budget:              b.budget,
		Runner:              meetings.ByWindow,
		Logger:              b.logger,
		Now:                 meetingsNow,
	})
	if err != nil {
		w.close()
		return nil, problem.From(err)
	}
	w.meetings = ms
	w.follow = newFollower(ctx, ms, w.schedulerMode, b.logger)
	svc, err := connect.New(connect.Options{
		Auth: signIn{cfg: msauth.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			Tenant:       resolved.Tenant,
			Authority:    authority,
			RedirectHost: resolved.RedirectHost,
			ResponseMode: resolved.ResponseMode,
			Logger:       b.logger,
		}, guard: b.guard},
		Secrets:   secrets,
		Calendars: recallcalendars.New(rc, clientID, clientSecret),
		// Compared with what each connection was made with: a rotated
		// client secret is sent to Recall once, without a sign-in, and a
		// calendar unknown after IT changed these is not taken for deleted.
		Setup: connect.Setup{
			RecallBaseURL: rc.BaseURL(),
			RecallKey:     connect.Fingerprint(connect.FingerprintRecallKey, apiKey),
			ClientID:      clientID,
			ClientSecret:  connect.Fingerprint(connect.FingerprintClientSecret, clientSecret),
		},
		Store:    connectionStore{path: filepath.Join(b.configDir, connectionFile)},
		Browser:  browser.New(b.browser),
		Notifier: notifier{app: a, follow: w.follow},
		Logger:   b.logger,
		// Every install on the Recall key shares Retrieve Calendar's limit.
		StatusPollInterval: b.budget.StatusPollInterval(),
	})
	if err != nil {
		w.close()
		return nil, problem.From(err)
	}
	w.connect = svc
	svc.Start(ctx)
	return w, nil
}

// meetingsNow is the meetings Services' clock: a variable so that a test
// can step past their rate limits without waiting.
var meetingsNow = time.Now

// demoControlFileEnv names a file the app writes the demo control API's
// address to. Only the end-to-end tests set it: they drive the real app in
// another process and need to inject faults into its demo world.
const demoControlFileEnv = "OUTLOOK_CONNECT_DEMO_CONTROL_FILE"

func (w *world) startDemoControl(path, keyringService string) error {
	c, err := w.demo.StartControl()
	if err != nil {
		return err
	}
	w.control = c
	data, err := json.Marshal(map[string]string{
		"control_url":     c.URL(),
		"microsoft_url":   w.demo.MicrosoftURL(),
		"recall_url":      w.demo.RecallURL(),
		"keyring_service": keyringService,
	})
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, data)
}
