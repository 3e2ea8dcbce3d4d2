package connect

import (
	"context"
	"testing"
)

func TestDisconnectDeletesThenWipesLocal(t *testing.T) {
	h := newHarness(t)
	var intentSavedFirst bool
	h.calendars.beforeDelete = func(string) {
		intentSavedFirst = h.store.current().Operation == operationDisconnect
	}
	svc := h.start(t)
	id := h.connectAlice(t)

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseIdle || st.Problem != nil || st.Calendar != nil || st.Account != "" {
		t.Fatalf("Disconnect returned %s, want a clean idle", describe(st))
	}
	h.notes.waitFor(t, "disconnecting shown", phaseIs(PhaseDisconnecting))
	if !intentSavedFirst {
		t.Error("the disconnect was not recorded before calling Recall")
	}
	if h.calendars.exists(id) {
		t.Error("the calendar was not deleted in Recall")
	}
	if h.secrets.count() != 0 {
		t.Error("the token was left in the keychain")
	}
	if cur := h.store.current(); cur != (Saved{}) {
		t.Errorf("saved = %+v, want cleared", cur)
	}
}

func TestDisconnectRecallDownThenRemoveFromThisComputer(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { f.deleteErr = fakeProblem("recall.unreachable", true) })

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseDisconnectFailed || problemCode(st) != "recall.unreachable" || st.Busy {
		t.Fatalf("Disconnect returned %s, want disconnect_failed with the Recall problem", describe(st))
	}
	if st.Calendar == nil || st.Calendar.ID != id {
		t.Errorf("the failed screen lost the calendar: %s", describe(st))
	}
	if _, ok := h.secrets.token(aliceKey); !ok {
		t.Error("the token was wiped although Recall was not told")
	}
	if cur := h.store.current(); cur.CalendarID != id || cur.Operation != operationDisconnect {
		t.Errorf("saved = %+v, want the calendar and the disconnect intent kept", cur)
	}

	st = svc.RemoveFromThisComputer(context.Background())
	if st.Phase != PhaseIdle || problemCode(st) != "connect.removed_locally" || !st.Problem.ForAdmin {
		t.Fatalf("RemoveFromThisComputer returned %s, want idle with connect.removed_locally", describe(st))
	}
	if v, _ := st.Problem.Detail("Calendar ID"); v != id {
		t.Errorf("details lack the calendar id: %+v", st.Problem.Details)
	}
	if v, _ := st.Problem.Detail("Disconnect error"); v != "recall.unreachable" {
		t.Errorf("details lack the disconnect error: %+v", st.Problem.Details)
	}
	if h.secrets.count() != 0 {
		t.Error("the token was left in the keychain")
	}
	if cur := h.store.current(); cur != (Saved{}) {
		t.Errorf("saved = %+v, want cleared", cur)
	}
	if !h.calendars.exists(id) {
		t.Error("the fake calendar should still exist in Recall")
	}
}

func TestDisconnectRetrySucceeds(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { f.deleteErr = fakeProblem("recall.unreachable", true) })
	if st := svc.Disconnect(context.Background()); st.Phase != PhaseDisconnectFailed {
		t.Fatalf("Disconnect returned %s", describe(st))
	}

	h.calendars.set(func(f *fakeCalendars) { f.deleteErr = nil })
	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseIdle || st.Problem != nil {
		t.Fatalf("retry returned %s, want a clean idle", describe(st))
	}
	if h.calendars.exists(id) || h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Error("the retry did not finish the disconnect")
	}
}

func TestDisconnectCalendarAlreadyGoneCountsAsSuccess(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) })

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseIdle || st.Problem != nil {
		t.Errorf("Disconnect returned %s, want a clean idle", describe(st))
	}
	if h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Error("local state was not wiped")
	}
}

func TestDisconnectFromFinishPendingForgetsSignIn(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true)}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseIdle || st.Problem != nil {
		t.Errorf("Disconnect returned %s, want a clean idle", describe(st))
	}
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.deletes) != 0 {
			t.Errorf("Delete called %v without a calendar", f.deletes)
		}
	})
	if h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Error("the pending sign-in was not forgotten")
	}
}

func TestActionsNotOfferedAreIgnored(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	for name, call := range map[string]func() State{
		"Disconnect":             func() State { return svc.Disconnect(context.Background()) },
		"RemoveFromThisComputer": func() State { return svc.RemoveFromThisComputer(context.Background()) },
		"FinishConnecting":       func() State { return svc.FinishConnecting(context.Background()) },
		"Reconnect":              func() State { return svc.Reconnect(context.Background()) },
		"CancelSignIn":           svc.CancelSignIn,
		"OpenSignInAgain":        svc.OpenSignInAgain,
		"RefreshStatus":          func() State { return svc.RefreshStatus(context.Background()) },
	} {
		if st := call(); st.Phase != PhaseIdle || st.Busy {
			t.Errorf("%s on the Connect screen returned %s", name, describe(st))
		}
	}
	if h.auth.begins() != 0 || len(h.store.savedHistory()) != 0 || h.calendars.getCount() != 0 {
		t.Error("an action that is not offered did something")
	}
}

func TestDismissProblem(t *testing.T) {
	h := newHarness(t)
	h.auth.beginErr = fakeProblem("msauth.port_unavailable", true)
	svc := h.start(t)
	if st := svc.Connect(context.Background()); st.Problem == nil {
		t.Fatal("no problem to dismiss")
	}
	if st := svc.DismissProblem(); st.Problem != nil || st.Phase != PhaseIdle {
		t.Errorf("DismissProblem returned %s", describe(st))
	}
	h.notes.waitFor(t, "problem gone", func(s State) bool { return s.Problem == nil })
}
