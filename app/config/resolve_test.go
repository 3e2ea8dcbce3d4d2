package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

const fullProfile = `{"format":"outlook-connect-setup","version":1,
 "microsoft":{"clientId":"99999999-8888-7777-6666-555555555555","clientSecret":"Prof8Q~profile-secret-value~0001","tenant":"organizations"},
 "recall":{"region":"us-west-2","apiKey":"profileprofileprofileprofile0001"}}`

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	fullEnv := map[string]string{
		EnvClientID:     "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		EnvClientSecret: "Env8Q~environment-secret-value~01",
		EnvRecallAPIKey: "envenvenvenvenvenvenvenvenvenv01",
		EnvTenant:       "common",
		EnvRecallRegion: "ap-northeast-1",
	}
	tests := []struct {
		name        string
		env         map[string]string
		profile     string
		saved       *SetupInput
		wantDemo    string // DemoReason, "" = configured
		wantMissing []string
		wantClient  string
		wantSecret  string
		wantTenant  string
		wantRegion  string
		wantBase    string
		wantSources map[string]Source
	}{
		{
			name:        "nothing selects demo mode",
			wantDemo:    DemoUnconfigured,
			wantMissing: []string{FieldClientID, FieldClientSecret, FieldRecallAPIKey},
			wantTenant:  "common",
			wantRegion:  "us-east-1",
			wantBase:    "https://us-east-1.recall.ai",
			wantSources: map[string]Source{FieldClientID: SourceDefault, FieldTenant: SourceDefault, FieldRecallRegion: SourceDefault, FieldRecallAPIKey: SourceDefault},
		},
		{
			name:        "profile alone configures the app",
			profile:     fullProfile,
			wantClient:  "99999999-8888-7777-6666-555555555555",
			wantSecret:  "Prof8Q~profile-secret-value~0001",
			wantTenant:  "organizations",
			wantRegion:  "us-west-2",
			wantBase:    "https://us-west-2.recall.ai",
			wantSources: map[string]Source{FieldClientID: SourceProfile, FieldClientSecret: SourceProfile, FieldTenant: SourceProfile, FieldAuthority: SourceDefault, FieldRecallRegion: SourceProfile},
		},
		{
			name:        "saved settings beat the profile",
			profile:     fullProfile,
			saved:       &SetupInput{ClientID: testClientID, ClientSecret: testClientSecret, RecallRegion: "eu-central-1"},
			wantClient:  testClientID,
			wantSecret:  testClientSecret,
			wantTenant:  "organizations",
			wantRegion:  "eu-central-1",
			wantBase:    "https://eu-central-1.recall.ai",
			wantSources: map[string]Source{FieldClientID: SourceSaved, FieldClientSecret: SourceSaved, FieldTenant: SourceProfile, FieldRecallRegion: SourceSaved, FieldRecallAPIKey: SourceProfile},
		},
		{
			name:        "environment beats saved settings",
			env:         fullEnv,
			profile:     fullProfile,
			saved:       &SetupInput{ClientID: testClientID, ClientSecret: testClientSecret, RecallAPIKey: testAPIKey, Tenant: "contoso.com", RecallBaseURL: "https://recall.example.com"},
			wantClient:  "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			wantSecret:  "Env8Q~environment-secret-value~01",
			wantTenant:  "common",
			wantRegion:  "ap-northeast-1",
			wantBase:    "https://ap-northeast-1.recall.ai", // a lower source's base URL doesn't override the env region
			wantSources: map[string]Source{FieldClientID: SourceEnvironment, FieldClientSecret: SourceEnvironment, FieldRecallAPIKey: SourceEnvironment, FieldTenant: SourceEnvironment, FieldRecallRegion: SourceEnvironment, FieldRecallBaseURL: SourceEnvironment},
		},
		{
			name:       "demo forced even when configured",
			env:        map[string]string{EnvDemo: "1"},
			profile:    fullProfile,
			wantDemo:   DemoForced,
			wantClient: "99999999-8888-7777-6666-555555555555",
			wantSecret: "Prof8Q~profile-secret-value~0001",
			wantTenant: "organizations",
			wantRegion: "us-west-2",
			wantBase:   "https://us-west-2.recall.ai",
		},
		{
			name:        "partial configuration is reported",
			saved:       &SetupInput{ClientID: testClientID},
			wantDemo:    DemoUnconfigured,
			wantMissing: []string{FieldClientSecret, FieldRecallAPIKey},
			wantClient:  testClientID,
			wantTenant:  "common",
			wantRegion:  "us-east-1",
			wantBase:    "https://us-east-1.recall.ai",
		},
		{
			name:       "saved base URL of a region reports that region",
			saved:      &SetupInput{ClientID: testClientID, ClientSecret: testClientSecret, RecallAPIKey: testAPIKey, RecallBaseURL: "https://EU-central-1.recall.ai/"},
			wantClient: testClientID,
			wantSecret: testClientSecret,
			wantTenant: "common",
			wantRegion: "eu-central-1",
			wantBase:   "https://eu-central-1.recall.ai",
		},
		{
			name:       "env base URL overrides the region",
			env:        map[string]string{EnvRecallBaseURL: "http://127.0.0.1:8080", EnvRecallRegion: "us-west-2"},
			profile:    fullProfile,
			wantClient: "99999999-8888-7777-6666-555555555555",
			wantSecret: "Prof8Q~profile-secret-value~0001",
			wantTenant: "organizations",
			wantRegion: "us-west-2",
			wantBase:   "http://127.0.0.1:8080",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(tc.env, tc.profile)
			ctx := context.Background()
			if tc.saved != nil {
				saveOrFail(t, h, *tc.saved)
			}
			r, err := h.m.Resolve(ctx)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.DemoReason != tc.wantDemo || r.Demo != (tc.wantDemo != "") {
				t.Errorf("demo = %t/%q, want reason %q", r.Demo, r.DemoReason, tc.wantDemo)
			}
			if tc.wantMissing == nil {
				tc.wantMissing = []string{}
			}
			if tc.wantDemo != DemoForced && !reflect.DeepEqual(r.Missing, tc.wantMissing) {
				t.Errorf("Missing = %v, want %v", r.Missing, tc.wantMissing)
			}
			if r.ClientID != tc.wantClient || r.ClientSecret.Reveal() != tc.wantSecret || r.Tenant != tc.wantTenant {
				t.Errorf("client = %q/%v/%q, want %q/%q/%q", r.ClientID, r.ClientSecret.IsSet(), r.Tenant, tc.wantClient, tc.wantSecret, tc.wantTenant)
			}
			if r.RecallRegion != tc.wantRegion || r.RecallBaseURL != tc.wantBase {
				t.Errorf("recall = %q %q, want %q %q", r.RecallRegion, r.RecallBaseURL, tc.wantRegion, tc.wantBase)
			}
			for f, want := range tc.wantSources {
				if got := r.Sources[f]; got != want {
					t.Errorf("source of %s = %q, want %q", f, got, want)
				}
			}
			if r.Authority != DefaultAuthority || r.RedirectHost != "localhost" || r.ResponseMode != "form_post" {
				t.Errorf("defaults = %q %q %q", r.Authority, r.RedirectHost, r.ResponseMode)
			}
			if r.ConfigDir != "/home/test/.config/outlook-connect" || r.LogsDir != "/home/test/.config/outlook-connect/logs" {
				t.Errorf("dirs = %q %q", r.ConfigDir, r.LogsDir)
			}
		})
	}
}

func saveOrFail(t *testing.T, h *harness, in SetupInput) {
	t.Helper()
	res, err := h.m.Save(context.Background(), in)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if !res.Validation.OK {
		t.Fatalf("Save rejected input: %+v", res.Validation.Errors)
	}
}

func TestResolveReportsInvalidEnvironmentByName(t *testing.T) {
	t.Parallel()
	guidSecret := "0f0f0f0f-1111-2222-3333-444444444444"
	h := newHarness(map[string]string{
		EnvTenant:       "not a tenant!",
		EnvClientSecret: guidSecret,
		EnvLogLevel:     "loud",
		EnvDemo:         "maybe",
	}, "")
	_, err := h.m.Resolve(context.Background())
	var p *problem.Problem
	if !errors.As(err, &p) || p.Code != "config.invalid_environment" {
		t.Fatalf("err = %v, want config.invalid_environment", err)
	}
	for _, name := range []string{EnvTenant, EnvClientSecret, EnvLogLevel, EnvDemo} {
		if _, ok := p.Detail(name); !ok {
			t.Errorf("details don't name %s: %+v", name, p.Details)
		}
		if !strings.Contains(p.Message, name) {
			t.Errorf("message doesn't name %s: %q", name, p.Message)
		}
	}
	if msg, _ := p.Detail(EnvClientSecret); msg != secretIDMistake {
		t.Errorf("secret detail = %q, want the secret-ID hint", msg)
	}
	b, _ := json.Marshal(p)
	if strings.Contains(string(b)+p.Error()+p.DetailsText(), guidSecret) {
		t.Error("the problem repeats the secret's value")
	}
}

func TestResolveReportsInvalidSavedAndProfile(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	// A hand-edited settings.json with a bad authority.
	h.settings.data = []byte(`{"authority":"http://login.example.com"}`)
	_, err := h.m.Resolve(context.Background())
	if p := problem.From(err); p == nil || p.Code != "config.invalid_saved_settings" {
		t.Fatalf("err = %v, want config.invalid_saved_settings", err)
	}
	if _, err := h.m.View(context.Background()); err != nil {
		t.Errorf("View must still work so Setup can fix it: %v", err)
	}

	h = newHarness(nil, `{"format":"outlook-connect-setup","version":1,"recall":{"region":"mars-1"}}`)
	_, err = h.m.Resolve(context.Background())
	p := problem.From(err)
	if p.Code != "config.invalid_profile" {
		t.Fatalf("err = %v, want config.invalid_profile", err)
	}
	if _, ok := p.Detail("recall.region"); !ok {
		t.Errorf("details don't name recall.region: %+v", p.Details)
	}

	h = newHarness(nil, `{"nope":true}`)
	if _, err := h.m.Resolve(context.Background()); problem.From(err).Code != "config.invalid_profile" {
		t.Fatalf("unparseable profile: err = %v", err)
	}
}

func TestResolveBasics(t *testing.T) {
	t.Parallel()
	userDir := func() (string, error) { return "/u/cfg", nil }
	b, err := ResolveBasics(mapEnv(nil), userDir)
	if err != nil {
		t.Fatal(err)
	}
	want := Basics{ConfigDir: "/u/cfg/outlook-connect", LogsDir: "/u/cfg/outlook-connect/logs", KeyringService: "Outlook Connect", LogLevel: slog.LevelInfo}
	if b != want {
		t.Errorf("defaults = %+v, want %+v", b, want)
	}
	b, err = ResolveBasics(mapEnv(map[string]string{
		EnvConfigDir: "/tmp/oc/", EnvKeyringService: "OC Test", EnvLogLevel: "DEBUG", EnvBrowser: "firefox",
	}), userDir)
	if err != nil {
		t.Fatal(err)
	}
	want = Basics{ConfigDir: "/tmp/oc", LogsDir: "/tmp/oc/logs", KeyringService: "OC Test", LogLevel: slog.LevelDebug, Browser: "firefox"}
	if b != want {
		t.Errorf("from env = %+v, want %+v", b, want)
	}
	_, err = ResolveBasics(mapEnv(map[string]string{EnvConfigDir: "relative/dir"}), userDir)
	if p := problem.From(err); p.Code != "config.invalid_environment" {
		t.Errorf("relative dir: err = %v", err)
	} else if _, ok := p.Detail(EnvConfigDir); !ok {
		t.Errorf("relative dir: details = %+v", p.Details)
	}
	_, err = ResolveBasics(mapEnv(nil), func() (string, error) { return "", errors.New("no home") })
	if p := problem.From(err); p.Code != "config.no_config_dir" {
		t.Errorf("no user dir: err = %v", err)
	}
}

// An app configured by the environment never needs the keychain for the
// secrets, so a locked keychain doesn't stop it.
func TestEnvironmentSecretsSkipTheKeychain(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{
		EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvRecallAPIKey: testAPIKey,
	}, "")
	h.secrets.getErr = errors.New("keychain locked")
	r, err := h.m.Resolve(context.Background())
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if r.Demo || h.secrets.gets != 0 {
		t.Errorf("demo=%t keychain reads=%d", r.Demo, h.secrets.gets)
	}

	h = newHarness(nil, "")
	h.secrets.getErr = errors.New("keychain locked")
	_, err = h.m.Resolve(context.Background())
	if p := problem.From(err); p.Code != "config.secrets_unavailable" {
		t.Errorf("locked keychain: err = %v", err)
	}
}

func TestResolvedNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvRecallAPIKey: testAPIKey}, "")
	r, err := h.m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		outputs = append(outputs, fmt.Sprintf(verb, r), fmt.Sprintf(verb, &r), fmt.Sprintf(verb, r.ClientSecret), fmt.Sprintf(verb, r.RecallAPIKey))
	}
	outputs = append(outputs, fmt.Sprint(r), fmt.Sprintln(r.ClientSecret), r.String())
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(b))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "resolved", r, "secret", r.ClientSecret)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "resolved", r, "key", r.RecallAPIKey)
	outputs = append(outputs, logs.String())
	for _, out := range outputs {
		for _, secret := range []string{testClientSecret, testAPIKey} {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Fatalf("output leaks a secret: %s", out)
			}
		}
	}
	if !strings.Contains(r.String(), "clientSecret=set") || !strings.Contains(logs.String(), `"recallApiKey":"set"`) {
		t.Errorf("redacted output should say the secret is set: %s / %s", r.String(), logs.String())
	}
	if r.ClientSecret.Reveal() != testClientSecret {
		t.Error("Reveal must return the value")
	}
	if Secret("").String() != "not set" {
		t.Error("empty secret should print as not set")
	}
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	m := newHarness(nil, "").m
	tests := []validateCase{ // message: a substring
		{"valid full input", fullInput(), "", ""},
		{"empty input is valid", SetupInput{}, "", ""},
		{"client id not a GUID", SetupInput{ClientID: "my-app"}, FieldClientID, "GUID"},
		{"secret ID instead of value", SetupInput{ClientSecret: "0f0f0f0f-1111-2222-3333-444444444444"}, FieldClientSecret, "This looks like the secret's ID. Copy the secret's Value instead (Azure portal → Certificates & secrets → Value column)."},
		{"secret with a space", SetupInput{ClientSecret: "abc def ghi jkl"}, FieldClientSecret, "spaces"},
		{"secret too short", SetupInput{ClientSecret: "abc"}, FieldClientSecret, "too short"},
		{"tenant guid", SetupInput{Tenant: "0F0F0F0F-1111-2222-3333-444444444444"}, "", ""},
		{"tenant domain", SetupInput{Tenant: "Contoso.onmicrosoft.com"}, "", ""},
		{"tenant keyword", SetupInput{Tenant: "Organizations"}, "", ""},
		{"tenant junk", SetupInput{Tenant: "contoso"}, FieldTenant, "common, organizations, consumers"},
		{"tenant with path", SetupInput{Tenant: "../etc"}, FieldTenant, "tenant ID"},
		{"unknown region", SetupInput{RecallRegion: "eu-west-1"}, FieldRecallRegion, "us-east-1, us-west-2, eu-central-1, ap-northeast-1"},
		{"authority http remote", SetupInput{Authority: "http://login.example.com"}, FieldAuthority, "https://"},
		{"authority http loopback", SetupInput{Authority: "http://127.0.0.5:9000"}, "", ""},
		{"authority http ::1", SetupInput{Authority: "http://[::1]:9000"}, "", ""},
		{"authority http localhost", SetupInput{Authority: "http://localhost:9000/"}, "", ""},
		{"authority with userinfo", SetupInput{Authority: "https://user:pw@login.example.com"}, FieldAuthority, "user name or password"},
		{"base URL with query", SetupInput{RecallBaseURL: "https://recall.example.com/?x=1"}, FieldRecallBaseURL, "after ? or #"},
		{"base URL with fragment", SetupInput{RecallBaseURL: "https://recall.example.com/#frag"}, FieldRecallBaseURL, "after ? or #"},
		{"base URL not a URL", SetupInput{RecallBaseURL: "recall.example.com"}, FieldRecallBaseURL, "https://"},
		{"base URL ftp", SetupInput{RecallBaseURL: "ftp://recall.example.com"}, FieldRecallBaseURL, "https://"},
		{"redirect host", SetupInput{RedirectHost: "example.com"}, FieldRedirectHost, "localhost or 127.0.0.1"},
		{"redirect host 127", SetupInput{RedirectHost: "127.0.0.1"}, "", ""},
		{"response mode", SetupInput{ResponseMode: "fragment"}, FieldResponseMode, "form_post"},
		{"response mode query", SetupInput{ResponseMode: "QUERY"}, "", ""},
		{"api key with Token prefix", SetupInput{RecallAPIKey: "Token " + testAPIKey}, FieldRecallAPIKey, "without the word"},
		{"api key with newline", SetupInput{RecallAPIKey: testAPIKey[:20] + "\n" + testAPIKey[20:]}, FieldRecallAPIKey, "spaces or line breaks"},
		{"api key too short", SetupInput{RecallAPIKey: "abc"}, FieldRecallAPIKey, "too short"},
		{"api key too long", SetupInput{RecallAPIKey: strings.Repeat("a", 600)}, FieldRecallAPIKey, "too long"},
	}
	runValidateCases(t, m, tests, strings.Contains)
	// Every error is reported at once.
	res := m.Validate(SetupInput{ClientID: "x", Tenant: "?", RecallRegion: "mars"})
	if len(res.Errors) != 3 {
		t.Errorf("want 3 errors, got %+v", res.Errors)
	}
	if b, _ := json.Marshal(m.Validate(SetupInput{})); !strings.Contains(string(b), `"errors":[]`) {
		t.Errorf("errors should encode as [], got %s", b)
	}
}
