package recall

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// RetryPolicy bounds how hard the client tries. Zero fields take the
// defaults shown.
type RetryPolicy struct {
	// MaxAttempts is the number of tries, including the first (default 4).
	MaxAttempts int
	// BaseDelay is the first backoff ceiling; it doubles per attempt
	// (default 500 ms).
	BaseDelay time.Duration
	// MaxDelay caps one backoff (default 8 s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After we wait for; a longer one
	// ends the retries with a rate-limited error (default 30 s).
	MaxRetryAfter time.Duration
	// MaxTotalWait caps the time spent waiting across retries (default 45 s).
	MaxTotalWait time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 8 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	if p.MaxTotalWait <= 0 {
		p.MaxTotalWait = 45 * time.Second
	}
	return p
}

// next decides whether attempt (1-based, just failed) is retried and how
// long to wait first: exponential backoff with full jitter, or Retry-After
// plus a little jitter when Recall sent one (recall-api.md §6.1, §6.2).
func (p RetryPolicy) next(attempt, maxAttempts int, retryAfter, waited time.Duration, jitter func(time.Duration) time.Duration) (time.Duration, bool) {
	if attempt >= maxAttempts {
		return 0, false
	}
	var wait time.Duration
	if retryAfter > 0 {
		if retryAfter > p.MaxRetryAfter {
			return 0, false
		}
		// Never earlier than asked; spread clients a little after it.
		wait = retryAfter + jitter(min(retryAfter/4, 2*time.Second))
	} else {
		ceiling := p.BaseDelay << (attempt - 1)
		if ceiling > p.MaxDelay || ceiling <= 0 {
			ceiling = p.MaxDelay
		}
		wait = jitter(ceiling)
	}
	if waited+wait > p.MaxTotalWait {
		return 0, false
	}
	return wait, true
}

func uniformJitter(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return rand.N(n + 1)
}

// Limits are this process's requests per minute per endpoint group. Zero
// means Recall's documented per-workspace limit (recall-api.md §6.2); a
// negative value turns pacing off for that group. The budgets are shared by
// every install using the same key, so one process should not spend them in
// a burst: each bucket holds at most a sixth of a minute's budget.
type Limits struct {
	ListCalendars int // 60/min
	ListEvents    int // 60/min
	Calendars     int // create/retrieve/update/delete: 300/min
	RetrieveEvent int // 300/min
	Bots          int // schedule/unschedule: 600/min
}

type endpointClass int

const (
	classListCalendars endpointClass = iota
	classListEvents
	classCalendars
	classRetrieveEvent
	classBots
	classCount
)

// limiter is a token bucket per endpoint group. A caller reserves a token
// first and then sleeps off any debt, so an injected sleeper that returns at
// once still leaves the bucket accounting correct.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets [classCount]*bucket
}

type bucket struct {
	perSecond float64
	burst     float64
	tokens    float64
	last      time.Time
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	perMinute := [classCount]int{
		classListCalendars: pick(l.ListCalendars, 60),
		classListEvents:    pick(l.ListEvents, 60),
		classCalendars:     pick(l.Calendars, 300),
		classRetrieveEvent: pick(l.RetrieveEvent, 300),
		classBots:          pick(l.Bots, 600),
	}
	lim := &limiter{now: now}
	for i, n := range perMinute {
		if n < 0 {
			continue
		}
		burst := max(float64(n)/6, 1)
		lim.buckets[i] = &bucket{perSecond: float64(n) / 60, burst: burst, tokens: burst, last: now()}
	}
	return lim
}

func pick(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// reserve takes a token and returns how long to wait before using it.
func (l *limiter) reserve(c endpointClass) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[c]
	if b == nil {
		return 0
	}
	now := l.now()
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed*b.perSecond)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.perSecond * float64(time.Second))
}

func (l *limiter) wait(ctx context.Context, c endpointClass, sleep func(context.Context, time.Duration) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d := l.reserve(c); d > 0 {
		return sleep(ctx, d)
	}
	return nil
}
