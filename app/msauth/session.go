package msauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/microsoft"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Scopes are the scopes requested in Microsoft's global cloud; a national
// cloud's sign-in asks for its own Graph host (GraphHostFor).
var Scopes = scopesFor(graphGlobal)

const (
	// exchangeTimeout bounds the token request.
	exchangeTimeout = 60 * time.Second
	// drainLimit bounds how long teardown waits for in-flight requests.
	drainLimit = 5 * time.Second
)

type phase int

const (
	phaseWaiting    phase = iota // listening for the answer
	phaseExchanging              // answer received, exchanging the code
	phaseDone                    // result decided; tearing down or closed
)

// Session is one sign-in attempt. Its methods are safe for concurrent use.
type Session struct {
	cfg         Config
	log         *slog.Logger
	env         env
	oauth       *oauth2.Config
	state       []byte
	verifier    string
	nonce       string
	authURL     string
	startURL    string
	redirectURI string
	port        string
	lns         []net.Listener
	srv         *http.Server
	httpClient  *http.Client
	transport   *http.Transport // ours, when Config.HTTPClient is nil
	began       time.Time
	expiresAt   time.Time
	timer       *time.Timer
	exCtx       context.Context // ends with the attempt; bounds the exchange
	exCancel    context.CancelFunc

	mu       sync.Mutex
	phase    phase
	result   Result
	err      error
	closing  bool
	inflight int
	drained  chan struct{}

	late *time.Timer // tears down a finished attempt nobody waits for

	finished     chan struct{} // closed once the result is decided (and its page sent)
	closed       chan struct{} // closed when the port is closed and all is torn down
	signalOnce   sync.Once
	teardownOnce sync.Once
	serveWG      sync.WaitGroup
}

// lateTeardown closes the port of an attempt that succeeded or failed at
// the callback when no one calls Wait or Cancel (a variable for tests).
var lateTeardown = 10 * time.Second

// listen binds the listeners (tests replace it).
var listen = listenLoopback

// active is the attempt in progress: a second Start cancels the first.
var active struct {
	mu sync.Mutex
	s  *Session
}

// Start validates cfg, binds the loopback listener and returns the attempt.
// ctx bounds Start only. Errors are *problem.Problem (CodeConfigInvalid,
// CodePortUnavailable, CodeCancelled). An attempt already in progress is
// cancelled with CodeSuperseded, and its port closed, before Start returns.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, newProblem(CodeCancelled, err)
	}
	cfg, p := cfg.normalise()
	if p != nil {
		return nil, p
	}
	// [::1] only serves a redirect to "localhost": with 127.0.0.1 the
	// browser never uses IPv6.
	lns, port, err := listen(ctx, cfg.RedirectHost == "localhost")
	if err != nil {
		p := newProblem(CodePortUnavailable, err, problem.Detail{Label: LabelReason, Value: errKind(err)})
		cfg.Logger.Warn("msauth.port_unavailable", "reason", errKind(err))
		return nil, p
	}
	s := newSession(cfg, lns, port)
	s.mu.Lock() // orders the assignment before the timer's own use of it
	s.timer = time.AfterFunc(cfg.Timeout, s.onTimeout)
	s.mu.Unlock()
	for _, ln := range lns {
		s.serveWG.Add(1)
		go func() {
			defer s.serveWG.Done()
			s.srv.Serve(ln)
		}()
	}

	active.mu.Lock()
	prev := active.s
	active.s = s
	active.mu.Unlock()
	if prev != nil {
		prev.end(Result{}, newProblem(CodeSuperseded, nil), phaseWaiting, phaseExchanging)
		prev.signal()
		prev.teardown()
	}
	s.log.Info("msauth.started", "port", port, "response_mode", cfg.ResponseMode,
		"redirect_host", cfg.RedirectHost, "tenant", cfg.Tenant, "ipv6", len(lns) > 1,
		"timeout_s", int(cfg.Timeout/time.Second))
	return s, nil
}

func newSession(cfg Config, lns []net.Listener, port string) *Session {
	s := &Session{
		cfg:      cfg,
		log:      cfg.Logger,
		lns:      lns,
		port:     port,
		state:    []byte(randomString(32)), // 256 bits
		verifier: oauth2.GenerateVerifier(),
		nonce:    randomString(16),
		began:    time.Now(),
		drained:  make(chan struct{}),
		finished: make(chan struct{}),
		closed:   make(chan struct{}),
	}
	s.expiresAt = s.began.Add(cfg.Timeout)
	s.exCtx, s.exCancel = context.WithCancel(context.Background())
	base := "http://" + net.JoinHostPort(cfg.RedirectHost, port)
	s.redirectURI = base + "/callback"
	s.startURL = base + "/start"

	// microsoft.AzureADEndpoint, rebased onto the configured authority, with
	// the client secret in the form body and nothing auto-detected: the
	// default (AuthStyleAutoDetect) retries a failed exchange with the same
	// code, which hides the real error behind AADSTS54005 (ref §6.4).
	ep := microsoft.AzureADEndpoint(cfg.Tenant)
	rebase := func(u string) string { return cfg.Authority + strings.TrimPrefix(u, DefaultAuthority) }
	ep.AuthURL, ep.TokenURL, ep.DeviceAuthURL = rebase(ep.AuthURL), rebase(ep.TokenURL), rebase(ep.DeviceAuthURL)
	ep.AuthStyle = oauth2.AuthStyleInParams
	s.oauth = &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     ep,
		RedirectURL:  s.redirectURI, // the same string in both legs (ref §6.3)
		Scopes:       scopesFor(cfg.GraphHost),
	}
	s.authURL = s.oauth.AuthCodeURL(string(s.state),
		oauth2.S256ChallengeOption(s.verifier),
		oauth2.SetAuthURLParam("prompt", "select_account"),
		oauth2.SetAuthURLParam("response_mode", cfg.ResponseMode),
		oauth2.SetAuthURLParam("nonce", s.nonce))

	s.httpClient = s.tokenClient()
	s.env = env{
		authority: cfg.Authority, tenant: cfg.Tenant, clientID: cfg.ClientID, redirectURI: s.redirectURI,
		secrets: []string{cfg.ClientSecret, string(s.state), s.verifier, s.nonce},
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      exchangeTimeout + 15*time.Second, // the page follows the exchange
		IdleTimeout:       5 * time.Second,                  // teardown closes idle connections anyway
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
	}
	return s
}

// tokenClient is the client for the one token request. It never follows a
// redirect: a 307/308 would send the code again.
func (s *Session) tokenClient() *http.Client {
	var c http.Client
	if s.cfg.HTTPClient != nil {
		c = *s.cfg.HTTPClient
	} else {
		s.transport = &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:    15 * time.Second,
			ResponseHeaderTimeout:  exchangeTimeout,
			MaxResponseHeaderBytes: 64 << 10,
			DisableKeepAlives:      true, // one request; nothing lingers afterwards
			ForceAttemptHTTP2:      true,
		}
		c.Transport = s.transport
		c.Timeout = exchangeTimeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartURL is http://localhost:<port>/start (or 127.0.0.1): open it in the
// browser. It redirects to Microsoft and carries no state, so it is safe to
// show and copy.
func (s *Session) StartURL() string { return s.startURL }

// RedirectURI is http://localhost:<port>/callback (or 127.0.0.1).
func (s *Session) RedirectURI() string { return s.redirectURI }

// ExpiresAt is when the attempt times out.
func (s *Session) ExpiresAt() time.Time { return s.expiresAt }

// Wait blocks until the attempt ends and returns its result. If ctx ends
// first, the attempt is cancelled (CodeCancelled). The port is closed when
// Wait returns. Wait may be called more than once.
func (s *Session) Wait(ctx context.Context) (Result, error) {
	select {
	case <-s.finished:
	case <-ctx.Done():
		s.end(Result{}, newProblem(CodeCancelled, ctx.Err()), phaseWaiting, phaseExchanging)
		s.signal()
	}
	s.teardown()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.result, s.err
}

// Cancel ends the attempt (Wait returns CodeCancelled) and returns once the
// port is closed. Safe to call more than once, and after the end.
func (s *Session) Cancel() {
	s.end(Result{}, newProblem(CodeCancelled, nil), phaseWaiting, phaseExchanging)
	s.signal()
	s.teardown()
}

func (s *Session) onTimeout() {
	minutes := int(s.cfg.Timeout.Round(time.Minute) / time.Minute)
	p := newProblem(CodeTimeout, nil)
	if minutes >= 1 {
		p.Message = fmt.Sprintf("Outlook Connect waited %d minute%s, but the sign-in wasn't finished in the browser.", minutes, plural(minutes))
	} else {
		p.Message = "Outlook Connect waited, but the sign-in wasn't finished in the browser."
	}
	// Once the answer is in, the exchange finishes: the timeout no longer applies.
	if s.end(Result{}, p, phaseWaiting) {
		s.signal()
		s.teardown()
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// end decides the result, if the attempt is in one of the given phases, and
// cancels an exchange in flight. Whoever ends the attempt then calls signal
// (the callback handler, once its page is sent) and teardown (or leaves it
// to Wait).
func (s *Session) end(res Result, err error, from ...phase) bool {
	s.mu.Lock()
	ok := false
	for _, p := range from {
		ok = ok || s.phase == p
	}
	if !ok {
		s.mu.Unlock()
		return false
	}
	s.phase = phaseDone
	s.result, s.err = res, err
	s.mu.Unlock()
	s.exCancel()
	return true
}

// signal wakes Wait.
func (s *Session) signal() { s.signalOnce.Do(func() { close(s.finished) }) }

// claim moves the attempt from waiting to exchanging: only the first
// answer with the right state gets here.
func (s *Session) claim() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != phaseWaiting {
		return false
	}
	s.phase = phaseExchanging
	s.timer.Stop()
	return true
}

// teardown closes the port and ends every goroutine of the attempt, once;
// later callers wait until it is done. It stops accepting, lets in-flight
// requests finish their page, and closes every connection. Wait runs it
// before returning the result; Cancel and the timeout run it themselves.
// It must not be called from a handler (it waits for handlers to finish).
func (s *Session) teardown() {
	s.teardownOnce.Do(func() {
		s.mu.Lock()
		s.timer.Stop()
		if s.late != nil {
			s.late.Stop()
		}
		s.closing = true
		if s.inflight == 0 {
			close(s.drained)
		}
		s.mu.Unlock()
		for _, ln := range s.lns {
			ln.Close()
		}
		t := time.NewTimer(drainLimit)
		select {
		case <-s.drained:
		case <-t.C:
		}
		t.Stop()
		s.srv.Close()
		s.serveWG.Wait()
		if s.transport != nil {
			s.transport.CloseIdleConnections()
		}
		active.mu.Lock()
		if active.s == s {
			active.s = nil
		}
		active.mu.Unlock()

		s.mu.Lock()
		outcome := "signed_in"
		if p, ok := s.err.(*problem.Problem); ok && p != nil {
			outcome = p.Code
		}
		s.mu.Unlock()
		s.log.Info("msauth.finished", "outcome", outcome, "duration_ms", time.Since(s.began).Milliseconds())
		close(s.closed)
	})
	<-s.closed
}

// enter counts an in-flight request; false once teardown has begun.
func (s *Session) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.inflight++
	return true
}

func (s *Session) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if s.closing && s.inflight == 0 {
		close(s.drained)
	}
}

// ServeHTTP is the loopback listener's handler.
func (s *Session) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		writeRendered(w, http.StatusServiceUnavailable, pageFinished)
		return
	}
	defer s.leave()
	// DNS-rebinding defence: only our own loopback names and port.
	if !s.hostAllowed(r.Host) {
		s.ignore(w, r, http.StatusMisdirectedRequest, "host", pageWrongHost)
		return
	}
	switch r.URL.Path {
	case "/start":
		s.handleStart(w, r)
	case "/callback":
		s.handleCallback(w, r)
	default:
		s.ignore(w, r, http.StatusNotFound, "path", pageNotFound)
	}
}

func (s *Session) hostAllowed(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port != s.port {
		return false
	}
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// ignore answers a request that is not the answer, without ending the
// attempt.
func (s *Session) ignore(w http.ResponseWriter, r *http.Request, status int, reason string, page renderedPage) {
	s.log.Debug("msauth.request_ignored", "path", pathClass(r.URL.Path), "method", methodClass(r.Method),
		"status", status, "reason", reason)
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", s.allowed())
	}
	writeRendered(w, status, page)
}

func (s *Session) allowed() string {
	if s.cfg.ResponseMode == "form_post" {
		return "POST, OPTIONS"
	}
	return "GET, OPTIONS"
}

// pathClass and methodClass keep request-controlled text out of the logs.
func pathClass(p string) string {
	switch p {
	case "/", "/start", "/callback", "/favicon.ico":
		return p
	}
	return "other"
}

func methodClass(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "other"
}

func (s *Session) handleStart(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.log.Debug("msauth.request_ignored", "path", "/start", "method", methodClass(r.Method), "status", 405, "reason", reasonMethod)
		writeRendered(w, http.StatusMethodNotAllowed, pageWrongMethod)
		return
	}
	s.mu.Lock()
	waiting := s.phase == phaseWaiting
	s.mu.Unlock()
	if !waiting {
		writeRendered(w, http.StatusConflict, pageFinished)
		return
	}
	h := w.Header()
	setSecurityHeaders(h)
	h.Set("Location", s.authURL)
	w.WriteHeader(http.StatusFound)
	s.log.Debug("msauth.start_redirect")
}

func (s *Session) handleCallback(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		// A preflight (e.g. Private Network Access) is answered and
		// forgotten; it grants nothing.
		h := w.Header()
		setSecurityHeaders(h)
		h.Set("Allow", s.allowed())
		w.WriteHeader(http.StatusNoContent)
		s.log.Debug("msauth.request_ignored", "path", "/callback", "method", "OPTIONS", "status", 204, "reason", "preflight")
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
		if err != nil {
			s.ignore(w, r, http.StatusRequestEntityTooLarge, reasonTooLong, pageNotAnAnswer)
			return
		}
		body = b
	}
	cb, status, reason := parseCallback(s.cfg.ResponseMode, r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery, body)
	if status != 0 {
		page := pageNotAnAnswer
		if status == http.StatusMethodNotAllowed {
			page = pageWrongMethod
		}
		s.ignore(w, r, status, reason, page)
		return
	}
	if subtle.ConstantTimeCompare([]byte(cb.State), s.state) != 1 {
		s.log.Warn("msauth.state_mismatch")
		s.ignore(w, r, http.StatusBadRequest, "state_mismatch", pageStale)
		return
	}
	if !s.claim() {
		writeRendered(w, http.StatusConflict, pageFinished)
		return
	}

	var res Result
	var err error
	if cb.Error != "" {
		me := fromRedirect(cb)
		p := classify(me, s.env, nil)
		s.log.Info("msauth.callback", "outcome", "error", "error", word(me.err), "aadsts", me.aadsts(), "problem", p.Code)
		err = p
	} else {
		s.log.Info("msauth.callback", "outcome", "code")
		res, err = s.exchange(cb.Code)
	}
	// claim already refuses any second answer. The page goes out first; then
	// Wait is woken and tears down (closing the port) before it returns.
	switch {
	case !s.end(res, err, phaseExchanging):
		writeRendered(w, http.StatusOK, pageCancelled) // Cancel won the race and tears down
		return
	case err != nil:
		writePage(w, http.StatusOK, failurePage(problem.From(err)))
	default:
		writeRendered(w, http.StatusOK, pageSignedIn)
	}
	s.mu.Lock()
	if !s.closing {
		s.late = time.AfterFunc(lateTeardown, func() { s.teardown() })
	}
	s.mu.Unlock()
	s.signal()
}

// failurePage tells the person in the browser what went wrong, in the
// catalogue's words, and points them back to the app.
func failurePage(p *problem.Problem) pageData {
	d := pageData{Title: p.Title, Message: p.Message, Next: "Return to Outlook Connect to see what to do next."}
	if v, ok := p.Detail(LabelMessage); ok {
		d.Details = append(d.Details, "Microsoft said: "+v)
	}
	if v, ok := p.Detail(LabelMicrosoftErr); ok {
		d.Details = append(d.Details, "Error code: "+v)
	}
	return d
}

func errKind(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "permission denied"), strings.Contains(s, "access permissions"):
		return "permission denied"
	case strings.Contains(s, "address already in use"), strings.Contains(s, "Only one usage"):
		return "address in use"
	case strings.Contains(s, "cannot assign requested address"), strings.Contains(s, "can't assign requested address"):
		return "no loopback address"
	}
	return "listen failed"
}
