package recallapi

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// idempotencyTTL is how long a finished response is replayed (recall-api.md §6.3).
const idempotencyTTL = time.Hour

// idempotencyCache implements the Idempotency-Key header: keys are scoped to
// the key together with the method and path; a duplicate while the first
// request runs gets 409; a repeat within an hour replays the stored response
// (recall-api.md §6.3). There is one API key, so "your user" is implicit.
type idempotencyCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[idemScope]*idemEntry
	// done lists scopes as their requests finish, oldest first, so expired
	// entries are dropped without scanning the map on every request.
	done []idemScope
}

type idemScope struct{ key, method, path string }

type idemEntry struct {
	running  bool
	finished time.Time
	status   int
	header   http.Header
	body     []byte
}

func newIdempotencyCache(now func() time.Time) *idempotencyCache {
	return &idempotencyCache{now: now, entries: make(map[idemScope]*idemEntry)}
}

// running reports whether a request with this scope is still in progress.
func (c *idempotencyCache) running(key, method, path string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[idemScope{key, method, path}]
	return ok && e.running
}

func (c *idempotencyCache) serve(w http.ResponseWriter, r *http.Request, key string, next http.Handler) {
	scope := idemScope{key: key, method: r.Method, path: r.URL.Path}
	c.mu.Lock()
	now := c.now()
	c.expireLocked(now)
	if e, ok := c.entries[scope]; ok && !e.running && now.Sub(e.finished) >= idempotencyTTL {
		delete(c.entries, scope) // expired, though later in done than a younger entry
	}
	if e, ok := c.entries[scope]; ok {
		c.mu.Unlock()
		if e.running {
			// The action is skipped (recall-api.md §6.3).
			writeJSON(w, http.StatusConflict, map[string]string{
				"code":    "idempotency_conflict",
				"message": "A request with this Idempotency-Key is already in progress.",
			})
			return
		}
		replay(w, e)
		return
	}
	entry := &idemEntry{running: true}
	c.entries[scope] = entry
	c.mu.Unlock()

	rec := &bufferedResponse{header: make(http.Header), status: http.StatusOK}
	next.ServeHTTP(rec, r)

	c.mu.Lock()
	if cacheable(rec.status) {
		entry.running = false
		entry.finished = c.now()
		entry.status, entry.header, entry.body = rec.status, rec.header, rec.body.Bytes()
		c.done = append(c.done, scope)
	} else {
		delete(c.entries, scope)
	}
	c.mu.Unlock()
	replay(w, &idemEntry{status: rec.status, header: rec.header, body: rec.body.Bytes()})
}

// expireLocked drops the entries finished at least idempotencyTTL ago, in
// the order they finished, so the map stays small in long sessions.
func (c *idempotencyCache) expireLocked(now time.Time) {
	n := 0
	for ; n < len(c.done); n++ {
		e, ok := c.entries[c.done[n]]
		if ok && !e.running && now.Sub(e.finished) < idempotencyTTL {
			break // the oldest finished entry is still young
		}
		if ok && !e.running {
			delete(c.entries, c.done[n])
		}
		// A running entry reuses an expired scope; it is queued again
		// when it finishes.
	}
	c.done = c.done[n:]
}

// cacheable says which application answers are stored. Conflicts,
// throttling and gateway errors describe the moment, not the request, so
// they are not kept; a 507 is kept, which is why clients need a fresh key
// after one (§6.3).
func cacheable(status int) bool {
	switch status {
	case http.StatusConflict, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return false
	}
	return true
}

func replay(w http.ResponseWriter, e *idemEntry) {
	for k, v := range e.header {
		w.Header()[k] = append([]string(nil), v...)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
