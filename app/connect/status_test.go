package connect

import (
	"context"
	"testing"
	"time"
)

func TestPollingBacksOffWhileConnectingThenSettles(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)

	// Recall says "connecting": polls at 2s, 4s, 8s, 16s, 30s, 30s. The
	// first poll was scheduled on entering the Connected screen.
	timers := h.clock.Count()
	for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second} {
		timer := h.clock.WaitForTimer(t, timers+i)
		if timer.Wait != want {
			t.Fatalf("poll %d scheduled after %v, want %v", i+1, timer.Wait, want)
		}
		gets := h.calendars.getCount()
		h.clock.Fire(timer)
		checked := formatTime(h.clock.Now())
		h.notes.waitFor(t, "status read at "+checked, func(s State) bool {
			return s.Calendar != nil && s.Calendar.CheckedAt == checked
		})
		if h.calendars.getCount() != gets+1 {
			t.Fatalf("poll %d made %d reads, want 1", i+1, h.calendars.getCount()-gets)
		}
	}

	// Recall finishes connecting: the next poll shows it and the gap
	// becomes the slow one.
	connectedAt := h.clock.Now().Add(-time.Second)
	h.calendars.transition(id, statusConnected, "", connectedAt)
	timer := h.clock.WaitForTimer(t, timers+6)
	h.clock.Fire(timer)
	st := h.notes.waitFor(t, "status connected", func(s State) bool {
		return s.Calendar != nil && s.Calendar.Status == statusConnected
	})
	if st.Calendar.Since != formatTime(connectedAt) {
		t.Errorf("Since = %q, want the newest status change %q", st.Calendar.Since, formatTime(connectedAt))
	}
	if st.Calendar.LastChange == nil || st.Calendar.LastChange.Status != statusConnected {
		t.Errorf("LastChange = %+v, want the connected entry", st.Calendar.LastChange)
	}
	if timer := h.clock.WaitForTimer(t, timers+7); timer.Wait != 5*time.Minute {
		t.Errorf("poll after connecting scheduled after %v, want 5m", timer.Wait)
	}
	if cur := h.store.current(); cur.LastStatus != statusConnected || !cur.Since.Equal(connectedAt) {
		t.Errorf("saved = %+v, want the new status remembered", cur)
	}
	if svc.State().Phase != PhaseConnected {
		t.Error("polling changed the phase")
	}
}

func TestPollingNetworkErrorKeepsLastStatusSilently(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.connectAlice(t)
	before := svc.State()

	h.calendars.set(func(f *fakeCalendars) { f.getErr = fakeProblem("recall.unreachable", true) })
	timers := h.clock.Count()
	h.clock.Fire(h.clock.WaitForTimer(t, timers))
	// The failed poll schedules the next one, then the screen is unchanged.
	h.clock.WaitForTimer(t, timers+1)
	after := svc.State()
	if after.Problem != nil || after.Calendar.CheckedAt != before.Calendar.CheckedAt || after.Calendar.Status != before.Calendar.Status {
		t.Errorf("a failed poll changed the screen: before %s, after %s", describe(before), describe(after))
	}
	if h.calendars.getCount() != 1 {
		t.Errorf("%d reads, want 1", h.calendars.getCount())
	}

	// An explicit refresh shows the problem, and a later success clears it.
	st := svc.RefreshStatus(context.Background())
	if problemCode(st) != "recall.unreachable" || st.Phase != PhaseConnected || st.Calendar.CheckedAt != before.Calendar.CheckedAt {
		t.Errorf("RefreshStatus returned %s, want connected with the problem and the old CheckedAt", describe(st))
	}
	h.calendars.set(func(f *fakeCalendars) { f.getErr = nil })
	if st := svc.RefreshStatus(context.Background()); st.Problem != nil {
		t.Errorf("a successful refresh kept the stale problem: %s", describe(st))
	}
}

func TestFocusRefreshIsRateLimited(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.connectAlice(t) // registering counts as a read

	svc.WindowFocused(context.Background())
	if h.calendars.getCount() != 0 {
		t.Fatalf("focus right after registering read the status (%d reads)", h.calendars.getCount())
	}
	h.clock.Advance(29 * time.Second)
	svc.WindowFocused(context.Background())
	if h.calendars.getCount() != 0 {
		t.Fatalf("focus 29s after the last read read the status")
	}
	h.clock.Advance(2 * time.Second)
	st := svc.WindowFocused(context.Background())
	if h.calendars.getCount() != 1 || st.Calendar.CheckedAt != formatTime(h.clock.Now()) {
		t.Fatalf("focus 31s after the last read: %d reads, state %s", h.calendars.getCount(), describe(st))
	}
	svc.WindowFocused(context.Background())
	if h.calendars.getCount() != 1 {
		t.Errorf("a second focus right away read the status again")
	}
	// An explicit refresh is not rate-limited.
	svc.RefreshStatus(context.Background())
	if h.calendars.getCount() != 2 {
		t.Errorf("RefreshStatus was skipped")
	}
}

func TestFocusWhenNotConnectedDoesNothing(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	if st := svc.WindowFocused(context.Background()); st.Phase != PhaseIdle || h.calendars.getCount() != 0 {
		t.Errorf("focus on the Connect screen read a status")
	}
}

func TestCalendarDeletedInRecallDuringPoll(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) })

	h.clock.Fire(h.clock.WaitForTimer(t, h.clock.Count()))
	st := h.notes.waitFor(t, "back to idle", phaseIs(PhaseIdle))
	if problemCode(st) != "connect.calendar_removed" {
		t.Fatalf("state = %s, want idle with connect.calendar_removed", describe(st))
	}
	if v, _ := st.Problem.Detail("Calendar ID"); v != id {
		t.Errorf("problem details lack the calendar id: %+v", st.Problem.Details)
	}
	if _, ok := h.secrets.token(aliceKey); ok {
		t.Error("the token was kept for a calendar that no longer exists")
	}
	if cur := h.store.current(); cur != (Saved{Notice: st.Problem}) {
		t.Errorf("saved = %+v, want cleared but for the notice of this problem", cur)
	}
}

func TestDisconnectedStatusExplainsLikelyCause(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.transition(id, statusConnected, "", testEpoch.Add(2*time.Hour))
	h.calendars.transition(id, statusDisconnected, "invalid_grant: AADSTS65001 consent removed", testEpoch.Add(3*time.Hour))

	st := svc.RefreshStatus(context.Background())
	if st.Calendar.Status != statusDisconnected || st.Calendar.LikelyCause != causeConsentGone {
		t.Errorf("state = %s, want disconnected with the consent cause", describe(st))
	}
	if st.Calendar.LastChange == nil || st.Calendar.LastChange.Detail == "" || st.Calendar.Since != formatTime(testEpoch.Add(3*time.Hour)) {
		t.Errorf("newest status change not shown: %s", describe(st))
	}
	if st.Phase != PhaseConnected {
		t.Errorf("a disconnected calendar is still shown on the Connected screen, got %s", st.Phase)
	}
}

func TestLikelyCause(t *testing.T) {
	cases := []struct {
		detail string
		want   string
	}{
		{"AADSTS70008: The provided authorization code or refresh token has expired", causeSignInExpired},
		{"invalid_grant AADSTS700082: inactive for 90 days", causeSignInExpired},
		{"aadsts50173 grant revoked", causeSignInExpired},
		{"invalid_grant", causeSignInExpired},
		{"bad_refresh_token", causeSignInExpired},
		{"invalid_grant: AADSTS65001 DelegationDoesNotExist", causeConsentGone},
		{"consent_required", causeConsentGone},
		{"invalid_client AADSTS7000215: Invalid client secret provided", causeAppCredential},
		{"AADSTS7000222: client secret keys expired", causeAppCredential},
		{"invalid_client", causeAppCredential},
		{"interaction_required", causeExtraStep},
		{"AADSTS53003: blocked by Conditional Access", causeExtraStep},
		{"invalid_scope", causeScope},
		{"AADSTS50057: user account is disabled", causeAccount},
		{"AADSTS99999 something new", causeUnknown},
		{"", causeUnknown},
	}
	for _, tc := range cases {
		if got := likelyCause(tc.detail); got != tc.want {
			t.Errorf("likelyCause(%q) = %q, want %q", tc.detail, got, tc.want)
		}
	}
}

func TestCalendarViewSortsStatusChanges(t *testing.T) {
	t0 := testEpoch
	cal := Calendar{
		ID:     "cal-9",
		Status: statusDisconnected,
		StatusChanges: []StatusChange{
			{Status: statusDisconnected, CreatedAt: t0.Add(2 * time.Hour), Detail: "AADSTS70008"},
			{Status: statusConnecting, CreatedAt: t0},
			{Status: statusConnected, CreatedAt: t0.Add(time.Hour)},
		},
	}
	view, since := calendarView(cal, t0.Add(3*time.Hour), Saved{})
	if !since.Equal(t0.Add(2*time.Hour)) || view.LastChange.Status != statusDisconnected || view.LikelyCause != causeSignInExpired {
		t.Errorf("view = %+v (since %v), want the newest entry used", view, since)
	}
	if view.CauseForAdmin {
		t.Error("an expired sign-in is the person's to fix (Reconnect), not IT's")
	}
	// An expired app secret is IT's: reconnecting cannot fix it.
	cal.StatusChanges = append(cal.StatusChanges, StatusChange{Status: statusDisconnected, CreatedAt: t0.Add(4 * time.Hour), Detail: "invalid_client: AADSTS7000222"})
	if view, _ = calendarView(cal, t0.Add(5*time.Hour), Saved{}); view.LikelyCause != causeAppCredential || !view.CauseForAdmin {
		t.Errorf("view = %+v, want the app-secret cause marked for IT", view)
	}

	// Without history, Since falls back to what was saved for that status.
	savedSince := t0.Add(-time.Hour)
	view, _ = calendarView(Calendar{ID: "cal-9", Status: statusConnected}, t0, Saved{CalendarID: "cal-9", LastStatus: statusConnected, Since: savedSince})
	if view.Since != formatTime(savedSince) || view.LastChange != nil {
		t.Errorf("view = %+v, want Since from Saved", view)
	}
}
