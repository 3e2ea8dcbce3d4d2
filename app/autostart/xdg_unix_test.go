//go:build unix

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLinuxEntryLaunchesThroughGLib has GLib (the library gnome-session uses
// for autostart) start the entry, and checks the program received exactly
// its path and --background: the end-to-end check of the Exec quoting.
func TestLinuxEntryLaunchesThroughGLib(t *testing.T) {
	gio, err := exec.LookPath("gio")
	if err != nil {
		t.Skip("gio is not installed (Debian: libglib2.0-bin); the entry was not launched")
	}
	root := t.TempDir()
	fifo := filepath.Join(root, "argv.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(root, `we ird $x "q" 'a' \b ~ # (p) ; & | * ? < > `+"`c`"+` josé`, "outlook-connect")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nfor a in \"$0\" \"$@\"; do printf '%s\\0' \"$a\"; done > '" + fifo + "'\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	en, err := newFor("linux", Options{Executable: exe, ConfigHome: filepath.Join(root, "config"), ConfigDirs: []string{}, AllowTemporaryExecutable: true}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(root, "config", "autostart", "outlook-connect-background.desktop")

	got := make(chan []byte, 1)
	go func() {
		// Opening a FIFO for reading waits for the writer: the launched
		// program is the event this test waits for.
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if out, err := exec.Command(gio, "launch", entry).CombinedOutput(); err != nil {
		// Unblock the reader before failing.
		if w, werr := os.OpenFile(fifo, os.O_WRONLY, 0); werr == nil {
			w.Close()
		}
		raw, _ := os.ReadFile(entry)
		t.Fatalf("gio launch: %v\n%s\n%s", err, out, raw)
	}
	select {
	case b := <-got:
		argv := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if want := []string{exe, "--background"}; !reflect.DeepEqual(argv, want) {
			t.Errorf("GLib started %q, want %q", argv, want)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the program was not started")
	}
}
