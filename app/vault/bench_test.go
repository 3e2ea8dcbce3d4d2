package vault

import (
	"context"
	"os"
	"testing"
	"time"
)

// The vault's own overhead (format, checksum, locking, timeout goroutine)
// over an in-memory keychain, for a typical refresh token and for a value
// that needs chunks.
func BenchmarkSaveLoad(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
	}{{"1.5KB-direct", 1500}, {"10KB-chunked", 10_000}} {
		b.Run(bc.name, func(b *testing.B) {
			v, err := New(Options{Service: testService, Backend: newFake(), Timeout: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			value := secretOf(b, bc.size)
			ctx := context.Background()
			b.SetBytes(int64(bc.size))
			for b.Loop() {
				if err := v.SaveRefreshToken(ctx, "a@x.com", value); err != nil {
					b.Fatal(err)
				}
				if _, err := v.LoadRefreshToken(ctx, "a@x.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRealKeychain measures the same against the real Secret Service
// (run through .ci/keyring-session.sh with OUTLOOK_CONNECT_KEYRING_IT=1).
func BenchmarkRealKeychain(b *testing.B) {
	if os.Getenv(itEnv) != "1" {
		b.Skipf("needs %s=1", itEnv)
	}
	v, err := New(Options{Service: "Outlook Connect bench", Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Cleanup(func() { _ = v.DeleteAll(ctx) })
	for _, size := range []int{100, 10_000} {
		value := secretOf(b, size)
		b.Run(map[int]string{100: "100B", 10_000: "10KB"}[size], func(b *testing.B) {
			for b.Loop() {
				if err := v.SaveRefreshToken(ctx, "a@x.com", value); err != nil {
					b.Fatal(err)
				}
				if _, err := v.LoadRefreshToken(ctx, "a@x.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
