package recallapi

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"
)

// Fault makes matching requests fail. Method and Path select requests: an
// empty Method matches every method, and Path is a path.Match pattern (for
// example "/api/v2/calendars/*/"); an empty Path matches every path.
type Fault struct {
	Method string
	Path   string
	// Status is the answer: 429, 502, 503 or 504 come from the gateway
	// (before the idempotency cache); anything else (409, 507, 500, 402…) comes from
	// the application, so a 507 is cached like Recall does (recall-api.md §6.3).
	Status int
	// Times is how many matching requests fail; zero means once.
	Times int
	// RetryAfter, when set, is sent as the Retry-After header in seconds.
	RetryAfter time.Duration
	// DropResponse makes the request succeed (or fail) as usual, idempotency
	// cache included, and then closes the connection without sending the
	// answer: a response lost on the way back. Status is ignored.
	DropResponse bool
}

type faultStage int

const (
	stageGateway faultStage = iota
	stageApp
	stageDrop // after the application: the answer is thrown away
)

func (f Fault) stage() faultStage {
	if f.DropResponse {
		return stageDrop
	}
	switch f.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return stageGateway
	default:
		return stageApp
	}
}

// Faults are goroutine-safe knobs that make the fake misbehave on purpose.
type Faults struct {
	mu      sync.Mutex
	pending []*pendingFault
	revoked bool
	waf     bool
	latency time.Duration
}

type pendingFault struct {
	Fault
	left int
}

// Add queues a fault. Faults are consumed in the order they were added.
func (f *Faults) Add(fault Fault) {
	n := fault.Times
	if n <= 0 {
		n = 1
	}
	f.mu.Lock()
	f.pending = append(f.pending, &pendingFault{Fault: fault, left: n})
	f.mu.Unlock()
}

// FailNext makes the next n requests matching method and path pattern
// answer status.
func (f *Faults) FailNext(method, pathPattern string, status, n int) {
	f.Add(Fault{Method: method, Path: pathPattern, Status: status, Times: n})
}

// RevokeKey makes every request answer 401, as after the key is revoked.
func (f *Faults) RevokeKey(revoked bool) {
	f.mu.Lock()
	f.revoked = revoked
	f.mu.Unlock()
}

// BlockAll makes the firewall answer every request with its 403 HTML page.
func (f *Faults) BlockAll(blocked bool) {
	f.mu.Lock()
	f.waf = blocked
	f.mu.Unlock()
}

// SetLatency delays every response by d (zero for none).
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

// Pending reports how many queued fault responses are still to be served.
func (f *Faults) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pending {
		n += p.left
	}
	return n
}

// Reset clears every fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	f.pending = nil
	f.revoked, f.waf, f.latency = false, false, 0
	f.mu.Unlock()
}

func (f *Faults) keyRevoked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revoked
}

func (f *Faults) wafAll() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waf
}

// delay sleeps for the configured latency; false means the server or the
// client gave up meanwhile.
func (f *Faults) delay(server, req context.Context) bool {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-server.Done():
		return false
	case <-req.Done():
		return false
	}
}

// dropping takes a DropResponse fault matching the request, if any.
func (f *Faults) dropping(method, urlPath string) bool {
	_, ok := f.take(method, urlPath, stageDrop)
	return ok
}

func (f *Faults) take(method, urlPath string, stage faultStage) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range f.pending {
		if p.stage() != stage || (p.Method != "" && p.Method != method) {
			continue
		}
		if p.Path != "" {
			if ok, _ := path.Match(p.Path, urlPath); !ok {
				continue
			}
		}
		p.left--
		if p.left <= 0 {
			f.pending = append(f.pending[:i:i], f.pending[i+1:]...)
		}
		return p.Fault, true
	}
	return Fault{}, false
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	switch f.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// Load balancers answer with a short HTML page, not JSON.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><body><h1>" + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) + "</h1></body></html>\n"))
	case http.StatusConflict:
		writeJSON(w, f.Status, map[string]string{
			"code":    "conflict",
			"message": "Another request for this resource is in progress. Please retry.",
		})
	case http.StatusInsufficientStorage:
		writeJSON(w, f.Status, map[string]string{
			"code":    "no_bots_available",
			"message": "No bots are available in the ad-hoc pool right now. Please retry in about 30 seconds.",
		})
	case http.StatusTooManyRequests:
		if f.RetryAfter <= 0 {
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, f.Status, map[string]string{"detail": "Request was throttled."})
	default:
		writeJSON(w, f.Status, map[string]string{"detail": http.StatusText(f.Status)})
	}
}
