package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// plistNode is a generic property-list value, decoded independently of the
// package's own reader so the test does not check the code with itself.
type plistNode struct {
	XMLName xml.Name
	Text    string      `xml:",chardata"`
	Kids    []plistNode `xml:",any"`
}

// readPlist parses an XML plist into key → value node of its top dict,
// failing on anything but <plist version="1.0"><dict>…</dict></plist> with
// alternating keys and values.
func readPlist(t *testing.T, raw []byte) map[string]plistNode {
	t.Helper()
	var doc struct {
		XMLName xml.Name    `xml:"plist"`
		Version string      `xml:"version,attr"`
		Dicts   []plistNode `xml:",any"`
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, raw)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if cd, ok := tok.(xml.CharData); err != nil || !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("content after </plist>: %v %v", tok, err)
		}
	}
	if doc.Version != "1.0" || len(doc.Dicts) != 1 || doc.Dicts[0].XMLName.Local != "dict" {
		t.Fatalf("not a plist with one dict:\n%s", raw)
	}
	kids := doc.Dicts[0].Kids
	if len(kids)%2 != 0 {
		t.Fatalf("odd number of dict entries:\n%s", raw)
	}
	out := map[string]plistNode{}
	for i := 0; i < len(kids); i += 2 {
		if kids[i].XMLName.Local != "key" {
			t.Fatalf("entry %d is <%s>, want <key>", i, kids[i].XMLName.Local)
		}
		if _, dup := out[kids[i].Text]; dup {
			t.Fatalf("duplicate key %s", kids[i].Text)
		}
		out[kids[i].Text] = kids[i+1]
	}
	return out
}

func macEntry(t *testing.T, rel string) (*Entry, string, string) {
	t.Helper()
	root := t.TempDir()
	exe := fakeProgram(t, root, rel)
	home := filepath.Join(root, "home")
	en, err := newFor("darwin", Options{Executable: exe, HomeDir: home, AllowTemporaryExecutable: true}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return en, exe, filepath.Join(home, "Library", "LaunchAgents", "ai.outlookconnect.background.plist")
}

func TestLaunchAgentPlistAsData(t *testing.T) {
	exe := `/Applications/Outlook & "Co" <Connect>'s.app/Contents/MacOS/outlook-connect`
	la := &launchAgent{label: DefaultLabel, bundleID: DefaultBundleID}
	keys := readPlist(t, la.plist([]string{exe, BackgroundFlag}))

	str := func(k, want string) {
		t.Helper()
		if n, ok := keys[k]; !ok || n.XMLName.Local != "string" || n.Text != want {
			t.Errorf("%s = <%s>%q, want <string>%q", k, n.XMLName.Local, n.Text, want)
		}
	}
	boolean := func(k string, want bool) {
		t.Helper()
		tag := map[bool]string{true: "true", false: "false"}[want]
		if n, ok := keys[k]; !ok || n.XMLName.Local != tag || len(n.Kids) != 0 {
			t.Errorf("%s = <%s>, want <%s/>", k, n.XMLName.Local, tag)
		}
	}
	array := func(k string, want ...string) {
		t.Helper()
		n, ok := keys[k]
		if !ok || n.XMLName.Local != "array" {
			t.Fatalf("%s missing or not an array", k)
		}
		var got []string
		for _, s := range n.Kids {
			if s.XMLName.Local != "string" {
				t.Errorf("%s holds <%s>", k, s.XMLName.Local)
			}
			got = append(got, s.Text)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	str("Label", "ai.outlookconnect.background")
	array("ProgramArguments", exe, "--background")
	boolean("RunAtLoad", true)
	boolean("KeepAlive", false)
	str("ProcessType", "Background")
	str("LimitLoadToSessionType", "Aqua")
	array("AssociatedBundleIdentifiers", "ai.outlookconnect.desktop")
	str("StandardOutPath", "/dev/null")
	str("StandardErrorPath", "/dev/null")
	if len(keys) != 9 {
		t.Errorf("plist has %d keys, want the 9 checked above", len(keys))
	}

	// The package's own reader agrees (Status depends on it).
	d, err := decodePlistDict(la.plist([]string{exe, BackgroundFlag}))
	if err != nil || !reflect.DeepEqual(d["ProgramArguments"], []string{exe, "--background"}) || d["RunAtLoad"] != true || d["KeepAlive"] != false {
		t.Errorf("decodePlistDict = %v, %v", d, err)
	}
}

func TestLaunchAgentPlistExactBytes(t *testing.T) {
	la := &launchAgent{label: DefaultLabel, bundleID: DefaultBundleID}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>ai.outlookconnect.background</string>
	<key>ProgramArguments</key>
	<array>
		<string>/Applications/Outlook Connect.app/Contents/MacOS/outlook-connect</string>
		<string>--background</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<false/>
	<key>ProcessType</key>
	<string>Background</string>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>AssociatedBundleIdentifiers</key>
	<array>
		<string>ai.outlookconnect.desktop</string>
	</array>
	<key>StandardOutPath</key>
	<string>/dev/null</string>
	<key>StandardErrorPath</key>
	<string>/dev/null</string>
</dict>
</plist>
`
	if got := string(la.plist([]string{"/Applications/Outlook Connect.app/Contents/MacOS/outlook-connect", BackgroundFlag})); got != want {
		t.Errorf("plist:\n%s\nwant:\n%s", got, want)
	}
}

func TestLaunchAgentEnableDisable(t *testing.T) {
	en, exe, path := macEntry(t, "Outlook Connect.app/Contents/MacOS/outlook-connect")
	if got, want := en.Describe(), "LaunchAgent "+path; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if err := en.Disable(); err != nil {
		t.Fatalf("Disable with no entry: %v", err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := readPlist(t, raw)
	if keys["ProgramArguments"].Kids[0].Text != exe {
		t.Errorf("ProgramArguments[0] = %q, want %q", keys["ProgramArguments"].Kids[0].Text, exe)
	}
	info, _ := os.Stat(path)
	// launchd refuses a job file that others can write.
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	st, err := en.Status()
	if err != nil || !st.Installed || !st.Current || st.DisabledOutside || st.Location != path {
		t.Errorf("Status = %+v, %v", st, err)
	}

	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	again, _ := os.Stat(path)
	if !os.SameFile(info, again) {
		t.Error("Enable rewrote a current entry")
	}

	if err := en.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("entry still there: %v", err)
	}
	if on, err := en.Enabled(); on || err != nil {
		t.Errorf("Enabled after Disable = %v, %v", on, err)
	}
}

func TestLaunchAgentRewritesAMovedApp(t *testing.T) {
	en, _, path := macEntry(t, "Downloads/Outlook Connect.app/Contents/MacOS/outlook-connect")
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	exe := fakeProgram(t, root, "Applications/Outlook Connect.app/Contents/MacOS/outlook-connect")
	moved, err := newFor("darwin", Options{Executable: exe, HomeDir: filepath.Dir(filepath.Dir(filepath.Dir(path))), AllowTemporaryExecutable: true}, fakeEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := moved.Status(); !st.Installed || st.Current {
		t.Fatalf("an entry for the old path: %+v", st)
	}
	if err := moved.Enable(); err != nil {
		t.Fatal(err)
	}
	if st, _ := moved.Status(); !st.Current || st.Command[0] != exe {
		t.Errorf("after Enable: %+v", st)
	}
}

func TestLaunchAgentDisabledKey(t *testing.T) {
	en, exe, path := macEntry(t, "x/outlook-connect")
	la := en.b.(*launchAgent)
	raw := bytes.Replace(la.plist([]string{exe, BackgroundFlag}), []byte("<dict>\n"), []byte("<dict>\n\t<key>Disabled</key>\n\t<true/>\n"), 1)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := en.Status()
	if err != nil || !st.Installed || !st.Current || !st.DisabledOutside {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	if on, _ := en.Enabled(); !on {
		t.Error("Enable must write a job without Disabled")
	}
}

func TestLaunchAgentUnreadableOrForeignFile(t *testing.T) {
	en, _, path := macEntry(t, "x/outlook-connect")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// Not a plist: installed (something is there), not current.
	if err := os.WriteFile(path, []byte("<plist><dict><key>ProgramArguments</key>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := en.Status(); err != nil || !st.Installed || st.Current || st.Command != nil {
		t.Errorf("Status of a damaged file = %+v, %v", st, err)
	}
	if err := en.Enable(); err != nil {
		t.Fatal(err)
	}
	if st, _ := en.Status(); !st.Current {
		t.Error("Enable must replace a damaged file")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := en.Status()
	wantCode(t, err, CodeReadFailed)
	wantCode(t, en.Enable(), CodeWriteFailed)
}

func TestDecodePlistDict(t *testing.T) {
	for _, bad := range []string{
		"", "<plist>", "<plist><dict><key>a</key><string>x</string></dict>", "<nope/>", "<plist><dict><dict/></dict></plist>x<",
	} {
		if d, err := decodePlistDict([]byte(bad)); err == nil {
			t.Errorf("decodePlistDict(%q) = %v, want an error", bad, d)
		}
	}
	d, err := decodePlistDict([]byte(`<?xml version="1.0"?><plist version="1.0"><dict>
		<key>A</key><integer>3</integer>
		<key>B</key><array><string>x</string><integer>1</integer></array>
		<key>C</key><array/>
		<key>D</key><dict><key>E</key><true/></dict>
		<key>F</key><string>a&amp;b</string>
	</dict></plist>`))
	want := map[string]any{"C": []string{}, "F": "a&b"}
	if err != nil || !reflect.DeepEqual(d, want) {
		t.Errorf("decodePlistDict = %#v, %v; want %#v", d, err, want)
	}
}
