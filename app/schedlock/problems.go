package schedlock

import (
	"errors"
	"fmt"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes returned by this package. Every error except ctx.Err()
// from Acquire is a *problem.Problem carrying one of them.
const (
	CodeUnavailable = "schedlock.unavailable"
	CodeUnsupported = "schedlock.unsupported"
	CodeInvalid     = "schedlock.invalid"
)

func unavailable(path string, cause error) *problem.Problem {
	if errors.Is(cause, errUnsupported) {
		return &problem.Problem{
			Code:     CodeUnsupported,
			Title:    "Meeting scheduling can't run on this system",
			Message:  "Outlook Connect can't make sure only one copy of it schedules meeting assistants on this operating system.",
			NextStep: "Use Outlook Connect on Windows, macOS or Linux.",
			Details:  []problem.Detail{{Label: "File", Value: path}},
			ForAdmin: true,
			Cause:    cause,
		}
	}
	return &problem.Problem{
		Code:      CodeUnavailable,
		Title:     "Meeting scheduling couldn't start",
		Message:   "Outlook Connect uses a small file in its settings folder to make sure only one copy of it schedules meeting assistants, and couldn't use that file.",
		NextStep:  "Check that you can write to the settings folder named below, then open Outlook Connect again.",
		Details:   []problem.Detail{{Label: "File", Value: path}, {Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		Retryable: true,
		Cause:     cause,
	}
}

// invalid is a programming error in the caller.
func invalid(reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeInvalid,
		Title:    "Meeting scheduling couldn't start",
		Message:  "Outlook Connect asked for meeting scheduling in a way it can't handle.",
		NextStep: "Close and reopen Outlook Connect. If it keeps happening, copy the details below and send them to your IT support.",
		Details:  []problem.Detail{{Label: "Reason", Value: reason}},
	}
}
