package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// adminField describes one meetings/background setting for the table
// tests: a value for each source and how Resolved carries it.
type adminField struct {
	field string
	env   string // variable and raw value...
	envV  string
	envN  string // ...as Resolved reports it (SetupInput form)
	saved string // SetupInput value and its normal form
	savN  string
	prof  string // profile JSON fragment and its normal form
	profN string
	def   string // the default, in SetupInput form
	get   func(Resolved) string
}

var adminFields = []adminField{
	{
		field: FieldDefaultRecordingRule, env: EnvRecordingRule, envV: " External ", envN: "external",
		saved: "Organized", savN: "organised",
		prof: `"meetings":{"defaultRule":"all_with_link"}`, profN: "all_with_link",
		def: "", get: func(r Resolved) string { return r.DefaultRecordingRule },
	},
	{
		field: FieldDefaultAcceptedOnly, env: EnvRecordAcceptedOnly, envV: "YES", envN: "true",
		saved: "false", savN: "false",
		prof: `"meetings":{"acceptedOnly":true}`, profN: "true",
		def: "false", get: func(r Resolved) string { return strconv.FormatBool(r.DefaultAcceptedOnly) },
	},
	{
		field: FieldBotName, env: EnvBotName, envV: "  Contoso Recorder ", envN: "Contoso Recorder",
		saved: "Notetaker für Contoso ✍", savN: "Notetaker für Contoso ✍",
		prof: `"meetings":{"botName":"Profile Bot"}`, profN: "Profile Bot",
		def: DefaultBotName, get: func(r Resolved) string { return r.BotName },
	},
	{
		field: FieldInternalDomains, env: EnvInternalDomains, envV: "Contoso.com,fabrikam.COM;contoso.com", envN: "contoso.com, fabrikam.com",
		saved: "@northwind.example  eu.northwind.example.", savN: "northwind.example, eu.northwind.example",
		prof: `"meetings":{"internalDomains":["tailspin.example","TAILSPIN.example"]}`, profN: "tailspin.example",
		def: "", get: func(r Resolved) string { return strings.Join(r.InternalDomains, ", ") },
	},
	{
		field: FieldKeepScheduling, env: EnvKeepScheduling, envV: "off", envN: "false",
		saved: "TRUE", savN: "true",
		prof: `"background":{"keepScheduling":false}`, profN: "false",
		def: "true", get: func(r Resolved) string { return strconv.FormatBool(r.KeepScheduling) },
	},
	{
		field: FieldExpectedInstalls, env: EnvExpectedInstalls, envV: "1200", envN: "1200",
		saved: "0040", savN: "40",
		prof: `"background":{"expectedInstalls":5000}`, profN: "5000",
		def: "250", get: func(r Resolved) string { return strconv.Itoa(r.ExpectedInstalls) },
	},
}

func profileWith(fragment string) string {
	return `{"format":"outlook-connect-setup","version":2,` + fragment + `}`
}

// Each new setting follows the precedence environment → saved → profile →
// default, reports its source, and is locked only by the environment.
func TestAdminSettingsPrecedenceAndLocks(t *testing.T) {
	t.Parallel()
	for _, af := range adminFields {
		t.Run(af.field, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			check := func(stage string, h *harness, want string, src Source) {
				t.Helper()
				r, err := h.m.Resolve(ctx)
				if err != nil {
					t.Fatalf("%s: Resolve: %v", stage, err)
				}
				if got := af.get(r); got != want || r.Sources[af.field] != src {
					t.Errorf("%s: Resolved = %q from %s, want %q from %s", stage, got, r.Sources[af.field], want, src)
				}
				v, err := h.m.View(ctx)
				if err != nil {
					t.Fatalf("%s: View: %v", stage, err)
				}
				fv := viewField(v, af.field)
				if fv != (FieldView{Value: want, Source: src, Locked: src == SourceEnvironment}) {
					t.Errorf("%s: view = %+v, want %q from %s", stage, fv, want, src)
				}
			}

			h := newHarness(nil, "")
			check("default", h, af.def, SourceDefault)

			h = newHarness(nil, profileWith(af.prof))
			check("profile", h, af.profN, SourceProfile)

			in := SetupInput{}
			*inputField(&in, af.field) = af.saved
			saveOrFail(t, h, in)
			check("saved over profile", h, af.savN, SourceSaved)
			if got := savedValue(t, h, af.field); got != af.savN {
				t.Errorf("settings.json holds %q, want %q", got, af.savN)
			}

			// The environment wins, locks the field, and Save leaves the
			// saved value alone.
			env := newHarness(map[string]string{af.env: af.envV}, profileWith(af.prof))
			env.settings.data = []byte(h.settings.raw())
			check("environment over saved", env, af.envN, SourceEnvironment)
			saveOrFail(t, env, SetupInput{})
			if got := savedValue(t, env, af.field); got != af.savN {
				t.Errorf("Save changed a field the environment locks: settings.json holds %q, want %q", got, af.savN)
			}

			// Clearing the field in Setup falls back to the profile.
			saveOrFail(t, h, SetupInput{})
			check("cleared", h, af.profN, SourceProfile)
		})
	}
}

func viewField(v SetupView, name string) FieldView {
	switch name {
	case FieldDefaultRecordingRule:
		return v.DefaultRecordingRule
	case FieldDefaultAcceptedOnly:
		return v.DefaultAcceptedOnly
	case FieldBotName:
		return v.BotName
	case FieldInternalDomains:
		return v.InternalDomains
	case FieldKeepScheduling:
		return v.KeepScheduling
	case FieldExpectedInstalls:
		return v.ExpectedInstalls
	}
	panic("no view field " + name)
}

func savedValue(t *testing.T, h *harness, name string) string {
	t.Helper()
	var s savedSettings
	if _, err := h.settings.Read(&s); err != nil {
		t.Fatal(err)
	}
	return s.toMap()[name]
}

func TestAdminSettingsDefaultsInResolved(t *testing.T) {
	t.Parallel()
	r, err := newHarness(nil, "").m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.DefaultRecordingRule != "" || r.DefaultAcceptedOnly || r.BotName != "Meeting Notetaker" || r.InternalDomains != nil ||
		!r.KeepScheduling || r.KeepSchedulingSet || r.ExpectedInstalls != 250 {
		t.Errorf("defaults = %v", r)
	}
	// KeepSchedulingSet says an admin chose, even when they chose the
	// default value.
	r, err = newHarness(map[string]string{EnvKeepScheduling: "true"}, "").m.Resolve(context.Background())
	if err != nil || !r.KeepScheduling || !r.KeepSchedulingSet {
		t.Errorf("env true: keep=%t set=%t err=%v", r.KeepScheduling, r.KeepSchedulingSet, err)
	}
	r, err = newHarness(nil, profileWith(`"background":{"keepScheduling":false}`)).m.Resolve(context.Background())
	if err != nil || r.KeepScheduling || !r.KeepSchedulingSet {
		t.Errorf("profile false: keep=%t set=%t err=%v", r.KeepScheduling, r.KeepSchedulingSet, err)
	}
	if !reflect.DeepEqual(RecordingRules, []string{RuleAllWithLink, RuleExternal, RuleOrganised, RuleNone}) ||
		RuleAllWithLink != "all_with_link" || RuleExternal != "external" || RuleOrganised != "organised" || RuleNone != "none" {
		t.Errorf("rule names changed: %v", RecordingRules)
	}
}

// settings.json keeps booleans, numbers and lists as JSON types, so IT can
// read it, and an old settings.json without them still loads.
func TestSavedAdminSettingsShape(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	saveOrFail(t, h, SetupInput{DefaultAcceptedOnly: "true", InternalDomains: "a.example, b.example", KeepScheduling: "false", ExpectedInstalls: "900", BotName: "Bot"})
	var raw map[string]any
	if err := json.Unmarshal([]byte(h.settings.raw()), &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"defaultAcceptedOnly": true, "keepScheduling": false, "expectedInstalls": float64(900),
		"internalDomains": []any{"a.example", "b.example"}, "botName": "Bot",
	}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("settings.json = %s", h.settings.raw())
	}

	old := newHarness(nil, "")
	old.settings.data = []byte(`{"clientId":"` + testClientID + `","tenant":"contoso.com"}`)
	r, err := old.m.Resolve(context.Background())
	if err != nil || r.ClientID != testClientID || r.BotName != DefaultBotName || r.ExpectedInstalls != DefaultExpectedInstalls {
		t.Errorf("old settings.json: %v, %v", r, err)
	}

	// A hand-edited value out of range is named on the error card, and
	// Setup can still show it to be corrected.
	bad := newHarness(nil, "")
	bad.settings.data = []byte(`{"expectedInstalls":0,"internalDomains":["not a domain"]}`)
	_, err = bad.m.Resolve(context.Background())
	p := problem.From(err)
	if p == nil || p.Code != "config.invalid_saved_settings" {
		t.Fatalf("err = %v", err)
	}
	for _, label := range []string{"expected number of installs", "list of internal email domains"} {
		if _, ok := p.Detail(label); !ok {
			t.Errorf("details don't name %q: %+v", label, p.Details)
		}
	}
	v, err := bad.m.View(context.Background())
	if err != nil || v.ExpectedInstalls.Value != "0" || v.InternalDomains.Value != "not a domain" {
		t.Errorf("view = %+v %+v, %v", v.ExpectedInstalls, v.InternalDomains, err)
	}
}

func TestAdminSettingsInvalidEnvironmentIsNamed(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		EnvRecordingRule:      "everything",
		EnvRecordAcceptedOnly: "sometimes",
		EnvBotName:            "Bot\nName",
		EnvInternalDomains:    "contoso.com, sam@contoso.com",
		EnvKeepScheduling:     "2",
		EnvExpectedInstalls:   "100001",
	}
	_, err := newHarness(env, "").m.Resolve(context.Background())
	p := problem.From(err)
	if p == nil || p.Code != "config.invalid_environment" {
		t.Fatalf("err = %v", err)
	}
	for name := range env {
		if _, ok := p.Detail(name); !ok {
			t.Errorf("details don't name %s: %+v", name, p.Details)
		}
	}
	if msg, _ := p.Detail(EnvInternalDomains); msg != "Entry 2 in the list is an email address. Enter only the part after the @, like contoso.com." {
		t.Errorf("domains detail = %q", msg)
	}
	if strings.Contains(p.DetailsText(), "sam@") || strings.Contains(p.DetailsText(), "everything") {
		t.Errorf("details repeat the values: %s", p.DetailsText())
	}
}

func TestValidateAdminSettingsMessages(t *testing.T) {
	t.Parallel()
	m := newHarness(nil, "").m
	long := strings.Repeat("é", MaxBotNameLength)
	tests := []validateCase{ // message: exact
		{"every rule", SetupInput{DefaultRecordingRule: "none"}, "", ""},
		{"rule US spelling", SetupInput{DefaultRecordingRule: "ORGANIZED"}, "", ""},
		{"unknown rule", SetupInput{DefaultRecordingRule: "all"}, FieldDefaultRecordingRule,
			"Use all_with_link (every meeting with a meeting link), external (meetings with people outside the organisation), organised (meetings the person organises) or none (nothing until the person picks a meeting)."},
		{"accepted-only words", SetupInput{DefaultAcceptedOnly: "On"}, "", ""},
		{"accepted-only junk", SetupInput{DefaultAcceptedOnly: "y"}, FieldDefaultAcceptedOnly, "Use true or false."},
		{"keep scheduling junk", SetupInput{KeepScheduling: "enabled"}, FieldKeepScheduling, "Use true or false."},
		{"bot name 100 characters", SetupInput{BotName: long}, "", ""},
		{"bot name emoji", SetupInput{BotName: "Notes 📝"}, "", ""},
		{"bot name too long", SetupInput{BotName: long + "x"}, FieldBotName,
			"Use a name of at most 100 characters (this one has 101): meeting apps cut long names short."},
		{"bot name line break", SetupInput{BotName: "Meeting\nBot"}, FieldBotName,
			"Use a name on one line, without tabs or line breaks: it is shown to everyone in the meeting."},
		{"bot name tab", SetupInput{BotName: "Meeting\tBot"}, FieldBotName,
			"Use a name on one line, without tabs or line breaks: it is shown to everyone in the meeting."},
		{"bot name right-to-left override", SetupInput{BotName: "Bot\u202Egnitaem"}, FieldBotName,
			"Use visible characters and ordinary spaces only: this name is shown to everyone in the meeting, and hidden characters could make it misleading."},
		{"bot name zero-width space", SetupInput{BotName: "Meeting\u200BBot"}, FieldBotName,
			"Use visible characters and ordinary spaces only: this name is shown to everyone in the meeting, and hidden characters could make it misleading."},
		{"bot name invalid UTF-8", SetupInput{BotName: "Bot \xff"}, FieldBotName, "Use ordinary text: this name is shown to everyone in the meeting."},
		{"domains", SetupInput{InternalDomains: "contoso.com; contoso.co.uk\neu.contoso.com"}, "", ""},
		{"one bad domain", SetupInput{InternalDomains: "contoso"}, FieldInternalDomains, "This isn't a domain name. Use names like contoso.com, separated by commas."},
		{"bad domain in a list", SetupInput{InternalDomains: "contoso.com, -bad-.com"}, FieldInternalDomains,
			"Entry 2 in the list isn't a domain name. Use names like contoso.com, separated by commas."},
		{"domain wildcard", SetupInput{InternalDomains: "*.contoso.com"}, FieldInternalDomains,
			"This has a wildcard. List each domain on its own, like contoso.com, eu.contoso.com."},
		{"domain URL", SetupInput{InternalDomains: "https://contoso.com"}, FieldInternalDomains,
			"This looks like a web address. Enter only the domain, like contoso.com."},
		{"domain email", SetupInput{InternalDomains: "sam@contoso.com"}, FieldInternalDomains,
			"This is an email address. Enter only the part after the @, like contoso.com."},
		{"domain unicode", SetupInput{InternalDomains: "bücher.de"}, FieldInternalDomains,
			"This has non-English letters. Write international domains in their xn-- form."},
		{"domain punycode", SetupInput{InternalDomains: "xn--bcher-kva.de"}, "", ""},
		{"only separators", SetupInput{InternalDomains: ", ;"}, FieldInternalDomains, "Enter at least one domain, like contoso.com, or leave this empty."},
		{"too many domains", SetupInput{InternalDomains: manyDomains(MaxInternalDomains + 1)}, FieldInternalDomains, "List at most 100 domains."},
		{"100 domains", SetupInput{InternalDomains: manyDomains(MaxInternalDomains)}, "", ""},
		{"installs 1", SetupInput{ExpectedInstalls: "1"}, "", ""},
		{"installs 100000", SetupInput{ExpectedInstalls: "100000"}, "", ""},
		{"installs 0", SetupInput{ExpectedInstalls: "0"}, FieldExpectedInstalls, "Enter a number from 1 to 100,000."},
		{"installs too many", SetupInput{ExpectedInstalls: "100001"}, FieldExpectedInstalls, "Enter a number from 1 to 100,000."},
		{"installs overflow", SetupInput{ExpectedInstalls: "99999999999999999999999"}, FieldExpectedInstalls, "Enter a number from 1 to 100,000."},
		{"installs negative", SetupInput{ExpectedInstalls: "-5"}, FieldExpectedInstalls, "Enter a whole number, like 250, without spaces or separators."},
		{"installs separator", SetupInput{ExpectedInstalls: "1,000"}, FieldExpectedInstalls, "Enter a whole number, like 250, without spaces or separators."},
		{"installs decimal", SetupInput{ExpectedInstalls: "2.5"}, FieldExpectedInstalls, "Enter a whole number, like 250, without spaces or separators."},
	}
	runValidateCases(t, m, tests, func(got, want string) bool { return got == want })
}

func manyDomains(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("d%d.example", i)
	}
	return strings.Join(parts, ",")
}

func adminInput() SetupInput {
	in := fullInput()
	in.DefaultRecordingRule = "external"
	in.DefaultAcceptedOnly = "true"
	in.BotName = "Contoso Notetaker"
	in.InternalDomains = "contoso.com, contoso.co.uk"
	in.KeepScheduling = "false"
	in.ExpectedInstalls = "1200"
	return in
}

func TestSetupFileRoundTripWithAdminSettings(t *testing.T) {
	t.Parallel()
	src := newHarness(nil, "")
	saveOrFail(t, src, adminInput())
	data, _ := exportOrFail(t, src, ExportOptions{IncludeSecrets: true, Passphrase: "correct horse battery"})

	dst := newHarness(nil, "")
	res, err := dst.m.Import(context.Background(), data, "correct horse battery")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	r, err := dst.m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Demo || r.DefaultRecordingRule != "external" || !r.DefaultAcceptedOnly || r.BotName != "Contoso Notetaker" ||
		!reflect.DeepEqual(r.InternalDomains, []string{"contoso.com", "contoso.co.uk"}) ||
		r.KeepScheduling || !r.KeepSchedulingSet || r.ExpectedInstalls != 1200 {
		t.Errorf("after round trip: %v", r)
	}
	for _, af := range adminFields {
		if r.Sources[af.field] != SourceSaved {
			t.Errorf("source of %s = %s", af.field, r.Sources[af.field])
		}
	}

	// The plaintext form: version 2, JSON types, documented keys.
	plain, _ := exportOrFail(t, src, ExportOptions{})
	var doc map[string]any
	if err := json.Unmarshal(plain, &doc); err != nil {
		t.Fatal(err)
	}
	wantMeetings := map[string]any{"defaultRule": "external", "acceptedOnly": true, "botName": "Contoso Notetaker", "internalDomains": []any{"contoso.com", "contoso.co.uk"}}
	wantBackground := map[string]any{"keepScheduling": false, "expectedInstalls": float64(1200)}
	if doc["version"] != float64(2) || !reflect.DeepEqual(doc["meetings"], wantMeetings) || !reflect.DeepEqual(doc["background"], wantBackground) {
		t.Errorf("exported file = %s", plain)
	}
}

// A file only needs version 2 when it has version 2's settings, so an
// export an older install can read stays version 1; and defaults stay out
// of the file, so importing never turns "nobody chose" into "the admin
// chose".
func TestExportLeavesDefaultsOutAndWritesTheLowestVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	saveOrFail(t, h, fullInput())
	data, _ := exportOrFail(t, h, ExportOptions{})
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != float64(1) || doc["meetings"] != nil || doc["background"] != nil {
		t.Errorf("export without admin settings = %s", data)
	}
	ms := doc["microsoft"].(map[string]any)
	if _, ok := ms["authority"]; ok {
		t.Errorf("a default went into the file: %s", data)
	}

	dst := newHarness(nil, "")
	if res, err := dst.m.Import(context.Background(), data, ""); err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	r, _ := dst.m.Resolve(context.Background())
	if r.KeepSchedulingSet || r.Sources[FieldBotName] != SourceDefault || r.Sources[FieldAuthority] != SourceDefault {
		t.Errorf("defaults became settings: %v", r)
	}

	// Values from the environment are exported in their normal form.
	env := newHarness(map[string]string{EnvKeepScheduling: "ON", EnvInternalDomains: "B.example,a.example,b.example"}, "")
	data, _ = exportOrFail(t, env, ExportOptions{})
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != float64(2) || !reflect.DeepEqual(doc["background"], map[string]any{"keepScheduling": true}) ||
		!reflect.DeepEqual(doc["meetings"], map[string]any{"internalDomains": []any{"b.example", "a.example"}}) {
		t.Errorf("export from environment = %s", data)
	}
}

func TestExportRefusesInvalidSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvExpectedInstalls: "lots"}, "")
	_, _, err := h.m.Export(context.Background(), ExportOptions{})
	p := problem.From(err)
	if p == nil || p.Code != "config.export_invalid" {
		t.Fatalf("err = %v", err)
	}
	if msg, ok := p.Detail(EnvExpectedInstalls); !ok || !strings.Contains(msg, "whole number") {
		t.Errorf("details = %+v", p.Details)
	}
}

func TestImportOldAndHandWrittenSetupFiles(t *testing.T) {
	t.Parallel()
	// A version 1 file, as the previous release exported it.
	v1 := `{
  "format": "outlook-connect-setup",
  "version": 1,
  "microsoft": {"clientId": "` + testClientID + `", "tenant": "contoso.com", "authority": "https://login.microsoftonline.com", "redirectHost": "localhost", "responseMode": "form_post"},
  "recall": {"region": "eu-central-1"}
}`
	h := newHarness(nil, "")
	res, err := h.m.Import(context.Background(), []byte(v1), "")
	if err != nil || !res.OK || res.View.ClientID.Value != testClientID || res.View.RecallRegion.Value != "eu-central-1" {
		t.Fatalf("version 1 import = %+v, %v", res, err)
	}
	if res.View.BotName != (FieldView{Value: DefaultBotName, Source: SourceDefault}) || res.View.KeepScheduling.Source != SourceDefault {
		t.Errorf("version 1 import touched the new settings: %+v %+v", res.View.BotName, res.View.KeepScheduling)
	}

	// Domains may be one comma-separated string, as in the variable.
	h = newHarness(nil, "")
	res, err = h.m.Import(context.Background(), []byte(profileWith(`"meetings":{"internalDomains":"Contoso.com, fabrikam.com"},"background":{"expectedInstalls":null}`)), "")
	if err != nil || !res.OK || res.View.InternalDomains.Value != "contoso.com, fabrikam.com" || res.View.ExpectedInstalls.Source != SourceDefault {
		t.Fatalf("string domains = %+v, %v", res, err)
	}

	tests := []struct {
		name, file, wantCode, wantDetail string
		wantFields                       map[string]string
	}{
		{name: "v1 with meetings", file: `{"format":"outlook-connect-setup","version":1,"meetings":{"botName":"Bot"}}`,
			wantCode: "config.setup_file_unrecognised", wantDetail: `The "meetings" and "background" settings need "version": 2.`},
		{name: "v1 with background", file: `{"format":"outlook-connect-setup","version":1,"background":{}}`,
			wantCode: "config.setup_file_unrecognised", wantDetail: `The "meetings" and "background" settings need "version": 2.`},
		{name: "version 0", file: `{"format":"outlook-connect-setup","version":0}`,
			wantCode: "config.setup_file_unrecognised", wantDetail: `The "version" must be a whole number from 1 to 3.`},
		{name: "newer file with keys this version doesn't know", file: `{"format":"outlook-connect-setup","version":4,"rooms":{"x":1}}`,
			wantCode: "config.setup_file_too_new"},
		{name: "misspelt key", file: profileWith(`"meetings":{"bot_name":"Bot"}`),
			wantCode: "config.setup_file_unrecognised", wantDetail: "The file has a setting this version doesn't know: bot_name."},
		{name: "boolean as text", file: profileWith(`"background":{"keepScheduling":"yes"}`),
			wantCode: "config.setup_file_unrecognised", wantDetail: "The value of background.keepScheduling has the wrong type."},
		{name: "installs as fraction", file: profileWith(`"background":{"expectedInstalls":2.5}`),
			wantCode: "config.setup_file_unrecognised", wantDetail: "The value of background.expectedInstalls has the wrong type."},
		{name: "domains as number", file: profileWith(`"meetings":{"internalDomains":42}`),
			wantCode: "config.setup_file_unrecognised", wantDetail: "The value of meetings.internalDomains has the wrong type."},
		{name: "invalid values", file: profileWith(`"meetings":{"defaultRule":"all","botName":"a\nb","internalDomains":["ok.example","nope"]},"background":{"expectedInstalls":0}`),
			wantFields: map[string]string{
				"meetings.defaultRule":        "Use all_with_link",
				"meetings.botName":            "one line",
				"meetings.internalDomains":    "Entry 2 in the list isn't a domain name.",
				"background.expectedInstalls": "from 1 to 100,000",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(nil, "")
			res, err := h.m.Import(context.Background(), []byte(tc.file), "")
			if err != nil {
				t.Fatal(err)
			}
			wantImportRefused(t, h, res, tc.wantCode, tc.wantDetail, tc.wantFields)
		})
	}
}

func TestImportWarnsAboutLockedAdminSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvBotName: "IT Recorder"}, "")
	b, _ := json.Marshal(setupFileOf(adminInput()))
	res, err := h.m.Import(context.Background(), b, "")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	want := "The assistant's name from the file isn't used, because OUTLOOK_CONNECT_BOT_NAME is set on this computer."
	if !containsString(res.Warnings, want) {
		t.Errorf("warnings = %q", res.Warnings)
	}
	if res.View.BotName != (FieldView{Value: "IT Recorder", Source: SourceEnvironment, Locked: true}) || res.View.ExpectedInstalls.Value != "1200" {
		t.Errorf("view = %+v %+v", res.View.BotName, res.View.ExpectedInstalls)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestResolvedReportsAdminSettingsWithoutSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{
		EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvRecallAPIKey: testAPIKey,
		EnvRecordingRule: "external", EnvBotName: `Contoso "Notes"`, EnvInternalDomains: "contoso.com,fabrikam.com",
		EnvKeepScheduling: "false", EnvExpectedInstalls: "1000", EnvRecordAcceptedOnly: "true",
	}, "")
	r, err := h.m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("%+v", r)
	for _, want := range []string{
		"defaultRecordingRule=external", "defaultAcceptedOnly=true", `botName="Contoso \"Notes\""`,
		"internalDomains=contoso.com,fabrikam.com", "keepScheduling=false", "expectedInstalls=1000", "botName:environment",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %s: %s", want, s)
		}
	}
	entry, logs := loggedResolved(t, r)
	want := map[string]any{
		"defaultRecordingRule": "external", "defaultAcceptedOnly": true, "botName": `Contoso "Notes"`,
		"internalDomains": []any{"contoso.com", "fabrikam.com"}, "keepScheduling": false, "expectedInstalls": float64(1000),
		"source.expectedInstalls": "environment",
	}
	for k, v := range want {
		if !reflect.DeepEqual(entry.Resolved[k], v) {
			t.Errorf("log %s = %v, want %v", k, entry.Resolved[k], v)
		}
	}
	for _, out := range []string{s, r.String(), fmt.Sprintf("%#v", r), logs} {
		for _, secret := range []string{testClientSecret, testAPIKey} {
			if strings.Contains(out, secret) {
				t.Fatalf("output leaks a secret: %s", out)
			}
		}
	}
}

func TestViewOffersTheRecordingRules(t *testing.T) {
	t.Parallel()
	v, err := newHarness(nil, "").m.View(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.RecordingRules, RecordingRules) {
		t.Errorf("rules = %v", v.RecordingRules)
	}
	b, _ := json.Marshal(v)
	for _, key := range []string{"defaultRecordingRule", "defaultAcceptedOnly", "botName", "internalDomains", "keepScheduling", "expectedInstalls", "recordingRules"} {
		if !bytes.Contains(b, []byte(`"`+key+`":`)) {
			t.Errorf("view JSON lacks %q: %s", key, b)
		}
	}
}
