package autostart

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestTemporaryReason(t *testing.T) {
	cases := []struct {
		goos, exe string
		temps     []string
		want      string // substring of the reason; "" = not temporary
	}{
		{"linux", "/usr/bin/outlook-connect", []string{"/tmp"}, ""},
		{"linux", "/tmp/x/outlook-connect", []string{"/tmp"}, "temporary folder (/tmp)"},
		{"linux", "/tmpfoo/outlook-connect", []string{"/tmp"}, ""},
		{"linux", "/home/p/.cache/go-build/ab/x", nil, `"go run"`},
		{"linux", "/tmp/go-build123/b001/exe/outlook-connect", nil, `"go run"`},
		{"linux", "/home/p/bin/outlook-connect", []string{""}, ""},
		{"darwin", "/private/var/folders/ab/cd/T/AppTranslocation/1234/d/Outlook Connect.app/Contents/MacOS/outlook-connect", nil, "App Translocation"},
		{"darwin", "/Applications/Outlook Connect.app/Contents/MacOS/outlook-connect", []string{"/private/var/folders/ab/cd/T"}, ""},
		{"darwin", "/PRIVATE/var/folders/ab/cd/T/x", []string{"/private/var/folders/ab/cd/T/"}, "temporary folder"},
		{"linux", "/TMP/x", []string{"/tmp"}, ""},
	}
	for _, c := range cases {
		got := temporaryReason(c.goos, c.exe, c.temps)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("temporaryReason(%s, %s) = %q, want %q", c.goos, c.exe, got, c.want)
		}
	}
}

func TestEnableRefusesATemporaryProgram(t *testing.T) {
	root := t.TempDir()
	exe := fakeProgram(t, root, "go-build42/b001/exe/outlook-connect")
	cfg := filepath.Join(root, "config")
	en, err := newFor("linux", Options{Executable: exe, ConfigHome: cfg}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := wantCode(t, en.Enable(), CodeTemporaryExecutable)
	if v, _ := p.Detail("Program"); v != exe {
		t.Errorf("Program = %q, want %q", v, exe)
	}
	if v, _ := p.Detail("Reason"); !strings.Contains(v, "go run") {
		t.Errorf("Reason = %q", v)
	}
	if _, err := os.Stat(filepath.Join(cfg, "autostart")); !os.IsNotExist(err) {
		t.Error("nothing must be written")
	}
	// Disable and Status still work: they clean up after older builds.
	if err := en.Disable(); err != nil {
		t.Error(err)
	}
	if _, err := en.Status(); err != nil {
		t.Error(err)
	}

	en, err = newFor("linux", Options{Executable: fakeProgram(t, root, "opt/outlook-connect"), ConfigHome: cfg}, fakeEnv{temps: []string{root}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, en.Enable(), CodeTemporaryExecutable)
}

// TestNewUsesThisProcess checks the real New: the test binary lives in a Go
// build folder, which Enable must refuse.
func TestNewUsesThisProcess(t *testing.T) {
	en, err := New(Options{HomeDir: t.TempDir(), ConfigHome: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	self, _ = filepath.EvalSymlinks(self)
	if en.Executable() != self {
		t.Errorf("Executable = %s, want %s", en.Executable(), self)
	}
	if runtime.GOOS != "windows" {
		wantCode(t, en.Enable(), CodeTemporaryExecutable)
	}
}

func TestExecutableIsResolved(t *testing.T) {
	root := t.TempDir()
	real := fakeProgram(t, root, "opt/outlook-connect/outlook-connect")
	link := filepath.Join(root, "bin", "outlook-connect")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../opt/outlook-connect/outlook-connect", link); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]fakeEnv{
		"from the process": {exe: link, home: root},
		"AppImage":         {exe: "/tmp/.mount_abc/usr/bin/outlook-connect", home: root, vars: map[string]string{"APPIMAGE": link}},
	} {
		en, err := newFor("linux", Options{}, e, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if en.Executable() != real {
			t.Errorf("%s: Executable = %s, want %s", name, en.Executable(), real)
		}
	}
	en, err := newFor("linux", Options{Executable: link, HomeDir: root}, fakeEnv{}, nil)
	if err != nil || en.Executable() != real {
		t.Errorf("Options.Executable is resolved too: %v", err)
	}

	_, err = newFor("linux", Options{HomeDir: root}, fakeEnv{}, nil)
	wantCode(t, err, CodeExecutableUnknown)
	_, err = newFor("linux", Options{Executable: filepath.Join(root, "missing"), HomeDir: root}, fakeEnv{}, nil)
	p := wantCode(t, err, CodeExecutableUnknown)
	if v, _ := p.Detail("Program"); v != filepath.Join(root, "missing") {
		t.Errorf("Program = %q", v)
	}
}

func TestEnableChecksTheProgramIsRunnable(t *testing.T) {
	root := t.TempDir()
	plain := filepath.Join(root, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gone := fakeProgram(t, root, "gone")
	for name, exe := range map[string]string{"not executable": plain, "a folder": dir, "removed after New": gone} {
		en, err := newFor("linux", Options{Executable: exe, ConfigHome: filepath.Join(root, "cfg"), AllowTemporaryExecutable: true}, fakeEnv{}, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if exe == gone {
			if err := os.Remove(gone); err != nil {
				t.Fatal(err)
			}
			wantCode(t, en.Enable(), CodeExecutableUnknown)
			continue
		}
		wantCode(t, en.Enable(), CodeUnusablePath)
	}
	if _, err := os.Stat(filepath.Join(root, "cfg")); !os.IsNotExist(err) {
		t.Error("nothing must be written")
	}
	if err := checkRunnable("/bin/a\nb"); err == nil {
		t.Error("a newline in the path is refused")
	}
}

func TestOptionsAreValidated(t *testing.T) {
	exe := fakeProgram(t, t.TempDir(), "x")
	for name, o := range map[string]Options{
		"app id with a slash":   {AppID: "a/b"},
		"app id with a space":   {AppID: "a b"},
		"dot app id":            {AppID: ".hidden"},
		"label with a slash":    {Label: "ai/x"},
		"bundle id with spaces": {BundleID: "a b"},
		"name with a newline":   {DisplayName: "a\nb"},
		"name with spaces":      {DisplayName: " a"},
		"long name":             {DisplayName: strings.Repeat("n", 101)},
		"comment with a tab":    {Comment: "a\tb"},
		"relative config dirs":  {ConfigDirs: []string{"etc"}},
		"relative config home":  {ConfigHome: "cfg"},
	} {
		o.Executable = exe
		o.HomeDir = "/home/p"
		if _, err := newFor("linux", o, fakeEnv{}, nil); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			wantCode(t, err, CodeInvalidOptions)
		}
	}
	if _, err := newFor("darwin", Options{Executable: exe, HomeDir: "home"}, fakeEnv{}, nil); err == nil {
		t.Error("a relative home folder is refused")
	} else {
		wantCode(t, err, CodeNoHome)
	}
	en, err := newFor("linux", Options{Executable: exe, HomeDir: "/home/p", AppID: "org.example.App_1", DisplayName: "Outlook Connect (Test) – ü"}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(en.Describe(), "/org.example.App_1-background.desktop") {
		t.Errorf("Describe = %s", en.Describe())
	}
}
