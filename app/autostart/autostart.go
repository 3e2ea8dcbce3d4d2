package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"
)

// BackgroundFlag makes the app's main program run as the background
// helper; main parses the same constant. The entry uses it only when the
// helper program (HelperName) is not installed next to the main program.
const BackgroundFlag = "--background"

// HelperName is the background helper's own program
// (cmd/outlook-connect-background; ".exe" on Windows): the helper without
// the window's GTK and WebKit, so it costs a few megabytes. Packages
// install it next to the main program (/usr/bin, the .app bundle's
// Contents/MacOS, the Windows install folder).
const HelperName = "outlook-connect-background"

// Defaults for Options. The Windows value name is DefaultDisplayName: the
// NSIS uninstaller deletes a value of exactly that name, so it must not
// change.
const (
	DefaultAppID       = "outlook-connect"
	DefaultDisplayName = "Outlook Connect"
	DefaultLabel       = "ai.outlookconnect.background"
	// DefaultBundleID is the app bundle's CFBundleIdentifier
	// (build/darwin/Info.plist): macOS shows the LaunchAgent under it.
	DefaultBundleID = "ai.outlookconnect.desktop"
	DefaultComment  = "Keeps scheduling meeting assistants while the Outlook Connect window is closed"
)

// Options configures an Entry. The zero value describes the real app for the
// current user.
type Options struct {
	// AppID names the Linux file (<AppID>-background.desktop) and its icon.
	AppID string
	// DisplayName is the name people see in their system's start-up
	// settings, and the Windows Run value's name.
	DisplayName string
	// Label is the macOS LaunchAgent label and file name (reverse DNS).
	Label string
	// BundleID links the LaunchAgent to the app in macOS's Login Items.
	BundleID string
	// Comment is the Linux entry's description.
	Comment string

	// Executable is the app's main program; empty means this process's
	// executable. Symlinks are resolved either way. The entry starts the
	// helper program next to it when there is one (BackgroundCommand).
	Executable string
	// HomeDir overrides the home folder (tests); empty means the user's.
	HomeDir string
	// ConfigHome overrides $XDG_CONFIG_HOME (tests).
	ConfigHome string
	// ConfigDirs overrides $XDG_CONFIG_DIRS (tests), where system-wide
	// autostart entries an administrator installed live.
	ConfigDirs []string
	// AllowTemporaryExecutable lets Enable write an entry for a program in
	// a temporary or build folder. Only tests set it.
	AllowTemporaryExecutable bool
}

// Status is what the system has now.
type Status struct {
	// Installed: an entry exists (for Linux, possibly a system-wide one).
	Installed bool
	// Current: the entry runs Entry.Command(). An entry that starts the
	// main program with BackgroundFlag (written by a release without the
	// helper program, or before the helper was installed) is not current
	// while the helper is there, so Enable rewrites it.
	Current bool
	// DisabledOutside: the entry exists but was switched off in the
	// system's own settings (GNOME Tweaks and KDE's Autostart page on
	// Linux, Task Manager's Startup tab on Windows). An app that finds this
	// at start-up should show the switch off rather than call Enable again.
	DisabledOutside bool
	// Command is what the entry runs, as found (nil when not installed or
	// unreadable).
	Command []string
	// Location says where the entry lives, as in Describe.
	Location string
}

// Entry is the start-at-login entry of one executable for one user.
type Entry struct {
	opts    Options
	exe     string
	cmd     []string // what the entry runs: BackgroundCommand of exe
	tempWhy string   // why exe is a temporary path; "" when it is not
	b       backend
}

// backend is one OS's mechanism. cmd is the command to run (program and
// arguments), already validated for enable.
type backend interface {
	describe() string
	status(cmd []string) (Status, error)
	enable(cmd []string) error
	disable() error
	// checkCommand refuses commands this mechanism cannot express.
	checkCommand(cmd []string) error
}

// New resolves the executable and home folder and returns the Entry for
// this OS. It reads nothing else and writes nothing.
func New(opts Options) (*Entry, error) {
	return newFor(runtime.GOOS, opts, osEnv{}, platformRegistry())
}

// env is what New reads from the process, swapped in tests.
type env interface {
	executable() (string, error)
	homeDir() (string, error)
	getenv(key string) string
	tempDirs() []string
}

type osEnv struct{}

func (osEnv) executable() (string, error) { return os.Executable() }
func (osEnv) homeDir() (string, error)    { return os.UserHomeDir() }
func (osEnv) getenv(key string) string    { return os.Getenv(key) }
func (osEnv) tempDirs() []string {
	dirs := []string{os.TempDir()}
	if runtime.GOOS != "windows" {
		dirs = append(dirs, "/tmp", "/var/tmp", "/dev/shm")
	}
	return dirs
}

func newFor(goos string, opts Options, e env, reg registryAPI) (*Entry, error) {
	if err := opts.fillDefaults(); err != nil {
		return nil, err
	}
	exe, err := resolveExecutable(goos, opts.Executable, e)
	if err != nil {
		return nil, err
	}
	en := &Entry{opts: opts, exe: exe, cmd: backgroundCommand(goos, exe), tempWhy: temporaryReason(goos, exe, e.tempDirs())}

	switch goos {
	case "windows":
		if reg == nil {
			return nil, invalidOptions("the Windows registry is not available in this build")
		}
		en.b = &runKey{name: opts.DisplayName, reg: reg}
	case "darwin":
		home, err := homeDir(opts.HomeDir, e)
		if err != nil {
			return nil, err
		}
		en.b = &launchAgent{
			path:     filepath.Join(home, "Library", "LaunchAgents", opts.Label+".plist"),
			label:    opts.Label,
			bundleID: opts.BundleID,
		}
	default:
		x, err := newXDG(opts, e)
		if err != nil {
			return nil, err
		}
		en.b = x
	}
	return en, nil
}

func (o *Options) fillDefaults() error {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.AppID, DefaultAppID)
	def(&o.DisplayName, DefaultDisplayName)
	def(&o.Label, DefaultLabel)
	def(&o.BundleID, DefaultBundleID)
	def(&o.Comment, DefaultComment)
	switch {
	case !isID(o.AppID, "-_."):
		return invalidOptions("the app id may contain only letters, digits, '-', '_' and '.'")
	case !isID(o.Label, "-."), !isID(o.BundleID, "-."):
		return invalidOptions("the LaunchAgent label and bundle id must be reverse-DNS names (letters, digits, '-', '.')")
	case !isText(o.DisplayName, 100):
		return invalidOptions("the display name must be 1 to 100 printable characters")
	case !isText(o.Comment, 300):
		return invalidOptions("the comment must be 1 to 300 printable characters")
	}
	for _, d := range o.ConfigDirs {
		if !filepath.IsAbs(d) {
			return invalidOptions("every config folder must be an absolute path")
		}
	}
	return nil
}

func isID(s, extra string) bool {
	if s == "" || len(s) > 200 || strings.HasPrefix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}

// isText accepts one line of printable UTF-8 without leading or trailing
// spaces: it goes into a desktop file, a plist and the registry as is.
func isText(s string, max int) bool {
	if s == "" || utf8.RuneCountInString(s) > max || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, isControl)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func homeDir(override string, e env) (string, error) {
	home := override
	if home == "" {
		h, err := e.homeDir()
		if err != nil {
			return "", noHome(err)
		}
		home = h
	}
	if !filepath.IsAbs(home) {
		return "", noHome(fmt.Errorf("home folder %q is not absolute", home))
	}
	return filepath.Clean(home), nil
}

// resolveExecutable returns the absolute, symlink-free path of the program
// the entry will start.
func resolveExecutable(goos, path string, e env) (string, error) {
	if path == "" {
		// An AppImage runs from a temporary mount (/tmp/.mount_*); the
		// file to start at login is the AppImage itself, which its runtime
		// names in $APPIMAGE.
		if img := e.getenv("APPIMAGE"); goos == "linux" && filepath.IsAbs(img) {
			path = img
		} else {
			p, err := e.executable()
			if err != nil {
				return "", executableUnknown("", err)
			}
			path = p
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", executableUnknown(path, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", executableUnknown(abs, err)
	}
	return resolved, nil
}

// temporaryReason says why exe will not survive until the next login, or
// "" when it will. The comparison ignores case on Windows and macOS, whose
// usual file systems do.
func temporaryReason(goos, exe string, tempDirs []string) string {
	fold := goos == "windows" || goos == "darwin"
	norm := func(p string) string {
		p = filepath.Clean(p)
		if fold {
			p = strings.ToLower(p)
		}
		return p
	}
	for _, elem := range strings.Split(filepath.ToSlash(exe), "/") {
		switch {
		case strings.HasPrefix(elem, "go-build"):
			return "it was built by \"go run\" or \"go test\" into a temporary build folder"
		case elem == "AppTranslocation":
			return "macOS is running it from a temporary copy (App Translocation), because it was opened straight from Downloads or a disk image"
		}
	}
	p := norm(exe)
	for _, d := range tempDirs {
		if d == "" {
			continue
		}
		cands := []string{d}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			cands = append(cands, r)
		}
		for _, c := range cands {
			c = norm(c)
			if strings.HasPrefix(p, c+string(filepath.Separator)) {
				return "it is in a temporary folder (" + c + ") that the system empties"
			}
		}
	}
	return ""
}

// Executable returns the resolved path of the app's main program.
func (e *Entry) Executable() string { return e.exe }

// Command returns the full command the entry runs (BackgroundCommand of
// Executable, found when the Entry was made).
func (e *Entry) Command() []string { return slices.Clone(e.cmd) }

// BackgroundCommand is the command that runs the background helper of the
// app whose main program is exe (absolute, symlinks resolved): the helper
// program when it sits next to exe and is runnable, else exe with
// BackgroundFlag (a development build, "go run", or an install without the
// helper), which runs the same helper code inside the bigger program.
func BackgroundCommand(exe string) []string { return backgroundCommand(runtime.GOOS, exe) }

func backgroundCommand(goos, exe string) []string {
	name := HelperName
	if goos == "windows" {
		name += ".exe"
	}
	helper := filepath.Join(filepath.Dir(exe), name)
	if r, err := filepath.EvalSymlinks(helper); err == nil && r != exe && checkRunnable(r) == nil {
		return []string{r}
	}
	return []string{exe, BackgroundFlag}
}

// Describe says where the entry lives, for diagnostics and support.
func (e *Entry) Describe() string { return e.b.describe() }

// Status reads the entry the system has now.
func (e *Entry) Status() (Status, error) { return e.b.status(e.cmd) }

// Enabled reports whether an entry exists and is switched on. It may start
// another path; Enable repairs that.
func (e *Entry) Enabled() (bool, error) {
	st, err := e.Status()
	if err != nil {
		return false, err
	}
	return st.Installed && !st.DisabledOutside, nil
}

// Enable makes Command start at login. It replaces an entry that runs
// anything else (the app was moved or reinstalled elsewhere, or an older
// release's entry starts the main program with BackgroundFlag), switches
// back on an entry turned off in the system's settings, and leaves a
// current entry as it is.
func (e *Entry) Enable() error {
	if e.tempWhy != "" && !e.opts.AllowTemporaryExecutable {
		return temporaryExecutable(e.exe, e.tempWhy)
	}
	if err := checkRunnable(e.cmd[0]); err != nil {
		return err
	}
	if err := e.b.checkCommand(e.cmd); err != nil {
		return err
	}
	return e.b.enable(e.cmd)
}

// Disable removes the entry. A missing entry is success.
func (e *Entry) Disable() error { return e.b.disable() }

// checkRunnable checks that exe is an existing regular file, and on Unix
// that it is executable, so an entry never points at nothing.
func checkRunnable(exe string) error {
	if strings.ContainsFunc(exe, isControl) || !utf8.ValidString(exe) {
		return unusablePath(exe, "the path contains control characters or is not valid UTF-8")
	}
	info, err := os.Stat(exe)
	if err != nil {
		return executableUnknown(exe, err)
	}
	if !info.Mode().IsRegular() {
		return unusablePath(exe, "the path is not a regular file")
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o111 == 0 {
		return unusablePath(exe, "the file is not executable")
	}
	return nil
}
