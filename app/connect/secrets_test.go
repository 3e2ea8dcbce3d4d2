package connect

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestRefreshTokensNeverLeak walks the whole journey, including an adapter
// error whose text carries the token, and checks that no token reaches a
// published State, a Problem, the Notifier or the logs.
func TestRefreshTokensNeverLeak(t *testing.T) {
	h := newHarness(t)
	h.calendars.registerErrs = []error{errors.New("recall said no to " + aliceToken)}
	svc := h.start(t)

	svc.Connect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	h.notes.waitFor(t, "finish_pending", phaseIs(PhaseFinishPending))
	if st := svc.FinishConnecting(context.Background()); st.Phase != PhaseConnected {
		t.Fatalf("FinishConnecting returned phase %s", st.Phase)
	}
	svc.RefreshStatus(context.Background())

	svc.Reconnect(context.Background())
	h.auth.last(t).fail(errors.New("sign-in failed with " + aliceToken2))
	h.notes.waitFor(t, "back to connected", func(s State) bool { return s.Phase == PhaseConnected && s.Problem != nil })
	svc.Reconnect(context.Background())
	h.auth.last(t).succeed(aliceSignIn(aliceToken2))
	h.notes.waitFor(t, "reconnected", func(s State) bool { return s.Phase == PhaseConnected && s.Problem == nil })

	h.calendars.set(func(f *fakeCalendars) { f.deleteErr = errors.New("delete failed " + aliceToken2) })
	svc.Disconnect(context.Background())
	svc.RemoveFromThisComputer(context.Background())

	states := h.notes.all()
	if len(states) < 10 {
		t.Fatalf("only %d states published; the journey did not run", len(states))
	}
	var published strings.Builder
	for _, st := range states {
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("marshal State: %v", err)
		}
		published.Write(b)
		if st.Problem != nil {
			published.WriteString(st.Problem.Error())
			published.WriteString(st.Problem.DetailsText())
		}
	}
	published.WriteString(strings.Join(h.notes.waitingURLs(), "\n"))
	if containsAny(published.String(), aliceToken, aliceToken2, "AXEAsecret") {
		t.Error("a refresh token appears in a published State, Problem or SignInWaiting payload")
	}

	logs := h.logs.String()
	if !strings.Contains(logs, "connect.registered") || !strings.Contains(logs, "connect.register_failed") {
		t.Fatalf("logs lack the expected events; got:\n%s", logs)
	}
	if containsAny(logs, aliceToken, aliceToken2, "AXEAsecret") {
		t.Error("a refresh token appears in the logs")
	}
}
