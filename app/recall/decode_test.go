package recall

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
)

const sampleCalendar = `{
  "id": "0b7a3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  "platform": "microsoft_outlook",
  "oauth_client_id": "client",
  "oauth_client_secret": "` + clientSecret + `",
  "oauth_refresh_token": "` + refreshToken + `",
  "oauth_email": "pat@contoso.example",
  "webhook_url": null,
  "platform_email": null,
  "status": "disconnected",
  "status_changes": [
    {"status": "disconnected", "created_at": "2026-03-09T12:05:00.000000Z", "error": "invalid_grant",
     "error_description": "AADSTS70008: expired", "refresh_token": "` + refreshToken + `",
     "provider": {"access_token": "eyJx.eyJy.sig", "trace_id": "abc"}},
    {"status": "connecting", "created_at": "2026-03-09T12:00:00Z"},
    {"status": "connected", "created_at": "2026-03-09T12:01:00.5Z"},
    "not an object",
    {"status": 7, "created_at": "yesterday"}
  ],
  "created_at": "2026-03-09T12:00:00Z",
  "updated_at": "2026-03-09T12:05:00Z",
  "some_future_field": {"x": 1}
}`

func TestDecodeCalendarLeniently(t *testing.T) {
	t.Parallel()
	cal, err := decodeCalendar([]byte(sampleCalendar))
	if err != nil {
		t.Fatal(err)
	}
	if cal.PlatformEmail != "" || cal.Email() != "pat@contoso.example" || cal.Status != StatusDisconnected {
		t.Fatalf("calendar %+v", cal)
	}
	var statuses []string
	for _, sc := range cal.StatusChanges {
		statuses = append(statuses, sc.Status)
	}
	// Sorted by created_at; the entry with a bad time sorts first (zero).
	if got := strings.Join(statuses, ","); got != ",connecting,connected,disconnected" {
		t.Fatalf("order %q", got)
	}
	last, ok := cal.LatestChange()
	if !ok || last.Status != StatusDisconnected || !last.CreatedAt.Equal(time.Date(2026, 3, 9, 12, 5, 0, 0, time.UTC)) {
		t.Fatalf("latest %+v", last)
	}
	want := `error=invalid_grant; error_description=AADSTS70008: expired; provider={"trace_id":"abc"}`
	if last.Detail != want {
		t.Fatalf("detail %q, want %q", last.Detail, want)
	}
	b, _ := json.Marshal(cal)
	for _, s := range []string{clientSecret, refreshToken, "eyJx"} {
		if strings.Contains(string(b), s) {
			t.Fatalf("decoded calendar holds %q: %s", s, b)
		}
	}
}

func TestDecodeStatusChangesShapes(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`null`, `{}`, `"x"`, `[]`, `[1,2]`, `[{"status":null}]`, ``} {
		cal, err := decodeCalendar([]byte(`{"id":"x","status_changes":` + raw + `}`))
		if raw == `` {
			cal, err = decodeCalendar([]byte(`{"id":"x"}`))
		}
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if _, ok := cal.LatestChange(); ok && raw != `[{"status":null}]` {
			t.Fatalf("%s: unexpected change %+v", raw, cal.StatusChanges)
		}
	}
}

func TestDecodeEventMeetingURLForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, meetingURL, platform string
		wantURL, wantID, wantPlat  string
	}{
		{"string", `"https://teams.microsoft.com/l/meetup-join/x"`, `"microsoft_teams"`, "https://teams.microsoft.com/l/meetup-join/x", "", "microsoft_teams"},
		{"null", `null`, `null`, "", "", ""},
		{"object", `{"meeting_id":"85012345678","platform":"zoom","meeting_password":"p"}`, `null`, "", "85012345678", "zoom"},
		{"object with url", `{"url":"https://zoom.us/j/1","platform":"zoom"}`, `"zoom"`, "https://zoom.us/j/1", "", "zoom"},
		{"number", `42`, `17`, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := decodeEvent([]byte(`{"id":"e1","calendar_id":"c1","start_time":"2026-03-10T09:30:00Z","end_time":"2026-03-10T09:45:00Z",
				"raw":{"subject":"Daily stand-up","isAllDay":false,"isCancelled":true,"attendees":[]},"meeting_url":` + tc.meetingURL + `,
				"meeting_platform":` + tc.platform + `,"is_deleted":false,"bots":[{"bot_id":"b1","start_time":"2026-03-10T09:28:00Z","deduplication_key":"k","meeting_url":{"meeting_id":"1"}}, 5]}`))
			if err != nil {
				t.Fatal(err)
			}
			if ev.MeetingURL != tc.wantURL || ev.MeetingID != tc.wantID || ev.MeetingPlatform != tc.wantPlat {
				t.Fatalf("got url=%q id=%q platform=%q", ev.MeetingURL, ev.MeetingID, ev.MeetingPlatform)
			}
			if ev.Title != "Daily stand-up" || !ev.IsCancelled || len(ev.Bots) != 1 || ev.Bots[0].ID != "b1" {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	ev, err := decodeEvent([]byte(`{"id":"e1","raw":"not an object","start_time":12}`))
	if err != nil || ev.Title != "" || !ev.StartTime.IsZero() {
		t.Fatalf("lenient raw: %+v, %v", ev, err)
	}
}

// sampleOutlookEvent is an Outlook event as Recall lists it, with the Graph
// fields the meetings package reads (recall-api.md §3.4).
const sampleOutlookEvent = `{"id":"e1","calendar_id":"c1","start_time":"2026-03-10T23:00:00Z","end_time":"2026-03-11T23:00:00Z",
  "meeting_url":null,"meeting_platform":null,"is_deleted":false,"bots":[],
  "raw":{"subject":"Offsite","isAllDay":true,"isOrganizer":false,"type":"occurrence","seriesMasterId":"AAMkSeries",
    "start":{"dateTime":"2026-03-11T00:00:00.0000000","timeZone":"W. Europe Standard Time"},
    "organizer":{"emailAddress":{"name":"Kim","address":"kim@fabrikam.example"}},
    "responseStatus":{"response":"tentativelyAccepted","time":"2026-03-01T10:00:00Z"},
    "onlineMeeting":{"joinUrl":"https://nam12.safelinks.protection.outlook.com/?url=x"},
    "attendees":[
      {"type":"required","status":{"response":"accepted"},"emailAddress":{"name":"Pat","address":"pat@contoso.example"}},
      {"type":"resource","status":{"response":"none"},"emailAddress":{"address":"room-4@contoso.example"}},
      {"type":"optional","status":"weird","emailAddress":{"address":"ana@adatum.example"}},
      {"type":"required","emailAddress":{"address":""}},
      {"type":"required"},
      "not an object", 7, null
    ]}}`

func TestDecodeEventOutlookFields(t *testing.T) {
	t.Parallel()
	ev, err := decodeEvent([]byte(sampleOutlookEvent))
	if err != nil {
		t.Fatal(err)
	}
	want := []Attendee{
		{Email: "pat@contoso.example", Response: "accepted", Type: "required"},
		{Email: "room-4@contoso.example", Response: "none", Type: "resource"},
		{Email: "ana@adatum.example", Type: "optional"},
	}
	if len(ev.Attendees) != len(want) {
		t.Fatalf("attendees %+v", ev.Attendees)
	}
	for i := range want {
		if ev.Attendees[i] != want[i] {
			t.Fatalf("attendee %d: %+v, want %+v", i, ev.Attendees[i], want[i])
		}
	}
	if ev.Organizer != "kim@fabrikam.example" || ev.IsOrganizer || ev.Response != "tentativelyAccepted" ||
		ev.SeriesMasterID != "AAMkSeries" || ev.EventType != "occurrence" || !ev.IsAllDay ||
		ev.AllDayDate != "2026-03-11" || ev.JoinURL != "https://nam12.safelinks.protection.outlook.com/?url=x" {
		t.Fatalf("event %+v", ev)
	}

	// Every Graph field in a shape we do not expect is dropped on its own,
	// never failing the event.
	odd := `{"id":"e2","raw":{"subject":"x","isAllDay":true,"isOrganizer":"yes","organizer":"kim","attendees":{"a":1},
	  "responseStatus":[1],"seriesMasterId":5,"type":null,"start":{"dateTime":"2026-13-40T00:00:00"},"onlineMeeting":"x"}}`
	ev, err = decodeEvent([]byte(odd))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Title != "x" || ev.Organizer != "" || ev.IsOrganizer || ev.Attendees != nil || ev.Response != "" ||
		ev.SeriesMasterID != "" || ev.EventType != "" || ev.AllDayDate != "" || ev.JoinURL != "" {
		t.Fatalf("odd shapes: %+v", ev)
	}
	// The date is only read for all-day events: a timed event's start is
	// a point in time, which start_time already carries.
	timed := strings.Replace(sampleOutlookEvent, `"isAllDay":true`, `"isAllDay":false`, 1)
	if ev, _ := decodeEvent([]byte(timed)); ev.AllDayDate != "" {
		t.Fatalf("timed event has an all-day date %q", ev.AllDayDate)
	}
	// A runaway attendee list is bounded.
	var b strings.Builder
	b.WriteString(`{"id":"e3","raw":{"attendees":[`)
	for i := 0; i < maxAttendees+5; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"emailAddress":{"address":"a@b.example"}}`)
	}
	b.WriteString(`]}}`)
	if ev, _ := decodeEvent([]byte(b.String())); len(ev.Attendees) != maxAttendees {
		t.Fatalf("%d attendees kept", len(ev.Attendees))
	}
}

func TestDefaultDeduplicationKey(t *testing.T) {
	t.Parallel()
	ev := Event{StartTime: time.Date(2025, 6, 10, 18, 0, 0, 0, time.UTC), MeetingURL: "https://teams.microsoft.com/l/meetup-join/x"}
	if got := DefaultDeduplicationKey(ev); got != "2025-06-10T18:00:00Z-https://teams.microsoft.com/l/meetup-join/x" {
		t.Fatalf("key %q", got)
	}
	if DefaultDeduplicationKey(Event{StartTime: ev.StartTime}) != "" {
		t.Fatal("key without a meeting link")
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	if KindOf(nil) != KindUnknown || KindOf(context.Canceled) != KindCanceled || KindOf(context.DeadlineExceeded) != KindCanceled {
		t.Fatal("KindOf on plain errors")
	}
	if KindOf(newProblem(KindConflict, nil)) != KindConflict {
		t.Fatal("KindOf on a problem")
	}
	if KindOf(json.Unmarshal([]byte("{"), new(any))) != KindUnknown {
		t.Fatal("KindOf on a foreign error")
	}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{}.withDefaults()
	full := func(n time.Duration) time.Duration { return n }
	cases := []struct {
		name               string
		attempt            int
		retryAfter, waited time.Duration
		want               time.Duration
		ok                 bool
	}{
		{"first backoff", 1, 0, 0, 500 * time.Millisecond, true},
		{"doubles", 3, 0, 0, 2 * time.Second, true},
		{"last attempt", 4, 0, 0, 0, false},
		{"retry-after", 1, 10 * time.Second, 0, 12 * time.Second, true},
		{"retry-after over cap", 1, 31 * time.Second, 0, 0, false},
		{"total wait spent", 2, 0, 44900 * time.Millisecond, 0, false},
	}
	for _, tc := range cases {
		got, ok := p.next(tc.attempt, p.MaxAttempts, tc.retryAfter, tc.waited, full)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	big := RetryPolicy{MaxAttempts: 80, MaxTotalWait: time.Hour}.withDefaults()
	if got, ok := big.next(70, 80, 0, 0, full); !ok || got != big.MaxDelay {
		t.Fatalf("huge attempt: %v %v", got, ok)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		" 0 ":                           0,
		"Mon, 09 Mar 2026 12:00:30 GMT": 30 * time.Second,
	} {
		if got, ok := parseRetryAfter(v, now); !ok || got != want {
			t.Errorf("%q: %v %v", v, got, ok)
		}
	}
	for _, v := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(v, now); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := newLimiter(Limits{}, clock)
	// List Events: 60/min, so a burst of 10 and then one per second.
	for i := 0; i < 10; i++ {
		if d := l.reserve(classListEvents); d != 0 {
			t.Fatalf("request %d waits %v inside the burst", i, d)
		}
	}
	if d := l.reserve(classListEvents); d != time.Second {
		t.Fatalf("11th waits %v, want 1s", d)
	}
	if d := l.reserve(classListEvents); d != 2*time.Second {
		t.Fatalf("12th waits %v, want 2s", d)
	}
	if d := l.reserve(classBots); d != 0 {
		t.Fatal("bots share the list budget")
	}
	now = now.Add(time.Minute)
	if d := l.reserve(classListEvents); d != 0 {
		t.Fatalf("after a minute: %v", d)
	}
	off := newLimiter(Limits{ListEvents: -1}, clock)
	for i := 0; i < 1000; i++ {
		if off.reserve(classListEvents) != 0 {
			t.Fatal("disabled limit waited")
		}
	}
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	tiny := newLimiter(Limits{Calendars: 6}, clock) // burst 1, then one per 10 s
	for i := 0; i < 3; i++ {
		if err := tiny.wait(context.Background(), classCalendars, sleep); err != nil {
			t.Fatal(err)
		}
	}
	if len(slept) != 2 || slept[0] != 10*time.Second || slept[1] != 20*time.Second {
		t.Fatalf("slept %v", slept)
	}
}

func TestLimiterPacesRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{}, func(c *Config) { c.Limits = Limits{Calendars: 6} })
	for i := 0; i < 3; i++ {
		_ = e.client.Probe(context.Background())
	}
	if w := e.sleeps.all(); len(w) != 2 {
		t.Fatalf("limiter waits %v, want 2", w)
	}
}

func FuzzDecodeCalendar(f *testing.F) {
	f.Add([]byte(sampleCalendar))
	f.Add([]byte(`{"id":"x","status_changes":[{"status":"connected","created_at":"2026-01-01T00:00:00Z","x":{"token":"t"}}]}`))
	f.Add([]byte(`{"next":null,"results":[{"id":"e","meeting_url":{"meeting_id":1},"raw":[],"bots":[{}]}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"next":null,"results":[` + sampleOutlookEvent + `]}`))
	f.Add([]byte(`{"results":[{"id":"e","raw":{"isAllDay":true,"start":{"dateTime":"2026-02-30"},"attendees":[{"emailAddress":{"address":" "}},{"status":{}}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if cal, err := decodeCalendar(data); err == nil {
			if cal.ID == "" {
				t.Fatal("decoded a calendar without an id")
			}
			for i := 1; i < len(cal.StatusChanges); i++ {
				if cal.StatusChanges[i].CreatedAt.Before(cal.StatusChanges[i-1].CreatedAt) {
					t.Fatal("status changes not sorted")
				}
			}
			for _, sc := range cal.StatusChanges {
				if len(sc.Detail) > maxDetailLen+len("…") {
					t.Fatalf("detail of %d bytes", len(sc.Detail))
				}
				for _, part := range strings.Split(sc.Detail, "; ") {
					if k, _, ok := strings.Cut(part, "="); ok && secretKey(k) && !strings.Contains(k, "{") {
						t.Fatalf("credential-like key kept: %q", sc.Detail)
					}
				}
			}
			if _, err := json.Marshal(cal); err != nil {
				t.Fatal(err)
			}
		}
		if events, _, err := decodeEventPage(data); err == nil {
			for _, ev := range events {
				if ev.ID == "" {
					t.Fatal("decoded an event without an id")
				}
				if ev.AllDayDate != "" {
					if _, err := time.Parse(time.DateOnly, ev.AllDayDate); err != nil || !ev.IsAllDay {
						t.Fatalf("all-day date %q (all-day %v)", ev.AllDayDate, ev.IsAllDay)
					}
				}
				if len(ev.Attendees) > maxAttendees {
					t.Fatalf("%d attendees", len(ev.Attendees))
				}
				for _, a := range ev.Attendees {
					if a.Email == "" || strings.TrimSpace(a.Email) != a.Email || len(a.Email) > maxRawField {
						t.Fatalf("attendee address %q", a.Email)
					}
				}
			}
		}
		_, _, _ = decodeCalendarPage(data)
	})
}

func BenchmarkListEvents(b *testing.B) {
	e := newEnv(b, recallapi.Options{EventsPerCalendar: 2000})
	ctx := context.Background()
	cal, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken})
	if err != nil {
		b.Fatal(err)
	}
	for {
		got, err := e.client.Get(ctx, cal.ID)
		if err != nil {
			b.Fatal(err)
		}
		if got.Status == StatusConnected {
			break
		}
		time.Sleep(time.Millisecond)
	}
	filter := EventFilter{CalendarID: cal.ID}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var n, ops int
	for b.Loop() {
		events, err := e.client.ListEvents(ctx, filter)
		if err != nil {
			b.Fatal(err)
		}
		n = len(events)
		ops++
	}
	runtime.ReadMemStats(&after)
	if n != 2000 {
		b.Fatalf("%d events", n)
	}
	// Per event, over the whole round trip; the fake server runs in this
	// process, so its allocations are counted too.
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*n), "ns/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(ops*n), "allocs/event")
}
