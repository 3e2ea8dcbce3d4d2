package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Recording rules an admin can set as the default (issue 13). Each person
// can still choose their own rule in the app; the admin's rule is where
// they start.
const (
	// RuleAllWithLink records every meeting with a meeting link.
	RuleAllWithLink = "all_with_link"
	// RuleExternal records meetings with someone outside the organisation.
	RuleExternal = "external"
	// RuleOrganised records meetings the person organises.
	RuleOrganised = "organised"
	// RuleNone records nothing unless the person picks a meeting.
	RuleNone = "none"
)

// RecordingRules lists the rule names in the order the app offers them.
var RecordingRules = []string{RuleAllWithLink, RuleExternal, RuleOrganised, RuleNone}

// Defaults and bounds of the meetings and background settings.
const (
	// DefaultBotName is what meeting participants see when no admin named
	// the assistant.
	DefaultBotName = "Meeting Notetaker"
	// DefaultExpectedInstalls sizes the request budget when no admin said
	// how many installs share the Recall API key.
	DefaultExpectedInstalls = 250
	// DefaultKeepScheduling: the background helper runs unless someone
	// turns it off.
	DefaultKeepScheduling = true

	MaxBotNameLength    = 100
	MinExpectedInstalls = 1
	MaxExpectedInstalls = 100000
	MaxInternalDomains  = 100

	maxExpectedInstallsText = "100,000" // MaxExpectedInstalls as people write it
)

func checkRecordingRule(v string) (string, string) {
	lower := strings.ToLower(v)
	if lower == "organized" {
		// The US spelling is what many admins will type.
		lower = RuleOrganised
	}
	for _, r := range RecordingRules {
		if r == lower {
			return lower, ""
		}
	}
	return "", "Use all_with_link (every meeting with a meeting link), external (meetings with people outside the organisation), organised (meetings the person organises) or none (nothing until the person picks a meeting)."
}

// parseBool accepts the spellings people use in environment variables.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

func checkBool(v string) (string, string) {
	b, ok := parseBool(v)
	if !ok {
		return "", "Use true or false."
	}
	return strconv.FormatBool(b), ""
}

// checkBotName keeps the name Recall shows to every participant of every
// meeting readable: one line, visible characters, at most 100 of them.
func checkBotName(v string) (string, string) {
	if !utf8.ValidString(v) {
		return "", "Use ordinary text: this name is shown to everyone in the meeting."
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "", "Use a name on one line, without tabs or line breaks: it is shown to everyone in the meeting."
		}
		if !unicode.IsPrint(r) {
			return "", "Use visible characters and ordinary spaces only: this name is shown to everyone in the meeting, and hidden characters could make it misleading."
		}
	}
	if n := utf8.RuneCountInString(v); n > MaxBotNameLength {
		return "", fmt.Sprintf("Use a name of at most %d characters (this one has %d): meeting apps cut long names short.", MaxBotNameLength, n)
	}
	return v, ""
}

// checkInternalDomains accepts domains separated by commas, semicolons or
// spaces, and returns them lower-cased, without duplicates, as
// "a.com, b.com". Entries are named by position, never quoted.
func checkInternalDomains(v string) (string, string) {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(parts) == 0 {
		return "", "Enter at least one domain, like contoso.com, or leave this empty."
	}
	where := func(i int) string {
		if len(parts) == 1 {
			return "This"
		}
		return fmt.Sprintf("Entry %d in the list", i+1)
	}
	seen := map[string]bool{}
	var out []string
	for i, p := range parts {
		d := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(p), "@"), ".")
		switch {
		case strings.Contains(d, "@"):
			return "", where(i) + " is an email address. Enter only the part after the @, like contoso.com."
		case strings.Contains(d, "*"):
			return "", where(i) + " has a wildcard. List each domain on its own, like contoso.com, eu.contoso.com."
		case strings.Contains(d, "/") || strings.Contains(d, ":"):
			return "", where(i) + " looks like a web address. Enter only the domain, like contoso.com."
		case !isASCII(d):
			return "", where(i) + " has non-English letters. Write international domains in their xn-- form."
		case !isDomain(d):
			return "", where(i) + " isn't a domain name. Use names like contoso.com, separated by commas."
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) > MaxInternalDomains {
		return "", fmt.Sprintf("List at most %d domains.", MaxInternalDomains)
	}
	return strings.Join(out, ", "), ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// splitDomains turns checkInternalDomains' output into a list (nil when
// empty).
func splitDomains(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ", ")
}

func checkExpectedInstalls(v string) (string, string) {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return "", fmt.Sprintf("Enter a whole number, like %d, without spaces or separators.", DefaultExpectedInstalls)
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < MinExpectedInstalls || n > MaxExpectedInstalls {
		return "", fmt.Sprintf("Enter a number from %d to %s.", MinExpectedInstalls, maxExpectedInstallsText)
	}
	return strconv.Itoa(n), ""
}
