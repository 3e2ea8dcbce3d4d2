package config

import (
	"context"
	"errors"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// SecretName names a secret in the SecretStore.
type SecretName string

// The secrets configuration keeps in the keychain.
const (
	SecretMSClientSecret SecretName = "ms-client-secret"
	SecretRecallAPIKey   SecretName = "recall-api-key"
)

// ErrSecretNotFound is what a SecretStore returns when nothing is stored
// under the name. Any other error means the store itself failed.
var ErrSecretNotFound = errors.New("config: secret not found")

// SecretStore keeps secrets out of files (the lead adapts the keychain
// vault to it).
type SecretStore interface {
	Get(ctx context.Context, name SecretName) (string, error)
	Set(ctx context.Context, name SecretName, value string) error
	Delete(ctx context.Context, name SecretName) error
}

// SettingsFile persists the non-secret settings (settings.json, written
// atomically with a schema envelope by app/store).
type SettingsFile interface {
	// Read decodes the file into v; found is false when there is no file.
	Read(v any) (found bool, err error)
	Write(v any) error
}

// RecallProber makes one cheap authenticated call to Recall. The adapter
// returns a *problem.Problem with Code recall.unauthorized for 401 and
// recall.unavailable for network errors.
type RecallProber interface {
	Probe(ctx context.Context, baseURL, apiKey string) error
}

// Source says where a value came from.
type Source string

const (
	SourceEnvironment Source = "environment"
	SourceSaved       Source = "saved"
	SourceProfile     Source = "profile"
	SourceDefault     Source = "default"
)

// Demo reasons.
const (
	DemoForced       = "forced"
	DemoUnconfigured = "unconfigured"
)

// FieldView is one setting as the Setup screen shows it.
type FieldView struct {
	Value  string `json:"value"`
	Source Source `json:"source"`
	// Locked: set by the environment, so the app can't change it.
	Locked bool `json:"locked"`
}

// SecretView says whether a secret is set, never what it is.
type SecretView struct {
	Set    bool   `json:"set"`
	Source Source `json:"source"`
	Locked bool   `json:"locked"`
}

// SetupView is everything the Setup screen shows.
type SetupView struct {
	Demo       bool   `json:"demo"`
	DemoReason string `json:"demoReason"` // "forced" | "unconfigured" | ""
	// Missing lists the fields still needed to leave demo mode.
	Missing       []string   `json:"missing"`
	ClientID      FieldView  `json:"clientId"`
	ClientSecret  SecretView `json:"clientSecret"`
	Tenant        FieldView  `json:"tenant"`
	Authority     FieldView  `json:"authority"`
	GraphHost     FieldView  `json:"graphHost"` // "" from the default: the authority's own
	RedirectHost  FieldView  `json:"redirectHost"`
	ResponseMode  FieldView  `json:"responseMode"`
	RecallRegion  FieldView  `json:"recallRegion"`
	RecallBaseURL FieldView  `json:"recallBaseUrl"`
	RecallAPIKey  SecretView `json:"recallApiKey"`
	Regions       []string   `json:"regions"`
	// RedirectURIHint is what the admin registers in Entra (Web platform).
	RedirectURIHint string `json:"redirectUriHint"`

	// Meetings defaults (issue 13). Values are in SetupInput's form: a
	// rule name or "", "true"/"false", the bot name, "a.com, b.com".
	DefaultRecordingRule FieldView `json:"defaultRecordingRule"`
	DefaultAcceptedOnly  FieldView `json:"defaultAcceptedOnly"`
	BotName              FieldView `json:"botName"`
	InternalDomains      FieldView `json:"internalDomains"`
	// Background mode (issue 14): "true"/"false", and a whole number.
	KeepScheduling   FieldView `json:"keepScheduling"`
	ExpectedInstalls FieldView `json:"expectedInstalls"`
	// RecordingRules lists the rule names the form offers.
	RecordingRules []string `json:"recordingRules"`
}

// SetupInput is what the Setup screen submits. An empty secret keeps the
// stored one; other empty fields fall back to lower sources or defaults.
type SetupInput struct {
	ClientID      string `json:"clientId"`
	ClientSecret  string `json:"clientSecret"`
	Tenant        string `json:"tenant"`
	Authority     string `json:"authority"`
	GraphHost     string `json:"graphHost"` // "" = the authority's own Graph host
	RedirectHost  string `json:"redirectHost"`
	ResponseMode  string `json:"responseMode"`
	RecallRegion  string `json:"recallRegion"`
	RecallBaseURL string `json:"recallBaseUrl"`
	RecallAPIKey  string `json:"recallApiKey"`

	// DefaultRecordingRule is a rule name (RuleAllWithLink ...) or "" for
	// no admin default (each person is asked).
	DefaultRecordingRule string `json:"defaultRecordingRule"`
	// DefaultAcceptedOnly and KeepScheduling are "true", "false" or "".
	DefaultAcceptedOnly string `json:"defaultAcceptedOnly"`
	BotName             string `json:"botName"`
	// InternalDomains separates domains with commas.
	InternalDomains  string `json:"internalDomains"`
	KeepScheduling   string `json:"keepScheduling"`
	ExpectedInstalls string `json:"expectedInstalls"`
}

// FieldError is a validation message for one field. Field uses the
// SetupInput JSON names, or setup-file paths (microsoft.clientSecret) on
// import.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationResult is the outcome of Validate.
type ValidationResult struct {
	OK     bool         `json:"ok"`
	Errors []FieldError `json:"errors"`
}

// TestResult is the outcome of a Test button.
type TestResult struct {
	OK      bool             `json:"ok"`
	Message string           `json:"message"`
	Problem *problem.Problem `json:"problem,omitempty"`
}

// SaveResult is the outcome of Save: the view is present when it saved.
type SaveResult struct {
	Validation ValidationResult `json:"validation"`
	View       *SetupView       `json:"view,omitempty"`
}

// ImportResult is the outcome of importing a setup file.
type ImportResult struct {
	OK              bool             `json:"ok"`
	NeedsPassphrase bool             `json:"needsPassphrase"`
	Errors          []FieldError     `json:"errors"`
	Warnings        []string         `json:"warnings"`
	Problem         *problem.Problem `json:"problem,omitempty"`
	View            *SetupView       `json:"view,omitempty"`
}

// ExportOptions chooses what an exported setup file holds.
type ExportOptions struct {
	IncludeSecrets bool   `json:"includeSecrets"`
	Passphrase     string `json:"passphrase"`
	// AllowPlaintextSecrets must be set to export secrets without a
	// passphrase.
	AllowPlaintextSecrets bool `json:"allowPlaintextSecrets"`
}
