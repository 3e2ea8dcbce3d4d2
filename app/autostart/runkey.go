package autostart

import (
	"strings"
	"unicode/utf8"
)

// Registry keys under HKEY_CURRENT_USER.
const (
	runKeyPath = `Software\Microsoft\Windows\CurrentVersion\Run`
	// approvedKeyPath is where Task Manager's Startup tab records that the
	// person switched a Run entry off: a binary value of the same name
	// whose first byte is odd (0x03, 0x07) when disabled and even (0x02,
	// 0x06) when enabled; a missing value means enabled.
	approvedKeyPath = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
)

// maxRunCommand is the longest command Windows runs from a Run value.
const maxRunCommand = 260

// registryAPI is the part of HKEY_CURRENT_USER the Run entry needs; the
// real one is in runkey_windows.go, tests use a map.
type registryAPI interface {
	// stringValue returns a REG_SZ or REG_EXPAND_SZ value. found is false
	// when the key or value is missing; a value of another type is found
	// with text "".
	stringValue(key, name string) (text string, found bool, err error)
	// binaryValue is like stringValue for REG_BINARY.
	binaryValue(key, name string) (data []byte, found bool, err error)
	// setString writes a REG_SZ value, creating the key if needed.
	setString(key, name, text string) error
	// deleteValue removes a value; a missing key or value is not an error.
	deleteValue(key, name string) error
}

// RunValue is the data of the Run value that runs cmd: the quoted program
// path followed by the arguments (none for the helper program,
// BackgroundFlag for the main program), as Windows parses it.
func RunValue(cmd []string) string {
	return strings.Join(append([]string{`"` + cmd[0] + `"`}, cmd[1:]...), " ")
}

// parseRunValue splits a Run value's data into the program and its
// arguments: a quoted program path, or an unquoted one up to the first
// space.
func parseRunValue(data string) []string {
	data = strings.TrimSpace(data)
	var argv []string
	if rest, ok := strings.CutPrefix(data, `"`); ok {
		exe, after, closed := strings.Cut(rest, `"`)
		if !closed {
			return nil
		}
		argv = append(argv, exe)
		data = after
	}
	return append(argv, strings.Fields(data)...)
}

// runKey is the Windows Run value.
type runKey struct {
	name string
	reg  registryAPI
}

func (r *runKey) location() string {
	return `HKEY_CURRENT_USER\` + runKeyPath + ` value "` + r.name + `"`
}

func (r *runKey) describe() string { return "Registry " + r.location() }

func (r *runKey) checkCommand(cmd []string) error {
	switch {
	case strings.Contains(cmd[0], `"`):
		return unusablePath(cmd[0], "the path contains a double quote")
	case utf8.RuneCountInString(RunValue(cmd)) > maxRunCommand:
		return unusablePath(cmd[0], "the start-up command would be longer than the 260 characters Windows runs")
	}
	return nil
}

func (r *runKey) status(want []string) (Status, error) {
	st := Status{Location: r.location()}
	data, found, err := r.reg.stringValue(runKeyPath, r.name)
	if err != nil {
		return st, readFailed(st.Location, err)
	}
	if !found {
		return st, nil
	}
	st.Installed = true
	st.Command = parseRunValue(data)
	// Windows paths ignore case.
	st.Current = sameCommand(st.Command, want, true)
	st.DisabledOutside, err = r.disabledOutside()
	if err != nil {
		return st, readFailed(`HKEY_CURRENT_USER\`+approvedKeyPath, err)
	}
	return st, nil
}

func (r *runKey) disabledOutside() (bool, error) {
	flags, found, err := r.reg.binaryValue(approvedKeyPath, r.name)
	if err != nil || !found || len(flags) == 0 {
		return false, err
	}
	return flags[0]&1 == 1, nil
}

func (r *runKey) enable(cmd []string) error {
	want := RunValue(cmd)
	have, found, err := r.reg.stringValue(runKeyPath, r.name)
	if err != nil {
		return readFailed(r.location(), err)
	}
	if !found || have != want {
		if err := r.reg.setString(runKeyPath, r.name, want); err != nil {
			return writeFailed(r.location(), err)
		}
	}
	// Switching the app's own switch on is the person's choice, so it also
	// undoes a "Disable" from Task Manager, which would otherwise keep the
	// entry from running.
	off, err := r.disabledOutside()
	if err != nil {
		return readFailed(`HKEY_CURRENT_USER\`+approvedKeyPath, err)
	}
	if off {
		if err := r.reg.deleteValue(approvedKeyPath, r.name); err != nil {
			return writeFailed(`HKEY_CURRENT_USER\`+approvedKeyPath, err)
		}
	}
	return nil
}

func (r *runKey) disable() error {
	if err := r.reg.deleteValue(runKeyPath, r.name); err != nil {
		return removeFailed(r.location(), err)
	}
	// Task Manager leaves its record behind otherwise.
	if err := r.reg.deleteValue(approvedKeyPath, r.name); err != nil {
		return removeFailed(`HKEY_CURRENT_USER\`+approvedKeyPath, err)
	}
	return nil
}
