package app

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// measurePrepareEnv asks TestPrepareMeasurement to run.
const measurePrepareEnv = "OUTLOOK_CONNECT_MEASURE_PREPARE"

// TestPrepareMeasurement is not a check: scripts/measure-background.sh runs
// it (with OUTLOOK_CONNECT_MEASURE_PREPARE=1, inside the keychain session)
// to leave the config folder of its environment connected to the
// demo-services it started, with the rule "every meeting with a link" and
// the week's bots, as a person would after a first day. The helper and
// the window are then measured in that state with the production binary.
// It is skipped otherwise.
func TestPrepareMeasurement(t *testing.T) {
	if os.Getenv(measurePrepareEnv) != "1" {
		t.Skip("run by scripts/measure-background.sh")
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "OUTLOOK_CONNECT_") && k != measurePrepareEnv {
			env[k] = v
		}
	}
	env["BROWSER"] = "true" // the test plays the browser
	win := runDesktop(t, env)
	st, _ := win.app.Connect()
	answerSignIn(t, st, "accept")
	waitForCalendarStatus(t, win.app, "connected")
	waitForMeetings(t, win.app, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady && !v.Syncing })
	if _, err := win.app.SetRecordingRule(string(meetings.RuleAllWithLink), false); err != nil {
		t.Fatal(err)
	}
	waitForMeetings(t, win.app, "the week's bots", settled)
	win.stop()
	// The fakes run on after this test (in the script's process), so the
	// Recall client's keep-alive connections to them would outlive it.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
