package connect

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestConnectHappyPath(t *testing.T) {
	h := newHarness(t)
	var tokenStoredFirst, pendingSavedFirst, keySavedFirst bool
	h.calendars.beforeRegister = func(in Registration) {
		// The token must be safe and the pending connection recorded
		// before Recall is called, with the create's key.
		tok, ok := h.secrets.token(aliceKey)
		tokenStoredFirst = ok && tok == aliceToken
		cur := h.store.current()
		pendingSavedFirst = cur.Pending && cur.Account == aliceEmail && cur.Operation == operationConnect
		keySavedFirst = len(cur.CreateKey) == 32 && in.CreateKey == cur.CreateKey && cur.CreateKeyAt.Equal(h.clock.Now())
	}
	svc := h.start(t)

	st := svc.Connect(context.Background())
	if st.Phase != PhaseSigningIn || st.SignIn == nil {
		t.Fatalf("Connect returned %s, want signing_in with sign-in data", describe(st))
	}
	attempt := h.auth.last(t)
	if st.SignIn.StartURL != attempt.url || !st.SignIn.BrowserOpened {
		t.Errorf("sign-in state = %+v, want start URL %s opened", *st.SignIn, attempt.url)
	}
	if want := formatTime(attempt.expiresAt); st.SignIn.ExpiresAt != want {
		t.Errorf("ExpiresAt = %q, want %q", st.SignIn.ExpiresAt, want)
	}
	if got := h.browser.openedURLs(); len(got) != 1 || got[0] != attempt.url {
		t.Errorf("browser opened %v, want [%s]", got, attempt.url)
	}
	if got := h.notes.waitingURLs(); len(got) != 1 || got[0] != attempt.url {
		t.Errorf("SignInWaiting got %v, want [%s]", got, attempt.url)
	}

	attempt.succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "phase is registering", phaseIs(PhaseRegistering))
	st = h.notes.waitFor(t, "phase is connected", phaseIs(PhaseConnected))

	if st.Account != aliceEmail || st.Calendar == nil || st.Calendar.ID != "cal-1" || st.Calendar.Status != statusConnecting {
		t.Fatalf("connected state = %s", describe(st))
	}
	if st.Busy || st.Problem != nil || st.SignIn != nil {
		t.Errorf("connected state should be calm: %s", describe(st))
	}
	if !tokenStoredFirst {
		t.Error("the refresh token was not in the keychain before registering with Recall")
	}
	if !pendingSavedFirst {
		t.Error("the pending connection was not saved before registering with Recall")
	}
	if !keySavedFirst {
		t.Error("the create's Idempotency-Key was not saved before registering with Recall")
	}
	reg := h.calendars.lastRegistration(t)
	if reg.KnownID != "" || reg.Email != aliceEmail {
		t.Errorf("registration KnownID=%q Email=%q, want new calendar for %s", reg.KnownID, reg.Email, aliceEmail)
	}
	if reg.RefreshToken != aliceToken {
		t.Error("registration did not carry the token from the sign-in")
	}
	saved := h.store.current()
	want := Saved{Account: aliceEmail, ObjectID: "oid-1", TenantID: "tenant-1", CalendarID: "cal-1", LastStatus: statusConnecting, Since: saved.Since, Setup: testSetup}
	if saved != want || saved.Since.IsZero() {
		t.Errorf("saved = %+v, want %+v with Since set", saved, want)
	}
	if !attempt.wasCancelled() {
		t.Error("the finished attempt was not closed (its port stays open)")
	}
}

func TestSecondConnectWhileSigningInStartsNothing(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)

	first := svc.Connect(context.Background())
	second := svc.Connect(context.Background())

	if h.auth.begins() != 1 {
		t.Fatalf("Begin called %d times, want 1", h.auth.begins())
	}
	if len(h.browser.openedURLs()) != 1 {
		t.Errorf("browser opened %d times, want 1", len(h.browser.openedURLs()))
	}
	if second.Phase != PhaseSigningIn || second.SignIn == nil || second.SignIn.StartURL != first.SignIn.StartURL {
		t.Errorf("second Connect returned %s, want the current signing_in state", describe(second))
	}
	if svc.Reconnect(context.Background()).Phase != PhaseSigningIn || h.auth.begins() != 1 {
		t.Error("Reconnect during a sign-in started something")
	}
}

func TestConnectWhileRegisteringStartsNothing(t *testing.T) {
	h := newHarness(t)
	entered, release := make(chan struct{}), make(chan struct{})
	h.calendars.beforeRegister = func(Registration) {
		close(entered)
		<-release
	}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	<-entered

	st := svc.Connect(context.Background())
	if st.Phase != PhaseRegistering || !st.Busy {
		t.Errorf("Connect while registering returned %s, want the busy registering state", describe(st))
	}
	if st := svc.CancelSignIn(); st.Phase != PhaseRegistering {
		t.Errorf("CancelSignIn while registering returned %s, want registering unchanged", describe(st))
	}
	if h.auth.begins() != 1 {
		t.Errorf("Begin called %d times, want 1", h.auth.begins())
	}
	close(release)
	h.notes.waitFor(t, "phase is connected", phaseIs(PhaseConnected))
}

func TestBrowserFailsToOpenFlowContinues(t *testing.T) {
	h := newHarness(t)
	h.browser.setErr(errors.New("no browser"))
	svc := h.start(t)

	st := svc.Connect(context.Background())
	if st.Phase != PhaseSigningIn || st.SignIn == nil || st.SignIn.BrowserOpened {
		t.Fatalf("Connect returned %s, want signing_in with BrowserOpened=false", describe(st))
	}
	if st.Problem != nil {
		t.Errorf("a browser that does not open is not an error, got problem %s", st.Problem.Code)
	}

	// Open again works once a browser is available, on the same URL.
	h.browser.setErr(nil)
	again := svc.OpenSignInAgain()
	if !again.SignIn.BrowserOpened || again.SignIn.StartURL != st.SignIn.StartURL {
		t.Errorf("OpenSignInAgain returned %s", describe(again))
	}
	if got := h.browser.openedURLs(); len(got) != 2 || got[0] != got[1] {
		t.Errorf("browser opened %v, want the same URL twice", got)
	}
	if h.auth.begins() != 1 {
		t.Errorf("OpenSignInAgain started a new sign-in")
	}

	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "phase is connected", phaseIs(PhaseConnected))
}

func TestSignInErrorsReturnToIdleWithProblem(t *testing.T) {
	for _, code := range []string{"msauth.cancelled_in_browser", "msauth.admin_approval_required", "msauth.timed_out"} {
		t.Run(code, func(t *testing.T) {
			h := newHarness(t)
			svc := h.start(t)
			svc.Connect(context.Background())
			attempt := h.auth.last(t)
			attempt.fail(fakeProblem(code, true))

			st := h.notes.waitFor(t, "phase is idle", phaseIs(PhaseIdle))
			if problemCode(st) != code || st.Busy || st.SignIn != nil {
				t.Errorf("state = %s, want idle with problem %s", describe(st), code)
			}
			if h.calendars.registrationCount() != 0 || h.secrets.count() != 0 || len(h.store.savedHistory()) != 0 {
				t.Error("a failed sign-in wrote something")
			}
			if !attempt.wasCancelled() {
				t.Error("the failed attempt was not closed")
			}
			// The person can try again.
			if st := svc.Connect(context.Background()); st.Phase != PhaseSigningIn {
				t.Errorf("Connect after a failed sign-in returned %s", describe(st))
			}
		})
	}
}

func TestSignInBackstopTimeout(t *testing.T) {
	h := newHarness(t)
	h.tweak = func(o *Options) { o.SignInTimeout = time.Nanosecond }
	svc := h.start(t)
	svc.Connect(context.Background())

	st := h.notes.waitFor(t, "phase is idle", phaseIs(PhaseIdle))
	if problemCode(st) != "connect.signin_timed_out" {
		t.Errorf("state = %s, want the sign-in timeout problem", describe(st))
	}
}

func TestBeginFailsShowsProblem(t *testing.T) {
	h := newHarness(t)
	h.auth.beginErr = fakeProblem("msauth.port_unavailable", true)
	svc := h.start(t)

	st := svc.Connect(context.Background())
	if st.Phase != PhaseIdle || problemCode(st) != "msauth.port_unavailable" {
		t.Errorf("Connect returned %s, want idle with the Begin problem", describe(st))
	}
	if len(h.browser.openedURLs()) != 0 {
		t.Error("the browser was opened although no sign-in started")
	}
}

func TestKeychainSaveFailsNothingRegistered(t *testing.T) {
	h := newHarness(t)
	h.secrets.saveErr = fakeProblem("vault.unavailable", false)
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))

	st := h.notes.waitFor(t, "back to idle", phaseIs(PhaseIdle))
	if problemCode(st) != "vault.unavailable" {
		t.Errorf("state = %s, want idle with vault.unavailable", describe(st))
	}
	if h.calendars.registrationCount() != 0 {
		t.Error("registered with Recall although the token could not be kept")
	}
	if len(h.store.savedHistory()) != 0 {
		t.Errorf("saved state although the token could not be kept: %+v", h.store.savedHistory())
	}
}

func TestRegisterFailsThenFinishConnecting(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true)}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))

	st := h.notes.waitFor(t, "phase is finish_pending", phaseIs(PhaseFinishPending))
	if problemCode(st) != "recall.unavailable" || st.Account != aliceEmail || st.Busy {
		t.Errorf("state = %s, want finish_pending with the Recall problem", describe(st))
	}
	if tok, _ := h.secrets.token(aliceKey); tok != aliceToken {
		t.Error("the token was not kept after the failed registration")
	}
	if cur := h.store.current(); !cur.Pending || cur.Account != aliceEmail {
		t.Errorf("saved = %+v, want pending for %s", cur, aliceEmail)
	}

	st = svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar == nil || st.Calendar.ID != "cal-1" || st.Problem != nil {
		t.Fatalf("FinishConnecting returned %s, want connected", describe(st))
	}
	if h.auth.begins() != 1 {
		t.Errorf("FinishConnecting started a new sign-in (%d sign-ins)", h.auth.begins())
	}
	if h.calendars.registrationCount() != 2 || h.calendars.lastRegistration(t).RefreshToken != aliceToken {
		t.Error("FinishConnecting did not register again with the token from the keychain")
	}
	if cur := h.store.current(); cur.Pending || cur.CalendarID != "cal-1" || cur.Operation != "" {
		t.Errorf("saved = %+v, want the registered calendar", cur)
	}
}

func TestFinishConnectingFailsAgainKeepsEverything(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true), errors.New("connection reset")}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "phase is finish_pending", phaseIs(PhaseFinishPending))

	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseFinishPending || problemCode(st) != "unexpected" {
		t.Fatalf("FinishConnecting returned %s, want finish_pending with a problem", describe(st))
	}
	if tok, _ := h.secrets.token(aliceKey); tok != aliceToken {
		t.Error("the token was lost after a second failure")
	}
	if cur := h.store.current(); !cur.Pending {
		t.Errorf("saved = %+v, want still pending", cur)
	}

	if st := svc.FinishConnecting(context.Background()); st.Phase != PhaseConnected {
		t.Errorf("third try returned %s, want connected", describe(st))
	}
	if h.auth.begins() != 1 {
		t.Errorf("%d sign-ins, want 1", h.auth.begins())
	}
}

func TestFinishConnectingKeychainLockedKeepsPending(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true)}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "phase is finish_pending", phaseIs(PhaseFinishPending))

	h.secrets.set(func(f *fakeSecrets) { f.loadErr = fakeProblem("vault.unavailable", true) })
	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseFinishPending || problemCode(st) != "vault.unavailable" {
		t.Errorf("FinishConnecting returned %s, want finish_pending with vault.unavailable", describe(st))
	}
	if h.calendars.registrationCount() != 1 {
		t.Error("registered without a token")
	}
	if cur := h.store.current(); !cur.Pending {
		t.Errorf("saved = %+v, want still pending", cur)
	}
}

func TestFinishConnectingWithoutTokenAsksToConnectAgain(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{fakeProblem("recall.unavailable", true)}
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "phase is finish_pending", phaseIs(PhaseFinishPending))

	h.secrets.set(func(f *fakeSecrets) { delete(f.tokens, aliceKey) })
	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseIdle || problemCode(st) != "connect.signin_missing" {
		t.Errorf("FinishConnecting returned %s, want idle with connect.signin_missing", describe(st))
	}
	if cur := h.store.current(); cur != (Saved{}) {
		t.Errorf("saved = %+v, want cleared", cur)
	}
}

func TestCancelSignInReturnsWithoutProblem(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	svc.Connect(context.Background())
	attempt := h.auth.last(t)

	st := svc.CancelSignIn()
	if st.Phase != PhaseIdle || st.Problem != nil || st.SignIn != nil {
		t.Errorf("CancelSignIn returned %s, want idle without a problem", describe(st))
	}
	if !attempt.wasCancelled() {
		t.Error("the attempt was not cancelled")
	}
	// A late result of the cancelled attempt is dropped.
	attempt.succeed(aliceSignIn(aliceToken))

	st = svc.Connect(context.Background())
	if st.Phase != PhaseSigningIn || h.auth.begins() != 2 {
		t.Fatalf("Connect after cancel returned %s", describe(st))
	}
	svc.CancelSignIn()
	if h.calendars.registrationCount() != 0 || h.secrets.count() != 0 {
		t.Error("a cancelled sign-in kept a token or registered")
	}
}

func TestCloseCancelsSignIn(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	svc.Connect(context.Background())
	attempt := h.auth.last(t)
	svc.Close()
	if !attempt.wasCancelled() {
		t.Error("Close did not cancel the sign-in")
	}
	if st := svc.Connect(context.Background()); st.Phase != PhaseSigningIn || h.auth.begins() != 1 {
		t.Errorf("Connect after Close started a sign-in")
	}
}

func TestReconnectKeepsCalendarIDAndReplacesToken(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.transition(id, statusDisconnected, "AADSTS700082: refresh token expired", testEpoch.Add(30*time.Minute))
	if st := svc.RefreshStatus(context.Background()); st.Calendar.Status != statusDisconnected {
		t.Fatalf("RefreshStatus returned %s, want disconnected", describe(st))
	}

	st := svc.Reconnect(context.Background())
	if st.Phase != PhaseSigningIn {
		t.Fatalf("Reconnect returned %s, want signing_in", describe(st))
	}
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	st = h.notes.waitFor(t, "connected again after reconnect", func(s State) bool {
		return s.Phase == PhaseConnected && s.Calendar != nil && s.Calendar.Status == statusConnecting
	})

	if st.Calendar.ID != id {
		t.Errorf("calendar id changed from %s to %s", id, st.Calendar.ID)
	}
	reg := h.calendars.lastRegistration(t)
	if reg.KnownID != id {
		t.Errorf("reconnect registered with KnownID %q, want %q (PATCH)", reg.KnownID, id)
	}
	if reg.RefreshToken != aliceToken2 {
		t.Error("reconnect did not send the new token")
	}
	if tok, _ := h.secrets.token(aliceKey); tok != aliceToken2 {
		t.Error("the keychain does not hold the new token")
	}
	if h.calendars.created != 1 {
		t.Errorf("%d calendars created, want 1", h.calendars.created)
	}
	if cur := h.store.current(); cur.CalendarID != id || cur.Pending {
		t.Errorf("saved = %+v", cur)
	}
}

func TestReconnectFailuresReturnToConnected(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(h *harness)
		finish  func(a *fakeAttempt)
		problem string
	}{
		{"sign-in error", nil, func(a *fakeAttempt) { a.fail(fakeProblem("msauth.access_denied", true)) }, "msauth.access_denied"},
		{"keychain fails", func(h *harness) {
			h.secrets.set(func(f *fakeSecrets) { f.saveErr = fakeProblem("vault.unavailable", false) })
		}, func(a *fakeAttempt) { a.succeed(aliceSignIn(aliceToken2)) }, "vault.unavailable"},
		{"other account", nil, func(a *fakeAttempt) {
			a.succeed(SignedIn{RefreshToken: aliceToken2, Email: "bob@contoso.com"})
		}, "connect.other_account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			svc := h.start(t)
			id := h.connectAlice(t)
			registrations := h.calendars.registrationCount()
			if tc.setup != nil {
				tc.setup(h)
			}
			svc.Reconnect(context.Background())
			tc.finish(h.auth.last(t))

			st := h.notes.waitFor(t, "back to connected", phaseIs(PhaseConnected))
			if problemCode(st) != tc.problem || st.Calendar == nil || st.Calendar.ID != id {
				t.Errorf("state = %s, want connected to %s with %s", describe(st), id, tc.problem)
			}
			if h.calendars.registrationCount() != registrations {
				t.Error("registered although the reconnect failed")
			}
			if tok, _ := h.secrets.token(aliceKey); tok != aliceToken {
				t.Error("the old token was replaced although the reconnect failed")
			}
		})
	}
}

func TestReconnectCancelledReturnsToConnected(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	svc.Reconnect(context.Background())

	st := svc.CancelSignIn()
	if st.Phase != PhaseConnected || st.Problem != nil || st.Calendar == nil || st.Calendar.ID != id {
		t.Errorf("CancelSignIn returned %s, want connected without a problem", describe(st))
	}
}

func TestNewRequiresPorts(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New with no ports succeeded")
	}
}

func TestSaveFailureDoesNotLoseTheConnection(t *testing.T) {
	h := newHarness(t)
	h.store.saveErr = fakeProblem("store.unwritable", false)
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))

	st := h.notes.waitFor(t, "connected", phaseIs(PhaseConnected))
	if problemCode(st) != "store.unwritable" || st.Calendar == nil || st.Calendar.ID != "cal-1" {
		t.Errorf("state = %s, want connected to cal-1 with the store problem", describe(st))
	}
	if tok, _ := h.secrets.token(aliceKey); tok != aliceToken {
		t.Error("the token was not kept")
	}
}

func TestReconnectOfCalendarDeletedInRecallRegistersAnew(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	// Deleted in Recall after our last read: the PATCH finds nothing.
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) })

	svc.Reconnect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	st := h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
	if problemCode(st) != codeRecallNotFound {
		t.Fatalf("state = %s, want finish_pending with %s", describe(st), codeRecallNotFound)
	}
	if cur := h.store.current(); cur.CalendarID != "" || !cur.Pending {
		t.Errorf("saved = %+v, want pending without the deleted calendar id", cur)
	}

	st = svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar.ID == id || h.calendars.lastRegistration(t).KnownID != "" {
		t.Errorf("FinishConnecting returned %s, want a new calendar", describe(st))
	}
}

func TestFinishPendingReconnectWithoutTokenKeepsCalendar(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { f.registerErrs = []error{fakeProblem("recall.unavailable", true)} })
	svc.Reconnect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
	h.secrets.set(func(f *fakeSecrets) { delete(f.tokens, aliceKey) })

	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar == nil || st.Calendar.ID != id || problemCode(st) != "connect.signin_missing" {
		t.Errorf("FinishConnecting returned %s, want connected to %s asking to reconnect", describe(st), id)
	}
	if cur := h.store.current(); cur.CalendarID != id || cur.Pending {
		t.Errorf("saved = %+v, want the calendar kept and not pending", cur)
	}
}
