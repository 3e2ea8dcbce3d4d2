package connect

import (
	"strings"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problems raised by the use cases themselves. Details carry ids and email
// addresses for IT, never tokens.

func problemCalendarRemoved(calendarID string) *problem.Problem {
	return &problem.Problem{
		Code:     "connect.calendar_removed",
		Title:    "Your calendar was deleted in Recall",
		Message:  "Recall no longer has your calendar: it was deleted there, outside this app (for example by your IT team). The settings Outlook Connect uses haven't changed, so Outlook Connect has forgotten the calendar on this computer.",
		NextStep: "Connect again if you want Recall to keep seeing your meetings.",
		Details:  []problem.Detail{{Label: "Calendar ID", Value: calendarID}},
	}
}

// problemRemovedLocally explains that only this computer forgot the
// connection. deleteProblem is why Recall could not be told; localProblem is
// anything that went wrong while forgetting locally.
func problemRemovedLocally(calendarID, account string, deleteProblem, localProblem *problem.Problem) *problem.Problem {
	p := &problem.Problem{
		Code:     "connect.removed_locally",
		Title:    "Removed from this computer only",
		Message:  "Outlook Connect has forgotten your calendar on this computer, but it could not reach Recall, so your calendar may still be registered there and meeting bots may still join your meetings.",
		NextStep: "Ask your IT team to remove the calendar in Recall. Copy the details below for them.",
		ForAdmin: true,
	}
	if calendarID != "" {
		p.Details = append(p.Details, problem.Detail{Label: "Calendar ID", Value: calendarID})
	}
	if account != "" {
		p.Details = append(p.Details, problem.Detail{Label: "Account", Value: account})
	}
	if deleteProblem != nil {
		p.Details = append(p.Details, problem.Detail{Label: "Disconnect error", Value: deleteProblem.Code})
	}
	if localProblem != nil {
		p.Details = append(p.Details, problem.Detail{Label: "Local clean-up error", Value: localProblem.Code})
	}
	return p
}

func problemSignInTimedOut() *problem.Problem {
	return &problem.Problem{
		Code:      "connect.signin_timed_out",
		Title:     "Sign-in took too long",
		Message:   "Outlook Connect stopped waiting for the Microsoft sign-in to finish.",
		NextStep:  "Try again and finish signing in in your browser.",
		Retryable: true,
	}
}

// problemSignInLost: Finish connecting found no token in the keychain.
// withCalendar says an existing calendar is kept (a reconnect was pending).
func problemSignInLost(withCalendar bool) *problem.Problem {
	p := &problem.Problem{
		Code:      "connect.signin_missing",
		Title:     "Your sign-in is no longer saved",
		Message:   "Outlook Connect could not find your Microsoft sign-in on this computer, so it cannot finish connecting.",
		NextStep:  "Connect again to sign in.",
		Retryable: true,
	}
	if withCalendar {
		p.NextStep = "Reconnect to sign in again."
	}
	return p
}

// problemOtherAccount: Reconnect signed in as another Microsoft account
// (another oid or tid). The addresses may be the same: a personal and a work
// account often share one.
func problemOtherAccount(expected, got string) *problem.Problem {
	p := &problem.Problem{
		Code:      "connect.other_account",
		Title:     "You signed in with a different account",
		Message:   "This calendar belongs to " + expected + ", but you signed in as " + got + ". Nothing was changed.",
		NextStep:  "Reconnect and sign in as " + expected + ". To connect a different calendar, disconnect first.",
		Details:   []problem.Detail{{Label: "Connected account", Value: expected}, {Label: "Signed-in account", Value: got}},
		Retryable: true,
	}
	if strings.EqualFold(strings.TrimSpace(expected), strings.TrimSpace(got)) {
		p.Message = "You signed in with a different Microsoft account that uses the same address, " + got +
			" (for example a personal account instead of your work account). This calendar belongs to the other one. Nothing was changed."
		p.NextStep = "Reconnect and, when Microsoft asks, pick the account this calendar was connected with (work or school, or personal). To connect a different calendar, disconnect first."
	}
	return p
}

// problemSettingsChanged: Recall does not know the calendar after IT changed
// the Recall address, key or Microsoft app. Nothing was forgotten.
func problemSettingsChanged(calendarID string, was, now Setup, changed []string) *problem.Problem {
	p := &problem.Problem{
		Code:     "connect.settings_changed",
		Title:    "Your organisation changed its Recall settings",
		Message:  "Outlook Connect now uses different Recall or Microsoft settings, and Recall can't find your calendar with them. Your calendar wasn't deleted by this app.",
		NextStep: "Select Reconnect to connect your calendar with the new settings. Your IT team may want to remove the old calendar where the old settings pointed: copy the details below for them.",
		Details: []problem.Detail{
			{Label: "Calendar ID", Value: calendarID},
			{Label: "What changed", Value: strings.Join(changed, ", ")},
		},
		Retryable: true,
	}
	add := func(label, value string) {
		if value != "" {
			p.Details = append(p.Details, problem.Detail{Label: label, Value: value})
		}
	}
	add("Previous Recall address", was.RecallBaseURL)
	add("Current Recall address", now.RecallBaseURL)
	if was.ClientID != now.ClientID {
		add("Previous Microsoft client ID", was.ClientID)
		add("Current Microsoft client ID", now.ClientID)
	}
	return p
}
