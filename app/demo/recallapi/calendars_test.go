package recallapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests in this file pin the places where the fake used to be more
// lenient than Recall, which hid client bugs (issue 12).

// mailboxVerifier accepts every grant and names the mailbox it opens, as
// Microsoft Graph does for Recall: the primary address, which need not be
// the address the app sent as oauth_email.
type mailboxVerifier map[string]string // refresh token → mailbox

func (m mailboxVerifier) VerifyRefreshToken(ctx context.Context, clientID, secret, token string) error {
	_, err := m.VerifyMailbox(ctx, clientID, secret, token)
	return err
}

func (m mailboxVerifier) VerifyMailbox(_ context.Context, _, _, token string) (string, error) {
	if mb, ok := m[token]; ok {
		return mb, nil
	}
	return "", aadError{"invalid_grant", "AADSTS70008: expired"}
}

func TestPlatformEmailIsTheMailbox(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Verifier: mailboxVerifier{"rt-good": "Pat.Lee@contoso.example"}})
	id := createCalendar(t, s, validCreate)["id"].(string)
	if st := waitStatus(t, s, id); st != statusConnected {
		t.Fatalf("status %s", st)
	}
	cal := s.do(t, call{method: "GET", path: "/api/v2/calendars/" + id + "/"}).json(t)
	if cal["platform_email"] != "Pat.Lee@contoso.example" || cal["oauth_email"] != "pat@contoso.example" {
		t.Fatalf("platform_email %v oauth_email %v: want the mailbox and the address sent", cal["platform_email"], cal["oauth_email"])
	}
}

func TestEmailFilterMatchesPlatformEmailOnly(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Verifier: mailboxVerifier{"rt-good": "Pat.Lee@contoso.example"}})
	connected := createCalendar(t, s, validCreate)["id"].(string)
	waitStatus(t, s, connected)
	// A calendar still connecting has no platform_email yet.
	held := start(t, Options{ConnectDelay: time.Hour})
	createCalendar(t, held, validCreate)

	cases := []struct {
		srv   *Server
		query string
		want  int
	}{
		{s, "email=Pat.Lee@contoso.example", 1},
		{s, "email=pat.lee@contoso.example", 1},
		{s, "email=pat@contoso.example", 0}, // only oauth_email: not documented to match
		{held, "email=pat@contoso.example", 0},
		{held, "status=connecting", 1},
	}
	for _, tc := range cases {
		got, _ := listAll(t, tc.srv, "/api/v2/calendars/?"+tc.query)
		if len(got) != tc.want {
			t.Errorf("%s: %d results, want %d", tc.query, len(got), tc.want)
		}
	}
}

func TestNullOAuthEmailIsRefused(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	body := `{"platform":"microsoft_outlook","oauth_client_id":"a","oauth_client_secret":"b","oauth_refresh_token":"c","oauth_email":null}`
	r := s.do(t, call{method: "POST", path: "/api/v2/calendars/", body: body})
	var v validationError
	if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &v) != nil || !slices.Equal(v.Errors["oauth_email"], []string{msgNull}) {
		t.Fatalf("create with oauth_email null: %d %s", r.status, r.body)
	}
	id := createCalendar(t, s, validCreate)["id"].(string)
	r = s.do(t, call{method: "PATCH", path: "/api/v2/calendars/" + id + "/", body: `{"oauth_email":null}`})
	if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &v) != nil || !slices.Equal(v.Errors["oauth_email"], []string{msgNull}) {
		t.Fatalf("PATCH with oauth_email null: %d %s", r.status, r.body)
	}
}

func TestDroppedResponseStillActs(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.Faults().Add(Fault{Method: "POST", Path: "/api/v2/calendars/", DropResponse: true, Times: 2})

	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", s.URL()+"/api/v2/calendars/", strings.NewReader(validCreate))
		req.Header.Set("Authorization", "Token "+testKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "lost-1")
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}
	for i := range 2 {
		resp, err := post()
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			t.Fatalf("attempt %d got a response (%d); want the connection dropped", i, resp.StatusCode)
		}
	}
	// The first request created the calendar; the second was replayed from
	// the idempotency cache, so there is exactly one.
	cals := s.Calendars()
	if len(cals) != 1 {
		t.Fatalf("%d calendars after two dropped answers, want 1", len(cals))
	}
	resp, err := post()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || got["id"] != cals[0].ID {
		t.Fatalf("replay after the drops: %d %v, want 201 for %s", resp.StatusCode, got["id"], cals[0].ID)
	}
	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{StatusDropped, StatusDropped, http.StatusCreated}) {
		t.Fatalf("request log statuses %v", statuses)
	}
}

func TestSnapshotShowsClientAndSecretFingerprint(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := createCalendar(t, s, validCreate)["id"].(string)
	s.do(t, call{method: "PATCH", path: "/api/v2/calendars/" + id + "/", body: `{"oauth_client_secret":"rotated-value"}`})
	sum := sha256.Sum256([]byte("rotated-value"))
	cals := s.Calendars()
	if len(cals) != 1 || cals[0].ClientID != "client-1" || cals[0].SecretFingerprint != hex.EncodeToString(sum[:])[:16] {
		t.Fatalf("snapshot %+v", cals)
	}
	b, _ := json.Marshal(cals)
	if strings.Contains(string(b), "rotated-value") || strings.Contains(string(b), "rt-good") {
		t.Fatalf("snapshot holds a credential: %s", b)
	}
	// The request log names the fields a body carried, never their values.
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; !slices.Equal(last.BodyFields, []string{"oauth_client_secret"}) {
		t.Fatalf("PATCH body fields %v", last.BodyFields)
	}
}
