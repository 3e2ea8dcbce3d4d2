package recallapi

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// cet is a zone east of UTC, where an all-day event's local midnight falls
// on the previous UTC day: the case that shifts dates when handled wrong.
var cet = time.FixedZone("CET", 3600)

func byTitle(t *testing.T, evs []EventSnapshot, title string) EventSnapshot {
	t.Helper()
	for _, e := range evs {
		if e.Title == title {
			return e
		}
	}
	t.Fatalf("no event %q", title)
	return EventSnapshot{}
}

func TestDemoWeek(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Location: cet})
	id := connectedCalendar(t, s, validCreate)
	week := baseTime.Add(7 * 24 * time.Hour)
	var links = map[string]int{}
	var noLink, allDay, standups, internalOnly, withExternal, declined, tentative, mine, theirs int
	for _, e := range eventsOf(t, s, id, "&is_deleted=false") {
		start, _ := time.Parse(time.RFC3339, e["start_time"].(string))
		if start.After(week) {
			continue
		}
		raw := e["raw"].(map[string]any)
		switch p, _ := e["meeting_platform"].(string); {
		case p != "":
			links[p]++
		case raw["onlineMeeting"] == nil:
			noLink++
		}
		if raw["isAllDay"] == true {
			allDay++
			local := start.In(cet)
			if local.Hour() != 0 || local.Minute() != 0 {
				t.Errorf("all-day event starts at %s local, not midnight", local)
			}
			if got := raw["start"].(map[string]any)["dateTime"].(string)[:10]; got != local.Format(time.DateOnly) {
				t.Errorf("all-day raw date %s, local date %s", got, local.Format(time.DateOnly))
			}
		}
		if raw["seriesMasterId"] != nil {
			standups++
			if l := start.In(cet); l.Hour() != 9 || l.Minute() != 30 {
				t.Errorf("stand-up at %s, want 09:30 local", l)
			}
		}
		external := false
		for _, a := range asSlice(raw["attendees"]) {
			if !strings.HasSuffix(a.(map[string]any)["emailAddress"].(map[string]any)["address"].(string), "@contoso.example") {
				external = true
			}
		}
		org := raw["organizer"].(map[string]any)["emailAddress"].(map[string]any)["address"].(string)
		if !strings.HasSuffix(org, "@contoso.example") {
			external = true
		}
		if external {
			withExternal++
		} else if raw["attendees"] != nil {
			internalOnly++
		}
		switch raw["responseStatus"].(map[string]any)["response"] {
		case "declined":
			declined++
		case "tentativelyAccepted":
			tentative++
		}
		if raw["isOrganizer"] == true {
			mine++
			if org != "pat@contoso.example" {
				t.Errorf("isOrganizer with organiser %s", org)
			}
		} else {
			theirs++
		}
	}
	for name, n := range map[string]int{
		"Teams": links["microsoft_teams"], "Zoom": links["zoom"], "Meet": links["google_meet"], "Webex": links["webex"],
		"no link": noLink, "all-day": allDay, "internal-only": internalOnly, "with outside guests": withExternal,
		"declined": declined, "tentative": tentative, "organised by the owner": mine, "organised by others": theirs,
	} {
		if n == 0 {
			t.Errorf("the week has no %s meeting", name)
		}
	}
	if standups < 4 {
		t.Errorf("%d stand-ups in the week", standups)
	}
	soon := byTitle(t, s.Events(id), ScriptedSoonTitle)
	if !soon.Start.Equal(baseTime.Add(5*time.Minute)) || soon.MeetingURL == "" {
		t.Fatalf("the meeting starting soon: %+v", soon)
	}
}

func TestScriptedChanges(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now})
	id := connectedCalendar(t, s, validCreate)
	before := s.Events(id)
	moving := byTitle(t, before, ScriptedMovingTitle)
	cancelling := byTitle(t, before, ScriptedCancelledTitle)
	key := moving.Start.Format(time.RFC3339) + "-" + moving.MeetingURL
	r := s.do(t, call{method: "POST", path: "/api/v2/calendar-events/" + moving.ID + "/bot/", body: `{"deduplication_key":` + quote(key) + `,"bot_config":{}}`})
	if r.status != http.StatusOK {
		t.Fatalf("schedule: %d %s", r.status, r.body)
	}
	since := "&updated_at__gte=" + url.QueryEscape(baseTime.Add(time.Second).Format(time.RFC3339))

	clock.Advance(ScriptedMoveAfter - time.Second)
	if got := eventsOf(t, s, id, since); len(got) != 0 {
		t.Fatalf("%d events changed before the scripted move", len(got))
	}
	clock.Advance(time.Second)
	changed := eventsOf(t, s, id, since)
	if len(changed) != 1 || changed[0]["id"] != moving.ID {
		t.Fatalf("changed after the move: %v", changed)
	}
	moved := byTitle(t, s.Events(id), ScriptedMovingTitle)
	if !moved.Start.Equal(moving.Start.Add(ScriptedMoveBy)) || !moved.End.Equal(moving.End.Add(ScriptedMoveBy)) ||
		!moved.UpdatedAt.Equal(baseTime.Add(ScriptedMoveAfter)) {
		t.Fatalf("moved: %+v (was %+v)", moved, moving)
	}
	// Recall does not move bots: the old bot stays with its old key.
	bots := s.Bots()
	if len(bots) != 1 || bots[0].Key != key || !bots[0].JoinAt.Equal(moving.Start) || moved.BotKey != key {
		t.Fatalf("bots after the move: %+v", bots)
	}
	raw := changed[0]["raw"].(map[string]any)
	if raw["start"].(map[string]any)["dateTime"] != moved.Start.UTC().Format("2006-01-02T15:04:05.0000000") {
		t.Fatalf("raw start not moved: %v", raw["start"])
	}

	clock.Advance(ScriptedCancelAfter - ScriptedMoveAfter)
	c := byTitle(t, s.Events(id), "Canceled: "+ScriptedCancelledTitle)
	if c.ID != cancelling.ID || !c.Cancelled || c.Deleted || !c.Start.Equal(cancelling.Start) {
		t.Fatalf("cancelled: %+v", c)
	}

	// Without scripted changes nothing moves.
	quiet := start(t, Options{Now: clock.Now, StaticEvents: true})
	qid := connectedCalendar(t, quiet, validCreate)
	first := quiet.Events(qid)
	clock.Advance(time.Hour)
	for i, e := range quiet.Events(qid) {
		if e != first[i] {
			t.Fatalf("static event changed: %+v → %+v", first[i], e)
		}
	}
}

func scheduleBody(key, name string) string {
	return `{"deduplication_key":` + quote(key) + `,"bot_config":{"bot_name":` + quote(name) + `}}`
}

func TestDispatchedBotCannotChange(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now})
	id := connectedCalendar(t, s, validCreate)
	soon := byTitle(t, s.Events(id), ScriptedSoonTitle)
	path := "/api/v2/calendar-events/" + soon.ID + "/bot/"
	key := soon.Start.Format(time.RFC3339) + "-" + soon.MeetingURL
	if r := s.do(t, call{method: "POST", path: path, body: scheduleBody(key, "Notetaker")}); r.status != http.StatusOK {
		t.Fatalf("schedule: %d", r.status)
	}
	clock.Advance(5*time.Minute - BotDispatchLead - time.Second)
	if b := s.Bots(); len(b) != 1 || b[0].Dispatched {
		t.Fatalf("dispatched early: %+v", b)
	}
	clock.Advance(time.Second)
	if b := s.Bots(); len(b) != 1 || !b[0].Dispatched {
		t.Fatalf("not dispatched at join time minus the lead: %+v", b)
	}
	for _, c := range []call{{method: "DELETE", path: path}, {method: "POST", path: path, body: scheduleBody(key, "Other")}} {
		r := s.do(t, c)
		if r.status != http.StatusMethodNotAllowed || r.json(t)["detail"] == nil {
			t.Fatalf("%s after dispatch: %d %s", c.method, r.status, r.body)
		}
	}
	if b := s.Bots(); len(b) != 1 || b[0].BotName != "Notetaker" {
		t.Fatalf("a refused call changed the bot: %+v", b)
	}
	// Ended: the documented 400 comes first.
	clock.Advance(time.Hour)
	if r := s.do(t, call{method: "POST", path: path, body: scheduleBody(key, "x")}); r.status != http.StatusBadRequest {
		t.Fatalf("schedule after the end: %d", r.status)
	}
}

func TestParallelCallsOnOneKey(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := connectedCalendar(t, s, validCreate)
	up := upcomingWithLink(t, s, id)
	path := func(e map[string]any) string { return "/api/v2/calendar-events/" + e["id"].(string) + "/bot/" }
	const key = "shared-key"
	if r := s.do(t, call{method: "POST", path: path(up[0]), body: scheduleBody(key, "A")}); r.status != http.StatusOK {
		t.Fatalf("schedule: %d", r.status)
	}

	hold := s.HoldBotCalls()
	defer hold.Release()
	done := make(chan response, 1)
	go func() {
		done <- s.do(t, call{method: "DELETE", path: path(up[0])})
	}()
	if got := <-hold.Parked(); got != key {
		t.Fatalf("parked on %q", got)
	}
	idem := map[string]string{"Idempotency-Key": "retry-me"}
	second := make(chan response, 1)
	go func() {
		second <- s.do(t, call{method: "POST", path: path(up[1]), body: scheduleBody(key, "B"), headers: idem})
	}()
	select {
	case busy := <-second:
		if busy.status != http.StatusConflict {
			t.Fatalf("parallel call on one key: %d %s", busy.status, busy.body)
		}
	case k := <-hold.Parked():
		hold.Release()
		<-second
		<-done
		t.Fatalf("a second call on key %q went ahead while the first was in progress", k)
	}
	hold.Release()
	if r := <-done; r.status != http.StatusOK || len(r.json(t)["bots"].([]any)) != 0 {
		t.Fatalf("held DELETE: %d %s", r.status, r.body)
	}
	// The 409 is not cached: the same Idempotency-Key now goes through.
	again := s.do(t, call{method: "POST", path: path(up[1]), body: scheduleBody(key, "B"), headers: idem})
	if again.status != http.StatusOK {
		t.Fatalf("retry after 409: %d %s", again.status, again.body)
	}
	bots := s.Bots()
	if len(bots) != 1 || bots[0].Key != key || bots[0].BotName != "B" || len(bots[0].Events) != 1 || bots[0].Events[0] != up[1]["id"] {
		t.Fatalf("bots %+v", bots)
	}
}

func TestBotsSnapshotSharesOneBot(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := connectedCalendar(t, s, validCreate)
	b := connectedCalendar(t, s, strings.Replace(validCreate, "pat@", "sam@", 1))
	ea, eb := upcomingWithLink(t, s, a)[0], upcomingWithLink(t, s, b)[1]
	const key = "2026-03-10T09:00:00Z-https://teams.microsoft.com/l/meetup-join/x"
	for _, e := range []map[string]any{ea, eb} {
		r := s.do(t, call{method: "POST", path: "/api/v2/calendar-events/" + e["id"].(string) + "/bot/",
			body: `{"deduplication_key":` + quote(key) + `,"bot_config":{"bot_name":"Notetaker","recording_config":{"transcript":{}}}}`})
		if r.status != http.StatusOK {
			t.Fatalf("schedule: %d", r.status)
		}
	}
	bots := s.Bots()
	if len(bots) != 1 || len(bots[0].Events) != 2 || bots[0].BotName != "Notetaker" || bots[0].Config["recording_config"] == nil {
		t.Fatalf("bots %+v", bots)
	}
	bots[0].Config["bot_name"] = "changed by the caller"
	if s.Bots()[0].BotName != "Notetaker" {
		t.Fatal("the snapshot shares state with the fake")
	}
	// Deleting one event leaves the bot to the other (§4.2).
	if err := s.DeleteEvent(ea["id"].(string)); err != nil {
		t.Fatal(err)
	}
	if bots := s.Bots(); len(bots) != 1 || len(bots[0].Events) != 1 || bots[0].Events[0] != eb["id"] {
		t.Fatalf("after delete: %+v", bots)
	}
}

func TestEventEdits(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now, StaticEvents: true})
	id := connectedCalendar(t, s, validCreate)
	e := upcomingWithLink(t, s, id)[0]
	eid := e["id"].(string)
	step := func() time.Time { clock.Advance(time.Minute); return clock.Now() }

	at := step()
	if err := s.MoveEvent(eid, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	got := s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + eid + "/"}).json(t)
	if got["start_time"] == e["start_time"] || got["updated_at"] != formatTime(at) {
		t.Fatalf("moved: %v", got)
	}
	at = step()
	const zoom = "https://us02web.zoom.us/j/81234567890"
	if err := s.SetMeetingURL(eid, zoom); err != nil {
		t.Fatal(err)
	}
	got = s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + eid + "/"}).json(t)
	if got["meeting_url"] != zoom || got["meeting_platform"] != "zoom" || got["updated_at"] != formatTime(at) {
		t.Fatalf("new link: %v", got)
	}
	if err := s.SetMeetingURL(eid, "http://teams.microsoft.com/l/x"); err == nil {
		t.Fatal("accepted a bad link")
	}
	step()
	if err := s.CancelEvent(eid); err != nil {
		t.Fatal(err)
	}
	got = s.do(t, call{method: "GET", path: "/api/v2/calendar-events/" + eid + "/"}).json(t)
	if raw := got["raw"].(map[string]any); raw["isCancelled"] != true || !strings.HasPrefix(raw["subject"].(string), "Canceled: ") {
		t.Fatalf("cancelled: %v", raw)
	}
	step()
	if err := s.DeleteEvent(eid); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveEvent(eid, time.Hour); !errors.Is(err, ErrNoEvent) {
		t.Fatalf("edit of a deleted event: %v", err)
	}
	if err := s.CancelEvent("nope"); !errors.Is(err, ErrNoEvent) {
		t.Fatalf("edit of an unknown event: %v", err)
	}

	at = step()
	nid, err := s.AddEvent(id, NewEvent{Title: "New invite", Start: baseTime.Add(48 * time.Hour), End: baseTime.Add(49 * time.Hour),
		MeetingURL: "https://meet.google.com/abc-defg-hij", Organizer: "kim@fabrikam.example", Response: "none"})
	if err != nil {
		t.Fatal(err)
	}
	added := eventsOf(t, s, id, "&updated_at__gte="+url.QueryEscape(formatTime(at)))
	var found map[string]any
	for _, ev := range added {
		if ev["id"] == nid {
			found = ev
		}
	}
	if found == nil || found["meeting_platform"] != "google_meet" {
		t.Fatalf("added event not listed as changed: %v", added)
	}
	raw := found["raw"].(map[string]any)
	if raw["isOrganizer"] != false || raw["organizer"].(map[string]any)["emailAddress"].(map[string]any)["address"] != "kim@fabrikam.example" {
		t.Fatalf("added raw: %v", raw)
	}
	if _, err := s.AddEvent(id, NewEvent{Start: baseTime, End: baseTime}); err == nil {
		t.Fatal("added an event that ends when it starts")
	}
	if _, err := s.AddEvent("00000000-0000-0000-0000-000000000000", NewEvent{Start: baseTime, End: baseTime.Add(time.Hour)}); err == nil {
		t.Fatal("added an event to an unknown calendar")
	}
}
