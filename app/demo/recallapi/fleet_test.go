package recallapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A list filtered by calendar pages through the calendar's own index: the
// same events in the same order as the whole list, events added later
// included.
func TestCalendarListMatchesWholeList(t *testing.T) {
	t.Parallel()
	s := start(t, Options{EventsPerCalendar: 150, RateLimits: &RateLimits{ListEvents: -1}})
	ids := []string{
		connectedCalendar(t, s, validCreate),
		connectedCalendar(t, s, strings.Replace(validCreate, "pat@", "sam@", 1)),
	}
	for i := range 40 {
		at := baseTime.Add(time.Duration(i+1) * time.Hour)
		if _, err := s.AddEvent(ids[i%2], NewEvent{Title: "added", Start: at, End: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	whole, _ := listAll(t, s, "/api/v2/calendar-events/")
	for _, id := range ids {
		var want []any
		for _, e := range whole {
			if e["calendar_id"] == id {
				want = append(want, e["id"])
			}
		}
		got, pages := listAll(t, s, "/api/v2/calendar-events/?"+url.Values{"calendar_id": {id}}.Encode())
		if len(got) != 170 || pages != 2 || len(want) != 170 {
			t.Fatalf("calendar %s: %d events in %d pages, whole list has %d", id, len(got), pages, len(want))
		}
		for i := range got {
			if got[i]["id"] != want[i] {
				t.Fatalf("calendar %s, event %d: %v, whole list has %v", id, i, got[i]["id"], want[i])
			}
		}
	}
}

// Finished idempotency entries are dropped an hour on, without scanning
// every entry on every request.
func TestIdempotencyEntriesExpire(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now, RateLimits: &RateLimits{Calendars: -1}})
	for i := range 20 {
		s.do(t, withIdem(validCreate, "key-"+string(rune('a'+i))))
	}
	clock.Advance(time.Hour)
	s.do(t, withIdem(validCreate, "later"))
	s.idem.mu.Lock()
	n, queued := len(s.idem.entries), len(s.idem.done)
	s.idem.mu.Unlock()
	if n != 1 || queued != 1 {
		t.Fatalf("%d entries (%d queued) an hour later, want only the new one", n, queued)
	}
	if r := s.do(t, withIdem(validCreate, "key-a")); r.status != http.StatusCreated {
		t.Fatalf("expired key: %d", r.status)
	}
}
