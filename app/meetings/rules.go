package meetings

import (
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Rule is a recording rule (contracts.md: RuleName).
type Rule string

// The recording rules.
const (
	// RuleAllWithLink records every meeting with a meeting link.
	RuleAllWithLink Rule = "all_with_link"
	// RuleExternal records meetings with someone outside the organisation.
	RuleExternal Rule = "external"
	// RuleOrganised records meetings the person organises.
	RuleOrganised Rule = "organised"
	// RuleNone records nothing unless the person chooses a meeting.
	RuleNone Rule = "none"
)

// Valid reports whether r is one of the rules.
func (r Rule) Valid() bool {
	switch r {
	case RuleAllWithLink, RuleExternal, RuleOrganised, RuleNone:
		return true
	}
	return false
}

// Override is a per-meeting choice that wins over the rule.
type Override string

// The per-meeting choices ("" is none).
const (
	OverrideNone   Override = ""
	OverrideRecord Override = "record"
	OverrideSkip   Override = "skip"
)

// Valid reports whether o is one of the choices.
func (o Override) Valid() bool {
	return o == OverrideNone || o == OverrideRecord || o == OverrideSkip
}

// Reasons shown on a meeting, in plain words.
const (
	reasonCancelled      = "Cancelled by the organiser"
	reasonEnded          = "This meeting has ended"
	reasonNoLink         = "No meeting link"
	reasonChoseRecord    = "You chose to record"
	reasonChoseSkip      = "You chose not to record"
	reasonRuleNone       = "Your rule: you choose meeting by meeting"
	reasonAllDay         = "All-day event: recorded only if you choose"
	reasonDeclined       = "You declined this meeting"
	reasonNotAccepted    = "Your rule: only meetings you have accepted"
	reasonAllWithLink    = "Your rule: every meeting with a link"
	reasonExternal       = "Your rule: people outside your organisation"
	reasonAllInside      = "Everyone is inside your organisation"
	reasonOrganised      = "Your rule: meetings you organise"
	reasonOrganisedOther = "Organised by someone else"
)

// policy is what a decision depends on besides the meeting.
type policy struct {
	rule         Rule
	acceptedOnly bool
	account      string
	org          orgDomains
	overrides    map[string]Override
}

// decision is the outcome of the rules for one meeting.
type decision struct {
	record      bool
	reason      string
	canOverride bool
	override    Override
	external    int
}

// decide applies, in order: what no choice can change (cancelled, ended,
// no link), then the person's choice for this meeting, then the rule.
// Rules never record an all-day event or a meeting the person declined;
// the person can still choose to.
func (p policy) decide(m *Meeting, now time.Time) decision {
	d := decision{override: p.overrides[m.ID], external: p.org.externalCount(m, p.account)}
	switch {
	case m.Cancelled:
		d.reason = reasonCancelled
		return d
	case !m.End.After(now) || m.Sched.Ended:
		d.reason = reasonEnded
		return d
	case m.URL == "":
		d.reason = reasonNoLink
		return d
	}
	d.canOverride = true
	switch d.override {
	case OverrideRecord:
		d.record, d.reason = true, reasonChoseRecord
		return d
	case OverrideSkip:
		d.reason = reasonChoseSkip
		return d
	}
	switch {
	case p.rule == RuleNone:
		d.reason = reasonRuleNone
	case m.AllDay:
		d.reason = reasonAllDay
	case m.Response == ResponseDeclined:
		d.reason = reasonDeclined
	case p.acceptedOnly && m.Response != ResponseAccepted && m.Response != ResponseOrganizer:
		d.reason = reasonNotAccepted
	case p.rule == RuleAllWithLink:
		d.record, d.reason = true, reasonAllWithLink
	case p.rule == RuleExternal && d.external > 0:
		d.record, d.reason = true, reasonExternal
	case p.rule == RuleExternal:
		d.reason = reasonAllInside
	case p.rule == RuleOrganised && m.IsOrganizer:
		d.record, d.reason = true, reasonOrganised
	case p.rule == RuleOrganised:
		d.reason = reasonOrganisedOther
	}
	return d
}

// invalidInput is the problem for a bad argument from the UI.
func invalidInput(what string) *problem.Problem {
	return &problem.Problem{
		Code:     "meetings.invalid_input",
		Title:    "That choice is not available",
		Message:  what,
		NextStep: "Reload the meetings list and try again.",
	}
}
