package demo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
)

// The control endpoints issue 12's end-to-end tests use: a response lost
// after Recall acted, a rotated client secret, a second account, and the
// calendars with their client-secret fingerprints.
func TestControlForLifecycleTests(t *testing.T) {
	t.Parallel()
	svc, c := startControl(t)

	if res := post(t, c.URL()+"/recall/fault", map[string]any{"method": "POST", "path": "/api/v2/calendars/", "dropResponse": true}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("drop fault: %d", res.StatusCode)
	}
	body := `{"platform":"microsoft_outlook","oauth_client_id":"` + svc.ClientID + `","oauth_client_secret":"` + svc.ClientSecret + `","oauth_refresh_token":"rt","oauth_email":"a@contoso.example"}`
	req, _ := http.NewRequest(http.MethodPost, svc.RecallURL()+"/api/v2/calendars/", strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+svc.RecallAPIKey)
	req.Header.Set("Content-Type", "application/json")
	if res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the answer arrived (%d); want it dropped", res.StatusCode)
	}
	var cals []recallapi.CalendarSnapshot
	getJSON(t, c.URL()+"/calendars", &cals)
	if len(cals) != 1 || cals[0].ClientID != svc.ClientID || len(cals[0].SecretFingerprint) != 16 {
		t.Fatalf("calendars %+v: want the one the dropped create made, with its fingerprint", cals)
	}
	var reqs []recallapi.RequestRecord
	getJSON(t, c.URL()+"/recall/requests", &reqs)
	if len(reqs) != 1 || reqs[0].Status != recallapi.StatusDropped {
		t.Errorf("request log %+v", reqs)
	}

	if res := post(t, c.URL()+"/identity/secrets", map[string]any{"secret": "rotated-value-1"}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("add secret: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/identity/secrets", map[string]any{"secret": ""}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("empty secret: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/identity/account", map[string]any{"name": "personal"}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("switch account: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/identity/account", map[string]any{"name": "nobody"}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown account: %d", res.StatusCode)
	}
	var tokens []string
	getJSON(t, c.URL()+"/identity/refresh-tokens", &tokens)
	if len(tokens) != 0 {
		t.Errorf("refresh tokens %d before any sign-in", len(tokens))
	}
	// The added secret is valid at the fake Microsoft.
	err := svc.Identity.VerifyRefreshToken(t.Context(), svc.ClientID, "rotated-value-1", "unknown")
	if identity.IsTokenError(err, 7000215) {
		t.Error("the added secret was refused as invalid")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// The control endpoints issue 13's end-to-end test uses: the events with
// their people (to work out what a rule records without the app), the
// bots, and the scripted diary changes turned off or made at once.
func TestControlForMeetingsTests(t *testing.T) {
	t.Parallel()
	svc, c := startControl(t)
	if res := post(t, c.URL()+"/recall/events/static", map[string]any{"on": true}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("static: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/recall/events/static", map[string]any{"on": "yes"}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad body: %d", res.StatusCode)
	}

	body := `{"platform":"microsoft_outlook","oauth_client_id":"` + svc.ClientID + `","oauth_client_secret":"` + svc.ClientSecret + `","oauth_refresh_token":"rt","oauth_email":"pat@contoso.example"}`
	if res := recallCall(t, svc, http.MethodPost, "/api/v2/calendars/", []byte(body)); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	cals := svc.Recall.Calendars()
	svc.Recall.SetCalendarStatus(cals[0].ID, "connected", nil)

	var events []recallapi.EventPeople
	getJSON(t, c.URL()+"/recall/events?calendar_id="+cals[0].ID, &events)
	var moving recallapi.EventPeople
	for _, e := range events {
		if e.Title == recallapi.ScriptedMovingTitle {
			moving = e
		}
	}
	if moving.ID == "" || moving.Organizer != "pat@contoso.example" || len(moving.Attendees) == 0 || moving.Response != "organizer" {
		t.Fatalf("the events lack their people: %+v", moving)
	}
	key := moving.Start.UTC().Format("2006-01-02T15:04:05Z") + "-" + moving.MeetingURL
	if res := recallCall(t, svc, http.MethodPost, "/api/v2/calendar-events/"+moving.ID+"/bot/",
		[]byte(`{"deduplication_key":"`+key+`","bot_config":{"bot_name":"Notes"}}`)); res.StatusCode != http.StatusOK {
		t.Fatalf("schedule: %d", res.StatusCode)
	}
	var bots []recallapi.BotSnapshot
	getJSON(t, c.URL()+"/recall/bots", &bots)
	if len(bots) != 1 || bots[0].Key != key || bots[0].BotName != "Notes" || len(bots[0].Events) != 1 || bots[0].Events[0] != moving.ID {
		t.Fatalf("bots %+v", bots)
	}

	var applied struct{ Applied int }
	res, err := http.Post(c.URL()+"/recall/events/apply-scripted", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&applied); err != nil || applied.Applied != 0 {
		t.Fatalf("a static diary had %d scripted changes (%v)", applied.Applied, err)
	}
}

// The control endpoint issue 14's end-to-end test uses: a new invitation
// arrives while only the background helper runs. The fake's own checks
// apply (a connected calendar, a meeting link, an end after the start).
func TestControlAddsAnEvent(t *testing.T) {
	t.Parallel()
	svc, c := startControl(t)
	body := `{"platform":"microsoft_outlook","oauth_client_id":"` + svc.ClientID + `","oauth_client_secret":"` + svc.ClientSecret + `","oauth_refresh_token":"rt","oauth_email":"pat@contoso.example"}`
	if res := recallCall(t, svc, http.MethodPost, "/api/v2/calendars/", []byte(body)); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	cal := svc.Recall.Calendars()[0].ID
	svc.Recall.SetCalendarStatus(cal, "connected", nil)

	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute).UTC()
	in := map[string]any{
		"calendarId": cal, "title": "Added while closed", "start": start, "end": start.Add(30 * time.Minute),
		"meetingUrl": "https://teams.microsoft.com/l/meetup-join/added", "organizer": "lee@fabrikam.example",
		"attendees": []string{"pat@contoso.example"}, "response": "accepted",
	}
	b, _ := json.Marshal(in)
	res, err := http.Post(c.URL()+"/recall/events", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ ID string }
	err = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || err != nil || out.ID == "" {
		t.Fatalf("add: %d %+v %v", res.StatusCode, out, err)
	}
	var events []recallapi.EventPeople
	getJSON(t, c.URL()+"/recall/events?calendar_id="+cal, &events)
	var got *recallapi.EventPeople
	for i := range events {
		if events[i].ID == out.ID {
			got = &events[i]
		}
	}
	if got == nil || got.Title != "Added while closed" || !got.Start.Equal(start) || got.MeetingURL != in["meetingUrl"] ||
		got.Organizer != "lee@fabrikam.example" || got.Response != "accepted" {
		t.Fatalf("the added event: %+v", got)
	}

	for name, bad := range map[string]map[string]any{
		"unknown calendar": {"calendarId": "nope", "title": "x", "start": start, "end": start.Add(time.Hour)},
		"ends first":       {"calendarId": cal, "title": "x", "start": start, "end": start.Add(-time.Hour)},
		"not a link":       {"calendarId": cal, "title": "x", "start": start, "end": start.Add(time.Hour), "meetingUrl": "http://x"},
		"unknown field":    {"calendarId": cal, "start": start, "end": start.Add(time.Hour), "colour": "red"},
	} {
		if res := post(t, c.URL()+"/recall/events", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, res.StatusCode)
		}
	}
}
