package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Secret holds a credential (client secret, API key). Every way Go has of
// printing or encoding a value — fmt verbs, JSON, slog — shows only whether
// it is set, so a Secret that slips into a log line or an error stays safe.
// Reveal is the one deliberate way to read it.
type Secret string

const (
	secretSet    = "set"
	secretNotSet = "not set"
)

// Reveal returns the secret's value. Call it only where the value is sent
// to the service that needs it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String returns "set" or "not set", never the value.
func (s Secret) String() string {
	if s.IsSet() {
		return secretSet
	}
	return secretNotSet
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// Format covers every fmt verb (%s, %q, %x, %v, %+v, %#v ...).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, s.GoString())
		return
	}
	_, _ = fmt.Fprint(f, s.String())
}

// MarshalJSON writes "set" or "not set".
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText covers encoders that prefer text (map keys, some loggers).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue makes slog print "set" or "not set".
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
