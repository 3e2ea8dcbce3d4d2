package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outlookconnect/outlook-connect/app/schedlock"
)

// schedulerRetry is how long a window waits before asking for the
// scheduler lock again after the lock file could not be used (for example
// a settings folder it cannot write to).
const schedulerRetry = 30 * time.Second

// windowScheduler is a window's claim on the config folder's meeting
// scheduler (issue 14, app/schedlock). The window asks for it once it has
// a configured world; until the lease arrives its meetings are Passive and
// show the cache the background helper writes (the helper hands over
// within a few seconds), then they go Active. The window keeps the lease
// until shutdown, which releases it only after the meetings stopped, so
// the window and the helper never both call Recall.
type windowScheduler struct {
	locker *schedlock.Locker
	log    *slog.Logger
	// after runs once a world's meetings are in the new mode.
	after func(*world)
	held  atomic.Bool

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	lease   *schedlock.Lease
	// worlds are told of every change. A world joins before its
	// connection starts (so before its meetings can), which leaves no
	// moment at which a change could be missed.
	worlds map[*world]struct{}
}

func newWindowScheduler(l *schedlock.Locker, log *slog.Logger, after func(*world)) *windowScheduler {
	return &windowScheduler{locker: l, log: log, after: after, worlds: map[*world]struct{}{}}
}

// watch and unwatch add and remove a world to tell of changes.
func (s *windowScheduler) watch(w *world) {
	s.mu.Lock()
	s.worlds[w] = struct{}{}
	s.mu.Unlock()
}

func (s *windowScheduler) unwatch(w *world) {
	s.mu.Lock()
	delete(s.worlds, w)
	s.mu.Unlock()
}

// changed brings every world's meetings to the mode holds() now allows and
// returns once they are there, or when ctx ends.
func (s *windowScheduler) changed(ctx context.Context) {
	s.mu.Lock()
	worlds := make([]*world, 0, len(s.worlds))
	for w := range s.worlds {
		worlds = append(worlds, w)
	}
	s.mu.Unlock()
	for _, w := range worlds {
		select {
		case <-w.follow.syncMode():
		case <-ctx.Done():
			return
		}
		s.after(w)
	}
}

// holds reports whether this window is the scheduler now.
func (s *windowScheduler) holds() bool { return s.held.Load() }

// start begins asking for the scheduler; later calls do nothing.
func (s *windowScheduler) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.run(ctx)
}

func (s *windowScheduler) run(ctx context.Context) {
	defer close(s.done)
	for {
		lease, err := s.locker.Acquire(ctx, schedlock.RoleWindow)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("scheduler.unavailable", "role", "window", "problem", errorCode(err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(schedulerRetry):
			}
			continue
		}
		s.mu.Lock()
		s.lease = lease
		s.mu.Unlock()
		s.held.Store(true)
		s.log.Info("scheduler.acquired", "role", "window")
		s.changed(ctx)
		select {
		case <-ctx.Done():
			return // release, after the meetings stopped
		case <-lease.Lost():
		}
		// The lock file was removed or replaced: another process may take
		// the new one, so stop syncing before letting go, then ask again.
		s.held.Store(false)
		s.log.Warn("scheduler.lost", "role", "window")
		s.changed(ctx)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.lease = nil
		s.mu.Unlock()
		_ = lease.Release()
	}
}

// stopAsking ends the goroutine. A lease it holds stays held until
// release.
func (s *windowScheduler) stopAsking() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// release gives the scheduler up. Call it once the meetings stopped.
func (s *windowScheduler) release() {
	s.stopAsking()
	s.mu.Lock()
	lease := s.lease
	s.lease = nil
	s.mu.Unlock()
	s.held.Store(false)
	if lease == nil {
		return
	}
	if err := lease.Release(); err != nil {
		s.log.Warn("scheduler.release_failed", "problem", errorCode(err))
		return
	}
	s.log.Info("scheduler.released", "role", "window")
}
