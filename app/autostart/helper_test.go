package autostart

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// The helper program (HelperName) is what the entry runs when it is
// installed next to the main program; otherwise the main program runs
// with BackgroundFlag.

func TestBackgroundCommandFindsTheHelperNextToTheProgram(t *testing.T) {
	root := t.TempDir()
	layouts := []struct {
		name, goos, exe, helper string // helper "" = none installed
		useHelper               bool
	}{
		{"deb/rpm: both in /usr/bin", "linux", "usr/bin/outlook-connect", "usr/bin/outlook-connect-background", true},
		{"make build: both in build/bin", "linux", "build/bin/outlook-connect", "build/bin/outlook-connect-background", true},
		{"macOS bundle: Contents/MacOS", "darwin", "Outlook Connect.app/Contents/MacOS/outlook-connect", "Outlook Connect.app/Contents/MacOS/outlook-connect-background", true},
		{"Windows install folder", "windows", "Outlook Connect/outlook-connect.exe", "Outlook Connect/outlook-connect-background.exe", true},
		{"Windows wants the .exe", "windows", "win-noexe/outlook-connect.exe", "win-noexe/outlook-connect-background", false},
		{"older install or go build: no helper", "linux", "old/outlook-connect", "", false},
		{"a helper elsewhere does not count", "linux", "split/bin/outlook-connect", "split/libexec/outlook-connect-background", false},
		{"the helper itself is not its own helper", "linux", "self/outlook-connect-background", "self/outlook-connect-background", false},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			exe := fakeProgram(t, root, l.exe)
			want := []string{exe, BackgroundFlag}
			if l.helper != "" {
				helper := fakeProgram(t, root, l.helper)
				if l.useHelper {
					want = []string{helper}
				}
			}
			if got := backgroundCommand(l.goos, exe); !reflect.DeepEqual(got, want) {
				t.Errorf("backgroundCommand(%s, %s) = %q, want %q", l.goos, exe, got, want)
			}
		})
	}
}

func TestBackgroundCommandIgnoresAHelperThatCannotRun(t *testing.T) {
	root := t.TempDir()
	exe := fakeProgram(t, root, "bin/outlook-connect")
	helper := filepath.Join(root, "bin", HelperName)
	fallback := []string{exe, BackgroundFlag}

	// A folder of that name.
	if err := os.Mkdir(helper, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := backgroundCommand("linux", exe); !reflect.DeepEqual(got, fallback) {
		t.Errorf("a folder named like the helper: %q", got)
	}
	if err := os.Remove(helper); err != nil {
		t.Fatal(err)
	}
	// A dangling symlink (the helper's target was removed).
	if err := os.Symlink(filepath.Join(root, "gone"), helper); err != nil {
		t.Fatal(err)
	}
	if got := backgroundCommand("linux", exe); !reflect.DeepEqual(got, fallback) {
		t.Errorf("a dangling symlink: %q", got)
	}
	if err := os.Remove(helper); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		// Not executable (a damaged install).
		if err := os.WriteFile(helper, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := backgroundCommand("linux", exe); !reflect.DeepEqual(got, fallback) {
			t.Errorf("a helper that is not executable: %q", got)
		}
		if err := os.Remove(helper); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink to a real helper: the entry names the file itself, as
	// it does for the main program.
	real := fakeProgram(t, root, "opt/outlook-connect-background")
	if err := os.Symlink(real, helper); err != nil {
		t.Fatal(err)
	}
	if got := backgroundCommand("linux", exe); !reflect.DeepEqual(got, []string{real}) {
		t.Errorf("a symlinked helper: %q, want %q", got, real)
	}
}

// An entry an older release wrote starts the main program with
// BackgroundFlag. Once the helper is installed next to it, that entry is
// not current and Enable rewrites it to the helper, on each system; when
// the helper goes again (an older version reinstalled), the entry is
// rewritten back.
func TestAnOlderEntryIsRewrittenToTheHelper(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			root := t.TempDir()
			name := "outlook-connect"
			if goos == "windows" {
				name += ".exe"
			}
			exe := fakeProgram(t, root, filepath.Join("app", name))
			reg := newFakeRegistry()
			entry := func() *Entry {
				t.Helper()
				en, err := newFor(goos, Options{Executable: exe, HomeDir: filepath.Join(root, "home"), ConfigDirs: []string{},
					AllowTemporaryExecutable: true}, fakeEnv{}, reg)
				if err != nil {
					t.Fatal(err)
				}
				return en
			}
			older := entry()
			if got := older.Command(); !reflect.DeepEqual(got, []string{exe, BackgroundFlag}) {
				t.Fatalf("without the helper the entry runs %q", got)
			}
			if err := older.Enable(); err != nil {
				t.Fatal(err)
			}

			helperName := HelperName
			if goos == "windows" {
				helperName += ".exe"
			}
			helper := fakeProgram(t, root, filepath.Join("app", helperName))
			en := entry()
			if got := en.Command(); !reflect.DeepEqual(got, []string{helper}) {
				t.Fatalf("with the helper the entry runs %q, want %q", got, helper)
			}
			st, err := en.Status()
			if err != nil || !st.Installed || st.Current || !reflect.DeepEqual(st.Command, []string{exe, BackgroundFlag}) {
				t.Fatalf("Status of the older entry = %+v, %v; want installed, not current", st, err)
			}
			if err := en.Enable(); err != nil {
				t.Fatal(err)
			}
			st, err = en.Status()
			if err != nil || !st.Current || !reflect.DeepEqual(st.Command, []string{helper}) {
				t.Fatalf("after Enable: %+v, %v; want the helper, current", st, err)
			}

			if err := os.Remove(helper); err != nil {
				t.Fatal(err)
			}
			back := entry()
			if st, _ := back.Status(); st.Current {
				t.Fatalf("an entry for a removed helper is current: %+v", st)
			}
			if err := back.Enable(); err != nil {
				t.Fatal(err)
			}
			if st, _ := back.Status(); !st.Current || !reflect.DeepEqual(st.Command, []string{exe, BackgroundFlag}) {
				t.Fatalf("after the helper went: %+v", st)
			}
		})
	}
}

// What each system's entry holds for the helper: the program alone.
func TestTheHelperEntryAsData(t *testing.T) {
	const helper = "/usr/bin/outlook-connect-background"
	x := &xdg{name: DefaultDisplayName, comment: DefaultComment, appID: DefaultAppID}
	keys := parseDesktopEntry([]byte(x.desktopEntry([]string{helper}, false)))
	if keys["Exec"] != helper || keys["TryExec"] != helper {
		t.Errorf("desktop entry Exec = %q, TryExec = %q, want %s", keys["Exec"], keys["TryExec"], helper)
	}
	la := &launchAgent{label: DefaultLabel, bundleID: DefaultBundleID}
	d, err := decodePlistDict(la.plist([]string{"/Applications/Outlook Connect.app/Contents/MacOS/outlook-connect-background"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := d["ProgramArguments"]; !reflect.DeepEqual(got, []string{"/Applications/Outlook Connect.app/Contents/MacOS/outlook-connect-background"}) {
		t.Errorf("ProgramArguments = %q", got)
	}
	const win = `C:\Program Files\Outlook Connect\outlook-connect-background.exe`
	if got, want := RunValue([]string{win}), `"`+win+`"`; got != want {
		t.Errorf("RunValue = %s, want %s", got, want)
	}
	if got := parseRunValue(RunValue([]string{win})); !reflect.DeepEqual(got, []string{win}) {
		t.Errorf("parseRunValue(RunValue) = %q", got)
	}
}
