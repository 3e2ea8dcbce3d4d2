package schedlock

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary doubles as the helper program the process tests start:
// with helperEnv set it runs runHelper instead of the tests. Helpers use
// short real intervals so the tests are quick; nothing waits on them.
const (
	helperEnv     = "OUTLOOK_CONNECT_SCHEDLOCK_TEST_HELPER"
	helperDir     = "OUTLOOK_CONNECT_SCHEDLOCK_TEST_DIR"
	helperRole    = "OUTLOOK_CONNECT_SCHEDLOCK_TEST_ROLE"
	helperRounds  = "OUTLOOK_CONNECT_SCHEDLOCK_TEST_ROUNDS"
	helperPoll    = 2 * time.Millisecond
	helperCheck   = 5 * time.Millisecond
	stressRounds  = 25
	markerName    = "in-critical-section"
	counterName   = "counter"
	violationLine = "violation"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

// runHelper is the helper program. It reports on stdout, one word a line,
// and reads stdin: closing it asks the helper to release and exit.
func runHelper(mode string) int {
	out := bufio.NewWriter(os.Stdout)
	say := func(s string) { out.WriteString(s + "\n"); out.Flush() }
	l, err := New(Options{Dir: os.Getenv(helperDir), WindowPoll: helperPoll, CheckInterval: helperCheck})
	if err != nil {
		say("error " + err.Error())
		return 1
	}
	role := Role(os.Getenv(helperRole))
	stdin := bufio.NewScanner(os.Stdin)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	switch mode {
	case "exit":
		return 0

	case "hold", "wait":
		// Hold the scheduler; after losing it (handover), release and wait
		// for it again. In "hold" mode a first TryAcquire says "busy" when
		// the scheduler is taken; "wait" goes straight to Acquire, as a
		// window does (a window's failed TryAcquire takes window.lock for
		// an instant, which a background holder may see and yield to).
		go func() {
			for stdin.Scan() {
			}
			cancel()
		}()
		var lease *Lease
		ok := false
		if mode == "hold" {
			lease, ok, err = l.TryAcquire(role)
			if err == nil && !ok {
				say("busy")
			}
		}
		if err == nil && !ok {
			lease, err = l.Acquire(ctx, role)
		}
		for {
			if errors.Is(err, context.Canceled) {
				return 0
			}
			if err != nil {
				say("error " + err.Error())
				return 1
			}
			say("acquired")
			select {
			case <-ctx.Done():
				_ = lease.Release()
				say("released")
				return 0
			case <-lease.Lost():
				say("lost")
				_ = lease.Release()
				say("released")
			}
			lease, err = l.Acquire(ctx, role)
		}

	case "claim":
		claim, ok, err := l.ClaimBackground()
		switch {
		case err != nil:
			say("error " + err.Error())
			return 1
		case !ok:
			say("busy")
			return 0
		}
		say("claimed")
		for stdin.Scan() {
		}
		_ = claim.Release()
		return 0

	case "stress":
		rounds, _ := strconv.Atoi(os.Getenv(helperRounds))
		say("ready")
		if !stdin.Scan() { // "go": every helper starts at once
			return 1
		}
		for range rounds {
			lease, err := l.Acquire(ctx, role)
			if err != nil {
				say("error " + err.Error())
				return 1
			}
			if err := criticalSection(l.dir); err != nil {
				say(violationLine + " " + err.Error())
				return 3
			}
			_ = lease.Release()
		}
		say("done")
		return 0
	}
	say("error unknown mode " + mode)
	return 2
}

// criticalSection is what the scheduler protects, made to show overlap: a
// marker only one process may create, and a read-increment-write counter
// that loses updates when two run it at once.
func criticalSection(dir string) error {
	marker := filepath.Join(dir, markerName)
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return errors.New("another process is in the critical section")
	}
	if err != nil {
		return err
	}
	f.Close()
	counter := filepath.Join(dir, counterName)
	raw, err := os.ReadFile(counter)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	n, _ := strconv.Atoi(string(raw))
	for range 20 {
		runtime.Gosched() // widen the window an overlap would need
	}
	if err := os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600); err != nil {
		return err
	}
	return os.Remove(marker)
}

// helper is a running helper process.
type helper struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // closed once the process has exited and been waited for
	stderr bytes.Buffer
	err    error // the exit status; read only after lines is closed
}

func startHelper(t *testing.T, name, mode, dir string, role Role, extraEnv ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDir+"="+dir, helperRole+"="+string(role))
	cmd.Env = append(cmd.Env, extraEnv...)
	h := &helper{t: t, name: name, cmd: cmd, lines: make(chan string, 64)}
	cmd.Stderr = &h.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		h.err = cmd.Wait()
		close(h.lines)
	}()
	t.Cleanup(h.kill)
	return h
}

// expect fails unless the helper's next lines are want.
func (h *helper) expect(want ...string) {
	h.t.Helper()
	for _, w := range want {
		select {
		case got, ok := <-h.lines:
			if !ok {
				h.t.Fatalf("%s exited (%v) before %q; stderr:\n%s", h.name, h.err, w, h.stderr.String())
			}
			if got != w {
				h.t.Fatalf("%s said %q, want %q", h.name, got, w)
			}
		case <-time.After(hangGuard):
			h.t.Fatalf("%s did not say %q", h.name, w)
		}
	}
}

func (h *helper) pid() int { return h.cmd.Process.Pid }

// kill ends the helper with SIGKILL (TerminateProcess on Windows), so no
// deferred code runs, as in a crash, and waits until it is gone.
func (h *helper) kill() {
	_ = h.cmd.Process.Kill()
	for range h.lines {
	}
}

// finish closes stdin and expects the remaining lines, then a clean exit.
func (h *helper) finish(lines ...string) {
	h.t.Helper()
	h.stdin.Close()
	h.expect(lines...)
	for l := range h.lines {
		h.t.Errorf("%s said %q after its last expected line", h.name, l)
	}
	if h.err != nil {
		h.t.Fatalf("%s: %v; stderr:\n%s", h.name, h.err, h.stderr.String())
	}
}

// wantHolderProcess fails unless h holds the scheduler in role.
func wantHolderProcess(t *testing.T, l *Locker, role Role, h *helper) {
	t.Helper()
	info, ok, err := l.Holder()
	if err != nil || !ok || info.Role != role || info.PID != h.pid() {
		t.Fatalf("Holder = %+v, %v, %v; want %s %s (pid %d)", info, ok, err, role, h.name, h.pid())
	}
}

func processLocker(t *testing.T) (*Locker, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	l, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return l, dir
}

// TestProcessesNeverBothHold runs windows and background processes that all
// take the scheduler over and over, each checking in its critical section
// that no other process is in it.
func TestProcessesNeverBothHold(t *testing.T) {
	l, dir := processLocker(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	roles := []Role{RoleWindow, RoleBackground, RoleWindow, RoleBackground}
	var hs []*helper
	for i, role := range roles {
		h := startHelper(t, fmt.Sprintf("%s-%d", role, i), "stress", dir, role, helperRounds+"="+strconv.Itoa(stressRounds))
		h.expect("ready")
		hs = append(hs, h)
	}
	for _, h := range hs {
		if _, err := io.WriteString(h.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hs {
		h.expect("done")
		h.finish()
	}
	raw, err := os.ReadFile(filepath.Join(dir, counterName))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), strconv.Itoa(stressRounds*len(roles)); got != want {
		t.Errorf("counter = %s, want %s: two processes were in the critical section at once", got, want)
	}
	if info, ok, _ := l.Holder(); ok {
		t.Errorf("holder %+v left after every process finished", info)
	}
}

// TestKilledHolderFreesTheScheduler: whatever the roles, a holder killed
// with SIGKILL lets the waiting process in, and its info is ignored.
func TestKilledHolderFreesTheScheduler(t *testing.T) {
	for _, c := range []struct{ holder, waiter Role }{
		{RoleBackground, RoleBackground},
		{RoleWindow, RoleBackground},
		{RoleWindow, RoleWindow},
	} {
		t.Run(string(c.holder)+"-then-"+string(c.waiter), func(t *testing.T) {
			l, dir := processLocker(t)
			a := startHelper(t, "holder", "hold", dir, c.holder)
			a.expect("acquired")
			wantHolderProcess(t, l, c.holder, a)
			b := startHelper(t, "waiter", "hold", dir, c.waiter)
			b.expect("busy")
			a.kill()
			b.expect("acquired")
			wantHolderProcess(t, l, c.waiter, b)
			b.finish("released")
		})
	}
}

// TestHandoverBetweenProcesses: a window process takes over from a
// background process, which takes over again when the window exits, or
// when the window is killed.
func TestHandoverBetweenProcesses(t *testing.T) {
	l, dir := processLocker(t)
	bg := startHelper(t, "background", "hold", dir, RoleBackground)
	bg.expect("acquired")

	// "lost" shows the window's request, not chance, ended the lease.
	windowTakesOver := func(name string) *helper {
		w := startHelper(t, name, "wait", dir, RoleWindow)
		bg.expect("lost", "released")
		w.expect("acquired")
		wantHolderProcess(t, l, RoleWindow, w)
		return w
	}

	windowTakesOver("window").finish("released")
	bg.expect("acquired")
	wantHolderProcess(t, l, RoleBackground, bg)

	windowTakesOver("window 2").kill()
	bg.expect("acquired")
	wantHolderProcess(t, l, RoleBackground, bg)
	bg.finish("released")
}

func TestBackgroundClaimAcrossProcesses(t *testing.T) {
	l, dir := processLocker(t)
	first := startHelper(t, "first", "claim", dir, RoleBackground)
	first.expect("claimed")
	second := startHelper(t, "second", "claim", dir, RoleBackground)
	second.expect("busy")
	second.finish()
	info, ok, err := l.BackgroundRunning()
	if err != nil || !ok || info.PID != first.pid() || info.Role != RoleBackground {
		t.Fatalf("BackgroundRunning = %+v, %v, %v", info, ok, err)
	}
	first.kill()
	if _, ok, _ := l.BackgroundRunning(); ok {
		t.Error("a killed helper still counts as running")
	}
	third := startHelper(t, "third", "claim", dir, RoleBackground)
	third.expect("claimed")
	third.finish()
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=exit", helperDir+"="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func itoa(n int) string { return strconv.Itoa(n) }
