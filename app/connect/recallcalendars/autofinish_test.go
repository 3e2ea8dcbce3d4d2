package recallcalendars_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/connect/recallcalendars"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/internal/testclock"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// The automatic Finish connecting through the real Recall client and this
// adapter, against the strict fake Recall over loopback HTTP, on a fake
// clock: Recall's Retry-After reaches connect, and no try makes a second
// calendar. connect's own tests cover the schedule in detail.

// hangGuard bounds every wait so a bug fails the test instead of hanging
// it. It is not a timing assertion.
const hangGuard = 10 * time.Second

const (
	apiKey       = "test-recall-key"
	clientID     = "11111111-2222-3333-4444-555555555555"
	clientSecret = "client-secret-value"
	email        = "alice@contoso.example"
	calendarPath = "/api/v2/calendars/"
)

func TestAutoFinishHonoursRetryAfterAndMakesOneCalendar(t *testing.T) {
	clock := testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	srv, err := recallapi.Start(recallapi.Options{APIKey: apiKey, ConnectDelay: -1, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := recall.New(recall.Config{
		APIKey:  apiKey,
		BaseURL: srv.URL(),
		Now:     clock.Now,
		// The client's own retries wait on the real clock: skip the waits.
		Sleep:  func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Jitter: func(time.Duration) time.Duration { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	notes := &notes{changed: make(chan struct{}, 1)}
	store := &store{}
	svc, err := connect.New(connect.Options{
		Auth:      auth{},
		Secrets:   &secrets{tokens: map[string]string{}},
		Calendars: recallcalendars.New(client, clientID, clientSecret),
		Store:     store,
		Browser:   browser{},
		Notifier:  notes,
		Setup: connect.Setup{
			RecallBaseURL: srv.URL(),
			RecallKey:     connect.Fingerprint(connect.FingerprintRecallKey, apiKey),
			ClientID:      clientID,
			ClientSecret:  connect.Fingerprint(connect.FingerprintClientSecret, clientSecret),
		},
		Now:    clock.Now,
		After:  clock.After,
		Jitter: func(n time.Duration) time.Duration { return n / 2 },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	svc.Start(context.Background())

	// Every answer to the create is lost after Recall made the calendar:
	// the person lands on Finish connecting with Recall "unavailable".
	srv.Faults().Add(recallapi.Fault{Method: http.MethodPost, Path: calendarPath, DropResponse: true, Times: 100})
	svc.Connect(context.Background())
	st := notes.waitFor(t, "finish_pending", func(s connect.State) bool { return s.Phase == connect.PhaseFinishPending })
	if code := st.Problem.Code; code != "recall.unavailable" || st.RetryAt == "" || len(srv.Calendars()) != 1 {
		t.Fatalf("after the lost create: %+v with %d calendars, want unavailable, a try armed and the 1 calendar Recall made", st, len(srv.Calendars()))
	}
	srv.Faults().Reset()

	// The automatic try meets a full key: 429 with Retry-After 2 h.
	srv.Faults().Add(recallapi.Fault{Method: http.MethodGet, Path: calendarPath, Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Hour})
	clock.Fire(clock.WaitForTimer(t, 1))
	st = notes.waitFor(t, "rate-limited", func(s connect.State) bool {
		return s.Phase == connect.PhaseFinishPending && s.Problem != nil && s.Problem.Code == "recall.rate_limited"
	})
	timer := clock.WaitForTimer(t, 2)
	if want := 2*time.Hour + 2*time.Hour/8; timer.Wait != want {
		t.Fatalf("after Retry-After 2h the next try is armed after %v, want %v (never before it)", timer.Wait, want)
	}
	if st.RetryAt != clock.Now().Add(timer.Wait).UTC().Format(time.RFC3339) {
		t.Errorf("the screen says retryAt %q", st.RetryAt)
	}

	// Then the try finishes, with the calendar the lost create made.
	clock.Fire(clock.WaitForTimer(t, 2))
	st = notes.waitFor(t, "connected", func(s connect.State) bool { return s.Phase == connect.PhaseConnected })
	cals := srv.Calendars()
	if len(cals) != 1 || st.Calendar == nil || st.Calendar.ID != cals[0].ID {
		t.Fatalf("after the automatic tries: %d calendars %+v, state %+v; want exactly the first", len(cals), cals, st.Calendar)
	}
	keys := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == calendarPath {
			keys[r.IdempotencyKey] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("creates used %d Idempotency-Keys, want the one kept", len(keys))
	}
	if cur := store.current(); cur.Pending || cur.CalendarID != cals[0].ID || cur.LastProblem != "" {
		t.Errorf("saved %+v, want the registered calendar", cur)
	}
}

// ---- fakes of the other ports ----

type auth struct{}

func (auth) Begin(context.Context) (connect.Attempt, error) { return attempt{}, nil }

// attempt signs Alice in at once.
type attempt struct{}

func (attempt) StartURL() string { return "http://localhost:50000/start" }
func (attempt) Cancel()          {}
func (attempt) Wait(context.Context) (connect.SignedIn, error) {
	return connect.SignedIn{RefreshToken: "RT-alice-0.AXEAsecret-refresh-token", Email: email, TenantID: "tenant-1", ObjectID: "oid-1"}, nil
}

type browser struct{}

func (browser) Open(string) error { return nil }

type secrets struct {
	mu     sync.Mutex
	tokens map[string]string
}

func (s *secrets) SaveRefreshToken(_ context.Context, account, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[account] = token
	return nil
}

func (s *secrets) LoadRefreshToken(_ context.Context, account string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[account], nil
}

func (s *secrets) DeleteRefreshToken(_ context.Context, account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, account)
	return nil
}

// store round-trips through JSON, as connection.json does.
type store struct {
	mu   sync.Mutex
	data []byte
}

func (s *store) Load() (connect.Saved, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v connect.Saved
	if s.data == nil {
		return v, nil
	}
	return v, json.Unmarshal(s.data, &v)
}

func (s *store) Save(v connect.Saved) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = b
	return nil
}

func (s *store) current() connect.Saved {
	v, _ := s.Load()
	return v
}

// notes keeps every published State; waitFor follows them in order.
type notes struct {
	mu      sync.Mutex
	states  []connect.State
	cursor  int
	changed chan struct{}
}

func (n *notes) StateChanged(s connect.State) {
	n.mu.Lock()
	n.states = append(n.states, s)
	n.mu.Unlock()
	select {
	case n.changed <- struct{}{}:
	default:
	}
}

func (*notes) SignInWaiting(string) {}

func (n *notes) waitFor(t *testing.T, what string, ok func(connect.State) bool) connect.State {
	t.Helper()
	deadline := time.NewTimer(hangGuard)
	defer deadline.Stop()
	for {
		n.mu.Lock()
		for ; n.cursor < len(n.states); n.cursor++ {
			if s := n.states[n.cursor]; ok(s) {
				n.cursor++
				n.mu.Unlock()
				return s
			}
		}
		n.mu.Unlock()
		select {
		case <-n.changed:
		case <-deadline.C:
			t.Fatalf("no published state where %s", what)
		}
	}
}
