package msauth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/logging"
)

// The tests in this file cover the sign-in edge cases of issue 12, item 8.

// In form_post mode Microsoft (and MSAL) can still send an error by GET.
// With the right state it ends the attempt at once; a code by GET is
// still refused, and a GET error with another state changes nothing.
func TestFormPostAcceptsAnErrorByGet(t *testing.T) {
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	state := authorizeURL(t, s).Query().Get("state")
	base := strings.TrimSuffix(s.StartURL(), "/start")

	q := url.Values{"code": {"abc"}, "state": {state}}
	if r := mustSend(t, http.MethodGet, base+"/callback?"+q.Encode(), "", "", ""); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("a code by GET in form_post mode: %d, want 405", r.status)
	}
	forged := url.Values{"error": {"access_denied"}, "state": {"forged"}}
	if r := mustSend(t, http.MethodGet, base+"/callback?"+forged.Encode(), "", "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("an error by GET with another state: %d, want 400", r.status)
	}
	select {
	case <-s.finished:
		t.Fatal("a refused request ended the attempt")
	default:
	}

	declined := url.Values{
		"error":             {"access_denied"},
		"error_subcode":     {"cancel"},
		"error_description": {"AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333"},
		"state":             {state},
	}
	r := mustSend(t, http.MethodGet, base+"/callback?"+declined.Encode(), "", "", "")
	if r.status != http.StatusOK || !strings.Contains(text(r.body), "Sign-in was cancelled") {
		t.Fatalf("error by GET: %d %s", r.status, r.body)
	}
	_, err := wait(t, s)
	wantProblem(t, err, CodeDeclined)
	if idp.Stats().TokenRequests != 0 {
		t.Error("an error answer led to a token request")
	}
}

func TestParseCallbackFormPostGet(t *testing.T) {
	cases := []struct {
		query  string
		status int
	}{
		{"error=access_denied&state=s", 0},
		{"error=access_denied&error_description=x&error_subcode=cancel&state=s", 0},
		{"code=abc&state=s", http.StatusMethodNotAllowed},
		{"code=abc&error=access_denied&state=s", http.StatusMethodNotAllowed},
		{"", http.StatusMethodNotAllowed},
		{"error=access_denied", http.StatusBadRequest},
	}
	for _, c := range cases {
		cb, status, _ := parseCallback("form_post", http.MethodGet, "", c.query, nil)
		if status != c.status {
			t.Errorf("GET ?%s: status %d, want %d", c.query, status, c.status)
		}
		if status == 0 && (cb.Error != "access_denied" || cb.Code != "") {
			t.Errorf("GET ?%s: %+v", c.query, cb)
		}
	}
}

// hasIPv6Loopback reports whether this machine can bind [::1].
func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// occupyIPv6 wraps listenTCP so that, before each of the first n [::1]
// binds, another program takes that very port on [::1].
func occupyIPv6(t *testing.T, n int) (taken func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ports []string
	var holders []net.Listener
	real := listenTCP
	listenTCP = func(ctx context.Context, network, address string) (net.Listener, error) {
		mu.Lock()
		if network == "tcp6" && len(ports) < n {
			other, err := net.Listen("tcp6", address)
			switch {
			case err == nil:
				holders = append(holders, other)
			case errors.Is(err, syscall.EADDRINUSE):
				// Another program on this machine (a parallel test
				// package) already holds it: taken all the same.
			default:
				mu.Unlock()
				t.Errorf("could not occupy %s: %v", address, err)
				return real(ctx, network, address)
			}
			_, port, _ := net.SplitHostPort(address)
			ports = append(ports, port)
		}
		mu.Unlock()
		return real(ctx, network, address)
	}
	t.Cleanup(func() {
		listenTCP = real
		for _, h := range holders {
			h.Close()
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ports...)
	}
}

// When [::1] is taken on the port the OS gave 127.0.0.1, both families
// move to another port together, and the sign-in works there.
func TestIPv6PortTakenPicksAnotherPortForBoth(t *testing.T) {
	if !hasIPv6Loopback() {
		t.Skip("this machine has no IPv6 loopback")
	}
	taken := occupyIPv6(t, 2)
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	port := portOf(s)
	if got := taken(); len(got) != 2 || got[0] == port || got[1] == port {
		t.Fatalf("occupied %v, session on %s: want a third port", got, port)
	}
	if len(s.lns) != 2 {
		t.Fatalf("%d listeners, want 127.0.0.1 and [::1]", len(s.lns))
	}
	for _, ln := range s.lns {
		if _, p, _ := net.SplitHostPort(ln.Addr().String()); p != port {
			t.Errorf("listener %s is not on the session's port %s", ln.Addr(), port)
		}
	}
	if r := mustSend(t, http.MethodGet, "http://[::1]:"+port+"/start", "", "", ""); r.status != http.StatusFound {
		t.Errorf("[::1]: %d", r.status)
	}
	signIn(t, s)
	if _, err := wait(t, s); err != nil {
		t.Fatalf("sign-in on the new port: %v", err)
	}
}

// A [::1] that stays taken (every port, say) ends in a clear problem
// rather than a listener that half the browsers cannot reach.
func TestIPv6AlwaysTakenIsPortUnavailable(t *testing.T) {
	if !hasIPv6Loopback() {
		t.Skip("this machine has no IPv6 loopback")
	}
	occupyIPv6(t, maxBindAttempts)
	_, err := Start(context.Background(), Config{ClientID: testClientID, ClientSecret: testSecret})
	p := wantProblem(t, err, CodePortUnavailable)
	if detail(p, LabelReason) != "address in use" {
		t.Errorf("reason %q", detail(p, LabelReason))
	}
}

// Without IPv6 loopback the sign-in carries on with 127.0.0.1 only.
func TestNoIPv6LoopbackUsesIPv4Only(t *testing.T) {
	real := listenTCP
	listenTCP = func(ctx context.Context, network, address string) (net.Listener, error) {
		if network == "tcp6" {
			return nil, &net.OpError{Op: "listen", Net: network, Err: &errnoWrap{syscall.EADDRNOTAVAIL}}
		}
		return real(ctx, network, address)
	}
	t.Cleanup(func() { listenTCP = real })
	idp := startIDP(t, nil)
	s := start(t, configFor(idp))
	if len(s.lns) != 1 {
		t.Fatalf("%d listeners, want 127.0.0.1 only", len(s.lns))
	}
	signIn(t, s)
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

// errnoWrap stands in for the *os.SyscallError a failed bind wraps.
type errnoWrap struct{ errno syscall.Errno }

func (e *errnoWrap) Error() string { return "bind: " + e.errno.Error() }
func (e *errnoWrap) Unwrap() error { return e.errno }

func TestNoIPv6Errors(t *testing.T) {
	for _, err := range []error{syscall.EADDRNOTAVAIL, syscall.EAFNOSUPPORT, syscall.EPROTONOSUPPORT,
		errors.New("listen tcp6 [::1]:5000: bind: cannot assign requested address")} {
		if !noIPv6Loopback(err) {
			t.Errorf("%v: want 'no IPv6 loopback'", err)
		}
	}
	for _, err := range []error{syscall.EADDRINUSE, syscall.EACCES, errors.New("bind: address already in use")} {
		if noIPv6Loopback(err) {
			t.Errorf("%v: taken or refused is not 'no IPv6'", err)
		}
	}
}

// invalid_client at the redirect is not a bad secret (none is sent to the
// authorize endpoint): it is the app's registration. Cross-tenant access
// policies get their own words too.
func TestRedirectAppAndCrossTenantErrors(t *testing.T) {
	desc := func(n int, text string) string {
		return "AADSTS" + strconv.Itoa(n) + ": " + text + "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333"
	}
	cases := []struct {
		cb   callbackParams
		code string
	}{
		{callbackParams{Error: "invalid_client", ErrorDescription: desc(650057, "Invalid resource. The client has requested access to a resource which isn't listed in the requested permissions.")}, CodeAppMisconfigured},
		{callbackParams{Error: "invalid_client"}, CodeAppMisconfigured},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(650056, "Misconfigured application.")}, CodeAppMisconfigured},
		{callbackParams{Error: "access_denied", ErrorDescription: desc(500212, "NotAllowedByOutboundPolicyTenant")}, CodeCrossTenantBlocked},
		{callbackParams{Error: "access_denied", ErrorDescription: desc(500213, "NotAllowedByInboundPolicyTenant")}, CodeCrossTenantBlocked},
	}
	for _, c := range cases {
		p := classify(fromRedirect(c.cb), testEnv, nil)
		if p.Code != c.code || p.Title == "" || p.Message == "" || p.NextStep == "" || !p.ForAdmin {
			t.Errorf("%+v: %s (%+v), want %s for IT", c.cb, p.Code, p, c.code)
		}
	}
	// At the token endpoint invalid_client still means the secret.
	p := classify(fromRetrieveError(retrieveError(401, msBody("invalid_client", 7000215, "Invalid client secret provided."))), testEnv, nil)
	if p.Code != CodeClientSecretInvalid {
		t.Errorf("token invalid_client: %s", p.Code)
	}
}

// The Calendars.Read scope names the Graph host of the authority's cloud.
func TestGraphScopeFollowsTheCloud(t *testing.T) {
	cases := []struct {
		authority, graphHost, want string
	}{
		{"", "", "graph.microsoft.com"},
		{"https://login.microsoftonline.com", "", "graph.microsoft.com"},
		{"https://login.microsoftonline.us", "", "graph.microsoft.us"},
		{"https://login.microsoftonline.us", "dod-graph.microsoft.us", "dod-graph.microsoft.us"},
		{"https://login.chinacloudapi.cn", "", "microsoftgraph.chinacloudapi.cn"},
		{"https://login.partner.microsoftonline.cn", "", "microsoftgraph.chinacloudapi.cn"},
		{"http://127.0.0.1:1234", "", "graph.microsoft.com"},
	}
	for _, c := range cases {
		cfg, p := Config{ClientID: testClientID, ClientSecret: testSecret, Authority: c.authority, GraphHost: c.graphHost}.normalise()
		if p != nil {
			t.Fatalf("%s: %v", c.authority, p)
		}
		if cfg.GraphHost != c.want {
			t.Errorf("%s (%q): graph host %s, want %s", c.authority, c.graphHost, cfg.GraphHost, c.want)
		}
		scopes := scopesFor(cfg.GraphHost)
		if scopes[len(scopes)-1] != "https://"+c.want+"/Calendars.Read" {
			t.Errorf("%s: scopes %v", c.authority, scopes)
		}
		if !hasCalendarsRead([]string{"https://" + c.want + "/Calendars.Read"}, cfg.GraphHost) || !hasCalendarsRead([]string{"Calendars.Read"}, cfg.GraphHost) {
			t.Errorf("%s: the granted scope is not recognised", c.authority)
		}
	}
	for _, bad := range []struct{ authority, host string }{
		{"https://login.microsoftonline.com", "graph.example.com"},
		{"https://login.microsoftonline.com", "dod-graph.microsoft.us"},
		{"https://login.chinacloudapi.cn", "graph.microsoft.us"},
	} {
		_, p := Config{ClientID: testClientID, ClientSecret: testSecret, Authority: bad.authority, GraphHost: bad.host}.normalise()
		if p == nil || p.Code != CodeConfigInvalid {
			t.Errorf("%s with %s: accepted", bad.authority, bad.host)
		}
	}
	if hasCalendarsRead([]string{"https://graph.microsoft.com/Calendars.Read"}, "graph.microsoft.us") {
		t.Error("a global-cloud scope counted for the US government cloud")
	}
}

// The authorize request of a national cloud asks for its own Graph host.
func TestAuthorizeAsksForTheCloudsGraph(t *testing.T) {
	idp := startIDP(t, nil)
	cfg := configFor(idp)
	cfg.GraphHost = "graph.microsoft.com"
	s := start(t, cfg)
	if got := authorizeURL(t, s).Query().Get("scope"); !strings.HasSuffix(got, " https://graph.microsoft.com/Calendars.Read") {
		t.Errorf("scope %q", got)
	}
}

// The size of the refresh token reaches the log as a number, through the
// app's secret guard (which redacts any key that names a token).
func TestRefreshTokenSizeIsLoggedAsANumber(t *testing.T) {
	idp := startIDP(t, nil)
	logs := &logBuffer{}
	guard := logging.NewGuard()
	cfg := configFor(idp)
	cfg.Logger = slog.New(guard.Handler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	s := start(t, cfg)
	signIn(t, s)
	res, err := wait(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := `"refresh_token_bytes":` + strconv.Itoa(len(res.RefreshToken))
	if !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %s:\n%s", want, logs.String())
	}
	cfg.Logger.Info("result", "result", res)
	if !strings.Contains(logs.String(), `"result":{"email":"`+res.Email+`","tenant_id":"`+res.TenantID+`",`+want+`}`) {
		t.Errorf("Result.LogValue: %s", logs.String())
	}
}
