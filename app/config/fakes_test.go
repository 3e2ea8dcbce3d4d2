package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Test values. The secrets are shaped like real ones so validation passes.
const (
	testClientID     = "11111111-2222-3333-4444-555555555555"
	testClientSecret = "Abc8Q~s3cr3t-VALUE.for_tests~xyz123"
	testAPIKey       = "0123456789abcdef0123456789abcdef01234567"
	otherSecret      = "Zzz8Q~other-secret-value.xyz~987654"
	otherAPIKey      = "fedcba9876543210fedcba9876543210fedcba98"
)

// memSettings is settings.json in memory, round-tripping through JSON as
// the real store does.
type memSettings struct {
	mu       sync.Mutex
	data     []byte
	writeErr error
	writes   int
}

func (s *memSettings) Read(v any) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return false, nil
	}
	return true, json.Unmarshal(s.data, v)
}

func (s *memSettings) Write(v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writeErr != nil {
		return s.writeErr
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.data = b
	s.writes++
	return nil
}

func (s *memSettings) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.data)
}

// memSecrets is a keychain in memory.
type memSecrets struct {
	mu     sync.Mutex
	values map[SecretName]string
	getErr error
	setErr error
	gets   int
}

func newMemSecrets() *memSecrets { return &memSecrets{values: map[SecretName]string{}} }

func (s *memSecrets) Get(_ context.Context, name SecretName) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	if s.getErr != nil {
		return "", s.getErr
	}
	v, ok := s.values[name]
	if !ok {
		return "", ErrSecretNotFound
	}
	return v, nil
}

func (s *memSecrets) Set(_ context.Context, name SecretName, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setErr != nil {
		return s.setErr
	}
	s.values[name] = value
	return nil
}

func (s *memSecrets) Delete(_ context.Context, name SecretName) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.values[name]; !ok {
		return ErrSecretNotFound
	}
	delete(s.values, name)
	return nil
}

func (s *memSecrets) snapshot() map[SecretName]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[SecretName]string{}
	for k, v := range s.values {
		out[k] = v
	}
	return out
}

// fakeProber accepts a key at the base URLs listed for it.
type fakeProber struct {
	mu          sync.Mutex
	accepts     map[string]string // base URL -> key accepted there
	unavailable map[string]bool
	calls       []string
}

func (p *fakeProber) Probe(_ context.Context, baseURL, apiKey string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, baseURL)
	if p.unavailable[baseURL] {
		return &problem.Problem{Code: "recall.unavailable", Title: "Recall is unreachable", Message: "Couldn't reach Recall.", Cause: errors.New("dial failed")}
	}
	if p.accepts[baseURL] == apiKey {
		return nil
	}
	return &problem.Problem{Code: "recall.unauthorized", Title: "Recall refused the API key", Message: "Recall refused the key."}
}

func mapEnv(m map[string]string) LookupEnv {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

type harness struct {
	m        *Manager
	settings *memSettings
	secrets  *memSecrets
	prober   *fakeProber
}

func newHarness(env map[string]string, profile string) *harness {
	h := &harness{settings: &memSettings{}, secrets: newMemSecrets(), prober: &fakeProber{accepts: map[string]string{}}}
	h.m = New(Options{
		Env:           mapEnv(env),
		UserConfigDir: func() (string, error) { return "/home/test/.config", nil },
		Profile:       []byte(profile),
		Settings:      h.settings,
		Secrets:       h.secrets,
		Recall:        h.prober,
	})
	h.m.scryptLogN = 10 // fast encryption in tests
	return h
}

func fullInput() SetupInput {
	return SetupInput{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Tenant:       "contoso.com",
		RecallRegion: "eu-central-1",
		RecallAPIKey: testAPIKey,
	}
}

func asProblemForTest(err error) string {
	var p *problem.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}

// validateCase is one Validate check: the input, and the one field and
// message it must report ("" field = valid).
type validateCase struct {
	name    string
	in      SetupInput
	field   string
	message string
}

// runValidateCases runs the cases in parallel; match compares a message
// with the case's (exactly, or as a substring).
func runValidateCases(t *testing.T, m *Manager, tests []validateCase, match func(got, want string) bool) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := m.Validate(tc.in)
			if tc.field == "" {
				if !res.OK || len(res.Errors) != 0 {
					t.Fatalf("want valid, got %+v", res.Errors)
				}
				return
			}
			if res.OK || len(res.Errors) != 1 {
				t.Fatalf("want one error on %s, got %+v", tc.field, res)
			}
			if e := res.Errors[0]; e.Field != tc.field || !match(e.Message, tc.message) {
				t.Errorf("error = %+v\nwant field %s with %q", e, tc.field, tc.message)
			}
		})
	}
}

// wantImportRefused checks a refused import: the problem's code and "What's
// wrong" detail when wantCode is set, exactly the field errors in
// wantFields (path → part of the message), and nothing stored.
func wantImportRefused(t *testing.T, h *harness, res ImportResult, wantCode, wantDetail string, wantFields map[string]string) {
	t.Helper()
	if res.OK {
		t.Fatalf("want a refusal, got %+v", res)
	}
	if wantCode != "" {
		if res.Problem == nil || res.Problem.Code != wantCode {
			t.Fatalf("problem = %+v, errors %+v, want %s", res.Problem, res.Errors, wantCode)
		}
		if got, _ := res.Problem.Detail("What's wrong"); wantDetail != "" && got != wantDetail {
			t.Errorf("detail = %q, want %q", got, wantDetail)
		}
	}
	if len(res.Errors) != len(wantFields) {
		t.Fatalf("errors = %+v, want %v", res.Errors, wantFields)
	}
	for _, e := range res.Errors {
		if want := wantFields[e.Field]; want == "" || !strings.Contains(e.Message, want) {
			t.Errorf("error %+v, want %q", e, want)
		}
	}
	if h.settings.writes != 0 {
		t.Error("a refused import stored something")
	}
}

// loggedResolved logs r as the app does (slog JSON) and returns the
// logged "resolved" object and the whole log line.
func loggedResolved(t *testing.T, r Resolved) (entry struct {
	Resolved map[string]any `json:"resolved"`
}, logs string) {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "resolved", r)
	if err := json.Unmarshal(buf.Bytes(), &entry); err != nil {
		t.Fatal(err)
	}
	return entry, buf.String()
}
