// Package recallapi is an in-process fake of Recall.ai's Calendar V2 API,
// served over real HTTP on loopback. It follows the behaviour documented in
// /work/shared/reference/recall-api.md (cited by section beside each rule),
// not what happens to suit our client, so the client's tests are honest.
//
// It backs demo mode and the tests of package recall. Everything lives in
// memory; nothing leaves the machine.
package recallapi

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenVerifier is how the fake decides whether a calendar connects: the demo
// wiring passes the fake Microsoft identity server, which checks the refresh
// token (and the client id/secret) like Microsoft would.
//
// An error may implement `OAuthError() (code, description string)` to say
// what Microsoft answered (for example "invalid_grant" and an AADSTS text);
// the fake copies those into the calendar's status_changes entry.
type TokenVerifier interface {
	VerifyRefreshToken(ctx context.Context, clientID, clientSecret, refreshToken string) error
}

// MailboxVerifier is optionally implemented by a TokenVerifier that knows
// whose mailbox a refresh token opens. Recall fills platform_email from the
// provider during its sync (recall-api.md §2.3), so the answer becomes
// platform_email: the mailbox's own address, which need not be the
// oauth_email the caller sent. Without it the fake falls back to
// oauth_email.
type MailboxVerifier interface {
	VerifyMailbox(ctx context.Context, clientID, clientSecret, refreshToken string) (mailbox string, err error)
}

// DefaultConnectDelay is how long a new or patched calendar stays
// "connecting" when Options.ConnectDelay is zero.
const DefaultConnectDelay = 1500 * time.Millisecond

// DefaultEventsPerCalendar is how many events a connected calendar gets when
// Options.EventsPerCalendar is zero: about a month of a busy person's diary.
const DefaultEventsPerCalendar = 60

// Options configures the fake.
type Options struct {
	// APIKey is the one valid key (required).
	APIKey string
	// Verifier decides whether calendars connect; nil accepts every token.
	Verifier TokenVerifier
	// ConnectDelay is how long a new or patched calendar stays "connecting"
	// before the verify runs. Zero means DefaultConnectDelay; a negative
	// value verifies at once (tests).
	ConnectDelay time.Duration
	// Seed makes the generated calendar events reproducible.
	Seed int64
	// Now is the clock for timestamps, the sync window, rate limits and the
	// idempotency cache. Nil means time.Now.
	Now func() time.Time
	// RateLimits overrides the per-workspace per-minute limits.
	RateLimits *RateLimits
	// EventsPerCalendar is how many events each calendar gets on its first
	// successful sync. Zero means DefaultEventsPerCalendar.
	EventsPerCalendar int
	// Location is the time zone of the generated diary's office hours and
	// all-day dates; nil means UTC. Demo mode passes time.Local.
	Location *time.Location
	// StaticEvents turns off the scripted changes (one meeting moves, one
	// is cancelled) that follow a calendar's first sync.
	StaticEvents bool
	// OnRequest, when set, is called with each request's record once it
	// has been answered, on the request's goroutine. It must not call back
	// into the Server.
	OnRequest func(RequestRecord)
	// DiscardRequestLog keeps no log, so Requests returns nothing: a
	// simulation serving millions of requests counts them with OnRequest
	// instead of holding them all.
	DiscardRequestLog bool
}

// Server is a running fake. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	listener net.Listener // nil for NewHandler
	http     *http.Server // nil for NewHandler
	handler  http.Handler
	baseURL  string
	faults   *Faults
	limits   *rateLimiter
	idem     *idempotencyCache

	// ctx is cancelled by Close; background verifies and slow responses
	// watch it so shutdown never waits on a timer.
	ctx      context.Context
	cancel   context.CancelFunc
	inFlight sync.WaitGroup

	mu         sync.Mutex
	calendars  map[string]*calendar
	events     map[string]*event
	eventOrder []string        // every event id (the list order once sorted)
	unsorted   bool            // ids were appended to eventOrder since it was sorted
	bots       map[string]*bot // by deduplication key
	busyKeys   map[string]bool // deduplication keys with a bot call in progress
	hold       *BotHold        // parks bot calls while set (tests)
	changes    []plannedChange // scripted edits, by time
	rng        *rand.Rand
	log        []RequestRecord
	closed     bool
}

// Start listens on 127.0.0.1 with a random port and serves until Close. The
// server is ready to answer when Start returns.
func Start(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("recallapi: listen on loopback: %w", err)
	}
	s.listener = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// NewHandler returns a fake that does not listen: Handler serves the same
// API, every check included, to an in-process http.RoundTripper. The
// organisation-scale simulation (app/demo/sim) needs it: it runs in a
// testing/synctest bubble, whose fake clock only moves while every
// goroutine is durably blocked, which a socket's accept and read loops
// never are. baseURL is the address clients are given, named in `next`
// links: https, or http on a loopback host, with no path.
func NewHandler(opts Options, baseURL string) (*Server, error) {
	u, err := url.Parse(baseURL)
	switch {
	case err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
		return nil, errors.New("recallapi: baseURL must be a scheme and host, like http://127.0.0.1:1")
	case u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname())):
		return nil, errors.New("recallapi: baseURL must be https, or http on a loopback host")
	}
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	s.baseURL = u.Scheme + "://" + u.Host
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.APIKey == "" {
		return nil, errors.New("recallapi: Options.APIKey is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ConnectDelay == 0 {
		opts.ConnectDelay = DefaultConnectDelay
	}
	if opts.EventsPerCalendar == 0 {
		opts.EventsPerCalendar = DefaultEventsPerCalendar
	}
	if opts.EventsPerCalendar < 0 {
		return nil, errors.New("recallapi: Options.EventsPerCalendar must not be negative")
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	ctx, cancel := context.WithCancel(context.Background())
	seed := uint64(opts.Seed)
	s := &Server{
		opts:      opts,
		faults:    &Faults{},
		limits:    newRateLimiter(opts.RateLimits, opts.Now),
		idem:      newIdempotencyCache(opts.Now),
		ctx:       ctx,
		cancel:    cancel,
		calendars: make(map[string]*calendar),
		events:    make(map[string]*event),
		bots:      make(map[string]*bot),
		busyKeys:  make(map[string]bool),
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	s.handler = s.routes()
	return s, nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Handler serves the fake's API (for a Server from NewHandler; one from
// Start serves it on its socket as well).
func (s *Server) Handler() http.Handler { return s.handler }

// URL is the base URL, usable as OUTLOOK_CONNECT_RECALL_BASE_URL.
func (s *Server) URL() string { return s.baseURL }

// Faults returns the fault knobs.
func (s *Server) Faults() *Faults { return s.faults }

// Close stops the server, cancels pending verifies and waits for every
// handler and background job to finish. Safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, c := range s.calendars {
		if c.timer != nil && c.timer.Stop() {
			s.inFlight.Done() // the verify will never run
		}
	}
	s.mu.Unlock()
	s.cancel()
	var err error
	if s.http != nil {
		err = s.http.Close()
	}
	s.inFlight.Wait()
	return err
}

// RequestRecord is one request as the fake saw it, for test inspection.
// It holds no credentials: not the API key, not the body's values.
type RequestRecord struct {
	Method         string
	Path           string
	RawQuery       string
	IdempotencyKey string
	UserAgent      string
	// Status is the answer, or StatusDropped when the connection was closed
	// without one (Fault.DropResponse).
	Status int
	// BodyFields are the top-level keys of a JSON object body, sorted: what
	// a PATCH changed, without the values.
	BodyFields []string
}

// StatusDropped is RequestRecord.Status for a request that was acted on but
// whose answer was never sent.
const StatusDropped = -1

// Requests returns every request served so far, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.log...)
}

func (s *Server) record(r RequestRecord) {
	if !s.opts.DiscardRequestLog {
		s.mu.Lock()
		s.log = append(s.log, r)
		s.mu.Unlock()
	}
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(r)
	}
}

// newID returns a random UUID (v4 layout) from the seeded generator; callers
// hold s.mu.
func (s *Server) newID() string { return uuidFrom(s.rng) }

func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// eventSeed derives a per-calendar generator seed so each calendar's events
// are reproducible whatever order calendars are created in.
func (s *Server) eventSeed(calendarID string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(calendarID))
	return h.Sum64() ^ uint64(s.opts.Seed)
}
