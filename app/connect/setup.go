package connect

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Setup identifies the Recall workspace and the Microsoft app the Service
// works with, so that a saved connection made with other settings is
// recognised: a calendar that Recall no longer knows after IT changed them
// is not a calendar someone deleted. It holds no secret: the API key and
// the client secret appear only as Fingerprint values.
type Setup struct {
	RecallBaseURL string `json:"recallBaseUrl,omitempty"`
	// RecallKey is Fingerprint(FingerprintRecallKey, key).
	RecallKey string `json:"recallKeyFingerprint,omitempty"`
	ClientID  string `json:"clientId,omitempty"`
	// ClientSecret is Fingerprint(FingerprintClientSecret, secret).
	ClientSecret string `json:"clientSecretFingerprint,omitempty"`
}

// Kinds of secret for Fingerprint: each is hashed under its own name, so
// equal values of different kinds never look alike.
const (
	FingerprintRecallKey    = "recall-api-key"
	FingerprintClientSecret = "ms-client-secret"
)

// Fingerprint is the first 16 hex digits of the SHA-256 of a
// domain-separated secret: enough to notice that a secret changed, useless
// for recovering it (the secrets are long random strings). "" stays "".
func Fingerprint(kind, secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("outlook-connect/fingerprint/v1\x00" + kind + "\x00" + secret))
	return hex.EncodeToString(sum[:8])
}

// known reports whether the setup was recorded (files from older versions
// have none).
func (s Setup) known() bool { return s != (Setup{}) }

// sameWorkspace: the same Recall address and key, so the same calendars.
func (s Setup) sameWorkspace(o Setup) bool {
	return strings.EqualFold(strings.TrimRight(s.RecallBaseURL, "/"), strings.TrimRight(o.RecallBaseURL, "/")) &&
		s.RecallKey == o.RecallKey
}

// changedFrom lists, in plain words, what differs from the earlier setup.
func (s Setup) changedFrom(earlier Setup) []string {
	var out []string
	if !strings.EqualFold(strings.TrimRight(s.RecallBaseURL, "/"), strings.TrimRight(earlier.RecallBaseURL, "/")) {
		out = append(out, "Recall address")
	}
	if s.RecallKey != earlier.RecallKey {
		out = append(out, "Recall API key")
	}
	if s.ClientID != earlier.ClientID {
		out = append(out, "Microsoft app (client ID)")
	}
	return out
}

// secretRotated says the client secret changed while the Microsoft app and
// the Recall workspace stayed the same: Recall can then be given the new
// secret (recall-api.md §7.3). A secret for another app would break the
// calendar, so a changed client id never counts.
func (s Setup) secretRotated(saved Setup) bool {
	return saved.ClientSecret != "" && s.ClientSecret != "" && s.ClientSecret != saved.ClientSecret &&
		s.ClientID == saved.ClientID && s.sameWorkspace(saved)
}

// AccountKey is the keychain key of the saved account's refresh token: its
// stable id "<oid>.<tid>" (the form MSAL uses for an account), or the
// email for a connection saved before the id was kept, so that upgrading
// never loses a stored sign-in.
func AccountKey(saved Saved) string {
	return accountKey(saved.ObjectID, saved.TenantID, saved.Account)
}

func accountKey(objectID, tenantID, email string) string {
	switch {
	case objectID == "":
		return email
	case tenantID == "":
		return objectID
	}
	return objectID + "." + tenantID
}

// CreateKeyReuse is how long a pending create's Idempotency-Key is reused.
// Recall replays an answer for an hour after the request completed
// (recall-api.md §6.3); the key is minted before the request, so ten
// minutes to spare cover a slow request and a clock that jumps.
const CreateKeyReuse = 50 * time.Minute

// lookupMargin widens a lookup by creation time against a difference
// between this computer's clock and Recall's.
const lookupMargin = 10 * time.Minute

// newCreateKey returns a fresh Idempotency-Key: 128 random bits.
func newCreateKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// earliest is the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// createdSince is when a calendar from this pending connection's creates
// may have been made (zero when none can have been).
func (s Saved) createdSince() time.Time {
	t := earliest(s.LookupSince, s.CreateKeyAt)
	if t.IsZero() {
		return t
	}
	return t.Add(-lookupMargin)
}

// Diagnostics describes the saved connection for "Copy diagnostics": ids,
// the setup it was made with (fingerprints only) and what changed since,
// the pending create, whether a token may be on this computer, and any
// duplicate calendars a registration left alone. No secret appears.
func (s *Service) Diagnostics() []string {
	s.mu.Lock()
	saved, current, others, now := s.saved, s.opts.Setup, slices.Clone(s.others), s.opts.Now()
	autoFinish := s.autoFinishNoteLocked()
	s.mu.Unlock()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if saved == (Saved{}) {
		return []string{"Saved connection: none"}
	}
	switch {
	case saved.ObjectID != "":
		add("Account id (oid.tid): %s", accountKey(saved.ObjectID, saved.TenantID, ""))
	case saved.Account != "":
		add("Account id: not recorded yet (saved by an older version; recorded at the next reconnect)")
	}
	switch {
	case saved.Pending:
		add("Refresh token on this computer: kept until the registration with Recall finishes")
	case saved.TokenCleared:
		add("Refresh token on this computer: none (Recall holds it)")
	default:
		add("Refresh token on this computer: kept until Recall reports the calendar connected")
	}
	if saved.CreateKey != "" {
		add("Pending create: Idempotency-Key minted %s ago (reused for %s)", now.Sub(saved.CreateKeyAt).Round(time.Second), CreateKeyReuse)
	}
	if !saved.LookupSince.IsZero() {
		add("Pending create: calendars made since %s are looked up first", formatTime(saved.LookupSince))
	}
	if saved.Setup.known() {
		add("Made with: %s", saved.Setup)
		if changed := current.changedFrom(saved.Setup); len(changed) > 0 {
			add("Changed since: %s", strings.Join(changed, ", "))
		}
		if current.secretRotated(saved.Setup) {
			add("Client secret: changed since; sent to Recall at the next status check")
		}
	}
	add("Setup now: %s", current)
	if len(others) > 0 {
		add("Other calendars of ours for this account (left alone): %s", strings.Join(others, ", "))
	}
	if saved.Pending && saved.LastProblem != "" {
		add("Last registration problem: %s", saved.LastProblem)
	}
	if autoFinish != "" {
		add("%s", autoFinish)
	}
	return out
}

// String shows the setup without secrets (they are fingerprints already).
func (s Setup) String() string {
	return fmt.Sprintf("Recall %s (key %s), Microsoft client %s (secret %s)",
		orNone(s.RecallBaseURL), orNone(s.RecallKey), orNone(s.ClientID), orNone(s.ClientSecret))
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}
