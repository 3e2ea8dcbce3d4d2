package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/internal/testclock"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

// hangGuard bounds every wait in the tests so a bug fails the test instead
// of hanging it. It is not a timing assertion: nothing expects to be fast.
const hangGuard = 10 * time.Second

var testEpoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeProblem builds a Problem as an adapter would.
func fakeProblem(code string, retryable bool) *problem.Problem {
	return &problem.Problem{Code: code, Title: "Test " + code, Message: "m", NextStep: "n", Retryable: retryable}
}

// ---- Authenticator / Attempt ----

type signInResult struct {
	signedIn SignedIn
	err      error
}

type fakeAttempt struct {
	url        string
	expiresAt  time.Time
	result     chan signInResult
	cancelled  chan struct{}
	cancelOnce sync.Once
	mu         sync.Mutex
	cancels    int
}

func (a *fakeAttempt) StartURL() string     { return a.url }
func (a *fakeAttempt) ExpiresAt() time.Time { return a.expiresAt }

func (a *fakeAttempt) Wait(ctx context.Context) (SignedIn, error) {
	select {
	case r := <-a.result:
		return r.signedIn, r.err
	case <-a.cancelled:
		return SignedIn{}, fakeProblem("msauth.cancelled", true)
	case <-ctx.Done():
		return SignedIn{}, ctx.Err()
	}
}

func (a *fakeAttempt) Cancel() {
	a.mu.Lock()
	a.cancels++
	a.mu.Unlock()
	a.cancelOnce.Do(func() { close(a.cancelled) })
}

func (a *fakeAttempt) wasCancelled() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cancels > 0
}

func (a *fakeAttempt) succeed(s SignedIn) { a.result <- signInResult{signedIn: s} }
func (a *fakeAttempt) fail(err error)     { a.result <- signInResult{err: err} }

type fakeAuth struct {
	mu       sync.Mutex
	beginErr error
	attempts []*fakeAttempt
}

func (f *fakeAuth) Begin(ctx context.Context) (Attempt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.beginErr != nil {
		return nil, f.beginErr
	}
	a := &fakeAttempt{
		url:       fmt.Sprintf("http://localhost:%d/start", 50000+len(f.attempts)),
		expiresAt: testEpoch.Add(10 * time.Minute),
		result:    make(chan signInResult, 1),
		cancelled: make(chan struct{}),
	}
	f.attempts = append(f.attempts, a)
	return a, nil
}

func (f *fakeAuth) begins() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

func (f *fakeAuth) last(t *testing.T) *fakeAttempt {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.attempts) == 0 {
		t.Fatal("no sign-in was started")
	}
	return f.attempts[len(f.attempts)-1]
}

// ---- Secrets ----

type fakeSecrets struct {
	mu        sync.Mutex
	tokens    map[string]string
	saveErr   error
	loadErr   error
	deleteErr error
	// deleted, if set, receives the key of every delete attempt once it
	// is done, so a test can wait for a delete made in the background.
	deleted chan string
}

func newFakeSecrets() *fakeSecrets { return &fakeSecrets{tokens: map[string]string{}} }

func (f *fakeSecrets) SaveRefreshToken(ctx context.Context, account, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveErr != nil {
		return f.saveErr
	}
	f.tokens[account] = token
	return nil
}

func (f *fakeSecrets) LoadRefreshToken(ctx context.Context, account string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loadErr != nil {
		return "", f.loadErr
	}
	tok, ok := f.tokens[account]
	if !ok {
		return "", fakeProblem(codeVaultNotFound, false)
	}
	return tok, nil
}

func (f *fakeSecrets) DeleteRefreshToken(ctx context.Context, account string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted != nil {
		defer func() { f.deleted <- account }()
	}
	if f.deleteErr != nil {
		return f.deleteErr
	}
	if _, ok := f.tokens[account]; !ok {
		return fakeProblem(codeVaultNotFound, false)
	}
	delete(f.tokens, account)
	return nil
}

// watchDeletes makes every later delete attempt reported on the channel.
func (f *fakeSecrets) watchDeletes() <-chan string {
	ch := make(chan string, 16)
	f.set(func(f *fakeSecrets) { f.deleted = ch })
	return ch
}

// waitDelete waits for the next delete attempt and returns its key.
func waitDelete(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case key := <-ch:
		return key
	case <-time.After(hangGuard):
		t.Fatal("no keychain delete happened")
		return ""
	}
}

func (f *fakeSecrets) token(account string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok, ok := f.tokens[account]
	return tok, ok
}

func (f *fakeSecrets) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokens)
}

func (f *fakeSecrets) set(mutate func(f *fakeSecrets)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mutate(f)
}

// ---- Calendars (Recall) ----

type fakeCalendars struct {
	mu            sync.Mutex
	calendars     map[string]Calendar
	registrations []Registration
	registerErrs  []error // consumed one per Register call
	getErr        error
	deleteErr     error
	gets          int
	deletes       []string
	created       int
	// clock dates creations (the harness's clock), so lookups by creation
	// time and the key replay window follow the test's time.
	clock func() time.Time
	// byKey is Recall's idempotency cache for creates: a create repeated
	// with the same key within an hour gets the first one's calendar back
	// (recall-api.md §6.3).
	byKey map[string]keyedCreate
	// loseCreates makes the next creates happen in Recall but lose their
	// answer on the way back, as a dropped connection does.
	loseCreates int
	// connectAtOnce makes new calendars answer "connected" straight away.
	connectAtOnce bool
	// others are reported by Register as duplicates it left alone.
	others  []string
	finds   []Lookup
	findErr error
	// secretUpdates lists the calendars sent a rotated client secret.
	secretUpdates   []string
	updateSecretErr error
	// beforeUpdateSecret, if set, runs at the start of UpdateClientSecret
	// (without the fake's lock).
	beforeUpdateSecret func(id string)
	// beforeRegister and beforeDelete, if set, run at the start of the
	// call (without the fake's lock) so tests can observe or block there.
	beforeRegister func(Registration)
	beforeDelete   func(id string)
}

type keyedCreate struct {
	id string
	at time.Time
}

func newFakeCalendars() *fakeCalendars {
	return &fakeCalendars{calendars: map[string]Calendar{}, byKey: map[string]keyedCreate{}}
}

func (f *fakeCalendars) nowLocked() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return testEpoch
}

func (f *fakeCalendars) Register(ctx context.Context, in Registration) (Calendar, error) {
	f.mu.Lock()
	hook := f.beforeRegister
	f.mu.Unlock()
	if hook != nil {
		hook(in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registrations = append(f.registrations, in)
	if len(f.registerErrs) > 0 {
		err := f.registerErrs[0]
		f.registerErrs = f.registerErrs[1:]
		if err != nil {
			return Calendar{}, err
		}
	}
	now := testEpoch.Add(time.Duration(len(f.registrations)) * time.Minute)
	if in.KnownID != "" {
		cal, ok := f.calendars[in.KnownID]
		if !ok {
			return Calendar{}, fakeProblem(codeRecallNotFound, false)
		}
		return f.reconnectLocked(cal, now), nil
	}
	if !in.CreatedSince.IsZero() {
		// The lookup a retired key calls for: ours for the account made
		// since then is reused.
		for _, cal := range f.findLocked(Lookup{Email: in.Email, CreatedSince: in.CreatedSince}) {
			return f.reconnectLocked(cal, now), nil
		}
	}
	if k, ok := f.byKey[in.CreateKey]; ok && in.CreateKey != "" && f.nowLocked().Sub(k.at) < time.Hour {
		if cal, ok := f.calendars[k.id]; ok {
			return cal, nil // replayed
		}
	}
	f.created++
	cal := Calendar{
		ID:            fmt.Sprintf("cal-%d", f.created),
		Email:         in.Email,
		Status:        statusConnecting,
		StatusChanges: []StatusChange{{Status: statusConnecting, CreatedAt: now}},
		CreatedAt:     f.nowLocked(),
		UpdatedAt:     now,
	}
	if f.connectAtOnce {
		cal.Status = statusConnected
	}
	f.calendars[cal.ID] = cal
	if in.CreateKey != "" {
		f.byKey[in.CreateKey] = keyedCreate{id: cal.ID, at: f.nowLocked()}
	}
	if f.loseCreates > 0 {
		f.loseCreates--
		return Calendar{}, fakeProblem("recall.unavailable", true)
	}
	cal.Others = f.others
	return cal, nil
}

func (f *fakeCalendars) reconnectLocked(cal Calendar, now time.Time) Calendar {
	cal.Status = statusConnecting
	cal.StatusChanges = append(cal.StatusChanges, StatusChange{Status: statusConnecting, CreatedAt: now})
	cal.UpdatedAt = now
	f.calendars[cal.ID] = cal
	return cal
}

// findLocked lists the account's calendars, newest first.
func (f *fakeCalendars) findLocked(in Lookup) []Calendar {
	var out []Calendar
	for _, cal := range f.calendars {
		if strings.EqualFold(cal.Email, in.Email) && (in.CreatedSince.IsZero() || !cal.CreatedAt.Before(in.CreatedSince)) {
			out = append(out, cal)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) || out[i].ID > out[j].ID })
	return out
}

func (f *fakeCalendars) FindOwn(ctx context.Context, in Lookup) ([]Calendar, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds = append(f.finds, in)
	if f.findErr != nil {
		return nil, f.findErr
	}
	return f.findLocked(in), nil
}

func (f *fakeCalendars) UpdateClientSecret(ctx context.Context, id string) (Calendar, error) {
	f.mu.Lock()
	hook := f.beforeUpdateSecret
	f.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secretUpdates = append(f.secretUpdates, id)
	if f.updateSecretErr != nil {
		return Calendar{}, f.updateSecretErr
	}
	cal, ok := f.calendars[id]
	if !ok {
		return Calendar{}, fakeProblem(codeRecallNotFound, false)
	}
	return f.reconnectLocked(cal, f.nowLocked()), nil
}

func (f *fakeCalendars) calendarCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calendars)
}

func (f *fakeCalendars) Get(ctx context.Context, id string) (Calendar, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.getErr != nil {
		return Calendar{}, f.getErr
	}
	cal, ok := f.calendars[id]
	if !ok {
		return Calendar{}, fakeProblem(codeRecallNotFound, false)
	}
	return cal, nil
}

func (f *fakeCalendars) Delete(ctx context.Context, id string) error {
	f.mu.Lock()
	hook := f.beforeDelete
	f.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, id)
	if f.deleteErr != nil {
		return f.deleteErr
	}
	if _, ok := f.calendars[id]; !ok {
		return fakeProblem(codeRecallNotFound, false)
	}
	delete(f.calendars, id)
	return nil
}

// transition records a status change in Recall, as its sync would.
func (f *fakeCalendars) transition(id, status, detail string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cal := f.calendars[id]
	cal.Status = status
	// Prepended on purpose: Recall's order is not documented, the Service
	// must sort.
	cal.StatusChanges = append([]StatusChange{{Status: status, CreatedAt: at, Detail: detail}}, cal.StatusChanges...)
	f.calendars[id] = cal
}

func (f *fakeCalendars) set(mutate func(f *fakeCalendars)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mutate(f)
}

func (f *fakeCalendars) registrationCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.registrations)
}

func (f *fakeCalendars) lastRegistration(t *testing.T) Registration {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.registrations) == 0 {
		t.Fatal("nothing was registered")
	}
	return f.registrations[len(f.registrations)-1]
}

func (f *fakeCalendars) getCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func (f *fakeCalendars) exists(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.calendars[id]
	return ok
}

// ---- StateStore ----

type fakeStore struct {
	mu      sync.Mutex
	saved   Saved
	loadErr error
	saveErr error
	history []Saved
}

func (f *fakeStore) Load() (Saved, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loadErr != nil {
		return Saved{}, f.loadErr
	}
	return f.saved, nil
}

func (f *fakeStore) Save(s Saved) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveErr != nil {
		return f.saveErr
	}
	f.saved = s
	f.history = append(f.history, s)
	return nil
}

func (f *fakeStore) current() Saved {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saved
}

func (f *fakeStore) savedHistory() []Saved {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Saved(nil), f.history...)
}

// ---- Browser ----

type fakeBrowser struct {
	mu     sync.Mutex
	err    error
	opened []string
}

func (f *fakeBrowser) Open(url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, url)
	return f.err
}

func (f *fakeBrowser) openedURLs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.opened...)
}

func (f *fakeBrowser) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// ---- Notifier ----

// recorder keeps every State and start URL the Service sends.
type recorder struct {
	mu      sync.Mutex
	states  []State
	waiting []string
	changed chan struct{}
	cursor  int // states before it were already matched by waitFor
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) StateChanged(s State) {
	r.mu.Lock()
	r.states = append(r.states, s)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) SignInWaiting(url string) {
	r.mu.Lock()
	r.waiting = append(r.waiting, url)
	r.mu.Unlock()
}

func (r *recorder) all() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

func (r *recorder) waitingURLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.waiting...)
}

// waitFor blocks until a State published after the previous match
// satisfies ok, and returns it: successive calls follow the flow in order.
func (r *recorder) waitFor(t *testing.T, what string, ok func(State) bool) State {
	t.Helper()
	deadline := time.NewTimer(hangGuard)
	defer deadline.Stop()
	for {
		states := r.all()
		r.mu.Lock()
		for ; r.cursor < len(states); r.cursor++ {
			if ok(states[r.cursor]) {
				r.cursor++
				r.mu.Unlock()
				return states[r.cursor-1]
			}
		}
		r.mu.Unlock()
		select {
		case <-r.changed:
		case <-deadline.C:
			last := "none"
			if len(states) > 0 {
				last = describe(states[len(states)-1])
			}
			t.Fatalf("no published state where %s; last: %s", what, last)
		}
	}
}

// describe summarises a State for failure messages (no tokens can be in a
// State, and the token test proves it).
func describe(s State) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ---- Clock and timers ----

// ---- Logs ----

// logBuffer collects the Service's logs so tests can check them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// ---- Harness ----

type harness struct {
	auth      *fakeAuth
	secrets   *fakeSecrets
	calendars *fakeCalendars
	store     *fakeStore
	browser   *fakeBrowser
	notes     *recorder
	clock     *testclock.Clock
	logs      *logBuffer
	svc       *Service
	// setup is the Options.Setup of the next start.
	setup Setup
	// tweak adjusts the Options before each start, if set.
	tweak func(*Options)
}

// testSetup is the setup the harness runs with unless a test changes it.
var testSetup = Setup{
	RecallBaseURL: "https://us-east-1.recall.ai",
	RecallKey:     Fingerprint(FingerprintRecallKey, "recall-key-1"),
	ClientID:      "11111111-2222-3333-4444-555555555555",
	ClientSecret:  Fingerprint(FingerprintClientSecret, "client-secret-1"),
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		auth:      &fakeAuth{},
		secrets:   newFakeSecrets(),
		calendars: newFakeCalendars(),
		store:     &fakeStore{},
		browser:   &fakeBrowser{},
		clock:     testclock.New(testEpoch.Add(time.Hour)),
		logs:      &logBuffer{},
		setup:     testSetup,
	}
	h.calendars.clock = h.clock.Now
	return h
}

// start builds a Service over the harness's fakes (a fresh recorder each
// time, as after a restart) and starts it.
func (h *harness) start(t *testing.T) *Service {
	t.Helper()
	h.notes = newRecorder()
	opts := Options{
		Auth:      h.auth,
		Secrets:   h.secrets,
		Calendars: h.calendars,
		Store:     h.store,
		Browser:   h.browser,
		Notifier:  h.notes,
		Setup:     h.setup,
		Now:       h.clock.Now,
		After:     h.clock.After,
		Logger:    slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if h.tweak != nil {
		h.tweak(&opts)
	}
	svc, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.svc = svc
	t.Cleanup(svc.Close)
	svc.Start(context.Background())
	// Start always publishes the screen it derived; later waits look past it.
	h.notes.waitFor(t, "Start published its screen", func(State) bool { return true })
	return svc
}

// restart closes the Service and starts a fresh one over the same fakes.
func (h *harness) restart(t *testing.T) *Service {
	t.Helper()
	h.svc.Close()
	return h.start(t)
}

const (
	aliceEmail = "alice@contoso.com"
	// aliceKey is the keychain key of Alice's token: her oid and tid.
	aliceKey = "oid-1.tenant-1"
	// aliceToken is distinctive so the leak test can search for it.
	aliceToken  = "RT-alice-0.AXEAsecret-refresh-token-1"
	aliceToken2 = "RT-alice-0.AXEAsecret-refresh-token-2"
)

func aliceSignIn(token string) SignedIn {
	return SignedIn{RefreshToken: token, Email: aliceEmail, TenantID: "tenant-1", ObjectID: "oid-1"}
}

// connectAlice runs a successful Connect to the connected phase and returns
// the calendar id.
func (h *harness) connectAlice(t *testing.T) string {
	t.Helper()
	st := h.svc.Connect(context.Background())
	if st.Phase != PhaseSigningIn {
		t.Fatalf("Connect: phase %q, want signing_in", st.Phase)
	}
	h.auth.last(t).succeed(aliceSignIn(aliceToken))
	st = h.notes.waitFor(t, "phase is connected", func(s State) bool { return s.Phase == PhaseConnected })
	return st.Calendar.ID
}

func phaseIs(p Phase) func(State) bool {
	return func(s State) bool { return s.Phase == p }
}

func problemCode(s State) string {
	if s.Problem == nil {
		return ""
	}
	return s.Problem.Code
}

func containsAny(haystack string, needles ...string) bool {
	for _, n := range needles {
		if strings.Contains(haystack, n) {
			return true
		}
	}
	return false
}
