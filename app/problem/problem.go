// Package problem is the error catalogue shared by every package and the UI:
// each failure a person can meet carries a plain-language title and message,
// a next step, and "details for IT" (codes, correlation ids, links).
//
// A *Problem never carries a secret: constructors take only codes, ids and
// public URLs, and Cause is excluded from JSON and from Error().
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// Detail is one labelled line in the "Details for IT" section.
type Detail struct {
	Label string `json:"label"`
	Value string `json:"value"`
	// Link marks a value that is a URL the UI may offer to open or copy
	// (for example Microsoft's admin-consent link).
	Link bool `json:"link,omitempty"`
}

// Problem is a catalogue entry: what went wrong, in words a non-technical
// person understands, and what to do next.
type Problem struct {
	// Code is a stable identifier such as "msauth.admin_approval_required".
	// Tests and the UI branch on it; it is also shown in the details.
	Code     string   `json:"code"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	NextStep string   `json:"nextStep"`
	Details  []Detail `json:"details,omitempty"`
	// Retryable says whether trying the same action again may succeed.
	Retryable bool `json:"retryable"`
	// ForAdmin says the fix is in the hands of IT, not the person.
	ForAdmin bool `json:"forAdmin"`

	// Cause is the underlying error, for errors.Is/As and debug logs.
	// It must never contain a secret; it is not serialised.
	Cause error `json:"-"`
}

// Error returns the code and title: safe for logs, never a secret.
func (p *Problem) Error() string {
	if p == nil {
		return "<nil problem>"
	}
	return p.Code + ": " + p.Title
}

// Unwrap exposes Cause to errors.Is and errors.As.
func (p *Problem) Unwrap() error { return p.Cause }

// Is matches another *Problem with the same Code, so callers can write
// errors.Is(err, &problem.Problem{Code: "vault.unavailable"}).
func (p *Problem) Is(target error) bool {
	var t *Problem
	if errors.As(target, &t) && t != nil {
		return t.Code == p.Code && t.Code != ""
	}
	return false
}

// Detail returns the value of the first detail with the given label.
func (p *Problem) Detail(label string) (string, bool) {
	for _, d := range p.Details {
		if d.Label == label {
			return d.Value, true
		}
	}
	return "", false
}

// With returns a copy of p with extra details appended.
func (p *Problem) With(details ...Detail) *Problem {
	c := *p
	c.Details = append(append([]Detail(nil), p.Details...), details...)
	return &c
}

// DetailsText renders the details as "Label: value" lines for the Copy
// button and support tickets.
func (p *Problem) DetailsText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Problem: %s\n", p.Code)
	for _, d := range p.Details {
		fmt.Fprintf(&b, "%s: %s\n", d.Label, d.Value)
	}
	return b.String()
}

// From returns the *Problem in err's chain, or a generic "unexpected" entry
// that keeps only the error's type (never its text, which may come from
// outside and is not known to be free of secrets).
func From(err error) *Problem {
	if err == nil {
		return nil
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return &Problem{
		Code:      "unexpected",
		Title:     "Something unexpected went wrong",
		Message:   "Outlook Connect ran into a problem it does not recognise.",
		NextStep:  "Try again. If it keeps happening, copy the details below and send them to your IT support.",
		Details:   []Detail{{Label: "Error type", Value: fmt.Sprintf("%T", err)}},
		Retryable: true,
		Cause:     err,
	}
}
