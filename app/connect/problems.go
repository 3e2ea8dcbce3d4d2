package connect

import "github.com/outlookconnect/outlook-connect/app/problem"

// Problems raised by the use cases themselves. Details carry ids and email
// addresses for IT, never tokens.

func problemCalendarRemoved(calendarID string) *problem.Problem {
	return &problem.Problem{
		Code:     "connect.calendar_removed",
		Title:    "Your calendar is no longer connected",
		Message:  "Your calendar was removed from Recall outside this app (for example by your IT team), so Outlook Connect has forgotten it on this computer.",
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

func problemOtherAccount(expected, got string) *problem.Problem {
	return &problem.Problem{
		Code:      "connect.other_account",
		Title:     "You signed in with a different account",
		Message:   "This calendar belongs to " + expected + ", but you signed in as " + got + ". Nothing was changed.",
		NextStep:  "Reconnect and sign in as " + expected + ". To connect a different calendar, disconnect first.",
		Details:   []problem.Detail{{Label: "Connected account", Value: expected}, {Label: "Signed-in account", Value: got}},
		Retryable: true,
	}
}
