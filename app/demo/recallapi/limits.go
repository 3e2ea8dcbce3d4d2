package recallapi

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// RateLimits are per-workspace requests per minute for each endpoint group
// (recall-api.md §6.2). Zero means the documented limit; a negative value
// turns the limit off.
type RateLimits struct {
	ListCalendars int // documented 60/min
	Calendars     int // create/retrieve/update/delete: 300/min
	ListEvents    int // documented 60/min
	RetrieveEvent int // 300/min
	Bots          int // schedule/unschedule: 600/min
}

type endpointClass int

const (
	classNone endpointClass = iota
	classListCalendars
	classCalendars
	classListEvents
	classRetrieveEvent
	classBots
)

func classify(method, p string) endpointClass {
	switch {
	case strings.HasPrefix(p, "/api/v2/calendar-events/"):
		switch {
		case strings.HasSuffix(p, "/bot/"):
			return classBots
		case p == "/api/v2/calendar-events/":
			return classListEvents
		default:
			return classRetrieveEvent
		}
	case p == "/api/v2/calendars/" && method == http.MethodGet:
		return classListCalendars
	case strings.HasPrefix(p, "/api/v2/calendars/"):
		return classCalendars
	default:
		return classNone
	}
}

// rateLimiter is a sliding one-minute window per endpoint group: the
// workspace may make `limit` requests in any 60 seconds.
type rateLimiter struct {
	now    func() time.Time
	mu     sync.Mutex
	limits map[endpointClass]int
	seen   map[endpointClass][]time.Time
}

func newRateLimiter(o *RateLimits, now func() time.Time) *rateLimiter {
	var r RateLimits
	if o != nil {
		r = *o
	}
	pick := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return &rateLimiter{
		now: now,
		limits: map[endpointClass]int{
			classListCalendars: pick(r.ListCalendars, 60),
			classCalendars:     pick(r.Calendars, 300),
			classListEvents:    pick(r.ListEvents, 60),
			classRetrieveEvent: pick(r.RetrieveEvent, 300),
			classBots:          pick(r.Bots, 600),
		},
		seen: make(map[endpointClass][]time.Time),
	}
}

// allow records the request if the window has room; otherwise it returns
// how long until the oldest request leaves the window.
func (l *rateLimiter) allow(c endpointClass) (time.Duration, bool) {
	limit, ok := l.limits[c]
	if !ok || limit < 0 {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	window := l.seen[c]
	cut := 0
	for cut < len(window) && now.Sub(window[cut]) >= time.Minute {
		cut++
	}
	window = window[cut:]
	if len(window) >= limit {
		l.seen[c] = window
		return time.Minute - now.Sub(window[0]), false
	}
	l.seen[c] = append(window, now)
	return 0, true
}
