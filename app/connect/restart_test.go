package connect

import (
	"context"
	"testing"
	"time"
)

// Each test builds a fresh Service over the same fake store and keychain,
// as a restart of the app would.

func TestRestartConnectedShowsSavedThenRefreshes(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)
	h.calendars.transition(id, statusConnected, "", testEpoch.Add(2*time.Hour))

	svc := h.restart(t)
	st := svc.State()
	if st.Phase != PhaseConnected || st.Calendar == nil || st.Calendar.ID != id || st.Account != aliceEmail {
		t.Fatalf("after restart: %s, want connected to %s", describe(st), id)
	}
	st = h.notes.waitFor(t, "status refreshed on start", func(s State) bool {
		return s.Calendar != nil && s.Calendar.Status == statusConnected && s.Calendar.CheckedAt != ""
	})
	if st.Phase != PhaseConnected {
		t.Errorf("refresh changed the phase: %s", describe(st))
	}
}

func TestRestartWithPendingOffersFinishConnecting(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true)}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))

	svc = h.restart(t)
	st := svc.State()
	if st.Phase != PhaseFinishPending || st.Problem != nil || st.Account != aliceEmail {
		t.Fatalf("after restart: %s, want finish_pending without an error card", describe(st))
	}
	st = svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || h.auth.begins() != 1 {
		t.Errorf("FinishConnecting after restart returned %s (%d sign-ins)", describe(st), h.auth.begins())
	}
	if h.calendars.lastRegistration(t).RefreshToken != aliceToken {
		t.Error("FinishConnecting after restart did not use the stored token")
	}
}

func TestRestartDuringDisconnectRetriesOnce(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-7", LastStatus: statusConnected, Operation: operationDisconnect}
	h.secrets.tokens[aliceEmail] = aliceToken
	h.calendars.calendars["cal-7"] = Calendar{ID: "cal-7", Status: statusConnected}

	svc := h.start(t)
	if svc.State().Phase == PhaseConnected {
		t.Error("a calendar being disconnected was shown as connected")
	}
	st := h.notes.waitFor(t, "idle", phaseIs(PhaseIdle))
	if st.Problem != nil {
		t.Errorf("retried disconnect ended with %s", describe(st))
	}
	if h.calendars.exists("cal-7") || h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Error("the disconnect was not finished after restart")
	}
}

func TestRestartDuringDisconnectRecallStillDown(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-7", Operation: operationDisconnect}
	h.secrets.tokens[aliceEmail] = aliceToken
	h.calendars.deleteErr = fakeProblem("recall.unreachable", true)

	svc := h.start(t)
	st := h.notes.waitFor(t, "disconnect_failed", phaseIs(PhaseDisconnectFailed))
	if problemCode(st) != "recall.unreachable" || st.Calendar == nil || st.Calendar.ID != "cal-7" {
		t.Errorf("state = %s, want disconnect_failed for cal-7", describe(st))
	}
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.deletes) != 1 {
			t.Errorf("Delete called %d times on start, want once", len(f.deletes))
		}
	})
	if st := svc.RemoveFromThisComputer(context.Background()); st.Phase != PhaseIdle {
		t.Errorf("RemoveFromThisComputer returned %s", describe(st))
	}
}

func TestRestartDuringSignInStartsOver(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Operation: operationConnect}
	svc := h.start(t)
	if st := svc.State(); st.Phase != PhaseIdle || st.Problem != nil {
		t.Errorf("after restart: %s, want idle", describe(st))
	}
}

func TestRestartDuringReconnectSignInKeepsCalendar(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-3", LastStatus: statusDisconnected, Operation: operationConnect}
	h.calendars.calendars["cal-3"] = Calendar{ID: "cal-3", Status: statusDisconnected}
	svc := h.start(t)
	if st := svc.State(); st.Phase != PhaseConnected || st.Calendar.ID != "cal-3" {
		t.Errorf("after restart: %s, want connected to cal-3", describe(st))
	}
}

func TestRestartWithCorruptStateShowsProblem(t *testing.T) {
	h := newHarness(t)
	h.store.loadErr = fakeProblem("store.corrupt", false)
	svc := h.start(t)
	st := svc.State()
	if st.Phase != PhaseIdle || problemCode(st) != "store.corrupt" {
		t.Errorf("after restart: %s, want idle with the store problem", describe(st))
	}
	if len(h.store.savedHistory()) != 0 {
		t.Error("Start overwrote the unreadable state")
	}
}

func TestRestartAfterCalendarDeletedElsewhere(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-5", LastStatus: statusConnected}
	h.secrets.tokens[aliceEmail] = aliceToken
	h.start(t)
	st := h.notes.waitFor(t, "idle", phaseIs(PhaseIdle))
	if problemCode(st) != "connect.calendar_removed" || h.secrets.count() != 0 {
		t.Errorf("state = %s, want idle with connect.calendar_removed and no token", describe(st))
	}
}

// The calendar was deleted in Recall while nobody watched (only the
// background helper ran): the next window still says what happened, until
// the person dismisses it, and nothing of the connection is kept.
func TestCalendarRemovedWhileUnwatchedIsToldAtTheNextStart(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-5", LastStatus: statusConnected}
	h.start(t)
	h.notes.waitFor(t, "idle", phaseIs(PhaseIdle))
	kept := h.store.current()
	if kept.CalendarID != "" || kept.Account != "" || kept.Notice == nil || kept.Notice.Code != "connect.calendar_removed" {
		t.Fatalf("saved after the removal: %+v, want only the notice", kept)
	}

	svc := h.restart(t)
	st := svc.State()
	if st.Phase != PhaseIdle || problemCode(st) != "connect.calendar_removed" {
		t.Fatalf("the next start shows %s, want the Connect screen with connect.calendar_removed", describe(st))
	}
	if h.calendars.getCount() != 1 {
		t.Errorf("Recall was asked %d times; the notice needs no call", h.calendars.getCount())
	}
	st = svc.DismissProblem()
	if st.Problem != nil || h.store.current() != (Saved{}) {
		t.Fatalf("after Dismiss: %s, saved %+v; want nothing left", describe(st), h.store.current())
	}
	if st := h.restart(t).State(); st.Problem != nil {
		t.Fatalf("a dismissed notice came back: %s", describe(st))
	}

	// Connecting again also answers the notice, even if that sign-in is
	// then cancelled.
	h.store.saved = Saved{Notice: problemCalendarRemoved("cal-5")}
	svc = h.restart(t)
	svc.Connect(context.Background())
	svc.CancelSignIn()
	if kept := h.store.current(); kept.Notice != nil {
		t.Fatalf("the notice outlived a new sign-in: %+v", kept)
	}
}

// A background helper started at login reads the status within
// StartSpread, not at once, so a fleet started together spreads its
// Retrieve Calendar requests (issue 14).
func TestRestartWithStartSpreadReadsWithinTheSpread(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-7", LastStatus: statusConnected, Setup: testSetup}
	h.calendars.calendars["cal-7"] = Calendar{ID: "cal-7", Status: statusConnected}
	var asked []time.Duration
	h.tweak = func(o *Options) {
		o.StartSpread = 10 * time.Minute
		o.Jitter = func(n time.Duration) time.Duration { asked = append(asked, n); return 7 * time.Minute }
	}

	timers := h.clock.Count()
	svc := h.start(t)
	first := h.clock.WaitForTimer(t, timers+1)
	if first.Wait != 7*time.Minute || len(asked) != 1 || asked[0] != 10*time.Minute {
		t.Fatalf("first poll after %v (jitter asked %v), want 7m drawn from the 10m spread", first.Wait, asked)
	}
	if n := h.calendars.getCount(); n != 0 {
		t.Fatalf("%d status reads at start, want none before the spread", n)
	}
	if st := svc.State(); st.Phase != PhaseConnected || st.Calendar == nil || st.Calendar.Status != statusConnected {
		t.Fatalf("before the first read: %s, want the saved status", describe(st))
	}

	h.clock.Fire(first)
	checked := formatTime(h.clock.Now())
	h.notes.waitFor(t, "status read at "+checked, func(s State) bool {
		return s.Calendar != nil && s.Calendar.CheckedAt == checked
	})
	if next := h.clock.WaitForTimer(t, timers+2); next.Wait != DefaultStatusPollInterval {
		t.Errorf("poll after the first read scheduled after %v, want %v", next.Wait, DefaultStatusPollInterval)
	}
	if n := h.calendars.getCount(); n != 1 {
		t.Errorf("%d status reads, want 1", n)
	}
}

// A calendar last seen "connecting" is read at once whatever the spread:
// the person may be waiting for it.
func TestRestartWithStartSpreadStillReadsConnectingAtOnce(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, CalendarID: "cal-7", LastStatus: statusConnecting, Setup: testSetup}
	h.calendars.calendars["cal-7"] = Calendar{ID: "cal-7", Status: statusConnected}
	h.tweak = func(o *Options) {
		o.StartSpread = 10 * time.Minute
		o.Jitter = func(time.Duration) time.Duration { t.Error("jitter drawn for a connecting calendar"); return 0 }
	}
	h.start(t)
	h.notes.waitFor(t, "status read at start", func(s State) bool {
		return s.Calendar != nil && s.Calendar.Status == statusConnected && s.Calendar.CheckedAt != ""
	})
}
