package meetings

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

func botPath(id string) string { return "/api/v2/calendar-events/" + id + "/bot/" }

func mustRule(t testing.TB, h *harness, rule Rule, acceptedOnly bool) RuleResult {
	t.Helper()
	res, err := h.svc.SetRule(context.Background(), string(rule), acceptedOnly)
	if err != nil {
		t.Fatal(err)
	}
	h.idle()
	return res
}

func mustOverride(t testing.TB, h *harness, id string, choice Override) View {
	t.Helper()
	v, err := h.svc.SetOverride(context.Background(), id, string(choice))
	if err != nil {
		t.Fatal(err)
	}
	h.idle()
	return v
}

func TestRuleChangeSchedulesExactly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	v := svc.View()
	if v.Phase != PhaseReady || !v.AskRule || v.Rule.Source != SourceDefault || v.Counts.Recorded != 0 {
		t.Fatalf("first view %+v", v)
	}
	if n := len(h.botCalls()); n != 0 {
		t.Fatalf("%d bot calls before anyone chose a rule", n)
	}
	lists := len(h.listRequests())
	prev := v
	for _, tc := range []struct {
		rule         Rule
		acceptedOnly bool
	}{{RuleAllWithLink, false}, {RuleAllWithLink, true}, {RuleExternal, false}, {RuleOrganised, false}, {RuleNone, false}} {
		calls := len(h.botCalls())
		res := mustRule(t, h, tc.rule, tc.acceptedOnly)
		v := svc.View()
		h.assertBotsMatch(v, DefaultBotName)
		flipped := 0
		for i, m := range v.Meetings {
			if m.Record != prev.Meetings[i].Record {
				flipped++
			}
		}
		if res.Changed != flipped || res.View.Rule.Rule != string(tc.rule) || res.View.Rule.Source != SourcePerson || res.View.AskRule {
			t.Fatalf("%s: changed %d (flipped %d), rule %+v", tc.rule, res.Changed, flipped, res.View.Rule)
		}
		// Bots are scheduled in start-time order (recall-api.md §4.4).
		var starts []time.Time
		for _, r := range h.botCalls()[calls:] {
			if r.Method == http.MethodPost {
				id := strings.TrimSuffix(strings.TrimPrefix(r.Path, "/api/v2/calendar-events/"), "/bot/")
				starts = append(starts, h.eventByID(id).Start)
			}
		}
		for i := 1; i < len(starts); i++ {
			if starts[i].Before(starts[i-1]) {
				t.Fatalf("%s: bots scheduled out of start order: %v", tc.rule, starts)
			}
		}
		prev = v
	}
	// The copy was fresh: rule changes re-planned without listing again.
	if n := len(h.listRequests()); n != lists {
		t.Fatalf("%d list requests for rule changes on a fresh copy", n-lists)
	}
	if len(h.srv.Bots()) != 0 {
		t.Fatalf("bots left with rule none: %+v", h.srv.Bots())
	}
}

func TestStaleCopyIsReadBeforeReplanning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.start(Active)
	h.clock.Advance(h.budget.SyncInterval() / 2)
	lists := len(h.listRequests())
	mustRule(t, h, RuleAllWithLink, false)
	if n := len(h.listRequests()); n != lists+1 {
		t.Fatalf("%d list requests for a rule change on a stale copy", n-lists)
	}
	h.assertBotsMatch(h.svc.View(), DefaultBotName)
}

func TestMovedAndCancelledMeetings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{})
	svc := h.start(Active)
	mustRule(t, h, RuleExternal, false)
	moving, cancelling := h.event(recallapi.ScriptedMovingTitle), h.event(recallapi.ScriptedCancelledTitle)
	oldKey := moving.BotKey
	if oldKey == "" || cancelling.BotKey == "" {
		t.Fatalf("scripted meetings not scheduled: %q %q", oldKey, cancelling.BotKey)
	}

	// The organisers move one meeting and cancel the other (the fake's
	// script, 2 and 4 minutes in); the next timed sync sees both.
	tm := h.clock.WaitForTimer(t, h.timers)
	if tm.Wait <= recallapi.ScriptedCancelAfter {
		t.Fatalf("next sync in %v", tm.Wait)
	}
	h.fire(tm)
	v := svc.View()
	h.assertBotsMatch(v, DefaultBotName)
	moved := h.event(recallapi.ScriptedMovingTitle)
	if moved.BotKey == oldKey || !strings.HasPrefix(moved.BotKey, moved.Start.Format(time.RFC3339)+"-") {
		t.Fatalf("moved meeting's bot key %q (was %q)", moved.BotKey, oldKey)
	}
	for _, b := range h.srv.Bots() {
		if b.Key == oldKey {
			t.Fatalf("the bot at the old time is still there: %+v", b)
		}
	}
	c := meetingIn(t, v, cancelling.ID)
	if !c.Cancelled || c.Record || c.Bot != BotNone || c.CanOverride || c.Reason != reasonCancelled {
		t.Fatalf("cancelled meeting %+v", c)
	}
	if m := meetingIn(t, v, moved.ID); !m.Record || m.Bot != BotScheduled {
		t.Fatalf("moved meeting %+v", m)
	}
}

func TestMeetingLinkChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	mustOverride(t, h, ev.ID, OverrideRecord)
	const zoom = "https://us02web.zoom.us/j/81234567890"
	h.clock.Advance(time.Minute)
	if err := h.srv.SetMeetingURL(ev.ID, zoom); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	if _, err := svc.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.idle()
	v := svc.View()
	h.assertBotsMatch(v, DefaultBotName)
	if m := meetingIn(t, v, ev.ID); m.Platform != PlatformZoom || m.Bot != BotScheduled {
		t.Fatalf("after the new link %+v", m)
	}
	if b := h.srv.Bots(); len(b) != 1 || b[0].MeetingURL != zoom {
		t.Fatalf("bots %+v", b)
	}
}

func TestEndedMeetingsAreNeverTouched(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	mustRule(t, h, RuleAllWithLink, false)
	for _, r := range h.botCalls() {
		if strings.Contains(r.Path, h.event("Morning triage").ID) {
			t.Fatal("a bot call for a meeting that is over")
		}
	}
	// The meeting in five minutes gets its bot, then ends.
	soon := h.event(recallapi.ScriptedSoonTitle)
	if soon.BotKey == "" {
		t.Fatal("the meeting in five minutes has no bot")
	}
	h.clock.Advance(time.Hour)
	calls := len(h.botCalls())
	mustRule(t, h, RuleNone, false)
	for _, r := range h.botCalls()[calls:] {
		if strings.Contains(r.Path, soon.ID) {
			t.Fatal("unscheduled the bot of a meeting that is over")
		}
	}
	if h.event(recallapi.ScriptedSoonTitle).BotKey == "" {
		t.Fatal("the ended meeting's bot was removed")
	}

	// Recall's clock is ahead of ours: it says "has ended" first. That is
	// done, not a problem, and never retried.
	h.skewMu.Lock()
	h.serverSkew = 2 * time.Hour
	h.skewMu.Unlock()
	ev := h.event("Design review")
	h.clock.Advance(ev.End.Sub(h.clock.Now()) - time.Hour) // an hour before its end, by our clock
	before := len(h.requests(http.MethodPost, botPath(ev.ID)))
	mustOverride(t, h, ev.ID, OverrideRecord)
	m := meetingIn(t, svc.View(), ev.ID)
	if m.Problem != nil || m.Record || m.Bot != BotNone || m.Reason != reasonEnded {
		t.Fatalf("after Recall said ended: %+v", m)
	}
	posts := len(h.requests(http.MethodPost, botPath(ev.ID)))
	if posts != before+1 {
		t.Fatalf("%d schedule calls", posts-before)
	}
	h.clock.Advance(time.Minute)
	svc.SyncNow(context.Background())
	h.idle()
	if n := len(h.requests(http.MethodPost, botPath(ev.ID))); n != posts {
		t.Fatal("retried a meeting Recall said has ended")
	}
}

func TestSharedKeyOneBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	ctx := context.Background()
	// A colleague's calendar with the same meeting: same start, same link.
	colleague, err := h.client.Register(ctx, recall.RegisterParams{Email: "sam@contoso.example", ClientID: "c", ClientSecret: "s", RefreshToken: "r"})
	if err != nil {
		t.Fatal(err)
	}
	h.srv.SetCalendarStatus(colleague.ID, "connected", nil)
	start := baseTime.Add(26 * time.Hour)
	const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_shared%40thread.v2/0"
	mine, err := h.srv.AddEvent(h.calID, recallapi.NewEvent{Title: "Joint review", Start: start, End: start.Add(time.Hour), MeetingURL: link,
		Organizer: "kim@fabrikam.example", Attendees: []string{"sam@contoso.example"}, Response: "accepted"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := h.srv.AddEvent(colleague.ID, recallapi.NewEvent{Title: "Joint review", Start: start, End: start.Add(time.Hour), MeetingURL: link,
		Organizer: "kim@fabrikam.example", Attendees: []string{testAccount}, Response: "accepted"})
	if err != nil {
		t.Fatal(err)
	}

	svc := h.start(Active)
	mustOverride(t, h, mine, OverrideRecord)

	// The colleague's install: its own folder, client and clock sharing.
	other := &harness{t: t, clock: h.clock, srv: h.srv, sleeps: h.sleeps, dir: t.TempDir(), calID: colleague.ID, notes: &recorder{}}
	other.client = other.newClient()
	otherSvc, err := New(other.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(otherSvc.Stop)
	otherSvc.Start(ctx, Calendar{ID: colleague.ID, Account: "sam@contoso.example"}, Active)
	h.timers++ // the colleague's first idle timer
	h.clock.WaitForTimer(t, h.timers)
	if _, err := otherSvc.SetOverride(ctx, theirs, "record"); err != nil {
		t.Fatal(err)
	}
	h.idle()

	bots := h.srv.Bots()
	if len(bots) != 1 || len(bots[0].Events) != 2 {
		t.Fatalf("bots %+v: want one shared by both events", bots)
	}
	wantKey := start.Format(time.RFC3339) + "-" + link
	if bots[0].Key != wantKey {
		t.Fatalf("key %q, want %q", bots[0].Key, wantKey)
	}
	// I no longer want it: my event leaves the bot, the colleague keeps it.
	svc.SetOverride(ctx, mine, "skip")
	h.idle()
	if bots := h.srv.Bots(); len(bots) != 1 || len(bots[0].Events) != 1 || bots[0].Events[0] != theirs {
		t.Fatalf("bots after I skipped: %+v", bots)
	}
	if m := meetingIn(t, svc.View(), mine); m.Bot != BotNone {
		t.Fatalf("my meeting %+v", m)
	}
}

func TestOverrideFlipped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	steps := []struct {
		choice Override
		record bool
		reason string
	}{
		{OverrideRecord, true, reasonChoseRecord},
		{OverrideSkip, false, reasonChoseSkip},
		{OverrideRecord, true, reasonChoseRecord},
		{OverrideNone, false, reasonRuleNone},
	}
	for _, st := range steps {
		v := mustOverride(t, h, ev.ID, st.choice)
		if m := meetingIn(t, v, ev.ID); m.Record != st.record || m.Reason != st.reason || m.Override != string(st.choice) {
			t.Fatalf("%q: %+v", st.choice, m)
		}
		v = svc.View()
		h.assertBotsMatch(v, DefaultBotName)
	}
	// Under a rule that records it, "don't record" still wins.
	mustRule(t, h, RuleAllWithLink, false)
	mustOverride(t, h, ev.ID, OverrideSkip)
	h.assertBotsMatch(svc.View(), DefaultBotName)
	if h.event("Design review").BotKey != "" {
		t.Fatal("skipped meeting has a bot")
	}
}

func TestConflictIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	// 409 on every attempt the client makes within the call.
	h.srv.Faults().FailNext(http.MethodPost, botPath(ev.ID), http.StatusConflict, 4)
	svc.SetOverride(context.Background(), ev.ID, "record")
	tm := h.idle()
	posts := h.requests(http.MethodPost, botPath(ev.ID))
	if len(posts) != 4 || posts[0].IdempotencyKey != posts[3].IdempotencyKey {
		t.Fatalf("posts %+v: want the client's 4 attempts with one key", posts)
	}
	m := meetingIn(t, svc.View(), ev.ID)
	if m.Problem == nil || m.Problem.Code != "recall.conflict" || m.Bot != BotFailed || !m.Record {
		t.Fatalf("after 409s: %+v", m)
	}
	if tm.Wait != retryFirst {
		t.Fatalf("retry in %v, want %v", tm.Wait, retryFirst)
	}
	h.fire(tm)
	m = meetingIn(t, svc.View(), ev.ID)
	if m.Problem != nil || m.Bot != BotScheduled {
		t.Fatalf("after the retry: %+v", m)
	}
	if n := len(h.requests(http.MethodPost, botPath(ev.ID))); n != 5 {
		t.Fatalf("%d posts", n)
	}
}

func TestRetryBackoffGrows(t *testing.T) {
	t.Parallel()
	for f, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: 15 * time.Minute, 40: 15 * time.Minute} {
		if got := retryDelay(f); got != want {
			t.Errorf("retryDelay(%d) = %v, want %v", f, got, want)
		}
	}
}

func TestParallelCallOnOneKey(t *testing.T) {
	t.Parallel()
	// Recall's own 409 (another call on the same key in flight), not a
	// canned fault: the fake parks a colleague's call on the key, and ours
	// arrives meanwhile.
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	key := ev.Start.Format(time.RFC3339) + "-" + ev.MeetingURL
	other := h.event("Quarterly business review")
	ctx := context.Background()
	if _, err := h.client.ScheduleBot(ctx, recall.Event{ID: other.ID}, recall.BotRequest{DeduplicationKey: key}); err != nil {
		t.Fatal(err)
	}
	hold := h.srv.HoldBotCalls()
	defer hold.Release()
	done := make(chan error, 1)
	go func() {
		_, err := h.client.UnscheduleBot(ctx, other.ID)
		done <- err
	}()
	if got := <-hold.Parked(); got != key {
		t.Fatalf("parked %q", got)
	}
	svc.SetOverride(ctx, ev.ID, "record")
	h.idle()
	m := meetingIn(t, svc.View(), ev.ID)
	if m.Problem == nil || m.Problem.Code != "recall.conflict" || m.Bot != BotFailed {
		t.Fatalf("meeting during a parallel call: %+v", m)
	}
	hold.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once the other call is through, the retry lands.
	h.fire(h.clock.WaitForTimer(t, h.timers))
	if m := meetingIn(t, svc.View(), ev.ID); m.Problem != nil || m.Bot != BotScheduled {
		t.Fatalf("after the retry: %+v", m)
	}
}

func TestInsufficientStorageUsesFreshIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Design review")
	h.srv.Faults().FailNext(http.MethodPost, botPath(ev.ID), http.StatusInsufficientStorage, 1)
	mustOverride(t, h, ev.ID, OverrideRecord)
	posts := h.requests(http.MethodPost, botPath(ev.ID))
	if len(posts) != 2 || posts[0].Status != http.StatusInsufficientStorage || posts[0].IdempotencyKey == posts[1].IdempotencyKey {
		t.Fatalf("posts %+v: want a retry with a fresh key after 507", posts)
	}
	if m := meetingIn(t, svc.View(), ev.ID); m.Bot != BotScheduled || m.Problem != nil {
		t.Fatalf("meeting %+v", m)
	}
}

func TestDispatchedBotIsInTheMeeting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	soon := h.event(recallapi.ScriptedSoonTitle)
	v := mustOverride(t, h, soon.ID, OverrideRecord)
	m := meetingIn(t, v, soon.ID)
	if !m.TooSoon || m.Note != noteTooSoon {
		t.Fatalf("meeting in five minutes: %+v", m)
	}
	// Too soon or not, the call is made (best effort).
	if m := meetingIn(t, svc.View(), soon.ID); m.Bot != BotScheduled {
		t.Fatalf("not scheduled: %+v", m)
	}
	// The bot leaves for the meeting; then the person changes their mind.
	h.clock.Advance(5*time.Minute - recallapi.BotDispatchLead)
	mustOverride(t, h, soon.ID, OverrideSkip)
	deletes := h.requests(http.MethodDelete, botPath(soon.ID))
	if len(deletes) != 1 || deletes[0].Status != http.StatusMethodNotAllowed {
		t.Fatalf("deletes %+v", deletes)
	}
	m = meetingIn(t, svc.View(), soon.ID)
	if m.Bot != BotInMeeting || m.Problem != nil {
		t.Fatalf("after 405: %+v", m)
	}
	// Nothing more can be done: no further calls.
	h.clock.Advance(time.Minute)
	svc.SyncNow(context.Background())
	h.idle()
	if n := len(h.requests(http.MethodDelete, botPath(soon.ID))); n != 1 {
		t.Fatalf("%d deletes after 405", n)
	}
}

func TestRateLimitedBotCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	base := h.budget.SyncInterval()
	h.srv.Faults().Add(recallapi.Fault{Method: http.MethodPost, Path: "/api/v2/calendar-events/*/bot/", Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Minute})
	limitedAt := h.clock.Now()
	svc.SetRule(context.Background(), string(RuleAllWithLink), false)
	tm := h.idle()
	if n := len(h.botCalls()); n != 1 {
		t.Fatalf("%d bot calls after a 429: the batch must stop", n)
	}
	v := svc.View()
	if v.RateLimitedUntil != h.clock.Now().Add(2*time.Minute).Format(time.RFC3339) {
		t.Fatalf("rate limited until %q", v.RateLimitedUntil)
	}
	if got := h.budget.SyncInterval(); got != 2*base {
		t.Fatalf("interval %v after a 429, want %v", got, 2*base)
	}
	if tm.Wait != 2*time.Minute {
		t.Fatalf("next attempt in %v, want the Retry-After", tm.Wait)
	}
	// Nothing happens before Retry-After, even when asked.
	svc.WindowFocused(context.Background())
	svc.SyncNow(context.Background())
	if n := len(h.botCalls()); n != 1 {
		t.Fatalf("%d bot calls while rate limited", n)
	}
	h.fire(tm)
	v = svc.View()
	h.assertBotsMatch(v, DefaultBotName)
	if v.RateLimitedUntil != "" {
		t.Fatalf("still rate limited: %q", v.RateLimitedUntil)
	}
	// Clean syncs keep the widening for an hour after the 429; the first
	// one after that halves it back.
	syncs := 0
	for h.clock.Now().Sub(limitedAt) < RecoverAfter {
		if got := h.budget.SyncInterval(); got != 2*base {
			t.Fatalf("interval %v %v after the 429, want %v", got, h.clock.Now().Sub(limitedAt), 2*base)
		}
		tm = h.clock.WaitForTimer(t, h.timers)
		h.fire(tm)
		syncs++
	}
	if got := h.budget.SyncInterval(); got != base || syncs < 3 {
		t.Fatalf("interval %v after %d clean syncs over an hour, want %v", got, syncs, base)
	}
}

func TestRateLimitedList(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	h.srv.Faults().Add(recallapi.Fault{Method: http.MethodGet, Path: "/api/v2/calendar-events/", Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Minute})
	h.clock.Advance(time.Hour)
	svc.SyncNow(context.Background())
	h.idle()
	v := svc.View()
	if v.SyncProblem == nil || v.SyncProblem.Code != "recall.rate_limited" ||
		v.RateLimitedUntil != h.clock.Now().Add(30*time.Minute).Format(time.RFC3339) {
		t.Fatalf("view %+v", v)
	}
	// The interval widened, but Recall's wait is longer: the retry is
	// announced for when Recall allows it, and happens then.
	if h.budget.SyncInterval() != 2*NewBudget(0).SyncInterval() || v.NextSyncAt != v.RateLimitedUntil {
		t.Fatalf("next sync %s, rate limited until %s", v.NextSyncAt, v.RateLimitedUntil)
	}
	tm := h.clock.WaitForTimer(t, h.timers)
	if tm.Wait != 30*time.Minute {
		t.Fatalf("next attempt in %v", tm.Wait)
	}
	// The budget is the process's: another Service on it waits too.
	if !h.budget.BlockedUntil().After(h.clock.Now()) {
		t.Fatal("the shared budget is not blocked")
	}
}

func TestWrappedLinkGoesInBotConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	ev := h.event("Fabrikam escalation")
	if ev.MeetingURL != "" || ev.JoinURL == "" {
		t.Fatalf("not a wrapped link: %+v", ev)
	}
	mustOverride(t, h, ev.ID, OverrideRecord)
	h.assertBotsMatch(svc.View(), DefaultBotName)
	bots := h.srv.Bots()
	target := unwrapSafeLink(ev.JoinURL)
	if len(bots) != 1 || bots[0].Config["meeting_url"] != target || bots[0].MeetingURL != target || !strings.HasPrefix(target, "https://teams.microsoft.com/") {
		t.Fatalf("bots %+v", bots)
	}
}

func TestBotNameChangeReschedules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.start(Active)
	mustRule(t, h, RuleExternal, false)
	h.svc.Stop()
	calls := len(h.botCalls())

	// Same name after a restart: nothing to do.
	h.timers = h.clock.Count()
	h.start(Active)
	if n := len(h.botCalls()); n != calls {
		t.Fatalf("%d bot calls after a restart", n-calls)
	}
	h.svc.Stop()

	// The admin renames the bot: every bot gets the complete new config.
	h.opts = func(o *Options) { o.BotName = "Contoso Notes" }
	h.timers = h.clock.Count()
	svc := h.start(Active)
	h.assertBotsMatch(svc.View(), "Contoso Notes")
	if n := len(h.botCalls()) - calls; n != svc.View().Counts.Recorded {
		t.Fatalf("%d calls to rename %d bots", n, svc.View().Counts.Recorded)
	}
	// The complete config: the name, plus the link only where Recall
	// could not read it from the event.
	for _, b := range h.srv.Bots() {
		_, hasURL := b.Config["meeting_url"]
		if b.Config["bot_name"] != "Contoso Notes" || len(b.Config) != map[bool]int{false: 1, true: 2}[hasURL] {
			t.Fatalf("bot_config %v", b.Config)
		}
	}
}

func TestRunCountsAndLastSyncBy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	h.opts = func(o *Options) { o.Runner = ByBackground }
	h.start(Active)
	mustRule(t, h, RuleExternal, false)
	recorded := h.svc.View().Counts.Recorded
	h.svc.Stop()

	// The window opens, passively, and reads what the background did.
	h.opts = nil
	win := h.start(Passive)
	v := win.View()
	if v.LastSyncBy != "background" || v.Counts.Recorded != recorded {
		t.Fatalf("window's view %+v", v)
	}
	r := win.Runs()[ByBackground]
	if r.Unseen.BotsScheduled != recorded || r.Total.BotsScheduled != recorded || r.LastSyncAt.IsZero() {
		t.Fatalf("runs %+v", win.Runs())
	}
	if err := win.MarkRunsSeen(ByBackground); err != nil {
		t.Fatal(err)
	}
	if r := win.Runs()[ByBackground]; r.Unseen != (RunCounts{}) || r.Total.BotsScheduled != recorded {
		t.Fatalf("after seen %+v", r)
	}
}

func TestActionFor(t *testing.T) {
	t.Parallel()
	wantedKey := func(m *Meeting) string { return wantFor(m, DefaultBotName).key }
	withBot := func(key func(*Meeting) string, config string) func(*Meeting) {
		return func(m *Meeting) {
			m.Bots = []Bot{{ID: "b1", Key: key(m)}}
			m.Sched.Config = config
		}
	}
	current := "bot_name=" + DefaultBotName
	stale := func(*Meeting) string { return "2026-03-09T10:00:00Z-" + teamsURL }
	cases := []struct {
		name   string
		record bool
		change func(*Meeting)
		want   actionKind
	}{
		{"new meeting to record", true, nil, actSchedule},
		{"already scheduled", true, withBot(wantedKey, current), actNone},
		{"moved: the bot has the old key", true, withBot(stale, current), actSchedule},
		{"link changed: the bot has the old key", true, func(m *Meeting) {
			withBot(wantedKey, current)(m)
			m.URL = "https://us02web.zoom.us/j/8"
		}, actSchedule},
		{"bot config changed", true, withBot(wantedKey, "bot_name=Old name"), actSchedule},
		{"a bot scheduled by someone else's config", true, withBot(wantedKey, ""), actSchedule},
		{"not to record, has a bot", false, withBot(wantedKey, current), actUnschedule},
		{"not to record, no bot", false, nil, actNone},
		{"over, with a bot", false, func(m *Meeting) {
			withBot(wantedKey, current)(m)
			m.Start, m.End = baseTime.Add(-2*time.Hour), baseTime
		}, actNone},
		{"over, to record", true, func(m *Meeting) { m.Start, m.End = baseTime.Add(-2*time.Hour), baseTime.Add(-time.Hour) }, actNone},
		{"Recall said ended", true, func(m *Meeting) { m.Sched.Ended = true }, actNone},
		{"waiting for a retry", true, func(m *Meeting) { m.Sched.RetryAt = baseTime.Add(time.Second) }, actNone},
		{"retry due", true, func(m *Meeting) { m.Sched.RetryAt = baseTime }, actSchedule},
		{"bot already in the meeting", false, func(m *Meeting) {
			withBot(wantedKey, current)(m)
			m.Sched.InMeeting = true
		}, actNone},
		{"under way, no bot yet: best effort", true, func(m *Meeting) { m.Start = baseTime.Add(-5 * time.Minute) }, actSchedule},
		{"beyond the week, to record", true, func(m *Meeting) {
			m.Start, m.End = baseTime.Add(ListHorizon), baseTime.Add(ListHorizon+time.Hour)
		}, actNone},
		{"just inside the week", true, func(m *Meeting) {
			m.Start, m.End = baseTime.Add(ListHorizon-time.Minute), baseTime.Add(ListHorizon+time.Hour)
		}, actSchedule},
		{"not to record, the bot already joined", false, func(m *Meeting) {
			m.Start = baseTime.Add(-time.Minute)
			m.Bots = []Bot{{ID: "b1", Key: wantedKey(m), Start: m.Start}}
		}, actNone},
		{"not to record, an earlier occurrence's bot only", false, func(m *Meeting) {
			m.Bots = []Bot{{ID: "b0", Key: "old", Start: baseTime.Add(-24 * time.Hour)}}
		}, actNone},
		{"not to record, a bot joining later", false, func(m *Meeting) {
			m.Bots = []Bot{{ID: "b1", Key: wantedKey(m), Start: m.Start}}
		}, actUnschedule},
		{"beyond the week, not to record, has a bot", false, func(m *Meeting) {
			m.Start, m.End = baseTime.Add(10*24*time.Hour), baseTime.Add(10*24*time.Hour+time.Hour)
			withBot(wantedKey, current)(m)
		}, actUnschedule},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := meeting(tc.change)
			got, w := actionFor(&m, decision{record: tc.record}, DefaultBotName, baseTime)
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if got == actSchedule && (w.key != m.Start.UTC().Format(time.RFC3339)+"-"+m.URL || w.config["bot_name"] != DefaultBotName) {
				t.Fatalf("wanted %+v", w)
			}
		})
	}
}

// Recall drops a disconnected calendar's future bots without touching its
// events (recall-api.md §2.6), so no sync can show it. After the calendar
// reconnects, BotsRemoved makes the scheduler put them back.
func TestBotsRemovedWhileDisconnectedAreScheduledAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, worldOptions{static: true})
	svc := h.start(Active)
	mustRule(t, h, RuleAllWithLink, false)
	h.assertBotsMatch(svc.View(), DefaultBotName)

	svc.Stop()
	h.srv.SetCalendarStatus(h.calID, "disconnected", map[string]any{"error": "invalid_grant"})
	if n := len(h.srv.Bots()); n != 0 {
		t.Fatalf("the fake kept %d bots of a disconnected calendar", n)
	}
	h.srv.SetCalendarStatus(h.calID, "connected", nil)
	svc.Start(ctx, Calendar{ID: h.calID, Account: testAccount}, Active)
	h.idle()
	calls := len(h.botCalls())
	svc.BotsRemoved()
	h.idle()
	if len(h.botCalls()) == calls {
		t.Fatal("no bot was scheduled again after BotsRemoved")
	}
	h.assertBotsMatch(svc.View(), DefaultBotName)
	for _, m := range svc.View().Meetings {
		if m.Record && m.Bot != BotScheduled {
			t.Errorf("%s: bot %s after scheduling again", m.Title, m.Bot)
		}
	}
}

// stallingSource lets the first n bot calls through and holds the next one
// until its context ends, as a Recall that is slow while the window closes.
type stallingSource struct {
	Source
	n       int
	mu      sync.Mutex
	calls   int
	stalled chan struct{}
}

func (s *stallingSource) ScheduleBot(ctx context.Context, e recall.Event, r recall.BotRequest) (recall.Event, error) {
	s.mu.Lock()
	s.calls++
	stall := s.calls == s.n+1
	s.mu.Unlock()
	if stall {
		close(s.stalled)
		<-ctx.Done()
		return recall.Event{}, ctx.Err()
	}
	return s.Source.ScheduleBot(ctx, e, r)
}

// A scheduler stopped in the middle of its bot calls (the window closes, a
// reload) keeps what the finished calls did: the next start must find
// those bots in the cache, not ask Recall for them again.
func TestStopKeepsTheBotsAlreadyScheduled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, worldOptions{static: true})
	stall := &stallingSource{Source: h.client, n: 2, stalled: make(chan struct{})}
	h.opts = func(o *Options) { o.Source = stall }
	svc := h.start(Active)
	done := make(chan error, 1)
	go func() {
		_, err := svc.SetRule(context.Background(), string(RuleAllWithLink), false)
		done <- err
	}()
	<-stall.stalled
	svc.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cache, err := NewFileCache(filepath.Join(h.dir, "meetings.json")).Load()
	if err != nil {
		t.Fatal(err)
	}
	withBot := 0
	for _, m := range cache.Meetings {
		if len(m.Bots) > 0 {
			withBot++
		}
	}
	if withBot != 2 {
		t.Fatalf("%d meetings have their bot in the cache after a stop mid-way, want the 2 scheduled", withBot)
	}
}
