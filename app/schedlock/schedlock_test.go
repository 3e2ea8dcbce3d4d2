package schedlock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

const (
	testPoll  = 250 * time.Millisecond
	testCheck = 2 * time.Second
)

// lockers returns n Lockers on one fresh config folder sharing a fake
// clock: separate Lockers open separate files, so they contend exactly as
// separate processes do.
func lockers(t *testing.T, n int) ([]*Locker, *fakeClock, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	clock := newFakeClock()
	var out []*Locker
	for range n {
		l, err := New(Options{Dir: dir, Clock: clock, WindowPoll: testPoll, CheckInterval: testCheck})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out, clock, dir
}

func mustTry(t *testing.T, l *Locker, role Role) *Lease {
	t.Helper()
	lease, ok, err := l.TryAcquire(role)
	if err != nil || !ok {
		t.Fatalf("TryAcquire(%s) = %v, %v", role, ok, err)
	}
	t.Cleanup(func() { _ = lease.Release() })
	return lease
}

func wantHolder(t *testing.T, l *Locker, role Role) {
	t.Helper()
	info, ok, err := l.Holder()
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case role == "" && ok:
		t.Fatalf("Holder = %+v, want nobody", info)
	case role != "" && (!ok || info.Role != role || info.PID != os.Getpid()):
		t.Fatalf("Holder = %+v, %v; want %s (pid %d)", info, ok, role, os.Getpid())
	}
}

// recv waits for a value with the hang guard.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(hangGuard):
		t.Fatalf("%s did not happen", what)
		panic("unreachable")
	}
}

type acquired struct {
	lease *Lease
	err   error
}

func acquireAsync(ctx context.Context, l *Locker, role Role) <-chan acquired {
	ch := make(chan acquired, 1)
	go func() {
		lease, err := l.Acquire(ctx, role)
		ch <- acquired{lease, err}
	}()
	return ch
}

func TestOneSchedulerAtATime(t *testing.T) {
	ls, _, _ := lockers(t, 2)
	for _, first := range []Role{RoleWindow, RoleBackground} {
		for _, second := range []Role{RoleWindow, RoleBackground} {
			lease := mustTry(t, ls[0], first)
			if _, ok, err := ls[1].TryAcquire(second); ok || err != nil {
				t.Fatalf("%s holds; TryAcquire(%s) = %v, %v", first, second, ok, err)
			}
			wantHolder(t, ls[1], first)
			if err := lease.Release(); err != nil {
				t.Fatal(err)
			}
			wantHolder(t, ls[1], "")
		}
	}
}

func TestHolderInfo(t *testing.T) {
	ls, clock, _ := lockers(t, 1)
	wantHolder(t, ls[0], "")
	lease := mustTry(t, ls[0], RoleBackground)
	info, ok, err := ls[0].Holder()
	if err != nil || !ok || info != (Info{Role: RoleBackground, PID: os.Getpid(), Since: clock.Now()}) {
		t.Fatalf("Holder = %+v, %v, %v", info, ok, err)
	}
	if lease.Info() != info || lease.Role() != RoleBackground {
		t.Errorf("Lease.Info = %+v", lease.Info())
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(ls[0].Path(SchedulerFile)); len(raw) != 0 {
		t.Errorf("holder info outlived the lease: %q", raw)
	}
}

// TestStaleHolderInfoIsIgnored: a file naming a dead process (here with
// looser permissions, as another tool might leave it) is no holder.
func TestStaleHolderInfoIsIgnored(t *testing.T) {
	ls, _, dir := lockers(t, 1)
	dead := deadPID(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := `{"role":"window","pid":` + itoa(dead) + `,"since":"2026-01-01T00:00:00Z"}` + "\n"
	path := ls[0].Path(SchedulerFile)
	if err := os.WriteFile(path, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	wantHolder(t, ls[0], "")
	lease := mustTry(t, ls[0], RoleBackground)
	wantHolder(t, ls[0], RoleBackground)
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", info.Mode().Perm())
		}
	}
	_ = lease.Release()
}

func TestLockFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps access in ACLs")
	}
	ls, _, dir := lockers(t, 1)
	lease := mustTry(t, ls[0], RoleWindow)
	claim, ok, err := ls[0].ClaimBackground()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer claim.Release()
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %v, want 0700", info.Mode().Perm())
	}
	for _, name := range []string{SchedulerFile, WindowFile, BackgroundFile} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, info.Mode().Perm())
		}
	}
	_ = lease.Release()
}

// TestWindowHandover walks the protocol step by step on a fake clock.
func TestWindowHandover(t *testing.T) {
	ls, clock, _ := lockers(t, 2)
	bgL, winL := ls[0], ls[1]
	ctx := context.Background()

	bg, err := bgL.Acquire(ctx, RoleBackground)
	if err != nil {
		t.Fatal(err)
	}
	winCh := acquireAsync(ctx, winL, RoleWindow)
	clock.WaitFor(t, testPoll, 1) // the window polls: it holds window.lock
	if open, err := bgL.WindowOpen(); !open || err != nil {
		t.Fatalf("WindowOpen = %v, %v", open, err)
	}
	select {
	case <-bg.Lost():
		t.Fatal("the background lost the lease before its check")
	default:
	}

	clock.WaitFor(t, testCheck, 1)
	clock.Advance(testCheck) // the background's check sees the window
	recv(t, bg.Lost(), "the background's Lost")
	if !bg.HandedOver() {
		t.Error("HandedOver = false after a window asked")
	}
	// Until the background releases, it is still the scheduler.
	clock.WaitFor(t, testPoll, 1)
	clock.Advance(testPoll)
	clock.WaitFor(t, testPoll, 1)
	wantHolder(t, winL, RoleBackground)

	if err := bg.Release(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(testPoll)
	got := recv(t, winCh, "the window's Acquire")
	if got.err != nil {
		t.Fatal(got.err)
	}
	win := got.lease
	wantHolder(t, bgL, RoleWindow)

	// The background waits while the window is open...
	bgCh := acquireAsync(ctx, bgL, RoleBackground)
	clock.WaitFor(t, testCheck, 2) // its wait, and the window lease's own check
	clock.Advance(testCheck)
	clock.WaitFor(t, testCheck, 2)
	wantHolder(t, bgL, RoleWindow)
	select {
	case <-win.Lost():
		t.Fatal("nothing takes the scheduler from a window")
	default:
	}

	// ...and takes over at its next check once the window closed.
	if err := win.Release(); err != nil {
		t.Fatal(err)
	}
	if open, _ := bgL.WindowOpen(); open {
		t.Error("Release must give window.lock up")
	}
	clock.Advance(testCheck)
	got = recv(t, bgCh, "the background's Acquire")
	if got.err != nil {
		t.Fatal(got.err)
	}
	wantHolder(t, winL, RoleBackground)
	_ = got.lease.Release()
}

// TestBackgroundStaysAwayFromAnOpenWindow: with window.lock held and the
// scheduler free, a background process still does not take it.
func TestBackgroundStaysAwayFromAnOpenWindow(t *testing.T) {
	ls, _, _ := lockers(t, 1)
	presence, err := tryLockPath(ls[0].Path(WindowFile))
	if err != nil || presence == nil {
		t.Fatal(presence, err)
	}
	if _, ok, err := ls[0].TryAcquire(RoleBackground); ok || err != nil {
		t.Fatalf("TryAcquire(background) with a window open = %v, %v", ok, err)
	}
	// It does not even try the scheduler lock, which a window about to
	// take it would find busy for that instant.
	if _, err := os.Stat(ls[0].Path(SchedulerFile)); !os.IsNotExist(err) {
		t.Errorf("scheduler.lock was touched: %v", err)
	}
	wantHolder(t, ls[0], "")
	_ = release(presence)
	lease := mustTry(t, ls[0], RoleBackground)
	_ = lease.Release()
}

// TestBackgroundYieldsToAWindowThatJustOpened: a window that takes
// window.lock just after the background checked for one still wins at
// once, without waiting for the background's next check.
func TestBackgroundYieldsToAWindowThatJustOpened(t *testing.T) {
	ls, _, _ := lockers(t, 1)
	var presence *os.File
	ls[0].raceHook = func() {
		f, err := tryLockPath(ls[0].Path(WindowFile))
		if err != nil || f == nil {
			t.Error("the window could not open", err)
		}
		presence = f
	}
	if _, ok, err := ls[0].TryAcquire(RoleBackground); ok || err != nil {
		t.Fatalf("TryAcquire(background) = %v, %v; want it to yield", ok, err)
	}
	wantHolder(t, ls[0], "")
	if presence != nil {
		_ = release(presence)
	}
}

func TestTryAcquireWindowDoesNotLeaveWindowLockHeld(t *testing.T) {
	ls, _, _ := lockers(t, 2)
	bg := mustTry(t, ls[0], RoleBackground)
	if _, ok, _ := ls[1].TryAcquire(RoleWindow); ok {
		t.Fatal("the scheduler is taken")
	}
	if open, _ := ls[0].WindowOpen(); open {
		t.Error("a failed TryAcquire left window.lock held")
	}
	_ = bg.Release()
}

func TestAcquireEndsWithItsContext(t *testing.T) {
	ls, clock, _ := lockers(t, 2)
	holder := mustTry(t, ls[0], RoleWindow)
	for _, role := range []Role{RoleWindow, RoleBackground} {
		ctx, cancel := context.WithCancel(context.Background())
		ch := acquireAsync(ctx, ls[1], role)
		d := testPoll
		if role == RoleBackground {
			d = testCheck
		}
		clock.WaitFor(t, d, 1)
		cancel()
		got := recv(t, ch, "Acquire's return")
		if !errors.Is(got.err, context.Canceled) || got.lease != nil {
			t.Errorf("%s: Acquire = %v, %v; want context.Canceled", role, got.lease, got.err)
		}
	}
	_ = holder.Release()
	if open, _ := ls[0].WindowOpen(); open {
		t.Error("a cancelled window Acquire left window.lock held")
	}
	// The Locker is usable again.
	_ = mustTry(t, ls[1], RoleWindow).Release()
}

func TestLeaseLostWhenTheLockFileIsRemoved(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows does not remove open files")
	}
	for _, role := range []Role{RoleWindow, RoleBackground} {
		ls, clock, dir := lockers(t, 2)
		lease := mustTry(t, ls[0], role)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		// Another process could now lock a new file of the same name.
		other := mustTry(t, ls[1], RoleWindow)
		clock.WaitFor(t, testCheck, 2)
		clock.Advance(testCheck)
		recv(t, lease.Lost(), "Lost after the file was removed")
		if lease.HandedOver() {
			t.Errorf("%s: HandedOver = true for a removed file", role)
		}
		_ = lease.Release()
		_ = other.Release()
	}
}

// TestLockOnAReplacedFileIsRefused: a file opened just before its name was
// given to a new file must not count as locked, or two processes could each
// hold "scheduler.lock".
func TestLockOnAReplacedFileIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows does not remove open files")
	}
	path := filepath.Join(t.TempDir(), SchedulerFile)
	old, err := openLockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	current, err := tryLockPath(path)
	if err != nil || current == nil {
		t.Fatal(current, err)
	}
	defer release(current)
	if f, err := lockOpened(path, old); f != nil || err != nil {
		t.Errorf("lockOpened on a replaced file = %v, %v; want refused", f, err)
	}
}

func TestReleaseIsIdempotentAndEndsLost(t *testing.T) {
	ls, _, _ := lockers(t, 1)
	lease := mustTry(t, ls[0], RoleWindow)
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	recv(t, lease.Lost(), "Lost after Release")
	if lease.HandedOver() {
		t.Error("a released lease was not handed over")
	}
}

func TestOneLeasePerLocker(t *testing.T) {
	ls, _, _ := lockers(t, 1)
	lease := mustTry(t, ls[0], RoleBackground)
	// Without the guard this would wait for itself forever.
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	_, err := ls[0].Acquire(ctx, RoleWindow)
	wantCode(t, err, CodeInvalid)
	_ = lease.Release()
	_ = mustTry(t, ls[0], RoleWindow).Release()
}

func TestClaimBackground(t *testing.T) {
	ls, clock, _ := lockers(t, 2)
	if _, ok, err := ls[0].BackgroundRunning(); ok || err != nil {
		t.Fatalf("BackgroundRunning before any claim = %v, %v", ok, err)
	}
	claim, ok, err := ls[0].ClaimBackground()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, ok, err := ls[1].ClaimBackground(); ok || err != nil {
		t.Fatalf("a second claim = %v, %v", ok, err)
	}
	info, ok, err := ls[1].BackgroundRunning()
	if err != nil || !ok || info != (Info{Role: RoleBackground, PID: os.Getpid(), Since: clock.Now()}) {
		t.Fatalf("BackgroundRunning = %+v, %v, %v", info, ok, err)
	}
	// The claim is independent of the scheduler.
	_ = mustTry(t, ls[1], RoleWindow).Release()
	if err := claim.Release(); err != nil {
		t.Fatal(err)
	}
	if err := claim.Release(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ls[1].BackgroundRunning(); ok {
		t.Error("claim still visible after Release")
	}
	c2, ok, err := ls[1].ClaimBackground()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	_ = c2.Release()
}

func TestUnusableFolderIsAProblem(t *testing.T) {
	parent := t.TempDir()
	file := filepath.Join(parent, "not-a-folder")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{Dir: file})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Acquire(context.Background(), RoleWindow)
	p := wantCode(t, err, CodeUnavailable)
	if v, _ := p.Detail("File"); v != filepath.Join(file, WindowFile) {
		t.Errorf("File = %q", v)
	}
	_, _, err = l.TryAcquire(RoleBackground)
	wantCode(t, err, CodeUnavailable)
	_, _, err = l.ClaimBackground()
	wantCode(t, err, CodeUnavailable)

	// A lock "file" that is a folder is refused, not locked.
	dir := filepath.Join(parent, "cfg")
	if err := os.MkdirAll(filepath.Join(dir, SchedulerFile), 0o700); err != nil {
		t.Fatal(err)
	}
	l2, _ := New(Options{Dir: dir})
	_, _, err = l2.TryAcquire(RoleBackground)
	wantCode(t, err, CodeUnavailable)
}

func TestNewValidates(t *testing.T) {
	for name, o := range map[string]Options{
		"empty":     {},
		"relative":  {Dir: "cfg"},
		"negative":  {Dir: "/x", WindowPoll: -1},
		"negative2": {Dir: "/x", CheckInterval: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(o)
			wantCode(t, err, CodeInvalid)
		})
	}
	l, err := New(Options{Dir: "/x/../y"})
	if err != nil || l.windowPoll != DefaultWindowPoll || l.check != DefaultCheckInterval || l.Path(SchedulerFile) != "/y/scheduler.lock" {
		t.Errorf("defaults: %+v, %v", l, err)
	}
	ls, _, _ := lockers(t, 1)
	_, _, err = ls[0].TryAcquire("tray")
	wantCode(t, err, CodeInvalid)
}

func wantCode(t *testing.T, err error, code string) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) || p.Code != code {
		t.Fatalf("error = %v, want a problem %s", err, code)
	}
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Fatalf("problem %s lacks plain words", code)
	}
	return p
}
