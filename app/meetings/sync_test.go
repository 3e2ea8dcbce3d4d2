package meetings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/recall"
	"github.com/outlookconnect/outlook-connect/app/store"
)

func query(t testing.TB, r recallapi.RequestRecord) url.Values {
	t.Helper()
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func readCache(t testing.TB, h *harness) Cache {
	t.Helper()
	c, err := NewFileCache(filepath.Join(h.dir, "meetings.json")).Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// liveEvents counts the fake's events a first load keeps: not deleted,
// starting from a day back, not over for more than a day.
func liveEvents(h *harness) int {
	now := h.clock.Now()
	n := 0
	for _, e := range h.srv.Events(h.calID) {
		if !e.Deleted && !e.Start.Before(now.Add(-24*time.Hour)) && !e.End.Before(now.Add(-24*time.Hour)) {
			n++
		}
	}
	return n
}

func TestFirstLoad(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{})
	svc := h.start(Active)

	lists := h.listRequests()
	if len(lists) != 1 {
		t.Fatalf("%d list requests", len(lists))
	}
	q := query(t, lists[0])
	if q.Get("calendar_id") != h.calID || q.Get("start_time__gte") != baseTime.Add(-24*time.Hour).Format(time.RFC3339) ||
		q.Get("is_deleted") != "false" || q.Has("updated_at__gte") {
		t.Fatalf("first load query %v", q)
	}
	v := svc.View()
	interval := h.budget.SyncInterval()
	if v.Phase != PhaseReady || v.LastSyncAt != baseTime.Format(time.RFC3339) || v.LastSyncBy != "window" ||
		v.NextSyncAt != baseTime.Add(interval*85/100).Format(time.RFC3339) || v.Syncing || v.SyncProblem != nil {
		t.Fatalf("view after the first load: %+v", v)
	}
	c := readCache(t, h)
	if c.CalendarID != h.calID || len(c.Meetings) != liveEvents(h) || c.LastSyncBy != ByWindow || !c.LastFullAt.Equal(baseTime) {
		t.Fatalf("cache: calendar %s, %d meetings (want %d), by %s", c.CalendarID, len(c.Meetings), liveEvents(h), c.LastSyncBy)
	}
	var maxUpdated time.Time
	for _, e := range h.srv.Events(h.calID) {
		if !e.Deleted && e.UpdatedAt.After(maxUpdated) {
			maxUpdated = e.UpdatedAt
		}
	}
	if !c.Cursor.Equal(maxUpdated) {
		t.Fatalf("cursor %s, want the largest updated_at %s", c.Cursor, maxUpdated)
	}

	// The phases the UI saw: first sync under way, then ready.
	views := h.notes.all()
	sawSyncing := false
	for i, v := range views {
		sawSyncing = sawSyncing || (v.Phase == PhaseFirstSync && v.Syncing)
		if i > 0 && views[i-1].Phase == PhaseReady && v.Phase != PhaseReady {
			t.Fatalf("notification %d went back to %s", i, v.Phase)
		}
	}
	if !sawSyncing || views[len(views)-1].Phase != PhaseReady {
		t.Fatalf("notifications %+v", views)
	}

	// The file is private and holds only what the rules and the list need.
	info, err := os.Stat(filepath.Join(h.dir, "meetings.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, %v", info.Mode(), err)
	}
	raw, _ := os.ReadFile(filepath.Join(h.dir, "meetings.json"))
	for _, leak := range []string{"webLink", "bodyPreview", "iCalUId", "secret-value", "refresh-token-value", testAPIKey, "emailAddress"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Fatalf("cache holds %q", leak)
		}
	}
}

func TestIncrementalSyncWithOverlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	cursor := readCache(t, h).Cursor

	// Twenty minutes later, one meeting moves and one is deleted.
	h.clock.Advance(20 * time.Minute)
	moved, gone := h.event("Design review"), h.event("Advisory call")
	if err := h.srv.MoveEvent(moved.ID, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.DeleteEvent(gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.idle()
	lists := h.listRequests()
	q := query(t, lists[len(lists)-1])
	if q.Get("updated_at__gte") != cursor.Add(-DefaultCursorOverlap).Format(time.RFC3339) || q.Has("start_time__gte") || q.Has("is_deleted") {
		t.Fatalf("incremental query %v (cursor %s)", q, cursor)
	}
	v := svc.View()
	if m := meetingIn(t, v, moved.ID); m.Start != moved.Start.Add(30*time.Minute).Format(time.RFC3339) {
		t.Fatalf("moved meeting starts %s", m.Start)
	}
	for _, m := range v.Meetings {
		if m.ID == gone.ID {
			t.Fatal("deleted meeting still listed")
		}
	}
	if c := readCache(t, h); !c.Cursor.Equal(h.clock.Now()) {
		t.Fatalf("cursor %s, want the move's updated_at %s", c.Cursor, h.clock.Now())
	}

	// Nothing changed: the next sync asks from the new cursor and keeps
	// everything (the overlap re-reads the last changes harmlessly).
	before := len(svc.View().Meetings)
	h.clock.Advance(time.Hour)
	if _, err := svc.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.idle()
	lists = h.listRequests()
	if q := query(t, lists[len(lists)-1]); q.Get("updated_at__gte") != baseTime.Add(20*time.Minute-DefaultCursorOverlap).Format(time.RFC3339) {
		t.Fatalf("second incremental query %v", q)
	}
	if after := len(svc.View().Meetings); after > before {
		t.Fatalf("%d meetings after a quiet sync, %d before", after, before)
	}
}

func TestDeletedEventForgetsChoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev, kept := h.event("Design review"), h.event("Vendor demo")
	ctx := context.Background()
	for _, id := range []string{ev.ID, kept.ID} {
		if _, err := svc.SetOverride(ctx, id, "record"); err != nil {
			t.Fatal(err)
		}
		h.idle()
	}
	if len(h.srv.Bots()) != 2 {
		t.Fatalf("bots %+v", h.srv.Bots())
	}
	// A restart keeps the choices (they live in preferences.json).
	svc.Stop()
	h.timers = h.clock.Count()
	svc = h.start(Active)
	if m := meetingIn(t, svc.View(), ev.ID); m.Override != "record" || !m.Record {
		t.Fatalf("after restart %+v", m)
	}

	h.clock.Advance(time.Minute)
	if err := h.srv.DeleteEvent(ev.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	if _, err := svc.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	h.idle()
	prefs, err := NewFilePrefs(filepath.Join(h.dir, "preferences.json")).Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := prefs.Overrides[ev.ID]; ok || prefs.Overrides[kept.ID] != OverrideRecord {
		t.Fatalf("overrides after delete: %v", prefs.Overrides)
	}
	for _, m := range readCache(t, h).Meetings {
		if m.ID == ev.ID {
			t.Fatal("deleted event still cached")
		}
	}
	// Recall removed its bot with the event; the other stays.
	if bots := h.srv.Bots(); len(bots) != 1 || bots[0].Events[0] != kept.ID {
		t.Fatalf("bots %+v", bots)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{events: 250, static: true})
	svc := h.start(Active)
	lists := h.listRequests()
	if len(lists) != 3 || !query(t, lists[1]).Has("cursor") || !query(t, lists[2]).Has("cursor") {
		t.Fatalf("%d list requests for 250 events", len(lists))
	}
	if n := len(readCache(t, h).Meetings); n != liveEvents(h) {
		t.Fatalf("%d cached, want %d", n, liveEvents(h))
	}
	if v := svc.View(); v.Counts.Total == 0 {
		t.Fatal("empty list")
	}
}

func TestDamagedCacheIsSetAsideAndReloaded(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"not JSON":       "{{{ not json",
		"wrong shape":    `{"schema":1,"data":{"meetings":"many"}}`,
		"truncated":      `{"schema":1,"data":{"calendarId":"x","meetings":[{"id":"a"`,
		"no data":        `{"schema":1}`,
		"newer version":  `{"schema":99,"data":{}}`,
		"other calendar": `{"schema":1,"data":{"calendarId":"00000000-0000-0000-0000-000000000000","cursor":"2026-03-09T11:00:00Z","lastSyncAt":"2026-03-09T11:59:00Z","meetings":[{"id":"ghost","start":"2026-03-10T09:00:00Z","end":"2026-03-10T10:00:00Z","url":"https://teams.microsoft.com/l/x","platform":"teams","response":"accepted"}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, worldOptions{static: true})
			path := filepath.Join(h.dir, "meetings.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			svc := h.start(Active)
			v := svc.View()
			if v.Phase != PhaseReady || v.SyncProblem != nil || len(v.Meetings) == 0 {
				t.Fatalf("view %+v", v)
			}
			for _, m := range v.Meetings {
				if m.ID == "ghost" {
					t.Fatal("a meeting of another calendar is listed")
				}
			}
			if q := query(t, h.listRequests()[0]); !q.Has("start_time__gte") {
				t.Fatalf("not a first load: %v", q)
			}
			if c := readCache(t, h); c.CalendarID != h.calID || len(c.Meetings) != liveEvents(h) {
				t.Fatalf("cache not rewritten: %s %d", c.CalendarID, len(c.Meetings))
			}
			_, errBad := os.Stat(path + store.BadSuffix)
			damaged := name != "newer version" && name != "other calendar"
			if damaged != (errBad == nil) {
				t.Fatalf("set aside: %v (want %v)", errBad == nil, damaged)
			}
		})
	}
}

// cutSource fails a listing after n events, as a dropped connection or a
// crash between two pages would.
type cutSource struct {
	Source
	after int
	calls atomic.Int32
}

var errCut = errors.New("connection dropped between pages")

func (c *cutSource) EachEvent(ctx context.Context, f recall.EventFilter, fn func(recall.Event) error) error {
	c.calls.Add(1)
	n := 0
	return c.Source.EachEvent(ctx, f, func(e recall.Event) error {
		if n == c.after {
			return errCut
		}
		n++
		return fn(e)
	})
}

func TestRestartMidSync(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{events: 250, static: true})
	path := filepath.Join(h.dir, "meetings.json")

	// A first load cut on its second page leaves no cache at all.
	h.opts = func(o *Options) { o.Source = &cutSource{Source: h.client, after: 150} }
	svc := h.start(Active)
	if v := svc.View(); v.Phase != PhaseFirstSync || v.SyncProblem == nil || len(v.Meetings) != 0 {
		t.Fatalf("after a cut first load: phase %s problem %v meetings %d", v.Phase, v.SyncProblem, len(v.Meetings))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a cache was written from a partial load: %v", err)
	}
	svc.Stop()

	// Restart: a whole first load.
	h.opts = nil
	h.timers = h.clock.Count()
	svc = h.start(Active)
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cursor := readCache(t, h).Cursor
	svc.Stop()

	// 150 events move: the incremental sync spans two pages, and is cut.
	h.clock.Advance(10 * time.Minute)
	var moved []string
	for _, e := range h.srv.Events(h.calID) {
		if len(moved) < 150 && !e.Deleted && e.Start.After(h.clock.Now()) {
			if err := h.srv.MoveEvent(e.ID, 15*time.Minute); err != nil {
				t.Fatal(err)
			}
			moved = append(moved, e.ID)
		}
	}
	h.clock.Advance(time.Hour)
	h.opts = func(o *Options) { o.Source = &cutSource{Source: h.client, after: 120} }
	h.timers = h.clock.Count()
	svc = h.start(Active)
	if v := svc.View(); v.SyncProblem == nil {
		t.Fatal("a cut sync reported no problem")
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
		t.Fatal("a cut sync changed the cache")
	}
	svc.Stop()

	// Restart again: the sync resumes from the saved cursor and lands all.
	h.opts = nil
	h.timers = h.clock.Count()
	seen := len(h.listRequests())
	h.start(Active)
	lists := h.listRequests()
	if q := query(t, lists[seen]); q.Get("updated_at__gte") != cursor.Add(-DefaultCursorOverlap).Format(time.RFC3339) {
		t.Fatalf("resumed from %v, want the saved cursor %s", q, cursor)
	}
	got := map[string]Meeting{}
	for _, m := range readCache(t, h).Meetings {
		got[m.ID] = m
	}
	snaps := map[string]recallapi.EventSnapshot{}
	for _, e := range h.srv.Events(h.calID) {
		snaps[e.ID] = e
	}
	for _, id := range moved {
		if m, ok := got[id]; !ok || !m.Start.Equal(snaps[id].Start) {
			t.Fatalf("moved event %s: cached %v at %s, Recall has %s", id, ok, m.Start, snaps[id].Start)
		}
	}
}

func TestSyncFailureRetriesAtTheNextInterval(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	h.srv.Faults().FailNext(http.MethodGet, "/api/v2/calendar-events/", http.StatusServiceUnavailable, 4)
	h.clock.Advance(time.Hour)
	svc.SyncNow(context.Background())
	tm := h.idle()
	v := svc.View()
	if v.SyncProblem == nil || v.SyncProblem.Code != "recall.unavailable" || !v.SyncProblem.Retryable {
		t.Fatalf("problem %+v", v.SyncProblem)
	}
	want := h.clock.Now().Add(h.budget.SyncInterval() * 85 / 100)
	if v.NextSyncAt != want.Format(time.RFC3339) || tm.Wait != want.Sub(h.clock.Now()) {
		t.Fatalf("retries at %s (timer %v), want %s", v.NextSyncAt, tm.Wait, want)
	}
	h.fire(tm)
	if v := svc.View(); v.SyncProblem != nil || v.LastSyncAt != h.clock.Now().Format(time.RFC3339) {
		t.Fatalf("after the retry %+v", v)
	}
}

func TestDailyFullLoad(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.budget = NewBudget(5000) // a sync every 2.8 hours keeps the day short
	h.start(Active)
	tm := h.clock.WaitForTimer(t, h.timers)
	for h.clock.Now().Before(baseTime.Add(DefaultFullSyncEvery)) {
		tm = h.fire(tm)
	}
	lists := h.listRequests()
	full := 0
	for _, r := range lists {
		if query(t, r).Has("start_time__gte") {
			full++
		}
	}
	if full != 2 {
		t.Fatalf("%d full loads in a day of %d syncs", full, len(lists))
	}
	if q := query(t, lists[len(lists)-1]); !q.Has("start_time__gte") {
		t.Fatalf("the sync a day later was not a full load: %v", q)
	}
}

func TestCacheStaysWithinTheStoreLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fc := NewFileCache(filepath.Join(dir, "meetings.json"))
	c := Cache{CalendarID: "c"}
	for i := 0; i < 600; i++ {
		m := meeting(func(m *Meeting) { m.ID = fmt.Sprintf("%036d", i) })
		for j := 0; j < maxStoredAttendees; j++ {
			m.Attendees = append(m.Attendees, Attendee{Email: strings.Repeat("a", 40) + "@northwind.example", Response: ResponseAccepted})
		}
		c.Meetings = append(c.Meetings, m)
	}
	if err := fc.Save(c); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(fc.Path)
	if info.Size() > maxCacheBytes {
		t.Fatalf("cache of %d bytes", info.Size())
	}
	got, err := fc.Load()
	if err != nil || len(got.Meetings) != 600 {
		t.Fatalf("reload: %d meetings, %v", len(got.Meetings), err)
	}
	// The attendee lists were folded into counts; the outside guests
	// still count.
	p := policy{rule: RuleExternal, account: testAccount, org: newOrgDomains(testAccount, nil)}
	if d := p.decide(&got.Meetings[0], baseTime); !d.record || d.external != maxStoredAttendees {
		t.Fatalf("after folding: %+v", d)
	}
}

func TestPastMeetingsAreDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	mustOverride(t, h, ev.ID, OverrideRecord)
	cached := func() bool {
		for _, m := range readCache(t, h).Meetings {
			if m.ID == ev.ID {
				return true
			}
		}
		return false
	}
	// Over for less than a day: kept, like Recall keeps it (§3.5).
	h.clock.Advance(ev.End.Add(23 * time.Hour).Sub(h.clock.Now()))
	svc.SyncNow(context.Background())
	h.idle()
	if !cached() {
		t.Fatal("dropped a meeting over for less than a day")
	}
	h.clock.Advance(2 * time.Hour)
	svc.SyncNow(context.Background())
	h.idle()
	if cached() {
		t.Fatal("kept a meeting over for more than a day")
	}
	if _, ok := svc.Preferences().Overrides[ev.ID]; ok {
		t.Fatal("kept the choice for a meeting long over")
	}
}
