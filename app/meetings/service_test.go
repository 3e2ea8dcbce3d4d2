package meetings

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/store"
)

func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestViewJSONShape pins the contract with the UI (contracts.md).
func TestViewJSONShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc, err := New(h.options())
	if err != nil {
		t.Fatal(err)
	}
	off, _ := json.Marshal(svc.View())
	if string(off) != `{"phase":"off","rule":{"rule":"none","acceptedOnly":false,"source":"default"},"askRule":true,"meetings":[],"syncing":false,"counts":{"recorded":0,"total":0}}` {
		t.Fatalf("off view %s", off)
	}

	h.start(Active)
	v := mustOverride(t, h, h.event("Fabrikam escalation").ID, OverrideRecord)
	b, _ := json.Marshal(v)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	want := []string{"askRule", "counts", "lastSyncAt", "lastSyncBy", "meetings", "nextSyncAt", "phase", "rule", "syncing"}
	if got := keysOf(t, b); !slices.Equal(got, want) {
		t.Fatalf("view keys %v, want %v", got, want)
	}
	if got := keysOf(t, top["rule"]); !slices.Equal(got, []string{"acceptedOnly", "rule", "source"}) {
		t.Fatalf("rule keys %v", got)
	}
	if got := keysOf(t, top["counts"]); !slices.Equal(got, []string{"recorded", "total"}) {
		t.Fatalf("counts keys %v", got)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(top["meetings"], &rows); err != nil || len(rows) == 0 {
		t.Fatal(err)
	}
	base := []string{"allDay", "bot", "canOverride", "cancelled", "end", "externalCount", "id", "isOrganizer", "organizer",
		"override", "platform", "platformLabel", "reason", "record", "response", "start", "title", "tooSoon"}
	allowed := append(slices.Clone(base), "allDayDate", "note", "problem")
	for _, row := range rows {
		got := keysOf(t, row)
		for _, k := range base {
			if !slices.Contains(got, k) {
				t.Fatalf("meeting lacks %q: %s", k, row)
			}
		}
		for _, k := range got {
			if !slices.Contains(allowed, k) {
				t.Fatalf("meeting has unknown key %q", k)
			}
		}
	}
	// Values the UI switches on.
	for _, m := range v.Meetings {
		if !slices.Contains([]string{"teams", "zoom", "meet", "webex", "other", "none"}, m.Platform) ||
			!slices.Contains([]string{"accepted", "tentative", "declined", "none", "organizer"}, m.Response) ||
			!slices.Contains([]string{"none", "scheduled", "pending", "failed", "in_meeting"}, m.Bot) ||
			!slices.Contains([]string{"", "record", "skip"}, m.Override) {
			t.Fatalf("meeting values %+v", m)
		}
		if _, err := time.Parse(time.RFC3339, m.Start); err != nil || !strings.HasSuffix(m.Start, "Z") {
			t.Fatalf("start %q is not RFC 3339 UTC", m.Start)
		}
		if m.AllDay && len(m.AllDayDate) != len("2006-01-02") {
			t.Fatalf("all-day date %q", m.AllDayDate)
		}
	}
	rr, _ := json.Marshal(RuleResult{View: v, Changed: 3})
	if got := keysOf(t, rr); !slices.Equal(got, []string{"changed", "view"}) {
		t.Fatalf("rule result keys %v", got)
	}
}

func TestRulePromptAndAdminDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	if v := svc.View(); !v.AskRule || v.Rule != (RuleView{Rule: "none", Source: SourceDefault}) {
		t.Fatalf("no default: %+v %+v", v.AskRule, v.Rule)
	}
	v, err := svc.DismissRulePrompt(ctx)
	if err != nil || v.AskRule || v.Rule.Source != SourceDefault || v.Rule.Rule != "none" {
		t.Fatalf("dismissed: %+v %v", v, err)
	}
	svc.Stop()
	// The answer survives a restart.
	h.timers = h.clock.Count()
	if v := h.start(Active).View(); v.AskRule {
		t.Fatal("asked again after a restart")
	}
	h.svc.Stop()

	// An admin default: never asked, and it applies.
	h2 := newHarness(t, worldOptions{static: true})
	h2.opts = func(o *Options) { o.DefaultRule, o.DefaultAcceptedOnly = RuleExternal, true }
	svc = h2.start(Active)
	v = svc.View()
	if v.AskRule || v.Rule != (RuleView{Rule: "external", AcceptedOnly: true, Source: SourceAdmin}) || v.Counts.Recorded == 0 {
		t.Fatalf("admin default: %+v", v)
	}
	h2.assertBotsMatch(v, DefaultBotName)
	// The person's choice wins over the admin's.
	res := mustRule(t, h2, RuleNone, false)
	if res.View.Rule != (RuleView{Rule: "none", Source: SourcePerson}) || res.View.Counts.Recorded != 0 {
		t.Fatalf("person's rule: %+v", res.View.Rule)
	}
}

func TestPassiveNeverCallsRecall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	active := h.start(Active)
	mustRule(t, h, RuleAllWithLink, false)
	active.Stop()
	before := len(h.srv.Requests())

	win := h.start(Passive)
	v := win.View()
	if v.Phase != PhaseReady || v.Counts.Recorded == 0 || v.NextSyncAt != "" {
		t.Fatalf("passive view %+v", v)
	}
	ev := h.event("Design review")
	if _, err := win.SetOverride(ctx, ev.ID, "skip"); err != nil {
		t.Fatal(err)
	}
	if _, err := win.SetRule(ctx, string(RuleExternal), false); err != nil {
		t.Fatal(err)
	}
	win.WindowFocused(ctx)
	if _, err := win.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.Requests()); n != before {
		t.Fatalf("a passive Service made %d requests", n-before)
	}
	// Its choices are saved for the scheduler; once it runs, the window
	// shows its work on focus.
	bg, err := New(h.options())
	if err != nil {
		t.Fatal(err)
	}
	defer bg.Stop()
	bg.Start(ctx, Calendar{ID: h.calID, Account: testAccount}, Active)
	h.idle()
	if got := win.WindowFocused(ctx); meetingIn(t, got, ev.ID).Bot != BotNone || got.Rule.Rule != "external" {
		t.Fatalf("window after the scheduler ran: %+v", meetingIn(t, got, ev.ID))
	}
	h.assertBotsMatch(bg.View(), DefaultBotName)
}

func TestSetModeHandsOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Passive)
	if len(h.listRequests()) != 0 || svc.View().Phase != PhaseFirstSync {
		t.Fatal("passive start synced")
	}
	svc.SetMode(ctx, Active)
	h.idle()
	if len(h.listRequests()) != 1 || svc.View().Phase != PhaseReady {
		t.Fatal("going active did not sync")
	}
	svc.SetMode(ctx, Passive)
	n := len(h.srv.Requests())
	h.clock.Advance(24 * time.Hour)
	svc.SyncNow(ctx)
	if len(h.srv.Requests()) != n || svc.View().NextSyncAt != "" {
		t.Fatal("a Service handed back still calls Recall")
	}
}

func TestFocusAndCheckNowAreRateLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	lists := len(h.listRequests())

	svc.WindowFocused(ctx)
	h.clock.Advance(h.budget.SyncInterval()/2 - time.Second)
	svc.WindowFocused(ctx)
	// A choice re-plans without a sync (the copy is fresh) and leaves the
	// scheduler idle once: any focus sync would have happened before.
	mustOverride(t, h, h.event("Design review").ID, OverrideRecord)
	if n := len(h.listRequests()); n != lists {
		t.Fatalf("%d focus syncs within half an interval", n-lists)
	}
	h.clock.Advance(time.Second)
	svc.WindowFocused(ctx)
	tm := h.idle()
	if n := len(h.listRequests()); n != lists+1 {
		t.Fatalf("%d focus syncs after half an interval", n-lists)
	}
	// A focus sync replaces the next timed one.
	if tm.Wait != h.budget.SyncInterval()*85/100 {
		t.Fatalf("next sync in %v", tm.Wait)
	}

	h.clock.Advance(DefaultManualMinGap - time.Second)
	v, _ := svc.SyncNow(ctx)
	if n := len(h.listRequests()); n != lists+1 {
		t.Fatal("Check now synced again within its gap")
	}
	h.clock.Advance(time.Second)
	v, err := svc.SyncNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.idle()
	if n := len(h.listRequests()); n != lists+2 || v.LastSyncAt != h.clock.Now().Format(time.RFC3339) {
		t.Fatalf("Check now: %d syncs, last %s", n-lists, v.LastSyncAt)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	mustRule(t, h, RuleExternal, false)
	mustOverride(t, h, h.event("Design review").ID, OverrideRecord)
	if err := svc.SetKeepScheduling(false); err != nil {
		t.Fatal(err)
	}
	if err := svc.Forget(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "meetings.json")); !os.IsNotExist(err) {
		t.Fatalf("cache survived Forget: %v", err)
	}
	p := svc.Preferences()
	if len(p.Overrides) != 0 || p.Rule != RuleExternal || !p.RuleAnswered || p.KeepScheduling == nil || *p.KeepScheduling {
		t.Fatalf("preferences after Forget: %+v", p)
	}
	if v := svc.View(); v.Phase != PhaseOff || len(v.Meetings) != 0 {
		t.Fatalf("view after Forget: %+v", v)
	}
	if _, err := svc.SetOverride(ctx, h.event("Design review").ID, "record"); problem.From(err).Code != "meetings.invalid_input" {
		t.Fatalf("override while off: %v", err)
	}
	// Connecting again starts from a first load.
	h.timers = h.clock.Count()
	svc.Start(ctx, Calendar{ID: h.calID, Account: testAccount}, Active)
	h.idle()
	lists := h.listRequests()
	if !query(t, lists[len(lists)-1]).Has("start_time__gte") {
		t.Fatal("no first load after Forget")
	}
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	noLink := h.event("Lunch with Priya").ID
	cases := map[string]func() error{
		"unknown rule":     func() error { _, err := svc.SetRule(ctx, "everything", false); return err },
		"unknown choice":   func() error { _, err := svc.SetOverride(ctx, noLink, "maybe"); return err },
		"unknown meeting":  func() error { _, err := svc.SetOverride(ctx, "nope", "record"); return err },
		"meeting no link":  func() error { _, err := svc.SetOverride(ctx, noLink, "record"); return err },
		"cancelled choice": func() error { _, err := svc.SetOverride(ctx, h.event("Canceled: Budget sync").ID, "skip"); return err },
	}
	for name, f := range cases {
		p := problem.From(f())
		if p == nil || p.Code != "meetings.invalid_input" || p.Title == "" || p.Message == "" || p.NextStep == "" {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if len(svc.Preferences().Overrides) != 0 {
		t.Fatal("an invalid choice was saved")
	}
	// Clearing a choice is always allowed.
	if _, err := svc.SetOverride(ctx, noLink, ""); err != nil {
		t.Fatal(err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	cases := map[string]func(*Options){
		"no source":          func(o *Options) { o.Source = nil },
		"no cache":           func(o *Options) { o.Cache = nil },
		"no prefs":           func(o *Options) { o.Prefs = nil },
		"bad rule":           func(o *Options) { o.DefaultRule = "all" },
		"negative installs":  func(o *Options) { o.ExpectedInstalls = -1 },
		"bad runner":         func(o *Options) { o.Runner = "cron" },
		"long bot name":      func(o *Options) { o.BotName = strings.Repeat("n", 101) },
		"control characters": func(o *Options) { o.BotName = "Note\ntaker" },
		"localhost in name":  func(o *Options) { o.BotName = "see http://localhost:8080" },
		"bad domain":         func(o *Options) { o.InternalDomains = []string{"contoso"} },
		"address for domain": func(o *Options) { o.InternalDomains = []string{"pat@contoso.example"} },
	}
	for name, change := range cases {
		o := h.options()
		change(&o)
		if _, err := New(o); problem.From(err) == nil || problem.From(err).Code != "meetings.invalid_options" {
			t.Errorf("%s: %v", name, err)
		}
	}
	o := h.options()
	o.InternalDomains = []string{" @Fabrikam.Example ", ""}
	o.BotName = "  Contoso Notes "
	svc, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if svc.opts.BotName != "Contoso Notes" || !slices.Equal(svc.internal, []string{"fabrikam.example"}) {
		t.Fatalf("normalised %q %v", svc.opts.BotName, svc.internal)
	}
}

func TestPreferencesFromANewerVersionAreKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	path := filepath.Join(h.dir, "preferences.json")
	newer := []byte(`{"schema":99,"data":{"rule":"external","somethingNew":true}}`)
	if err := os.WriteFile(path, newer, 0o600); err != nil {
		t.Fatal(err)
	}
	svc := h.start(Active)
	_, err := svc.SetRule(context.Background(), "all_with_link", false)
	if problem.From(err).Code != store.CodeNewerSchema {
		t.Fatalf("SetRule over a newer file: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, newer) {
		t.Fatal("a newer version's preferences were overwritten")
	}
	if len(h.botCalls()) != 0 {
		t.Fatal("bots scheduled without a readable choice")
	}
}

func TestDamagedPreferencesStartAfresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	path := filepath.Join(h.dir, "preferences.json")
	if err := os.WriteFile(path, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := h.start(Active)
	if v := svc.View(); !v.AskRule || v.Rule.Source != SourceDefault {
		t.Fatalf("view %+v", v)
	}
	if _, err := os.Stat(path + store.BadSuffix); err != nil {
		t.Fatalf("damaged preferences not set aside: %v", err)
	}
	mustRule(t, h, RuleOrganised, false)
	if p, err := NewFilePrefs(path).Load(); err != nil || p.Rule != RuleOrganised {
		t.Fatalf("saved %+v %v", p, err)
	}
}

func TestStartSpread(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.start(Active)
	h.svc.Stop()
	lists := len(h.listRequests())

	// Hours later a background helper starts at login with a stale cache:
	// it shows the cache at once and syncs within the spread.
	h.clock.Advance(3 * time.Hour)
	h.opts = func(o *Options) {
		o.StartSpread = 10 * time.Minute
		o.Jitter = func(n time.Duration) time.Duration { return n / 2 }
	}
	h.timers = h.clock.Count()
	svc := h.start(Active)
	tm := h.clock.WaitForTimer(t, h.timers)
	if n := len(h.listRequests()); n != lists || tm.Wait != 5*time.Minute {
		t.Fatalf("%d syncs at start, next in %v", n-lists, tm.Wait)
	}
	if v := svc.View(); v.Phase != PhaseReady || len(v.Meetings) == 0 {
		t.Fatalf("cache not shown while waiting: %+v", v.Phase)
	}
	h.fire(tm)
	if n := len(h.listRequests()); n != lists+1 {
		t.Fatalf("%d syncs after the spread", n-lists)
	}
}

func TestNotifierSeesEveryChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.start(Active)
	ev := h.event("Design review")
	n := len(h.notes.all())
	mustOverride(t, h, ev.ID, OverrideRecord)
	views := h.notes.all()[n:]
	if len(views) < 2 {
		t.Fatalf("%d notifications", len(views))
	}
	if m := meetingIn(t, views[0], ev.ID); m.Override != "record" || m.Bot != BotPending {
		t.Fatalf("first notification %+v", m)
	}
	if m := meetingIn(t, views[len(views)-1], ev.ID); m.Bot != BotScheduled {
		t.Fatalf("last notification %+v", m)
	}
}

func TestBudgetArithmetic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		installs     int
		sync, status time.Duration
	}{
		{0, 10*time.Minute + 25*time.Second, 5 * time.Minute},
		{30, 2 * time.Minute, 5 * time.Minute},
		{60, 2*time.Minute + 30*time.Second, 5 * time.Minute},
		{250, 10*time.Minute + 25*time.Second, 5 * time.Minute},
		{1000, 41*time.Minute + 40*time.Second, 8*time.Minute + 20*time.Second},
		{5000, 3*time.Hour + 28*time.Minute + 20*time.Second, 41*time.Minute + 40*time.Second},
	}
	if PlannedShare >= BudgetShare {
		t.Fatalf("timed requests plan %v of each limit, not below the %v ceiling", PlannedShare, BudgetShare)
	}
	for _, tc := range cases {
		b := NewBudget(tc.installs)
		if got := b.SyncInterval(); got != tc.sync {
			t.Errorf("%d installs: sync every %v, want %v", tc.installs, got, tc.sync)
		}
		if got := b.StatusPollInterval(); got != tc.status {
			t.Errorf("%d installs: status every %v, want %v", tc.installs, got, tc.status)
		}
		// Check the promise itself: the timed requests of all installs
		// together stay within the planned share of each limit.
		n := float64(b.ExpectedInstalls())
		if perMin := n / b.BaseSyncInterval().Minutes(); perMin > PlannedShare*ListEventsPerMinute+1e-9 {
			t.Errorf("%d installs list %.1f/min", tc.installs, perMin)
		}
		if perMin := n / b.StatusPollInterval().Minutes(); perMin > PlannedShare*RetrieveCalendarPerMinute+1e-9 {
			t.Errorf("%d installs retrieve %.1f/min", tc.installs, perMin)
		}
	}
	b := NewBudget(250)
	base := b.SyncInterval()
	for i, want := range []time.Duration{2, 4, 8, 8} {
		b.RateLimited(baseTime.Add(time.Duration(i)*time.Minute), 0)
		if got := b.SyncInterval(); got != want*base {
			t.Fatalf("after %d 429s a minute apart: %v", i+1, got)
		}
	}
	// One burst is one doubling: 429s within the minute of the last
	// doubling (the client reports each one, retried or not) add nothing.
	burst := NewBudget(250)
	for _, s := range []time.Duration{0, 10 * time.Second, 59 * time.Second} {
		burst.RateLimited(baseTime.Add(s), 0)
	}
	if got := burst.SyncInterval(); got != 2*base {
		t.Fatalf("after a burst of 429s within a minute: %v, want %v", got, 2*base)
	}
	burst.RateLimited(baseTime.Add(time.Minute), 0)
	if got := burst.SyncInterval(); got != 4*base {
		t.Fatalf("a 429 a minute after the doubling: %v, want %v", got, 4*base)
	}
	if !b.BlockedUntil().Equal(baseTime.Add(4 * time.Minute)) {
		t.Fatalf("blocked until %s without Retry-After", b.BlockedUntil())
	}
	b.RateLimited(baseTime.Add(3*time.Minute), 10*time.Second) // never shortens a wait
	if !b.BlockedUntil().Equal(baseTime.Add(4 * time.Minute)) {
		t.Fatalf("blocked until %s", b.BlockedUntil())
	}
	// Clean syncs narrow it back one halving per quiet hour, not per
	// sync: a fleet larger than declared keeps the interval it needed.
	steps := []struct {
		after time.Duration
		want  time.Duration
	}{
		{30 * time.Minute, 8},           // within the hour of the last 429
		{time.Hour, 4},                  // an hour on: one halving
		{time.Hour + 59*time.Minute, 4}, // the next needs another hour
		{2 * time.Hour, 2},
		{3 * time.Hour, 1},
		{5 * time.Hour, 1},
	}
	lastLimited := baseTime.Add(3 * time.Minute)
	for _, st := range steps {
		b.Succeeded(lastLimited.Add(st.after))
		if got := b.SyncInterval(); got != st.want*base {
			t.Fatalf("clean sync %v after the 429: %v, want %v", st.after, got, st.want*base)
		}
	}
	// A 429 while narrowing restarts the hour.
	b.RateLimited(baseTime.Add(6*time.Hour), 0)
	b.Succeeded(baseTime.Add(6*time.Hour + 59*time.Minute))
	if got := b.SyncInterval(); got != 2*base {
		t.Fatalf("clean sync within the hour of a new 429: %v, want %v", got, 2*base)
	}
}

// A process re-sizes its one Budget when the admin's setting changes; a
// 429 Recall sent before must not be forgotten by the re-sizing.
func TestBudgetResizeKeepsWhatRecallSaid(t *testing.T) {
	t.Parallel()
	b := NewBudget(250)
	b.RateLimited(baseTime, 90*time.Second)
	b.SetExpectedInstalls(1000)
	// 1,000 installs at PlannedShare (40 %): List Calendar Events every
	// 1000 / 24 min = 41m40s, doubled by the 429; Retrieve Calendar every
	// 1000 / 120 min = 8m20s.
	if got, want := b.SyncInterval(), 2*(41*time.Minute+40*time.Second); got != want {
		t.Errorf("after re-sizing to 1000 installs with one 429: sync every %v, want %v", got, want)
	}
	if got, want := b.StatusPollInterval(), 8*time.Minute+20*time.Second; got != want {
		t.Errorf("status every %v, want %v", got, want)
	}
	if !b.BlockedUntil().Equal(baseTime.Add(90 * time.Second)) {
		t.Errorf("the Retry-After was forgotten: blocked until %s", b.BlockedUntil())
	}
	b.SetExpectedInstalls(0)
	if b.ExpectedInstalls() != DefaultExpectedInstalls {
		t.Errorf("0 installs: %d, want the default", b.ExpectedInstalls())
	}
}
