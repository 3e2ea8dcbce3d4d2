package vault

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

const testService = "Outlook Connect Test"

func newTestVault(t *testing.T, f *fakeKeychain) *Vault {
	t.Helper()
	v, err := New(Options{Service: testService, Backend: f, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// secretOf returns n random printable bytes (like a token), never the
// same twice.
func secretOf(t testing.TB, n int) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func wantCode(t *testing.T, err error, code string) *problem.Problem {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("got %T (%v), want *problem.Problem %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("got code %s, want %s", p.Code, code)
	}
	return p
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	v, err := New(Options{})
	if err != nil {
		t.Fatalf("zero options: %v", err)
	}
	if v.Service() != DefaultService || v.timeout != DefaultTimeout {
		t.Errorf("defaults: service %q timeout %v", v.Service(), v.timeout)
	}
	if _, ok := v.backend.(goKeyring); !ok {
		t.Errorf("default backend is %T, want goKeyring", v.backend)
	}
	bad := map[string]Options{
		"negative timeout":   {Timeout: -time.Second},
		"negative limit":     {Limit: -1},
		"tiny limit":         {Limit: 10},
		"control character":  {Service: "Outlook\nConnect"},
		"surrounding spaces": {Service: " Outlook Connect"},
		"long service":       {Service: strings.Repeat("s", maxServiceLen+1)},
	}
	for name, opts := range bad {
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New accepted %+v", name, opts)
		} else {
			wantCode(t, err, CodeInvalid)
		}
	}
}

func TestRoundTripEverySizeWithinOSLimits(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	direct := itemCapacity(testService, "recall-api-key", 0) - len(directPrefix)
	for _, size := range []int{1, 100, direct, direct + 1, 2560, 3000, 5000, 10_000, 100_000} {
		value := secretOf(t, size)
		if err := v.SaveRecallAPIKey(ctx, value); err != nil {
			t.Fatalf("save %d bytes: %v", size, err)
		}
		got, err := v.LoadRecallAPIKey(ctx)
		if err != nil || got != value {
			t.Fatalf("load %d bytes: equal=%v err=%v", size, got == value, err)
		}
		// Exactly one item for a direct value, 1+n for a chunked one: the
		// previous generation was cleaned up.
		users := f.users(testService)
		wantItems := 1
		if size > direct {
			chunk := itemCapacity(testService, chunkUser("recall-api-key", "0123456789abcdef", maxChunks-1), 0)
			wantItems = 1 + (size+chunk-1)/chunk
		}
		if len(users) != wantItems {
			t.Fatalf("%d bytes: %d items stored (%v), want %d", size, len(users), users, wantItems)
		}
	}
}

func TestEverySecretKindRoundTrips(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	token, clientSecret, apiKey := secretOf(t, 1800), secretOf(t, 40), secretOf(t, 7000)
	if err := v.SaveRefreshToken(ctx, "Alice@Example.com", token); err != nil {
		t.Fatal(err)
	}
	if err := v.SaveClientSecret(ctx, clientSecret); err != nil {
		t.Fatal(err)
	}
	if err := v.SaveRecallAPIKey(ctx, apiKey); err != nil {
		t.Fatal(err)
	}
	if got, err := v.LoadRefreshToken(ctx, " alice@example.COM "); err != nil || got != token {
		t.Errorf("refresh token: equal=%v err=%v", got == token, err)
	}
	if got, err := v.LoadClientSecret(ctx); err != nil || got != clientSecret {
		t.Errorf("client secret: equal=%v err=%v", got == clientSecret, err)
	}
	if got, err := v.LoadRecallAPIKey(ctx); err != nil || got != apiKey {
		t.Errorf("recall key: equal=%v err=%v", got == apiKey, err)
	}
	if _, ok := f.raw(testService, "refresh-token:alice@example.com"); !ok {
		t.Errorf("refresh token not under its self-explaining name; have %v", f.users(testService))
	}
	if _, ok := f.raw(testService, "ms-client-secret"); !ok {
		t.Errorf("client secret not under ms-client-secret; have %v", f.users(testService))
	}

	if err := v.DeleteRefreshToken(ctx, "ALICE@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := v.DeleteClientSecret(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.DeleteRecallAPIKey(ctx); err != nil {
		t.Fatal(err)
	}
	if users := f.users(testService); len(users) != 0 {
		t.Errorf("items left after deleting everything: %v", users)
	}
	for name, load := range map[string]func() (string, error){
		"refresh token": func() (string, error) { return v.LoadRefreshToken(ctx, "alice@example.com") },
		"client secret": func() (string, error) { return v.LoadClientSecret(ctx) },
		"recall key":    func() (string, error) { return v.LoadRecallAPIKey(ctx) },
	} {
		if _, err := load(); !IsNotFound(err) {
			t.Errorf("%s after delete: %v, want not found", name, err)
		}
	}
	// Deleting again is fine.
	if err := v.DeleteRefreshToken(ctx, "alice@example.com"); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestAccountsWithHashAndPercentStayDistinct(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	// Entra guest UPNs contain "#EXT#"; the encoding keeps "#" out of user
	// names so they can't be confused with chunk names.
	accounts := []string{"guest_example.com#EXT#@contoso.onmicrosoft.com", "a%23b@x.com", "a#b@x.com"}
	for i, a := range accounts {
		if err := v.SaveRefreshToken(ctx, a, fmt.Sprintf("token-%d-%s", i, secretOf(t, 5000))); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range accounts {
		got, err := v.LoadRefreshToken(ctx, a)
		if err != nil || !strings.HasPrefix(got, fmt.Sprintf("token-%d-", i)) {
			t.Errorf("%s: wrong token (err %v)", a, err)
		}
	}
	for _, u := range f.users(testService) {
		base, _, _ := strings.Cut(u, "#")
		if !strings.HasPrefix(base, "refresh-token:") {
			t.Errorf("unexpected item %q", u)
		}
	}
}

func TestInvalidInputIsRefused(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	for _, account := range []string{"", "   ", "a\x00b@x.com", "line\nbreak@x.com", strings.Repeat("a", 300) + "@x.com"} {
		wantCode(t, v.SaveRefreshToken(ctx, account, "token"), CodeInvalid)
		_, err := v.LoadRefreshToken(ctx, account)
		wantCode(t, err, CodeInvalid)
		wantCode(t, v.DeleteRefreshToken(ctx, account), CodeInvalid)
	}
	wantCode(t, v.SaveRefreshToken(ctx, "a@x.com", ""), CodeInvalid)
	wantCode(t, v.SaveClientSecret(ctx, ""), CodeInvalid)
	wantCode(t, v.SaveRecallAPIKey(ctx, ""), CodeInvalid)
	if users := f.users(testService); len(users) != 0 {
		t.Errorf("invalid input reached the keychain: %v", users)
	}
}

func TestSizePolicyMatchesGoKeyringChecks(t *testing.T) {
	t.Parallel()
	// The fake applies go-keyring's own checks (keyring.md §1.2, §1.3).
	// With the safety margin removed, the vault's capacity must be exactly
	// the largest accepted value, for names that make Windows or macOS the
	// tighter limit, and with names that need shell quoting.
	cases := []struct{ service, user string }{
		{"my-app", "anon"},
		{"com.example.desktop", "oauth:user@example.com"},
		{"Outlook Connect", "refresh-token:" + strings.Repeat("a", 240) + "@x.com"},
		{"Outlook Connect", "refresh-token:o'brien@x.com#0123456789abcdef#63"},
		{strings.Repeat("s", 200), strings.Repeat("u'", 200)},
	}
	for _, c := range cases {
		exact := itemCapacity(c.service, c.user, 0) + safetyMargin
		if err := checkLimits(c.service, c.user, strings.Repeat("x", exact)); err != nil {
			t.Errorf("%q/%q: %d bytes refused by go-keyring's checks: %v", c.service, c.user, exact, err)
		}
		if err := checkLimits(c.service, c.user, strings.Repeat("x", exact+3)); !errors.Is(err, keyring.ErrSetDataTooBig) {
			t.Errorf("%q/%q: capacity %d is not the limit (%d+3 accepted)", c.service, c.user, exact, exact)
		}
	}
	// keyring.md §1.2's measured macOS maxima.
	if got := itemCapacity("my-app", "anon", 1<<20) + safetyMargin; got != 2560 {
		t.Errorf("my-app/anon: %d, want the Windows limit 2560", got)
	}
	room := macMaxCommand - macFixedBytes - macQuotedLen("com.example.desktop") - macQuotedLen("oauth:user@example.com") - macValuePrefix
	if got := room / 4 * 3; got != 3000 {
		t.Errorf("macOS maximum for com.example.desktop/oauth:user@example.com: %d, want 3000", got)
	}
}

func TestLongestNamesLeaveRoom(t *testing.T) {
	t.Parallel()
	// Quotes cost the most under macOS shell quoting, "#" under the
	// account encoding.
	service := strings.Repeat("'", maxServiceLen)
	if _, err := New(Options{Service: service}); err != nil {
		t.Fatal(err)
	}
	for _, account := range []string{strings.Repeat("'", maxAccountLen), strings.Repeat("#", 150) + "@x.com"} {
		user, err := accountUser(account)
		if err != nil {
			t.Fatal(err)
		}
		if c := itemCapacity(service, chunkUser(user, newGeneration(), maxChunks-1), 0); c < 1024 {
			t.Errorf("worst-case item capacity %d bytes", c)
		}
	}
	// Windows caps credential user names at 513 characters.
	if _, err := accountUser(strings.Repeat("#", 200) + "@x.com"); err == nil {
		t.Error("an account whose encoded name exceeds the Windows limit was accepted")
	}
}

func TestLimitOptionLowersChunkSize(t *testing.T) {
	t.Parallel()
	f := newFake()
	v, err := New(Options{Service: testService, Backend: f, Limit: 300})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	value := secretOf(t, 1000)
	if err := v.SaveClientSecret(ctx, value); err != nil {
		t.Fatal(err)
	}
	for _, u := range f.users(testService) {
		if raw, _ := f.raw(testService, u); len(raw) > 300 {
			t.Errorf("item %q holds %d bytes, over the 300-byte limit", u, len(raw))
		}
	}
	if n := len(f.users(testService)); n != 1+4 {
		t.Errorf("%d items, want manifest + 4 chunks", n)
	}
	if got, err := v.LoadClientSecret(ctx); err != nil || got != value {
		t.Errorf("load: equal=%v err=%v", got == value, err)
	}
}

func TestTooBigValueIsRefusedBeforeWriting(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	err := v.SaveRecallAPIKey(context.Background(), secretOf(t, 200_000))
	p := wantCode(t, err, CodeTooBig)
	if s, _ := p.Detail("Size"); s != "200000 bytes" {
		t.Errorf("size detail %q", s)
	}
	if users := f.users(testService); len(users) != 0 {
		t.Errorf("items written for a refused value: %v", users)
	}
}

func TestFormatTransitionsLeaveNoOrphans(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	for _, size := range []int{50, 9000, 6000, 60, 12000, 70} {
		value := secretOf(t, size)
		if err := v.SaveRefreshToken(ctx, "a@x.com", value); err != nil {
			t.Fatal(err)
		}
		got, err := v.LoadRefreshToken(ctx, "a@x.com")
		if err != nil || got != value {
			t.Fatalf("size %d: equal=%v err=%v", size, got == value, err)
		}
		raw, _ := f.raw(testService, "refresh-token:a@x.com")
		var want int
		if strings.HasPrefix(raw, directPrefix) {
			want = 1
		} else {
			s, err := decodeStored(raw)
			if err != nil {
				t.Fatal(err)
			}
			want = 1 + s.manifest.N
		}
		if n := len(f.users(testService)); n != want {
			t.Fatalf("size %d: %d items, want %d: %v", size, n, want, f.users(testService))
		}
	}
}

func TestStoredFormat(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	if err := v.SaveClientSecret(ctx, "small"); err != nil {
		t.Fatal(err)
	}
	if raw, _ := f.raw(testService, "ms-client-secret"); raw != "ocvault1:value:small" {
		t.Errorf("direct item %q", raw)
	}
	value := secretOf(t, 6000)
	if err := v.SaveClientSecret(ctx, value); err != nil {
		t.Fatal(err)
	}
	raw, _ := f.raw(testService, "ms-client-secret")
	var m manifest
	if !strings.HasPrefix(raw, manifestPrefix) || json.Unmarshal([]byte(strings.TrimPrefix(raw, manifestPrefix)), &m) != nil {
		t.Fatalf("manifest %q", raw)
	}
	if m.V != 1 || m.N != 3 || m.Size != 6000 || m.SHA256 != checksum(value) {
		t.Errorf("manifest %+v", m)
	}
	var joined strings.Builder
	for i := range m.N {
		part, ok := f.raw(testService, fmt.Sprintf("ms-client-secret#%s#%d", m.Gen, i))
		if !ok {
			t.Fatalf("chunk %d missing", i)
		}
		joined.WriteString(part)
	}
	if joined.String() != value {
		t.Error("chunks do not join to the value")
	}
}

func TestDamagedItemsAreReportedNotReturned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	value := secretOf(t, 8000)
	tamper := map[string]func(f *fakeKeychain, m manifest){
		"chunk changed": func(f *fakeKeychain, m manifest) {
			u := chunkUser("recall-api-key", m.Gen, 1)
			old, _ := f.raw(testService, u)
			first := "X"
			if old[0] == 'X' {
				first = "Y"
			}
			f.put(testService, u, first+old[1:])
		},
		"chunk missing": func(f *fakeKeychain, m manifest) { f.drop(testService, chunkUser("recall-api-key", m.Gen, 2)) },
		"chunk shorter": func(f *fakeKeychain, m manifest) {
			u := chunkUser("recall-api-key", m.Gen, 0)
			old, _ := f.raw(testService, u)
			f.put(testService, u, old[:10])
		},
		"manifest garbage": func(f *fakeKeychain, _ manifest) {
			f.put(testService, "recall-api-key", manifestPrefix+"{not json")
		},
		"manifest count": func(f *fakeKeychain, m manifest) {
			m.N = 2
			f.put(testService, "recall-api-key", m.encode())
		},
		"manifest version": func(f *fakeKeychain, m manifest) {
			m.V = 2
			f.put(testService, "recall-api-key", m.encode())
		},
		"foreign item": func(f *fakeKeychain, _ manifest) { f.put(testService, "recall-api-key", "plain value") },
	}
	for name, change := range tamper {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			v := newTestVault(t, f)
			if err := v.SaveRecallAPIKey(ctx, value); err != nil {
				t.Fatal(err)
			}
			raw, _ := f.raw(testService, "recall-api-key")
			s, err := decodeStored(raw)
			if err != nil {
				t.Fatal(err)
			}
			change(f, s.manifest)
			got, err := v.LoadRecallAPIKey(ctx)
			p := wantCode(t, err, CodeDamaged)
			if got != "" {
				t.Error("a damaged load returned a value")
			}
			if strings.Contains(p.DetailsText(), value[:20]) {
				t.Error("details contain part of the secret")
			}
			// Saving again repairs it.
			fresh := secretOf(t, 9000)
			if err := v.SaveRecallAPIKey(ctx, fresh); err != nil {
				t.Fatalf("save over damaged item: %v", err)
			}
			if got, err := v.LoadRecallAPIKey(ctx); err != nil || got != fresh {
				t.Errorf("after repair: equal=%v err=%v", got == fresh, err)
			}
			// And deleting a damaged item works too.
			change(f, mustManifest(t, f))
			if err := v.DeleteRecallAPIKey(ctx); err != nil {
				t.Fatalf("delete damaged: %v", err)
			}
			if _, ok := f.raw(testService, "recall-api-key"); ok {
				t.Error("damaged item still there after delete")
			}
		})
	}
}

func mustManifest(t *testing.T, f *fakeKeychain) manifest {
	t.Helper()
	raw, _ := f.raw(testService, "recall-api-key")
	s, err := decodeStored(raw)
	if err != nil || s.direct {
		t.Fatalf("no manifest: %v", err)
	}
	return s.manifest
}

// TestCrashDuringWriteNeverYieldsPartialValue stops the "process" after
// every possible number of keychain writes during a save, restarts, and
// checks the read: the old value or the new value (not found when there
// was no old value); never a partial value, and not even a damaged error.
// Then a rewrite must succeed.
func TestCrashDuringWriteNeverYieldsPartialValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	olds := map[string]string{"none": "", "direct": secretOf(t, 100), "chunked": secretOf(t, 7000)}
	news := map[string]string{"direct": secretOf(t, 120), "chunked": secretOf(t, 11000)}
	for oldName, old := range olds {
		for newName, next := range news {
			for crashAt := 0; crashAt <= 8; crashAt++ {
				t.Run(fmt.Sprintf("%s->%s/after-%d-writes", oldName, newName, crashAt), func(t *testing.T) {
					t.Parallel()
					f := newFake()
					v := newTestVault(t, f)
					if old != "" {
						if err := v.SaveRefreshToken(ctx, "a@x.com", old); err != nil {
							t.Fatal(err)
						}
					}
					f.crashAfter(crashAt)
					saveErr := v.SaveRefreshToken(ctx, "a@x.com", next)
					f.revive()

					restarted := newTestVault(t, f)
					got, err := restarted.LoadRefreshToken(ctx, "a@x.com")
					// Chunks are written before the manifest that names them,
					// so an old value survives until the new one is whole.
					switch {
					case err == nil && (got == old || got == next):
					case err != nil && IsNotFound(err) && old == "" && got == "":
					default:
						t.Fatalf("after crash: got %d bytes (old=%v new=%v), err %v", len(got), got == old, got == next, err)
					}
					if saveErr == nil && got != next {
						t.Fatalf("save reported success but the read is not the new value")
					}
					if err := restarted.SaveRefreshToken(ctx, "a@x.com", next); err != nil {
						t.Fatalf("rewrite after crash: %v", err)
					}
					if got, err := restarted.LoadRefreshToken(ctx, "a@x.com"); err != nil || got != next {
						t.Fatalf("after rewrite: equal=%v err=%v", got == next, err)
					}
					if err := restarted.DeleteAll(ctx); err != nil {
						t.Fatal(err)
					}
					if users := f.users(testService); len(users) != 0 {
						t.Fatalf("DeleteAll left %v", users)
					}
				})
			}
		}
	}
}

// TestInterruptedDeleteCanBeRetried fails a delete after each number of
// keychain deletes and checks that reading never returns a partial value
// and that retrying removes every chunk.
func TestInterruptedDeleteCanBeRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	value := secretOf(t, 9000)
	for failAt := range 6 {
		t.Run(fmt.Sprintf("after-%d-deletes", failAt), func(t *testing.T) {
			t.Parallel()
			f := newFake()
			v := newTestVault(t, f)
			if err := v.SaveRefreshToken(ctx, "a@x.com", value); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			deletes := 0
			f.setFail(func(op, _ string) error {
				mu.Lock()
				defer mu.Unlock()
				if op != "delete" {
					return nil
				}
				deletes++
				if deletes > failAt {
					return errors.New("keychain went away")
				}
				return nil
			})
			delErr := v.DeleteRefreshToken(ctx, "a@x.com")
			f.setFail(nil)
			got, err := v.LoadRefreshToken(ctx, "a@x.com")
			switch {
			case err == nil && got == value && delErr != nil:
			case err != nil && (IsNotFound(err) || isCode(err, CodeDamaged)):
			default:
				t.Fatalf("after interrupted delete: equal=%v err=%v delErr=%v", got == value, err, delErr)
			}
			if err := v.DeleteRefreshToken(ctx, "a@x.com"); err != nil {
				t.Fatalf("retry delete: %v", err)
			}
			if users := f.users(testService); len(users) != 0 {
				t.Fatalf("left behind: %v", users)
			}
		})
	}
}

func TestFailedChunkWriteCleansUp(t *testing.T) {
	t.Parallel()
	f := newFake()
	v := newTestVault(t, f)
	ctx := context.Background()
	old := secretOf(t, 40)
	if err := v.SaveRecallAPIKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sets := 0
	f.setFail(func(op, _ string) error {
		mu.Lock()
		defer mu.Unlock()
		if op == "set" {
			sets++
			if sets == 3 {
				return keyring.ErrSetDataTooBig
			}
		}
		return nil
	})
	wantCode(t, v.SaveRecallAPIKey(ctx, secretOf(t, 10000)), CodeTooBig)
	f.setFail(nil)
	if users := f.users(testService); len(users) != 1 {
		t.Errorf("chunks of a failed write left behind: %v", users)
	}
	if got, err := v.LoadRecallAPIKey(ctx); err != nil || got != old {
		t.Errorf("old value lost: equal=%v err=%v", got == old, err)
	}
}

func TestTimeoutAndCancellation(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.hang = make(chan struct{})
	f.entered = make(chan string, 16)
	// Release the hung calls at the end so goleak sees no goroutine left.
	t.Cleanup(func() { close(f.hang) })

	v, err := New(Options{Service: testService, Backend: f, Timeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = v.SaveRefreshToken(context.Background(), "a@x.com", "token")
	p := wantCode(t, err, CodeTimeout)
	if !p.Retryable || !errors.Is(err, errCallTimeout) {
		t.Errorf("timeout: retryable=%v cause=%v", p.Retryable, p.Cause)
	}
	<-f.entered // the timed-out call is still waiting in the keychain

	slow := newTestVault(t, f) // 10 s timeout: only ctx can end the wait
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := slow.LoadClientSecret(ctx)
		errc <- err
	}()
	<-f.entered
	cancel()
	err = <-errc
	wantCode(t, err, CodeCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancellation cause %v", err)
	}

	deadline, stop := context.WithDeadline(context.Background(), time.Now().Add(time.Millisecond))
	defer stop()
	err = slow.Check(deadline)
	wantCode(t, err, CodeTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline cause %v", err)
	}
}

func TestCancelledContextMakesNoKeychainCall(t *testing.T) {
	t.Parallel()
	f := newFake()
	calls := 0
	var mu sync.Mutex
	f.setFail(func(string, string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return nil
	})
	v := newTestVault(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantCode(t, v.SaveRecallAPIKey(ctx, "key"), CodeCancelled)
	_, err := v.LoadRecallAPIKey(ctx)
	wantCode(t, err, CodeCancelled)
	wantCode(t, v.DeleteAll(ctx), CodeCancelled)
	if calls != 0 {
		t.Errorf("%d keychain calls with a cancelled context", calls)
	}
}

func TestWaitingForAnItemLockHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.hang = make(chan struct{})
	f.entered = make(chan string, 16)
	t.Cleanup(func() { close(f.hang) })
	v := newTestVault(t, f)

	holder, cancelHolder := context.WithCancel(context.Background())
	defer cancelHolder()
	done := make(chan error, 1)
	go func() { done <- v.SaveClientSecret(holder, "first") }()
	<-f.entered // the first save holds the item lock, stuck in the keychain

	waiter, cancelWaiter := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- v.SaveClientSecret(waiter, "second") }()
	cancelWaiter()
	wantCode(t, <-errc, CodeCancelled)
	cancelHolder()
	wantCode(t, <-done, CodeCancelled)
}

func TestBackendErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		err  error
		code string
	}{
		"not found":       {keyring.ErrNotFound, CodeNotFound},
		"too big":         {keyring.ErrSetDataTooBig, CodeTooBig},
		"no service":      {errServiceUnknown, CodeUnavailable},
		"locked":          {errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), CodeLocked},
		"bus address":     {errors.New("dbus: invalid bus address (invalid or unsupported transport)"), CodeUnavailable},
		"something else":  {errors.New("boom"), CodeUnavailable},
		"wrapped locked":  {fmt.Errorf("wrapped: %w", errIsLocked), CodeLocked},
		"unsupported":     {keyring.ErrUnsupportedPlatform, CodeUnavailable},
		"wrapped timeout": {fmt.Errorf("x: %w", errNoReply), CodeTimeout},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.setFail(func(string, string) error { return c.err })
			v := newTestVault(t, f)
			ctx := context.Background()
			save := v.SaveRefreshToken(ctx, "a@x.com", "tok")
			_, load := v.LoadRefreshToken(ctx, "a@x.com")
			check := v.Check(ctx)
			for what, err := range map[string]error{"save": save, "load": load, "check": check} {
				if c.code == CodeNotFound && what != "load" {
					continue // save/check of a missing item: see below
				}
				wantCode(t, err, c.code)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	v := newTestVault(t, f)
	if err := v.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	if users := f.users(testService); len(users) != 0 {
		t.Errorf("check left %v behind", users)
	}

	liar := newFake()
	liar.getOverride = func(_, _ string) string { return directPrefix + "something else" }
	p := wantCode(t, newTestVault(t, liar).Check(ctx), CodeUnavailable)
	if c, _ := p.Detail("Error class"); c != classCanaryMismatch {
		t.Errorf("class %q", c)
	}
	if users := liar.users(testService); len(users) != 0 {
		t.Errorf("failed check left %v behind", users)
	}
}

func TestDeleteAllRemovesOnlyThisService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	v := newTestVault(t, f)
	other, err := New(Options{Service: "Another App", Backend: f})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SaveClientSecret(ctx, "keep me"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := v.SaveRefreshToken(ctx, fmt.Sprintf("u%d@x.com", i), secretOf(t, 4000)); err != nil {
			t.Fatal(err)
		}
	}
	// An orphaned chunk, as an interrupted write would leave.
	f.put(testService, "recall-api-key#0123456789abcdef#0", "orphan")
	if err := v.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if users := f.users(testService); len(users) != 0 {
		t.Errorf("DeleteAll left %v", users)
	}
	if got, err := other.LoadClientSecret(ctx); err != nil || got != "keep me" {
		t.Errorf("another service's item was touched: %v", err)
	}
	if err := v.DeleteAll(ctx); err != nil {
		t.Errorf("DeleteAll on an empty service: %v", err)
	}
}

// TestConcurrentUse runs writers, readers and deleters on shared and
// separate items at once; reads must only ever see whole values.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	v := newTestVault(t, f)
	shared := []string{secretOf(t, 100), secretOf(t, 6000), secretOf(t, 12000)}
	isShared := func(s string) bool {
		for _, want := range shared {
			if s == want {
				return true
			}
		}
		return false
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 20 {
		own := fmt.Sprintf("user%d@x.com", g)
		mine := secretOf(t, 3000+g*300)
		wg.Go(func() {
			for i := range 10 {
				if err := v.SaveRefreshToken(ctx, "shared@x.com", shared[(g+i)%len(shared)]); err != nil {
					errs <- err
					return
				}
				got, err := v.LoadRefreshToken(ctx, "shared@x.com")
				if err != nil || !isShared(got) {
					errs <- fmt.Errorf("shared read: whole=%v err=%v", isShared(got), err)
					return
				}
				if err := v.SaveRefreshToken(ctx, own, mine); err != nil {
					errs <- err
					return
				}
				if got, err := v.LoadRefreshToken(ctx, own); err != nil || got != mine {
					errs <- fmt.Errorf("own read: equal=%v err=%v", got == mine, err)
					return
				}
				if err := v.DeleteRefreshToken(ctx, own); err != nil {
					errs <- err
					return
				}
				if g == 0 && i == 5 {
					if err := v.Check(ctx); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Only the shared item (with its chunks) remains.
	for _, u := range f.users(testService) {
		if base, _, _ := strings.Cut(u, "#"); base != "refresh-token:shared@x.com" {
			t.Errorf("left behind: %q", u)
		}
	}
}

func TestSecretsNeverAppearInErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	token := "SECRET-" + secretOf(t, 5000)
	// Backend errors that echo their input must not reach the problem text.
	f := newFake()
	f.setFail(func(op, user string) error { return fmt.Errorf("backend echo %s %s %s", op, user, token) })
	v := newTestVault(t, f)
	errs := []error{v.SaveRefreshToken(ctx, "a@x.com", token), v.SaveRecallAPIKey(ctx, token)}
	_, err := v.LoadRefreshToken(ctx, "a@x.com")
	errs = append(errs, err)
	for _, err := range errs {
		p := problem.From(err)
		js, _ := json.Marshal(p)
		for where, text := range map[string]string{"Error()": err.Error(), "details": p.DetailsText(), "json": string(js), "message": p.Message + p.NextStep} {
			if strings.Contains(text, "SECRET-") {
				t.Errorf("%s contains the secret", where)
			}
		}
	}
}

// Callers (the setup's Reset, Disconnect) rely on deleting a missing item
// being a success, so they need no not-found special case of their own.
func TestDeletingMissingItemsIsNotAnError(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, newFake())
	ctx := context.Background()
	if err := v.DeleteClientSecret(ctx); err != nil {
		t.Errorf("client secret: %v", err)
	}
	if err := v.DeleteRecallAPIKey(ctx); err != nil {
		t.Errorf("recall key: %v", err)
	}
	if err := v.DeleteRefreshToken(ctx, "nobody@example.com"); err != nil {
		t.Errorf("refresh token: %v", err)
	}
}
