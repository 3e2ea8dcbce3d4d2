package schedlock

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkWindowCheck measures what a background process does every
// CheckInterval, waiting or holding: look for a window. Its cost divided by
// the interval (2 s) is the helper's idle CPU share from this package.
func BenchmarkWindowCheck(b *testing.B) {
	for _, open := range []bool{false, true} {
		name := map[bool]string{false: "no window", true: "window open"}[open]
		b.Run(name, func(b *testing.B) {
			l, err := New(Options{Dir: filepath.Join(b.TempDir(), "config")})
			if err != nil {
				b.Fatal(err)
			}
			if open {
				other, _ := New(Options{Dir: l.dir})
				lease, ok, err := other.TryAcquire(RoleWindow)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				defer lease.Release()
			} else {
				f, err := openLockFile(l.Path(WindowFile))
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			b.ReportAllocs()
			for b.Loop() {
				if got, err := l.WindowOpen(); err != nil || got != open {
					b.Fatal(got, err)
				}
			}
		})
	}
}

// BenchmarkTryAcquireRelease is one uncontended take and give-up of the
// scheduler, holder info and watcher goroutine included.
func BenchmarkTryAcquireRelease(b *testing.B) {
	l, err := New(Options{Dir: filepath.Join(b.TempDir(), "config")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		lease, ok, err := l.TryAcquire(RoleBackground)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := lease.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandover times, with the default intervals, how long a window
// waits for the scheduler when a background process holds it and releases
// as soon as Lost closes (a sync that stops at once). The bound is
// DefaultCheckInterval + DefaultWindowPoll; run with -benchtime 5x.
func BenchmarkHandover(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "config")
	bgL, _ := New(Options{Dir: dir})
	winL, _ := New(Options{Dir: dir})
	for b.Loop() {
		b.StopTimer()
		bg, ok, err := bgL.TryAcquire(RoleBackground)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		go func() {
			<-bg.Lost()
			_ = bg.Release()
		}()
		b.StartTimer()
		win, err := winL.Acquire(context.Background(), RoleWindow)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = win.Release()
		b.StartTimer()
	}
}
