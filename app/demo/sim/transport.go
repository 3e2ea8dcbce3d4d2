package sim

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// baseURL is the Recall address every simulated install is given. Nothing
// listens there: the transport hands each request to the fake's handler
// in-process.
const baseURL = "http://127.0.0.1:9"

// network is what sits between the installs and the fake Recall: each
// install's transport shares it, so an outage is switched in one place.
type network struct {
	handler http.Handler
	mu      sync.Mutex
	refused bool // connection refused, as when Recall's address answers nothing
}

func (n *network) setRefused(on bool) {
	n.mu.Lock()
	n.refused = on
	n.mu.Unlock()
}

func (n *network) isRefused() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.refused
}

// transport is one install's http.RoundTripper: a network round trip
// takes latency (virtual time, from the install's own seeded randomness),
// then the fake's handler answers on the caller's goroutine. No socket,
// no connection pool, no background reader: inside a synctest bubble
// every goroutine then blocks durably, so virtual time can move.
type transport struct {
	net *network
	rng *lockedRand
}

// Latency of one request: Recall answers in a few hundred milliseconds.
const (
	minLatency    = 150 * time.Millisecond
	latencySpread = 250 * time.Millisecond
)

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	timer := time.NewTimer(minLatency + t.rng.duration(latencySpread))
	select {
	case <-timer.C:
	case <-r.Context().Done():
		timer.Stop()
		return nil, r.Context().Err()
	}
	if t.net.isRefused() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	sr := r.Clone(r.Context())
	sr.RequestURI = r.URL.RequestURI()
	sr.RemoteAddr = "127.0.0.1:49152"
	sr.Host = r.URL.Host
	if r.Body == nil {
		sr.Body = http.NoBody
	}
	w := &response{header: http.Header{}}
	if err := serve(t.net.handler, w, sr); err != nil {
		return nil, err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       r,
	}, nil
}

// serve runs the handler; a handler that aborts (as net/http lets it, to
// drop the connection) is a connection reset for the client.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			err = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// response is an http.ResponseWriter that keeps the answer in memory.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *response) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
