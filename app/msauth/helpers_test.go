package msauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClientID = "0d5f2c1a-7b3e-4c8d-9a6f-1e2d3c4b5a69"
	testSecret   = "Qx8~demo.secret_value-0123456789"
)

// startIDP starts the fake Microsoft with auto-accept on.
func startIDP(t testing.TB, mod func(*identity.Options)) *identity.Server {
	t.Helper()
	opts := identity.Options{ClientID: testClientID, ClientSecret: testSecret}
	if mod != nil {
		mod(&opts)
	}
	idp, err := identity.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	idp.Faults().SetAutoAccept(true)
	return idp
}

func configFor(idp *identity.Server) Config {
	return Config{
		ClientID:     testClientID,
		ClientSecret: testSecret,
		Authority:    idp.URL(),
		Timeout:      20 * time.Second,
	}
}

func start(t testing.TB, cfg Config) *Session {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Cancel)
	return s
}

// noFollow is a browser-side client that follows nothing by itself and
// keeps no connections.
var noFollow = &http.Client{
	Transport:     &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

type resp struct {
	status int
	header http.Header
	body   string
}

func send(t testing.TB, method, rawURL, host, ctype, body string) (resp, error) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	r, err := noFollow.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, r.Header, string(b)}, nil
}

func mustSend(t testing.TB, method, rawURL, host, ctype, body string) resp {
	t.Helper()
	r, err := send(t, method, rawURL, host, ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// authorizeURL follows /start one step and returns Microsoft's URL.
func authorizeURL(t testing.TB, s *Session) *url.URL {
	t.Helper()
	r := mustSend(t, http.MethodGet, s.StartURL(), "", "", "")
	if r.status != http.StatusFound {
		t.Fatalf("/start: %d %s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn plays the browser through /start → authorize → callback.
func signIn(t testing.TB, s *Session) *identity.Page {
	t.Helper()
	page, err := (&identity.Browser{}).Open(context.Background(), s.StartURL())
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return page
}

func wait(t testing.TB, s *Session) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Wait(ctx)
}

func wantProblem(t testing.TB, err error, code string) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T), want *problem.Problem %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("problem %s (%s), want %s; details %v", p.Code, p.Title, code, p.Details)
	}
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Errorf("problem %s lacks words: %+v", code, p)
	}
	if !errors.Is(err, &problem.Problem{Code: code}) {
		t.Errorf("errors.Is(%s) false", code)
	}
	return p
}

func detail(p *problem.Problem, label string) string {
	v, _ := p.Detail(label)
	return v
}

// portClosed reports whether nothing listens on the session's port any more.
func portClosed(t testing.TB, s *Session) bool {
	t.Helper()
	u, _ := url.Parse(s.StartURL())
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", u.Port()), time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// recorder is a transport that records token requests (to learn the code,
// verifier and secret the logs must not contain) and passes them on.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	next   http.RoundTripper
	fail   error
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	req.Body.Close()
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	if r.fail != nil {
		return nil, r.fail
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	return r.next.RoundTrip(req)
}

func (r *recorder) requests() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, b := range r.bodies {
		v, _ := url.ParseQuery(b)
		out = append(out, v)
	}
	return out
}

func newRecorder() (*recorder, *http.Client) {
	rec := &recorder{next: &http.Transport{DisableKeepAlives: true}}
	return rec, &http.Client{Transport: rec, Timeout: 10 * time.Second}
}

// logBuffer captures debug-level JSON logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// noSecrets checks that none of the values appears in the texts.
func noSecrets(t testing.TB, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 6 && strings.Contains(text, s) {
			t.Errorf("%s contains a secret (%.8s…)", where, s)
		}
	}
}

func problemText(p *problem.Problem) string {
	b, _ := json.Marshal(p)
	return string(b) + p.Error() + p.DetailsText()
}
