package autostart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// linuxEntry returns an Entry for a fake program at rel under a fresh
// folder, with the user's config in home/.config and no system entries.
func linuxEntry(t *testing.T, rel string) (*Entry, string, string) {
	t.Helper()
	root := t.TempDir()
	exe := fakeProgram(t, root, rel)
	home := filepath.Join(root, "home")
	en, err := newFor("linux", Options{Executable: exe, HomeDir: home, ConfigDirs: []string{filepath.Join(root, "etc-xdg")}, AllowTemporaryExecutable: true}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return en, exe, filepath.Join(home, ".config", "autostart", "outlook-connect-background.desktop")
}

func TestLinuxEnableWritesTheAutostartEntry(t *testing.T) {
	en, exe, path := linuxEntry(t, `opt/Outlook Connect\new/outlook-connect`)
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no entry at %s: %v", path, err)
	}
	keys := parseDesktopEntry(raw)
	for k, want := range map[string]string{
		"Type":                      "Application",
		"Name":                      "Outlook Connect",
		"Comment":                   DefaultComment,
		"Icon":                      "outlook-connect",
		"NoDisplay":                 "true",
		"Terminal":                  "false",
		"StartupNotify":             "false",
		"X-GNOME-Autostart-enabled": "true",
		"TryExec":                   exe,
	} {
		if keys[k] != want {
			t.Errorf("%s = %q, want %q", k, keys[k], want)
		}
	}
	if _, ok := keys["Hidden"]; ok {
		t.Error("an enabled entry must not carry Hidden")
	}
	argv, err := splitExec(keys["Exec"])
	if err != nil || !reflect.DeepEqual(argv, []string{exe, "--background"}) {
		t.Errorf("Exec = %q → %q, %v; want [%s --background]", keys["Exec"], argv, err, exe)
	}
	if !strings.Contains(string(raw), "\nExec=\"") {
		t.Errorf("a path with a space must be quoted:\n%s", raw)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	if filepath.Base(path) == "outlook-connect.desktop" {
		t.Error("the entry must not shadow the packaged launcher")
	}
	if got, want := en.Describe(), "XDG autostart entry "+path; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	st, err := en.Status()
	if err != nil || !st.Installed || !st.Current || st.DisabledOutside || st.Location != path {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if on, err := en.Enabled(); !on || err != nil {
		t.Errorf("Enabled = %v, %v", on, err)
	}
}

// TestLinuxEntryPassesDesktopFileValidate runs the freedesktop validator
// over entries for plain and awkward paths.
func TestLinuxEntryPassesDesktopFileValidate(t *testing.T) {
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Skip("desktop-file-validate is not installed (Debian: desktop-file-utils); the entry was not validated")
	}
	for _, rel := range []string{
		"usr/bin/outlook-connect",
		`we ird $x "q" 'a' \b ~ # (p) ; & | * ? < > ` + "`c`" + `/josé/outlook-connect`,
	} {
		en, _, path := linuxEntry(t, rel)
		if err := en.Enable(); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool, path).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			raw, _ := os.ReadFile(path)
			t.Errorf("desktop-file-validate %s: %v\n%s\n%s", rel, err, out, raw)
		}
	}
}

func TestLinuxUsesXDGConfigHome(t *testing.T) {
	root := t.TempDir()
	exe := fakeProgram(t, root, "bin/outlook-connect")
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"absolute XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": "/x/cfg"}, "/x/cfg/autostart/outlook-connect-background.desktop"},
		{"relative XDG_CONFIG_HOME is ignored", map[string]string{"XDG_CONFIG_HOME": "cfg"}, "/home/p/.config/autostart/outlook-connect-background.desktop"},
		{"unset", nil, "/home/p/.config/autostart/outlook-connect-background.desktop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			en, err := newFor("linux", Options{Executable: exe}, fakeEnv{home: "/home/p", vars: c.vars}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := en.b.(*xdg).path; got != c.want {
				t.Errorf("path = %s, want %s", got, c.want)
			}
		})
	}
	en, err := newFor("linux", Options{Executable: exe, ConfigHome: "/given"}, fakeEnv{vars: map[string]string{"XDG_CONFIG_HOME": "/x/cfg"}}, nil)
	if err != nil || en.b.(*xdg).path != "/given/autostart/outlook-connect-background.desktop" {
		t.Errorf("ConfigHome must win over the environment: %v", err)
	}
	if _, err := newFor("linux", Options{Executable: exe}, fakeEnv{}, nil); err == nil {
		t.Error("no XDG_CONFIG_HOME and no home folder must fail")
	} else {
		wantCode(t, err, CodeNoHome)
	}
}

func TestLinuxDisableRemovesAndIsIdempotent(t *testing.T) {
	en, _, path := linuxEntry(t, "bin/outlook-connect")
	if err := en.Disable(); err != nil {
		t.Fatalf("Disable with no entry: %v", err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	if err := en.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("entry still there: %v", err)
	}
	if err := en.Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
	st, err := en.Status()
	if err != nil || st.Installed || st.Current || st.Command != nil {
		t.Errorf("Status after Disable = %+v, %v", st, err)
	}
	if on, err := en.Enabled(); on || err != nil {
		t.Errorf("Enabled after Disable = %v, %v", on, err)
	}
}

func TestLinuxEnableLeavesACurrentEntryAlone(t *testing.T) {
	en, _, path := linuxEntry(t, "bin/outlook-connect")
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	// A rewrite replaces the file (atomic rename), so the same file means
	// no write happened.
	if !os.SameFile(before, after) {
		t.Error("Enable rewrote an entry that was already current")
	}
}

func TestLinuxEnableRewritesAMovedProgram(t *testing.T) {
	old, _, path := linuxEntry(t, "old/outlook-connect")
	if err := old.Enable(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	exe := fakeProgram(t, root, "new place/outlook-connect")
	moved, err := newFor("linux", Options{Executable: exe, ConfigHome: filepath.Dir(filepath.Dir(path)), AllowTemporaryExecutable: true, ConfigDirs: []string{}}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := moved.Status()
	if err != nil || !st.Installed || st.Current || st.Command[0] != old.Executable() {
		t.Fatalf("Status of an entry for the old path = %+v, %v", st, err)
	}
	if on, _ := moved.Enabled(); !on {
		t.Error("an entry for another path is still enabled (Enable repairs it)")
	}
	if err := moved.Enable(); err != nil {
		t.Fatal(err)
	}
	st, err = moved.Status()
	if err != nil || !st.Current || !reflect.DeepEqual(st.Command, []string{exe, "--background"}) {
		t.Errorf("after Enable: %+v, %v", st, err)
	}
}

func TestLinuxEntrySwitchedOffByTheDesktop(t *testing.T) {
	for _, off := range []string{"X-GNOME-Autostart-enabled=false", "Hidden=true"} {
		t.Run(off, func(t *testing.T) {
			en, _, path := linuxEntry(t, "bin/outlook-connect")
			if err := en.Enable(); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			edited := strings.Replace(string(raw), "X-GNOME-Autostart-enabled=true", off, 1)
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := en.Status()
			if err != nil || !st.Installed || !st.DisabledOutside {
				t.Fatalf("Status = %+v, %v; want installed and disabled outside", st, err)
			}
			if on, _ := en.Enabled(); on {
				t.Error("an entry the desktop switched off is not enabled")
			}
			if err := en.Enable(); err != nil {
				t.Fatal(err)
			}
			if on, _ := en.Enabled(); !on {
				t.Error("Enable must switch it back on")
			}
		})
	}
}

// TestLinuxSystemWideEntryIsMasked covers an administrator who installed the
// entry in /etc/xdg/autostart: Disable must hide it for this user, because
// removing nothing would leave it running.
func TestLinuxSystemWideEntryIsMasked(t *testing.T) {
	root := t.TempDir()
	exe := fakeProgram(t, root, "usr/bin/outlook-connect")
	sysDir := filepath.Join(root, "etc-xdg")
	opts := Options{Executable: exe, ConfigHome: filepath.Join(root, "config"), ConfigDirs: []string{filepath.Join(root, "empty"), sysDir}, AllowTemporaryExecutable: true}
	en, err := newFor("linux", opts, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sysFile := filepath.Join(sysDir, "autostart", "outlook-connect-background.desktop")
	if err := os.MkdirAll(filepath.Dir(sysFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sysFile, []byte(en.b.(*xdg).desktopEntry([]string{exe, BackgroundFlag}, false)), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := en.Status()
	if err != nil || !st.Installed || !st.Current || st.Location != sysFile {
		t.Fatalf("Status with a system-wide entry = %+v, %v", st, err)
	}
	if err := en.Disable(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(en.b.(*xdg).path)
	if err != nil {
		t.Fatalf("Disable must leave a mask in the user's folder: %v", err)
	}
	if keys := parseDesktopEntry(raw); keys["Hidden"] != "true" {
		t.Errorf("mask lacks Hidden=true:\n%s", raw)
	}
	if on, err := en.Enabled(); on || err != nil {
		t.Errorf("Enabled after masking = %v, %v", on, err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	if on, err := en.Enabled(); !on || err != nil {
		t.Errorf("Enabled after Enable = %v, %v", on, err)
	}
	if _, err := os.Stat(sysFile); err != nil {
		t.Errorf("the system-wide file is the administrator's and must stay: %v", err)
	}
}

func TestLinuxRefusesAPercentInTheProgramPath(t *testing.T) {
	en, exe, path := linuxEntry(t, "50%/outlook-connect")
	p := wantCode(t, en.Enable(), CodeUnusablePath)
	if v, _ := p.Detail("Program"); v != exe {
		t.Errorf("Program detail = %q", v)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("nothing must be written")
	}
}

func TestLinuxFileErrorsAreProblems(t *testing.T) {
	en, _, path := linuxEntry(t, "bin/outlook-connect")
	// The autostart folder is a file: nothing can be written under it.
	if err := os.MkdirAll(filepath.Dir(filepath.Dir(path)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Dir(path), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := wantCode(t, en.Enable(), CodeWriteFailed)
	if v, _ := p.Detail("Location"); v != path {
		t.Errorf("Location = %q, want %q", v, path)
	}
	if !p.Retryable {
		t.Error("a write failure may pass")
	}
	wantCode(t, en.Disable(), CodeRemoveFailed)

	// The entry is a folder: it cannot be read.
	en2, _, path2 := linuxEntry(t, "bin/outlook-connect")
	if err := os.MkdirAll(path2, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := en2.Status()
	p = wantCode(t, err, CodeReadFailed)
	if v, _ := p.Detail("Location"); v != path2 {
		t.Errorf("Location = %q", v)
	}
	if _, err := en2.Enabled(); err == nil {
		t.Error("Enabled must report the read failure")
	}
}

func TestExecQuotingFollowsTheSpec(t *testing.T) {
	cases := []struct{ arg, inFile string }{
		{"/usr/bin/outlook-connect", `/usr/bin/outlook-connect`},
		{"/opt/My App/x", `"/opt/My App/x"`},
		{`/a\b`, `"/a\\\\b"`},     // spec: four backslashes for one
		{`/a$b`, `"/a\\$b"`},      // spec: "\\$" for a dollar
		{`/a"b`, `"/a\\"b"`},      //
		{"/a`b", "\"/a\\\\`b\""},  //
		{"/a'b", `"/a'b"`},        // reserved, quoted, not escaped
		{"/50%/x", `/50%%/x`},     // never a field code
		{"/5 0%/x", `"/5 0%%/x"`}, //
		{"/josé/x", `/josé/x`},    //
		{"", `""`},
	}
	for _, c := range cases {
		got := escapeValue(joinExec([]string{c.arg}))
		if got != c.inFile {
			t.Errorf("%q is written %s, want %s", c.arg, got, c.inFile)
		}
		back, err := splitExec(unescapeValue(got))
		if err != nil || len(back) != 1 || back[0] != c.arg {
			t.Errorf("%s reads back as %q, %v", got, back, err)
		}
	}
}

func TestSplitExecRejectsWhatTheSpecForbids(t *testing.T) {
	for _, s := range []string{
		"", " ", `/a b$c`, `/a%f`, `/a%`, `"/a`, `"/a\b"`, `/a"b"`, `"/a"b`, `/a;b`,
	} {
		if argv, err := splitExec(s); err == nil {
			t.Errorf("splitExec(%q) = %q, want an error", s, argv)
		}
	}
	argv, err := splitExec(`/bin/x  --background`)
	if err != nil || !reflect.DeepEqual(argv, []string{"/bin/x", "--background"}) {
		t.Errorf("repeated spaces: %q, %v", argv, err)
	}
}

func TestParseDesktopEntry(t *testing.T) {
	raw := "# c\n[Other]\nExec=no\n[Desktop Entry]\nName = A\\sB\nName[de]=X\nExec=first\nExec=second\n  # indented comment\nbad line\n[Desktop Action x]\nHidden=true\n"
	keys := parseDesktopEntry([]byte(raw))
	want := map[string]string{"Name": "A B", "Exec": "first"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
}

// FuzzExecRoundTrip: any path that can be written reads back unchanged
// through the whole file, quoting and string escapes included.
func FuzzExecRoundTrip(f *testing.F) {
	for _, s := range []string{"/usr/bin/x", "/a b/c", `/a\b$c"d` + "`e'f", "/x%y", "/ü/ß", " lead", "\\s"} {
		f.Add(s)
	}
	x := &xdg{appID: DefaultAppID, name: DefaultDisplayName, comment: DefaultComment}
	f.Fuzz(func(t *testing.T, exe string) {
		if !utf8.ValidString(exe) || strings.ContainsFunc(exe, isControl) {
			return
		}
		keys := parseDesktopEntry([]byte(x.desktopEntry([]string{exe, BackgroundFlag}, false)))
		argv, err := splitExec(keys["Exec"])
		if err != nil || !reflect.DeepEqual(argv, []string{exe, BackgroundFlag}) {
			t.Fatalf("%q → Exec=%q → %q, %v", exe, keys["Exec"], argv, err)
		}
	})
}
