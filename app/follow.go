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
//     world.schedulerMode decides, and SetMode when that changes);
//   - Recall says the calendar is disconnected, or the connection is busy
//     elsewhere (signing in again, registering, disconnecting): Stop, and
//     keep the cache. Recall drops a disconnected calendar's future bots,
//     so the next Start is followed by BotsRemoved;
//   - no connection any more (Disconnect, Start over, the calendar removed
//     in Recall): Forget, which wipes the cache and the per-meeting choices.
//
// It hears every connection state through the connect Notifier and acts on
// the newest one in a goroutine of its own: the Notifier must not block, and
// Start, Stop and Forget read files and wait for the scheduler. The same
// goroutine applies a change of scheduler mode (syncMode: the window got or
// lost the scheduler lock, issue 14), so a Start and a SetMode never race.
type follower struct {
	svc  *meetings.Service
	mode func() meetings.Mode
	// started is called after each Start and SetMode, for the window to
	// show what the background helper did (the cache was just read).
	started func()
	log     *slog.Logger

	ctx    context.Context // the scheduler's; cancelled by close
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu       sync.Mutex
	latest   *connect.State  // the newest state not applied yet
	modeAcks []chan struct{} // syncMode calls waiting for the next pass
	exited   bool

	// Owned by the goroutine.
	running     meetings.Calendar // zero while stopped
	runMode     meetings.Mode     // the mode running was started or set in
	forgotten   bool
	botsRemoved bool // Recall dropped the bots since the last Start
}

func newFollower(ctx context.Context, svc *meetings.Service, mode func() meetings.Mode, started func(), log *slog.Logger) *follower {
	fctx, cancel := context.WithCancel(ctx)
	f := &follower{
		svc: svc, mode: mode, started: started, log: log,
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

// syncMode asks the goroutine to bring a running Service to the mode
// mode() says now. The channel is closed once it has (or once the
// follower has stopped, when there is nothing left to change).
func (f *follower) syncMode() <-chan struct{} {
	ch := make(chan struct{})
	f.mu.Lock()
	if f.exited {
		f.mu.Unlock()
		close(ch)
		return ch
	}
	f.modeAcks = append(f.modeAcks, ch)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
	return ch
}

// close stops following and waits for the goroutine. The Service is left
// as it is: the world stops it.
func (f *follower) close() {
	f.cancel()
	<-f.done
}

func (f *follower) run() {
	defer close(f.done)
	defer func() {
		f.mu.Lock()
		f.exited = true
		for _, ch := range f.modeAcks {
			close(ch)
		}
		f.modeAcks = nil
		f.mu.Unlock()
	}()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-f.wake:
		}
		f.mu.Lock()
		st, acks := f.latest, f.modeAcks
		f.latest, f.modeAcks = nil, nil
		f.mu.Unlock()
		if st != nil && f.ctx.Err() == nil {
			f.apply(*st)
		}
		if len(acks) > 0 {
			if f.ctx.Err() == nil {
				f.applyMode()
			}
			for _, ch := range acks {
				close(ch)
			}
		}
	}
}

// applyMode switches a running Service to the mode mode() says now.
func (f *follower) applyMode() {
	if f.running == (meetings.Calendar{}) {
		return
	}
	if mode := f.mode(); mode != f.runMode {
		f.svc.SetMode(f.ctx, mode)
		f.runMode = mode
		f.log.Info("app.meetings_mode", "mode", mode.String())
		f.started()
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
			f.running, f.runMode = cal, mode
			f.log.Info("app.meetings_started", "calendar_id", cal.ID, "mode", mode.String())
			f.started()
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
