package app

import (
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/store"
)

// "Keep scheduling when Outlook Connect is closed" (issue 14), the window's
// side: the start-at-login entry follows the switch and the connection,
// the switch shows what the background helper did, and closing the window
// starts the helper.

// sourceSystem: the computer's own start-up settings turned the entry off
// (BackgroundView.Source).
const sourceSystem = "system"

// Notes under the switch (BackgroundView.Note).
const (
	noteDemo = "In demo mode nothing is added to your computer's start-up items, " +
		"and nothing keeps running after you close the window."
	noteDisabledOutside = "Your computer's start-up settings have turned this off. " +
		"Turn it on here to let Outlook Connect start when you sign in again."
)

// keepScheduling is the effective "Keep scheduling when closed": the
// person's choice when they made one, else the admin's setting, else the
// default (on). A preferences file that cannot be read is reported; a
// damaged one was set aside by app/store and counts as no choice.
func keepScheduling(resolved config.Resolved, prefs meetings.PrefsStore) (on bool, source string, p *problem.Problem) {
	on, source = resolved.KeepScheduling, meetings.SourceDefault
	if resolved.KeepSchedulingSet {
		source = meetings.SourceAdmin
	}
	saved, err := prefs.Load()
	if err != nil {
		if p := problem.From(err); p.Code != store.CodeCorrupt {
			return on, source, p
		}
		return on, source, nil
	}
	if saved.KeepScheduling != nil {
		on, source = *saved.KeepScheduling, meetings.SourcePerson
	}
	return on, source, nil
}

// loginState is what the window last found or did about the start-at-login
// entry.
type loginState struct {
	mu sync.Mutex // one change of the entry at a time
	// problem: the entry could not be read, written or removed.
	problem *problem.Problem
	// disabledOutside: the computer's start-up settings switched the entry
	// off; the window leaves it so and shows the switch off.
	disabledOutside bool
}

func (l *loginState) snapshot() (*problem.Problem, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problem, l.disabledOutside
}

// seenRuns counts the bots the background helper scheduled that this
// window has shown: the switch keeps saying so while the window is open,
// and the next window starts from there (meetings.MarkRunsSeen).
type seenRuns struct {
	mu   sync.Mutex
	bots int
}

// connectionChanged hears every connection state of a world.
func (a *App) connectionChanged(w *world, st connect.State) {
	if a.role == roleBackground {
		switch st.Phase {
		case connect.PhaseConnected, connect.PhaseDisconnecting:
		default:
			// Nothing to schedule for: the helper stops (and the channel
			// keeps the first such phase; one is enough).
			select {
			case w.left <- st.Phase:
			default:
			}
		}
		return
	}
	if st.Phase == connect.PhaseIdle {
		a.seen.mu.Lock()
		a.seen.bots = 0
		a.seen.mu.Unlock()
	}
	// The entry is a file or registry value: not in the Notifier's call.
	a.bgWG.Add(1)
	go func() {
		defer a.bgWG.Done()
		if a.syncLoginEntry(w, false, false) {
			a.emitBackground(w)
		}
	}()
}

// syncLoginEntry makes the start-at-login entry match the world: present
// while a calendar is connected and keep-scheduling is on, absent once
// there is no connection or the switch is off. Other phases (signing in
// again, disconnecting) leave it as it is, so a Reconnect does not remove
// and re-add it (macOS announces every addition). Unless force is set it
// acts only when the phase changed since its last visit. chosen: the
// person just turned the switch on, which also switches an entry back on
// that the system's start-up settings turned off. Demo mode never touches
// the entry. It reports whether what the switch shows changed.
func (a *App) syncLoginEntry(w *world, force, chosen bool) bool {
	if a.role != roleWindow || w == nil || w.resolved.Demo || w.connect == nil || w.closed.Load() {
		return false
	}
	st := w.connect.State()
	var want bool
	switch st.Phase {
	case connect.PhaseConnected:
		want, _, _ = keepScheduling(w.resolved, w.prefs)
	case connect.PhaseIdle:
	default:
		return false
	}
	l := &a.login
	l.mu.Lock()
	defer l.mu.Unlock()
	if !force && w.loginPhase == st.Phase {
		return false
	}
	w.loginPhase = st.Phase
	before, beforeOff := l.problem, l.disabledOutside
	l.problem, l.disabledOutside = a.applyLoginEntry(want, chosen)
	return l.problem != before || l.disabledOutside != beforeOff
}

// applyLoginEntry writes or removes the entry and says what the switch
// should show.
func (a *App) applyLoginEntry(want, chosen bool) (*problem.Problem, bool) {
	log := a.base.logger
	entry, err := a.opts.host.loginEntry()
	if err != nil {
		if !want {
			return nil, false
		}
		return loginProblem(err), false
	}
	if !want {
		st, err := entry.Status()
		if err == nil && !st.Installed {
			return nil, false
		}
		if err := entry.Disable(); err != nil {
			log.Warn("background.login_entry_not_removed", "problem", errorCode(err))
			return loginProblem(err), false
		}
		log.Info("background.login_entry_removed")
		return nil, false
	}
	st, err := entry.Status()
	if err != nil {
		log.Warn("background.login_entry_unreadable", "problem", errorCode(err))
		return loginProblem(err), false
	}
	switch {
	case st.DisabledOutside && !chosen:
		return nil, true
	case st.Current && !st.DisabledOutside:
		return nil, false
	}
	if err := entry.Enable(); err != nil {
		log.Warn("background.login_entry_not_written", "problem", errorCode(err))
		return loginProblem(err), false
	}
	log.Info("background.login_entry_written", "repaired", st.Installed)
	return nil, false
}

// backgroundView is the switch and what the helper did, for this window.
func (a *App) backgroundView(w *world) BackgroundView {
	on, source, p := keepScheduling(w.resolved, w.prefs)
	v := BackgroundView{KeepScheduling: on, Source: source, Problem: p}
	if w.resolved.Demo {
		// Demo mode schedules in this window only (its fakes live here).
		v.Note = noteDemo
		return v
	}
	if lp, off := a.login.snapshot(); on && off {
		v.KeepScheduling, v.Source, v.Note = false, sourceSystem, noteDisabledOutside
	} else if v.Problem == nil && lp != nil {
		v.Problem = lp
	}
	v.Running = a.helperRunning()
	if w.meetings == nil || w.meetings.View().Phase == meetings.PhaseOff {
		// Not started: its cache and preferences are not loaded yet.
		return v
	}
	run := w.meetings.Runs()[meetings.ByBackground]
	if !run.LastSyncAt.IsZero() {
		v.LastRunAt = run.LastSyncAt.UTC().Format(time.RFC3339)
	}
	a.seen.mu.Lock()
	defer a.seen.mu.Unlock()
	if n := run.Unseen.BotsScheduled; n > 0 {
		if err := w.meetings.MarkRunsSeen(meetings.ByBackground); err != nil {
			a.base.logger.Warn("background.runs_not_marked_seen", "problem", errorCode(err))
		} else {
			a.seen.bots += n
		}
	}
	v.BotsScheduled = a.seen.bots
	return v
}

// emitBackground sends the switch to the UI, unless the world is closing.
func (a *App) emitBackground(w *world) {
	if a.role != roleWindow || w == nil || w.closed.Load() {
		return
	}
	a.runtime().Emit(EventBackgroundChanged, a.backgroundView(w))
}

// helperRunning reports whether a background helper process runs now.
func (a *App) helperRunning() bool {
	if a.base == nil || a.base.locker == nil {
		return false
	}
	_, ok, err := a.base.locker.BackgroundRunning()
	return err == nil && ok
}

// helperAfterClose: closing this window should start the background
// helper. A calendar is connected (configured, not demo mode),
// keep-scheduling is on, and the system's start-up settings have not
// turned it off.
func (a *App) helperAfterClose(w *world) bool {
	if a.role != roleWindow || w == nil || w.resolved.Demo || w.connect == nil {
		return false
	}
	if st := w.connect.State(); st.Phase != connect.PhaseConnected {
		return false
	}
	if on, _, _ := keepScheduling(w.resolved, w.prefs); !on {
		return false
	}
	_, off := a.login.snapshot()
	return !off
}

// startHelper starts the background helper unless one runs already (it
// was started at login and has been waiting for the window to close).
func (a *App) startHelper() {
	log := a.base.logger
	if a.helperRunning() {
		log.Info("background.helper_already_running")
		return
	}
	if err := a.opts.host.startHelper(); err != nil {
		log.Info("background.helper_not_started", "err", err)
		return
	}
	log.Info("background.helper_started")
}
