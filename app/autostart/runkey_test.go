package autostart

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const winExe = `C:\Program Files\Outlook Connect\outlook-connect.exe`

func TestRunValueAsData(t *testing.T) {
	if got, want := RunValue([]string{winExe, BackgroundFlag}), `"C:\Program Files\Outlook Connect\outlook-connect.exe" --background`; got != want {
		t.Errorf("RunValue = %s, want %s", got, want)
	}
	// The NSIS uninstaller deletes exactly this value name.
	if DefaultDisplayName != "Outlook Connect" {
		t.Errorf("the Run value name changed to %q; build/windows/installer/project.nsi deletes \"Outlook Connect\"", DefaultDisplayName)
	}
	if runKeyPath != `Software\Microsoft\Windows\CurrentVersion\Run` {
		t.Errorf("runKeyPath = %s", runKeyPath)
	}
}

func TestParseRunValue(t *testing.T) {
	for in, want := range map[string][]string{
		RunValue([]string{winExe, BackgroundFlag}): {winExe, "--background"},
		`"C:\a b\x.exe"`:                       {`C:\a b\x.exe`},
		`C:\x.exe --background`:                {`C:\x.exe`, "--background"},
		`  "C:\x.exe"   --background  --other`: {`C:\x.exe`, "--background", "--other"},
		`"C:\unterminated`:                     nil,
		``:                                     nil,
	} {
		if got := parseRunValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseRunValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// windowsEntry is an Entry on the Windows mechanism with a fake registry.
// The program is a real file (Enable checks it exists), named as given.
func windowsEntry(t *testing.T, rel string) (*Entry, *fakeRegistry) {
	t.Helper()
	exe := fakeProgram(t, t.TempDir(), rel)
	reg := newFakeRegistry()
	en, err := newFor("windows", Options{Executable: exe, AllowTemporaryExecutable: true}, fakeEnv{}, reg)
	if err != nil {
		t.Fatal(err)
	}
	return en, reg
}

func TestWindowsEnableWritesTheRunValue(t *testing.T) {
	en, reg := windowsEntry(t, "Outlook Connect/outlook-connect.exe")
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{regKey(runKeyPath, "Outlook Connect"): RunValue(en.Command())}
	if !reflect.DeepEqual(reg.strs, want) {
		t.Errorf("registry = %q, want %q", reg.strs, want)
	}
	st, err := en.Status()
	if err != nil || !st.Installed || !st.Current || st.DisabledOutside || !reflect.DeepEqual(st.Command, en.Command()) {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if want := `Registry HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run value "Outlook Connect"`; en.Describe() != want {
		t.Errorf("Describe = %q, want %q", en.Describe(), want)
	}
	if err := en.Enable(); err != nil || reg.sets != 1 {
		t.Errorf("a current value was written again (%d writes, %v)", reg.sets, err)
	}
}

func TestWindowsCurrentIgnoresCaseAndMovedPathIsRewritten(t *testing.T) {
	en, reg := windowsEntry(t, "outlook-connect.exe")
	reg.strs[regKey(runKeyPath, "Outlook Connect")] = RunValue([]string{strings.ToUpper(en.Executable()), BackgroundFlag})
	if st, _ := en.Status(); !st.Current {
		t.Error("Windows paths ignore case: the value is current")
	}
	reg.strs[regKey(runKeyPath, "Outlook Connect")] = RunValue([]string{`C:\Old\outlook-connect.exe`, BackgroundFlag})
	st, _ := en.Status()
	if !st.Installed || st.Current || st.Command[0] != `C:\Old\outlook-connect.exe` {
		t.Fatalf("Status of a moved program = %+v", st)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	if got := reg.strs[regKey(runKeyPath, "Outlook Connect")]; got != RunValue(en.Command()) {
		t.Errorf("value = %s after Enable", got)
	}
}

func TestWindowsTaskManagerDisable(t *testing.T) {
	for _, c := range []struct {
		flags []byte
		off   bool
	}{
		{[]byte{3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, true},
		{[]byte{7, 0, 0, 0}, true},
		{[]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{6, 0, 0, 0}, false},
		{[]byte{}, false},
	} {
		en, reg := windowsEntry(t, "outlook-connect.exe")
		if err := en.Enable(); err != nil {
			t.Fatal(err)
		}
		reg.bins[regKey(approvedKeyPath, "Outlook Connect")] = c.flags
		st, err := en.Status()
		if err != nil || st.DisabledOutside != c.off {
			t.Errorf("flags % x: DisabledOutside = %v (%v), want %v", c.flags, st.DisabledOutside, err, c.off)
		}
		if on, _ := en.Enabled(); on == c.off {
			t.Errorf("flags % x: Enabled = %v", c.flags, on)
		}
		if err := en.Enable(); err != nil {
			t.Fatal(err)
		}
		_, still := reg.bins[regKey(approvedKeyPath, "Outlook Connect")]
		if c.off && still {
			t.Errorf("flags % x: Enable must undo Task Manager's Disable", c.flags)
		}
		if on, _ := en.Enabled(); !on {
			t.Errorf("flags % x: not enabled after Enable", c.flags)
		}
	}
}

func TestWindowsDisableRemovesBothValues(t *testing.T) {
	en, reg := windowsEntry(t, "outlook-connect.exe")
	if err := en.Disable(); err != nil {
		t.Fatalf("Disable with nothing there: %v", err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	reg.bins[regKey(approvedKeyPath, "Outlook Connect")] = []byte{3, 0, 0, 0}
	reg.strs[regKey(runKeyPath, "Someone Else")] = `"C:\x.exe"`
	if err := en.Disable(); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{regKey(runKeyPath, "Someone Else"): `"C:\x.exe"`}; !reflect.DeepEqual(reg.strs, want) {
		t.Errorf("Run values = %q, want only the other app's", reg.strs)
	}
	if len(reg.bins) != 0 {
		t.Errorf("StartupApproved values left: %q", reg.bins)
	}
	if err := en.Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

func TestWindowsRegistryErrorsAreProblems(t *testing.T) {
	en, reg := windowsEntry(t, "outlook-connect.exe")
	reg.fail = errors.New("access denied")
	_, err := en.Status()
	p := wantCode(t, err, CodeReadFailed)
	if v, _ := p.Detail("Location"); !strings.Contains(v, `CurrentVersion\Run value "Outlook Connect"`) {
		t.Errorf("Location = %q", v)
	}
	wantCode(t, en.Enable(), CodeReadFailed)
	wantCode(t, en.Disable(), CodeRemoveFailed)
	if strings.Contains(p.DetailsText(), "access denied") {
		t.Error("the cause's text must not reach the details")
	}
}

func TestWindowsRefusesPathsItCannotRun(t *testing.T) {
	long := strings.Repeat("d", 250) + "/outlook-connect.exe"
	en, _ := windowsEntry(t, long)
	wantCode(t, en.Enable(), CodeUnusablePath)

	r := &runKey{}
	if err := r.checkCommand([]string{`C:\a"b\x.exe`, BackgroundFlag}); err == nil {
		t.Error("a quote cannot be expressed in a Run value")
	}
	if err := r.checkCommand([]string{winExe, BackgroundFlag}); err != nil {
		t.Errorf("a usual path: %v", err)
	}
	exact := `C:\` + strings.Repeat("d", maxRunCommand-len(RunValue([]string{`C:\`, BackgroundFlag}))) // exactly 260
	if err := r.checkCommand([]string{exact, BackgroundFlag}); err != nil || len(RunValue([]string{exact, BackgroundFlag})) != maxRunCommand {
		t.Errorf("a %d-character command is allowed: %v", len(RunValue([]string{exact, BackgroundFlag})), err)
	}
	if err := r.checkCommand([]string{exact + "d", BackgroundFlag}); err == nil {
		t.Error("a 261-character command is not")
	}
}

func TestWindowsNeedsARegistry(t *testing.T) {
	exe := fakeProgram(t, t.TempDir(), "x.exe")
	_, err := newFor("windows", Options{Executable: exe}, fakeEnv{}, nil)
	wantCode(t, err, CodeInvalidOptions)
}
