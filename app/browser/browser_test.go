package browser

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

const startURL = "http://localhost:51234/start"

// recordingScript writes a shell script that records its arguments, one
// per line, in a file, and exits with the given status. It returns the
// command "/bin/sh <script>" rather than an executable file: executing a
// file just written while parallel tests fork can fail with "text file
// busy" (ETXTBSY, golang/go#22315), which made this package flaky.
func recordingScript(t *testing.T, status int) (command, record string) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "fake-browser.sh")
	record = filepath.Join(dir, "args.txt")
	body := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + record + "'; done\nexit " + string(rune('0'+status)) + "\n"
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return "/bin/sh " + script, record
}

func recorded(t *testing.T, record string) []string {
	t.Helper()
	data, err := os.ReadFile(record)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestBrowserScriptReceivesTheURL(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	browserCmd, record := recordingScript(t, 0)
	o := New(browserCmd + " --new-tab %s")
	if err := o.Open(startURL); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got, want := recorded(t, record), []string{"--new-tab", startURL}; !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}

	// Without %s the URL is the last argument.
	browserCmd2, record2 := recordingScript(t, 0)
	if err := New(browserCmd2 + " -a").Open(startURL); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got, want := recorded(t, record2), []string{"-a", startURL}; !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
}

func TestFailingCommandFallsThroughTheList(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	failing, failRecord := recordingScript(t, 1)
	working, okRecord := recordingScript(t, 0)
	missing := filepath.Join(t.TempDir(), "no-such-browser")
	o := New(missing + ":" + failing + ":" + working)
	if err := o.Open(startURL); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := recorded(t, failRecord); !reflect.DeepEqual(got, []string{startURL}) {
		t.Errorf("failing script args = %q", got)
	}
	if got := recorded(t, okRecord); !reflect.DeepEqual(got, []string{startURL}) {
		t.Errorf("working script args = %q", got)
	}
}

// fakeStarter records every command and answers from a script of results.
type fakeStarter struct {
	mu      sync.Mutex
	calls   [][]string
	results map[string]error // by command name; missing = exit 0
	hang    map[string]bool  // never exits (a browser that stays open)
	refuse  map[string]bool  // can't start
}

func (f *fakeStarter) start(name string, args []string) (<-chan error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([]string{name}, args...))
	if f.refuse[name] {
		return nil, errors.New("executable file not found")
	}
	done := make(chan error, 1)
	if !f.hang[name] {
		done <- f.results[name]
	}
	return done, nil
}

func TestPlatformDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		goos, browser string
		want          [][]string
	}{
		{"linux", "", [][]string{{"xdg-open", startURL}}},
		{"freebsd", "", [][]string{{"xdg-open", startURL}}},
		{"darwin", "", [][]string{{"open", startURL}}},
		{"windows", "", [][]string{{"rundll32", "url.dll,FileProtocolHandler", startURL}}},
		{"windows", `C:\b\chrome.exe --new-window;edge`, [][]string{{`C:\b\chrome.exe`, "--new-window", startURL}}},
		{"linux", "::  firefox  -P 100%% %s ", [][]string{{"firefox", "-P", "100%", startURL}}},
	}
	for _, tc := range tests {
		f := &fakeStarter{}
		o := &Opener{Browser: tc.browser, GOOS: tc.goos, Start: f.start}
		if err := o.Open(startURL); err != nil {
			t.Fatalf("%s %q: %v", tc.goos, tc.browser, err)
		}
		if !reflect.DeepEqual(f.calls, tc.want) {
			t.Errorf("%s %q: calls = %q, want %q", tc.goos, tc.browser, f.calls, tc.want)
		}
	}
}

func TestNothingOpensGivesCopyLinkProblem(t *testing.T) {
	t.Parallel()
	f := &fakeStarter{
		refuse:  map[string]bool{"chromium": true},
		results: map[string]error{"firefox": errors.New("exit status 1"), "xdg-open": errors.New("exit status 3")},
	}
	o := &Opener{Browser: "chromium:firefox", GOOS: "linux", Start: f.start}
	err := o.Open(startURL)
	var p *problem.Problem
	if !errors.As(err, &p) || p.Code != "browser.open_failed" {
		t.Fatalf("err = %v", err)
	}
	if p.Message != "Your browser didn't open. Copy the link and paste it into your browser." {
		t.Errorf("message = %q", p.Message)
	}
	if tried, _ := p.Detail("Tried"); tried != "chromium, firefox, xdg-open" {
		t.Errorf("tried = %q", tried)
	}
	if len(f.calls) != 3 {
		t.Errorf("calls = %q", f.calls)
	}
}

// A browser that keeps running past the quick-failure window has opened.
func TestLongRunningBrowserCountsAsOpened(t *testing.T) {
	t.Parallel()
	f := &fakeStarter{hang: map[string]bool{"firefox": true}}
	o := &Opener{Browser: "firefox", GOOS: "linux", Start: f.start, QuickFailWindow: 1}
	if err := o.Open(startURL); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(f.calls) != 1 {
		t.Errorf("calls = %q, want only firefox", f.calls)
	}
}

func TestOnlyWebLinksAreOpened(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"file:///etc/passwd", "javascript:alert(1)", "ms-settings:", "--help", "http://", "https://x.example/a b",
		"http://x.example/\nrm", "", "mailto:a@example.com", "https:opaque",
	} {
		f := &fakeStarter{}
		o := &Opener{GOOS: "linux", Start: f.start}
		err := o.Open(u)
		var p *problem.Problem
		if !errors.As(err, &p) || p.Code != "browser.unsupported_link" {
			t.Errorf("%q: err = %v", u, err)
		}
		if len(f.calls) != 0 {
			t.Errorf("%q: a command ran: %q", u, f.calls)
		}
	}
	f := &fakeStarter{}
	if err := (&Opener{GOOS: "linux", Start: f.start}).Open("HTTPS://login.example.com/a?b=c"); err != nil {
		t.Errorf("https link refused: %v", err)
	}
}
