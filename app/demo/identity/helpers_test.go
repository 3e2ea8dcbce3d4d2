package identity

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClientID = "11111111-2222-3333-4444-555555555555"
	testSecret   = "s3cr3t~value.demo"
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func startServer(t testing.TB, mod func(*Options)) *Server {
	t.Helper()
	opts := Options{ClientID: testClientID, ClientSecret: testSecret}
	if mod != nil {
		mod(&opts)
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client never follows redirects and keeps no connections.
var client = &http.Client{
	Transport:     &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

func pkcePair() (verifier, challenge string) {
	verifier = randomToken(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, b64.EncodeToString(sum[:])
}

// authParams is a valid authorize request; tests change fields.
func authParams(redirect, challenge string) url.Values {
	return url.Values{
		"client_id":             {testClientID},
		"response_type":         {"code"},
		"redirect_uri":          {redirect},
		"scope":                 {"offline_access openid email profile https://graph.microsoft.com/Calendars.Read"},
		"state":                 {"st-" + randomToken(16)},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"nonce":                 {"n-123"},
		"prompt":                {"select_account"},
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func get(t testing.TB, rawURL string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func authorize(t testing.TB, s *Server, tenant string, q url.Values) response {
	t.Helper()
	return get(t, s.URL()+"/"+tenant+"/oauth2/v2.0/authorize?"+q.Encode())
}

// redirectParams parses the query of a 302 answer.
func redirectParams(t testing.TB, r response) url.Values {
	t.Helper()
	if r.status != http.StatusFound {
		t.Fatalf("status %d, want 302; body: %.300s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// issueCode runs authorize with auto-accept and returns the code.
func issueCode(t testing.TB, s *Server, tenant string, q url.Values) string {
	t.Helper()
	s.Faults().SetAutoAccept(true)
	p := redirectParams(t, authorize(t, s, tenant, q))
	if p.Get("code") == "" {
		t.Fatalf("no code: %v", p)
	}
	if p.Get("state") != q.Get("state") {
		t.Fatalf("state %q, want %q", p.Get("state"), q.Get("state"))
	}
	return p.Get("code")
}

type tokenReq struct {
	tenant string
	form   url.Values
	basic  [2]string
	origin string
	method string
	ctype  string
}

func postToken(t testing.TB, s *Server, tr tokenReq) response {
	t.Helper()
	if tr.tenant == "" {
		tr.tenant = "common"
	}
	if tr.method == "" {
		tr.method = http.MethodPost
	}
	req, err := http.NewRequest(tr.method, s.URL()+"/"+tr.tenant+"/oauth2/v2.0/token", strings.NewReader(tr.form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	ct := tr.ctype
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	if tr.basic[0] != "" {
		req.SetBasicAuth(url.QueryEscape(tr.basic[0]), url.QueryEscape(tr.basic[1]))
	}
	if tr.origin != "" {
		req.Header.Set("Origin", tr.origin)
	}
	return do(t, req)
}

func codeForm(code, redirect, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirect},
		"code_verifier": {verifier},
		"client_id":     {testClientID},
		"client_secret": {testSecret},
	}
}

func refreshForm(rt string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {testClientID},
		"client_secret": {testSecret},
	}
}

// msError is Microsoft's JSON error body (ref §4.1).
type msError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
	SubError      string `json:"suberror"`
}

// wantTokenError checks the status and Microsoft's exact error shape.
func wantTokenError(t testing.TB, r response, status int, errCode string, aadsts int) msError {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	for _, k := range []string{"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("error body lacks %q: %s", k, r.body)
		}
	}
	var e msError
	json.Unmarshal([]byte(r.body), &e)
	if e.Error != errCode {
		t.Errorf("error %q, want %q (%s)", e.Error, errCode, e.Description)
	}
	if len(e.Codes) != 1 || e.Codes[0] != aadsts {
		t.Errorf("error_codes %v, want [%d] (%s)", e.Codes, aadsts, e.Description)
	}
	checkDescription(t, e.Description, aadsts)
	if !guidPattern.MatchString(e.TraceID) || !guidPattern.MatchString(e.CorrelationID) {
		t.Errorf("trace/correlation ids not GUIDs: %q %q", e.TraceID, e.CorrelationID)
	}
	if _, err := time.Parse("2006-01-02 15:04:05Z", e.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", e.Timestamp, err)
	}
	if !strings.HasSuffix(e.ErrorURI, "/error?code="+strconv.Itoa(aadsts)) {
		t.Errorf("error_uri %q", e.ErrorURI)
	}
	return e
}

// checkDescription checks "AADSTSnnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …".
func checkDescription(t testing.TB, d string, aadsts int) {
	t.Helper()
	lines := strings.Split(d, "\r\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "AADSTS"+strconv.Itoa(aadsts)+": ") ||
		!strings.HasPrefix(lines[1], "Trace ID: ") || !strings.HasPrefix(lines[2], "Correlation ID: ") ||
		!strings.HasPrefix(lines[3], "Timestamp: ") {
		t.Errorf("error_description not in Microsoft's shape: %q", d)
	}
}

type tokenOK struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

func wantTokens(t testing.TB, r response) tokenOK {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var tok tokenOK
	if err := json.Unmarshal([]byte(r.body), &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func decodeJWT(t testing.TB, jwt string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// receiver is a loopback "app" that records callbacks.
type receiver struct {
	port string
	got  chan url.Values
}

func startReceiver(t testing.TB) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), got: make(chan url.Values, 4)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rc.got <- r.Form
		io.WriteString(w, "received")
	})}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return rc
}

func (rc *receiver) redirect() string { return "http://localhost:" + rc.port + "/callback" }

func (rc *receiver) wait(t testing.TB) url.Values {
	t.Helper()
	select {
	case v := <-rc.got:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
		return nil
	}
}

func bg() context.Context { return context.Background() }
