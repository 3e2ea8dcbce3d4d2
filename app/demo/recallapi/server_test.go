package recallapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "test-api-key-123"

// fakeClock is a settable clock for rate-limit and cache tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

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

var baseTime = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC) // a Monday

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.ConnectDelay == 0 {
		opts.ConnectDelay = -1
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return baseTime }
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %v: %s", r.status, err, r.body)
	}
	return m
}

type call struct {
	method  string
	path    string // path and query, or a full URL
	body    string
	headers map[string]string
	noAuth  bool
}

func (s *Server) do(t *testing.T, c call) response {
	t.Helper()
	target := c.path
	if !strings.HasPrefix(target, "http") {
		target = s.URL() + c.path
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if !c.noAuth {
		req.Header.Set("Authorization", "Token "+testKey)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

const validCreate = `{"platform":"microsoft_outlook","oauth_client_id":"client-1","oauth_client_secret":"s3cret-value","oauth_refresh_token":"rt-good","oauth_email":"pat@contoso.example"}`

func createCalendar(t *testing.T, s *Server, body string) map[string]any {
	t.Helper()
	r := s.do(t, call{method: "POST", path: "/api/v2/calendars/", body: body})
	if r.status != http.StatusCreated {
		t.Fatalf("create: status %d: %s", r.status, r.body)
	}
	return r.json(t)
}

// waitStatus polls the fake until the calendar leaves "connecting".
func waitStatus(t *testing.T, s *Server, id string) string {
	t.Helper()
	for i := 0; i < 2000; i++ {
		for _, c := range s.Calendars() {
			if c.ID == id && c.Status != statusConnecting {
				return c.Status
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("calendar %s stayed connecting", id)
	return ""
}

func TestStartRequiresKey(t *testing.T) {
	t.Parallel()
	if _, err := Start(Options{}); err == nil {
		t.Fatal("Start without APIKey succeeded")
	}
	if _, err := Start(Options{APIKey: "k", EventsPerCalendar: -1}); err == nil {
		t.Fatal("Start with negative EventsPerCalendar succeeded")
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong key", "Token nope", http.StatusUnauthorized},
		{"bearer scheme", "Bearer " + testKey, http.StatusUnauthorized},
		{"good", "Token " + testKey, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.header != "" {
				h["Authorization"] = tc.header
			}
			r := s.do(t, call{method: "GET", path: "/api/v2/calendars/", noAuth: true, headers: h})
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if tc.want == http.StatusUnauthorized {
				if got := r.json(t)["detail"]; got != "Invalid token." {
					t.Fatalf("detail %q", got)
				}
			}
		})
	}
}

func TestFirewall(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	cases := []struct {
		name string
		c    call
	}{
		{"GET with a body", call{method: "GET", path: "/api/v2/calendars/", body: "null"}},
		{"localhost URL in payload", call{method: "POST", path: "/api/v2/calendars/", body: `{"webhook_url":"http://localhost:8080/x"}`}},
		{"loopback IP in payload", call{method: "POST", path: "/api/v2/calendars/", body: `{"x":"https://127.0.0.1/"}`}},
		{"firewall blocks even without key", call{method: "GET", path: "/api/v2/calendars/", body: "{}", noAuth: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.c)
			if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("got %d %q, want 403 HTML", r.status, r.header.Get("Content-Type"))
			}
			if json.Valid(r.body) {
				t.Fatal("firewall answered JSON; Recall's WAF answers HTML")
			}
		})
	}
}

// Recall documents every path with its trailing slash (recall-api.md §0
// item 9); without it the fake answers 404, so a client that drops the
// slash fails here rather than in production.
func TestPathWithoutTrailingSlashIsNotFound(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	for _, c := range []call{
		{method: "GET", path: "/api/v2/calendars"},
		{method: "POST", path: "/api/v2/calendars", body: validCreate},
		{method: "GET", path: "/api/v2/calendar-events"},
	} {
		r := s.do(t, c)
		if r.status != http.StatusNotFound || r.json(t)["detail"] != "Not found." {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if got := s.Requests(); got[0].Path != "/api/v2/calendars" {
		t.Fatalf("log rewrote the path: %q", got[0].Path)
	}
	if n := len(s.Calendars()); n != 0 {
		t.Fatalf("a create without the slash made %d calendars", n)
	}
}

func TestUnknownPathIsNotFound(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	r := s.do(t, call{method: "GET", path: "/api/v2/nothing/"})
	if r.status != http.StatusNotFound || r.json(t)["detail"] != "Not found." {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	long := strings.Repeat("x", 2001)
	cases := []struct {
		name  string
		body  string
		field string
		msg   string
	}{
		{"missing platform", `{"oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"c"}`, "platform", msgRequired},
		{"bad platform", `{"platform":"zoom","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"c"}`, "platform", `"zoom" is not a valid choice.`},
		{"missing client id", `{"platform":"microsoft_outlook","oauth_client_secret":"b","oauth_refresh_token":"c"}`, "oauth_client_id", msgRequired},
		{"null secret", `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":null,"oauth_refresh_token":"c"}`, "oauth_client_secret", msgNull},
		{"blank token", `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":" "}`, "oauth_refresh_token", msgBlank},
		{"number client id", `{"platform":"microsoft_outlook","oauth_client_id":5,"oauth_client_secret":"b","oauth_refresh_token":"c"}`, "oauth_client_id", msgNotString},
		{"client id too long", `{"platform":"microsoft_outlook","oauth_client_id":"` + long + `","oauth_client_secret":"b","oauth_refresh_token":"c"}`, "oauth_client_id", msgMaxLen(2000)},
		{"token too long", `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"` + strings.Repeat("t", 10001) + `"}`, "oauth_refresh_token", msgMaxLen(10000)},
		{"bad email", `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"c","oauth_email":"not-an-email"}`, "oauth_email", msgEmail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, call{method: "POST", path: "/api/v2/calendars/", body: tc.body})
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var v validationError
			if err := json.Unmarshal(r.body, &v); err != nil {
				t.Fatal(err)
			}
			if v.Code != "invalid_request_data" || v.Message != invalidDataMessage {
				t.Fatalf("code/message %q %q", v.Code, v.Message)
			}
			if got := v.Errors[tc.field]; len(got) != 1 || got[0] != tc.msg {
				t.Fatalf("errors[%s] = %q, want %q (all: %v)", tc.field, got, tc.msg, v.Errors)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		r := s.do(t, call{method: "POST", path: "/api/v2/calendars/", body: `[1,2]`})
		if r.status != http.StatusBadRequest || r.json(t)["code"] != "parse_error" {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})
	t.Run("a 10000-character token is accepted", func(t *testing.T) {
		body := `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"` + strings.Repeat("t", 10000) + `"}`
		createCalendar(t, s, body)
	})
	if n := len(s.Calendars()); n != 1 {
		t.Fatalf("%d calendars after invalid creates, want 1", n)
	}
}

type verifierFunc func(ctx context.Context, clientID, clientSecret, refreshToken string) error

func (f verifierFunc) VerifyRefreshToken(ctx context.Context, id, secret, token string) error {
	return f(ctx, id, secret, token)
}

type aadError struct{ code, desc string }

func (e aadError) Error() string                   { return e.code }
func (e aadError) OAuthError() (code, desc string) { return e.code, e.desc }

func TestCreateThenVerify(t *testing.T) {
	t.Parallel()
	verifier := verifierFunc(func(_ context.Context, id, secret, token string) error {
		switch {
		case secret != "s3cret-value":
			return aadError{"invalid_client", "AADSTS7000215: Invalid client secret provided."}
		case token == "rt-revoked":
			return aadError{"invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired."}
		case token == "rt-plain-error":
			return errors.New("AADSTS50173: grant revoked")
		}
		return nil
	})
	s := start(t, Options{Verifier: verifier})
	cases := []struct {
		name, body, status, email, errCode, errDesc string
	}{
		{"good grant", validCreate, statusConnected, "pat@contoso.example", "", ""},
		{"good grant without email", `{"platform":"microsoft_outlook","oauth_client_id":"c","oauth_client_secret":"s3cret-value","oauth_refresh_token":"rt"}`, statusConnected, demoPlatformEmail, "", ""},
		{"expired grant", strings.Replace(validCreate, "rt-good", "rt-revoked", 1), statusDisconnected, "", "invalid_grant", "AADSTS70008"},
		{"wrong secret", strings.Replace(validCreate, "s3cret-value", "secret-id-not-value", 1), statusDisconnected, "", "invalid_client", "AADSTS7000215"},
		{"error without OAuth details", strings.Replace(validCreate, "rt-good", "rt-plain-error", 1), statusDisconnected, "", "invalid_grant", "AADSTS50173"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			created := createCalendar(t, s, tc.body)
			// As documented: 201, connecting, platform_email null, and the
			// credentials echoed back (recall-api.md §2.3, §2.5).
			if created["status"] != statusConnecting || created["platform_email"] != nil {
				t.Fatalf("create answered status=%v platform_email=%v", created["status"], created["platform_email"])
			}
			if created["oauth_refresh_token"] == nil || created["oauth_client_secret"] == nil {
				t.Fatal("create did not echo the OAuth credentials as Recall does")
			}
			id := created["id"].(string)
			if !validUUID(id) {
				t.Fatalf("id %q is not a UUID", id)
			}
			if got := waitStatus(t, s, id); got != tc.status {
				t.Fatalf("status %s, want %s", got, tc.status)
			}
			cal := s.do(t, call{method: "GET", path: "/api/v2/calendars/" + id + "/"}).json(t)
			changes := cal["status_changes"].([]any)
			last := changes[len(changes)-1].(map[string]any)
			if last["status"] != tc.status || last["created_at"] == nil {
				t.Fatalf("last change %v", last)
			}
			if tc.status == statusConnected && cal["platform_email"] != tc.email {
				t.Fatalf("platform_email %v, want %s", cal["platform_email"], tc.email)
			}
			if tc.errCode != "" {
				if last["error"] != tc.errCode || !strings.Contains(last["error_description"].(string), tc.errDesc) {
					t.Fatalf("disconnect detail %v", last)
				}
			}
		})
	}
}

func TestConnectDelayKeepsConnecting(t *testing.T) {
	t.Parallel()
	s := start(t, Options{ConnectDelay: time.Hour})
	id := createCalendar(t, s, validCreate)["id"].(string)
	got := s.do(t, call{method: "GET", path: "/api/v2/calendars/" + id + "/"}).json(t)
	if got["status"] != statusConnecting {
		t.Fatalf("status %v before ConnectDelay elapsed", got["status"])
	}
	// Close must not wait for the hour-long timer.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestRetrieveNotFound(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	for _, p := range []string{
		"/api/v2/calendars/00000000-0000-0000-0000-000000000000/",
		"/api/v2/calendar-events/00000000-0000-0000-0000-000000000000/",
	} {
		r := s.do(t, call{method: "GET", path: p})
		if r.status != http.StatusNotFound || r.json(t)["detail"] != "Not found." {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
	}
}

func listAll(t *testing.T, s *Server, first string) (results []map[string]any, pages int) {
	t.Helper()
	next := first
	for next != "" {
		r := s.do(t, call{method: "GET", path: next})
		if r.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", next, r.status, r.body)
		}
		var p struct {
			Next    *string          `json:"next"`
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		pages++
		results = append(results, p.Results...)
		next = ""
		if p.Next != nil {
			if !strings.HasPrefix(*p.Next, s.URL()+"/api/v2/") {
				t.Fatalf("next %q is not a full URL on this server", *p.Next)
			}
			next = *p.Next
		}
	}
	return results, pages
}

func TestListCalendars(t *testing.T) {
	t.Parallel()
	s := start(t, Options{RateLimits: &RateLimits{Calendars: -1, ListCalendars: -1}, EventsPerCalendar: 1})
	for i := 0; i < 120; i++ {
		body := strings.Replace(validCreate, "pat@", "user"+string(rune('a'+i%3))+"@", 1)
		if i%4 == 0 {
			body = strings.Replace(body, "microsoft_outlook", "google_calendar", 1)
		}
		id := createCalendar(t, s, body)["id"].(string)
		waitStatus(t, s, id)
		if i == 7 {
			s.SetCalendarStatus(id, statusDisconnected, map[string]any{"error": "invalid_grant"})
		}
	}
	all, pages := listAll(t, s, "/api/v2/calendars/")
	if len(all) != 120 || pages != 3 {
		t.Fatalf("%d calendars in %d pages, want 120 in 3", len(all), pages)
	}
	seen := map[string]bool{}
	for _, c := range all {
		seen[c["id"].(string)] = true
	}
	if len(seen) != 120 {
		t.Fatalf("pages overlap: %d distinct ids", len(seen))
	}
	cases := []struct {
		query string
		want  int
	}{
		{"email=usera@contoso.example", 40},
		{"email=USERA@contoso.example", 40},
		{"email=nobody@contoso.example", 0},
		{"platform=google_calendar", 30},
		{"platform=microsoft_outlook&email=userb@contoso.example", 30},
		{"status=disconnected", 1},
		{"status=connected", 119},
		{"created_at__gte=2030-01-01T00:00:00Z", 0},
	}
	for _, tc := range cases {
		got, _ := listAll(t, s, "/api/v2/calendars/?"+tc.query)
		if len(got) != tc.want {
			t.Errorf("%s: %d results, want %d", tc.query, len(got), tc.want)
		}
	}
	for _, q := range []string{"status=broken", "platform=zoom", "created_at__gte=yesterday"} {
		r := s.do(t, call{method: "GET", path: "/api/v2/calendars/?" + q})
		if r.status != http.StatusBadRequest || r.json(t)["errors"] == nil {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	r := s.do(t, call{method: "GET", path: "/api/v2/calendars/?cursor=bm9wZQ"})
	if r.status != http.StatusNotFound {
		t.Errorf("bad cursor: %d", r.status)
	}
}

func TestPreviousLinkGoesBack(t *testing.T) {
	t.Parallel()
	s := start(t, Options{EventsPerCalendar: 250})
	id := createCalendar(t, s, validCreate)["id"].(string)
	waitStatus(t, s, id)
	first := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/"}).json(t)
	second := s.do(t, call{method: "GET", path: first["next"].(string)}).json(t)
	back := s.do(t, call{method: "GET", path: second["previous"].(string)}).json(t)
	a, b := first["results"].([]any), back["results"].([]any)
	if len(a) != 100 || len(b) != 100 {
		t.Fatalf("page sizes %d and %d", len(a), len(b))
	}
	for i := range a {
		if a[i].(map[string]any)["id"] != b[i].(map[string]any)["id"] {
			t.Fatalf("previous page differs at %d", i)
		}
	}
	if first["previous"] != nil {
		t.Fatal("first page has a previous link")
	}
}

func TestPatchCalendar(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	goodToken := "rt-good"
	verifier := verifierFunc(func(_ context.Context, _, _, token string) error {
		mu.Lock()
		defer mu.Unlock()
		if token != goodToken {
			return aadError{"invalid_grant", "AADSTS70008: expired"}
		}
		return nil
	})
	s := start(t, Options{Verifier: verifier})
	id := createCalendar(t, s, validCreate)["id"].(string)
	if waitStatus(t, s, id) != statusConnected {
		t.Fatal("not connected")
	}
	path := "/api/v2/calendars/" + id + "/"

	// The grant goes bad: Recall disconnects (simulated).
	mu.Lock()
	goodToken = "rt-new"
	mu.Unlock()
	r := s.do(t, call{method: "PATCH", path: path, body: `{}`})
	if r.status != http.StatusOK || r.json(t)["status"] != statusConnecting {
		t.Fatalf("empty PATCH: %d %s", r.status, r.body)
	}
	if waitStatus(t, s, id) != statusDisconnected {
		t.Fatal("reconnect with a dead grant did not disconnect")
	}
	// Reconnect with the new token (recall-api.md §2.7).
	r = s.do(t, call{method: "PATCH", path: path, body: `{"oauth_refresh_token":"rt-new"}`})
	if r.status != http.StatusOK || r.json(t)["status"] != statusConnecting || r.json(t)["oauth_refresh_token"] != "rt-new" {
		t.Fatalf("PATCH token: %d %s", r.status, r.body)
	}
	if waitStatus(t, s, id) != statusConnected {
		t.Fatal("reconnect with a good token did not connect")
	}
	// Secret rotation starts a reconnection too (§7.3).
	r = s.do(t, call{method: "PATCH", path: path, body: `{"oauth_client_secret":"rotated"}`})
	if r.json(t)["status"] != statusConnecting {
		t.Fatalf("secret rotation did not reconnect: %s", r.body)
	}
	waitStatus(t, s, id)
	// Changing only the email leaves the grant alone.
	r = s.do(t, call{method: "PATCH", path: path, body: `{"oauth_email":"new@contoso.example"}`})
	if r.json(t)["status"] != statusConnected || r.json(t)["oauth_email"] != "new@contoso.example" {
		t.Fatalf("email-only PATCH: %s", r.body)
	}
	// Validation follows create's rules.
	r = s.do(t, call{method: "PATCH", path: path, body: `{"oauth_email":"nope"}`})
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad email PATCH: %d", r.status)
	}
	r = s.do(t, call{method: "PATCH", path: "/api/v2/calendars/00000000-0000-0000-0000-000000000000/", body: `{}`})
	if r.status != http.StatusNotFound {
		t.Fatalf("PATCH unknown: %d", r.status)
	}
}

func connectedCalendar(t *testing.T, s *Server, body string) string {
	t.Helper()
	id := createCalendar(t, s, body)["id"].(string)
	if st := waitStatus(t, s, id); st != statusConnected {
		t.Fatalf("calendar %s", st)
	}
	return id
}

func eventsOf(t *testing.T, s *Server, calendarID, extra string) []map[string]any {
	t.Helper()
	q := url.Values{"calendar_id": {calendarID}}
	all, _ := listAll(t, s, "/api/v2/calendar-events/?"+q.Encode()+extra)
	return all
}

func TestEventsGenerated(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Seed: 42})
	id := connectedCalendar(t, s, validCreate)
	events := eventsOf(t, s, id, "")
	if len(events) != DefaultEventsPerCalendar {
		t.Fatalf("%d events, want %d", len(events), DefaultEventsPerCalendar)
	}
	var teams, zoom, meet, allDay, cancelled, deleted, wrapped, series, external int
	lo, hi := baseTime.Add(-syncBack-24*time.Hour), baseTime.Add(syncAhead)
	for _, e := range events {
		start, _ := time.Parse(time.RFC3339, e["start_time"].(string))
		if start.Before(lo) || start.After(hi) {
			t.Errorf("event at %s outside the sync window", start)
		}
		raw := e["raw"].(map[string]any)
		if raw["subject"] == "" || raw["start"] == nil || raw["organizer"] == nil {
			t.Errorf("raw lacks Graph fields: %v", raw)
		}
		switch e["meeting_platform"] {
		case "microsoft_teams":
			teams++
		case "zoom":
			zoom++
		case "google_meet":
			meet++
		}
		if raw["isAllDay"] == true {
			allDay++
			if e["meeting_url"] != nil {
				t.Error("all-day event has a meeting link")
			}
		}
		if raw["isCancelled"] == true {
			cancelled++
		}
		if e["is_deleted"] == true {
			deleted++
		}
		if e["meeting_url"] == nil && raw["onlineMeeting"] != nil {
			wrapped++
		}
		if raw["seriesMasterId"] != nil {
			series++
		}
		for _, a := range asSlice(raw["attendees"]) {
			addr := a.(map[string]any)["emailAddress"].(map[string]any)["address"].(string)
			if !strings.HasSuffix(addr, "@contoso.example") {
				external++
			}
		}
	}
	for name, n := range map[string]int{"teams": teams, "zoom": zoom, "meet": meet, "all-day": allDay, "cancelled": cancelled,
		"deleted": deleted, "wrapped link": wrapped, "stand-up series": series, "external attendees": external} {
		if n == 0 {
			t.Errorf("no %s events generated", name)
		}
	}

	// The same seed gives the same calendar.
	s2 := start(t, Options{Seed: 42})
	id2 := connectedCalendar(t, s2, validCreate)
	again := eventsOf(t, s2, id2, "")
	if id2 != id || len(again) != len(events) || again[0]["id"] != events[0]["id"] {
		t.Fatal("same seed produced different events")
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestListEventsFiltersAndPaging(t *testing.T) {
	t.Parallel()
	s := start(t, Options{EventsPerCalendar: 1100, RateLimits: &RateLimits{ListEvents: -1}})
	id := connectedCalendar(t, s, validCreate)
	other := connectedCalendar(t, s, strings.Replace(validCreate, "pat@", "sam@", 1))

	all, pages := listAll(t, s, "/api/v2/calendar-events/?calendar_id="+id)
	if len(all) != 1100 || pages != 11 {
		t.Fatalf("%d events in %d pages, want 1100 in 11", len(all), pages)
	}
	everything, _ := listAll(t, s, "/api/v2/calendar-events/")
	if len(everything) != 2200 {
		t.Fatalf("unfiltered list: %d events", len(everything))
	}
	count := func(pred func(map[string]any) bool) int {
		n := 0
		for _, e := range all {
			if pred(e) {
				n++
			}
		}
		return n
	}
	startOf := func(e map[string]any) time.Time {
		t, _ := time.Parse(time.RFC3339, e["start_time"].(string))
		return t
	}
	updatedOf := func(e map[string]any) time.Time {
		t, _ := time.Parse(time.RFC3339, e["updated_at"].(string))
		return t
	}
	now := baseTime.Format(time.RFC3339)
	week := baseTime.Add(7 * 24 * time.Hour).Format(time.RFC3339)
	since := baseTime.Add(-48 * time.Hour)
	standup := all[0]["ical_uid"].(string)
	for _, e := range all {
		if e["raw"].(map[string]any)["seriesMasterId"] != nil {
			standup = e["ical_uid"].(string)
			break
		}
	}
	prefix := standup[:len(standup)-9] // the series part, without "-YYYYMMDD"
	cases := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"is_deleted=false", url.Values{"is_deleted": {"false"}}, count(func(e map[string]any) bool { return e["is_deleted"] == false })},
		{"is_deleted=true", url.Values{"is_deleted": {"true"}}, count(func(e map[string]any) bool { return e["is_deleted"] == true })},
		{"upcoming", url.Values{"start_time__gte": {now}}, count(func(e map[string]any) bool { return !startOf(e).Before(baseTime) })},
		{"window", url.Values{"start_time__gte": {now}, "start_time__lte": {week}}, count(func(e map[string]any) bool {
			return !startOf(e).Before(baseTime) && !startOf(e).After(baseTime.Add(7*24*time.Hour))
		})},
		{"exact start", url.Values{"start_time": {all[5]["start_time"].(string)}}, count(func(e map[string]any) bool { return startOf(e).Equal(startOf(all[5])) })},
		{"updated since", url.Values{"updated_at__gte": {since.Format(time.RFC3339)}}, count(func(e map[string]any) bool { return !updatedOf(e).Before(since) })},
		{"ical prefix", url.Values{"ical_uid": {prefix}}, count(func(e map[string]any) bool { return strings.HasPrefix(e["ical_uid"].(string), prefix) })},
		{"unknown param ignored", url.Values{"updated_at_gte": {week}}, 1100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == 0 || (tc.want == 1100 && tc.name != "unknown param ignored") {
				t.Fatalf("filter %s does not narrow the set in this data (%d)", tc.name, tc.want)
			}
			got := eventsOf(t, s, id, "&"+tc.query.Encode())
			if len(got) != tc.want {
				t.Fatalf("%d events, want %d", len(got), tc.want)
			}
			for _, e := range got {
				if e["calendar_id"] != id {
					t.Fatalf("event of calendar %v leaked in", e["calendar_id"])
				}
			}
		})
	}
	if n := len(eventsOf(t, s, other, "")); n != 1100 {
		t.Fatalf("other calendar: %d events", n)
	}
	for _, q := range []string{"calendar_id=nope", "start_time__gte=tomorrow", "is_deleted=maybe"} {
		r := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/?" + q})
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d", q, r.status)
		}
	}
	r := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + all[3]["id"].(string) + "/"})
	if r.status != http.StatusOK || r.json(t)["id"] != all[3]["id"] {
		t.Fatalf("retrieve: %d", r.status)
	}
}

// upcomingWithLink returns events that can get a bot.
func upcomingWithLink(t *testing.T, s *Server, calendarID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range eventsOf(t, s, calendarID, "&is_deleted=false&start_time__gte="+url.QueryEscape(baseTime.Format(time.RFC3339))) {
		if e["meeting_url"] != nil {
			out = append(out, e)
		}
	}
	if len(out) < 3 {
		t.Fatalf("only %d upcoming events with links", len(out))
	}
	return out
}

func endedEvent(t *testing.T, s *Server, calendarID string) map[string]any {
	t.Helper()
	for _, e := range eventsOf(t, s, calendarID, "") {
		end, _ := time.Parse(time.RFC3339, e["end_time"].(string))
		if end.Before(baseTime) && e["meeting_url"] != nil {
			return e
		}
	}
	t.Fatal("no ended event")
	return nil
}

func TestScheduleBot(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := connectedCalendar(t, s, validCreate)
	up := upcomingWithLink(t, s, id)
	botPath := func(e map[string]any) string { return "/api/v2/calendar-events/" + e["id"].(string) + "/bot/" }

	invalid := []struct {
		name, body, field string
	}{
		{"missing key", `{"bot_config":{}}`, "deduplication_key"},
		{"missing config", `{"deduplication_key":"k"}`, "bot_config"},
		{"null config", `{"deduplication_key":"k","bot_config":null}`, "bot_config"},
		{"config not an object", `{"deduplication_key":"k","bot_config":"x"}`, "bot_config"},
		{"key too long", `{"deduplication_key":"` + strings.Repeat("k", 2001) + `","bot_config":{}}`, "deduplication_key"},
	}
	for _, tc := range invalid {
		r := s.do(t, call{method: "POST", path: botPath(up[0]), body: tc.body})
		if r.status != http.StatusBadRequest {
			t.Fatalf("%s: status %d", tc.name, r.status)
		}
		if _, ok := r.json(t)["errors"].(map[string]any)[tc.field]; !ok {
			t.Fatalf("%s: errors %s", tc.name, r.body)
		}
	}

	// An ended event: the exact documented body (recall-api.md §4.1).
	r := s.do(t, call{method: "POST", path: botPath(endedEvent(t, s, id)), body: `{"deduplication_key":"k","bot_config":{}}`})
	want := `{"code":"invalid_request_data","message":"Unable to process request because invalid data was submitted. Check ` + "`errors`" + ` field for more details.","errors":{"non_field_errors":["Cannot schedule bot as calendar event has ended."]}}`
	if r.status != http.StatusBadRequest || !jsonEqual(t, r.body, []byte(want)) {
		t.Fatalf("ended event: %d %s", r.status, r.body)
	}

	// Equal keys share one bot.
	key := up[0]["start_time"].(string) + "-" + up[0]["meeting_url"].(string)
	body := `{"deduplication_key":` + quote(key) + `,"bot_config":{"bot_name":"Notetaker"}}`
	first := s.do(t, call{method: "POST", path: botPath(up[0]), body: body})
	second := s.do(t, call{method: "POST", path: botPath(up[1]), body: body})
	if first.status != http.StatusOK || second.status != http.StatusOK {
		t.Fatalf("schedule: %d %d", first.status, second.status)
	}
	b1 := first.json(t)["bots"].([]any)[0].(map[string]any)
	b2 := second.json(t)["bots"].([]any)[0].(map[string]any)
	if b1["bot_id"] != b2["bot_id"] || b1["deduplication_key"] != key || b1["meeting_url"] != up[0]["meeting_url"] {
		t.Fatalf("bots not shared: %v %v", b1, b2)
	}
	// Unscheduling one keeps the shared bot on the other; repeating is fine.
	for i := 0; i < 2; i++ {
		r := s.do(t, call{method: "DELETE", path: botPath(up[0])})
		if r.status != http.StatusOK || len(r.json(t)["bots"].([]any)) != 0 {
			t.Fatalf("unschedule #%d: %d %s", i, r.status, r.body)
		}
	}
	still := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + up[1]["id"].(string) + "/"}).json(t)
	if bots := still["bots"].([]any); len(bots) != 1 || bots[0].(map[string]any)["bot_id"] != b1["bot_id"] {
		t.Fatalf("shared bot lost: %v", still["bots"])
	}
	if r := s.do(t, call{method: "DELETE", path: "/api/v2/calendar-events/00000000-0000-0000-0000-000000000000/bot/"}); r.status != http.StatusNotFound {
		t.Fatalf("unschedule unknown: %d", r.status)
	}
}

func TestDeleteCalendar(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := connectedCalendar(t, s, validCreate)
	b := connectedCalendar(t, s, strings.Replace(validCreate, "pat@", "sam@", 1))
	ea, eb := upcomingWithLink(t, s, a)[0], upcomingWithLink(t, s, b)[0]
	body := `{"deduplication_key":"shared","bot_config":{}}`
	for _, e := range []map[string]any{ea, eb} {
		if r := s.do(t, call{method: "POST", path: "/api/v2/calendar-events/" + e["id"].(string) + "/bot/", body: body}); r.status != http.StatusOK {
			t.Fatalf("schedule: %d", r.status)
		}
	}
	r := s.do(t, call{method: "DELETE", path: "/api/v2/calendars/" + a + "/"})
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("delete: %d %q", r.status, r.body)
	}
	for _, p := range []string{"/api/v2/calendars/" + a + "/", "/api/v2/calendar-events/" + ea["id"].(string) + "/"} {
		if r := s.do(t, call{method: "GET", path: p}); r.status != http.StatusNotFound {
			t.Fatalf("%s after delete: %d", p, r.status)
		}
	}
	if n := len(eventsOf(t, s, a, "")); n != 0 {
		t.Fatalf("%d events still listed for a deleted calendar", n)
	}
	if r := s.do(t, call{method: "DELETE", path: "/api/v2/calendars/" + a + "/"}); r.status != http.StatusNotFound {
		t.Fatalf("second delete: %d", r.status)
	}
	still := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + eb["id"].(string) + "/"}).json(t)
	if len(still["bots"].([]any)) != 1 {
		t.Fatal("the other calendar's shared bot was removed")
	}
}

func TestDisconnectRemovesFutureBots(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := connectedCalendar(t, s, validCreate)
	e := upcomingWithLink(t, s, id)[0]
	path := "/api/v2/calendar-events/" + e["id"].(string) + "/"
	s.do(t, call{method: "POST", path: path + "bot/", body: `{"deduplication_key":"x","bot_config":{}}`})
	s.SetCalendarStatus(id, statusDisconnected, map[string]any{"error": "invalid_grant", "error_description": "AADSTS50173"})
	cal := s.do(t, call{method: "GET", path: "/api/v2/calendars/" + id + "/"}).json(t)
	changes := cal["status_changes"].([]any)
	last := changes[len(changes)-1].(map[string]any)
	if cal["status"] != statusDisconnected || last["error"] != "invalid_grant" {
		t.Fatalf("calendar after disconnect: %v", cal)
	}
	// Still queryable, but without its future bots (recall-api.md §2.6).
	got := s.do(t, call{method: "GET", path: path})
	if got.status != http.StatusOK || len(got.json(t)["bots"].([]any)) != 0 {
		t.Fatalf("event after disconnect: %d %s", got.status, got.body)
	}
	s.SetCalendarStatus("unknown", statusConnected, nil) // ignored, no panic
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now})
	withKey := func(key string) call {
		return call{method: "POST", path: "/api/v2/calendars/", body: validCreate, headers: map[string]string{"Idempotency-Key": key}}
	}

	first := s.do(t, withKey("k1"))
	replayed := s.do(t, withKey("k1"))
	if first.status != http.StatusCreated || replayed.status != http.StatusCreated || !bytes.Equal(first.body, replayed.body) {
		t.Fatalf("replay: %d %d", first.status, replayed.status)
	}
	if n := len(s.Calendars()); n != 1 {
		t.Fatalf("%d calendars after a replayed create", n)
	}
	// Scoped to method and path: the same key on PATCH is a new request.
	id := first.json(t)["id"].(string)
	patch := s.do(t, call{method: "PATCH", path: "/api/v2/calendars/" + id + "/", body: `{}`, headers: map[string]string{"Idempotency-Key": "k1"}})
	if patch.status != http.StatusOK {
		t.Fatalf("same key, other path: %d", patch.status)
	}
	// After an hour the key is forgotten.
	clock.Advance(time.Hour + time.Second)
	if r := s.do(t, withKey("k1")); r.status != http.StatusCreated || r.json(t)["id"] == id {
		t.Fatalf("after an hour: %d", r.status)
	}

	// A 507 is cached: the same key keeps getting it; a fresh key works.
	s.Faults().FailNext("POST", "/api/v2/calendars/", http.StatusInsufficientStorage, 1)
	if r := s.do(t, withKey("k507")); r.status != http.StatusInsufficientStorage {
		t.Fatalf("fault: %d", r.status)
	}
	if r := s.do(t, withKey("k507")); r.status != http.StatusInsufficientStorage {
		t.Fatalf("507 not replayed: %d", r.status)
	}
	if r := s.do(t, withKey("k507-fresh")); r.status != http.StatusCreated {
		t.Fatalf("fresh key after 507: %d", r.status)
	}
	// A 503 from the gateway is not cached.
	s.Faults().FailNext("POST", "", http.StatusServiceUnavailable, 1)
	if r := s.do(t, withKey("k503")); r.status != http.StatusServiceUnavailable {
		t.Fatalf("fault: %d", r.status)
	}
	if r := s.do(t, withKey("k503")); r.status != http.StatusCreated {
		t.Fatalf("retry after 503: %d", r.status)
	}
}

func TestIdempotencyInFlightConflict(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.Faults().SetLatency(time.Hour) // the first request stays running
	req := withIdem(validCreate, "same")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		r, err := http.NewRequestWithContext(ctx, "POST", s.URL()+"/api/v2/calendars/", strings.NewReader(req.body))
		if err != nil {
			done <- 0
			return
		}
		r.Header.Set("Authorization", "Token "+testKey)
		r.Header.Set("Idempotency-Key", "same")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for !s.idem.running("same", "POST", "/api/v2/calendars/") {
		time.Sleep(time.Millisecond)
	}
	s.Faults().SetLatency(0)
	r := s.do(t, req)
	if r.status != http.StatusConflict {
		t.Fatalf("duplicate while running: %d %s", r.status, r.body)
	}
	cancel()
	<-done
	if n := len(s.Calendars()); n != 0 {
		t.Fatalf("%d calendars created by a skipped duplicate", n)
	}
}

func withIdem(body, key string) call {
	return call{method: "POST", path: "/api/v2/calendars/", body: body, headers: map[string]string{"Idempotency-Key": key}}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now, RateLimits: &RateLimits{ListCalendars: 2}})
	list := call{method: "GET", path: "/api/v2/calendars/"}
	for i := 0; i < 2; i++ {
		if r := s.do(t, list); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	clock.Advance(20 * time.Second)
	r := s.do(t, list)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "40" {
		t.Fatalf("over the limit: %d Retry-After=%q", r.status, r.header.Get("Retry-After"))
	}
	// Other groups have their own budget.
	if r := s.do(t, call{method: "GET", path: "/api/v2/calendars/00000000-0000-0000-0000-000000000000/"}); r.status != http.StatusNotFound {
		t.Fatalf("retrieve while list is limited: %d", r.status)
	}
	clock.Advance(40 * time.Second)
	if r := s.do(t, list); r.status != http.StatusOK {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	list := call{method: "GET", path: "/api/v2/calendars/"}

	s.Faults().FailNext("GET", "/api/v2/calendars/", http.StatusServiceUnavailable, 2)
	s.Faults().FailNext("GET", "/api/v2/calendars/*/", http.StatusBadGateway, 1)
	if s.Faults().Pending() != 3 {
		t.Fatalf("pending %d", s.Faults().Pending())
	}
	for i := 0; i < 2; i++ {
		if r := s.do(t, list); r.status != http.StatusServiceUnavailable {
			t.Fatalf("fault %d: %d", i, r.status)
		}
	}
	if r := s.do(t, list); r.status != http.StatusOK {
		t.Fatalf("after faults: %d", r.status)
	}
	if r := s.do(t, call{method: "GET", path: "/api/v2/calendars/00000000-0000-0000-0000-000000000000/"}); r.status != http.StatusBadGateway {
		t.Fatalf("pattern fault: %d", r.status)
	}

	s.Faults().Add(Fault{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second})
	if r := s.do(t, list); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" {
		t.Fatalf("429 fault: %d %q", r.status, r.header.Get("Retry-After"))
	}
	s.Faults().FailNext("", "", http.StatusConflict, 1)
	if r := s.do(t, list); r.status != http.StatusConflict {
		t.Fatalf("409 fault: %d", r.status)
	}

	s.Faults().RevokeKey(true)
	if r := s.do(t, list); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked key: %d", r.status)
	}
	s.Faults().RevokeKey(false)
	s.Faults().BlockAll(true)
	if r := s.do(t, list); r.status != http.StatusForbidden {
		t.Fatalf("blocked: %d", r.status)
	}
	s.Faults().Reset()
	if r := s.do(t, list); r.status != http.StatusOK {
		t.Fatalf("after reset: %d", r.status)
	}
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	createCalendar(t, s, validCreate)
	for _, r := range s.Requests() {
		b, _ := json.Marshal(r)
		for _, secret := range []string{testKey, "s3cret-value", "rt-good"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("request log holds a secret: %s", b)
			}
		}
	}
	if got := s.Requests(); len(got) != 1 || got[0].Status != http.StatusCreated || got[0].Path != "/api/v2/calendars/" {
		t.Fatalf("log %+v", got)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
