package recall

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
)

// The tests in this file pin issue 12's rules for registering a calendar:
// a lost create answer never makes a second calendar, and only our own
// calendars are ever reused.

const otherClientID = "99999999-8888-7777-6666-555555555555"

func TestDecodeCalendarClientID(t *testing.T) {
	t.Parallel()
	cal, err := decodeCalendar([]byte(sampleCalendar))
	if err != nil || cal.ClientID != "client" {
		t.Fatalf("ClientID %q, %v", cal.ClientID, err)
	}
}

// requestsTo lists the requests with method to path.
func requestsTo(e *env, method, path string) []recallapi.RequestRecord {
	var out []recallapi.RequestRecord
	for _, r := range e.srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// A create whose every answer was lost still happened in Recall. Register
// again with the same key (the caller persisted it) replays that calendar
// instead of making a second one (recall-api.md §6.3).
func TestCreateKeyReplaysALostCreate(t *testing.T) {
	t.Parallel()
	// The mailbox differs from the address we send, and the calendar stays
	// connecting, so no lookup can find it: only the key can.
	e := newEnv(t, recallapi.Options{ConnectDelay: time.Hour})
	e.srv.Faults().Add(recallapi.Fault{Method: "POST", Path: calendarsPath, DropResponse: true, Times: 100})
	p := register("pat@contoso.example")
	p.CreateKey = "3f1c0e8a9b7d4c2e8f6a5b4c3d2e1f00"

	_, err := e.client.Register(context.Background(), p)
	mustKind(t, err, KindUnavailable)
	if n := len(e.srv.Calendars()); n != 1 {
		t.Fatalf("%d calendars after the lost create, want the 1 Recall made", n)
	}
	e.srv.Faults().Reset()

	got, err := e.client.Register(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	cals := e.srv.Calendars()
	if len(cals) != 1 || got.ID != cals[0].ID {
		t.Fatalf("Register again: %s; calendars %+v: want the first one replayed", got.ID, cals)
	}
	for _, post := range requestsTo(e, "POST", calendarsPath) {
		if post.IdempotencyKey != p.CreateKey {
			t.Fatalf("a create used key %q, want the persisted %q", post.IdempotencyKey, p.CreateKey)
		}
	}
}

// hangFirstPost lets the first POST reach the server, then holds its
// answer until the attempt gives up, as a stalled connection does.
type hangFirstPost struct {
	inner http.RoundTripper
	mu    sync.Mutex
	hung  bool
}

func (h *hangFirstPost) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	first := r.Method == http.MethodPost && !h.hung
	h.hung = h.hung || first
	h.mu.Unlock()
	resp, err := h.inner.RoundTrip(r)
	if !first || err != nil {
		return resp, err
	}
	resp.Body.Close()
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// One attempt may not use the whole operation's time: when it stalls, the
// retry with the same Idempotency-Key gets the calendar the first made.
func TestAttemptTimeoutLeavesRoomForARetry(t *testing.T) {
	t.Parallel()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	e := newEnv(t, recallapi.Options{}, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: &hangFirstPost{inner: tr}}
		c.AttemptTimeout = 50 * time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), hangGuardRecall)
	defer cancel()
	cal, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken})
	if err != nil {
		t.Fatalf("create with a stalled first attempt: %v", err)
	}
	posts := requestsTo(e, "POST", calendarsPath)
	if len(posts) != 2 || posts[0].IdempotencyKey == "" || posts[0].IdempotencyKey != posts[1].IdempotencyKey {
		t.Fatalf("posts %+v: want a retry with the same key", posts)
	}
	if cals := e.srv.Calendars(); len(cals) != 1 || cals[0].ID != cal.ID {
		t.Fatalf("calendars %+v, want only %s", cals, cal.ID)
	}
}

// hangGuardRecall bounds a test that would otherwise hang on a bug; it is
// not a timing assertion.
const hangGuardRecall = 10 * time.Second

func TestDefaultAttemptTimeoutIsShorterThanTheHTTPBudget(t *testing.T) {
	t.Parallel()
	c, err := New(Config{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if c.attemptTimeout != DefaultAttemptTimeout || DefaultAttemptTimeout*3 > 30*time.Second {
		t.Fatalf("attempt timeout %v: want room for retries within a 30 s operation", c.attemptTimeout)
	}
}

// A calendar another app registered for the same account (same email,
// another oauth_client_id) is never PATCHed or deleted: we make our own.
func TestRegisterLeavesOtherAppsCalendarsAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	foreign, err := e.client.Create(ctx, CreateParams{ClientID: otherClientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	google, err := e.client.Create(ctx, CreateParams{Platform: "google_calendar", ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, foreign.ID)
	waitConnected(t, e, google.ID)

	got, err := e.client.Register(ctx, register("pat@contoso.example"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == foreign.ID || got.ID == google.ID || got.ClientID != clientID {
		t.Fatalf("Register reused %s (client %s), want a calendar of our own", got.ID, got.ClientID)
	}
	for _, r := range e.srv.Requests() {
		if (r.Method == http.MethodPatch || r.Method == http.MethodDelete) &&
			(r.Path == calendarsPath+foreign.ID+"/" || r.Path == calendarsPath+google.ID+"/") {
			t.Fatalf("%s %s: touched a calendar that is not ours", r.Method, r.Path)
		}
	}
	if n := len(e.srv.Calendars()); n != 3 {
		t.Fatalf("%d calendars, want 3", n)
	}
}

// Our calendar whose mailbox address differs from the email we sent, and
// one still connecting (no platform_email), are both found by the
// oauth_email we sent, whatever the email filter matches.
func TestFindOwnMatchesEitherAddress(t *testing.T) {
	t.Parallel()
	verifier := mailboxes{refreshToken: "Pat.Lee@contoso.example"}
	e := newEnv(t, recallapi.Options{Verifier: verifier})
	ctx := context.Background()
	connected, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	if cal := waitConnected(t, e, connected.ID); cal.PlatformEmail != "Pat.Lee@contoso.example" {
		t.Fatalf("platform_email %q", cal.PlatformEmail)
	}
	byMailbox, err := e.client.FindOwn(ctx, FindParams{ClientID: clientID, Email: "pat.lee@contoso.example"})
	if err != nil || len(byMailbox) != 1 || byMailbox[0].ID != connected.ID {
		t.Fatalf("by mailbox: %+v, %v", byMailbox, err)
	}
	// By the address we sent: the email filter (platform_email) misses
	// it, so only a lookup by creation time finds it.
	bySent, err := e.client.FindOwn(ctx, FindParams{ClientID: clientID, Email: "pat@contoso.example", CreatedSince: baseTime.Add(-time.Minute)})
	if err != nil || len(bySent) != 1 || bySent[0].ID != connected.ID {
		t.Fatalf("by the sent address since a time: %+v, %v", bySent, err)
	}
	none, err := e.client.FindOwn(ctx, FindParams{ClientID: otherClientID, Email: "pat.lee@contoso.example", CreatedSince: baseTime.Add(-time.Minute)})
	if err != nil || len(none) != 0 {
		t.Fatalf("another client id found %+v, %v", none, err)
	}
}

type mailboxes map[string]string

func (m mailboxes) VerifyRefreshToken(ctx context.Context, id, secret, token string) error {
	_, err := m.VerifyMailbox(ctx, id, secret, token)
	return err
}

func (m mailboxes) VerifyMailbox(_ context.Context, _, _, token string) (string, error) {
	return m[token], nil
}

// With several of ours for the account, the preferred (saved) id wins,
// else the newest; the others are reported, not touched.
func TestRegisterPicksOneAndReportsTheOthers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := baseTime
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	e := newEnv(t, recallapi.Options{Now: clock, ConnectDelay: time.Hour})
	ctx := context.Background()
	var ids []string
	for range 3 {
		c, err := e.client.Create(ctx, CreateParams{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Email: "pat@contoso.example"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	found, err := e.client.FindOwn(ctx, FindParams{ClientID: clientID, Email: "pat@contoso.example", Prefer: ids[0]})
	if err != nil || len(found) != 3 || found[0].ID != ids[0] || found[1].ID != ids[2] || found[2].ID != ids[1] {
		t.Fatalf("FindOwn order %v (%v), want preferred, then newest first", calendarIDs(found), err)
	}
	got, err := e.client.Register(ctx, register("pat@contoso.example"))
	if err != nil || got.ID != ids[2] || !slices.Equal(got.Others, []string{ids[1], ids[0]}) {
		t.Fatalf("Register = %s others %v (%v); want %s, others %v", got.ID, got.Others, err, ids[2], []string{ids[1], ids[0]})
	}
	if posts := requestsTo(e, "POST", calendarsPath); len(posts) != 3 {
		t.Fatalf("%d creates, want none beyond the 3 made here", len(posts))
	}
	for _, id := range ids[:2] {
		if n := len(requestsTo(e, "PATCH", calendarsPath+id+"/")); n != 0 {
			t.Fatalf("an older duplicate %s was PATCHed", id)
		}
	}
}

func calendarIDs(cals []Calendar) []string {
	var out []string
	for _, c := range cals {
		out = append(out, c.ID)
	}
	return out
}
