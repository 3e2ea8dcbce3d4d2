package connect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/internal/testclock"
)

// The tests in this file follow the automatic Finish connecting: a
// registration that failed for a passing reason is tried again by itself,
// on the button's path, on the fake clock.

// nominalJitter makes every jittered gap its nominal value: d ± 20 % is d,
// and a draw from [0, n] is n/2.
func nominalJitter(o *Options) {
	o.Jitter = func(n time.Duration) time.Duration { return n / 2 }
}

// pendingAfter connects Alice while Register answers errs in turn, and
// waits for the Finish connecting screen.
func (h *harness) pendingAfter(t *testing.T, errs ...error) State {
	t.Helper()
	h.calendars.set(func(f *fakeCalendars) { f.registerErrs = errs })
	h.svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	return h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
}

// fireAuto fires the automatic try armed as the newest timer (the n-th)
// and waits for the screen it leads to.
func (h *harness) fireAuto(t *testing.T, n int, want Phase) (*testclock.Timer, State) {
	t.Helper()
	timer := h.clock.WaitForTimer(t, n)
	h.clock.Fire(timer)
	h.notes.waitFor(t, "the automatic try started", func(s State) bool {
		return s.Phase == PhaseFinishPending && s.Busy && s.RetryAt == ""
	})
	return timer, h.notes.waitFor(t, "the automatic try ended in "+string(want), phaseIs(want))
}

func unavailable() error { return fakeProblem(codeRecallUnavailable, true) }

// Recall unavailable: 30 s, 1 min, 2 min, 5 min, then every 10 min, each
// try on the button's path with the saved key, and the screen says when.
func TestAutoFinishBacksOffWhileRecallIsUnavailable(t *testing.T) {
	h := newHarness(t)
	h.tweak = nominalJitter
	h.start(t)
	errs := make([]error, 1+MaxAutoFinishTries)
	for i := range errs {
		errs[i] = unavailable()
	}
	st := h.pendingAfter(t, errs...)
	first := h.store.current()

	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i := range MaxAutoFinishTries {
		timer := h.clock.WaitForTimer(t, i+1)
		nominal := want[min(i, len(want)-1)]
		if timer.Wait != nominal {
			t.Fatalf("automatic try %d armed after %v, want %v", i+1, timer.Wait, nominal)
		}
		if at := formatTime(h.clock.Now().Add(timer.Wait)); st.RetryAt != at || problemCode(st) != codeRecallUnavailable {
			t.Fatalf("before try %d the screen says %s, want retryAt %s with the problem", i+1, describe(st), at)
		}
		if cur := h.store.current(); !cur.RetryAt.Equal(h.clock.Now().Add(timer.Wait)) || cur.LastProblem != codeRecallUnavailable {
			t.Fatalf("saved %+v, want the failure and the next try recorded for a restart", cur)
		}
		_, st = h.fireAuto(t, i+1, PhaseFinishPending)
		if n := h.calendars.registrationCount(); n != i+2 {
			t.Fatalf("after automatic try %d: %d registrations, want %d", i+1, n, i+2)
		}
		reg := h.calendars.lastRegistration(t)
		if reg.RefreshToken != aliceToken {
			t.Fatalf("automatic try %d did not use the token from the keychain", i+1)
		}
		// The saved key is reused while Recall replays it; past that a
		// new one comes with a lookup of what the old one may have made.
		if cur := h.store.current(); reg.CreateKey != cur.CreateKey ||
			(reg.CreateKey != first.CreateKey && !reg.CreatedSince.Equal(first.CreateKeyAt.Add(-lookupMargin))) {
			t.Fatalf("automatic try %d sent key %q since %v; saved %+v", i+1, reg.CreateKey, reg.CreatedSince, cur)
		}
	}

	// The bound: after the last automatic try nothing more is armed, and
	// the screen no longer promises a try.
	if st.RetryAt != "" {
		t.Errorf("after %d automatic tries the screen says %s, want no retryAt", MaxAutoFinishTries, describe(st))
	}
	if n := h.clock.Count(); n != MaxAutoFinishTries {
		t.Errorf("%d timers armed, want %d", n, MaxAutoFinishTries)
	}
	if cur := h.store.current(); !cur.RetryAt.IsZero() || !cur.Pending {
		t.Errorf("saved %+v, want still pending with no try due", cur)
	}
	if auth := h.auth.begins(); auth != 1 {
		t.Errorf("%d sign-ins, want 1", auth)
	}
	if text := strings.Join(h.svc.Diagnostics(), "\n"); !strings.Contains(text, "stopped trying by itself") {
		t.Errorf("diagnostics do not say the automatic tries stopped:\n%s", text)
	}

	// The person tries: a new failure starts the schedule afresh.
	h.calendars.set(func(f *fakeCalendars) { f.registerErrs = []error{unavailable()} })
	if st := h.svc.FinishConnecting(context.Background()); st.RetryAt == "" {
		t.Fatalf("a click that failed armed nothing: %s", describe(st))
	}
	if timer := h.clock.WaitForTimer(t, MaxAutoFinishTries+1); timer.Wait != 30*time.Second {
		t.Errorf("after the click the next try is armed after %v, want 30s", timer.Wait)
	}
}

// Each gap is jittered by ±20 %, so a crowd stuck together spreads out.
func TestAutoFinishGapsAreJittered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter func(time.Duration) time.Duration
		want   time.Duration
	}{
		{"lowest", func(time.Duration) time.Duration { return 0 }, 24 * time.Second},
		{"highest", func(n time.Duration) time.Duration { return n }, 36 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var asked []time.Duration
			h.tweak = func(o *Options) {
				o.Jitter = func(n time.Duration) time.Duration { asked = append(asked, n); return tc.jitter(n) }
			}
			h.start(t)
			h.pendingAfter(t, unavailable())
			if timer := h.clock.WaitForTimer(t, 1); timer.Wait != tc.want || len(asked) != 1 || asked[0] != 12*time.Second {
				t.Errorf("armed after %v (jitter asked %v), want %v from 30s ± 6s", timer.Wait, asked, tc.want)
			}
		})
	}
}

// Recall rate-limited: the key is full, so the next try comes an hour
// later on average (30 to 90 minutes), and never before Retry-After. The
// same create key is sent: nothing is created twice.
func TestAutoFinishAfterRateLimitWaitsLongAndHonoursRetryAfter(t *testing.T) {
	h := newHarness(t)
	var asked []time.Duration
	h.tweak = func(o *Options) {
		o.Jitter = func(n time.Duration) time.Duration { asked = append(asked, n); return n / 2 }
	}
	h.start(t)
	limited := fakeProblem(codeRecallRateLimited, true)
	h.pendingAfter(t, WithRetryAfter(limited, 3*time.Hour), WithRetryAfter(limited, 10*time.Second))

	// Retry-After 3 h is longer than the spread: 3 h and up to a quarter
	// more (here an eighth, the jitter's middle).
	timer, _ := h.fireAuto(t, 1, PhaseFinishPending)
	if want := 3*time.Hour + 3*time.Hour/8; timer.Wait != want {
		t.Errorf("after Retry-After 3h the try was armed after %v, want %v", timer.Wait, want)
	}
	// Retry-After 10 s is shorter than the spread: the spread decides.
	timer, st := h.fireAuto(t, 2, PhaseConnected)
	if timer.Wait != autoFinishRateLimited {
		t.Errorf("after Retry-After 10s the try was armed after %v, want %v", timer.Wait, autoFinishRateLimited)
	}
	if len(asked) != 4 || asked[0] != time.Hour || asked[1] != 3*time.Hour/4 || asked[2] != time.Hour || asked[3] != 10*time.Second/4 {
		t.Errorf("jitter asked %v, want the hour-wide spread and a quarter of each Retry-After", asked)
	}
	if st.Problem != nil || st.Calendar == nil || h.calendars.calendarCount() != 1 {
		t.Fatalf("after the automatic tries: %s with %d calendars, want connected to one", describe(st), h.calendars.calendarCount())
	}
	if cur := h.store.current(); cur.Pending || cur.LastProblem != "" || !cur.RetryAt.IsZero() {
		t.Errorf("saved %+v, want the registered calendar and nothing pending", cur)
	}
}

// Conflict (the same create still in flight) and our own timeout pass by
// themselves too.
func TestAutoFinishForConflictAndTimeout(t *testing.T) {
	for _, code := range []string{codeRecallConflict, codeRecallCanceled} {
		t.Run(code, func(t *testing.T) {
			h := newHarness(t)
			h.tweak = nominalJitter
			h.start(t)
			if st := h.pendingAfter(t, fakeProblem(code, true)); st.RetryAt == "" {
				t.Fatalf("%s armed no automatic try: %s", code, describe(st))
			}
			h.fireAuto(t, 1, PhaseConnected)
		})
	}
}

// A problem that needs the person or IT is never tried again by itself:
// the same try would fail the same way.
func TestAutoFinishNeverForProblemsThatDoNotPass(t *testing.T) {
	for _, err := range []error{
		fakeProblem("recall.unauthorized", false), // bad key or wrong region
		fakeProblem("recall.validation", false),   // invalid input
		fakeProblem("recall.config_invalid", false),
		fakeProblem(codeRecallNotFound, false),
		fakeProblem("recall.bad_response", true),
		fakeProblem("recall.payment_required", false),
		fakeProblem("recall.blocked", false),
		errors.New("connection reset"), // unexpected
	} {
		t.Run(err.Error(), func(t *testing.T) {
			h := newHarness(t)
			h.start(t)
			// Even with a Retry-After.
			st := h.pendingAfter(t, WithRetryAfter(err, time.Minute))
			if st.RetryAt != "" || h.clock.Count() != 0 {
				t.Errorf("state %s with %d timers, want no automatic try", describe(st), h.clock.Count())
			}
			if text := strings.Join(h.svc.Diagnostics(), "\n"); !strings.Contains(text, "not tried by itself") {
				t.Errorf("diagnostics do not say why nothing is tried:\n%s", text)
			}
		})
	}
}

// A keychain that refuses during an automatic try stops the schedule: the
// keychain is not Recall, and may need the person (a locked keychain).
func TestAutoFinishStopsOnAKeychainProblem(t *testing.T) {
	h := newHarness(t)
	h.tweak = nominalJitter
	h.start(t)
	h.pendingAfter(t, unavailable())
	h.secrets.set(func(f *fakeSecrets) { f.loadErr = fakeProblem("vault.locked", true) })
	timer := h.clock.WaitForTimer(t, 1)
	h.clock.Fire(timer)
	st := h.notes.waitFor(t, "the keychain problem shown", func(s State) bool { return problemCode(s) == "vault.locked" })
	if st.Phase != PhaseFinishPending || st.RetryAt != "" || h.clock.Count() != 1 {
		t.Errorf("state %s with %d timers, want finish_pending and nothing armed", describe(st), h.clock.Count())
	}
	if h.calendars.registrationCount() != 1 {
		t.Error("registered without a token")
	}
}

// Whatever the person does replaces the armed try: a click (that fails
// again arms a fresh one), Start over, and Close. A superseded timer that
// fires does nothing.
func TestAutoFinishIsCancelledByWhatThePersonDoes(t *testing.T) {
	t.Run("Finish connecting", func(t *testing.T) {
		h := newHarness(t)
		h.tweak = nominalJitter
		svc := h.start(t)
		h.pendingAfter(t, unavailable(), unavailable(), unavailable())
		h.fireAuto(t, 1, PhaseFinishPending) // now armed after 1 min
		old := h.clock.WaitForTimer(t, 2)

		st := svc.FinishConnecting(context.Background())
		if st.Phase != PhaseFinishPending || st.RetryAt != formatTime(h.clock.Now().Add(30*time.Second)) {
			t.Fatalf("the click returned %s, want a fresh schedule from 30s", describe(st))
		}
		registrations := h.calendars.registrationCount()
		h.clock.Fire(old)
		svc.Close() // waits for the timer's goroutine
		if n := h.calendars.registrationCount(); n != registrations {
			t.Errorf("the superseded timer registered (%d registrations, want %d)", n, registrations)
		}
	})
	// A timer that fired just as the person clicked reaches Finish
	// connecting after the click re-armed: it is superseded and does
	// nothing, the new schedule stands.
	t.Run("timer fired during a click", func(t *testing.T) {
		h := newHarness(t)
		h.tweak = nominalJitter
		svc := h.start(t)
		h.pendingAfter(t, unavailable(), unavailable())
		svc.mu.Lock()
		fired := svc.autoSeq
		svc.mu.Unlock()
		clicked := svc.FinishConnecting(context.Background())
		st := svc.finishConnecting(context.Background(), fired)
		if n := h.calendars.registrationCount(); n != 2 || st.Phase != PhaseFinishPending || st.RetryAt != clicked.RetryAt {
			t.Errorf("the superseded try ran: %d registrations, state %s", n, describe(st))
		}
	})
	t.Run("Start over", func(t *testing.T) {
		h := newHarness(t)
		svc := h.start(t)
		h.pendingAfter(t, unavailable())
		armed := h.clock.WaitForTimer(t, 1)
		if st := svc.Disconnect(context.Background()); st.Phase != PhaseIdle || st.RetryAt != "" {
			t.Fatalf("Start over returned %s", describe(st))
		}
		h.clock.Fire(armed)
		svc.Close()
		if n := h.calendars.registrationCount(); n != 1 || h.store.current() != (Saved{}) {
			t.Errorf("after Start over the armed try ran: %d registrations, saved %+v", n, h.store.current())
		}
	})
	t.Run("Close", func(t *testing.T) {
		h := newHarness(t)
		svc := h.start(t)
		h.pendingAfter(t, unavailable())
		armed := h.clock.WaitForTimer(t, 1)
		svc.Close()
		h.clock.Fire(armed)
		if n := h.calendars.registrationCount(); n != 1 {
			t.Errorf("%d registrations after Close, want 1", n)
		}
		if cur := h.store.current(); !cur.Pending || cur.RetryAt.IsZero() {
			t.Errorf("saved %+v, want the pending try kept for the next start", cur)
		}
	})
}

// While an automatic try runs, the Finish connecting screen stays with
// its card and its actions held (Busy): nothing moves under the person.
// Success shows the Connected screen, as after a click.
func TestAutoFinishPublishesItsProgress(t *testing.T) {
	h := newHarness(t)
	h.tweak = nominalJitter
	h.start(t)
	h.pendingAfter(t, unavailable())
	before := len(h.notes.all())
	h.clock.Fire(h.clock.WaitForTimer(t, 1))
	st := h.notes.waitFor(t, "the automatic try started", func(s State) bool { return s.Busy })
	if st.Phase != PhaseFinishPending || problemCode(st) != codeRecallUnavailable || st.RetryAt != "" || st.Account != aliceEmail {
		t.Errorf("while the automatic try runs: %s, want finish_pending, busy, with the card", describe(st))
	}
	st = h.notes.waitFor(t, "connected", phaseIs(PhaseConnected))
	if st.Calendar == nil || st.Calendar.ID != "cal-1" || st.RetryAt != "" || st.Problem != nil || st.Busy {
		t.Fatalf("after the automatic try: %s", describe(st))
	}
	for _, s := range h.notes.all()[before:] {
		if s.Phase == PhaseRegistering {
			t.Errorf("the automatic try showed the registering screen: %s", describe(s))
		}
	}
	if !strings.Contains(h.logs.String(), "connect.auto_finish try=1") {
		t.Errorf("the automatic try was not logged:\n%s", h.logs.String())
	}
}

// savedPending is a connection.json left by a registration that failed
// with code, with the next try due at retryAt (zero: none).
func savedPending(h *harness, code string, retryAt time.Time) {
	h.store.saved = Saved{
		Account: aliceEmail, ObjectID: "oid-1", TenantID: "tenant-1", Pending: true, Operation: operationConnect,
		CreateKey: "0123456789abcdef0123456789abcdef", CreateKeyAt: h.clock.Now().Add(-time.Minute),
		Setup: testSetup, LastProblem: code, RetryAt: retryAt,
	}
	h.secrets.tokens[aliceKey] = aliceToken
}

// After a restart, a pending connection whose last failure passes is tried
// once by itself: the window after one step, never before the try that
// was due; a background helper within its StartSpread.
func TestAutoFinishResumesAfterARestart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    string
		dueIn   time.Duration // the try that was due when the app closed
		spread  time.Duration // Options.StartSpread
		setup   func(*Setup)
		wantArm time.Duration // 0: nothing armed
	}{
		{name: "rate-limited, due later", code: codeRecallRateLimited, dueIn: 45 * time.Minute, wantArm: 45 * time.Minute},
		{name: "unavailable, overdue", code: codeRecallUnavailable, dueIn: -time.Hour, wantArm: 30 * time.Second},
		{name: "closed while registering", code: "", wantArm: 30 * time.Second},
		{name: "background helper", code: codeRecallUnavailable, spread: 10 * time.Minute, wantArm: 5 * time.Minute},
		{name: "tries used up before it", code: codeRecallUnavailable, wantArm: 30 * time.Second},
		{name: "bad key", code: "recall.unauthorized"},
		{name: "bad key, IT changed the key", code: "recall.unauthorized", wantArm: 30 * time.Second,
			setup: func(s *Setup) { s.RecallKey = Fingerprint(FingerprintRecallKey, "recall-key-2") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var due time.Time
			if tc.dueIn != 0 {
				due = h.clock.Now().Add(tc.dueIn)
			}
			savedPending(h, tc.code, due)
			if tc.setup != nil {
				tc.setup(&h.setup)
			}
			h.tweak = func(o *Options) {
				nominalJitter(o)
				o.StartSpread = tc.spread
			}
			svc := h.start(t)
			st := svc.State()
			if st.Phase != PhaseFinishPending || st.Problem != nil {
				t.Fatalf("after restart: %s, want finish_pending without a card", describe(st))
			}
			if tc.wantArm == 0 {
				if st.RetryAt != "" || h.clock.Count() != 0 {
					t.Errorf("after restart: %s with %d timers, want nothing armed", describe(st), h.clock.Count())
				}
				return
			}
			timer := h.clock.WaitForTimer(t, 1)
			if timer.Wait != tc.wantArm || st.RetryAt != formatTime(h.clock.Now().Add(tc.wantArm)) {
				t.Fatalf("armed after %v, state %s; want %v", timer.Wait, describe(st), tc.wantArm)
			}
			if n := h.calendars.registrationCount(); n != 0 {
				t.Fatalf("%d registrations at start, want none before the armed try", n)
			}
			_, st = h.fireAuto(t, 1, PhaseConnected)
			reg := h.calendars.lastRegistration(t)
			keyKept := reg.CreateKey == "0123456789abcdef0123456789abcdef" || tc.setup != nil // a new key for a new workspace
			if reg.RefreshToken != aliceToken || !keyKept || h.auth.begins() != 0 {
				t.Errorf("the try after restart sent token %v key %q with %d sign-ins", reg.RefreshToken == aliceToken, reg.CreateKey, h.auth.begins())
			}
		})
	}
}

// A restart resumes the schedule where it was: the try it arms is the
// first of a new series, so a failure continues from the next step.
func TestAutoFinishAfterARestartContinuesTheSchedule(t *testing.T) {
	h := newHarness(t)
	savedPending(h, codeRecallUnavailable, time.Time{})
	h.tweak = nominalJitter
	h.calendars.registerErrs = []error{unavailable()}
	h.start(t)
	_, st := h.fireAuto(t, 1, PhaseFinishPending)
	if timer := h.clock.WaitForTimer(t, 2); timer.Wait != time.Minute || st.RetryAt == "" {
		t.Errorf("after the restart's try failed: armed after %v (%s), want 1m", timer.Wait, describe(st))
	}
	if text := strings.Join(h.svc.Diagnostics(), "\n"); !strings.Contains(text, "tries again by itself at "+st.RetryAt) ||
		!strings.Contains(text, "Last registration problem: "+codeRecallUnavailable) {
		t.Errorf("diagnostics lack the schedule:\n%s", text)
	}
}
