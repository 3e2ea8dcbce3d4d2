package sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/meetings"
)

func TestRunNeedsAFreshBubble(t *testing.T) {
	if _, err := Run(Config{Installs: 10}); err == nil {
		t.Fatal("Run outside a synctest bubble did not refuse: it would sleep for real")
	}
	if _, err := Run(Config{}); err == nil {
		t.Fatal("Run with no installs")
	}
}

// The busiest minute is counted the way Recall's limit counts: any 60
// seconds, the request 60 s after another one in a new window.
func TestPeakPerMinute(t *testing.T) {
	at := func(s ...float64) []time.Time {
		var out []time.Time
		for _, x := range s {
			out = append(out, day1.Add(time.Duration(x*float64(time.Second))))
		}
		return out
	}
	cases := []struct {
		name string
		ts   []time.Time
		want int
	}{
		{"none", nil, 0},
		{"one", at(5), 1},
		{"within a minute", at(0, 10, 59.9), 3},
		{"exactly a minute apart", at(0, 60), 1},
		{"sliding", at(0, 30, 61, 62, 89), 4},
	}
	for _, tc := range cases {
		if got := peakPerMinute(tc.ts, day1, day1.Add(time.Hour)); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := peakPerMinute(at(0, 10, 20), day1.Add(5*time.Second), day1.Add(15*time.Second)); got != 1 {
		t.Errorf("bounded to [5 s, 15 s): %d, want 1", got)
	}
	if got := count(at(0, 10, 20), day1.Add(5*time.Second), day1.Add(20*time.Second)); got != 1 {
		t.Errorf("count in [5 s, 20 s): %d, want 1", got)
	}
}

func TestClassifyMatchesRecallsEndpointGroups(t *testing.T) {
	cases := []struct {
		method, path string
		want         class
	}{
		{http.MethodGet, "/api/v2/calendars/", classListCalendars},
		{http.MethodPost, "/api/v2/calendars/", classCalendars},
		{http.MethodGet, "/api/v2/calendars/0b1c/", classCalendars},
		{http.MethodPatch, "/api/v2/calendars/0b1c/", classCalendars},
		{http.MethodGet, "/api/v2/calendar-events/", classListEvents},
		{http.MethodGet, "/api/v2/calendar-events/9f0e/", classRetrieveEvent},
		{http.MethodPost, "/api/v2/calendar-events/9f0e/bot/", classBots},
		{http.MethodDelete, "/api/v2/calendar-events/9f0e/bot/", classBots},
	}
	for _, tc := range cases {
		if got := classify(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.path, classNames[got], classNames[tc.want])
		}
	}
}

// What an install could be held to: a change needs the bound's time while
// the app runs (or its start-up bound after a start) before the deadline.
func TestCoveredBy(t *testing.T) {
	const bound = 50 * time.Minute
	at := func(h, m int) time.Time { return day1.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	running := []period{
		{from: at(9, 0), to: at(11, 0), startBound: 40 * time.Minute},
		{from: at(11, 10), to: at(17, 0), startBound: bound},
	}
	cases := []struct {
		name              string
		changed, deadline time.Time
		want              bool
	}{
		{"changed while off, deadline after start-up", at(7, 0), at(9, 40), true},
		{"changed while off, deadline in start-up", at(7, 0), at(9, 39), false},
		{"changed while running, a bound ahead", at(10, 0), at(10, 50), true},
		{"changed while running, less than a bound", at(10, 0), at(10, 49), false},
		{"bound runs into the outage", at(10, 30), at(11, 30), false},
		{"after the outage, a bound from its end", at(10, 30), at(12, 0), true},
		{"changed after the last period", at(17, 30), at(18, 30), false},
	}
	for _, tc := range cases {
		if got := coveredBy(running, tc.changed, tc.deadline, bound); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestExpectationMetBy(t *testing.T) {
	start := "2026-03-10T10:00:00Z"
	mv := func(start, platform, bot string, cancelled bool) *meetings.MeetingView {
		return &meetings.MeetingView{Start: start, Platform: platform, Bot: bot, Cancelled: cancelled}
	}
	moved := &expectation{start: start, platform: meetings.PlatformTeams, record: true}
	cases := []struct {
		name string
		e    *expectation
		v    *meetings.MeetingView
		want bool
	}{
		{"moved, bot rescheduled", moved, mv(start, "teams", meetings.BotScheduled, false), true},
		{"moved, old bot still pending", moved, mv(start, "teams", meetings.BotPending, false), false},
		{"not synced yet", moved, mv("2026-03-10T09:00:00Z", "teams", meetings.BotScheduled, false), false},
		{"other platform", moved, mv(start, "zoom", meetings.BotScheduled, false), false},
		{"not in the list", moved, nil, false},
		{"not recorded, shown", &expectation{start: start}, mv(start, "none", meetings.BotNone, false), true},
		{"cancelled, bot removed", &expectation{cancelled: true}, mv(start, "teams", meetings.BotNone, true), true},
		{"cancelled, bot waiting", &expectation{cancelled: true}, mv(start, "teams", meetings.BotPending, true), false},
		{"deleted, gone", &expectation{gone: true}, nil, true},
		{"deleted, still listed", &expectation{gone: true}, mv(start, "teams", meetings.BotNone, false), false},
	}
	for _, tc := range cases {
		if got := tc.e.metBy(tc.v); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
