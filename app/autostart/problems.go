package autostart

import (
	"fmt"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes returned by this package. Every error is a *problem.Problem
// carrying one of them.
const (
	CodeTemporaryExecutable = "autostart.temporary_executable"
	CodeUnusablePath        = "autostart.unusable_path"
	CodeExecutableUnknown   = "autostart.executable_unknown"
	CodeNoHome              = "autostart.no_home"
	CodeWriteFailed         = "autostart.write_failed"
	CodeRemoveFailed        = "autostart.remove_failed"
	CodeReadFailed          = "autostart.read_failed"
	CodeInvalidOptions      = "autostart.invalid_options"
)

func temporaryExecutable(exe, why string) *problem.Problem {
	return cannotStartHere(CodeTemporaryExecutable,
		"This copy of Outlook Connect runs from a place that will be gone after a restart, so starting it at login would fail.",
		exe, why)
}

func unusablePath(exe, why string) *problem.Problem {
	return cannotStartHere(CodeUnusablePath,
		"Your system can't start Outlook Connect at login from the folder it is in.",
		exe, why)
}

// cannotStartHere: this copy of the program is not one a login entry can
// start; installing it properly is the fix.
func cannotStartHere(code, message, exe, why string) *problem.Problem {
	return &problem.Problem{
		Code:     code,
		Title:    "Outlook Connect can't start at login from here",
		Message:  message,
		NextStep: "Install Outlook Connect (on a Mac, move it to the Applications folder), open it from there, and turn the switch on again.",
		Details: []problem.Detail{
			{Label: "Program", Value: exe},
			{Label: "Reason", Value: why},
		},
	}
}

func executableUnknown(exe string, cause error) *problem.Problem {
	p := &problem.Problem{
		Code:     CodeExecutableUnknown,
		Title:    "Outlook Connect can't find its own program file",
		Message:  "Outlook Connect couldn't tell where its program file is, so it can't set itself to start at login.",
		NextStep: "Reinstall Outlook Connect, open it again, and turn the switch on again.",
		Details:  []problem.Detail{{Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		Cause:    cause,
	}
	if exe != "" {
		p.Details = append([]problem.Detail{{Label: "Program", Value: exe}}, p.Details...)
	}
	return p
}

func noHome(cause error) *problem.Problem {
	return &problem.Problem{
		Code:     CodeNoHome,
		Title:    "Your home folder wasn't found",
		Message:  "Outlook Connect couldn't find your home folder, where the start-at-login setting is kept.",
		NextStep: "Sign out and in again. If it keeps happening, copy the details below and send them to your IT support.",
		Details:  []problem.Detail{{Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		ForAdmin: true,
		Cause:    cause,
	}
}

func writeFailed(where string, cause error) *problem.Problem {
	return entryFailed(CodeWriteFailed, "Outlook Connect couldn't set itself to start at login",
		"Outlook Connect couldn't save the setting that starts it when you log in, so it won't keep scheduling after you close it.",
		"Try the switch again. If it keeps happening, copy the details below and send them to your IT support.",
		where, cause)
}

func removeFailed(where string, cause error) *problem.Problem {
	return entryFailed(CodeRemoveFailed, "Outlook Connect couldn't stop starting at login",
		"Outlook Connect couldn't remove the setting that starts it when you log in.",
		"Try the switch again. If it keeps happening, IT can remove the entry named in the details.",
		where, cause)
}

func readFailed(where string, cause error) *problem.Problem {
	return entryFailed(CodeReadFailed, "Outlook Connect couldn't check its start-at-login setting",
		"Outlook Connect couldn't read the setting that starts it when you log in.",
		"Try again. If it keeps happening, copy the details below and send them to your IT support.",
		where, cause)
}

// entryFailed is a failed read or write of the entry at where: worth
// retrying, with the location and the error's type (never its text) for IT.
func entryFailed(code, title, message, next, where string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:      code,
		Title:     title,
		Message:   message,
		NextStep:  next,
		Details:   []problem.Detail{{Label: "Location", Value: where}, {Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		Retryable: true,
		Cause:     cause,
	}
}

// invalidOptions is a programming error in the caller; it still reads
// plainly because it may reach the UI.
func invalidOptions(reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeInvalidOptions,
		Title:    "Start at login isn't available",
		Message:  "Outlook Connect was built with settings for start-at-login that it can't use.",
		NextStep: "Copy the details below and send them to your IT support.",
		Details:  []problem.Detail{{Label: "Reason", Value: reason}},
		ForAdmin: true,
	}
}
