package recallapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Django REST Framework wording, which Recall's API is built on; the 400
// body shape is documented in recall-api.md §6.1.
const (
	msgRequired  = "This field is required."
	msgNull      = "This field may not be null."
	msgBlank     = "This field may not be blank."
	msgNotString = "Not a valid string."
	msgEmail     = "Enter a valid email address."
	msgURL       = "Enter a valid URL."
	msgDateTime  = "Enter a valid date/time."
	msgUUID      = "Enter a valid UUID."
	msgBoolean   = "Enter a valid boolean."
)

func msgMaxLen(n int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", n)
}

func msgChoice(v string) string { return fmt.Sprintf("%q is not a valid choice.", v) }

// Field limits from recall-api.md §2.2. The refresh token limit is 2000 in
// the Nov 2025 spec and 10000 on the newest page; the fake allows the
// larger, as the reference advises ("allow for long tokens").
const (
	maxClientID     = 2000
	maxClientSecret = 2000
	maxRefreshToken = 10000
	maxURL          = 2000
	maxDedupKey     = 2000 // recall-api.md §4.1
)

var platforms = map[string]bool{"google_calendar": true, "microsoft_outlook": true}

var statuses = map[string]bool{"connecting": true, "connected": true, "disconnected": true}

// fieldErrors collects DRF-style per-field messages.
type fieldErrors map[string][]string

func (e fieldErrors) add(field, msg string) { e[field] = append(e[field], msg) }

// decodeObject parses a JSON object body. ok is false when the body is not
// a JSON object; an empty body counts as {} (a PATCH with no body).
func decodeObject(body []byte) (map[string]json.RawMessage, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]json.RawMessage{}, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// stringField reads an optional string field. present is false when the key
// is absent; errors are recorded in errs.
func stringField(m map[string]json.RawMessage, name string, maxLen int, required bool, errs fieldErrors) (value string, present bool) {
	raw, ok := m[name]
	if !ok {
		if required {
			errs.add(name, msgRequired)
		}
		return "", false
	}
	if string(raw) == "null" {
		errs.add(name, msgNull)
		return "", false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		errs.add(name, msgNotString)
		return "", false
	}
	if strings.TrimSpace(value) == "" {
		errs.add(name, msgBlank)
		return "", false
	}
	if utf8.RuneCountInString(value) > maxLen {
		errs.add(name, msgMaxLen(maxLen))
		return "", false
	}
	return value, true
}

// optionalEmail reads oauth_email: optional, email format (recall-api.md
// §2.2). The spec types it as a string, not a nullable one, so null is
// refused like any other string field's null.
func optionalEmail(m map[string]json.RawMessage, errs fieldErrors) (email *string, present bool) {
	raw, ok := m["oauth_email"]
	if !ok {
		return nil, false
	}
	if string(raw) == "null" {
		errs.add("oauth_email", msgNull)
		return nil, false
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		errs.add("oauth_email", msgNotString)
		return nil, false
	}
	if !validEmail(v) {
		errs.add("oauth_email", msgEmail)
		return nil, false
	}
	return &v, true
}

func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	return at > 0 && strings.Contains(v[at+1:], ".")
}

func validURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// parseTime accepts ISO-8601 date-times as the list filters do; a time
// without an offset is read as UTC.
func parseTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func validUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// formatTime renders timestamps the way Recall does: RFC 3339 in UTC with
// microseconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
