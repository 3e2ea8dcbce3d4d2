package schedlock

import (
	"sync"
	"testing"
	"time"
)

// fakeClock fires After channels only when the test advances it, and lets
// the test wait until goroutines are parked on it: the events these tests
// synchronise on, instead of sleeps.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	changed chan struct{} // closed and replaced whenever waiters change
}

type fakeWaiter struct {
	d  time.Duration
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, fakeWaiter{d: d, at: c.now.Add(d), ch: ch})
	c.signal()
	return ch
}

func (c *fakeClock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves time on and fires every waiter now due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
	c.signal()
}

// WaitFor blocks until at least n waiters for duration d are pending.
func (c *fakeClock) WaitFor(t *testing.T, d time.Duration, n int) {
	t.Helper()
	guard := time.After(hangGuard)
	for {
		c.mu.Lock()
		count := 0
		for _, w := range c.waiters {
			if w.d == d {
				count++
			}
		}
		changed := c.changed
		c.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-changed:
		case <-guard:
			t.Fatalf("no %d goroutines waited %v on the clock", n, d)
		}
	}
}

// hangGuard bounds every wait for an event, so a broken lock fails the test
// instead of hanging it. It is never a timing assertion.
const hangGuard = 60 * time.Second
