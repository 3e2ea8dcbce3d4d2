package recallapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveInProcess sends one request straight to h, as app/demo/sim's
// transport does.
func serveInProcess(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Token "+testKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestNewHandlerServesWithoutListening(t *testing.T) {
	t.Parallel()
	const base = "http://127.0.0.1:9"
	s, err := NewHandler(Options{APIKey: testKey, ConnectDelay: time.Hour, EventsPerCalendar: 150,
		Now: func() time.Time { return baseTime }}, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if s.URL() != base {
		t.Fatalf("URL %q, want %q", s.URL(), base)
	}
	h := s.Handler()

	created := serveInProcess(t, h, "POST", base+"/api/v2/calendars/", validCreate)
	if created.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Code, created.Body)
	}
	var cal struct{ ID string }
	if err := json.Unmarshal(created.Body.Bytes(), &cal); err != nil {
		t.Fatal(err)
	}
	s.SetCalendarStatus(cal.ID, statusConnected, nil)

	// Paging links name the address clients were given.
	list := serveInProcess(t, h, "GET", base+"/api/v2/calendar-events/?calendar_id="+cal.ID, "")
	var page struct{ Next *string }
	if err := json.Unmarshal(list.Body.Bytes(), &page); err != nil || list.Code != http.StatusOK {
		t.Fatalf("list: %d %s", list.Code, list.Body)
	}
	if page.Next == nil || !strings.HasPrefix(*page.Next, base+"/api/v2/calendar-events/?") {
		t.Fatalf("next = %v, want a link on %s", page.Next, base)
	}

	// Every check still applies: no key, a body on a GET.
	r := httptest.NewRequest("GET", base+"/api/v2/calendars/"+cal.ID+"/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("no key: %d", w.Code)
	}
	if w := serveInProcess(t, h, "GET", base+"/api/v2/calendars/"+cal.ID+"/", "null"); w.Code != http.StatusForbidden {
		t.Errorf("body on a GET: %d", w.Code)
	}

	for _, bad := range []string{"http://recall.example", "https://127.0.0.1:9/api", "ftp://127.0.0.1", "127.0.0.1:9", "https://127.0.0.1:9?x=1"} {
		if _, err := NewHandler(Options{APIKey: testKey}, bad); err == nil {
			t.Errorf("NewHandler accepted base %q", bad)
		}
	}
	if _, err := NewHandler(Options{}, base); err == nil {
		t.Error("NewHandler without a key")
	}
}

func TestOnRequestAndDiscardedLog(t *testing.T) {
	t.Parallel()
	for _, discard := range []bool{false, true} {
		var mu sync.Mutex
		var seen []RequestRecord
		s := start(t, Options{DiscardRequestLog: discard, OnRequest: func(r RequestRecord) {
			mu.Lock()
			seen = append(seen, r)
			mu.Unlock()
		}})
		s.do(t, call{method: "GET", path: "/api/v2/calendars/"})
		s.do(t, call{method: "GET", path: "/api/v2/calendars/", noAuth: true})
		mu.Lock()
		got := append([]RequestRecord(nil), seen...)
		mu.Unlock()
		if len(got) != 2 || got[0].Status != http.StatusOK || got[1].Status != http.StatusUnauthorized || got[0].Path != "/api/v2/calendars/" {
			t.Fatalf("discard=%v: OnRequest saw %+v", discard, got)
		}
		if n := len(s.Requests()); (n == 0) != discard {
			t.Errorf("discard=%v: %d requests kept in the log", discard, n)
		}
	}
}

func TestEventByID(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Seed: 7})
	id := connectedCalendar(t, s, validCreate)
	all := s.Events(id)
	responses := map[string]bool{}
	for _, want := range all {
		got, ok := s.Event(want.ID)
		if !ok || got != want {
			t.Fatalf("Event(%s) = %+v, %v; Events has %+v", want.ID, got, ok, want)
		}
		responses[got.Response] = true
	}
	for _, r := range []string{"organizer", "accepted", "declined"} {
		if !responses[r] {
			t.Errorf("no event with response %q in %v", r, responses)
		}
	}
	if _, ok := s.Event("00000000-0000-4000-8000-000000000000"); ok {
		t.Error("Event found an id that does not exist")
	}
}
