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
	"github.com/outlookconnect/outlook-connect/app/schedlock"
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
	// locker decides which process of the config folder runs the meeting
	// scheduler: a window or the background helper (issue 14). Nil when
	// the config folder is unknown (startProblem says why).
	locker *schedlock.Locker
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
	// scheduler is the window's claim on the config folder's scheduler
	// lock; nil for the background helper, which builds a world only while
	// it holds the lock.
	scheduler *windowScheduler
	// left receives the connection's phase when it is neither connected
	// nor disconnecting (background helper only: it then stops).
	left chan connect.Phase
	// loginPhase is the connection phase the start-at-login entry was last
	// made to match (window only; guarded by App.login.mu).
	loginPhase connect.Phase
	// closed is set first thing in close, so nothing the world does while
	// it winds down reaches the UI (a rewiring's new world speaks next).
	closed atomic.Bool
}

// schedulerMode says whether this process runs the meetings scheduler
// (Active) or only shows what another process schedules (Passive). It is
// the one place that decides, so that exactly one process per config
// folder calls Recall (issue 14): a window schedules once it holds the
// scheduler lock, and shows the background helper's cache until then; the
// helper builds its world only while it holds the lock. Demo mode talks to
// fakes in this process and keeps files of its own, so it always schedules.
func (w *world) schedulerMode() meetings.Mode {
	if w.resolved.Demo || w.scheduler == nil || w.scheduler.holds() {
		return meetings.Active
	}
	return meetings.Passive
}

// close stops the world's services and waits for their goroutines: the
// connection first (no state reaches the follower after it), then the
// follower, then the meetings scheduler (its cache stays for next time).
func (w *world) close() {
	if w == nil {
		return
	}
	w.closed.Store(true)
	if w.scheduler != nil {
		w.scheduler.unwatch(w)
	}
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
	// Before any goroutine that reads it starts; it never changes after.
	a.mu.Lock()
	a.base = b
	a.mu.Unlock()
	if b.locker != nil {
		a.sched = newWindowScheduler(b.locker, b.logger, a.emitBackground)
	}
	w, p := a.newWorld(ctx, b)
	a.mu.Lock()
	a.world, a.setupProblem = w, p
	a.mu.Unlock()
	b.logger.Info("app.started", "version", a.opts.Version, "demo", w != nil && w.resolved.Demo)
}

// stop winds the window down: the meetings stop before the scheduler lock
// is released, so the background helper never syncs alongside them; then,
// when the person wants scheduling to go on, the helper is started.
func (a *App) stop() {
	select {
	case <-a.ready:
	case <-time.After(5 * time.Second):
		return // start-up is stuck (keychain prompt); exit anyway
	}
	// No rewiring may build a world behind our back.
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	if a.sched != nil {
		a.sched.stopAsking()
	}
	a.mu.Lock()
	w := a.world
	a.world = nil
	a.mu.Unlock()
	handOver := a.helperAfterClose(w)
	w.close()
	a.bgWG.Wait() // start-at-login changes under way
	if a.sched != nil {
		a.sched.release()
	}
	if handOver {
		a.startHelper()
	}
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
		a.bgWG.Add(1)
		go func() {
			defer a.bgWG.Done()
			a.syncLoginEntry(w, true, false)
			a.emitBackground(w)
		}()
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
		// The window and the background helper often run at once: each
		// writes a file of its own.
		name := logging.FileName
		if a.role == roleBackground {
			name = logging.BackgroundFileName
		}
		logger, guard, closer, err = logging.Setup(logging.Options{Dir: basics.LogsDir, FileName: name, Level: basics.LogLevel})
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
	if b.configDir != "" {
		if l, err := schedlock.New(schedlock.Options{Dir: b.configDir}); err == nil {
			b.locker = l
		} else if b.startProblem == nil {
			b.startProblem = problem.From(err)
		}
	}
	return b
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// newWorld resolves the configuration and builds the use cases. When the
// configuration cannot be used it returns no world and the problem to show.
// A window that is configured (not in demo mode) asks for the scheduler
// lock first, so its meetings usually start Active.
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
	if !resolved.Demo && a.sched != nil {
		a.sched.start()
	}
	return a.buildWorld(ctx, b, resolved)
}

// Files in the config folder (contracts.md); demo mode keeps its own.
const (
	connectionFileName = "connection.json"
	meetingsFileName   = "meetings.json"
	prefsFileName      = "preferences.json"
)

// buildWorld builds the use cases for a resolved configuration.
func (a *App) buildWorld(ctx context.Context, b *base, resolved config.Resolved) (*world, *problem.Problem) {
	w := &world{resolved: resolved, left: make(chan connect.Phase, 1)}

	clientID, clientSecret := resolved.ClientID, resolved.ClientSecret.Reveal()
	authority, recallURL, apiKey := resolved.Authority, resolved.RecallBaseURL, resolved.RecallAPIKey.Reveal()
	connectionFile, meetingsFile, prefsFile := connectionFileName, meetingsFileName, prefsFileName
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

	rc, err := recall.New(recall.Config{
		BaseURL: recallURL, APIKey: apiKey, Version: a.opts.Version,
		// Every 429 slows the whole process down at once, also one the
		// client then retries past: the key's limits are the fleet's.
		OnRateLimited: b.budget.RateLimited,
	})
	if err != nil {
		w.close()
		return nil, problem.From(err)
	}
	b.budget.SetExpectedInstalls(resolved.ExpectedInstalls)
	w.prefs = meetings.NewFilePrefs(filepath.Join(b.configDir, prefsFile))
	runner, spread, statusSpread := meetings.ByWindow, time.Duration(0), time.Duration(0)
	if a.role == roleBackground {
		runner = meetings.ByBackground
		spread, statusSpread = backgroundStartSpread(b.budget)
	}
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
		Runner:              runner,
		StartSpread:         spread,
		Logger:              b.logger,
		Now:                 meetingsNow,
		Jitter:              meetingsJitter,
	})
	if err != nil {
		w.close()
		return nil, problem.From(err)
	}
	w.meetings = ms
	if a.role == roleWindow && a.sched != nil {
		w.scheduler = a.sched
	}
	w.follow = newFollower(ctx, ms, w.schedulerMode, func() { a.emitBackground(w) }, b.logger)
	if w.scheduler != nil {
		// Before the connection starts, so no change of scheduler is missed.
		w.scheduler.watch(w)
	}
	svc, err := connect.New(connect.Options{
		Auth: signIn{cfg: msauth.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			Tenant:       resolved.Tenant,
			Authority:    authority,
			GraphHost:    resolved.GraphHostFor(authority),
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
		Notifier: notifier{app: a, world: w},
		Logger:   b.logger,
		// Every install on the Recall key shares Retrieve Calendar's limit.
		StatusPollInterval: b.budget.StatusPollInterval(),
		StartSpread:        statusSpread,
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

// meetingsJitter is the meetings Services' randomness (nil: theirs): a
// variable so that a test can see the background helper's start spread and
// skip it.
var meetingsJitter func(time.Duration) time.Duration

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
