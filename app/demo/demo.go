// Package demo runs the fake Microsoft identity platform and the fake Recall
// Calendar V2 API together, in-process on loopback. Demo mode points the app
// at them, so a newcomer can walk the whole journey with no accounts, and the
// tests exercise the real code over real HTTP.
package demo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
)

// Options tunes the demo world. The zero value is what demo mode uses.
type Options struct {
	// ConnectDelay is how long a new calendar stays "connecting" before the
	// fake Recall checks its refresh token; 0 means the fake's default.
	ConnectDelay time.Duration
	// RedirectHost is the loopback host registered with the fake identity
	// platform ("localhost" or "127.0.0.1"); "" means "localhost".
	RedirectHost string
	// Seed drives the generated calendar events; 0 means a fixed seed.
	Seed int64
}

// Services is a running demo world with its credentials. The credentials
// are random per run and only valid against these fakes.
type Services struct {
	Identity     *identity.Server
	Recall       *recallapi.Server
	ClientID     string
	ClientSecret string
	RecallAPIKey string
}

// Start starts both fakes and wires the fake Recall to check refresh tokens
// against the fake identity platform, as the real Recall does with Microsoft.
func Start(opts Options) (*Services, error) {
	clientID, err := randomGUID()
	if err != nil {
		return nil, err
	}
	secret, err := randomHex("demo-secret-", 20)
	if err != nil {
		return nil, err
	}
	apiKey, err := randomHex("demo-key-", 20)
	if err != nil {
		return nil, err
	}
	idp, err := identity.Start(identity.Options{
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectHost: opts.RedirectHost,
	})
	if err != nil {
		return nil, fmt.Errorf("start demo identity platform: %w", err)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 20261128
	}
	rec, err := recallapi.Start(recallapi.Options{
		APIKey:       apiKey,
		Verifier:     idp,
		ConnectDelay: opts.ConnectDelay,
		Seed:         seed,
		// Office hours in the person's own zone, as their diary would be.
		Location: time.Local,
	})
	if err != nil {
		_ = idp.Close()
		return nil, fmt.Errorf("start demo Recall API: %w", err)
	}
	return &Services{Identity: idp, Recall: rec, ClientID: clientID, ClientSecret: secret, RecallAPIKey: apiKey}, nil
}

// MicrosoftURL is the authority host (tenant paths below it), usable as
// OUTLOOK_CONNECT_MS_AUTHORITY.
func (s *Services) MicrosoftURL() string { return s.Identity.URL() }

// RecallURL is usable as OUTLOOK_CONNECT_RECALL_BASE_URL.
func (s *Services) RecallURL() string { return s.Recall.URL() }

// Close stops both fakes.
func (s *Services) Close() error {
	return errors.Join(s.Recall.Close(), s.Identity.Close())
}

func randomHex(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}

func randomGUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}
