package recall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testKey      = "rk_live_0123456789abcdef"
	clientID     = "11111111-2222-3333-4444-555555555555"
	clientSecret = "Xy8Q~client-secret-VALUE-do-not-leak"
	refreshToken = "M.C5_BAY.0.U.-refresh-token-do-not-leak"
)

var baseTime = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

// sleeps records every wait instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

type env struct {
	srv    *recallapi.Server
	client *Client
	sleeps *sleeps
}

func newEnv(t testing.TB, opts recallapi.Options, tweak ...func(*Config)) *env {
	t.Helper()
	opts.APIKey = testKey
	if opts.ConnectDelay == 0 {
		opts.ConnectDelay = -1
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return baseTime }
	}
	if opts.RateLimits == nil {
		opts.RateLimits = &recallapi.RateLimits{ListCalendars: -1, Calendars: -1, ListEvents: -1, RetrieveEvent: -1, Bots: -1}
	}
	srv, err := recallapi.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := &env{srv: srv, sleeps: &sleeps{}}
	cfg := Config{
		APIKey:     testKey,
		BaseURL:    srv.URL(),
		Version:    "1.2.3",
		HTTPClient: testHTTPClient(t),
		Sleep:      e.sleeps.Sleep,
		Jitter:     func(time.Duration) time.Duration { return 0 },
		Limits:     Limits{ListCalendars: -1, ListEvents: -1, Calendars: -1, RetrieveEvent: -1, Bots: -1},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func testHTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func register(email string) RegisterParams {
	return RegisterParams{Email: email, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken}
}

func mustKind(t *testing.T, err error, want Kind) *problem.Problem {
	t.Helper()
	if got := KindOf(err); got != want {
		t.Fatalf("KindOf(%v) = %q, want %q", err, got, want)
	}
	p := problem.From(err)
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Fatalf("problem lacks plain-language text: %+v", p)
	}
	assertNoSecrets(t, p)
	return p
}

func assertNoSecrets(t *testing.T, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	text := string(b) + fmt.Sprintf("%+v", v)
	if p, ok := v.(*problem.Problem); ok {
		text += p.Error() + p.DetailsText()
		if p.Cause != nil {
			text += p.Cause.Error()
		}
	}
	for _, s := range []string{testKey, clientSecret, refreshToken} {
		if strings.Contains(text, s) {
			t.Fatalf("secret %q leaked into %s", s[:6], text)
		}
	}
}

// connectedCalendar registers pat@contoso.example's calendar and waits
// until the fake has finished connecting it.
func connectedCalendar(t *testing.T, e *env) Registered {
	t.Helper()
	cal, err := e.client.Register(context.Background(), register("pat@contoso.example"))
	if err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, cal.ID)
	return cal
}

func waitConnected(t *testing.T, e *env, id string) Calendar {
	t.Helper()
	for i := 0; i < 2000; i++ {
		cal, err := e.client.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cal.Status != StatusConnecting {
			return cal
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("calendar stayed connecting")
	return Calendar{}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name string
		cfg  Config
	}{
		{"no key", Config{}},
		{"key with a space", Config{APIKey: "abc def"}},
		{"key with a newline inside", Config{APIKey: "abc\ndef"}},
		{"unknown region", Config{APIKey: testKey, Region: "mars-1"}},
		{"plain http to a public host", Config{APIKey: testKey, BaseURL: "http://us-east-1.recall.ai"}},
		{"ftp", Config{APIKey: testKey, BaseURL: "ftp://127.0.0.1"}},
		{"a path", Config{APIKey: testKey, BaseURL: "https://us-east-1.recall.ai/api/v2"}},
		{"a query", Config{APIKey: testKey, BaseURL: "https://us-east-1.recall.ai/?x=1"}},
		{"user info", Config{APIKey: testKey, BaseURL: "https://me:pw@us-east-1.recall.ai"}},
		{"no host", Config{APIKey: testKey, BaseURL: "https://"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			p := mustKind(t, err, KindConfig)
			if _, ok := p.Detail(labelSetting); !ok || !p.ForAdmin {
				t.Fatalf("config problem lacks the setting: %+v", p)
			}
		})
	}
	good := []struct {
		cfg  Config
		base string
	}{
		{Config{APIKey: testKey}, "https://us-east-1.recall.ai"},
		{Config{APIKey: "  " + testKey + "\n", Region: "eu-central-1"}, "https://eu-central-1.recall.ai"},
		{Config{APIKey: testKey, Region: "eu-central-1", BaseURL: "https://proxy.example.com/"}, "https://proxy.example.com"},
		{Config{APIKey: testKey, BaseURL: "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"},
		{Config{APIKey: testKey, BaseURL: "http://localhost:9"}, "http://localhost:9"},
		{Config{APIKey: testKey, BaseURL: "http://[::1]:9"}, "http://[::1]:9"},
	}
	for _, tc := range good {
		c, err := New(tc.cfg)
		if err != nil {
			t.Fatalf("%+v: %v", tc.cfg.BaseURL, err)
		}
		if c.BaseURL() != tc.base {
			t.Errorf("base %q, want %q", c.BaseURL(), tc.base)
		}
	}
}

func TestRegions(t *testing.T) {
	t.Parallel()
	want := []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"}
	got := Regions()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Regions() = %v", got)
	}
	got[0] = "changed"
	if Regions()[0] != "us-east-1" {
		t.Fatal("Regions() exposes its backing array")
	}
	for _, r := range want {
		u, err := RegionURL(r)
		if err != nil || u != "https://"+r+".recall.ai" {
			t.Fatalf("RegionURL(%s) = %q, %v", r, u, err)
		}
	}
	_, err := RegionURL("api")
	mustKind(t, err, KindConfig)
}

func TestHeadersOnEveryRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	if err := e.client.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := e.srv.Requests()
	want := "OutlookConnect/1.2.3 (+" + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if len(reqs) != 1 || reqs[0].UserAgent != want || reqs[0].Status != http.StatusNotFound {
		t.Fatalf("requests %+v, want one with User-Agent %q", reqs, want)
	}
	if !strings.HasSuffix(reqs[0].Path, "/") {
		t.Fatalf("path %q lacks the trailing slash", reqs[0].Path)
	}
}

func TestCalendarLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	cal, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	if cal.Status != StatusConnecting || cal.PlatformEmail != "" || cal.Platform != PlatformOutlook || cal.OAuthEmail != "pat@contoso.example" {
		t.Fatalf("created %+v", cal)
	}
	got := waitConnected(t, e, cal.ID)
	if got.Status != StatusConnected || got.Email() != "pat@contoso.example" {
		t.Fatalf("after sync %+v", got)
	}
	if last, ok := got.LatestChange(); !ok || last.Status != StatusConnected {
		t.Fatalf("latest change %+v", last)
	}
	list, err := e.client.ListCalendars(ctx, CalendarFilter{Email: "pat@contoso.example", Platform: PlatformOutlook, Status: StatusConnected})
	if err != nil || len(list) != 1 || list[0].ID != cal.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	none, err := e.client.ListCalendars(ctx, CalendarFilter{Status: StatusDisconnected})
	if err != nil || len(none) != 0 {
		t.Fatalf("disconnected list = %+v, %v", none, err)
	}
	updated, err := e.client.Update(ctx, cal.ID, UpdateParams{RefreshToken: "new-" + refreshToken})
	if err != nil || updated.Status != StatusConnecting {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	if err := e.client.Delete(ctx, cal.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Get(ctx, cal.ID)
	p := mustKind(t, err, KindNotFound)
	if v, _ := p.Detail(labelStatus); v != "404" {
		t.Fatalf("details %+v", p.Details)
	}
	mustKind(t, e.client.Delete(ctx, cal.ID), KindNotFound)
}

func TestCalendarNeverHoldsSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	created, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken})
	if err != nil {
		t.Fatal(err)
	}
	fetched, err := e.client.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := e.client.ListCalendars(ctx, CalendarFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cal := range append([]Calendar{created, fetched}, listed...) {
		b, err := json.Marshal(cal)
		if err != nil {
			t.Fatal(err)
		}
		var back Calendar
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(back)
		for _, s := range []string{clientSecret, refreshToken} {
			if strings.Contains(string(b), s) || strings.Contains(string(b2), s) || strings.Contains(fmt.Sprintf("%#v", cal), s) {
				t.Fatalf("decoded calendar carries a secret: %s", b)
			}
		}
	}
}

func TestListCalendarsFollowsPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{EventsPerCalendar: 1})
	ctx := context.Background()
	for i := 0; i < 120; i++ {
		if _, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: fmt.Sprintf("u%d@contoso.example", i%2)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.client.ListCalendars(ctx, CalendarFilter{})
	if err != nil || len(all) != 120 {
		t.Fatalf("%d calendars, %v", len(all), err)
	}
	half, err := e.client.ListCalendars(ctx, CalendarFilter{Email: "u1@contoso.example"})
	if err != nil || len(half) != 60 {
		t.Fatalf("%d calendars for u1, %v", len(half), err)
	}
	lists := 0
	for _, r := range e.srv.Requests() {
		if r.Method == http.MethodGet && r.Path == calendarsPath {
			lists++
		}
	}
	if lists != 3+2 { // 50-per-page: 3 pages, then 2 for the filtered list
		t.Fatalf("%d list requests, want 5", lists)
	}
	_, err = e.client.ListCalendars(ctx, CalendarFilter{Status: "broken"})
	mustKind(t, err, KindValidation)
}

func TestListEventsOverManyPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{EventsPerCalendar: 1100})
	ctx := context.Background()
	cal := connectedCalendar(t, e)

	events, err := e.client.ListEvents(ctx, EventFilter{CalendarID: cal.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1100 {
		t.Fatalf("%d events, want 1100", len(events))
	}
	ids := map[string]bool{}
	for i, ev := range events {
		ids[ev.ID] = true
		if i > 0 && ev.StartTime.Before(events[i-1].StartTime) {
			t.Fatal("ListEvents is not sorted by start time")
		}
		if ev.CalendarID != cal.ID || ev.StartTime.IsZero() || ev.UpdatedAt.IsZero() {
			t.Fatalf("event %+v", ev)
		}
	}
	if len(ids) != 1100 {
		t.Fatalf("%d distinct events", len(ids))
	}
	var titled, linked, deleted, cancelled, allDay int
	for _, ev := range events {
		if ev.Title != "" {
			titled++
		}
		if ev.MeetingURL != "" && ev.MeetingPlatform != "" {
			linked++
		}
		if ev.IsDeleted {
			deleted++
		}
		if ev.IsCancelled {
			cancelled++
		}
		if ev.IsAllDay {
			allDay++
		}
	}
	if titled != 1100 || linked == 0 || deleted == 0 || cancelled == 0 || allDay == 0 {
		t.Fatalf("titled=%d linked=%d deleted=%d cancelled=%d allDay=%d", titled, linked, deleted, cancelled, allDay)
	}

	notDeleted := false
	live, err := e.client.ListEvents(ctx, EventFilter{CalendarID: cal.ID, IsDeleted: &notDeleted, StartFrom: baseTime})
	if err != nil {
		t.Fatal(err)
	}
	if len(live) == 0 || len(live) >= 1100-deleted {
		t.Fatalf("filtered list has %d events", len(live))
	}
	for _, ev := range live {
		if ev.IsDeleted || ev.StartTime.Before(baseTime) {
			t.Fatalf("filter ignored: %+v", ev)
		}
	}

	// The callback form stops on the callback's error.
	stop := errors.New("enough")
	seen := 0
	err = e.client.EachEvent(ctx, EventFilter{CalendarID: cal.ID}, func(Event) error {
		seen++
		if seen == 150 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 150 {
		t.Fatalf("EachEvent: %v after %d", err, seen)
	}
	// The iterator form stops when the loop breaks.
	n := 0
	for ev, err := range e.client.Events(ctx, EventFilter{CalendarID: cal.ID}) {
		if err != nil || ev.ID == "" {
			t.Fatal(err)
		}
		n++
		if n == 250 {
			break
		}
	}
	if n != 250 {
		t.Fatalf("iterator gave %d", n)
	}
	one, err := e.client.GetEvent(ctx, events[10].ID)
	if err != nil || one.ID != events[10].ID || one.Title != events[10].Title {
		t.Fatalf("GetEvent = %+v, %v", one, err)
	}
}

func TestIteratorReportsErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	e.srv.Faults().RevokeKey(true)
	var got error
	for _, err := range e.client.Events(context.Background(), EventFilter{}) {
		got = err
	}
	mustKind(t, got, KindUnauthorized)
}

func upcoming(t *testing.T, e *env, calID string) []Event {
	t.Helper()
	notDeleted := false
	evs, err := e.client.ListEvents(context.Background(), EventFilter{CalendarID: calID, IsDeleted: &notDeleted, StartFrom: baseTime.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for _, ev := range evs {
		if ev.MeetingURL != "" {
			out = append(out, ev)
		}
	}
	if len(out) < 2 {
		t.Fatal("not enough upcoming meetings")
	}
	return out
}

func TestBots(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	cal := connectedCalendar(t, e)
	evs := upcoming(t, e, cal.ID)

	got, err := e.client.ScheduleBot(ctx, evs[0], BotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantKey := evs[0].StartTime.UTC().Format(time.RFC3339) + "-" + evs[0].MeetingURL
	if len(got.Bots) != 1 || got.Bots[0].DeduplicationKey != wantKey || got.Bots[0].ID == "" || got.Bots[0].MeetingURL != evs[0].MeetingURL {
		t.Fatalf("bots %+v, want key %q", got.Bots, wantKey)
	}
	// An explicit key shared by two events gives one bot.
	shared := BotRequest{DeduplicationKey: "team-sync", BotConfig: map[string]any{"bot_name": "Notetaker"}}
	a, err := e.client.ScheduleBot(ctx, evs[0], shared)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.client.ScheduleBot(ctx, evs[1], shared)
	if err != nil {
		t.Fatal(err)
	}
	if a.Bots[0].ID != b.Bots[0].ID {
		t.Fatal("equal deduplication keys did not share a bot")
	}
	for i := 0; i < 2; i++ {
		un, err := e.client.UnscheduleBot(ctx, evs[0].ID)
		if err != nil || len(un.Bots) != 0 {
			t.Fatalf("unschedule #%d: %+v, %v", i, un.Bots, err)
		}
	}
	// An event that has ended: the documented 400, surfaced in details.
	all, err := e.client.ListEvents(ctx, EventFilter{CalendarID: cal.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ended Event
	for _, ev := range all {
		if ev.EndTime.Before(baseTime) && ev.MeetingURL != "" {
			ended = ev
			break
		}
	}
	_, err = e.client.ScheduleBot(ctx, ended, BotRequest{})
	p := mustKind(t, err, KindValidation)
	code, _ := p.Detail(labelCode)
	fields, _ := p.Detail(labelFields)
	msg, _ := p.Detail(labelMessage)
	if code != "invalid_request_data" || fields != "non_field_errors: Cannot schedule bot as calendar event has ended." || !strings.Contains(msg, "invalid data") {
		t.Fatalf("details %+v", p.Details)
	}
	// No link, no key: refused before any request.
	_, err = e.client.ScheduleBot(ctx, Event{ID: evs[0].ID, StartTime: evs[0].StartTime}, BotRequest{})
	mustKind(t, err, KindValidation)
	_, err = e.client.UnscheduleBot(ctx, "../../calendars")
	mustKind(t, err, KindValidation)
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault func(*recallapi.Faults)
		want  Kind
		check func(*testing.T, *problem.Problem)
	}{
		{"revoked key", func(f *recallapi.Faults) { f.RevokeKey(true) }, KindUnauthorized, func(t *testing.T, p *problem.Problem) {
			if p.Message != UnauthorizedMessage || !strings.Contains(p.Message, "different Recall region") {
				t.Fatalf("message %q", p.Message)
			}
		}},
		{"firewall", func(f *recallapi.Faults) { f.BlockAll(true) }, KindBlocked, func(t *testing.T, p *problem.Problem) {
			if strings.Contains(p.DetailsText(), "<") || !strings.Contains(p.Title, "firewall") {
				t.Fatalf("blocked problem shows the HTML: %s", p.DetailsText())
			}
		}},
		{"out of credit", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusPaymentRequired, 1) }, KindPaymentRequired, nil},
		{"method not allowed", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusMethodNotAllowed, 1) }, KindNotAllowed, nil},
		{"conflict every time", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusConflict, 10) }, KindConflict, func(t *testing.T, p *problem.Problem) {
			if v, _ := p.Detail(labelAttempts); v != "4" {
				t.Fatalf("attempts %q", v)
			}
		}},
		{"unavailable every time", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusServiceUnavailable, 10) }, KindUnavailable, func(t *testing.T, p *problem.Problem) {
			if !p.Retryable {
				t.Fatal("unavailable is not retryable")
			}
		}},
		{"Retry-After beyond the cap", func(f *recallapi.Faults) {
			f.Add(recallapi.Fault{Status: http.StatusTooManyRequests, RetryAfter: 10 * time.Minute})
		}, KindRateLimited, func(t *testing.T, p *problem.Problem) {
			if v, _ := p.Detail(labelRetryAfter); v != "10m0s" {
				t.Fatalf("Retry-After detail %q", v)
			}
		}},
		{"internal error", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusInternalServerError, 1) }, KindUnavailable, nil},
		{"teapot", func(f *recallapi.Faults) { f.FailNext("", "", http.StatusTeapot, 1) }, KindBadResponse, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, recallapi.Options{})
			tc.fault(e.srv.Faults())
			_, err := e.client.ListCalendars(context.Background(), CalendarFilter{Email: "pat@contoso.example"})
			p := mustKind(t, err, tc.want)
			if req, _ := p.Detail(labelRequest); req != "GET /api/v2/calendars/" {
				t.Fatalf("request detail %q (must not carry the query)", req)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	_ = e.srv.Close()
	err := e.client.Probe(context.Background())
	p := mustKind(t, err, KindUnavailable)
	if v, _ := p.Detail(labelNetwork); v == "" {
		t.Fatalf("no network detail: %+v", p.Details)
	}
	if n := len(e.sleeps.all()); n != 0 {
		t.Fatalf("Probe retried (%d waits)", n)
	}
	_, err = e.client.Get(context.Background(), "00000000-0000-0000-0000-000000000001")
	mustKind(t, err, KindUnavailable)
	if n := len(e.sleeps.all()); n != 3 {
		t.Fatalf("%d waits for network errors, want 3 (4 attempts)", n)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	if err := e.client.Probe(context.Background()); err != nil {
		t.Fatalf("Probe with a good key: %v", err)
	}
	e.srv.Faults().RevokeKey(true)
	mustKind(t, e.client.Probe(context.Background()), KindUnauthorized)
	e.srv.Faults().Reset()
	e.srv.Faults().FailNext("", "", http.StatusServiceUnavailable, 1)
	mustKind(t, e.client.Probe(context.Background()), KindUnavailable)
	if n := len(e.srv.Requests()); n != 3 {
		t.Fatalf("%d requests for 3 probes", n)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	e.srv.Faults().Add(recallapi.Fault{Method: "GET", Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second})
	if _, err := e.client.ListCalendars(context.Background(), CalendarFilter{}); err != nil {
		t.Fatal(err)
	}
	waits := e.sleeps.all()
	if len(waits) != 1 || waits[0] < 7*time.Second {
		t.Fatalf("waits %v, want one of at least 7s", waits)
	}
}

func TestRetryAfterWithJitter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{}, func(c *Config) {
		c.Jitter = func(n time.Duration) time.Duration { return n } // the most jitter allowed
	})
	e.srv.Faults().Add(recallapi.Fault{Method: "GET", Status: http.StatusTooManyRequests, RetryAfter: 4 * time.Second})
	if _, err := e.client.ListCalendars(context.Background(), CalendarFilter{}); err != nil {
		t.Fatal(err)
	}
	if w := e.sleeps.all(); len(w) != 1 || w[0] != 5*time.Second {
		t.Fatalf("waits %v, want 4s + 1s jitter", w)
	}
}

// Every 429 is reported as it arrives, also one the client then retries
// past, and no other status is: the fleet's budget must hear of it at once.
func TestOnRateLimitedHearsEvery429(t *testing.T) {
	t.Parallel()
	type heard struct {
		at         time.Time
		retryAfter time.Duration
	}
	var mu sync.Mutex
	var got []heard
	at := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, recallapi.Options{}, func(c *Config) {
		c.Now = func() time.Time { return at }
		c.OnRateLimited = func(when time.Time, ra time.Duration) {
			mu.Lock()
			got = append(got, heard{when, ra})
			mu.Unlock()
		}
	})
	e.srv.Faults().Add(recallapi.Fault{Method: "GET", Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second})
	e.srv.Faults().Add(recallapi.Fault{Method: "GET", Status: http.StatusServiceUnavailable})
	e.srv.Faults().Add(recallapi.Fault{Method: "GET", Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
	if _, err := e.client.ListCalendars(context.Background(), CalendarFilter{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []heard{{at, 7 * time.Second}, {at, 2 * time.Second}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("heard %v, want %v (the 503 is not a rate limit)", got, want)
	}
}

// dropFirstResponse lets the first POST reach the server and then loses its
// answer, as a dropped connection would.
type dropFirstResponse struct {
	inner   http.RoundTripper
	mu      sync.Mutex
	dropped bool
}

func (d *dropFirstResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.inner.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost {
		return resp, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.dropped {
		d.dropped = true
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, nil
}

func TestRetriedCreateMakesOneCalendar(t *testing.T) {
	t.Parallel()
	t.Run("503 then success", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, recallapi.Options{})
		e.srv.Faults().FailNext("POST", calendarsPath, http.StatusServiceUnavailable, 1)
		cal, err := e.client.Register(context.Background(), register("pat@contoso.example"))
		if err != nil {
			t.Fatal(err)
		}
		if cals := e.srv.Calendars(); len(cals) != 1 || cals[0].ID != cal.ID {
			t.Fatalf("calendars %+v", cals)
		}
		posts := postsTo(e, calendarsPath)
		if len(posts) != 2 || posts[0].IdempotencyKey == "" || posts[0].IdempotencyKey != posts[1].IdempotencyKey {
			t.Fatalf("posts %+v: want two with one Idempotency-Key", posts)
		}
	})
	t.Run("answer lost after the server created it", func(t *testing.T) {
		t.Parallel()
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		e := newEnv(t, recallapi.Options{}, func(c *Config) {
			c.HTTPClient = &http.Client{Transport: &dropFirstResponse{inner: tr}}
		})
		cal, err := e.client.Register(context.Background(), register("pat@contoso.example"))
		if err != nil {
			t.Fatal(err)
		}
		if cals := e.srv.Calendars(); len(cals) != 1 || cals[0].ID != cal.ID {
			t.Fatalf("a retried create made %d calendars", len(cals))
		}
	})
}

func postsTo(e *env, path string) []recallapi.RequestRecord {
	var out []recallapi.RequestRecord
	for _, r := range e.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestRegisterReusesCalendars(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := baseTime
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second) // every calendar is newer than the last
		return now
	}
	e := newEnv(t, recallapi.Options{Now: clock})
	ctx := context.Background()

	first, err := e.client.Register(ctx, register("pat@contoso.example"))
	if err != nil {
		t.Fatal(err)
	}
	// Same email, no known id: the existing calendar is PATCHed.
	again, err := e.client.Register(ctx, register("pat@contoso.example"))
	if err != nil || again.ID != first.ID || again.Status != StatusConnecting {
		t.Fatalf("Register again = %+v, %v", again, err)
	}
	if n := len(e.srv.Calendars()); n != 1 {
		t.Fatalf("%d calendars, want 1", n)
	}
	// With two, the newest wins.
	newer, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	picked, err := e.client.Register(ctx, register("pat@contoso.example"))
	if err != nil || picked.ID != newer.ID {
		t.Fatalf("picked %s, want newest %s (%v)", picked.ID, newer.ID, err)
	}
	// A known id is PATCHed directly, without a lookup.
	before := len(e.srv.Requests())
	p := register("pat@contoso.example")
	p.KnownID = first.ID
	known, err := e.client.Register(ctx, p)
	if err != nil || known.ID != first.ID {
		t.Fatalf("known id: %+v, %v", known, err)
	}
	if reqs := e.srv.Requests()[before:]; len(reqs) != 1 || reqs[0].Method != http.MethodPatch {
		t.Fatalf("known id made requests %+v", reqs)
	}
	// A known id that was deleted falls back to the lookup.
	if err := e.client.Delete(ctx, newer.ID); err != nil {
		t.Fatal(err)
	}
	p.KnownID = newer.ID
	fallback, err := e.client.Register(ctx, p)
	if err != nil || fallback.ID != first.ID {
		t.Fatalf("fallback picked %s, want %s (%v)", fallback.ID, first.ID, err)
	}
	// Another account gets its own calendar.
	other, err := e.client.Register(ctx, register("sam@contoso.example"))
	if err != nil || other.ID == first.ID {
		t.Fatalf("other account: %+v, %v", other, err)
	}
	if n := len(e.srv.Calendars()); n != 2 {
		t.Fatalf("%d calendars, want 2", n)
	}
	_, err = e.client.Register(ctx, RegisterParams{Email: "x@contoso.example"})
	mustKind(t, err, KindValidation)
}

func TestFreshIdempotencyKeyAfter507(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	cal := connectedCalendar(t, e)
	ev := upcoming(t, e, cal.ID)[0]
	path := eventsPath + ev.ID + "/bot/"

	e.srv.Faults().FailNext("POST", path, http.StatusInsufficientStorage, 1)
	got, err := e.client.ScheduleBot(ctx, ev, BotRequest{})
	if err != nil || len(got.Bots) != 1 {
		t.Fatalf("schedule after 507: %+v, %v", got, err)
	}
	posts := postsTo(e, path)
	if len(posts) != 2 || posts[0].Status != http.StatusInsufficientStorage || posts[0].IdempotencyKey == posts[1].IdempotencyKey {
		t.Fatalf("posts %+v: want a fresh key after 507", posts)
	}

	// A 409 is retried with the same key.
	e.srv.Faults().FailNext("POST", path, http.StatusConflict, 1)
	if _, err := e.client.ScheduleBot(ctx, ev, BotRequest{}); err != nil {
		t.Fatal(err)
	}
	posts = postsTo(e, path)[2:]
	if len(posts) != 2 || posts[0].Status != http.StatusConflict || posts[0].IdempotencyKey != posts[1].IdempotencyKey {
		t.Fatalf("posts %+v: want the same key after 409", posts)
	}
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	t.Run("already cancelled", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, recallapi.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.client.ListCalendars(ctx, CalendarFilter{})
		mustKind(t, err, KindCanceled)
		if n := len(e.srv.Requests()); n != 0 {
			t.Fatalf("%d requests sent with a cancelled context", n)
		}
	})
	t.Run("while waiting for an answer", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, recallapi.Options{})
		e.srv.Faults().SetLatency(time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := e.client.Get(ctx, "00000000-0000-0000-0000-000000000001")
			done <- err
		}()
		cancel()
		mustKind(t, <-done, KindCanceled)
	})
	t.Run("during backoff", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		e := newEnv(t, recallapi.Options{}, func(c *Config) {
			c.Sleep = func(ctx context.Context, _ time.Duration) error {
				cancel()
				return sleepTimer(ctx, time.Hour) // returns at once: ctx is done
			}
		})
		e.srv.Faults().FailNext("", "", http.StatusServiceUnavailable, 5)
		_, err := e.client.ListCalendars(ctx, CalendarFilter{})
		mustKind(t, err, KindCanceled)
		if n := len(e.srv.Requests()); n != 1 {
			t.Fatalf("%d requests after cancel during backoff", n)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, recallapi.Options{})
		e.srv.Faults().SetLatency(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := e.client.Get(ctx, "00000000-0000-0000-0000-000000000001")
		p := mustKind(t, err, KindCanceled)
		if !strings.Contains(p.Message, "too long") {
			t.Fatalf("message %q", p.Message)
		}
	})
}

// hostile serves one list page whose body is under the test's control.
func hostile(t *testing.T, body func(base string) string, contentType string, status int) *Client {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body(srv.URL))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, HTTPClient: testHTTPClient(t), Sleep: (&sleeps{}).Sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNextLinkMustStayOnHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		next string
	}{
		{"another host", "http://attacker.example/api/v2/calendar-events/?cursor=x"},
		{"another port", "http://127.0.0.1:1/api/v2/calendar-events/?cursor=x"},
		{"another path", "{base}/api/v2/bots/?cursor=x"},
		{"user info", "http://user@{host}/api/v2/calendar-events/?cursor=x"},
		{"https to a loopback http base", "https://{host}/api/v2/calendar-events/?cursor=x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := hostile(t, func(base string) string {
				next := strings.ReplaceAll(tc.next, "{base}", base)
				next = strings.ReplaceAll(next, "{host}", strings.TrimPrefix(base, "http://"))
				return `{"next":` + quote(next) + `,"results":[]}`
			}, "application/json", http.StatusOK)
			_, err := c.ListEvents(context.Background(), EventFilter{})
			p := mustKind(t, err, KindBadResponse)
			if _, ok := p.Detail("Refused next page"); !ok {
				t.Fatalf("details %+v", p.Details)
			}
		})
	}
	t.Run("a loop", func(t *testing.T) {
		t.Parallel()
		c := hostile(t, func(base string) string {
			return `{"next":"` + base + `/api/v2/calendar-events/?cursor=same","results":[]}`
		}, "application/json", http.StatusOK)
		_, err := c.ListEvents(context.Background(), EventFilter{})
		mustKind(t, err, KindBadResponse)
	})
}

func TestFollowableUpgradesOnlyTheConfiguredHost(t *testing.T) {
	t.Parallel()
	c, err := New(Config{APIKey: testKey, Region: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.followable("http://us-west-2.recall.ai/api/v2/calendar-events/?cursor=abc", eventsPath)
	if err != nil || u.String() != "https://us-west-2.recall.ai/api/v2/calendar-events/?cursor=abc" {
		t.Fatalf("upgrade: %v, %v", u, err)
	}
	if _, err := c.followable("https://US-WEST-2.recall.ai:443/api/v2/calendar-events/?cursor=abc", eventsPath); err != nil {
		t.Fatalf("same host with explicit port refused: %v", err)
	}
	for _, bad := range []string{
		"http://us-east-1.recall.ai/api/v2/calendar-events/?cursor=abc",
		"https://us-west-2.recall.ai.attacker.example/api/v2/calendar-events/?cursor=abc",
		"https://us-west-2.recall.ai:8443/api/v2/calendar-events/?cursor=abc",
		"javascript:alert(1)",
		"/api/v2/calendar-events/?cursor=abc",
	} {
		if _, err := c.followable(bad, eventsPath); KindOf(err) != KindBadResponse {
			t.Errorf("followed %q", bad)
		}
	}
}

func TestResponsesThatEchoSecrets(t *testing.T) {
	t.Parallel()
	c := hostile(t, func(string) string {
		return `{"code":"invalid","message":"token ` + refreshToken + ` is bad","errors":{"oauth_client_secret":["` + clientSecret + ` is wrong"],"x":["eyJhbGciOi.eyJzdWIiOiIx.c2ln"]}}`
	}, "application/json", http.StatusBadRequest)
	_, err := c.Create(context.Background(), CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken})
	p := mustKind(t, err, KindValidation)
	if strings.Contains(p.DetailsText(), "eyJhbGciOi") {
		t.Fatalf("JWT-like text kept: %s", p.DetailsText())
	}
	if v, _ := p.Detail(labelFields); !strings.Contains(v, "oauth_client_secret: [redacted] is wrong") {
		t.Fatalf("field errors %q", v)
	}
}

func TestBadResponses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, ct string
		status         int
		want           Kind
	}{
		{"not JSON", "<html>oops</html>", "text/html", http.StatusOK, KindBadResponse},
		{"calendar without id", `{"status":"connected"}`, "application/json", http.StatusOK, KindBadResponse},
		{"redirect", "", "text/plain", http.StatusFound, KindBadResponse},
		{"JSON 403", `{"detail":"You do not have permission to perform this action."}`, "application/json", http.StatusForbidden, KindUnauthorized},
		{"HTML 403", "<html><body>blocked " + refreshToken + "</body></html>", "text/html", http.StatusForbidden, KindBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := hostile(t, func(string) string { return tc.body }, tc.ct, tc.status)
			_, err := c.Get(context.Background(), "00000000-0000-0000-0000-000000000001")
			mustKind(t, err, tc.want)
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
