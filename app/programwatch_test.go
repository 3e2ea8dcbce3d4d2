package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

// The watch on a virtual clock: a program replaced in place or missing for
// less than the grace (an upgrade) never stops the helper; one missing at
// two checks does, within one interval plus the grace.
func TestWatchProgram(t *testing.T) {
	program := func(t *testing.T) string {
		p := filepath.Join(t.TempDir(), "outlook-connect-background")
		if err := os.WriteFile(p, []byte("program"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(ctx context.Context, path string) (stopped func() (time.Duration, bool)) {
		start := time.Now()
		var at time.Duration
		var gone bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			watchProgram(ctx, path, func() { gone, at = true, time.Since(start) })
		}()
		return func() (time.Duration, bool) {
			synctest.Wait()
			select {
			case <-done:
			default:
				return 0, false
			}
			return at, gone
		}
	}

	t.Run("uninstalled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := program(t)
			stopped := run(t.Context(), p)
			time.Sleep(10 * time.Minute)
			if _, gone := stopped(); gone {
				t.Fatal("stopped while the program was there")
			}
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			time.Sleep(programCheckInterval + programGrace)
			at, gone := stopped()
			if !gone {
				t.Fatal("still running one interval and the grace after the program was removed")
			}
			if limit := 11*time.Minute + programGrace; at > limit {
				t.Errorf("noticed after %v, want within %v", at, limit)
			}
		})
	})

	t.Run("upgraded: missing for less than the grace", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := program(t)
			stopped := run(t.Context(), p)
			time.Sleep(programCheckInterval - time.Second)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			time.Sleep(programGrace / 2) // the check saw it missing
			if err := os.WriteFile(p, []byte("new version"), 0o600); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Hour)
			if _, gone := stopped(); gone {
				t.Fatal("an upgrade stopped the helper")
			}
		})
	})

	t.Run("nothing to watch", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			for _, p := range []string{"", filepath.Join(t.TempDir(), "already-deleted")} {
				ctx, cancel := context.WithCancel(t.Context())
				stopped := run(ctx, p)
				if _, gone := stopped(); gone {
					t.Errorf("%q: stopped", p)
				}
				cancel()
			}
		})
	})
}
