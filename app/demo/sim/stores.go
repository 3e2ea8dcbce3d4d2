package sim

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

// The installs keep their files in memory: thousands of installs writing
// meetings.json after every sync would measure the disk, not the design.
// Each store still round-trips through JSON, as the real files do, so
// whatever a Service keeps only in memory is lost across a restart here
// too.

// jsonSlot holds one encoded value.
type jsonSlot[T any] struct {
	mu   sync.Mutex
	data []byte
}

func (s *jsonSlot[T]) load() (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v T
	if s.data == nil {
		return v, nil
	}
	err := json.Unmarshal(s.data, &v)
	return v, err
}

func (s *jsonSlot[T]) save(v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data = b
	s.mu.Unlock()
	return nil
}

func (s *jsonSlot[T]) remove() {
	s.mu.Lock()
	s.data = nil
	s.mu.Unlock()
}

// cacheStore is meetings.json.
type cacheStore struct{ slot jsonSlot[meetings.Cache] }

func (c *cacheStore) Load() (meetings.Cache, error) { return c.slot.load() }
func (c *cacheStore) Save(v meetings.Cache) error   { return c.slot.save(v) }
func (c *cacheStore) Remove() error                 { c.slot.remove(); return nil }

// prefsStore is preferences.json.
type prefsStore struct {
	slot jsonSlot[meetings.Preferences]
}

func (p *prefsStore) Load() (meetings.Preferences, error) { return p.slot.load() }
func (p *prefsStore) Save(v meetings.Preferences) error   { return p.slot.save(v) }

// stateStore is connection.json.
type stateStore struct{ slot jsonSlot[connect.Saved] }

func (s *stateStore) Load() (connect.Saved, error) { return s.slot.load() }
func (s *stateStore) Save(v connect.Saved) error   { return s.slot.save(v) }

// keychain holds refresh tokens, as the OS keychain does.
type keychain struct {
	mu     sync.Mutex
	tokens map[string]string
}

func (k *keychain) SaveRefreshToken(_ context.Context, account, token string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tokens == nil {
		k.tokens = map[string]string{}
	}
	k.tokens[account] = token
	return nil
}

func (k *keychain) LoadRefreshToken(_ context.Context, account string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.tokens[account]
	if !ok {
		return "", &problem.Problem{Code: "vault.not_found", Title: "No saved sign-in"}
	}
	return t, nil
}

func (k *keychain) DeleteRefreshToken(_ context.Context, account string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.tokens, account)
	return nil
}

// signIn is the person finishing the Microsoft sign-in in their browser
// after a while; the identity service itself is not what is measured.
type signIn struct {
	who   connect.SignedIn
	after time.Duration
}

func (s signIn) Begin(context.Context) (connect.Attempt, error) { return &attempt{s: s}, nil }

type attempt struct{ s signIn }

func (a *attempt) StartURL() string { return "http://localhost:49153/start" }

func (a *attempt) Wait(ctx context.Context) (connect.SignedIn, error) {
	t := time.NewTimer(a.s.after)
	defer t.Stop()
	select {
	case <-t.C:
		return a.s.who, nil
	case <-ctx.Done():
		return connect.SignedIn{}, ctx.Err()
	}
}

func (a *attempt) Cancel() {}

// noBrowser stands in for the system browser.
type noBrowser struct{}

func (noBrowser) Open(string) error { return nil }

// lockedRand is seeded randomness shared by an install's goroutines.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

// newRand is the seeded randomness of one stream (0: the script, 1+n:
// install n). Both PCG words go through splitmix64: seeding with words
// that differ only by a multiple of one constant gave streams whose
// draws lined up, and a thousand installs' syncs bunched into one minute.
func newRand(seed, stream uint64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(splitmix(seed^splitmix(stream)), splitmix(stream+0x632be59bd9b4e019)))}
}

// duration is uniform in [0, n].
func (l *lockedRand) duration(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.r.Int64N(int64(n) + 1))
}

func (l *lockedRand) intN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

func (l *lockedRand) float() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

// splitmix is splitmix64's finaliser: distinct inputs, unrelated outputs.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
