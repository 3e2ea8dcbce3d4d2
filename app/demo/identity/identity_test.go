package identity

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStartIsReady: the server answers as soon as Start returns. How long
// Start takes is app/demo's BenchmarkStartAndClose, not a test.
func TestStartIsReady(t *testing.T) {
	s := startServer(t, nil)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(s.URL()) {
		t.Errorf("URL %q", s.URL())
	}
	r := get(t, s.URL()+"/common/v2.0/.well-known/openid-configuration")
	if r.status != 200 {
		t.Fatalf("discovery status %d", r.status)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["authorization_endpoint"] != s.URL()+"/common/oauth2/v2.0/authorize" ||
		doc["token_endpoint"] != s.URL()+"/common/oauth2/v2.0/token" ||
		doc["issuer"] != s.URL()+"/{tenantid}/v2.0" {
		t.Errorf("discovery: %v", doc)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	if _, err := client.Get(s.URL() + "/error"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestStartValidatesOptions(t *testing.T) {
	for _, o := range []Options{
		{ClientSecret: "x"},
		{ClientID: "x"},
		{ClientID: "x", ClientSecret: "y", RedirectHost: "[::1]"},
		{ClientID: "x", ClientSecret: "y", RedirectPaths: []string{"callback"}},
	} {
		if s, err := Start(o); err == nil {
			s.Close()
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

// Errors before the redirect URI is trusted are shown on Microsoft's page,
// with HTTP 400, and never redirected (ref §1.4, §4.1).
func TestAuthorizeErrorPagesNeverRedirect(t *testing.T) {
	s := startServer(t, nil)
	s.Faults().SetAutoAccept(true)
	_, ch := pkcePair()
	ok := "http://localhost:4567/callback"
	cases := []struct {
		name   string
		tenant string
		mod    func(url.Values)
		status int
		aadsts string
	}{
		{"unknown client", "common", func(q url.Values) { q.Set("client_id", "99999999-0000-0000-0000-000000000000") }, 400, "AADSTS700016"},
		{"missing client", "common", func(q url.Values) { q.Del("client_id") }, 400, "AADSTS900144"},
		{"wrong path", "common", func(q url.Values) { q.Set("redirect_uri", "http://localhost:4567/other") }, 400, "AADSTS50011"},
		{"path case", "common", func(q url.Values) { q.Set("redirect_uri", "http://localhost:4567/Callback") }, 400, "AADSTS50011"},
		{"trailing slash", "common", func(q url.Values) { q.Set("redirect_uri", "http://localhost:4567/callback/") }, 400, "AADSTS50011"},
		{"encoded path", "common", func(q url.Values) { q.Set("redirect_uri", "http://localhost:4567/%63allback") }, 400, "AADSTS50011"},
		{"127.0.0.1 is not localhost", "common", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:4567/callback") }, 400, "AADSTS50011"},
		{"ipv6 loopback unsupported", "common", func(q url.Values) { q.Set("redirect_uri", "http://[::1]:4567/callback") }, 400, "AADSTS50011"},
		{"https loopback not registered", "common", func(q url.Values) { q.Set("redirect_uri", "https://localhost:4567/callback") }, 400, "AADSTS50011"},
		{"query in redirect", "common", func(q url.Values) { q.Set("redirect_uri", ok+"?x=1") }, 400, "AADSTS50011"},
		{"fragment in redirect", "common", func(q url.Values) { q.Set("redirect_uri", ok+"#x") }, 400, "AADSTS50011"},
		{"userinfo in redirect", "common", func(q url.Values) { q.Set("redirect_uri", "http://u:p@localhost:4567/callback") }, 400, "AADSTS50011"},
		{"http on a public host", "common", func(q url.Values) { q.Set("redirect_uri", "http://example.com/callback") }, 400, "AADSTS500117"},
		{"no redirect", "common", func(q url.Values) { q.Del("redirect_uri") }, 400, "AADSTS900971"},
		{"relative redirect", "common", func(q url.Values) { q.Set("redirect_uri", "/callback") }, 400, "AADSTS90102"},
		{"bad tenant", "not_a*tenant", nil, 400, "AADSTS90002"},
		{"repeated parameter", "common", func(q url.Values) { q.Add("state", "again") }, 400, "AADSTS90023"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := authParams(ok, ch)
			if c.mod != nil {
				c.mod(q)
			}
			r := authorize(t, s, c.tenant, q)
			if r.status != c.status {
				t.Errorf("status %d, want %d", r.status, c.status)
			}
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("redirected to %q", loc)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if !strings.Contains(r.body, c.aadsts+":") {
				t.Errorf("page lacks %s: %.400s", c.aadsts, r.body)
			}
			if !strings.Contains(r.body, "Demo mode — nothing leaves this computer") {
				t.Error("no demo banner")
			}
		})
	}
	t.Run("POST is refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/common/oauth2/v2.0/authorize", nil)
		r := do(t, req)
		if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.body, "AADSTS900561") {
			t.Errorf("status %d body %.200s", r.status, r.body)
		}
	})
}

func TestRedirectPortIsIgnoredForLoopback(t *testing.T) { // ref §1.1
	_, ch := pkcePair()
	for _, host := range []string{"localhost", "127.0.0.1"} {
		s := startServer(t, func(o *Options) { o.RedirectHost = host })
		s.Faults().SetAutoAccept(true)
		for _, port := range []string{"", ":1", ":8080", ":65535"} {
			redirect := "http://" + host + port + "/callback"
			p := redirectParams(t, authorize(t, s, "common", authParams(redirect, ch)))
			if p.Get("code") == "" {
				t.Errorf("%s: no code", redirect)
			}
		}
		other := map[string]string{"localhost": "127.0.0.1", "127.0.0.1": "localhost"}[host]
		if r := authorize(t, s, "common", authParams("http://"+other+":80/callback", ch)); r.status != 400 || !strings.Contains(r.body, "AADSTS50011") {
			t.Errorf("%s registered, %s accepted: %d", host, other, r.status)
		}
	}
	// Several registered paths.
	s := startServer(t, func(o *Options) { o.RedirectPaths = []string{"/callback", "/", "/other"} })
	s.Faults().SetAutoAccept(true)
	for _, redirect := range []string{"http://localhost:9/other", "http://localhost:9", "http://localhost:9/"} {
		if p := redirectParams(t, authorize(t, s, "common", authParams(redirect, ch))); p.Get("code") == "" {
			t.Errorf("%s: no code", redirect)
		}
	}
}

// Errors after the redirect URI is trusted go back to the app (ref §4.1).
func TestAuthorizeErrorsAreRedirected(t *testing.T) {
	s := startServer(t, nil)
	s.Faults().SetAutoAccept(true)
	_, ch := pkcePair()
	redirect := "http://localhost:4567/callback"
	cases := []struct {
		name   string
		mod    func(url.Values)
		err    string
		aadsts string
	}{
		{"no response_type", func(q url.Values) { q.Del("response_type") }, "invalid_request", "AADSTS900144"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", "AADSTS70005"},
		{"no scope", func(q url.Values) { q.Del("scope") }, "invalid_request", "AADSTS900144"},
		{"bad scope", func(q url.Values) { q.Set("scope", "openid not/a:scope") }, "invalid_scope", "AADSTS70011"},
		{"no state", func(q url.Values) { q.Del("state") }, "invalid_request", "'state'"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request", "'code_challenge'"},
		{"PKCE plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request", "'plain'"},
		{"PKCE method missing", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request", "'plain'"},
		{"PKCE challenge size", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request", "AADSTS501491"},
		{"prompt none", func(q url.Values) { q.Set("prompt", "none") }, "login_required", "AADSTS50058"},
		{"bad prompt", func(q url.Values) { q.Set("prompt", "sometimes") }, "invalid_request", "AADSTS90023"},
		{"bad response_mode", func(q url.Values) { q.Set("response_mode", "web_message") }, "invalid_request", "AADSTS70007"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := authParams(redirect, ch)
			c.mod(q)
			r := authorize(t, s, "common", q)
			if !strings.HasPrefix(r.header.Get("Location"), redirect+"?") {
				t.Fatalf("Location %q", r.header.Get("Location"))
			}
			p := redirectParams(t, r)
			if p.Get("code") != "" {
				t.Error("code issued despite the error")
			}
			if p.Get("error") != c.err || !strings.Contains(p.Get("error_description"), c.aadsts) {
				t.Errorf("got %q / %q", p.Get("error"), p.Get("error_description"))
			}
			if p.Get("state") != q.Get("state") {
				t.Errorf("state %q, want %q", p.Get("state"), q.Get("state"))
			}
			if !strings.Contains(p.Get("error_description"), "\r\nTrace ID: ") || p.Get("error_uri") == "" {
				t.Errorf("description/uri not in Microsoft's shape: %q %q", p.Get("error_description"), p.Get("error_uri"))
			}
		})
	}
}

// The full happy path in every response mode, parsed with net/http only.
func TestHappyPath(t *testing.T) {
	for _, mode := range []string{"query", "form_post", "fragment", ""} {
		t.Run("mode="+mode, func(t *testing.T) {
			clock := newClock()
			s := startServer(t, func(o *Options) { o.Now = clock.Now })
			s.Faults().SetAutoAccept(true)
			v, ch := pkcePair()
			redirect := "http://localhost:50123/callback"
			q := authParams(redirect, ch)
			if mode != "" {
				q.Set("response_mode", mode)
			}
			r := authorize(t, s, "common", q)
			var p url.Values
			switch mode {
			case "form_post":
				if r.status != 200 {
					t.Fatalf("status %d", r.status)
				}
				action, fields, ok := parseForm(r.body)
				if !ok || action != redirect {
					t.Fatalf("form action %q", action)
				}
				if !strings.Contains(r.body, `<button type="submit" class="primary">Continue</button>`) {
					t.Error("no visible Continue button for no-JS browsers")
				}
				if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
					t.Errorf("CSP %q", csp)
				}
				p = fields
			case "fragment":
				u, _ := url.Parse(r.header.Get("Location"))
				p, _ = url.ParseQuery(u.Fragment)
			default:
				p = redirectParams(t, r)
			}
			if p.Get("state") != q.Get("state") || p.Get("code") == "" || p.Get("session_state") == "" {
				t.Fatalf("callback params %v", p)
			}
			tok := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(p.Get("code"), redirect, v)}))
			if tok.TokenType != "Bearer" || tok.ExpiresIn != 3599 || tok.ExtExpiresIn == 0 || tok.AccessToken == "" {
				t.Errorf("token %+v", tok)
			}
			if n := len(tok.RefreshToken); n < 900 || n > 1500 {
				t.Errorf("refresh token is %d bytes, want about 1 KB", n)
			}
			if tok.Scope != "https://graph.microsoft.com/Calendars.Read offline_access openid email profile" {
				t.Errorf("scope %q", tok.Scope)
			}
			h, c := decodeJWT(t, tok.IDToken)
			if h["alg"] != "HS256" || h["typ"] != "JWT" {
				t.Errorf("header %v", h)
			}
			acct := DefaultAccount()
			want := map[string]any{
				"aud": testClientID, "email": acct.Email, "preferred_username": acct.PreferredUsername,
				"name": acct.Name, "oid": acct.ObjectID, "tid": acct.TenantID, "ver": "2.0", "nonce": "n-123",
				"iss": s.URL() + "/" + acct.TenantID + "/v2.0",
				"iat": float64(clock.Now().Unix()), "exp": float64(clock.Now().Add(time.Hour).Unix()),
			}
			for k, w := range want {
				if c[k] != w {
					t.Errorf("claim %s = %v, want %v", k, c[k], w)
				}
			}
			st := s.Stats()
			if st.CodesIssued != 1 || st.CodesRedeemed != 1 || st.TokenRequests != 1 || st.RefreshTokensIssued != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// The consent page is a real page: buttons are form POSTs, echoed text is
// escaped, and the Browser helper can press its buttons.
func TestConsentPage(t *testing.T) {
	s := startServer(t, nil)
	rc := startReceiver(t)
	_, ch := pkcePair()
	q := authParams(rc.redirect(), ch)
	q.Set("login_hint", `<script>alert("x")</script>`)
	r := authorize(t, s, "common", q)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, want := range []string{
		"Demo mode — nothing leaves this computer", "Alex Morgan", "alex.morgan@contoso.example",
		"Read your calendars", "Maintain access to data you have given it access to",
		`<button type="submit" name="action" value="accept" class="primary">Accept</button>`,
		`<button type="submit" name="action" value="cancel">Cancel</button>`,
		"&lt;script&gt;",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<script>alert") {
		t.Error("login_hint echoed unescaped")
	}
	if strings.Contains(r.body, "<script") {
		t.Error("consent page must work without script")
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://localhost:"+rc.port) {
		t.Errorf("CSP %q", csp)
	}

	for _, mode := range []string{"query", "form_post"} {
		t.Run("accept/"+mode, func(t *testing.T) {
			q := authParams(rc.redirect(), ch)
			q.Set("response_mode", mode)
			b := &Browser{Click: "accept"}
			page, err := b.Open(bg(), s.URL()+"/common/oauth2/v2.0/authorize?"+q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if page.Body != "received" {
				t.Errorf("landed on %s: %.200s", page.URL, page.Body)
			}
			got := rc.wait(t)
			if got.Get("code") == "" || got.Get("state") != q.Get("state") {
				t.Errorf("callback %v", got)
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		q := authParams(rc.redirect(), ch)
		if _, err := (&Browser{Click: "cancel"}).Open(bg(), s.URL()+"/common/oauth2/v2.0/authorize?"+q.Encode()); err != nil {
			t.Fatal(err)
		}
		got := rc.wait(t)
		if got.Get("error") != "access_denied" || got.Get("error_subcode") != "cancel" ||
			!strings.HasPrefix(got.Get("error_description"), "AADSTS65004: User declined to consent") || got.Get("state") != q.Get("state") {
			t.Errorf("callback %v", got)
		}
	})
	t.Run("stops at the page without Click", func(t *testing.T) {
		page, err := (&Browser{}).Open(bg(), s.URL()+"/common/oauth2/v2.0/authorize?"+authParams(rc.redirect(), ch).Encode())
		if err != nil || !strings.Contains(page.Body, "Permissions requested") {
			t.Fatalf("%v %v", err, page)
		}
	})
	t.Run("flow is single-use", func(t *testing.T) {
		r := authorize(t, s, "common", authParams(rc.redirect(), ch))
		_, fields, _ := parseForm(r.body)
		fields.Set("action", "accept")
		post := func() response {
			req, _ := http.NewRequest(http.MethodPost, s.URL()+"/common/login", strings.NewReader(fields.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return do(t, req)
		}
		if r := post(); r.status != http.StatusFound {
			t.Fatalf("first post: %d", r.status)
		}
		if r := post(); r.status != 400 || !strings.Contains(r.body, "AADSTS50089") {
			t.Errorf("second post: %d %.200s", r.status, r.body)
		}
	})
}

func TestUserCancelsKnob(t *testing.T) {
	s := startServer(t, nil)
	s.Faults().SetUserCancels(true)
	_, ch := pkcePair()
	q := authParams("http://localhost:1/callback", ch)
	p := redirectParams(t, authorize(t, s, "common", q))
	if p.Get("error") != "access_denied" || p.Get("error_subcode") != "cancel" || p.Get("state") != q.Get("state") {
		t.Errorf("%v", p)
	}
	checkDescription(t, p.Get("error_description"), 65004)
}

func TestAdminApproval(t *testing.T) {
	s := startServer(t, nil)
	rc := startReceiver(t)
	s.Faults().SetAdminApprovalRequired(true)
	_, ch := pkcePair()
	q := authParams(rc.redirect(), ch)

	r := authorize(t, s, "common", q)
	if r.status != 200 || !strings.Contains(r.body, "Need admin approval") ||
		!strings.Contains(r.body, `value="return" class="primary">Return to app</button>`) {
		t.Fatalf("status %d: %.500s", r.status, r.body)
	}
	if _, err := (&Browser{Click: "return"}).Open(bg(), s.URL()+"/common/oauth2/v2.0/authorize?"+q.Encode()); err != nil {
		t.Fatal(err)
	}
	got := rc.wait(t)
	if got.Get("error") != "access_denied" || !strings.Contains(got.Get("error_description"), "AADSTS90094") || got.Get("code") != "" {
		t.Errorf("callback %v", got)
	}

	// Auto-accept presses the only button.
	s.Faults().SetAutoAccept(true)
	p := redirectParams(t, authorize(t, s, "common", q))
	if p.Get("error") != "access_denied" || !strings.HasPrefix(p.Get("error_description"), "AADSTS90094: ") {
		t.Errorf("%v", p)
	}

	// An admin approves for the organisation: the fault clears.
	ac := get(t, s.URL()+"/common/adminconsent?client_id="+testClientID)
	if ac.status != 200 || !strings.Contains(ac.body, "Approve Outlook Connect") {
		t.Fatalf("admin consent page %d", ac.status)
	}
	if r := get(t, s.URL()+"/common/adminconsent?client_id=nope"); r.status != 400 || !strings.Contains(r.body, "AADSTS700016") {
		t.Errorf("unknown client admin consent: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/common/adminconsent?client_id="+testClientID, nil)
	if r := do(t, req); r.status != 200 || !strings.Contains(r.body, "Permissions granted") {
		t.Fatalf("approve: %d", r.status)
	}
	if p := redirectParams(t, authorize(t, s, "common", q)); p.Get("code") == "" {
		t.Errorf("after admin consent: %v", p)
	}
}

// Client authentication comes first (RFC 6749 §4.1.3) and fails with
// Microsoft's codes (ref §2.2, §4.2).
func TestTokenClientAuthentication(t *testing.T) {
	s := startServer(t, nil)
	v, ch := pkcePair()
	redirect := "http://localhost:4000/callback"
	code := issueCode(t, s, "common", authParams(redirect, ch))

	cases := []struct {
		name   string
		mod    func(*tokenReq)
		fault  func(*Faults)
		status int
		err    string
		aadsts int
	}{
		{"no secret", func(r *tokenReq) { r.form.Del("client_secret") }, nil, 401, "invalid_client", 7000218},
		{"wrong secret", func(r *tokenReq) { r.form.Set("client_secret", "wrong") }, nil, 401, "invalid_client", 7000215},
		{"secret expired", nil, func(f *Faults) { f.SetSecretExpired(true) }, 401, "invalid_client", 7000222},
		{"unknown client", func(r *tokenReq) { r.form.Set("client_id", "nope") }, nil, 400, "unauthorized_client", 700016},
		{"no client", func(r *tokenReq) { r.form.Del("client_id") }, nil, 400, "invalid_request", 900144},
		{"client assertion", func(r *tokenReq) { r.form.Del("client_secret"); r.form.Set("client_assertion", "x.y.z") }, nil, 401, "invalid_client", 700027},
		{"two methods", func(r *tokenReq) { r.basic = [2]string{testClientID, testSecret} }, nil, 400, "invalid_request", 90023},
		{"basic with wrong secret", func(r *tokenReq) {
			r.form.Del("client_id")
			r.form.Del("client_secret")
			r.basic = [2]string{testClientID, "nope"}
		}, nil, 401, "invalid_client", 7000215},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Faults().Reset()
			if c.fault != nil {
				c.fault(s.Faults())
			}
			tr := tokenReq{form: codeForm(code, redirect, v)}
			if c.mod != nil {
				c.mod(&tr)
			}
			wantTokenError(t, postToken(t, s, tr), c.status, c.err, c.aadsts)
		})
	}
	s.Faults().Reset()
	// None of the failures above spent the code.
	tr := tokenReq{form: codeForm(code, redirect, v)}
	tr.form.Del("client_id")
	tr.form.Del("client_secret")
	tr.basic = [2]string{testClientID, testSecret} // Basic is documented as supported (ref §6.4)
	wantTokens(t, postToken(t, s, tr))
	if st := s.Stats(); st.TokenBasicAuth != 3 || st.CodesRedeemed != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestTokenGrantErrors(t *testing.T) {
	clock := newClock()
	s := startServer(t, func(o *Options) { o.Now = clock.Now })
	redirect := "http://localhost:4000/callback"
	fresh := func(tenant string) (code, verifier string) {
		v, ch := pkcePair()
		return issueCode(t, s, tenant, authParams(redirect, ch)), v
	}
	cases := []struct {
		name   string
		run    func() response
		status int
		err    string
		aadsts int
	}{
		{"unknown code", func() response {
			_, v := fresh("common")
			return postToken(t, s, tokenReq{form: codeForm("1.Anot-a-code", redirect, v)})
		}, 400, "invalid_grant", 70000},
		{"code reused", func() response {
			c, v := fresh("common")
			wantTokens(t, postToken(t, s, tokenReq{form: codeForm(c, redirect, v)}))
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, v)})
		}, 400, "invalid_grant", 54005},
		{"code expired", func() response {
			c, v := fresh("common")
			clock.Advance(codeLifetime + time.Second)
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, v)})
		}, 400, "invalid_grant", 70008},
		{"redirect mismatch", func() response {
			c, v := fresh("common")
			return postToken(t, s, tokenReq{form: codeForm(c, "http://localhost:4001/callback", v)})
		}, 400, "invalid_grant", 50011},
		{"redirect missing", func() response {
			c, v := fresh("common")
			f := codeForm(c, redirect, v)
			f.Del("redirect_uri")
			return postToken(t, s, tokenReq{form: f})
		}, 400, "invalid_request", 900144},
		{"verifier missing", func() response {
			c, _ := fresh("common")
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, "")})
		}, 400, "invalid_grant", 501481},
		{"verifier wrong", func() response {
			c, _ := fresh("common")
			other, _ := pkcePair()
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, other)})
		}, 400, "invalid_grant", 501481},
		{"other tenant", func() response {
			c, v := fresh("common")
			return postToken(t, s, tokenReq{tenant: "organizations", form: codeForm(c, redirect, v)})
		}, 400, "invalid_grant", 700005},
		{"consent revoked", func() response {
			c, v := fresh("common")
			s.Faults().SetConsentRevoked(true)
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, v)})
		}, 400, "invalid_grant", 65001},
		{"origin header", func() response {
			c, v := fresh("common")
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, v), origin: "http://localhost:34115"})
		}, 400, "invalid_request", 9002326},
		{"GET", func() response {
			return postToken(t, s, tokenReq{method: http.MethodGet, form: url.Values{}})
		}, 400, "invalid_request", 900561},
		{"JSON body", func() response {
			return postToken(t, s, tokenReq{ctype: "application/json", form: url.Values{}})
		}, 400, "invalid_request", 900144},
		{"no grant_type", func() response {
			c, v := fresh("common")
			f := codeForm(c, redirect, v)
			f.Del("grant_type")
			return postToken(t, s, tokenReq{form: f})
		}, 400, "invalid_request", 900144},
		{"unsupported grant", func() response {
			f := codeForm("x", redirect, "")
			f.Set("grant_type", "password")
			return postToken(t, s, tokenReq{form: f})
		}, 400, "unsupported_grant_type", 70003},
		{"bad tenant", func() response {
			return postToken(t, s, tokenReq{tenant: "bad*tenant", form: codeForm("x", redirect, "")})
		}, 400, "invalid_request", 90002},
		{"temporarily unavailable", func() response {
			c, v := fresh("common")
			s.Faults().SetTemporarilyUnavailable(true)
			return postToken(t, s, tokenReq{form: codeForm(c, redirect, v)})
		}, 503, "temporarily_unavailable", 90006},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Faults().Reset()
			e := wantTokenError(t, c.run(), c.status, c.err, c.aadsts)
			if c.aadsts == 65001 && e.SubError != "consent_required" {
				t.Errorf("suberror %q", e.SubError)
			}
		})
	}

	t.Run("a failed redemption spends the code", func(t *testing.T) {
		s.Faults().Reset()
		c, v := fresh("common")
		wantTokenError(t, postToken(t, s, tokenReq{form: codeForm(c, redirect, "x"+v)}), 400, "invalid_grant", 501481)
		wantTokenError(t, postToken(t, s, tokenReq{form: codeForm(c, redirect, v)}), 400, "invalid_grant", 54005)
	})
	t.Run("tenant-specific authority", func(t *testing.T) {
		s.Faults().Reset()
		tenant := DefaultAccount().TenantID
		c, v := fresh(tenant)
		wantTokens(t, postToken(t, s, tokenReq{tenant: tenant, form: codeForm(c, redirect, v)}))
		c, v = fresh("contoso.example")
		wantTokens(t, postToken(t, s, tokenReq{tenant: "contoso.example", form: codeForm(c, redirect, v)}))
	})
}

func TestRefreshGrantRotationAndRevocation(t *testing.T) {
	clock := newClock()
	s := startServer(t, func(o *Options) { o.Now = clock.Now })
	v, ch := pkcePair()
	redirect := "http://localhost:4000/callback"
	rt1 := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(issueCode(t, s, "common", authParams(redirect, ch)), redirect, v)})).RefreshToken

	tok := wantTokens(t, postToken(t, s, tokenReq{form: refreshForm(rt1)}))
	rt2 := tok.RefreshToken
	if rt2 == "" || rt2 == rt1 || tok.AccessToken == "" || tok.IDToken == "" {
		t.Fatalf("refresh: %+v", tok)
	}
	// ref §5: the old refresh token is not revoked by rotation.
	wantTokens(t, postToken(t, s, tokenReq{form: refreshForm(rt1)}))
	if err := s.VerifyRefreshToken(bg(), testClientID, testSecret, rt2); err != nil {
		t.Fatal(err)
	}

	// Narrowing scope is fine; widening is not consented.
	f := refreshForm(rt2)
	f.Set("scope", "Calendars.Read offline_access")
	wantTokens(t, postToken(t, s, tokenReq{form: f}))
	f.Set("scope", "Mail.Read")
	wantTokenError(t, postToken(t, s, tokenReq{form: f}), 400, "invalid_grant", 65001)

	wantVerify := func(rt, secret string, aadsts int) {
		t.Helper()
		err := s.VerifyRefreshToken(bg(), testClientID, secret, rt)
		var te *TokenError
		if !errors.As(err, &te) || te.AADSTS != aadsts {
			t.Fatalf("VerifyRefreshToken: %v, want AADSTS%d", err, aadsts)
		}
		if code, desc := te.OAuthError(); code != te.Code || !strings.HasPrefix(desc, "AADSTS") {
			t.Errorf("OAuthError %q %q", code, desc)
		}
		if !IsTokenError(err, aadsts) {
			t.Error("IsTokenError")
		}
	}
	wantVerify("0.Aunknown", testSecret, 9002313)
	wantVerify(rt2, "wrong", 7000215)
	wantVerify(rt2, "", 7000218)
	s.Faults().SetSecretExpired(true)
	wantVerify(rt2, testSecret, 7000222)
	s.Faults().Reset()
	s.Faults().SetConsentRevoked(true)
	wantVerify(rt2, testSecret, 65001)
	s.Faults().Reset()

	if !s.Faults().RevokeRefreshToken(rt1) || s.Faults().RevokeRefreshToken("nope") {
		t.Fatal("RevokeRefreshToken result")
	}
	wantTokenError(t, postToken(t, s, tokenReq{form: refreshForm(rt1)}), 400, "invalid_grant", 70008)
	wantVerify(rt1, testSecret, 70008)
	if err := s.VerifyRefreshToken(bg(), testClientID, testSecret, rt2); err != nil {
		t.Fatalf("rt2 after revoking rt1: %v", err)
	}
	if n := s.Faults().RevokeAllRefreshTokens(); n < 3 {
		t.Errorf("RevokeAll = %d", n)
	}
	wantVerify(rt2, testSecret, 70008)

	// ref §5: 90 days without use → AADSTS700082.
	rt3 := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(issueCode(t, s, "common", authParams(redirect, ch)), redirect, v)})).RefreshToken
	clock.Advance(89 * 24 * time.Hour)
	if err := s.VerifyRefreshToken(bg(), testClientID, testSecret, rt3); err != nil {
		t.Fatalf("after 89 days: %v", err)
	}
	clock.Advance(91 * 24 * time.Hour)
	wantTokenError(t, postToken(t, s, tokenReq{form: refreshForm(rt3)}), 400, "invalid_grant", 700082)
}

// Variants that our client's checks must catch (ref §3.4, §3.5).
func TestGrantedScopeVariants(t *testing.T) {
	s := startServer(t, nil)
	redirect := "http://localhost:4000/callback"
	exchange := func(scope string) tokenOK {
		t.Helper()
		v, ch := pkcePair()
		q := authParams(redirect, ch)
		q.Set("scope", scope)
		return wantTokens(t, postToken(t, s, tokenReq{form: codeForm(issueCode(t, s, "common", q), redirect, v)}))
	}
	if tok := exchange("openid email profile Calendars.Read"); tok.RefreshToken != "" {
		t.Error("refresh token without offline_access")
	}
	if tok := exchange("offline_access Calendars.Read"); tok.IDToken != "" || tok.RefreshToken == "" {
		t.Error("id_token without openid, or no refresh token")
	}
	if tok := exchange("openid profile offline_access Calendars.Read"); true {
		_, c := decodeJWT(t, tok.IDToken)
		if _, ok := c["email"]; ok {
			t.Error("email claim without the email scope")
		}
		if c["preferred_username"] == nil {
			t.Error("no preferred_username with profile")
		}
	}
	s.Faults().SetNoRefreshToken(true)
	if tok := exchange("offline_access openid Calendars.Read"); tok.RefreshToken != "" {
		t.Error("NoRefreshToken knob ignored")
	}
	s.Faults().Reset()
	s.Faults().SetCalendarsReadNotGranted(true)
	if tok := exchange("offline_access openid https://graph.microsoft.com/Calendars.Read"); strings.Contains(tok.Scope, "Calendars.Read") {
		t.Errorf("scope %q", tok.Scope)
	}
}

func TestAccountWithoutEmail(t *testing.T) {
	s := startServer(t, func(o *Options) {
		o.Account = Account{Name: "Sam", PreferredUsername: "+15551234567"}
	})
	v, ch := pkcePair()
	redirect := "http://localhost:4000/callback"
	tok := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(issueCode(t, s, "common", authParams(redirect, ch)), redirect, v)}))
	_, c := decodeJWT(t, tok.IDToken)
	if _, ok := c["email"]; ok || c["preferred_username"] != "+15551234567" || c["oid"] == "" || c["tid"] == "" {
		t.Errorf("claims %v", c)
	}
}

func TestSlowResponses(t *testing.T) {
	s := startServer(t, nil)
	v, ch := pkcePair()
	redirect := "http://localhost:4000/callback"
	code := issueCode(t, s, "common", authParams(redirect, ch))
	// A delayed answer is still the whole answer.
	s.Faults().SetTokenDelay(10 * time.Millisecond)
	wantTokens(t, postToken(t, s, tokenReq{form: codeForm(code, redirect, v)}))

	// From here every request is held for an hour: it can only end because
	// its caller gave up or the server closed, never with a verdict.
	s.Faults().SetTokenDelay(time.Hour)
	ctx, cancel := context.WithDeadline(bg(), time.Now())
	defer cancel()
	if err := s.VerifyRefreshToken(ctx, testClientID, testSecret, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("VerifyRefreshToken with an expired ctx: %v, want the ctx's error (held, not judged)", err)
	}

	// Close wakes a held request at once. Over HTTP that shows as an empty
	// answer on a gracefully closed connection: a handler left sleeping
	// would be cut off after Shutdown's two-second grace, an error here; an
	// ignored delay would give a token error as the answer.
	before := s.Stats().TokenRequests
	type result struct {
		status int
		body   string
		err    error
	}
	httpDone := make(chan result, 1)
	go func() {
		res, err := client.PostForm(s.URL()+"/common/oauth2/v2.0/token", refreshForm("x"))
		if err != nil {
			httpDone <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		httpDone <- result{status: res.StatusCode, body: string(b), err: err}
	}()
	waitUntil(t, "the server holds the token request", func() bool { return s.Stats().TokenRequests > before })
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if r := <-httpDone; r.err != nil || r.status != http.StatusOK || r.body != "" {
		t.Errorf("held HTTP request after Close: status %d, body %q, err %v; want it woken (200, empty)", r.status, r.body, r.err)
	}
}

// waitUntil polls cond, the only signal the fake offers for "a request has
// arrived" (its counters); the ten seconds only turn a hang into a failure.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Many flows at once, with knobs flipping: run with -race.
func TestConcurrentFlows(t *testing.T) {
	s := startServer(t, nil)
	s.Faults().SetAutoAccept(true)
	redirect := "http://localhost:4000/callback"
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 0 {
				s.Faults().SetTokenDelay(time.Millisecond)
				s.Stats()
			}
			v, ch := pkcePair()
			q := authParams(redirect, ch)
			r := authorize(t, s, "common", q)
			u, _ := url.Parse(r.header.Get("Location"))
			code := u.Query().Get("code")
			tok := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(code, redirect, v)}))
			if err := s.VerifyRefreshToken(bg(), testClientID, testSecret, tok.RefreshToken); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st := s.Stats(); st.CodesRedeemed != 16 {
		t.Errorf("stats %+v", st)
	}
}

func TestEscapingOnErrorPages(t *testing.T) {
	s := startServer(t, nil)
	_, ch := pkcePair()
	q := authParams(`http://localhost:1/"><script>alert(1)</script>`, ch)
	r := authorize(t, s, "common", q)
	if r.status != 400 || strings.Contains(r.body, "<script>alert") {
		t.Errorf("status %d, unescaped: %v", r.status, strings.Contains(r.body, "<script>alert"))
	}
	if lk := get(t, s.URL()+"/error?code=54005"); lk.status != 200 || !strings.Contains(lk.body, "already redeemed") {
		t.Errorf("lookup %d", lk.status)
	}
	if nf := get(t, s.URL()+"/nowhere"); nf.status != 404 {
		t.Errorf("404 page: %d", nf.status)
	}
}
