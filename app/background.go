package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/schedlock"
	"github.com/outlookconnect/outlook-connect/app/store"
)

// The background helper (issue 14): what "outlook-connect --background"
// runs, started at login by the start-at-login entry and by the window
// when it closes. It runs the connection's status follow-up and the
// meeting scheduler of the config folder, with no window and no webview,
// whenever no window holds the scheduler:
//
//	claim background.lock (another helper holds it: exit 0)
//	loop:
//	  wait for the scheduler lock (a window holds it: wait; leave if the
//	      window disconnects the calendar meanwhile)
//	  read the settings, connection.json and preferences.json afresh, so
//	      whatever the window changed applies; stop when there is nothing
//	      to do (demo mode, no connected calendar, keep-scheduling off)
//	  build the world (Runner ByBackground, StartSpread for a login storm)
//	      and run it until a window asks for the scheduler, the
//	      connection goes, or a signal arrives
//	  close the world, then release the lock (never both syncing)
//
// It reads secrets only from the keychain, logs to logs/background.log
// through the same redaction guard as the window, and while it waits it
// costs two file checks every schedlock.DefaultCheckInterval.

// backgroundStartSpread is how far the helper spreads its first meetings
// sync (when its cache is stale) and its first calendar status read, which
// in practice means a login storm: a fleet logging in at 9:00. One base
// interval of each starts N installs at N per interval, the rate the
// budget plans for (app/meetings, "Budget"). These are the figures the
// organisation-scale simulation (app/demo/sim) checks: without them its
// 9:00 storm drew 2,420 429s and missed 47 bots.
func backgroundStartSpread(b *meetings.Budget) (meetingsSync, statusRead time.Duration) {
	return b.BaseSyncInterval(), b.StatusPollInterval()
}

// connectionCheckInterval is how often a helper waiting for a window to
// close checks that the connection is still there.
const connectionCheckInterval = schedlock.DefaultCheckInterval

// Claim attempts: a window checking whether a helper runs holds
// background.lock for an instant, so only a claim refused every time
// belongs to another helper.
const (
	claimAttempts = 3
	claimGap      = 100 * time.Millisecond
)

// Exit codes of the helper.
const (
	exitOK       = 0 // stopped as it should, or nothing to do
	exitUnusable = 1 // the environment, settings, keychain or config folder cannot be used
)

// RunBackground runs the background helper until ctx ends (SIGTERM,
// SIGINT) or there is nothing left for it to do, and returns the process's
// exit code: 0 when it stopped as it should (including: another helper
// runs, demo mode, no connected calendar, keep-scheduling off), 1 when it
// could not run (unusable environment, settings, keychain or config
// folder; the log says which).
func RunBackground(ctx context.Context, opts Options) int {
	a := newApp(opts)
	a.role = roleBackground
	return a.runBackground(ctx)
}

func (a *App) runBackground(parent context.Context) int {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	a.lifeCtx = ctx
	b := a.newBase()
	a.mu.Lock()
	a.base = b
	a.mu.Unlock()
	close(a.ready)
	defer b.logCloser.Close()
	b.logger.Info("background.started", "version", a.opts.Version, "pid", os.Getpid(), "program", programName())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		watchProgram(ctx, a.opts.host.program(), func() { cancel(errProgramRemoved) })
	}()
	code, why := a.helperLoop(ctx, b)
	if errors.Is(context.Cause(ctx), errProgramRemoved) && parent.Err() == nil {
		why = stopProgramRemoved
		b.logger.Info("background.program_removed")
	}
	cancel(nil)
	<-watching
	b.logger.Info("background.stopped", "reason", why, "exit_code", code)
	return code
}

// programName is this program's file name, for the log: the helper
// program, or the main program started with --background.
func programName() string {
	if exe := runningProgram(); exe != "" {
		return filepath.Base(exe)
	}
	return "unknown"
}

// Why the helper stopped, for its log.
const (
	stopSignal       = "signal"
	stopOtherHelper  = "another_helper_runs"
	stopDemo         = "demo_mode"
	stopNotConnected = "not_connected"
	stopKeepOff      = "keep_scheduling_off"
	stopUnusable     = "unusable"
	// The app was uninstalled while the helper ran (programwatch.go).
	stopProgramRemoved = "program_removed"
)

func (a *App) helperLoop(ctx context.Context, b *base) (int, string) {
	if b.startProblem != nil {
		b.logger.Warn("background.unusable", "problem", b.startProblem.Code)
		return exitUnusable, stopUnusable
	}
	claim, ok, err := claimBackground(ctx, b.locker)
	switch {
	case ctx.Err() != nil:
		return exitOK, stopSignal
	case err != nil:
		b.logger.Warn("background.unusable", "problem", errorCode(err))
		return exitUnusable, stopUnusable
	case !ok:
		return exitOK, stopOtherHelper
	}
	defer func() { _ = claim.Release() }()
	for {
		lease, err := a.waitForScheduler(ctx, b)
		switch {
		case ctx.Err() != nil:
			if lease != nil {
				_ = lease.Release()
			}
			return exitOK, stopSignal
		case errors.Is(err, errConnectionGone):
			// The window disconnected the calendar and removed the
			// start-at-login entry itself.
			return exitOK, stopNotConnected
		case err != nil:
			b.logger.Warn("background.unusable", "problem", errorCode(err))
			return exitUnusable, stopUnusable
		}
		b.logger.Info("scheduler.acquired", "role", "background")
		code, why, again := a.scheduleWhileHolding(ctx, b, lease)
		if again {
			// Logged before the release, so it precedes the window's
			// "scheduler.acquired" in time.
			b.logger.Info("scheduler.handed_over", "role", "background")
		}
		if err := lease.Release(); err != nil {
			b.logger.Warn("scheduler.release_failed", "problem", errorCode(err))
		}
		if !again {
			return code, why
		}
	}
}

// claimer is *schedlock.Locker's ClaimBackground.
type claimer interface {
	ClaimBackground() (*schedlock.Claim, bool, error)
}

// claimBackground makes this process the config folder's helper.
func claimBackground(ctx context.Context, l claimer) (*schedlock.Claim, bool, error) {
	for attempt := 1; ; attempt++ {
		claim, ok, err := l.ClaimBackground()
		if err != nil || ok || attempt == claimAttempts {
			return claim, ok, err
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(claimGap):
		}
	}
}

var errConnectionGone = errors.New("the calendar was disconnected while a window was open")

// waitForScheduler waits for the scheduler lock, which a window may hold
// for hours. Meanwhile it leaves (errConnectionGone) when connection.json
// goes: the window disconnected the calendar, and this helper has nothing
// left to do.
func (a *App) waitForScheduler(ctx context.Context, b *base) (*schedlock.Lease, error) {
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		for {
			select {
			case <-wctx.Done():
				return
			case <-time.After(connectionCheckInterval):
			}
			if !connectionSaved(b.configDir) {
				cancel(errConnectionGone)
				return
			}
		}
	}()
	lease, err := b.locker.Acquire(wctx, schedlock.RoleBackground)
	cancel(nil)
	<-watching
	if err != nil && errors.Is(context.Cause(wctx), errConnectionGone) {
		return nil, errConnectionGone
	}
	return lease, err
}

// connectionSaved reports whether connection.json holds a connection (a
// calendar, or one being registered). A file that cannot be read counts as
// one: only a window's Disconnect removes it. A file that only keeps a
// notice for the next window (the calendar was deleted in Recall) does not.
//
// It only peeks: the file belongs to whichever process runs the connection,
// so a damaged one is left for that process to set aside.
func connectionSaved(dir string) bool {
	var saved connect.Saved
	found, err := store.PeekJSON(filepath.Join(dir, connectionFileName), connectionSchema, &saved)
	switch {
	case err != nil:
		return true
	case !found:
		return false
	}
	return saved.CalendarID != "" || saved.Pending
}

// scheduleWhileHolding builds the world from what is on disk now and runs
// it until the lease is lost (again: wait for the window to close), the
// connection goes or ctx ends. The world is closed before it returns, so
// the caller releases the lease only after the sync stopped.
func (a *App) scheduleWhileHolding(ctx context.Context, b *base, lease *schedlock.Lease) (code int, why string, again bool) {
	resolved, err := b.config.Resolve(ctx)
	switch {
	case ctx.Err() != nil:
		return exitOK, stopSignal, false
	case err != nil:
		b.logger.Warn("config.unusable", "code", errorCode(err))
		return exitUnusable, stopUnusable, false
	case resolved.Demo:
		// Demo mode's fakes live in the window: nothing real to schedule.
		// It never touches the start-at-login entry either.
		return exitOK, stopDemo, false
	case !connectionSaved(b.configDir):
		a.removeLoginEntry()
		return exitOK, stopNotConnected, false
	}
	if on, _, _ := keepScheduling(resolved, meetings.NewFilePrefs(filepath.Join(b.configDir, prefsFileName))); !on {
		a.removeLoginEntry()
		return exitOK, stopKeepOff, false
	}
	w, p := a.buildWorld(ctx, b, resolved)
	if p != nil {
		b.logger.Warn("background.unusable", "problem", p.Code)
		return exitUnusable, stopUnusable, false
	}
	a.mu.Lock()
	a.world = w
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.world = nil
		a.mu.Unlock()
		w.close()
	}()
	select {
	case <-ctx.Done():
		return exitOK, stopSignal, false
	case <-lease.Lost():
		return exitOK, "", true
	case phase := <-w.left:
		b.logger.Info("background.connection_left", "phase", string(phase))
		if phase == connect.PhaseIdle {
			// No connection any more (for example the calendar was
			// removed in Recall): nothing to start at the next login.
			a.removeLoginEntry()
		}
		return exitOK, stopNotConnected, false
	}
}

// removeLoginEntry removes the start-at-login entry. The helper does it
// only while it holds the scheduler, so no window is changing it at the
// same time; the window writes it again when a calendar is connected.
func (a *App) removeLoginEntry() {
	log := a.base.logger
	entry, err := a.opts.host.loginEntry()
	if err == nil {
		var st autostart.Status
		if st, err = entry.Status(); err == nil && !st.Installed {
			return
		}
		err = entry.Disable()
	}
	if err != nil {
		log.Warn("background.login_entry_not_removed", "problem", errorCode(err))
		return
	}
	log.Info("background.login_entry_removed")
}
