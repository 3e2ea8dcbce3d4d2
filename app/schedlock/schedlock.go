package schedlock

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Role says which kind of process holds or wants the scheduler.
type Role string

// The two roles.
const (
	RoleWindow     Role = "window"
	RoleBackground Role = "background"
)

func (r Role) valid() bool { return r == RoleWindow || r == RoleBackground }

// File names in the config folder.
const (
	SchedulerFile  = "scheduler.lock"
	WindowFile     = "window.lock"
	BackgroundFile = "background.lock"
)

// Default intervals (see the package comment for what they bound).
const (
	DefaultWindowPoll    = 250 * time.Millisecond
	DefaultCheckInterval = 2 * time.Second
)

// Clock is the time source; tests use a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configures a Locker.
type Options struct {
	// Dir is the config folder (absolute). It is created if missing.
	Dir string
	// Clock defaults to the real one.
	Clock Clock
	// WindowPoll is how often a window waiting for the scheduler tries
	// again; zero means DefaultWindowPoll.
	WindowPoll time.Duration
	// CheckInterval is how often a background process, holding or
	// waiting, looks for a window, and how often any holder checks that
	// its lock file is still in place; zero means DefaultCheckInterval.
	CheckInterval time.Duration
}

// Locker coordinates the scheduler role for one config folder. One Locker
// holds at most one Lease at a time; it is safe for concurrent use.
type Locker struct {
	dir        string
	clock      Clock
	windowPoll time.Duration
	check      time.Duration

	mu   sync.Mutex
	busy bool // acquiring or holding a lease

	// raceHook, when set by a test, runs in tryBackground between the
	// window check and the scheduler lock: where a window can slip in.
	raceHook func()
}

// New checks opts; it touches no file.
func New(opts Options) (*Locker, error) {
	switch {
	case opts.Dir == "" || !filepath.IsAbs(opts.Dir):
		return nil, invalid("the config folder must be an absolute path")
	case opts.WindowPoll < 0 || opts.CheckInterval < 0:
		return nil, invalid("the intervals must not be negative")
	}
	l := &Locker{dir: filepath.Clean(opts.Dir), clock: opts.Clock, windowPoll: opts.WindowPoll, check: opts.CheckInterval}
	if l.clock == nil {
		l.clock = realClock{}
	}
	if l.windowPoll == 0 {
		l.windowPoll = DefaultWindowPoll
	}
	if l.check == 0 {
		l.check = DefaultCheckInterval
	}
	return l, nil
}

// Path returns the path of one of the lock files, for diagnostics.
func (l *Locker) Path(name string) string { return filepath.Join(l.dir, name) }

// Acquire waits until this process is the scheduler, or ctx ends (then it
// returns ctx.Err()).
//
// A window first takes window.lock, which asks a background holder to hand
// over, then polls scheduler.lock. A background process waits while any
// window is open, and yields at once if a window appears just as it takes
// the lock.
func (l *Locker) Acquire(ctx context.Context, role Role) (*Lease, error) {
	return l.acquire(ctx, role, true)
}

// TryAcquire makes one attempt without waiting; ok is false when another
// process holds the scheduler or, for a background process, when a window
// is open. A window's failed attempt does not leave window.lock held, so it
// does not ask a background holder to hand over: a window uses Acquire.
func (l *Locker) TryAcquire(role Role) (lease *Lease, ok bool, err error) {
	lease, err = l.acquire(context.Background(), role, false)
	return lease, lease != nil, err
}

func (l *Locker) acquire(ctx context.Context, role Role, wait bool) (*Lease, error) {
	if !role.valid() {
		return nil, invalid("unknown role " + string(role))
	}
	l.mu.Lock()
	if l.busy {
		l.mu.Unlock()
		return nil, invalid("this process already holds or is waiting for the scheduler")
	}
	l.busy = true
	l.mu.Unlock()

	var lease *Lease
	var err error
	if role == RoleWindow {
		lease, err = l.acquireWindow(ctx, wait)
	} else {
		lease, err = l.acquireBackground(ctx, wait)
	}
	if lease == nil {
		l.done()
	}
	return lease, err
}

func (l *Locker) done() {
	l.mu.Lock()
	l.busy = false
	l.mu.Unlock()
}

func (l *Locker) acquireWindow(ctx context.Context, wait bool) (*Lease, error) {
	var presence *os.File
	granted := false
	defer func() {
		if presence != nil && !granted {
			clearInfo(presence)
			_ = release(presence)
		}
	}()
	for {
		if presence == nil {
			f, err := tryLockPath(l.Path(WindowFile))
			if err != nil {
				return nil, unavailable(l.Path(WindowFile), err)
			}
			if f != nil {
				presence = f
				writeInfo(presence, l.info(RoleWindow))
			}
		}
		if presence != nil {
			sched, err := tryLockPath(l.Path(SchedulerFile))
			if err != nil {
				return nil, unavailable(l.Path(SchedulerFile), err)
			}
			if sched != nil {
				granted = true
				return l.newLease(RoleWindow, sched, presence), nil
			}
		}
		if !wait {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.clock.After(l.windowPoll):
		}
	}
}

func (l *Locker) acquireBackground(ctx context.Context, wait bool) (*Lease, error) {
	for {
		sched, err := l.tryBackground()
		if err != nil {
			return nil, err
		}
		if sched != nil {
			return l.newLease(RoleBackground, sched, nil), nil
		}
		if !wait {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.clock.After(l.check):
		}
	}
}

// tryBackground takes scheduler.lock if no window is open, checking again
// afterwards so a window that opened meanwhile is not made to wait.
func (l *Locker) tryBackground() (*os.File, error) {
	if open, err := l.WindowOpen(); err != nil || open {
		return nil, err
	}
	if l.raceHook != nil {
		l.raceHook()
	}
	sched, err := tryLockPath(l.Path(SchedulerFile))
	if err != nil {
		return nil, unavailable(l.Path(SchedulerFile), err)
	}
	if sched == nil {
		return nil, nil
	}
	if open, err := l.WindowOpen(); err != nil || open {
		_ = release(sched)
		return nil, err
	}
	return sched, nil
}

func (l *Locker) info(role Role) Info {
	return Info{Role: role, PID: os.Getpid(), Since: l.clock.Now().UTC()}
}

// Holder says who is the scheduler now. ok is false when nobody is: holder
// info left by a process that died is ignored.
func (l *Locker) Holder() (info Info, ok bool, err error) {
	info, ok, err = probe(l.Path(SchedulerFile), true)
	if err != nil {
		return Info{}, false, unavailable(l.Path(SchedulerFile), err)
	}
	return info, ok, nil
}

// WindowOpen reports whether a window holds or is waiting for the
// scheduler.
func (l *Locker) WindowOpen() (bool, error) {
	_, ok, err := probe(l.Path(WindowFile), false)
	if err != nil {
		return false, unavailable(l.Path(WindowFile), err)
	}
	return ok, nil
}

// BackgroundRunning reports whether a background process holds its claim
// (ClaimBackground), whether or not it is the scheduler now.
func (l *Locker) BackgroundRunning() (info Info, ok bool, err error) {
	info, ok, err = probe(l.Path(BackgroundFile), true)
	if err != nil {
		return Info{}, false, unavailable(l.Path(BackgroundFile), err)
	}
	return info, ok, nil
}

// Claim marks the one background process of a config folder.
type Claim struct {
	f    *os.File
	once sync.Once
	err  error
}

// ClaimBackground makes this process the config folder's background
// helper for as long as it holds the claim (normally its whole life). ok
// is false when another helper already holds it: this one should exit.
func (l *Locker) ClaimBackground() (claim *Claim, ok bool, err error) {
	f, err := tryLockPath(l.Path(BackgroundFile))
	if err != nil {
		return nil, false, unavailable(l.Path(BackgroundFile), err)
	}
	if f == nil {
		return nil, false, nil
	}
	writeInfo(f, l.info(RoleBackground))
	return &Claim{f: f}, true, nil
}

// Release gives the claim up; later calls do nothing.
func (c *Claim) Release() error {
	c.once.Do(func() {
		clearInfo(c.f)
		c.err = release(c.f)
	})
	return c.err
}

// Lease is the scheduler role, held until Release.
type Lease struct {
	l        *Locker
	info     Info
	sched    *os.File
	presence *os.File // window.lock, for a window

	lost       chan struct{}
	lostOnce   sync.Once
	handedOver atomic.Bool

	stop        chan struct{}
	watcherDone chan struct{}
	releaseOnce sync.Once
	releaseErr  error
}

func (l *Locker) newLease(role Role, sched, presence *os.File) *Lease {
	le := &Lease{
		l:           l,
		info:        l.info(role),
		sched:       sched,
		presence:    presence,
		lost:        make(chan struct{}),
		stop:        make(chan struct{}),
		watcherDone: make(chan struct{}),
	}
	writeInfo(sched, le.info)
	go le.watch()
	return le
}

// watch ends the lease when a window asks for the scheduler (background
// role) or when the lock file was removed or replaced (either role).
func (le *Lease) watch() {
	defer close(le.watcherDone)
	for {
		select {
		case <-le.stop:
			return
		case <-le.l.clock.After(le.l.check):
		}
		if !namesFile(le.l.Path(SchedulerFile), le.sched) {
			le.lose(false)
			return
		}
		if le.info.Role == RoleBackground {
			// An error here (say, the folder became unreadable) keeps the
			// lease: a window could not use the folder either.
			if open, err := le.l.WindowOpen(); err == nil && open {
				le.lose(true)
				return
			}
		}
	}
}

func (le *Lease) lose(handover bool) {
	le.lostOnce.Do(func() {
		le.handedOver.Store(handover)
		close(le.lost)
	})
}

// Role returns the role the lease was acquired for.
func (le *Lease) Role() Role { return le.info.Role }

// Info returns the holder info written for this lease.
func (le *Lease) Info() Info { return le.info }

// Lost is closed when the holder must stop scheduling: a window asked for
// the scheduler (HandedOver), the lock file was removed, or the lease was
// released. The lock stays held until Release, which the holder calls once
// its sync has stopped, so the two never overlap.
func (le *Lease) Lost() <-chan struct{} { return le.lost }

// HandedOver reports whether the lease was lost because a window asked for
// the scheduler.
func (le *Lease) HandedOver() bool { return le.handedOver.Load() }

// Release gives the scheduler up (and, for a window, window.lock). Later
// calls do nothing and return the first result.
func (le *Lease) Release() error {
	le.releaseOnce.Do(func() {
		close(le.stop)
		<-le.watcherDone
		clearInfo(le.sched)
		if err := release(le.sched); err != nil {
			le.releaseErr = unavailable(le.l.Path(SchedulerFile), err)
		}
		if le.presence != nil {
			clearInfo(le.presence)
			if err := release(le.presence); err != nil && le.releaseErr == nil {
				le.releaseErr = unavailable(le.l.Path(WindowFile), err)
			}
		}
		le.lose(false)
		le.l.done()
	})
	return le.releaseErr
}
