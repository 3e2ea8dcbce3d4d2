package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

// host is what the app changes on the computer outside its config folder
// (issue 14): the start-at-login entry and the background helper process.
type host interface {
	// loginEntry is this program's start-at-login entry.
	loginEntry() (loginEntry, error)
	// startHelper starts the background helper (the helper program next
	// to this one, else "<program> --background") detached from this
	// process, so that it outlives the window.
	startHelper() error
	// program is the file this process runs from, which the helper
	// watches so that it stops once the app is uninstalled ("" for none).
	program() string
}

// runningProgram is os.Executable, or "" when the system cannot say.
func runningProgram() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
}

// loginEntry is *autostart.Entry as the app uses it.
type loginEntry interface {
	Status() (autostart.Status, error)
	Enable() error
	Disable() error
}

var _ loginEntry = (*autostart.Entry)(nil)

// helperStartEnv opts an end-to-end run into starting the background
// helper when the window closes (with the dev build tag only, like the
// other test overrides in testoverrides.go). Every other e2e run leaves no
// process behind.
const helperStartEnv = "OUTLOOK_CONNECT_E2E_START_HELPER"

// errHelperNotWanted: this build or run does not start helpers (logged,
// never shown).
var errHelperNotWanted = errors.New("this build does not start the background helper")

// newSystemHost is the real computer, as far as this build may touch it:
//
//   - a release build (no dev tag): the real start-at-login entry, and the
//     helper is started when the window closes;
//   - a development build (wails dev, dev-tagged binaries) on a
//     developer's machine: neither, so a build being changed never starts
//     at login or keeps running; the switch says so (devBuildProblem);
//   - a development build in an end-to-end run (OUTLOOK_CONNECT_DEMO_CONTROL_FILE
//     set): the real entry, in the home folder the harness made for the
//     run, and a helper only when the test asks (helperStartEnv);
//   - a test binary: nothing at all, so a test that forgot to pass a fake
//     fails instead of writing to the developer's home.
func newSystemHost(lookupEnv func(string) (string, bool), devBuild bool) host {
	if testing.Testing() {
		return refusingHost{p: &problem.Problem{
			Code:     codeDevelopmentBuild,
			Title:    "Start at login is off in tests",
			Message:  "A test binary never changes the computer's start-up items or starts the background helper.",
			NextStep: "Pass a fake host in Options.",
		}}
	}
	return systemHostFor(lookupEnv, devBuild)
}

// systemHostFor is newSystemHost for a build that is not a test binary.
func systemHostFor(lookupEnv func(string) (string, bool), devBuild bool) host {
	if devBuild && !isE2ERun(lookupEnv) {
		return refusingHost{p: devBuildProblem("a development build (wails dev, or the dev build tag)")}
	}
	h := &systemHost{startHelpers: true, allowTemporary: devBuild}
	if devBuild {
		v, _ := lookupEnv(helperStartEnv)
		h.startHelpers = v == "1"
	}
	return h
}

// isE2ERun: the variable that marks an end-to-end run is set.
func isE2ERun(lookupEnv func(string) (string, bool)) bool {
	v, ok := lookupEnv(demoControlFileEnv)
	return ok && v != ""
}

// systemHost is the computer's real start-at-login entry and processes.
type systemHost struct {
	startHelpers bool
	// allowTemporary: an e2e run's dev build may live in a checkout under
	// /tmp; its entry is written anyway (the run's home is thrown away).
	allowTemporary bool

	once  sync.Once
	entry *autostart.Entry
	err   error
}

func (h *systemHost) autostart() (*autostart.Entry, error) {
	h.once.Do(func() {
		h.entry, h.err = autostart.New(autostart.Options{AllowTemporaryExecutable: h.allowTemporary})
	})
	return h.entry, h.err
}

func (h *systemHost) program() string { return runningProgram() }

func (h *systemHost) loginEntry() (loginEntry, error) {
	e, err := h.autostart()
	if err != nil {
		return nil, err
	}
	return e, nil
}

// startHelper starts the command the login entry runs, so the helper
// started on closing is the one that starts at login: the helper program
// next to this one when it is installed, else this program with
// --background (for an AppImage, the image, not its temporary mount).
func (h *systemHost) startHelper() error {
	if !h.startHelpers {
		return errHelperNotWanted
	}
	cmd, err := h.helperCommand()
	if err != nil {
		return err
	}
	return startDetached(cmd[0], cmd[1:]...)
}

// helperCommand is the login entry's command, or, when there is no entry
// to be had (no home folder), the same lookup next to this executable.
func (h *systemHost) helperCommand() ([]string, error) {
	if e, err := h.autostart(); err == nil {
		return e.Command(), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return autostart.BackgroundCommand(exe), nil
}

// refusingHost changes nothing: Enable says why, Disable and Status find
// no entry (none was ever written), and no helper is started.
type refusingHost struct{ p *problem.Problem }

func (h refusingHost) loginEntry() (loginEntry, error) { return refusingEntry(h), nil }
func (h refusingHost) startHelper() error              { return errHelperNotWanted }
func (h refusingHost) program() string                 { return runningProgram() }

type refusingEntry refusingHost

func (e refusingEntry) Status() (autostart.Status, error) { return autostart.Status{}, nil }
func (e refusingEntry) Enable() error                     { return e.p }
func (e refusingEntry) Disable() error                    { return nil }

// codeDevelopmentBuild: start at login is off in a developer's build.
const codeDevelopmentBuild = "background.development_build"

// devBuildProblem is shown on the switch of a build a developer runs: it
// says why nothing starts at login, and how to try it.
func devBuildProblem(what string) *problem.Problem {
	return &problem.Problem{
		Code:    codeDevelopmentBuild,
		Title:   "Start at login is off in development builds",
		Message: "This copy is " + what + ", so it doesn't add itself to your computer's start-up items or keep running when you close it: a build you are changing would otherwise keep starting.",
		NextStep: "To try it, build with \"make build\" and run build/bin/outlook-connect. " +
			"The background helper itself runs from any build: build/bin/" + autostart.HelperName +
			", or outlook-connect " + autostart.BackgroundFlag + ".",
		Details: []problem.Detail{{Label: "Build", Value: what}},
	}
}

// loginProblem is what the switch shows when the entry could not be
// written or removed. autostart words its problems for people; a program
// "go run" built into a temporary folder is a developer's, and is told so
// in a developer's words.
func loginProblem(err error) *problem.Problem {
	p := problem.From(err)
	if p.Code == autostart.CodeTemporaryExecutable {
		if exe, _ := os.Executable(); builtByGoRun(exe) {
			d := devBuildProblem("built by \"go run\" into a temporary folder that Go deletes")
			d.Details = append(d.Details, problem.Detail{Label: "Program", Value: exe})
			return d
		}
	}
	return p
}

// builtByGoRun: the program lies in a go-build folder ("go run", "go test").
func builtByGoRun(exe string) bool {
	for _, elem := range strings.Split(filepath.ToSlash(exe), "/") {
		if strings.HasPrefix(elem, "go-build") {
			return true
		}
	}
	return false
}
