package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/outlookconnect/outlook-connect/app/store"
)

// launchAgent is a per-user launchd job in ~/Library/LaunchAgents, loaded at
// the next login (see the package comment for why the app does not
// bootstrap it at once).
type launchAgent struct {
	path     string
	label    string
	bundleID string
}

func (l *launchAgent) describe() string { return "LaunchAgent " + l.path }

// checkCommand: XML 1.0 cannot carry control characters, which
// checkRunnable already refuses; nothing else is out of reach.
func (l *launchAgent) checkCommand([]string) error { return nil }

func (l *launchAgent) status(want []string) (Status, error) {
	st := Status{Location: l.path}
	raw, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, readFailed(l.path, err)
	}
	st.Installed = true
	if d, err := decodePlistDict(raw); err == nil {
		if args, ok := d["ProgramArguments"].([]string); ok {
			st.Command = args
			st.Current = sameCommand(args, want, false)
		}
		// launchd skips a job marked Disabled (the old way of switching
		// one off; macOS 13's Login Items keeps its own record, which
		// apps cannot read).
		if dis, ok := d["Disabled"].(bool); ok && dis {
			st.DisabledOutside = true
		}
	}
	return st, nil
}

func (l *launchAgent) enable(cmd []string) error {
	want := l.plist(cmd)
	if have, err := os.ReadFile(l.path); err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := store.WriteFileAtomic(l.path, want); err != nil {
		return writeFailed(l.path, err)
	}
	return nil
}

func (l *launchAgent) disable() error {
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return removeFailed(l.path, err)
	}
	return nil
}

// plist renders the job. The choices, key by key:
//
//   - RunAtLoad true, no StartInterval or WatchPaths: start once per login.
//   - KeepAlive false, not {SuccessfulExit: false}: the helper exits on
//     purpose when scheduling is switched off or the calendar disconnected,
//     and a person who quits it in Activity Monitor means it. Restarting on
//     failure would also turn a start-up error (say, a locked keychain)
//     into a relaunch every 10 seconds, and Linux and Windows have no such
//     restart, so the three systems would behave differently. The window
//     starts the helper again whenever it closes.
//   - ProcessType Background: the work is not interactive and tolerates
//     minutes of delay, so launchd may apply its CPU, I/O and timer
//     limits; Interactive is for jobs a person waits on.
//   - LimitLoadToSessionType Aqua: only in a graphical login, where the
//     login keychain holding the tokens is unlocked (not over ssh).
//   - AssociatedBundleIdentifiers: macOS 13+ lists the item under the
//     app's name in Login Items instead of the developer's.
//   - Standard output and error to /dev/null: the helper writes its own
//     rotated log files in the config folder.
func (l *launchAgent) plist(cmd []string) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	str := func(k, v string) {
		fmt.Fprintf(&b, "\t<key>%s</key>\n\t<string>%s</string>\n", esc(k), esc(v))
	}
	boolean := func(k string, v bool) {
		fmt.Fprintf(&b, "\t<key>%s</key>\n\t<%t/>\n", esc(k), v)
	}
	array := func(k string, vs ...string) {
		fmt.Fprintf(&b, "\t<key>%s</key>\n\t<array>\n", esc(k))
		for _, v := range vs {
			fmt.Fprintf(&b, "\t\t<string>%s</string>\n", esc(v))
		}
		b.WriteString("\t</array>\n")
	}
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	str("Label", l.label)
	array("ProgramArguments", cmd...)
	boolean("RunAtLoad", true)
	boolean("KeepAlive", false)
	str("ProcessType", "Background")
	str("LimitLoadToSessionType", "Aqua")
	array("AssociatedBundleIdentifiers", l.bundleID)
	str("StandardOutPath", "/dev/null")
	str("StandardErrorPath", "/dev/null")
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

// decodePlistDict reads the top-level dict of an XML property list, keeping
// strings, booleans and arrays of strings (what Status needs); other values
// are skipped.
func decodePlistDict(raw []byte) (map[string]any, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	out := map[string]any{}
	depth := 0 // 1 inside <plist>, 2 inside the top <dict>
	key := ""
	sawDict := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if depth != 0 || !sawDict {
				return nil, io.ErrUnexpectedEOF
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 0 && t.Name.Local == "plist" && !sawDict:
				depth++
			case depth == 1 && t.Name.Local == "dict" && !sawDict:
				depth++
				sawDict = true
			case depth == 2 && t.Name.Local == "key":
				var k string
				if err := dec.DecodeElement(&k, &t); err != nil {
					return nil, err
				}
				key = k
			case depth == 2:
				v, err := decodePlistValue(dec, t)
				if err != nil {
					return nil, err
				}
				if key != "" && v != nil {
					out[key] = v
				}
				key = ""
			default:
				return nil, fmt.Errorf("unexpected <%s> in a property list", t.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func decodePlistValue(dec *xml.Decoder, start xml.StartElement) (any, error) {
	switch start.Name.Local {
	case "string":
		var s string
		err := dec.DecodeElement(&s, &start)
		return s, err
	case "true", "false":
		return start.Name.Local == "true", dec.Skip()
	case "array":
		var a struct {
			Strings []string `xml:"string"`
			Other   []struct {
				XMLName xml.Name
			} `xml:",any"`
		}
		if err := dec.DecodeElement(&a, &start); err != nil {
			return nil, err
		}
		if len(a.Other) > 0 {
			return nil, nil // not an array of strings: not one of ours
		}
		if a.Strings == nil {
			a.Strings = []string{}
		}
		return a.Strings, nil
	default:
		return nil, dec.Skip()
	}
}
