package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/schedlock"
)

// The tests in this file run issue 14's background helper (RunBackground,
// as "outlook-connect --background" does) and the window's side of it, in
// configured mode against the fakes on loopback, with the real keychain,
// the real scheduler lock and the real start-at-login writer in a
// temporary home folder. The helper runs in this process: the scheduler
// lock is per open file, so a helper and a window here exclude each other
// exactly as two processes do (app/schedlock's process tests show that).

// testHost is the computer as the tests see it: the start-at-login entry is
// the real writer of this OS in a temporary home folder (in memory on
// Windows, whose writer is the registry), and helper starts are only
// counted.
type testHost struct {
	home  string
	entry loginEntry
	// programFile is what program() reports: "" (nothing to watch)
	// unless a test plays the app's own file.
	programFile string

	mu     sync.Mutex
	starts int
}

func newTestHost(t *testing.T) *testHost {
	t.Helper()
	h := &testHost{home: t.TempDir()}
	if runtime.GOOS == "windows" {
		h.entry = &memoryEntry{}
		return h
	}
	e, err := autostart.New(h.options())
	if err != nil {
		t.Fatal(err)
	}
	h.entry = e
	return h
}

// options are the autostart options of this host's home folder; the test
// binary lives in a go-build folder, which Enable otherwise refuses.
func (h *testHost) options() autostart.Options {
	return autostart.Options{
		HomeDir:                  h.home,
		ConfigHome:               filepath.Join(h.home, ".config"),
		ConfigDirs:               []string{filepath.Join(h.home, "system-xdg")},
		AllowTemporaryExecutable: true,
	}
}

func (h *testHost) loginEntry() (loginEntry, error) { return h.entry, nil }

func (h *testHost) startHelper() error {
	h.mu.Lock()
	h.starts++
	h.mu.Unlock()
	return nil
}

func (h *testHost) program() string { return h.programFile }

func (h *testHost) helperStarts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.starts
}

func (h *testHost) status(t *testing.T) autostart.Status {
	t.Helper()
	st, err := h.entry.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// memoryEntry stands in for the registry on Windows.
type memoryEntry struct {
	mu sync.Mutex
	on bool
}

func (m *memoryEntry) Status() (autostart.Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return autostart.Status{Installed: m.on, Current: m.on}, nil
}

func (m *memoryEntry) Enable() error  { m.mu.Lock(); m.on = true; m.mu.Unlock(); return nil }
func (m *memoryEntry) Disable() error { m.mu.Lock(); m.on = false; m.mu.Unlock(); return nil }

// logOf is the background helper's log in the config folder dir.
func logOf(dir string) string {
	data, _ := os.ReadFile(filepath.Join(dir, "logs", logging.BackgroundFileName))
	return string(data)
}

// helperRun is a background helper running in this process.
type helperRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	code   int
}

// startHelper runs RunBackground with env until it returns or the test
// ends.
func startHelper(t *testing.T, env map[string]string, h *testHost) *helperRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &helperRun{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.code = RunBackground(ctx, Options{Version: "test", LookupEnv: envFrom(env), host: h})
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// exited waits for the helper to return on its own and gives its exit code.
func (r *helperRun) exited(t *testing.T, why string) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(30 * time.Second):
		t.Fatalf("the helper is still running; it should have stopped: %s", why)
		return -1
	}
}

// stop is SIGTERM: the helper stops and returns 0.
func (r *helperRun) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	return r.exited(t, "it was told to stop")
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// holder is who holds the config folder's scheduler lock ("" for nobody).
func holder(t *testing.T, dir string) schedlock.Role {
	t.Helper()
	l, err := schedlock.New(schedlock.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	info, ok, err := l.Holder()
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return ""
	}
	return info.Role
}

func waitForHolder(t *testing.T, dir string, want schedlock.Role) {
	t.Helper()
	eventually(t, "the scheduler held by the "+string(want), func() bool { return holder(t, dir) == want })
}

// meetingsClock runs the meetings Services' clock ahead by what the test
// stores (to make a cache stale without waiting) and records the spread
// asked of the randomness, which it skips.
type meetingsClock struct {
	ahead  atomic.Int64
	spread atomic.Int64 // the largest jitter asked for
}

func controlMeetingsClock(t *testing.T) *meetingsClock {
	c := &meetingsClock{}
	prevNow, prevJitter := meetingsNow, meetingsJitter
	meetingsNow = func() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }
	meetingsJitter = func(n time.Duration) time.Duration {
		for {
			old := c.spread.Load()
			if int64(n) <= old || c.spread.CompareAndSwap(old, int64(n)) {
				return 0
			}
		}
	}
	t.Cleanup(func() { meetingsNow, meetingsJitter = prevNow, prevJitter })
	return c
}

// staleByOneInterval moves the clock on by one sync interval (and a
// minute), so the next Service to start finds the cache stale.
func (c *meetingsClock) staleByOneInterval(b *meetings.Budget) {
	c.ahead.Add(int64(b.BaseSyncInterval() + time.Minute))
}

// connectedWindow connects a window in configured mode with the rule
// "every meeting with a link" and waits for its bots.
func connectedWindow(t *testing.T, env map[string]string, h *testHost, svc *demo.Services) (*desktopRun, connect.State) {
	t.Helper()
	win := runDesktopOn(t, env, h)
	st, _ := win.app.Connect()
	answerSignIn(t, st, "accept")
	st = waitForCalendarStatus(t, win.app, "connected")
	waitForMeetings(t, win.app, "the first sync", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady && !v.Syncing })
	if _, err := win.app.SetRecordingRule(string(meetings.RuleAllWithLink), false); err != nil {
		t.Fatal(err)
	}
	v := waitForMeetings(t, win.app, "bots for the rule", settled)
	assertBotsFollowView(t, svc.Recall, v, config.DefaultBotName)
	return win, st
}

// addMeeting books a meeting with a Teams link three hours from now in the
// fake calendar, as a new invitation would arrive.
func addMeeting(t *testing.T, svc *demo.Services, calendarID, title string) (id, key string) {
	t.Helper()
	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute).UTC()
	link := "https://teams.microsoft.com/l/meetup-join/" + strings.ReplaceAll(strings.ToLower(title), " ", "-")
	id, err := svc.Recall.AddEvent(calendarID, recallapi.NewEvent{Title: title, Start: start, End: start.Add(30 * time.Minute), MeetingURL: link})
	if err != nil {
		t.Fatal(err)
	}
	return id, start.Format(time.RFC3339) + "-" + link
}

func loadCache(t *testing.T, dir string) meetings.Cache {
	t.Helper()
	c, err := meetings.NewFileCache(filepath.Join(dir, meetingsFileName)).Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// configuredFixture is a configured app's environment against fresh fakes
// with a diary that does not change by itself.
func configuredFixture(t *testing.T) (svc *demo.Services, dir string, env map[string]string, h *testHost) {
	t.Helper()
	service := requireKeychain(t)
	svc = startFakes(t)
	svc.Recall.SetStaticEvents(true)
	dir = t.TempDir()
	return svc, dir, configuredEnv(svc, dir, service), newTestHost(t)
}

// closedWindow is where most helper tests start: a calendar connected in a
// window with the rule "every meeting with a link" and the week's bots,
// the window closed again, and the meetings clock moved on by one sync
// interval, so the next process to schedule syncs at once.
type closedWindow struct {
	svc    *demo.Services
	dir    string
	env    map[string]string
	h      *testHost
	clock  *meetingsClock
	budget *meetings.Budget
	cal    connect.State
}

func afterAWindow(t *testing.T) *closedWindow {
	t.Helper()
	checkNoLeaks(t)
	c := &closedWindow{clock: controlMeetingsClock(t)}
	c.svc, c.dir, c.env, c.h = configuredFixture(t)
	win, st := connectedWindow(t, c.env, c.h, c.svc)
	eventually(t, "the start-at-login entry written", func() bool { return c.h.status(t).Current })
	c.budget, c.cal = win.app.current().base.budget, st
	win.stop()
	c.clock.staleByOneInterval(c.budget)
	return c
}

// The helper's whole job: the window connects and closes (asking for the
// helper), a meeting is booked while nothing runs, and the helper, with no
// window, reads it and schedules its bot per the person's rule, spreading
// its first sync as a fleet at login would. The next window shows what it
// did, once.
func TestBackgroundHelperSchedulesWithNoWindow(t *testing.T) {
	c := afterAWindow(t)
	svc, dir, env, h, clock, budget := c.svc, c.dir, c.env, c.h, c.clock, c.budget
	if n := h.helperStarts(); n != 1 {
		t.Fatalf("closing the window started the helper %d times, want once", n)
	}
	if r := holder(t, dir); r != "" {
		t.Fatalf("the closed window still holds the scheduler (%s)", r)
	}

	id, key := addMeeting(t, svc, c.cal.Calendar.ID, "Booked while closed")
	helper := startHelper(t, env, h)
	eventually(t, "the helper's bot on the new meeting", func() bool { return botsOf(svc.Recall)[id].Key == key })
	if b := botsOf(svc.Recall)[id]; b.BotName != config.DefaultBotName {
		t.Errorf("the helper's bot is named %q", b.BotName)
	}
	wantSpread, _ := backgroundStartSpread(budget)
	if got, want := time.Duration(clock.spread.Load()), wantSpread; got != want {
		t.Errorf("the helper's first sync was spread over %v, want one sync interval (%v)", got, want)
	}
	eventually(t, "the helper's sync recorded", func() bool {
		c := loadCache(t, dir)
		return c.LastSyncBy == meetings.ByBackground && c.Runs[meetings.ByBackground].BotsScheduled == 1
	})
	if r := holder(t, dir); r != schedlock.RoleBackground {
		t.Fatalf("the scheduler is held by %q while the helper runs alone", r)
	}

	// The window opens: it takes over and shows what the helper did.
	again := runDesktopOn(t, env, h)
	waitForHolder(t, dir, schedlock.RoleWindow)
	v := waitForMeetings(t, again.app, "the helper's list", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	if v.LastSyncBy != string(meetings.ByBackground) {
		t.Errorf("the window's first list was synced by %q, want the helper", v.LastSyncBy)
	}
	bv, err := again.app.GetBackground()
	if err != nil || !bv.KeepScheduling || !bv.Running || bv.BotsScheduled != 1 || bv.LastRunAt == "" {
		t.Fatalf("the switch after the helper ran: %+v %v", bv, err)
	}
	if bv, _ := again.app.GetBackground(); bv.BotsScheduled != 1 {
		t.Errorf("a second look in the same window shows %d bots, want the same 1", bv.BotsScheduled)
	}
	diag, _ := again.app.GetDiagnostics()
	for _, want := range []string{"Meetings scheduled by: the window", "Background helper: running", "Start at login: on (", "scheduler.handed_over"} {
		if !strings.Contains(diag, want) {
			t.Errorf("the diagnostics lack %q:\n%s", want, diag)
		}
	}
	again.stop()
	if n := h.helperStarts(); n != 1 {
		t.Errorf("a window closing with the helper running started another (%d starts)", n)
	}
	if code := helper.stop(t); code != 0 {
		t.Errorf("the helper exited with %d after SIGTERM, want 0", code)
	}

	// Seen: the next window does not count those bots again.
	third := runDesktopOn(t, env, h)
	waitForMeetings(t, third.app, "the list", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	if bv, _ := third.app.GetBackground(); bv.BotsScheduled != 0 || bv.LastRunAt == "" || bv.Running {
		t.Errorf("the next window: %+v, want the last run and no bots it has shown before", bv)
	}
}

// One scheduler at a time: a window opening makes the running helper hand
// over (the window syncs from then on), and the window closing hands it
// back (the helper syncs again).
func TestWindowTakesOverAndHandsBack(t *testing.T) {
	c := afterAWindow(t)
	svc, dir, env, h, clock, budget := c.svc, c.dir, c.env, c.h, c.clock, c.budget
	helper := startHelper(t, env, h)
	eventually(t, "the helper's sync", func() bool { return loadCache(t, dir).LastSyncBy == meetings.ByBackground })

	again := runDesktopOn(t, env, h)
	waitForHolder(t, dir, schedlock.RoleWindow)
	waitForMeetings(t, again.app, "the window's list", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	if _, err := again.app.SyncMeetings(); err != nil {
		t.Fatal(err)
	}
	v := waitForMeetings(t, again.app, "a sync by the window", func(v meetings.View) bool {
		return v.LastSyncBy == string(meetings.ByWindow) && !v.Syncing
	})
	if v.SyncProblem != nil {
		t.Fatalf("the window's sync: %+v", v.SyncProblem)
	}
	lists := func() int { return listRequests(svc) }
	// The helper is quiet while the window holds the scheduler: with the
	// clock moved on, only the window may list (and does, when asked).
	clock.staleByOneInterval(budget)
	before := lists()
	if _, err := again.app.SyncMeetings(); err != nil {
		t.Fatal(err)
	}
	waitForMeetings(t, again.app, "the second sync", func(v meetings.View) bool { return !v.Syncing })
	if n := lists() - before; n != 1 {
		t.Errorf("%d event lists while the window held the scheduler, want the window's 1", n)
	}

	clock.staleByOneInterval(budget)
	again.stop()
	waitForHolder(t, dir, schedlock.RoleBackground)
	eventually(t, "the helper syncing again", func() bool { return loadCache(t, dir).LastSyncBy == meetings.ByBackground })
	if n := h.helperStarts(); n != 1 {
		t.Errorf("%d helper starts, want only the first window's", n)
	}
	if code := helper.stop(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// listRequests counts the fake Recall's List Calendar Events requests.
func listRequests(svc *demo.Services) int {
	n := 0
	for _, r := range svc.Recall.Requests() {
		if r.Method == "GET" && r.Path == "/api/v2/calendar-events/" {
			n++
		}
	}
	return n
}

// A window opening while the helper holds the scheduler only shows the
// list (Passive): even "Check now" with a stale list asks Recall nothing,
// until the helper hands over; then the window syncs. The test holds the
// lock itself, standing in for a helper that has not handed over yet.
func TestWindowWaitsForTheSchedulerBeforeSyncing(t *testing.T) {
	c := afterAWindow(t)
	svc, dir, env, h := c.svc, c.dir, c.env, c.h
	l, err := schedlock.New(schedlock.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	lease, ok, err := l.TryAcquire(schedlock.RoleBackground)
	if err != nil || !ok {
		t.Fatalf("the test could not take the scheduler: %v %v", ok, err)
	}
	defer lease.Release()
	before := listRequests(svc)
	again := runDesktopOn(t, env, h)
	waitForMeetings(t, again.app, "the cached list", func(v meetings.View) bool { return v.Phase == meetings.PhaseReady })
	v, err := again.app.SyncMeetings()
	if err != nil || v.Phase != meetings.PhaseReady || len(v.Meetings) == 0 {
		t.Fatalf("Check now while waiting: %+v %v", v, err)
	}
	if n := listRequests(svc) - before; n != 0 {
		t.Fatalf("the window listed the events %d times while another process held the scheduler", n)
	}

	select {
	case <-lease.Lost():
	case <-time.After(30 * time.Second):
		t.Fatal("the window never asked for the scheduler")
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	waitForHolder(t, dir, schedlock.RoleWindow)
	eventually(t, "the window syncing once it holds the scheduler", func() bool { return listRequests(svc) > before })
}

// Disconnect in the window while the helper waits: the helper sees the
// connection go and exits, and the start-at-login entry is gone.
func TestDisconnectInTheWindowEndsTheHelper(t *testing.T) {
	c := afterAWindow(t)
	svc, dir, env, h := c.svc, c.dir, c.env, c.h
	helper := startHelper(t, env, h)
	waitForHolder(t, dir, schedlock.RoleBackground)

	again := runDesktopOn(t, env, h)
	waitForHolder(t, dir, schedlock.RoleWindow)
	waitForPhase(t, again.app, connect.PhaseConnected)
	if _, err := again.app.Disconnect(); err != nil {
		t.Fatal(err)
	}
	waitForPhase(t, again.app, connect.PhaseIdle)
	if code := helper.exited(t, "the calendar was disconnected"); code != 0 {
		t.Errorf("the helper exited with %d, want 0", code)
	}
	eventually(t, "the entry removed", func() bool { return !h.status(t).Installed })
	if bv, _ := again.app.GetBackground(); bv.Running {
		t.Error("the switch says the helper still runs")
	}
	again.stop()
	if n := h.helperStarts(); n != 1 {
		t.Errorf("closing a disconnected window started a helper (%d starts)", n)
	}
	if n := len(svc.Recall.Calendars()); n != 0 {
		t.Errorf("%d calendars left in Recall", n)
	}
}

// Uninstalled while the helper runs (apt remove, brew uninstall: package
// managers stop no one's processes): the helper notices its program is
// gone and stops, leaving the scheduler free and the calendar in Recall as
// it was. The login entry stays: an upgrade that briefly removes the
// program must not lose it, and a removed program's entry is skipped at
// login (TryExec, a missing file).
func TestHelperStopsWhenTheAppIsUninstalled(t *testing.T) {
	c := afterAWindow(t)
	interval, grace := programCheckInterval, programGrace
	programCheckInterval, programGrace = 10*time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() { programCheckInterval, programGrace = interval, grace })
	c.h.programFile = filepath.Join(t.TempDir(), "outlook-connect-background")
	if err := os.WriteFile(c.h.programFile, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	helper := startHelper(t, c.env, c.h)
	waitForHolder(t, c.dir, schedlock.RoleBackground)
	time.Sleep(10 * programCheckInterval) // a few checks with the program there
	if r := holder(t, c.dir); r != schedlock.RoleBackground {
		t.Fatalf("the helper stopped while its program was there (holder %q)", r)
	}

	if err := os.Remove(c.h.programFile); err != nil {
		t.Fatal(err)
	}
	if code := helper.exited(t, "its program was removed"); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	log := logOf(c.dir)
	if !strings.Contains(log, `"msg":"background.program_removed"`) || !strings.Contains(log, `"reason":"program_removed"`) {
		t.Errorf("the log does not say why the helper stopped:\n%s", log)
	}
	if r := holder(t, c.dir); r != "" {
		t.Errorf("the scheduler is still held by %q", r)
	}
	if !c.h.status(t).Installed {
		t.Error("the login entry was removed")
	}
	if n := len(c.svc.Recall.Calendars()); n != 1 {
		t.Errorf("%d calendars in Recall, want the one connected", n)
	}
}

// The start-at-login entry follows the switch and the connection: written
// on connecting, removed and written again with the switch, repaired when
// it points at another copy of the program, left off when the computer's
// start-up settings turned it off (the switch then shows off, and turning
// it on switches it back on), and removed on Disconnect.
func TestLoginEntryFollowsTheSwitchAndTheConnection(t *testing.T) {
	checkNoLeaks(t)
	if runtime.GOOS == "windows" {
		t.Skip("the Windows writer is the registry; app/autostart tests it as data")
	}
	svc, _, env, h := configuredFixture(t)
	win := runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseIdle)
	if st := h.status(t); st.Installed {
		t.Fatal("an entry before any calendar is connected")
	}
	st, _ := win.app.Connect()
	answerSignIn(t, st, "accept")
	waitForCalendarStatus(t, win.app, "connected")
	eventually(t, "the entry written on connecting", func() bool { return h.status(t).Current })
	cmd := h.status(t).Command
	if exe, _ := os.Executable(); len(cmd) != 2 || cmd[1] != autostart.BackgroundFlag || !sameFile(cmd[0], exe) {
		t.Errorf("the entry runs %q, want this program with %s", cmd, autostart.BackgroundFlag)
	}

	bv, err := win.app.SetKeepScheduling(false)
	if err != nil || bv.KeepScheduling || bv.Source != meetings.SourcePerson || bv.Problem != nil {
		t.Fatalf("switched off: %+v %v", bv, err)
	}
	if h.status(t).Installed {
		t.Fatal("the entry is still there with the switch off")
	}
	if bv, err = win.app.SetKeepScheduling(true); err != nil || !bv.KeepScheduling || !h.status(t).Current {
		t.Fatalf("switched on again: %+v %v, entry %+v", bv, err, h.status(t))
	}
	win.stop()

	// Another copy of the program wrote the entry (the app was moved):
	// the next window points it back at itself.
	other := filepath.Join(t.TempDir(), "outlook-connect")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := h.options()
	opts.Executable = other
	moved, err := autostart.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := moved.Enable(); err != nil {
		t.Fatal(err)
	}
	win = runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseConnected)
	eventually(t, "the moved entry repaired", func() bool { return h.status(t).Current })
	win.stop()

	// The desktop's start-up settings switch it off (GNOME Tweaks writes
	// X-GNOME-Autostart-enabled=false into the file).
	file := filepath.Join(h.home, ".config", "autostart", "outlook-connect-background.desktop")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	off := bytes.ReplaceAll(data, []byte("X-GNOME-Autostart-enabled=true"), []byte("X-GNOME-Autostart-enabled=false"))
	if bytes.Equal(off, data) {
		t.Fatalf("the entry has no X-GNOME-Autostart-enabled=true:\n%s", data)
	}
	if err := os.WriteFile(file, off, 0o600); err != nil {
		t.Fatal(err)
	}
	win = runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseConnected)
	eventually(t, "the switch showing off", func() bool {
		bv, _ := win.app.GetBackground()
		return !bv.KeepScheduling && bv.Source == sourceSystem && bv.Note == noteDisabledOutside
	})
	if st := h.status(t); !st.DisabledOutside {
		t.Fatalf("the window switched the entry back on by itself: %+v", st)
	}
	starts := h.helperStarts()
	win.stop()
	if n := h.helperStarts(); n != starts {
		t.Error("the window started the helper although start-up was turned off")
	}
	win = runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseConnected)
	eventually(t, "the switch showing off", func() bool { bv, _ := win.app.GetBackground(); return bv.Source == sourceSystem })
	if bv, err := win.app.SetKeepScheduling(true); err != nil || !bv.KeepScheduling || bv.Source != meetings.SourcePerson || bv.Note != "" {
		t.Fatalf("turned on again: %+v %v", bv, err)
	}
	if st := h.status(t); !st.Current || st.DisabledOutside {
		t.Fatalf("the entry after turning it on: %+v", st)
	}

	if _, err := win.app.Disconnect(); err != nil {
		t.Fatal(err)
	}
	waitForPhase(t, win.app, connect.PhaseIdle)
	eventually(t, "the entry removed on Disconnect", func() bool { return !h.status(t).Installed })
	if n := len(svc.Recall.Calendars()); n != 0 {
		t.Errorf("%d calendars left", n)
	}
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// Demo mode never writes an entry or starts the helper, and says so.
func TestDemoModeLeavesStartUpAlone(t *testing.T) {
	checkNoLeaks(t)
	service := requireKeychain(t)
	h := newTestHost(t)
	win := runDesktopOn(t, map[string]string{config.EnvConfigDir: t.TempDir(), config.EnvKeyringService: service, config.EnvBrowser: "true"}, h)
	st, _ := win.app.Connect()
	browseSignIn(t, st)
	waitForCalendarStatus(t, win.app, "connected")
	bv, err := win.app.GetBackground()
	if err != nil || !bv.KeepScheduling || bv.Note != noteDemo || bv.Running || bv.Problem != nil {
		t.Fatalf("demo mode's switch: %+v %v", bv, err)
	}
	if _, err := win.app.SetKeepScheduling(true); err != nil {
		t.Fatal(err)
	}
	win.stop()
	if h.status(t).Installed || h.helperStarts() != 0 {
		t.Errorf("demo mode: entry %+v, %d helper starts; want neither", h.status(t), h.helperStarts())
	}
}

// The helper exits 0 at once when it has nothing to do: another helper
// runs, demo mode (the entry is left alone), no connected calendar or
// keep-scheduling off (it removes the entry: nothing to start at login).
func TestHelperExitsWhenThereIsNothingToDo(t *testing.T) {
	checkNoLeaks(t)
	service := requireKeychain(t)
	run := func(t *testing.T, env map[string]string, h *testHost) int {
		t.Helper()
		return startHelper(t, env, h).exited(t, "there is nothing to do")
	}

	t.Run("demo mode", func(t *testing.T) {
		dir, h := t.TempDir(), newTestHost(t)
		if err := h.entry.Enable(); err != nil {
			t.Fatal(err)
		}
		if code := run(t, map[string]string{config.EnvConfigDir: dir, config.EnvKeyringService: service}, h); code != 0 {
			t.Errorf("exit code %d", code)
		}
		if !h.status(t).Installed || !strings.Contains(logOf(dir), `"reason":"demo_mode"`) {
			t.Errorf("demo mode: entry %+v, log:\n%s", h.status(t), logOf(dir))
		}
		for _, name := range []string{"connection-demo.json", "meetings-demo.json"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("the helper made %s", name)
			}
		}
	})

	svc := startFakes(t)
	t.Run("no connected calendar", func(t *testing.T) {
		dir, h := t.TempDir(), newTestHost(t)
		if err := h.entry.Enable(); err != nil {
			t.Fatal(err)
		}
		if code := run(t, configuredEnv(svc, dir, service), h); code != 0 {
			t.Errorf("exit code %d", code)
		}
		if h.status(t).Installed || !strings.Contains(logOf(dir), `"reason":"not_connected"`) {
			t.Errorf("no connection: entry %+v, log:\n%s", h.status(t), logOf(dir))
		}
	})

	t.Run("keep scheduling off", func(t *testing.T) {
		dir, h := t.TempDir(), newTestHost(t)
		if err := h.entry.Enable(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, connectionFileName), []byte(`{"schema":1,"data":{"calendarId":"00000000-0000-0000-0000-000000000001"}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		env := configuredEnv(svc, dir, service)
		env[config.EnvKeepScheduling] = "false"
		if code := run(t, env, h); code != 0 {
			t.Errorf("exit code %d", code)
		}
		if h.status(t).Installed || !strings.Contains(logOf(dir), `"reason":"keep_scheduling_off"`) {
			t.Errorf("switched off by the admin: entry %+v, log:\n%s", h.status(t), logOf(dir))
		}
	})

	t.Run("another helper runs", func(t *testing.T) {
		dir := t.TempDir()
		l, err := schedlock.New(schedlock.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		claim, ok, err := l.ClaimBackground()
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		defer claim.Release()
		if code := run(t, configuredEnv(svc, dir, service), newTestHost(t)); code != 0 {
			t.Errorf("exit code %d", code)
		}
		if !strings.Contains(logOf(dir), `"reason":"another_helper_runs"`) {
			t.Errorf("log:\n%s", logOf(dir))
		}
	})

	t.Run("unusable environment", func(t *testing.T) {
		if code := run(t, map[string]string{config.EnvConfigDir: "relative/dir"}, newTestHost(t)); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	})
}

// Which computer the app may change: a release build changes the real one;
// a development build leaves it alone (and says so in a developer's
// words) unless an end-to-end run asks; a test binary never touches it.
func TestSystemHostByBuild(t *testing.T) {
	e2e := envFrom(map[string]string{demoControlFileEnv: "/tmp/control.json"})
	e2eWithHelper := envFrom(map[string]string{demoControlFileEnv: "/tmp/control.json", helperStartEnv: "1"})
	none := envFrom(nil)

	if _, ok := newSystemHost(none, false).(refusingHost); !ok {
		t.Fatal("a test binary got the real computer")
	}
	for _, tc := range []struct {
		name string
		env  func(string) (string, bool)
		dev  bool
		want string // "refuse", "real", "real+helper"
	}{
		{"release build", none, false, "real+helper"},
		{"development build", none, true, "refuse"},
		{"development build, e2e run", e2e, true, "real"},
		{"development build, e2e run asking for the helper", e2eWithHelper, true, "real+helper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := systemHostFor(tc.env, tc.dev)
			switch hh := h.(type) {
			case refusingHost:
				if tc.want != "refuse" {
					t.Fatalf("refused, want %s", tc.want)
				}
				e, _ := hh.loginEntry()
				if p := problem.From(e.Enable()); p.Code != codeDevelopmentBuild || !strings.Contains(p.NextStep, "make build") {
					t.Errorf("Enable: %+v", p)
				}
				if hh.startHelper() == nil {
					t.Error("a development build started a helper")
				}
			case *systemHost:
				if tc.want == "refuse" || hh.startHelpers != (tc.want == "real+helper") {
					t.Fatalf("%+v, want %s", hh, tc.want)
				}
				// An e2e run's binary may sit in a checkout under /tmp
				// (CI's clean clone): its entry is written all the same.
				// A release build in a temporary folder is refused.
				if hh.allowTemporary != tc.dev {
					t.Errorf("allowTemporary = %v for dev=%v", hh.allowTemporary, tc.dev)
				}
			}
		})
	}
}

// A program "go run" built is a developer's: the temporary-executable
// problem is told in a developer's words; other problems pass as they are.
func TestLoginProblemWording(t *testing.T) {
	exe, _ := os.Executable()
	if !builtByGoRun(exe) {
		t.Skipf("this test binary is not in a go-build folder: %s", exe)
	}
	e, err := autostart.New(autostart.Options{HomeDir: t.TempDir(), ConfigHome: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p := loginProblem(e.Enable())
	if p.Code != codeDevelopmentBuild || !strings.Contains(p.Message, "go run") || !strings.Contains(p.NextStep, "make build") {
		t.Errorf("go run: %+v", p)
	}
	other := &problem.Problem{Code: autostart.CodeWriteFailed, Title: "x"}
	if got := loginProblem(other); got != other {
		t.Errorf("another problem was reworded: %+v", got)
	}
}

// The helper never opens the window's log: two processes rotating one
// lumberjack file would lose lines.
func TestHelperLogsToItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	a := newApp(Options{LookupEnv: envFrom(map[string]string{config.EnvConfigDir: dir, config.EnvKeyringService: "Outlook Connect test unused"}), host: newTestHost(t)})
	a.role = roleBackground
	b := a.newBase()
	b.logger.Log(context.Background(), slog.LevelInfo, "helper line")
	_ = b.logCloser.Close()
	if data, err := os.ReadFile(filepath.Join(dir, "logs", logging.BackgroundFileName)); err != nil || !strings.Contains(string(data), "helper line") {
		t.Errorf("background.log: %q %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", logging.FileName)); err == nil {
		t.Error("the helper opened the window's log")
	}
}

// refusingClaimer refuses the claim a number of times, as a window's
// "is a helper running?" probe does for an instant, then asks the real
// lock.
type refusingClaimer struct {
	refusals int
	locker   *schedlock.Locker
}

func (c *refusingClaimer) ClaimBackground() (*schedlock.Claim, bool, error) {
	if c.refusals > 0 {
		c.refusals--
		return nil, false, nil
	}
	return c.locker.ClaimBackground()
}

// A helper does not take a window's momentary probe of background.lock
// for another helper: it tries again, and gives up only when the claim is
// refused every time.
func TestClaimSurvivesAMomentaryProbe(t *testing.T) {
	l, err := schedlock.New(schedlock.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	claim, ok, err := claimBackground(context.Background(), &refusingClaimer{refusals: claimAttempts - 1, locker: l})
	if err != nil || !ok {
		t.Fatalf("refused %d times, then free: ok %v, %v", claimAttempts-1, ok, err)
	}
	if err := claim.Release(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := claimBackground(context.Background(), &refusingClaimer{refusals: claimAttempts, locker: l}); ok || err != nil {
		t.Fatalf("refused every time: ok %v, %v; want another helper", ok, err)
	}
}

// What the waiting helper takes for "a connection to keep scheduling":
// a calendar or a registration under way, not a file that only keeps a
// notice for the next window, and never by moving a damaged file aside
// (the file belongs to the window that runs the connection).
func TestConnectionSavedIsAConnection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, connectionFileName)
	write := func(s connect.Saved) {
		t.Helper()
		if err := (connectionStore{path: path}).Save(s); err != nil {
			t.Fatal(err)
		}
	}
	if connectionSaved(dir) {
		t.Error("no file: taken for a connection")
	}
	write(connect.Saved{CalendarID: "00000000-0000-0000-0000-000000000001"})
	if !connectionSaved(dir) {
		t.Error("a connected calendar: not taken for a connection")
	}
	write(connect.Saved{Pending: true, Account: "a@contoso.example"})
	if !connectionSaved(dir) {
		t.Error("a registration under way: not taken for a connection")
	}
	write(connect.Saved{Notice: &problem.Problem{Code: "connect.calendar_removed"}})
	if connectionSaved(dir) {
		t.Error("a notice for the next window: taken for a connection")
	}
	if err := os.WriteFile(path, []byte("{damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !connectionSaved(dir) {
		t.Error("a damaged file: not taken for a connection (only a Disconnect removes one)")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "{damaged" {
		t.Errorf("the check touched the damaged file: %v", err)
	}
}
