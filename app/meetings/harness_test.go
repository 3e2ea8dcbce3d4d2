package meetings

import (
	"context"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/internal/testclock"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// baseTime is a Monday noon; the fake's scripted week starts from it.
var baseTime = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

const (
	testAccount = "pat@contoso.example"
	testAPIKey  = "meetings-test-key"
)

// ---- clock ----

// ---- notifications ----

type recorder struct {
	mu    sync.Mutex
	views []View
}

func (r *recorder) MeetingsChanged(v View) {
	r.mu.Lock()
	r.views = append(r.views, v)
	r.mu.Unlock()
}

func (r *recorder) all() []View {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]View(nil), r.views...)
}

// ---- the world: the fake Recall over loopback, the real client ----

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

type harness struct {
	t      testing.TB
	clock  *testclock.Clock
	srv    *recallapi.Server
	client *recall.Client
	sleeps *sleeps
	dir    string
	calID  string
	notes  *recorder
	svc    *Service
	budget *Budget
	// serverSkew moves the fake Recall's clock ahead of ours.
	skewMu     sync.Mutex
	serverSkew time.Duration
	// timers is how many scheduler timers the test has seen.
	timers int
	// opts adjusts the Options of each Service the harness builds.
	opts func(*Options)
}

type worldOptions struct {
	events int
	static bool
}

func newHarness(t testing.TB, w worldOptions) *harness {
	t.Helper()
	h := &harness{t: t, clock: testclock.New(baseTime), sleeps: &sleeps{}, dir: t.TempDir()}
	if w.events == 0 {
		w.events = recallapi.DefaultEventsPerCalendar
	}
	srv, err := recallapi.Start(recallapi.Options{
		APIKey:            testAPIKey,
		ConnectDelay:      time.Hour, // connected by hand below, synchronously
		Now:               h.serverNow,
		EventsPerCalendar: w.events,
		StaticEvents:      w.static,
		RateLimits:        &recallapi.RateLimits{ListCalendars: -1, Calendars: -1, ListEvents: -1, RetrieveEvent: -1, Bots: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	h.srv = srv
	h.client = h.newClient()
	cal, err := h.client.Register(context.Background(), recall.RegisterParams{
		Email: testAccount, ClientID: "client", ClientSecret: "secret-value", RefreshToken: "refresh-token-value",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetCalendarStatus(cal.ID, "connected", nil)
	h.calID = cal.ID
	return h
}

func (h *harness) serverNow() time.Time {
	h.skewMu.Lock()
	defer h.skewMu.Unlock()
	return h.clock.Now().Add(h.serverSkew)
}

func (h *harness) newClient() *recall.Client {
	tr := &http.Transport{}
	h.t.Cleanup(tr.CloseIdleConnections)
	c, err := recall.New(recall.Config{
		APIKey:     testAPIKey,
		BaseURL:    h.srv.URL(),
		HTTPClient: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		Sleep:      h.sleeps.Sleep,
		Jitter:     func(time.Duration) time.Duration { return 0 },
		Now:        h.clock.Now,
		Limits:     recall.Limits{ListCalendars: -1, ListEvents: -1, Calendars: -1, RetrieveEvent: -1, Bots: -1},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) options() Options {
	if h.budget == nil {
		h.budget = NewBudget(0)
	}
	o := Options{
		Source:   h.client,
		Cache:    NewFileCache(filepath.Join(h.dir, "meetings.json")),
		Prefs:    NewFilePrefs(filepath.Join(h.dir, "preferences.json")),
		Notifier: h.notes,
		Budget:   h.budget,
		Now:      h.clock.Now,
		After:    h.clock.After,
		Jitter:   func(time.Duration) time.Duration { return 0 },
	}
	if h.opts != nil {
		h.opts(&o)
	}
	return o
}

// start builds a Service (a fresh recorder each time, as after a restart)
// and starts it; an Active one is left idle after its first pass.
func (h *harness) start(mode Mode) *Service {
	h.t.Helper()
	h.notes = &recorder{}
	svc, err := New(h.options())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(svc.Stop)
	h.svc = svc
	svc.Start(context.Background(), Calendar{ID: h.calID, Account: testAccount}, mode)
	if mode == Active {
		h.idle()
	}
	return svc
}

// idle waits until the scheduler has finished what it was doing and set
// its next timer, and returns that timer.
func (h *harness) idle() *testclock.Timer {
	h.t.Helper()
	h.timers++
	return h.clock.WaitForTimer(h.t, h.timers)
}

// fire advances the clock to the newest timer and fires it, then waits
// for the scheduler to be idle again.
func (h *harness) fire(tm *testclock.Timer) *testclock.Timer {
	h.t.Helper()
	h.clock.Advance(tm.Wait)
	tm.C <- h.clock.Now()
	return h.idle()
}

// requests returns the fake's requests matching method and path prefix.
func (h *harness) requests(method, prefix string) []recallapi.RequestRecord {
	var out []recallapi.RequestRecord
	for _, r := range h.srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func (h *harness) listRequests() []recallapi.RequestRecord {
	return h.requests(http.MethodGet, "/api/v2/calendar-events/")
}

func (h *harness) botCalls() []recallapi.RequestRecord {
	var out []recallapi.RequestRecord
	for _, r := range h.srv.Requests() {
		if strings.HasSuffix(r.Path, "/bot/") {
			out = append(out, r)
		}
	}
	return out
}

// event finds the fake's event with the title; eventByID by id.
func (h *harness) event(title string) recallapi.EventSnapshot {
	h.t.Helper()
	return h.find("title "+title, func(e recallapi.EventSnapshot) bool { return e.Title == title })
}

func (h *harness) eventByID(id string) recallapi.EventSnapshot {
	h.t.Helper()
	return h.find("id "+id, func(e recallapi.EventSnapshot) bool { return e.ID == id })
}

func (h *harness) find(what string, match func(recallapi.EventSnapshot) bool) recallapi.EventSnapshot {
	h.t.Helper()
	for _, e := range h.srv.Events(h.calID) {
		if match(e) {
			return e
		}
	}
	h.t.Fatalf("no event with %s", what)
	return recallapi.EventSnapshot{}
}

func meetingIn(t testing.TB, v View, id string) MeetingView {
	t.Helper()
	for _, m := range v.Meetings {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("meeting %s not in the view", id)
	return MeetingView{}
}

// assertBotsMatch checks the invariant the whole package exists for: in
// the fake Recall, every listed meeting to record has exactly one bot with
// the wanted key and bot name, and no other event of the calendar has one
// (ended meetings aside: nobody touches them).
func (h *harness) assertBotsMatch(v View, botName string) {
	h.t.Helper()
	now := h.clock.Now()
	wantKey := map[string]string{}
	for _, m := range v.Meetings {
		if !m.Record {
			continue
		}
		ev := h.eventByID(m.ID)
		link := ev.MeetingURL
		if link == "" {
			link = unwrapSafeLink(ev.JoinURL)
		}
		wantKey[m.ID] = ev.Start.UTC().Format(time.RFC3339) + "-" + link
	}
	bots := map[string]recallapi.BotSnapshot{}
	for _, b := range h.srv.Bots() {
		for _, id := range b.Events {
			bots[id] = b
		}
	}
	var problems []string
	for _, e := range h.srv.Events(h.calID) {
		if !e.End.After(now) {
			continue
		}
		b, has := bots[e.ID]
		key, want := wantKey[e.ID]
		switch {
		case want && !has:
			problems = append(problems, "no bot on "+e.Title)
		case want && (b.Key != key || b.BotName != botName || e.BotKey != key):
			problems = append(problems, "wrong bot on "+e.Title+": key "+b.Key+", name "+b.BotName)
		case !want && has:
			problems = append(problems, "unwanted bot on "+e.Title)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		h.t.Fatalf("bots do not match the rules:\n  %s", strings.Join(problems, "\n  "))
	}
}
