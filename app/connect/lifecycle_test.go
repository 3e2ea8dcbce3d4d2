package connect

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file follow issue 12: the calendar's whole life without
// a duplicate, an orphan or a dead end.

// signInPending connects Alice with every create answer lost, so the
// connection waits on the Finish connecting screen while Recall has made
// the calendar.
func (h *harness) signInPending(t *testing.T) {
	t.Helper()
	before := h.calendars.calendarCount()
	h.calendars.set(func(f *fakeCalendars) { f.loseCreates = 1 })
	h.svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
	if n := h.calendars.calendarCount(); n != before+1 {
		t.Fatalf("%d calendars in Recall after the lost answer, want %d", n, before+1)
	}
}

// Item 1: the create's key is kept with the pending connection, so Finish
// connecting replays the create Recall already did.
func TestLostCreateAnswerThenFinishConnectingMakesOneCalendar(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.signInPending(t)
	key := h.store.current().CreateKey
	if key == "" {
		t.Fatal("the pending connection has no create key")
	}

	h.clock.Advance(20 * time.Minute)
	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar == nil || st.Calendar.ID != "cal-1" {
		t.Fatalf("FinishConnecting returned %s, want connected to the calendar Recall made", describe(st))
	}
	if n := h.calendars.calendarCount(); n != 1 {
		t.Fatalf("%d calendars after Finish connecting, want exactly 1", n)
	}
	if reg := h.calendars.lastRegistration(t); reg.CreateKey != key || !reg.CreatedSince.IsZero() {
		t.Errorf("Finish connecting sent key %q since %v, want the saved key %q and no lookup", reg.CreateKey, reg.CreatedSince, key)
	}
	if cur := h.store.current(); cur.CreateKey != "" || cur.Pending || cur.CalendarID != "cal-1" {
		t.Errorf("saved = %+v, want the registered calendar and no key", cur)
	}
}

// Item 1: past Recall's replay window the key is retired, and the calendar
// made under it is looked up before anything new is created.
func TestFinishConnectingAfterTheReplayWindowLooksUpFirst(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.signInPending(t)
	first := h.store.current()

	h.clock.Advance(2 * time.Hour)
	h.calendars.set(func(f *fakeCalendars) { f.registerErrs = []error{fakeProblem("recall.unavailable", true)} })
	svc.FinishConnecting(context.Background())
	// The new key and the lookup time were saved before Recall was called.
	retired := h.store.current()
	if retired.CreateKey == first.CreateKey || retired.CreateKey == "" || !retired.LookupSince.Equal(first.CreateKeyAt) {
		t.Fatalf("after an old key: saved %+v, want a new key and LookupSince %v", retired, first.CreateKeyAt)
	}

	// And every try after that still looks up, even with the new key fresh.
	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar.ID != "cal-1" || h.calendars.calendarCount() != 1 {
		t.Fatalf("FinishConnecting returned %s with %d calendars, want the first calendar reused", describe(st), h.calendars.calendarCount())
	}
	reg := h.calendars.lastRegistration(t)
	if reg.CreateKey != retired.CreateKey || !reg.CreatedSince.Equal(first.CreateKeyAt.Add(-lookupMargin)) {
		t.Errorf("registration key %q since %v, want %q since %v", reg.CreateKey, reg.CreatedSince, retired.CreateKey, first.CreateKeyAt.Add(-lookupMargin))
	}
}

// A key minted for another Recall workspace cannot be replayed there.
func TestCreateKeyIsRenewedWhenTheWorkspaceChanged(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	h.signInPending(t)
	first := h.store.current()

	h.setup.RecallBaseURL = "https://eu-central-1.recall.ai"
	svc := h.restart(t)
	svc.FinishConnecting(context.Background())
	reg := h.calendars.lastRegistration(t)
	if reg.CreateKey == first.CreateKey || reg.CreatedSince.IsZero() {
		t.Errorf("registration after a new workspace: key reused=%v since %v", reg.CreateKey == first.CreateKey, reg.CreatedSince)
	}
}

// Items 1 and 3: Start over from Finish connecting looks the lost create's
// calendar up and deletes it, then forgets everything: nothing orphaned,
// nothing stored.
func TestStartOverDeletesWhatALostCreateMade(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.signInPending(t)
	minted := h.store.current().CreateKeyAt

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseIdle || st.Problem != nil {
		t.Fatalf("Start over returned %s, want a clean idle", describe(st))
	}
	if n := h.calendars.calendarCount(); n != 0 {
		t.Errorf("%d calendars left in Recall, want the lost create's deleted", n)
	}
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.finds) != 1 || f.finds[0].Email != aliceEmail || !f.finds[0].CreatedSince.Equal(minted.Add(-lookupMargin)) {
			t.Errorf("lookups %+v, want one for %s since the key was minted", f.finds, aliceEmail)
		}
	})
	if h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Errorf("after Start over: %d tokens, saved %+v; want nothing", h.secrets.count(), h.store.current())
	}
}

// Start over leaves alone an older calendar of the account: it belongs to
// another computer, not to this pending connection.
func TestStartOverKeepsOlderCalendarsOfTheAccount(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.calendars.set(func(f *fakeCalendars) {
		f.calendars["cal-elsewhere"] = Calendar{ID: "cal-elsewhere", Email: aliceEmail, Status: statusConnected, CreatedAt: testEpoch.Add(-24 * time.Hour)}
	})
	h.signInPending(t) // its own create is lost as well
	svc.Disconnect(context.Background())
	if !h.calendars.exists("cal-elsewhere") || h.calendars.calendarCount() != 1 {
		t.Errorf("Start over deleted the account's older calendar, or left its own (%d left)", h.calendars.calendarCount())
	}
}

// Item 3: when Recall cannot be asked, Start over is not a dead end: the
// person can try again or remove the sign-in from this computer only.
func TestStartOverWithRecallDownOffersRemoveLocally(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.signInPending(t)
	h.calendars.set(func(f *fakeCalendars) { f.findErr = fakeProblem("recall.unreachable", true) })

	st := svc.Disconnect(context.Background())
	if st.Phase != PhaseDisconnectFailed || problemCode(st) != "recall.unreachable" {
		t.Fatalf("Start over returned %s, want disconnect_failed", describe(st))
	}
	st = svc.RemoveFromThisComputer(context.Background())
	if st.Phase != PhaseIdle || problemCode(st) != "connect.removed_locally" {
		t.Fatalf("RemoveFromThisComputer returned %s", describe(st))
	}
	if h.secrets.count() != 0 || h.store.current() != (Saved{}) {
		t.Error("Remove from this computer left something stored")
	}
}

// Item 4: the account is oid+tid. A reconnect as another account with the
// same email (a personal account next to a work one) is refused.
func TestReconnectAsAnotherAccountIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   SignedIn
	}{
		{"same email, other oid", SignedIn{RefreshToken: aliceToken2, Email: aliceEmail, ObjectID: "oid-2", TenantID: "tenant-1"}},
		{"same oid, other tenant", SignedIn{RefreshToken: aliceToken2, Email: aliceEmail, ObjectID: "oid-1", TenantID: "9188040d-6c67-4c5b-b112-36a304b66dad"}},
		{"no oid", SignedIn{RefreshToken: aliceToken2, Email: aliceEmail}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			svc := h.start(t)
			id := h.connectAlice(t)
			registrations := h.calendars.registrationCount()
			svc.Reconnect(context.Background())
			h.auth.last(t).succeed(tc.in)

			st := h.notes.waitFor(t, "back to connected", phaseIs(PhaseConnected))
			if problemCode(st) != "connect.other_account" || st.Calendar.ID != id {
				t.Fatalf("state = %s, want connected with connect.other_account", describe(st))
			}
			if !strings.Contains(st.Problem.Message, "different Microsoft account that uses the same address") {
				t.Errorf("message %q does not explain the same address", st.Problem.Message)
			}
			if h.calendars.registrationCount() != registrations {
				t.Error("registered although it was another account")
			}
			if tok, _ := h.secrets.token(aliceKey); tok != aliceToken || h.secrets.count() != 1 {
				t.Errorf("keychain changed: %d entries", h.secrets.count())
			}
			if cur := h.store.current(); cur.ObjectID != "oid-1" || cur.CalendarID != id {
				t.Errorf("saved = %+v", cur)
			}
		})
	}
}

// Item 4: the keychain entry is keyed by the stable id, not the email.
func TestTokenIsKeyedByTheStableID(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	h.connectAlice(t)
	if _, ok := h.secrets.token(aliceKey); !ok || h.secrets.count() != 1 {
		t.Fatalf("keychain entries %d, want one under %s", h.secrets.count(), aliceKey)
	}
	if cur := h.store.current(); cur.ObjectID != "oid-1" || cur.TenantID != "tenant-1" || AccountKey(cur) != aliceKey {
		t.Errorf("saved = %+v", cur)
	}
}

// legacyConnected is a connection.json from before ids were kept: the
// token is under the email.
func legacyConnected(h *harness) {
	h.store.saved = Saved{Account: aliceEmail, TenantID: "tenant-1", CalendarID: "cal-old", LastStatus: statusConnecting}
	h.secrets.tokens[aliceEmail] = aliceToken
	h.calendars.calendars["cal-old"] = Calendar{ID: "cal-old", Email: aliceEmail, Status: statusConnecting}
}

// Item 4: an upgrade keeps the connection. The old entry is found by its
// email; a reconnect by the same email records the id and moves the token.
func TestUpgradeKeepsTheConnectionAndAdoptsTheID(t *testing.T) {
	h := newHarness(t)
	legacyConnected(h)
	svc := h.start(t)
	if st := svc.State(); st.Phase != PhaseConnected || st.Calendar.ID != "cal-old" || st.Account != aliceEmail {
		t.Fatalf("after the upgrade: %s, want the old connection", describe(st))
	}
	if got := h.store.current().Setup; got != (Setup{}) && got != testSetup {
		t.Errorf("setup %+v", got)
	}

	h.notes.waitFor(t, "status read", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt != "" })
	svc.Reconnect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	h.notes.waitFor(t, "reconnected", func(s State) bool { return s.Phase == PhaseConnected && !s.Busy && s.Problem == nil })
	if tok, ok := h.secrets.token(aliceKey); !ok || tok != aliceToken2 {
		t.Error("the new token is not under the stable id")
	}
	if _, ok := h.secrets.token(aliceEmail); ok {
		t.Error("the email-keyed entry was left behind")
	}
	if cur := h.store.current(); cur.ObjectID != "oid-1" || cur.CalendarID != "cal-old" {
		t.Errorf("saved = %+v, want the id recorded on the same calendar", cur)
	}
}

// Item 4: a pending connection saved before the upgrade still finishes,
// with the token stored under its email.
func TestUpgradedPendingConnectionFinishes(t *testing.T) {
	h := newHarness(t)
	h.store.saved = Saved{Account: aliceEmail, TenantID: "tenant-1", Pending: true}
	h.secrets.tokens[aliceEmail] = aliceToken
	svc := h.start(t)
	st := svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || h.calendars.lastRegistration(t).RefreshToken != aliceToken {
		t.Fatalf("FinishConnecting after the upgrade returned %s", describe(st))
	}
}

// Item 7: the refresh token stays only while a registration is pending;
// it is deleted once Recall reports the calendar connected, once.
func TestRefreshTokenDeletedOnceConnected(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	id := h.connectAlice(t)
	if _, ok := h.secrets.token(aliceKey); !ok {
		t.Fatal("the token was deleted while Recall was still connecting")
	}
	h.calendars.transition(id, statusConnected, "", h.clock.Now())
	st := svc.RefreshStatus(context.Background())
	if st.Calendar.Status != statusConnected {
		t.Fatalf("state %s", describe(st))
	}
	if h.secrets.count() != 0 {
		t.Fatal("the refresh token is still in the keychain after Recall reported connected")
	}
	if cur := h.store.current(); !cur.TokenCleared {
		t.Errorf("saved = %+v, want TokenCleared", cur)
	}
	// Later reads do not touch the keychain again.
	h.secrets.set(func(f *fakeSecrets) { f.deleteErr = fakeProblem("vault.unavailable", true) })
	h.clock.Advance(time.Minute)
	if st := svc.RefreshStatus(context.Background()); st.Problem != nil {
		t.Errorf("a later read: %s", describe(st))
	}
	if strings.Count(h.logs.String(), "connect.token_deleted") != 1 {
		t.Errorf("the token was deleted more than once:\n%s", h.logs.String())
	}
}

// Item 7: an upgraded install that still keeps a token drops it at the
// first read that says connected; a keychain that refuses is retried.
func TestUpgradedConnectedInstallDropsItsToken(t *testing.T) {
	h := newHarness(t)
	legacyConnected(h)
	h.calendars.calendars["cal-old"] = Calendar{ID: "cal-old", Email: aliceEmail, Status: statusConnected}
	h.secrets.deleteErr = fakeProblem("vault.locked", true)
	deletes := h.secrets.watchDeletes()
	svc := h.start(t)
	if key := waitDelete(t, deletes); key != aliceEmail {
		t.Fatalf("deleted %q, want the email-keyed entry", key)
	}
	if _, ok := h.secrets.token(aliceEmail); !ok || h.store.current().TokenCleared {
		t.Fatal("a refused delete was recorded as done")
	}
	h.secrets.set(func(f *fakeSecrets) { f.deleteErr = nil })
	svc.RefreshStatus(context.Background())
	if h.secrets.count() != 0 || !h.store.current().TokenCleared {
		t.Errorf("the legacy token was not deleted on the next read")
	}
}

// Item 7: a registration that Recall answers "connected" at once drops
// the token at once.
func TestRegisteredConnectedDropsTheTokenAtOnce(t *testing.T) {
	h := newHarness(t)
	h.calendars.connectAtOnce = true
	deletes := h.secrets.watchDeletes()
	svc := h.start(t)
	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	st := h.notes.waitFor(t, "connected", phaseIs(PhaseConnected))
	if st.Calendar.Status != statusConnected {
		t.Fatalf("state %s", describe(st))
	}
	if key := waitDelete(t, deletes); key != aliceKey || h.secrets.count() != 0 {
		t.Errorf("deleted %q, %d left; want %s deleted", key, h.secrets.count(), aliceKey)
	}
}

// Item 5: a 404 after IT changed the Recall settings is not a deletion:
// nothing is wiped, the person is asked to reconnect, and IT gets the old
// calendar's id and address.
func TestNotFoundAfterASettingsChangeKeepsTheConnection(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)

	h.setup.RecallBaseURL = "https://eu-central-1.recall.ai"
	h.setup.RecallKey = Fingerprint(FingerprintRecallKey, "recall-key-eu")
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) }) // the new region does not know it
	h.restart(t)

	st := h.notes.waitFor(t, "settings change shown", func(s State) bool { return s.Problem != nil })
	if st.Phase != PhaseConnected || problemCode(st) != "connect.settings_changed" || st.Calendar.Status != statusDisconnected || st.Calendar.LikelyCause != causeSettingsChanged {
		t.Fatalf("state = %s, want connected, disconnected, asking to reconnect", describe(st))
	}
	if v, _ := st.Problem.Detail("Previous Recall address"); v != "https://us-east-1.recall.ai" {
		t.Errorf("details %+v lack the old address", st.Problem.Details)
	}
	if v, _ := st.Problem.Detail("Calendar ID"); v != id {
		t.Errorf("details %+v lack the calendar id", st.Problem.Details)
	}
	if cur := h.store.current(); cur.CalendarID != id || cur.Account != aliceEmail {
		t.Errorf("saved = %+v, want the connection kept", cur)
	}
	if _, ok := h.secrets.token(aliceKey); !ok {
		t.Error("the token was wiped")
	}

	// Reconnect registers with the new settings (this fake answers the
	// PATCH of the old id with 404, so it takes Finish connecting).
	h.svc.Reconnect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
	st = h.svc.FinishConnecting(context.Background())
	if st.Phase != PhaseConnected || st.Calendar.ID == id {
		t.Fatalf("FinishConnecting returned %s, want a calendar with the new settings", describe(st))
	}
	if cur := h.store.current(); cur.Setup != h.setup || cur.CalendarID != st.Calendar.ID {
		t.Errorf("saved = %+v, want the new setup", cur)
	}
}

// Item 5: with the same settings, a 404 means the calendar was deleted in
// Recall, and the message says so plainly.
func TestNotFoundWithTheSameSettingsSaysDeleted(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) })
	h.setup.ClientSecret = testSetup.ClientSecret // nothing changed
	svc := h.restart(t)
	st := h.notes.waitFor(t, "idle", phaseIs(PhaseIdle))
	if problemCode(st) != "connect.calendar_removed" || !strings.Contains(st.Problem.Title, "deleted in Recall") {
		t.Fatalf("state = %s, want idle saying the calendar was deleted", describe(st))
	}
	// Nothing of the connection is kept: only the notice for a later start.
	if cur := h.store.current(); svc.State().Phase != PhaseIdle || cur != (Saved{Notice: cur.Notice}) || cur.Notice != st.Problem {
		t.Errorf("the deleted calendar was not forgotten: %+v", cur)
	}
}

// A new key for the same workspace (the calendar still answers) is simply
// recorded.
func TestNewKeyForTheSameWorkspaceIsAdopted(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	h.connectAlice(t)
	h.setup.RecallKey = Fingerprint(FingerprintRecallKey, "recall-key-2")
	h.restart(t)
	h.notes.waitFor(t, "status read", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt != "" })
	if cur := h.store.current(); cur.Setup.RecallKey != h.setup.RecallKey {
		t.Errorf("saved setup %+v, want the new key's fingerprint", cur.Setup)
	}
}

// Item 6: a rotated client secret is sent to Recall once, at start, and
// nobody signs in.
func TestRotatedSecretIsSentOnceWithoutSignIn(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)
	h.calendars.transition(id, statusDisconnected, "invalid_client: AADSTS7000222: client secret keys expired", h.clock.Now())

	h.setup.ClientSecret = Fingerprint(FingerprintClientSecret, "client-secret-2")
	h.restart(t)
	st := h.notes.waitFor(t, "status after the rotation", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt != "" })
	if st.Calendar.Status != statusConnecting || st.Problem != nil {
		t.Errorf("state = %s, want Recall reconnecting", describe(st))
	}
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.secretUpdates) != 1 || f.secretUpdates[0] != id {
			t.Errorf("secret updates %v, want one for %s", f.secretUpdates, id)
		}
	})
	if h.auth.begins() != 1 {
		t.Errorf("%d sign-ins, want only the first", h.auth.begins())
	}
	if cur := h.store.current(); cur.Setup.ClientSecret != h.setup.ClientSecret {
		t.Errorf("saved secret fingerprint %s, want the new one", cur.Setup.ClientSecret)
	}

	// Status is checked again afterwards (the poll), and a restart sends
	// nothing more.
	gets := h.calendars.getCount()
	h.clock.Fire(h.clock.WaitForTimer(t, h.clock.Count()))
	h.notes.waitFor(t, "status read again", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt == formatTime(h.clock.Now()) })
	if h.calendars.getCount() != gets+1 {
		t.Errorf("no status read after the PATCH")
	}
	svc := h.restart(t)
	h.notes.waitFor(t, "status read", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt != "" })
	svc.RefreshStatus(context.Background())
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.secretUpdates) != 1 {
			t.Errorf("%d secret updates after restarts, want 1", len(f.secretUpdates))
		}
	})
}

// Item 6: if Recall cannot take the new secret now, the next read tries
// again; and a secret for another Microsoft app is never sent.
func TestRotatedSecretRetriedAndNeverSentForAnotherApp(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	h.connectAlice(t)
	h.calendars.set(func(f *fakeCalendars) { f.updateSecretErr = fakeProblem("recall.unavailable", true) })
	h.setup.ClientSecret = Fingerprint(FingerprintClientSecret, "client-secret-2")
	svc := h.restart(t)
	h.notes.waitFor(t, "status read", func(s State) bool { return s.Calendar != nil && s.Calendar.CheckedAt != "" })
	if h.store.current().Setup.ClientSecret == h.setup.ClientSecret {
		t.Fatal("a failed PATCH recorded the new secret as sent")
	}
	h.calendars.set(func(f *fakeCalendars) { f.updateSecretErr = nil })
	svc.RefreshStatus(context.Background())
	if h.store.current().Setup.ClientSecret != h.setup.ClientSecret {
		t.Error("the next read did not send the secret")
	}

	h.setup.ClientID = "99999999-8888-7777-6666-555555555555"
	h.setup.ClientSecret = Fingerprint(FingerprintClientSecret, "other-app-secret")
	svc = h.restart(t)
	svc.RefreshStatus(context.Background())
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.secretUpdates) != 2 {
			t.Errorf("%d secret updates, want 2 (one failed, one sent) and none for another app's secret", len(f.secretUpdates))
		}
	})
}

// Item 6: the disconnected message for an expired secret says IT's new
// setup fixes it, without a new sign-in.
func TestExpiredSecretCauseSaysNewSetupFixesIt(t *testing.T) {
	cause := likelyCause("invalid_client: AADSTS7000222: The provided client secret keys are expired")
	if !strings.Contains(cause, "new setup") || !strings.Contains(cause, "don't need to sign in again") {
		t.Errorf("cause %q", cause)
	}
}

// Item 2: duplicates a registration left alone are listed for support,
// with the setup the connection was made with, and no secret.
func TestDiagnosticsListOtherCalendarsAndSetup(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.calendars.beforeRegister = func(Registration) {}
	h.connectAlice(t)
	svc.mu.Lock()
	svc.others = []string{"cal-dup-1", "cal-dup-2"}
	svc.mu.Unlock()
	text := strings.Join(svc.Diagnostics(), "\n")
	for _, want := range []string{"cal-dup-1, cal-dup-2", "oid-1.tenant-1", testSetup.RecallKey, testSetup.ClientID, "kept until"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if containsAny(text, aliceToken, "recall-key-1", "client-secret-1") {
		t.Errorf("diagnostics hold a secret:\n%s", text)
	}
}

// Register's report of duplicates reaches the diagnostics.
func TestRegisterReportsDuplicates(t *testing.T) {
	h := newHarness(t)
	svc := h.start(t)
	h.calendars.set(func(f *fakeCalendars) { f.others = []string{"cal-dup"} })
	h.connectAlice(t)
	if text := strings.Join(svc.Diagnostics(), "\n"); !strings.Contains(text, "cal-dup") {
		t.Errorf("diagnostics lack the duplicate:\n%s", text)
	}
	if !strings.Contains(h.logs.String(), "connect.other_calendars") {
		t.Error("the duplicates were not logged")
	}
}

// If IT puts the settings back, the next read clears the card.
func TestSettingsChangedCardClearsWhenTheCalendarAnswersAgain(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	id := h.connectAlice(t)
	saved := h.calendars.calendars[id]
	h.setup.RecallBaseURL = "https://eu-central-1.recall.ai"
	h.calendars.set(func(f *fakeCalendars) { delete(f.calendars, id) })
	svc := h.restart(t)
	h.notes.waitFor(t, "settings change shown", func(s State) bool { return problemCode(s) == "connect.settings_changed" })

	h.calendars.set(func(f *fakeCalendars) { f.calendars[id] = saved })
	st := svc.RefreshStatus(context.Background())
	if st.Problem != nil || st.Calendar.LikelyCause == causeSettingsChanged || st.Calendar.Status != statusConnecting {
		t.Errorf("state = %s, want the card gone and the real status", describe(st))
	}
}

// A status read while the rotated secret is on its way to Recall does not
// send it a second time (found by the app's rotation test: the UI's Check
// now raced the read that start-up began).
func TestRotatedSecretIsNotSentTwiceByConcurrentReads(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	h.connectAlice(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.calendars.set(func(f *fakeCalendars) {
		f.beforeUpdateSecret = func(string) {
			first := false
			once.Do(func() { first = true; close(entered) })
			if first { // only the start-up read's PATCH is held
				<-release
			}
		}
	})
	h.setup.ClientSecret = Fingerprint(FingerprintClientSecret, "client-secret-2")
	svc := h.restart(t) // its start-up read begins the PATCH
	<-entered
	gets := h.calendars.getCount()
	svc.RefreshStatus(context.Background())
	if h.calendars.getCount() != gets+1 {
		t.Error("the concurrent read did not read the status")
	}
	close(release)
	h.notes.waitFor(t, "the PATCH answered", func(s State) bool { return s.Calendar != nil && s.Calendar.Status == statusConnecting })
	svc.Close() // waits for the start-up read
	h.calendars.set(func(f *fakeCalendars) {
		if len(f.secretUpdates) != 1 {
			t.Errorf("%d secret updates, want 1", len(f.secretUpdates))
		}
	})
}
