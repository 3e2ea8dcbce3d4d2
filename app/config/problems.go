package config

import (
	"errors"
	"os"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

var osLookupEnv LookupEnv = os.LookupEnv

// asProblem keeps a *problem.Problem from a dependency (the store and the
// keychain adapter speak the catalogue already) and wraps anything else.
func asProblem(err error, fallback func(error) *problem.Problem) error {
	var p *problem.Problem
	if errors.As(err, &p) {
		return p
	}
	return fallback(err)
}

func settingsUnreadable(cause error) *problem.Problem {
	return &problem.Problem{
		Code:     "config.settings_unreadable",
		Title:    "Saved settings couldn't be read",
		Message:  "Outlook Connect couldn't read the settings it saved earlier.",
		NextStep: "Open Setup and enter the settings again, or import your setup file.",
		ForAdmin: true,
		Cause:    cause,
	}
}

func secretsUnavailable(cause error) *problem.Problem {
	return &problem.Problem{
		Code:      "config.secrets_unavailable",
		Title:     "The keychain couldn't be read",
		Message:   "Outlook Connect keeps its client secret and API key in your system's keychain, and couldn't read them.",
		NextStep:  "Unlock your keychain (or sign in to your computer again), then try again.",
		Retryable: true,
		Cause:     cause,
	}
}

func saveFailed(cause error) *problem.Problem {
	return &problem.Problem{
		Code:      "config.save_failed",
		Title:     "Settings weren't saved",
		Message:   "Outlook Connect couldn't save the settings. Nothing was changed.",
		NextStep:  "Try again. If it keeps happening, check that your keychain is unlocked and the settings folder can be written to.",
		Retryable: true,
		Cause:     cause,
	}
}

func invalidSaved(details []problem.Detail) *problem.Problem {
	return &problem.Problem{
		Code:     "config.invalid_saved_settings",
		Title:    "A saved setting isn't valid",
		Message:  "Some settings saved in Outlook Connect have values it can't use.",
		NextStep: "Open Setup and correct the settings listed in the details, or import a new setup file.",
		Details:  details,
		ForAdmin: true,
	}
}

func invalidProfile(details []problem.Detail) *problem.Problem {
	return &problem.Problem{
		Code:     "config.invalid_profile",
		Title:    "This build's settings aren't valid",
		Message:  "This copy of Outlook Connect was prepared with settings it can't use.",
		NextStep: "Ask IT for a corrected build, or a setup file to import in Setup.",
		Details:  details,
		ForAdmin: true,
	}
}
