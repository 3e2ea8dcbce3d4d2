// Package testclock is a settable clock whose timers fire only when a test
// says so. The use cases take Now and After as options; tests pass a Clock's
// and drive time step by step, with no sleeps and no real timers.
package testclock

import (
	"sync"
	"testing"
	"time"
)

// HangGuard bounds WaitForTimer. A test that reaches it has failed: it is a
// guard against hanging, not a timing assertion.
const HangGuard = 10 * time.Second

// Timer is one call of After: how long it was asked to wait, and the
// channel the test fires.
type Timer struct {
	Wait time.Duration
	C    chan time.Time
}

// Clock is a settable Now and an After whose timers fire only on Fire (or a
// test's own send on Timer.C). Safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*Timer
	created chan struct{}
}

// New returns a Clock reading start.
func New(start time.Time) *Clock {
	return &Clock{now: start, created: make(chan struct{}, 1)}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// After records a timer and returns its channel; nothing fires by itself.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	t := &Timer{Wait: d, C: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	select {
	case c.created <- struct{}{}:
	default:
	}
	return t.C
}

// Count is how many timers were created so far.
func (c *Clock) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimer blocks until at least n timers were created and returns the
// newest. A Service that creates one timer each time it goes idle is idle
// again when its next timer appears.
func (c *Clock) WaitForTimer(t testing.TB, n int) *Timer {
	t.Helper()
	deadline := time.NewTimer(HangGuard)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			newest := c.timers[len(c.timers)-1]
			c.mu.Unlock()
			return newest
		}
		c.mu.Unlock()
		select {
		case <-c.created:
		case <-deadline.C:
			t.Fatalf("timer #%d was never created (have %d)", n, c.Count())
		}
	}
}

// Fire advances the clock by the timer's wait and fires it.
func (c *Clock) Fire(t *Timer) {
	c.Advance(t.Wait)
	t.C <- c.Now()
}
