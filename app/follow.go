package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// follower keeps a world's meetings Service in step with its connection:
//
//   - the calendar is connected and Recall says so: Start (with the mode
//     schedulerMode decides);
//   - Recall says the calendar is disconnected, or the connection is busy
//     elsewhere (signing in again, registering, disconnecting): Stop, and
//     keep the cache. Recall drops a disconnected calendar's future bots,
//     so the next Start is followed by BotsRemoved;
//   - no connection any more (Disconnect, Start over, the calendar removed
//     in Recall): Forget, which wipes the cache and the per-meeting choices.
//
// It hears every connection state through the connect Notifier and acts on
// the newest one in a goroutine of its own: the Notifier must not block, and
// Start, Stop and Forget read files and wait for the scheduler.
type follower struct {
	svc  *meetings.Service
	mode func() meetings.Mode
	log  *slog.Logger

	ctx    context.Context // the scheduler's; cancelled by close
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu     sync.Mutex
	latest *connect.State // the newest state not applied yet

	// Owned by the goroutine.
	running     meetings.Calendar // zero while stopped
	forgotten   bool
	botsRemoved bool // Recall dropped the bots since the last Start
}

func newFollower(ctx context.Context, svc *meetings.Service, mode func() meetings.Mode, log *slog.Logger) *follower {
	fctx, cancel := context.WithCancel(ctx)
	f := &follower{
		svc: svc, mode: mode, log: log,
		ctx: fctx, cancel: cancel,
		done: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	go f.run()
	return f
}

// StateChanged records the newest connection state; it never blocks.
func (f *follower) StateChanged(st connect.State) {
	f.mu.Lock()
	f.latest = &st
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// close stops following and waits for the goroutine. The Service is left
// as it is: the world stops it.
func (f *follower) close() {
	f.cancel()
	<-f.done
}

func (f *follower) run() {
	defer close(f.done)
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-f.wake:
		}
		f.mu.Lock()
		st := f.latest
		f.latest = nil
		f.mu.Unlock()
		if st != nil && f.ctx.Err() == nil {
			f.apply(*st)
		}
	}
}

// What the meetings Service should do for a connection state.
type meetingsAction int

const (
	meetingsStop   meetingsAction = iota // keep the cache, call Recall no more
	meetingsRun                          // show and schedule the calendar's meetings
	meetingsForget                       // no connection: wipe what was kept
)

// meetingsActionFor maps a connection state to what the Service does.
func meetingsActionFor(st connect.State) (meetingsAction, meetings.Calendar) {
	switch {
	case st.Phase == connect.PhaseIdle:
		return meetingsForget, meetings.Calendar{}
	case st.Phase == connect.PhaseConnected && st.Calendar != nil && st.Calendar.Status == statusConnected:
		return meetingsRun, meetings.Calendar{ID: st.Calendar.ID, Account: st.Account}
	}
	return meetingsStop, meetings.Calendar{}
}

// statusConnected and statusDisconnected are Recall's calendar statuses
// (connect.CalendarState.Status).
const (
	statusConnected    = "connected"
	statusDisconnected = "disconnected"
)

func (f *follower) apply(st connect.State) {
	action, cal := meetingsActionFor(st)
	if st.Phase == connect.PhaseConnected && st.Calendar != nil && st.Calendar.Status == statusDisconnected {
		f.botsRemoved = true
	}
	switch action {
	case meetingsRun:
		f.forgotten = false
		if f.running != cal {
			mode := f.mode()
			f.svc.Start(f.ctx, cal, mode)
			f.running = cal
			f.log.Info("app.meetings_started", "calendar_id", cal.ID, "mode", mode.String())
		}
		if f.botsRemoved {
			f.svc.BotsRemoved()
			f.botsRemoved = false
		}
	case meetingsForget:
		f.running, f.botsRemoved = meetings.Calendar{}, false
		if !f.forgotten {
			if err := f.svc.Forget(); err != nil {
				f.log.Warn("app.meetings_not_forgotten", "problem", errorCode(err))
			}
			f.forgotten = true
		}
	default:
		if f.running != (meetings.Calendar{}) {
			f.svc.Stop()
			f.running = meetings.Calendar{}
			f.log.Info("app.meetings_stopped", "phase", string(st.Phase))
		}
	}
}
