package msauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestHappyPath(t *testing.T) {
	for _, mode := range []string{"form_post", "query"} {
		for _, host := range []string{"localhost", "127.0.0.1"} {
			t.Run(mode+"/"+host, func(t *testing.T) {
				idp := startIDP(t, func(o *identity.Options) { o.RedirectHost = host })
				cfg := configFor(idp)
				cfg.RedirectHost = host
				if mode == "query" {
					cfg.ResponseMode = mode
				}
				t0 := time.Now()
				s := start(t, cfg)
				t1 := time.Now()
				if !regexp.MustCompile(`^http://` + regexp.QuoteMeta(host) + `:\d+/start$`).MatchString(s.StartURL()) {
					t.Fatalf("StartURL %q", s.StartURL())
				}
				if host == "127.0.0.1" && len(s.lns) != 1 {
					t.Errorf("%d listeners: [::1] serves no 127.0.0.1 redirect", len(s.lns))
				}
				// The attempt's clock starts inside Start: its expiry is
				// Timeout after a moment between t0 and t1.
				if exp := s.ExpiresAt(); exp.Before(t0.Add(cfg.Timeout)) || exp.After(t1.Add(cfg.Timeout)) {
					t.Errorf("ExpiresAt %v not within [%v, %v] + %v", exp, t0, t1, cfg.Timeout)
				}

				au := authorizeURL(t, s)
				q := au.Query()
				want := map[string]string{
					"client_id": testClientID, "response_type": "code", "response_mode": mode,
					"redirect_uri": strings.TrimSuffix(s.StartURL(), "/start") + "/callback",
					"scope":        "offline_access openid email profile https://graph.microsoft.com/Calendars.Read",
					"prompt":       "select_account", "code_challenge_method": "S256",
				}
				for k, v := range want {
					if q.Get(k) != v {
						t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
					}
				}
				if au.Scheme+"://"+au.Host != idp.URL() || au.Path != "/common/oauth2/v2.0/authorize" {
					t.Errorf("authorize URL %s", au)
				}
				if len(q.Get("state")) < 22 || len(q.Get("code_challenge")) != 43 || q.Get("nonce") == "" {
					t.Errorf("state/challenge/nonce: %v", q)
				}
				if strings.Contains(s.StartURL(), q.Get("state")) {
					t.Error("StartURL carries the state")
				}

				page := signIn(t, s)
				if page.Status != 200 || !strings.Contains(text(page.Body), "You're signed in. You can close this tab and return to Outlook Connect.") {
					t.Fatalf("landing %d: %s", page.Status, page.Body)
				}
				checkPageHeaders(t, page.Header)
				if strings.Contains(page.Body, "<script") || strings.Contains(page.Body, "http") {
					t.Error("page must be static and self-contained")
				}

				res, err := wait(t, s)
				if err != nil {
					t.Fatal(err)
				}
				acct := identity.DefaultAccount()
				if res.Email != acct.Email || res.Name != acct.Name || res.TenantID != acct.TenantID || res.ObjectID != acct.ObjectID {
					t.Errorf("result %v", res)
				}
				if len(res.RefreshToken) < 900 || !hasCalendarsRead(res.Scopes, graphGlobal) {
					t.Errorf("refresh token %d bytes, scopes %v", len(res.RefreshToken), res.Scopes)
				}
				if err := idp.VerifyRefreshToken(context.Background(), testClientID, testSecret, res.RefreshToken); err != nil {
					t.Errorf("refresh token not valid at Microsoft: %v", err)
				}
				if !portClosed(t, s) {
					t.Error("port still open after Wait")
				}
				st := idp.Stats()
				if st.TokenRequests != 1 || st.TokenBasicAuth != 0 || st.CodesRedeemed != 1 {
					t.Errorf("stats %+v: want one token request, secret in the body", st)
				}
				// Wait again: same answer.
				if res2, err := wait(t, s); err != nil || res2.Email != res.Email {
					t.Errorf("second Wait: %v %v", res2, err)
				}
			})
		}
	}
}

func checkPageHeaders(t testing.TB, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'",
		"Content-Type":            "text/html; charset=utf-8",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}

// Every catalogue error the fake can produce, end to end over real HTTP.
func TestCatalogueErrorsFromFake(t *testing.T) {
	cases := []struct {
		name    string
		faults  func(*identity.Faults)
		cfg     func(*Config)
		code    string
		aadsts  string
		errWord string
		check   func(*testing.T, *problem.Problem, *identity.Server)
	}{
		{name: "user cancels", faults: func(f *identity.Faults) { f.SetUserCancels(true) },
			code: CodeDeclined, aadsts: "AADSTS65004", errWord: "access_denied",
			check: func(t *testing.T, p *problem.Problem, _ *identity.Server) {
				if detail(p, LabelErrorSubcode) != "cancel" {
					t.Errorf("subcode %q", detail(p, LabelErrorSubcode))
				}
			}},
		{name: "admin approval", faults: func(f *identity.Faults) { f.SetAdminApprovalRequired(true) },
			code: CodeAdminApprovalRequired, aadsts: "AADSTS90094", errWord: "access_denied",
			check: func(t *testing.T, p *problem.Problem, idp *identity.Server) {
				if !p.ForAdmin || p.Retryable {
					t.Errorf("ForAdmin %v Retryable %v", p.ForAdmin, p.Retryable)
				}
				if p.Title != "Your organisation needs to approve Outlook Connect" ||
					p.NextStep != "Ask your IT team to approve the app. They can use the link in Details for IT." {
					t.Errorf("words: %q / %q", p.Title, p.NextStep)
				}
				var link *problem.Detail
				for i := range p.Details {
					if p.Details[i].Label == LabelAdminConsent {
						link = &p.Details[i]
					}
				}
				want := idp.URL() + "/common/adminconsent?client_id=" + testClientID
				if link == nil || link.Value != want || !link.Link {
					t.Fatalf("admin consent detail %+v, want %s", link, want)
				}
				// The link works: the admin approves, and the next sign-in succeeds.
				if r := mustSend(t, http.MethodPost, link.Value, "", "", ""); r.status != 200 {
					t.Errorf("admin consent: %d", r.status)
				}
				s := start(t, configFor(idp))
				signIn(t, s)
				if _, err := wait(t, s); err != nil {
					t.Errorf("after admin consent: %v", err)
				}
			}},
		{name: "consent revoked at token time", faults: func(f *identity.Faults) { f.SetConsentRevoked(true) },
			code: CodeConsentRequired, aadsts: "AADSTS65001", errWord: "invalid_grant",
			check: func(t *testing.T, p *problem.Problem, _ *identity.Server) {
				if detail(p, LabelErrorSubcode) != "consent_required" || detail(p, LabelHTTPStatus) != "400 Bad Request" {
					t.Errorf("details %v", p.Details)
				}
			}},
		{name: "secret expired", faults: func(f *identity.Faults) { f.SetSecretExpired(true) },
			code: CodeClientSecretExpired, aadsts: "AADSTS7000222", errWord: "invalid_client",
			check: func(t *testing.T, p *problem.Problem, _ *identity.Server) {
				if !p.ForAdmin || detail(p, LabelHTTPStatus) != "401 Unauthorized" {
					t.Errorf("ForAdmin %v status %q", p.ForAdmin, detail(p, LabelHTTPStatus))
				}
			}},
		{name: "wrong secret", cfg: func(c *Config) { c.ClientSecret = "the-secret-id-not-its-value" },
			code: CodeClientSecretInvalid, aadsts: "AADSTS7000215", errWord: "invalid_client"},
		{name: "no refresh token", faults: func(f *identity.Faults) { f.SetNoRefreshToken(true) },
			code: CodeNoRefreshToken},
		{name: "Calendars.Read not granted", faults: func(f *identity.Faults) { f.SetCalendarsReadNotGranted(true) },
			code: CodeCalendarsNotGranted},
		{name: "temporarily unavailable", faults: func(f *identity.Faults) { f.SetTemporarilyUnavailable(true) },
			code: CodeServiceUnavailable, aadsts: "AADSTS90006", errWord: "temporarily_unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idp := startIDP(t, nil)
			if c.faults != nil {
				c.faults(idp.Faults())
			}
			cfg := configFor(idp)
			rec, hc := newRecorder()
			cfg.HTTPClient = hc
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			s := start(t, cfg)
			state := authorizeURL(t, s).Query().Get("state")
			page := signIn(t, s)
			_, err := wait(t, s)
			p := wantProblem(t, err, c.code)
			if page.Status != 200 || !strings.Contains(text(page.Body), p.Title) ||
				!strings.Contains(page.Body, "Return to Outlook Connect to see what to do next.") {
				t.Errorf("browser page %d: %s", page.Status, page.Body)
			}
			if c.aadsts != "" {
				if detail(p, LabelMicrosoftErr) != c.aadsts || detail(p, LabelError) != c.errWord {
					t.Errorf("details %v", p.Details)
				}
				for _, l := range []string{LabelCorrelationID, LabelTraceID, LabelTimestamp} {
					if detail(p, l) == "" {
						t.Errorf("no %s in %v", l, p.Details)
					}
				}
				if detail(p, LabelErrorLookup) != idp.URL()+"/error?code="+strings.TrimPrefix(c.aadsts, "AADSTS") {
					t.Errorf("lookup %q", detail(p, LabelErrorLookup))
				}
			}
			for l, v := range map[string]string{LabelTenant: "common", LabelClientID: testClientID, LabelRedirectURI: s.RedirectURI()} {
				if detail(p, l) != v {
					t.Errorf("%s = %q, want %q", l, detail(p, l), v)
				}
			}
			secrets := []string{testSecret, cfg.ClientSecret, state}
			for _, req := range rec.requests() {
				secrets = append(secrets, req.Get("code"), req.Get("code_verifier"), req.Get("refresh_token"))
			}
			noSecrets(t, "problem", problemText(p), secrets...)
			noSecrets(t, "page", page.Body, secrets...)
			if n := len(rec.requests()); n > 1 {
				t.Errorf("%d token requests: the code must be exchanged at most once", n)
			}
			if !portClosed(t, s) {
				t.Error("port still open")
			}
			if c.check != nil {
				c.check(t, p, idp)
			}
		})
	}
}

// text is a page's body with HTML entities decoded.
func text(body string) string { return html.UnescapeString(body) }

// Errors Microsoft shows on its own page never reach the app: the attempt
// ends by timeout (ref §4.1).
func TestErrorsShownOnlyAtMicrosoft(t *testing.T) {
	for _, c := range []struct {
		name, aadsts string
		cfg          func(*Config)
	}{
		{"unknown client", "AADSTS700016", func(c *Config) { c.ClientID = "99999999-9999-9999-9999-999999999999" }},
		{"redirect host not registered", "AADSTS50011", func(c *Config) { c.RedirectHost = "127.0.0.1" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			idp := startIDP(t, nil)
			cfg := configFor(idp)
			c.cfg(&cfg)
			cfg.Timeout = 300 * time.Millisecond
			s := start(t, cfg)
			page := signIn(t, s)
			if page.Status != 400 || !strings.Contains(page.Body, c.aadsts) {
				t.Errorf("Microsoft page %d", page.Status)
			}
			_, err := wait(t, s)
			wantProblem(t, err, CodeTimeout)
		})
	}
}

func TestStrayRequestsDoNotEndTheFlow(t *testing.T) {
	for _, mode := range []string{"form_post", "query"} {
		t.Run(mode, func(t *testing.T) {
			idp := startIDP(t, nil)
			cfg := configFor(idp)
			cfg.ResponseMode = mode
			logs := &logBuffer{}
			cfg.Logger = logs.logger()
			s := start(t, cfg)
			state := authorizeURL(t, s).Query().Get("state")
			base := strings.TrimSuffix(s.StartURL(), "/start")
			form := "application/x-www-form-urlencoded"
			wrongMethod, answer := http.MethodGet, http.MethodPost
			if mode == "query" {
				wrongMethod, answer = http.MethodPost, http.MethodGet
			}
			stray := []struct {
				name, method, path, ctype, body string
				status                          int
			}{
				{"favicon", http.MethodGet, "/favicon.ico", "", "", 404},
				{"root", http.MethodGet, "/", "", "", 404},
				{"other path", http.MethodGet, "/callback/", "", "", 404},
				{"preflight", http.MethodOptions, "/callback", "", "", 204},
				{"wrong method with the real state", wrongMethod, "/callback?code=abc&state=" + state, form, "code=abc&state=" + state, 405},
				{"bare", http.MethodGet, "/callback", "", "", map[string]int{"form_post": 405, "query": 400}[mode]},
				{"wrong state", answer, "/callback?code=abc&state=forged", form, "code=abc&state=forged", 400},
				{"no state", answer, "/callback?code=abc", form, "code=abc", 400},
				{"repeated code", answer, "/callback?code=a&code=b&state=" + state, form, "code=a&code=b&state=" + state, 400},
				{"PUT start", http.MethodPut, "/start", "", "", 405},
			}
			if mode == "form_post" {
				stray = append(stray,
					struct {
						name, method, path, ctype, body string
						status                          int
					}{"json body", http.MethodPost, "/callback", "application/json", `{"code":"a","state":"` + state + `"}`, 415},
					struct {
						name, method, path, ctype, body string
						status                          int
					}{"huge body", http.MethodPost, "/callback", form, "state=" + state + "&code=" + strings.Repeat("x", 70<<10), 413})
			}
			for _, r := range stray {
				method := r.method
				got := mustSend(t, method, base+r.path, "", r.ctype, r.body)
				if got.status != r.status {
					t.Errorf("%s: status %d, want %d", r.name, got.status, r.status)
				}
				if got.status == 405 && got.header.Get("Allow") == "" {
					t.Errorf("%s: 405 without Allow", r.name)
				}
				if r.status == 204 && got.body != "" {
					t.Errorf("preflight has a body")
				}
				if got.header.Get("Cache-Control") != "no-store" {
					t.Errorf("%s: Cache-Control %q", r.name, got.header.Get("Cache-Control"))
				}
			}
			// Foreign Host headers (DNS rebinding): refused, flow continues.
			for _, host := range []string{"evil.example:" + portOf(s), "localhost:1", "127.0.0.2:" + portOf(s), "localhost"} {
				if got := mustSend(t, http.MethodGet, s.StartURL(), host, "", ""); got.status != http.StatusMisdirectedRequest {
					t.Errorf("Host %s: %d", host, got.status)
				}
			}
			// IPv6 loopback on the same port, when the machine has it.
			if len(s.lns) > 1 {
				r := mustSend(t, http.MethodGet, "http://[::1]:"+portOf(s)+"/start", "", "", "")
				if r.status != http.StatusFound {
					t.Errorf("[::1]: %d", r.status)
				}
			}
			if idp.Stats().TokenRequests != 0 {
				t.Fatal("a stray request led to a token request")
			}
			select {
			case <-s.finished:
				t.Fatal("a stray request ended the attempt")
			default:
			}
			// The real answer still works.
			if page := signIn(t, s); !strings.Contains(text(page.Body), "You're signed in") {
				t.Fatalf("landing: %s", page.Body)
			}
			if _, err := wait(t, s); err != nil {
				t.Fatal(err)
			}
			noSecrets(t, "logs", logs.String(), state, testSecret)
			if !strings.Contains(logs.String(), `"msg":"msauth.request_ignored"`) || !strings.Contains(logs.String(), `"msg":"msauth.state_mismatch"`) {
				t.Errorf("logs: %s", logs.String())
			}
		})
	}
}

func portOf(s *Session) string {
	u, _ := url.Parse(s.StartURL())
	return u.Port()
}

// The callback is answered once; afterwards the port is closed, so a replay
// is refused by the operating system.
func TestReplayAfterSuccess(t *testing.T) {
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	au := authorizeURL(t, s)
	r := mustSend(t, http.MethodGet, au.String(), "", "", "")
	fields := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(r.body, -1) {
		fields.Set(m[1], m[2])
	}
	if fields.Get("code") == "" {
		t.Fatalf("no form_post form: %s", r.body)
	}
	cb := mustSend(t, http.MethodPost, s.RedirectURI(), "", "application/x-www-form-urlencoded", fields.Encode())
	if cb.status != 200 || !strings.Contains(text(cb.body), "You're signed in") {
		t.Fatalf("callback %d %s", cb.status, cb.body)
	}
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	_, err := send(t, http.MethodPost, s.RedirectURI(), "", "application/x-www-form-urlencoded", fields.Encode())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("replay: %v, want connection refused", err)
	}
	if st := idp.Stats(); st.TokenRequests != 1 {
		t.Errorf("token requests %d", st.TokenRequests)
	}
}

// An attempt that ended at the callback closes its port even if no one
// calls Wait.
func TestPortClosesWithoutWait(t *testing.T) {
	defer func(d time.Duration) { lateTeardown = d }(lateTeardown)
	lateTeardown = 50 * time.Millisecond
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	signIn(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for !portClosed(t, s) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !portClosed(t, s) {
		t.Fatal("port still open without a Wait")
	}
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

func TestTimeout(t *testing.T) {
	idp := startIDP(t, nil)
	cfg := configFor(idp)
	cfg.Timeout = 150 * time.Millisecond
	s := start(t, cfg)
	_, err := wait(t, s)
	// The attempt's own timer ended it (wait's context would give
	// CodeCancelled), and not before the expiry the UI was shown.
	p := wantProblem(t, err, CodeTimeout)
	if now := time.Now(); now.Before(s.ExpiresAt()) {
		t.Errorf("timed out at %v, before ExpiresAt %v", now, s.ExpiresAt())
	}
	if !p.Retryable || !portClosed(t, s) {
		t.Errorf("retryable %v, port closed %v", p.Retryable, portClosed(t, s))
	}
	cfg.Timeout = 2 * time.Minute
	s = start(t, cfg)
	s.onTimeout()
	_, err = wait(t, s)
	if p := wantProblem(t, err, CodeTimeout); !strings.Contains(p.Message, "2 minutes") {
		t.Errorf("message %q", p.Message)
	}
}

func TestCancel(t *testing.T) {
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	authorizeURL(t, s)
	s.Cancel()
	if !portClosed(t, s) {
		t.Error("port open right after Cancel")
	}
	s.Cancel() // twice is fine
	_, err := wait(t, s)
	wantProblem(t, err, CodeCancelled)

	// Wait's context ending cancels the attempt too.
	s = start(t, configFor(idp))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Wait(ctx)
	if p := wantProblem(t, err, CodeCancelled); !errors.Is(p, context.DeadlineExceeded) {
		t.Errorf("cause %v", p.Cause)
	}
	if !portClosed(t, s) {
		t.Error("port open")
	}

	// Start with a done context.
	_, err = Start(ctx, configFor(idp))
	wantProblem(t, err, CodeCancelled)
}

// Cancel while the token request is held by a slow Microsoft.
func TestCancelDuringSlowExchange(t *testing.T) {
	idp := startIDP(t, nil)
	idp.Faults().SetTokenDelay(time.Hour)
	cfg := configFor(idp)
	sent := make(chan struct{})
	cfg.HTTPClient = &http.Client{Transport: &onWritten{next: &http.Transport{DisableKeepAlives: true}, written: sent}}
	s := start(t, cfg)
	done := make(chan *identity.Page, 1)
	go func() {
		page, _ := (&identity.Browser{}).Open(context.Background(), s.StartURL())
		done <- page
	}()
	select {
	case <-sent: // the token request is on its way to a Microsoft that holds it an hour
	case page := <-done:
		t.Fatalf("the sign-in ended before its token request: %+v", page)
	}
	// Cancel must not wait for that answer (with an hour's hold, a Cancel
	// that did would never return here).
	s.Cancel()
	_, err := wait(t, s)
	wantProblem(t, err, CodeCancelled)
	if page := <-done; page == nil || !strings.Contains(page.Body, "Sign-in cancelled") {
		t.Errorf("browser page: %+v", page)
	}

	// A Microsoft that never answers and an impatient HTTP client: a
	// network problem.
	cfg = configFor(idp)
	cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	s = start(t, cfg)
	signIn(t, s)
	_, err = wait(t, s)
	if p := wantProblem(t, err, CodeNetwork); detail(p, LabelReason) != "timed out" || !p.Retryable {
		t.Errorf("details %v", p.Details)
	}
}

// onWritten closes written once the first request has been written to the
// connection.
type onWritten struct {
	next    http.RoundTripper
	written chan struct{}
	once    sync.Once
}

func (o *onWritten) RoundTrip(req *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { o.once.Do(func() { close(o.written) }) }}
	return o.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
}

func TestNetworkFailureAndNoRetry(t *testing.T) {
	idp := startIDP(t, nil)
	cfg := configFor(idp)
	rec, hc := newRecorder()
	rec.fail = errors.New("dial tcp: connect: network is unreachable")
	cfg.HTTPClient = hc
	s := start(t, cfg)
	signIn(t, s)
	_, err := wait(t, s)
	wantProblem(t, err, CodeNetwork)
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d token requests after a failure, want exactly 1", n)
	}
	req := rec.requests()[0]
	if req.Get("client_secret") != testSecret || req.Get("client_id") != testClientID || req.Get("code_verifier") == "" {
		t.Errorf("token request not in AuthStyleInParams form: %v", req)
	}
}

// A token endpoint that redirects must not receive the code twice.
func TestTokenRedirectIsNotFollowed(t *testing.T) {
	idp := startIDP(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusFound
		if r.Method == http.MethodPost {
			status = http.StatusTemporaryRedirect // a 307 would replay the POST body
		}
		http.Redirect(w, r, idp.URL()+r.URL.RequestURI(), status)
	})}
	done := make(chan struct{})
	go func() { defer close(done); proxy.Serve(ln) }()
	defer func() { proxy.Close(); <-done }()

	cfg := configFor(idp)
	cfg.Authority = "http://" + ln.Addr().String()
	s := start(t, cfg)
	signIn(t, s)
	_, err = wait(t, s)
	p := wantProblem(t, err, CodeMicrosoftError)
	if detail(p, LabelHTTPStatus) != "307 Temporary Redirect" {
		t.Errorf("details %v", p.Details)
	}
	if n := idp.Stats().TokenRequests; n != 0 {
		t.Errorf("the redirect was followed: %d token requests reached Microsoft", n)
	}
}

func TestSecondStartSupersedesFirst(t *testing.T) {
	idp := startIDP(t, nil)
	s1 := start(t, configFor(idp))
	s2 := start(t, configFor(idp))
	if !portClosed(t, s1) {
		t.Error("first port still open after the second Start")
	}
	_, err := wait(t, s1)
	p := wantProblem(t, err, CodeSuperseded)
	if !p.Retryable {
		t.Error("superseded should be retryable")
	}
	signIn(t, s2)
	if _, err := wait(t, s2); err != nil {
		t.Fatal(err)
	}

	// Many at once: at most one survives, the others are superseded.
	var wg sync.WaitGroup
	sessions := make([]*Session, 8)
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Start(context.Background(), configFor(idp))
			if err != nil {
				t.Error(err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	alive := 0
	for _, s := range sessions {
		select {
		case <-s.closed:
			_, err := s.Wait(context.Background())
			wantProblem(t, err, CodeSuperseded)
		default:
			alive++
			s.Cancel()
		}
	}
	if alive != 1 {
		t.Errorf("%d attempts alive, want 1", alive)
	}
}

// Anything Microsoft sends back is shown escaped, never as markup.
func TestEchoedErrorIsEscaped(t *testing.T) {
	idp := startIDP(t, nil)
	logs := &logBuffer{}
	cfg := configFor(idp)
	cfg.Logger = logs.logger()
	s := start(t, cfg)
	state := authorizeURL(t, s).Query().Get("state")
	xss := `AADSTS90094: <script>alert(1)</script><img src=x onerror=alert(2)> "quoted" ` + state + "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333"
	body := url.Values{"error": {"access_denied"}, "error_description": {xss}, "state": {state}}.Encode()
	r := mustSend(t, http.MethodPost, s.RedirectURI(), "", "application/x-www-form-urlencoded", body)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, bad := range []string{"<script", "<img", "onerror=alert(2)>"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped text missing: %s", r.body)
	}
	checkPageHeaders(t, r.header)
	_, err := wait(t, s)
	p := wantProblem(t, err, CodeAdminApprovalRequired)
	if detail(p, LabelTraceID) != "0000aaaa-11bb-cccc-dd22-eeeeee333333" {
		t.Errorf("trace id %q", detail(p, LabelTraceID))
	}
	noSecrets(t, "problem", problemText(p), state)
	noSecrets(t, "page", r.body, state)
	noSecrets(t, "logs", logs.String(), state)
}

func TestLogsCarryNoSecrets(t *testing.T) {
	idp := startIDP(t, nil)
	logs := &logBuffer{}
	cfg := configFor(idp)
	cfg.Logger = logs.logger()
	rec, hc := newRecorder()
	cfg.HTTPClient = hc
	s := start(t, cfg)
	state := authorizeURL(t, s).Query().Get("state")
	signIn(t, s)
	res, err := wait(t, s)
	if err != nil {
		t.Fatal(err)
	}
	req := rec.requests()[0]
	out := logs.String()
	noSecrets(t, "logs", out, state, testSecret, req.Get("code"), req.Get("code_verifier"), res.RefreshToken, s.nonce)
	for _, ev := range []string{"msauth.started", "msauth.callback", "msauth.exchange", "msauth.finished"} {
		if !strings.Contains(out, `"msg":"`+ev+`"`) {
			t.Errorf("no %s event", ev)
		}
	}
	if !strings.Contains(out, `"duration_ms"`) {
		t.Error("no durations")
	}
	// The result does not print its token.
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		noSecrets(t, f, fmt.Sprintf(f, res), res.RefreshToken)
	}
	b, _ := json.Marshal(res)
	noSecrets(t, "json", string(b), res.RefreshToken)
	logs.logger().Info("x", "result", res)
	noSecrets(t, "slog", logs.String(), res.RefreshToken)
}

func TestConfigValidation(t *testing.T) {
	ok := Config{ClientID: testClientID, ClientSecret: testSecret}
	cases := []struct {
		name    string
		mod     func(*Config)
		setting string
	}{
		{"no client id", func(c *Config) { c.ClientID = " " }, "Microsoft client ID"},
		{"client id with spaces", func(c *Config) { c.ClientID = "a b" }, "Microsoft client ID"},
		{"no secret", func(c *Config) { c.ClientSecret = "" }, "Microsoft client secret"},
		{"secret with a newline", func(c *Config) { c.ClientSecret = testSecret + "\n" }, "Microsoft client secret"},
		{"bad tenant", func(c *Config) { c.Tenant = "con toso" }, "Microsoft tenant"},
		{"tenant with a path", func(c *Config) { c.Tenant = "common/../x" }, "Microsoft tenant"},
		{"http authority", func(c *Config) { c.Authority = "http://login.microsoftonline.com" }, "Microsoft sign-in address"},
		{"authority with query", func(c *Config) { c.Authority = "https://login.microsoftonline.com/?x=1" }, "Microsoft sign-in address"},
		{"authority with password", func(c *Config) { c.Authority = "https://u:p@login.microsoftonline.com" }, "Microsoft sign-in address"},
		{"authority not a URL", func(c *Config) { c.Authority = "login.microsoftonline.com" }, "Microsoft sign-in address"},
		{"redirect host", func(c *Config) { c.RedirectHost = "[::1]" }, "Redirect host"},
		{"response mode", func(c *Config) { c.ResponseMode = "fragment" }, "Response mode"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Sign-in timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.mod(&cfg)
			_, err := Start(context.Background(), cfg)
			p := wantProblem(t, err, CodeConfigInvalid)
			if !p.ForAdmin || detail(p, LabelSetting) != c.setting {
				t.Errorf("ForAdmin %v setting %q", p.ForAdmin, detail(p, LabelSetting))
			}
			noSecrets(t, "problem", problemText(p), testSecret)
		})
	}
	for _, good := range []string{"", "https://login.microsoftonline.us/", "https://login.chinacloudapi.cn", "http://127.0.0.1:1234", "http://localhost:9", "http://[::1]:9"} {
		c := ok
		c.Authority = good
		n, p := c.normalise()
		if p != nil {
			t.Errorf("authority %q: %v", good, p)
		}
		if strings.HasSuffix(n.Authority, "/") {
			t.Errorf("authority %q kept its slash", n.Authority)
		}
	}
	for _, good := range []string{"common", "organizations", "consumers", "contoso.onmicrosoft.com", "b7e4a1c2-3d5f-4e6a-9b8c-1d2e3f4a5b6c"} {
		c := ok
		c.Tenant = good
		if _, p := c.normalise(); p != nil {
			t.Errorf("tenant %q: %v", good, p)
		}
	}
	n, _ := ok.normalise()
	if n.Tenant != "common" || n.Authority != DefaultAuthority || n.RedirectHost != "localhost" || n.ResponseMode != "form_post" || n.Timeout != 5*time.Minute {
		t.Errorf("defaults %+v", n)
	}
}

func TestTenantAndAuthorityRebase(t *testing.T) {
	idp := startIDP(t, nil)
	cfg := configFor(idp)
	cfg.Tenant = identity.DefaultAccount().TenantID
	s := start(t, cfg)
	if au := authorizeURL(t, s); au.Path != "/"+cfg.Tenant+"/oauth2/v2.0/authorize" {
		t.Errorf("authorize path %s", au.Path)
	}
	if s.oauth.Endpoint.TokenURL != idp.URL()+"/"+cfg.Tenant+"/oauth2/v2.0/token" || s.oauth.Endpoint.AuthStyle != oauth2.AuthStyleInParams {
		t.Errorf("endpoint %+v", s.oauth.Endpoint)
	}
	signIn(t, s)
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

func TestPortUnavailable(t *testing.T) {
	defer func(l func(context.Context, bool) ([]net.Listener, string, error)) { listen = l }(listen)
	listen = func(context.Context, bool) ([]net.Listener, string, error) {
		return nil, "", &net.OpError{Op: "listen", Net: "tcp4", Err: errors.New("bind: address already in use")}
	}
	_, err := Start(context.Background(), Config{ClientID: testClientID, ClientSecret: testSecret})
	p := wantProblem(t, err, CodePortUnavailable)
	if detail(p, LabelReason) != "address in use" || !p.Retryable {
		t.Errorf("%+v", p)
	}
	if errKind(errors.New("socket: permission denied")) != "permission denied" {
		t.Error("errKind")
	}
}
