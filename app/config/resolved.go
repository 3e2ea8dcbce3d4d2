package config

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// Resolved is the configuration the app runs with: everything needed to
// wire msauth and recall, and where each setting came from.
type Resolved struct {
	ClientID     string
	ClientSecret Secret
	Tenant       string
	Authority    string
	// GraphHost is the Microsoft Graph host whose Calendars.Read the
	// sign-in asks for: the admin's choice, else the Authority's own
	// (never empty).
	GraphHost    string
	RedirectHost string
	ResponseMode string

	RecallRegion  string // "" when a custom base URL names no known region
	RecallBaseURL string // the effective API base, e.g. https://us-east-1.recall.ai
	RecallAPIKey  Secret

	Demo       bool
	DemoReason string   // DemoForced | DemoUnconfigured | ""
	Missing    []string // fields needed to leave demo mode

	ConfigDir      string
	LogsDir        string
	KeyringService string
	LogLevel       slog.Level
	Browser        string // raw BROWSER value; "" = system default

	// Meetings defaults (issue 13). Each person may override the rule and
	// the accepted-only switch; these are where they start.
	DefaultRecordingRule string // RuleAllWithLink ... or "" (no admin default: ask the person)
	DefaultAcceptedOnly  bool
	BotName              string   // what participants see; DefaultBotName unless an admin named it
	InternalDomains      []string // lower-case, no duplicates; nil = the account's own domain

	// Background mode (issue 14).
	KeepScheduling bool
	// KeepSchedulingSet: an admin chose KeepScheduling (any source but
	// the default).
	KeepSchedulingSet bool
	ExpectedInstalls  int // installs sharing the Recall API key, 1..MaxExpectedInstalls

	// Sources maps each field name (FieldClientID ...) to its source.
	Sources map[string]Source
}

// RedirectURIHint is the redirect URI the admin registers in Entra.
func (r Resolved) RedirectURIHint() string { return redirectURIHint(r.RedirectHost) }

func redirectURIHint(host string) string {
	if host == "" {
		host = DefaultRedirectHost
	}
	return "http://" + host + "/callback"
}

// GraphHostFor is the Graph host for msauth.Config when the sign-in goes
// to authority: GraphHost at the configured Authority; "" (msauth derives
// it) anywhere else, such as demo mode's fake on loopback, whose cloud
// the configured host may not belong to.
func (r Resolved) GraphHostFor(authority string) string {
	if authority != r.Authority {
		return ""
	}
	return r.GraphHost
}

// String is safe to log: secrets show only as set / not set.
func (r Resolved) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config{demo=%t", r.Demo)
	if r.DemoReason != "" {
		fmt.Fprintf(&b, " demoReason=%s", r.DemoReason)
	}
	fmt.Fprintf(&b, " clientId=%s clientSecret=%s tenant=%s authority=%s graphHost=%s redirectHost=%s responseMode=%s",
		r.ClientID, r.ClientSecret.String(), r.Tenant, r.Authority, r.GraphHost, r.RedirectHost, r.ResponseMode)
	fmt.Fprintf(&b, " recallRegion=%s recallBaseUrl=%s recallApiKey=%s",
		r.RecallRegion, r.RecallBaseURL, r.RecallAPIKey.String())
	fmt.Fprintf(&b, " defaultRecordingRule=%s defaultAcceptedOnly=%t botName=%q internalDomains=%s",
		r.DefaultRecordingRule, r.DefaultAcceptedOnly, r.BotName, strings.Join(r.InternalDomains, ","))
	fmt.Fprintf(&b, " keepScheduling=%t expectedInstalls=%d", r.KeepScheduling, r.ExpectedInstalls)
	fmt.Fprintf(&b, " configDir=%s keyringService=%q logLevel=%s", r.ConfigDir, r.KeyringService, r.LogLevel)
	if len(r.Missing) > 0 {
		fmt.Fprintf(&b, " missing=%s", strings.Join(r.Missing, ","))
	}
	if len(r.Sources) > 0 {
		keys := make([]string, 0, len(r.Sources))
		for k := range r.Sources {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+":"+string(r.Sources[k]))
		}
		fmt.Fprintf(&b, " sources=%s", strings.Join(parts, ","))
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps %#v on the same safe path as %v.
func (r Resolved) GoString() string { return r.String() }

// Format makes every fmt verb use String, so %+v can't reach the fields.
func (r Resolved) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, r.String()) }

// LogValue gives slog a group of safe attributes.
func (r Resolved) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.Bool("demo", r.Demo),
		slog.String("demoReason", r.DemoReason),
		slog.String("clientId", r.ClientID),
		slog.String("clientSecret", r.ClientSecret.String()),
		slog.String("tenant", r.Tenant),
		slog.String("authority", r.Authority),
		slog.String("graphHost", r.GraphHost),
		slog.String("redirectHost", r.RedirectHost),
		slog.String("responseMode", r.ResponseMode),
		slog.String("recallRegion", r.RecallRegion),
		slog.String("recallBaseUrl", r.RecallBaseURL),
		slog.String("recallApiKey", r.RecallAPIKey.String()),
		slog.String("defaultRecordingRule", r.DefaultRecordingRule),
		slog.Bool("defaultAcceptedOnly", r.DefaultAcceptedOnly),
		slog.String("botName", r.BotName),
		slog.Any("internalDomains", r.InternalDomains),
		slog.Bool("keepScheduling", r.KeepScheduling),
		slog.Int("expectedInstalls", r.ExpectedInstalls),
		slog.String("configDir", r.ConfigDir),
		slog.String("keyringService", r.KeyringService),
		slog.String("logLevel", r.LogLevel.String()),
		slog.Any("missing", r.Missing),
	}
	for _, f := range fields {
		if s, ok := r.Sources[f.name]; ok {
			attrs = append(attrs, slog.String("source."+f.name, string(s)))
		}
	}
	return slog.GroupValue(attrs...)
}
