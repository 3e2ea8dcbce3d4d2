package meetings

import (
	"sync"
	"sync/atomic"
	"time"
)

// Recall's per-workspace limits, shared by every install on one API key
// (recall-api.md §6.2), and the share of them the app plans to use.
const (
	ListEventsPerMinute       = 60
	RetrieveCalendarPerMinute = 300
	BotsPerMinute             = 600
	// BudgetShare is the part of each limit all installs together stay
	// under in steady running, leaving the rest for bursts (login storms,
	// rule changes, recovery after an outage) and for anything else on
	// the key.
	BudgetShare = 0.5
	// PlannedShare is the part of each limit the timed requests (the
	// syncs and status reads every install makes by the clock) plan to
	// use. The tenth between it and BudgetShare absorbs what no clock
	// sets: focus syncs and "Check now", a full load of more than one
	// page, a re-read after a 404, and a fleet up to a quarter larger than
	// declared. Planning for BudgetShare itself would put the steady load
	// at 50 % and a little over, not under it.
	PlannedShare = 0.4
)

// DefaultExpectedInstalls is the number of installs assumed to share one
// Recall key when the admin has not said (config.DefaultExpectedInstalls
// has the same value).
const DefaultExpectedInstalls = 250

// Interval bounds.
const (
	// MinSyncInterval is the fastest automatic sync, whatever the budget
	// allows: events rarely change faster, and a person has "Check now".
	MinSyncInterval = 2 * time.Minute
	// MinStatusPollInterval is app/connect's status poll
	// (connect.DefaultStatusPollInterval).
	MinStatusPollInterval = 5 * time.Minute
	// RecoverAfter is how long the widening stays after a 429, and
	// between each halving back. A 429 means the fleet asks Recall for
	// more than twice what it planned (the plan is 40 % of the limit), so
	// the interval it needs is the widened one: narrowing after every clean
	// sync would only find the limit again, and a fleet larger than
	// declared would keep meeting 429s.
	RecoverAfter = time.Hour
	// maxWiden caps how far 429s stretch the interval.
	maxWiden = 8
	// widenAtMostEvery makes one burst of 429s one doubling: the Recall
	// client reports each 429 as it arrives (recall.Config.OnRateLimited),
	// and a call retried past several, or several calls of one sync,
	// describe the same moment of an over-full workspace.
	widenAtMostEvery = time.Minute
	// defaultRetryAfter is assumed when a 429 names no wait.
	defaultRetryAfter = time.Minute
)

// Budget turns the workspace limits and the expected number of installs
// into this process's intervals, and remembers 429s: every Service of the
// process that shares a Budget slows down together. Safe for concurrent use.
type Budget struct {
	installs atomic.Int64

	mu      sync.Mutex
	widen   int       // 1, 2, 4 or 8: the interval multiplier after 429s
	until   time.Time // no Recall call before this (Retry-After)
	limited time.Time // the last 429, or the last halving back
	widened time.Time // the last doubling
}

// NewBudget returns the budget for a key shared by expectedInstalls
// installs; 0 or less means DefaultExpectedInstalls.
func NewBudget(expectedInstalls int) *Budget {
	b := &Budget{widen: 1}
	b.SetExpectedInstalls(expectedInstalls)
	return b
}

// SetExpectedInstalls re-sizes the budget when the admin's setting
// changes (a new setup file); 0 or less means DefaultExpectedInstalls.
// What Recall said stays: a Retry-After and the widening survive, so a
// process that rewires its configuration does not forget a 429.
func (b *Budget) SetExpectedInstalls(expectedInstalls int) {
	if expectedInstalls <= 0 {
		expectedInstalls = DefaultExpectedInstalls
	}
	b.installs.Store(int64(expectedInstalls))
}

// ExpectedInstalls is the number of installs the budget plans for.
func (b *Budget) ExpectedInstalls() int { return int(b.installs.Load()) }

// BaseSyncInterval is the gap between automatic syncs of one install when
// Recall has not asked us to slow down: the installs' syncs together use
// PlannedShare of List Calendar Events (one request per sync), so
// interval = installs / (PlannedShare × 60) minutes, at least
// MinSyncInterval.
func (b *Budget) BaseSyncInterval() time.Duration {
	perMinute := PlannedShare * ListEventsPerMinute
	return max(MinSyncInterval, time.Duration(float64(b.installs.Load())/perMinute*float64(time.Minute)))
}

// SyncInterval is BaseSyncInterval widened after 429s.
func (b *Budget) SyncInterval() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.BaseSyncInterval() * time.Duration(b.widen)
}

// StatusPollInterval is the gap between calendar status reads
// (app/connect's Options.StatusPollInterval) that keeps Retrieve Calendar
// within PlannedShare of its limit: installs / (PlannedShare × 300)
// minutes, at least MinStatusPollInterval.
func (b *Budget) StatusPollInterval() time.Duration {
	perMinute := PlannedShare * RetrieveCalendarPerMinute
	return max(MinStatusPollInterval, time.Duration(float64(b.installs.Load())/perMinute*float64(time.Minute)))
}

// RateLimited records a 429: no call before now+retryAfter (a minute when
// Recall named no wait), and the sync interval doubles, up to 8×, at most
// once a minute however many 429s arrive in it.
func (b *Budget) RateLimited(now time.Time, retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = defaultRetryAfter
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := now.Add(retryAfter); t.After(b.until) {
		b.until = t
	}
	if b.widened.IsZero() || now.Sub(b.widened) >= widenAtMostEvery {
		b.widen = min(b.widen*2, maxWiden)
		b.widened = now
	}
	b.limited = now
}

// Succeeded records a sync without a 429 at now: the widening halves back
// once RecoverAfter has passed since the last 429 or the last halving.
func (b *Budget) Succeeded(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.widen == 1 || now.Sub(b.limited) < RecoverAfter {
		return
	}
	b.widen /= 2
	b.limited = now
}

// BlockedUntil is when Recall allows calls again (zero or past: now).
func (b *Budget) BlockedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.until
}
