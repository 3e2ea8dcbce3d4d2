package app

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/app/connect"
)

// An update that adds the helper program (cmd/outlook-connect-background)
// next to the main program: the start-at-login entry the older release
// wrote ("outlook-connect --background") is rewritten to the helper by the
// next window, the way an entry of a moved app is.
func TestTheNextWindowPointsAnOlderEntryAtTheHelperProgram(t *testing.T) {
	checkNoLeaks(t)
	if runtime.GOOS == "windows" {
		t.Skip("the Windows writer is the registry; app/autostart tests it as data")
	}
	_, _, env, h := configuredFixture(t)
	install := t.TempDir()
	program := func(name string) string {
		t.Helper()
		p := filepath.Join(install, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The entry is made when the window's process starts (systemHost
	// makes it once), so each "release" gets a fresh one.
	entryFor := func() loginEntry {
		t.Helper()
		opts := h.options()
		opts.Executable = filepath.Join(install, "outlook-connect")
		e, err := autostart.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	// The older release: the main program alone.
	exe := program("outlook-connect")
	h.entry = entryFor()
	win := runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseIdle)
	st, _ := win.app.Connect()
	answerSignIn(t, st, "accept")
	waitForCalendarStatus(t, win.app, "connected")
	eventually(t, "the older release's entry", func() bool {
		return reflect.DeepEqual(h.status(t).Command, []string{exe, autostart.BackgroundFlag})
	})
	win.stop()

	// The update installs the helper next to it; the next window repairs
	// the entry without anyone touching the switch.
	helper := program(autostart.HelperName)
	h.entry = entryFor()
	if st := h.status(t); st.Current || !st.Installed {
		t.Fatalf("the older entry counts as current once the helper is there: %+v", st)
	}
	win = runDesktopOn(t, env, h)
	waitForPhase(t, win.app, connect.PhaseConnected)
	eventually(t, "the entry pointing at the helper program", func() bool {
		st := h.status(t)
		return st.Current && reflect.DeepEqual(st.Command, []string{helper})
	})
	if bv, _ := win.app.GetBackground(); !bv.KeepScheduling || bv.Problem != nil {
		t.Errorf("the switch after the repair: %+v", bv)
	}
	win.stop()
}
