package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/outlookconnect/outlook-connect/app/store"
)

// xdg is the freedesktop autostart entry (XDG Autostart spec 0.5): a
// desktop file in $XDG_CONFIG_HOME/autostart, which overrides a file of the
// same name in any $XDG_CONFIG_DIRS/autostart.
type xdg struct {
	path        string   // the user's file
	systemPaths []string // same name in the system folders, most important first
	appID       string
	name        string
	comment     string
}

func newXDG(opts Options, e env) (*xdg, error) {
	configHome := opts.ConfigHome
	if configHome == "" {
		// The spec ignores a relative value.
		if v := e.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(v) {
			configHome = v
		}
	}
	if configHome == "" {
		home, err := homeDir(opts.HomeDir, e)
		if err != nil {
			return nil, err
		}
		configHome = filepath.Join(home, ".config")
	}
	if !filepath.IsAbs(configHome) {
		return nil, invalidOptions("the config folder must be an absolute path")
	}
	dirs := opts.ConfigDirs
	if dirs == nil {
		for _, d := range filepath.SplitList(e.getenv("XDG_CONFIG_DIRS")) {
			if filepath.IsAbs(d) {
				dirs = append(dirs, d)
			}
		}
		if len(dirs) == 0 {
			dirs = []string{"/etc/xdg"}
		}
	}
	file := opts.AppID + "-background.desktop"
	x := &xdg{
		path:    filepath.Join(configHome, "autostart", file),
		appID:   opts.AppID,
		name:    opts.DisplayName,
		comment: opts.Comment,
	}
	for _, d := range dirs {
		x.systemPaths = append(x.systemPaths, filepath.Join(d, "autostart", file))
	}
	return x, nil
}

func (x *xdg) describe() string { return "XDG autostart entry " + x.path }

// checkCommand refuses a '%' in the program path: the spec writes it as
// "%%", but GLib (gnome-session, gio) looks the program up before undoing
// that, finds no such file, and skips the entry.
func (x *xdg) checkCommand(cmd []string) error {
	if strings.Contains(cmd[0], "%") {
		return unusablePath(cmd[0], "the path contains '%', which GNOME's login start-up cannot handle")
	}
	return nil
}

func (x *xdg) status(want []string) (Status, error) {
	st := Status{Location: x.path}
	raw, err := os.ReadFile(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		raw, st.Location, err = x.readSystem()
		if raw == nil && err == nil {
			st.Location = x.path
			return st, nil
		}
	}
	if err != nil {
		return Status{Location: st.Location}, readFailed(st.Location, err)
	}
	keys := parseDesktopEntry(raw)
	st.Installed = true
	st.DisabledOutside = keys["Hidden"] == "true" || keys["X-GNOME-Autostart-enabled"] == "false"
	if cmd, err := splitExec(keys["Exec"]); err == nil {
		st.Command = cmd
		st.Current = sameCommand(cmd, want, false)
	}
	return st, nil
}

// readSystem returns the first system-wide entry, or nil when there is none.
func (x *xdg) readSystem() ([]byte, string, error) {
	for _, p := range x.systemPaths {
		raw, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return raw, p, err
	}
	return nil, "", nil
}

func (x *xdg) enable(cmd []string) error {
	want := []byte(x.desktopEntry(cmd, false))
	if have, err := os.ReadFile(x.path); err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := store.WriteFileAtomic(x.path, want); err != nil {
		return writeFailed(x.path, err)
	}
	return nil
}

// disable removes the user's file. When an administrator installed the
// same entry system-wide, removing ours would let theirs run, so the user's
// file becomes a Hidden=true mask instead, as the spec prescribes.
func (x *xdg) disable() error {
	sys, _, err := x.readSystem()
	if err != nil {
		return removeFailed(x.path, err)
	}
	if sys == nil {
		if err := os.Remove(x.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removeFailed(x.path, err)
		}
		return nil
	}
	keys := parseDesktopEntry(sys)
	exec, err := splitExec(keys["Exec"])
	if err != nil {
		exec = []string{DefaultAppID}
	}
	if err := store.WriteFileAtomic(x.path, []byte(x.desktopEntry(exec, true))); err != nil {
		return removeFailed(x.path, err)
	}
	return nil
}

// desktopEntry renders the file that runs cmd. hidden writes the mask form.
func (x *xdg) desktopEntry(cmd []string, hidden bool) string {
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	b.WriteString("# Written by " + escapeComment(x.name) + ": starts its background helper when you log in.\n")
	b.WriteString("# Turn it off with the app's \"Keep scheduling\" switch rather than by editing this file.\n")
	b.WriteString("[Desktop Entry]\n")
	line("Type", "Application")
	line("Version", "1.4")
	line("Name", escapeValue(x.name))
	line("Comment", escapeValue(x.comment))
	line("Exec", escapeValue(joinExec(cmd)))
	// TryExec makes an entry left behind by an uninstall inert: the
	// desktop skips it when the program is gone.
	if filepath.IsAbs(cmd[0]) {
		line("TryExec", escapeValue(cmd[0]))
	}
	line("Icon", escapeValue(x.appID))
	line("Terminal", "false")
	line("NoDisplay", "true")
	line("StartupNotify", "false")
	if hidden {
		line("Hidden", "true")
		line("X-GNOME-Autostart-enabled", "false")
	} else {
		line("X-GNOME-Autostart-enabled", "true")
	}
	return b.String()
}

func escapeComment(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// execReserved are the characters that oblige an Exec argument to be
// quoted (Desktop Entry spec 1.4, "The Exec key").
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

// joinExec builds an Exec value (before the string escaping of
// escapeValue): arguments with reserved characters are double-quoted, with
// '"', '`', '$' and '\' backslash-escaped inside the quotes, and every '%'
// is written "%%" so it is not read as a field code.
func joinExec(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		quote := a == "" || strings.ContainsAny(a, execReserved)
		var b strings.Builder
		if quote {
			b.WriteByte('"')
		}
		for _, r := range a {
			switch {
			case r == '%':
				b.WriteString("%%")
			case quote && strings.ContainsRune("\"`$\\", r):
				b.WriteByte('\\')
				b.WriteRune(r)
			default:
				b.WriteRune(r)
			}
		}
		if quote {
			b.WriteByte('"')
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, " ")
}

var errBadExec = errors.New("the Exec value is not well formed")

// splitExec undoes joinExec on a value already string-unescaped. It is
// strict: anything the spec does not allow (an unquoted reserved
// character, an unknown escape, a field code other than %%) is an error,
// which Status reports as a command that is not current.
func splitExec(s string) ([]string, error) {
	var argv []string
	var cur strings.Builder
	inArg, quoted := false, false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '%':
			if i+1 >= len(rs) || rs[i+1] != '%' {
				return nil, errBadExec
			}
			i++
			cur.WriteRune('%')
			inArg = true
		case quoted && r == '\\':
			if i+1 >= len(rs) || !strings.ContainsRune("\"`$\\", rs[i+1]) {
				return nil, errBadExec
			}
			i++
			cur.WriteRune(rs[i])
		case quoted && r == '"':
			quoted = false
			if i+1 < len(rs) && rs[i+1] != ' ' {
				return nil, errBadExec // a quote must end its argument
			}
		case quoted:
			cur.WriteRune(r)
		case r == ' ':
			if inArg {
				argv = append(argv, cur.String())
				cur.Reset()
				inArg = false
			}
		case r == '"':
			if inArg {
				return nil, errBadExec // a quote must start its argument
			}
			quoted, inArg = true, true
		case strings.ContainsRune(execReserved, r):
			return nil, errBadExec
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quoted {
		return nil, errBadExec
	}
	if inArg {
		argv = append(argv, cur.String())
	}
	if len(argv) == 0 {
		return nil, errBadExec
	}
	return argv, nil
}

// escapeValue applies the spec's string escapes (\s \n \t \r \\). A
// leading space is written \s so readers do not trim it.
func escapeValue(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case ' ':
			if i == 0 {
				b.WriteString(`\s`)
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescapeValue undoes escapeValue; an unknown escape is kept as written.
func unescapeValue(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// parseDesktopEntry returns the unlocalised keys of the [Desktop Entry]
// group, string-unescaped. Other groups, comments and localised keys
// (Name[de]) are skipped; the first occurrence of a key wins.
func parseDesktopEntry(raw []byte) map[string]string {
	keys := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			in = line == "[Desktop Entry]"
			continue
		case !in:
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || strings.Contains(k, "[") {
			continue
		}
		if _, seen := keys[k]; !seen {
			keys[k] = unescapeValue(strings.TrimLeft(v, " \t"))
		}
	}
	return keys
}

// sameCommand compares argument lists; fold ignores case (Windows paths).
func sameCommand(a, b []string, fold bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(fold && strings.EqualFold(a[i], b[i])) {
			return false
		}
	}
	return true
}
