package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Environment variable names. They are part of the product's interface
// (see the Configuration table in the design and the README).
const (
	EnvClientID       = "OUTLOOK_CONNECT_MS_CLIENT_ID"
	EnvClientSecret   = "OUTLOOK_CONNECT_MS_CLIENT_SECRET"
	EnvTenant         = "OUTLOOK_CONNECT_MS_TENANT"
	EnvAuthority      = "OUTLOOK_CONNECT_MS_AUTHORITY"
	EnvGraphHost      = "OUTLOOK_CONNECT_MS_GRAPH_HOST" // addition: US Government L5 (DoD)
	EnvRedirectHost   = "OUTLOOK_CONNECT_MS_REDIRECT_HOST"
	EnvResponseMode   = "OUTLOOK_CONNECT_MS_RESPONSE_MODE" // addition to the design's table
	EnvRecallAPIKey   = "OUTLOOK_CONNECT_RECALL_API_KEY"
	EnvRecallRegion   = "OUTLOOK_CONNECT_RECALL_REGION"
	EnvRecallBaseURL  = "OUTLOOK_CONNECT_RECALL_BASE_URL"
	EnvDemo           = "OUTLOOK_CONNECT_DEMO"
	EnvConfigDir      = "OUTLOOK_CONNECT_CONFIG_DIR"
	EnvKeyringService = "OUTLOOK_CONNECT_KEYRING_SERVICE"
	EnvLogLevel       = "OUTLOOK_CONNECT_LOG_LEVEL"
	EnvBrowser        = "BROWSER"
)

// Meetings and background settings (issues 13 and 14), each also a
// setup-file key and a Setup field.
const (
	EnvRecordingRule      = "OUTLOOK_CONNECT_RECORDING_RULE"
	EnvRecordAcceptedOnly = "OUTLOOK_CONNECT_RECORD_ACCEPTED_ONLY"
	EnvBotName            = "OUTLOOK_CONNECT_BOT_NAME"
	EnvInternalDomains    = "OUTLOOK_CONNECT_INTERNAL_DOMAINS"
	EnvKeepScheduling     = "OUTLOOK_CONNECT_KEEP_SCHEDULING"
	EnvExpectedInstalls   = "OUTLOOK_CONNECT_EXPECTED_INSTALLS"
)

// Defaults for settings nobody set.
const (
	DefaultTenant         = "common"
	DefaultAuthority      = "https://login.microsoftonline.com"
	DefaultRedirectHost   = "localhost"
	DefaultResponseMode   = "form_post"
	DefaultRecallRegion   = "us-east-1"
	DefaultKeyringService = "Outlook Connect"
	appDirName            = "outlook-connect"
	logsDirName           = "logs"
)

// LookupEnv reads one environment variable; os.LookupEnv in production, a
// map in tests (so tests need no t.Setenv and can run in parallel).
type LookupEnv func(name string) (string, bool)

// envValue returns the trimmed value of an environment variable; an empty
// value counts as unset, as most tools treat it.
func envValue(lookup LookupEnv, name string) string {
	if lookup == nil {
		return ""
	}
	v, ok := lookup(name)
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}

// Basics are the settings needed before anything else can start: where
// files live, the keychain namespace, the log level and the browser.
// They come only from the environment (or their defaults).
type Basics struct {
	ConfigDir      string
	LogsDir        string
	KeyringService string
	LogLevel       slog.Level
	// Browser is the raw BROWSER value ("" means the system default).
	Browser string
}

// ResolveBasics reads the Basics from the environment. An invalid value
// yields a *problem.Problem naming the variable. userConfigDir is
// os.UserConfigDir when nil.
func ResolveBasics(lookup LookupEnv, userConfigDir func() (string, error)) (Basics, error) {
	var b Basics
	var bad []problem.Detail

	if dir := envValue(lookup, EnvConfigDir); dir != "" {
		if !filepath.IsAbs(dir) {
			bad = append(bad, problem.Detail{Label: EnvConfigDir, Value: "Use a full folder path (for example /home/you/.config/outlook-connect)."})
		} else {
			b.ConfigDir = filepath.Clean(dir)
		}
	} else {
		if userConfigDir == nil {
			userConfigDir = os.UserConfigDir
		}
		base, err := userConfigDir()
		if err != nil {
			return Basics{}, &problem.Problem{
				Code:     "config.no_config_dir",
				Title:    "No place to keep settings",
				Message:  "Outlook Connect couldn't find your user settings folder.",
				NextStep: "Ask IT to set " + EnvConfigDir + " to a folder you can write to.",
				Details:  []problem.Detail{{Label: "Variable", Value: EnvConfigDir}},
				ForAdmin: true,
				Cause:    err,
			}
		}
		b.ConfigDir = filepath.Join(base, appDirName)
	}
	if b.ConfigDir != "" {
		b.LogsDir = filepath.Join(b.ConfigDir, logsDirName)
	}

	b.KeyringService = DefaultKeyringService
	if svc := envValue(lookup, EnvKeyringService); svc != "" {
		if msg := checkKeyringService(svc); msg != "" {
			bad = append(bad, problem.Detail{Label: EnvKeyringService, Value: msg})
		} else {
			b.KeyringService = svc
		}
	}

	b.LogLevel = slog.LevelInfo
	if lvl := envValue(lookup, EnvLogLevel); lvl != "" {
		parsed, err := ParseLogLevel(lvl)
		if err != nil {
			bad = append(bad, problem.Detail{Label: EnvLogLevel, Value: "Use debug, info, warn or error."})
		} else {
			b.LogLevel = parsed
		}
	}

	b.Browser = envValue(lookup, EnvBrowser)

	if len(bad) > 0 {
		return Basics{}, invalidEnvironment(bad)
	}
	return b, nil
}

var errUnknownLogLevel = errors.New("unknown log level")

// ParseLogLevel accepts debug, info, warn (or warning) and error.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, errUnknownLogLevel
}

func checkKeyringService(s string) string {
	if len(s) > 100 {
		return "Use a name of at most 100 characters."
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "Use a name without control characters."
		}
	}
	return ""
}

// demoForced interprets OUTLOOK_CONNECT_DEMO: "1" (or "true") forces demo
// mode; "0", "false" or unset do not; anything else is reported.
func demoForced(lookup LookupEnv) (bool, *problem.Detail) {
	switch strings.ToLower(envValue(lookup, EnvDemo)) {
	case "":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, &problem.Detail{Label: EnvDemo, Value: "Use 1 to run in demo mode, or leave it unset."}
}

// invalidEnvironment is the error card for environment variables with
// values the app can't use: it names each variable and says what to use.
func invalidEnvironment(details []problem.Detail) *problem.Problem {
	names := make([]string, 0, len(details))
	for _, d := range details {
		names = append(names, d.Label)
	}
	return &problem.Problem{
		Code:     "config.invalid_environment",
		Title:    "A setting on this computer isn't valid",
		Message:  "Outlook Connect is set up through environment variables, and these have values it can't use: " + strings.Join(names, ", ") + ".",
		NextStep: "Ask IT to correct or remove the variables listed in the details, then restart Outlook Connect.",
		Details:  details,
		ForAdmin: true,
	}
}
