package app

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// The tests in this file run issue 13's wiring: the meetings Service of
// each world follows the connection, and the bound methods reach it.

// checkNoLeaks fails the test when a goroutine it started outlives it: a
// world (meetings scheduler, follower, connect service, fakes) that a
// reload or the shutdown forgot. Call it before startApp, so it runs after
// the app's shutdown.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, libraryGoroutines...)
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// startDemoModeApp starts the app with nothing configured (demo mode), a
// fresh config folder and its own keychain namespace, plus env.
func startDemoModeApp(t *testing.T, env map[string]string) (*App, *recordingRuntime, string) {
	t.Helper()
	service := requireKeychain(t)
	dir := t.TempDir()
	all := map[string]string{config.EnvConfigDir: dir, config.EnvKeyringService: service}
	maps.Copy(all, env)
	a, rt := startApp(t, all)
	return a, rt, dir
}

// goroutinesIn counts the goroutines whose stack dump has s (a goroutine
// that has not run yet shows only its wrapper and "created by" line).
func goroutinesIn(s string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, s) {
			n++
		}
	}
	return n
}

// waitForMeetings polls GetMeetings until ok holds.
func waitForMeetings(t *testing.T, a *App, what string, ok func(meetings.View) bool) meetings.View {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := a.GetMeetings()
		if err != nil {
			t.Fatal(err)
		}
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never reached; view phase %s, %d meetings, syncing %t, problem %v",
				what, v.Phase, len(v.Meetings), v.Syncing, v.SyncProblem)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForCalendarStatus reads the status from Recall until it is want.
func waitForCalendarStatus(t *testing.T, a *App, want string) connect.State {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := a.RefreshStatus()
		if st.Phase == connect.PhaseConnected && st.Calendar != nil && st.Calendar.Status == want && !st.Busy {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("calendar status %q not reached; state %+v", want, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settled: the list is loaded and every meeting's bot is what the rules
// want (the scheduler has finished its pass).
func settled(v meetings.View) bool {
	if v.Phase != meetings.PhaseReady || v.Syncing || len(v.Meetings) == 0 {
		return false
	}
	for _, m := range v.Meetings {
		if m.Problem != nil || m.TooSoon {
			continue // a meeting about to start may keep its bot either way
		}
		if m.Record && m.Bot != meetings.BotScheduled || !m.Record && m.Bot != meetings.BotNone {
			return false
		}
	}
	return true
}

// botsOf is the fake Recall's bots by the event they are attached to.
func botsOf(srv *recallapi.Server) map[string]recallapi.BotSnapshot {
	out := map[string]recallapi.BotSnapshot{}
	for _, b := range srv.Bots() {
		for _, id := range b.Events {
			out[id] = b
		}
	}
	return out
}

// assertBotsFollowView checks the fake Recall against the view: a bot
// named botName with the key "<start>-<link>" on exactly the meetings to
// record (meetings about to start aside).
func assertBotsFollowView(t *testing.T, srv *recallapi.Server, v meetings.View, botName string) {
	t.Helper()
	bots := botsOf(srv)
	events := map[string]recallapi.EventSnapshot{}
	for _, e := range srv.Events("") {
		events[e.ID] = e
	}
	var problems []string
	recorded := 0
	for _, m := range v.Meetings {
		if m.TooSoon {
			continue
		}
		b, has := bots[m.ID]
		switch {
		case m.Record && !has:
			problems = append(problems, "no bot on "+m.Title)
		case m.Record:
			recorded++
			e := events[m.ID]
			link := e.MeetingURL
			if link == "" {
				link = b.MeetingURL
			}
			if want := e.Start.UTC().Format(time.RFC3339) + "-" + link; b.Key != want || b.BotName != botName {
				problems = append(problems, "wrong bot on "+m.Title+": key "+b.Key+", name "+b.BotName)
			}
		case has:
			problems = append(problems, "unwanted bot on "+m.Title)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Fatalf("the fake Recall's bots do not follow the rules:\n  %s", strings.Join(problems, "\n  "))
	}
	if recorded == 0 {
		t.Fatal("the check needs at least one meeting to record")
	}
}

// botCalls counts the fake's schedule and unschedule requests.
func botCalls(srv *recallapi.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/bot/") {
			n++
		}
	}
	return n
}

// The journey of issue 13 in demo mode: nothing is shown or scheduled
// before the calendar is connected; a rule schedules bots; Recall
// disconnecting the calendar stops the scheduler (and drops the bots),
// reconnecting brings them back; Disconnect forgets the meetings.
func TestMeetingsFollowTheConnection(t *testing.T) {
	checkNoLeaks(t)
	a, rt, dir := startDemoModeApp(t, map[string]string{
		config.EnvBrowser: "true", // the test plays the browser itself
	})
	if v, err := a.GetMeetings(); err != nil || v.Phase != meetings.PhaseOff {
		t.Fatalf("before connecting: %+v %v", v, err)
	}
	fake := a.current().world.demo.Recall

	st, _ := a.Connect()
	browseSignIn(t, st)
	st = waitForCalendarStatus(t, a, "connected")
	calID := st.Calendar.ID
	v := waitForMeetings(t, a, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady && !v.Syncing })
	if !v.AskRule || v.Rule.Source != meetings.SourceDefault || v.Counts.Recorded != 0 || len(v.Meetings) == 0 {
		t.Fatalf("after the first sync, with no admin default: %+v", v)
	}
	if n := len(fake.Bots()); n != 0 {
		t.Fatalf("%d bots before anyone chose a rule", n)
	}
	if !strings.Contains(rt.allEvents(), EventMeetingsChanged+` {"phase":"ready"`) {
		t.Error("the UI was not sent the meetings")
	}
	for _, name := range []string{"meetings-demo.json", "preferences-demo.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("demo mode keeps its meetings in %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "meetings.json")); !os.IsNotExist(err) {
		t.Errorf("demo mode wrote the real meetings.json: %v", err)
	}

	res, err := a.SetRecordingRule("external", false)
	if err != nil || res.Changed == 0 || res.View.AskRule {
		t.Fatalf("SetRecordingRule: changed %d, askRule %t, %v", res.Changed, res.View.AskRule, err)
	}
	v = waitForMeetings(t, a, "bots for the rule", settled)
	assertBotsFollowView(t, fake, v, config.DefaultBotName)

	// Recall loses the calendar: it drops the future bots; the app stops
	// calling Recall and keeps its copy.
	fake.SetCalendarStatus(calID, "disconnected", map[string]any{"error": "invalid_grant", "error_description": "AADSTS70008: expired"})
	waitForCalendarStatus(t, a, "disconnected")
	waitForMeetings(t, a, "the scheduler stopped", func(v meetings.View) bool { return v.Phase == meetings.PhaseOff })
	if _, err := os.Stat(filepath.Join(dir, "meetings-demo.json")); err != nil {
		t.Errorf("the meetings copy was not kept while disconnected: %v", err)
	}
	if n := len(fake.Bots()); n != 0 {
		t.Fatalf("the fake kept %d bots of a disconnected calendar", n)
	}

	// Reconnect: the same calendar, and the bots Recall dropped come back.
	st, _ = a.Reconnect()
	browseSignIn(t, st)
	if st = waitForCalendarStatus(t, a, "connected"); st.Calendar.ID != calID {
		t.Fatalf("reconnected to %s, want %s", st.Calendar.ID, calID)
	}
	v = waitForMeetings(t, a, "bots after reconnecting", func(v meetings.View) bool {
		return settled(v) && len(botsOf(fake)) > 0
	})
	if v.AskRule || v.Rule.Rule != "external" {
		t.Fatalf("the rule was not kept: %+v", v.Rule)
	}
	assertBotsFollowView(t, fake, v, config.DefaultBotName)

	// Disconnect: Recall deletes the calendar (and its bots); the app
	// forgets the meetings but keeps the person's rule.
	if _, err := a.Disconnect(); err != nil {
		t.Fatal(err)
	}
	waitForPhase(t, a, connect.PhaseIdle)
	waitForMeetings(t, a, "meetings forgotten", func(v meetings.View) bool { return v.Phase == meetings.PhaseOff })
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(dir, "meetings-demo.json"))
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("meetings-demo.json survived Disconnect: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(fake.Bots()); n != 0 {
		t.Errorf("%d bots left after Disconnect", n)
	}
	if v, _ := a.GetMeetings(); v.Rule.Rule != "external" || v.Rule.Source != meetings.SourcePerson {
		t.Errorf("the rule after Disconnect: %+v", v.Rule)
	}
}

// A rewiring (a setup saved or imported) builds a new meetings Service for
// the new world: the list comes back from the cache, nothing is scheduled
// twice, the old world falls silent, and no goroutine is left behind.
func TestReloadRebuildsTheMeetings(t *testing.T) {
	checkNoLeaks(t)
	svc := startDemo(t)
	a, rt := configuredApp(t, svc)
	st, _ := a.Connect()
	browseSignIn(t, st)
	waitForCalendarStatus(t, a, "connected")
	waitForMeetings(t, a, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	if _, err := a.SetRecordingRule("all_with_link", false); err != nil {
		t.Fatal(err)
	}
	v := waitForMeetings(t, a, "bots for the rule", settled)
	assertBotsFollowView(t, svc.Recall, v, config.DefaultBotName)

	before := a.current()
	calls := botCalls(svc.Recall)
	mark := len(strings.Split(rt.allEvents(), "\n"))
	if _, err := a.RetryStartup(); err != nil {
		t.Fatal(err)
	}
	after := a.current()
	if after.world == before.world || after.world.meetings == before.world.meetings {
		t.Fatal("the reload did not build a new world")
	}
	// The old world's goroutines are gone now, not at the app's shutdown.
	if n := goroutinesIn("created by github.com/outlookconnect/outlook-connect/app.newFollower "); n != 1 {
		t.Errorf("%d followers run after the reload, want the new world's", n)
	}
	if n := goroutinesIn("created by github.com/outlookconnect/outlook-connect/app/meetings.(*Service).startLoopLocked "); n > 1 {
		t.Errorf("%d meetings schedulers run after the reload", n)
	}
	if after.base.budget != before.base.budget {
		t.Error("the reload replaced the process's meetings budget")
	}
	v = waitForMeetings(t, a, "the list after the reload", func(v meetings.View) bool { return settled(v) && v.Rule.Rule == "all_with_link" })
	assertBotsFollowView(t, svc.Recall, v, config.DefaultBotName)
	if n := botCalls(svc.Recall) - calls; n != 0 {
		t.Errorf("the reload made %d bot calls; the bots were in place", n)
	}
	for _, line := range strings.Split(rt.allEvents(), "\n")[mark:] {
		if strings.HasPrefix(line, EventMeetingsChanged+` {"phase":"off"`) {
			t.Errorf("the closing world told the UI the meetings were off: %.80s", line)
		}
	}
}

// The "Keep scheduling when closed" switch: on by default, the admin's
// setting when there is one, the person's choice over both; kept in
// preferences.json.
func TestBackgroundSwitch(t *testing.T) {
	checkNoLeaks(t)
	a, rt, dir := startDemoModeApp(t, map[string]string{config.EnvKeepScheduling: "false"})
	bv, err := a.GetBackground()
	if err != nil || bv.KeepScheduling || bv.Source != meetings.SourceAdmin || bv.Running {
		t.Fatalf("with the admin's false: %+v %v", bv, err)
	}
	bv, err = a.SetKeepScheduling(true)
	if err != nil || !bv.KeepScheduling || bv.Source != meetings.SourcePerson {
		t.Fatalf("after the person turned it on: %+v %v", bv, err)
	}
	if !strings.Contains(rt.allEvents(), EventBackgroundChanged+` {"keepScheduling":true,"source":"person"`) {
		t.Error("the UI was not told")
	}
	if bv, _ := a.GetBackground(); !bv.KeepScheduling || bv.Source != meetings.SourcePerson {
		t.Fatalf("read back: %+v", bv)
	}
	saved, err := meetings.NewFilePrefs(filepath.Join(dir, "preferences-demo.json")).Load()
	if err != nil || saved.KeepScheduling == nil || !*saved.KeepScheduling {
		t.Fatalf("the choice is not in preferences-demo.json: %+v %v", saved, err)
	}

	a2, _, _ := startDemoModeApp(t, nil)
	if bv, _ := a2.GetBackground(); !bv.KeepScheduling || bv.Source != meetings.SourceDefault {
		t.Fatalf("with nobody choosing: %+v", bv)
	}
}

// A bot name the meetings package refuses (it names this computer, which
// Recall rejects in a bot_config) is a setup problem for IT, not a crash.
func TestUnusableBotNameIsASetupProblem(t *testing.T) {
	checkNoLeaks(t)
	a, _ := startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: "Outlook Connect test unused",
		config.EnvDemo:           "1",
		config.EnvBotName:        "Notes from localhost",
	})
	info, _ := a.GetAppInfo()
	if info.SetupProblem == nil || info.SetupProblem.Code != "meetings.invalid_options" {
		t.Fatalf("want the meetings settings problem, got %+v", info.SetupProblem)
	}
	if v, err := a.GetMeetings(); err != nil || v.Phase != meetings.PhaseOff {
		t.Fatalf("GetMeetings without a world: %+v %v", v, err)
	}
	if _, err := a.SetRecordingRule("external", false); err == nil {
		t.Fatal("a rule change without a world must say it did not happen")
	}
}

// connectedWithMeetingsClock is an app connected to a fresh demo world
// whose meetings clock runs ahead of the real one by what the returned
// counter holds (nanoseconds), so a test can pass the sync intervals.
func connectedWithMeetingsClock(t *testing.T) (*App, *demo.Services, *atomic.Int64) {
	t.Helper()
	ahead := new(atomic.Int64)
	prev := meetingsNow
	meetingsNow = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	t.Cleanup(func() { meetingsNow = prev })
	svc := startDemo(t)
	a, _ := configuredApp(t, svc)
	st, _ := a.Connect()
	browseSignIn(t, st)
	waitForCalendarStatus(t, a, "connected")
	return a, svc, ahead
}

// WindowFocused reaches the meetings too: once the Service's focus gap
// (half a sync interval) has passed, a focus lists the events again; a
// second focus right after does not.
func TestWindowFocusedSyncsTheMeetings(t *testing.T) {
	checkNoLeaks(t)
	a, svc, ahead := connectedWithMeetingsClock(t)
	waitForMeetings(t, a, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady && !v.Syncing })
	lists := func() int {
		n := 0
		for _, r := range svc.Recall.Requests() {
			if r.Method == "GET" && r.Path == "/api/v2/calendar-events/" {
				n++
			}
		}
		return n
	}
	before := lists()
	if _, err := a.WindowFocused(); err != nil {
		t.Fatal(err)
	}
	if n := lists(); n != before {
		t.Fatalf("a focus right after a sync listed the events again (%d lists)", n-before)
	}

	ahead.Store(int64(a.current().base.budget.SyncInterval()/2 + time.Second))
	if _, err := a.WindowFocused(); err != nil {
		t.Fatal(err)
	}
	v := waitForMeetings(t, a, "the focus sync", func(meetings.View) bool { return lists() == before+1 })
	waitForMeetings(t, a, "the focus sync to finish", func(v meetings.View) bool { return !v.Syncing })
	if _, err := a.WindowFocused(); err != nil {
		t.Fatal(err)
	}
	if n := lists(); n != before+1 {
		t.Fatalf("a second focus listed again (%d lists in all, view syncing %t)", n-before, v.Syncing)
	}
}

// A 429 the Recall client retries past still slows the whole process down:
// the key's limits are shared by the fleet, so the app's client tells the
// process's budget of every 429 as it arrives.
func TestEvery429ReachesTheBudget(t *testing.T) {
	checkNoLeaks(t)
	a, svc, ahead := connectedWithMeetingsClock(t)
	waitForMeetings(t, a, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	budget := a.current().base.budget
	base := budget.SyncInterval()

	svc.Recall.Faults().Add(recallapi.Fault{Method: http.MethodGet, Path: "/api/v2/calendar-events/", Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	// Past the limit on "Check for changes", well within the hour a
	// widening lasts.
	ahead.Store(int64(2 * time.Minute))
	v, err := a.SyncMeetings()
	if err != nil || v.SyncProblem != nil {
		t.Fatalf("the sync should have gone through after the retry: %+v %v", v.SyncProblem, err)
	}
	if svc.Recall.Faults().Pending() != 0 {
		t.Fatal("the 429 was never served")
	}
	if got := budget.SyncInterval(); got != 2*base {
		t.Fatalf("after a 429 the client retried past, the sync interval is %v, want %v doubled", got, base)
	}
}
