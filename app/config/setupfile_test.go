package config

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func exportOrFail(t *testing.T, h *harness, opts ExportOptions) ([]byte, string) {
	t.Helper()
	data, name, err := h.m.Export(context.Background(), opts)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return data, name
}

func TestSetupFileRoundTripPlain(t *testing.T) {
	t.Parallel()
	src := newHarness(nil, "")
	src.m.now = func() time.Time { return time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) }
	saveOrFail(t, src, fullInput())
	data, name := exportOrFail(t, src, ExportOptions{})
	if name != "outlook-connect-setup-2026-03-04.json" {
		t.Errorf("name = %q", name)
	}
	if bytes.Contains(data, []byte(testClientSecret)) || bytes.Contains(data, []byte(testAPIKey)) {
		t.Fatalf("export without secrets holds a secret: %s", data)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil || doc["format"] != SetupFileFormat || doc["version"] != float64(1) {
		t.Fatalf("exported file = %s (%v)", data, err)
	}

	dst := newHarness(nil, "")
	res, err := dst.m.Import(context.Background(), data, "")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	if res.View.ClientID.Value != testClientID || res.View.Tenant.Value != "contoso.com" || res.View.RecallRegion.Value != "eu-central-1" {
		t.Errorf("imported view = %+v", res.View)
	}
	if !reflect.DeepEqual(res.View.Missing, []string{FieldClientSecret, FieldRecallAPIKey}) {
		t.Errorf("missing = %v", res.View.Missing)
	}
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "Microsoft client secret is still missing") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestSetupFileRoundTripEncrypted(t *testing.T) {
	t.Parallel()
	src := newHarness(nil, "")
	saveOrFail(t, src, fullInput())
	data, name := exportOrFail(t, src, ExportOptions{IncludeSecrets: true, Passphrase: "correct horse battery"})
	if !strings.HasSuffix(name, ".json.age") || !bytes.HasPrefix(data, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		t.Fatalf("name %q, data %.40s", name, data)
	}
	if bytes.Contains(data, []byte(testClientSecret)) || bytes.Contains(data, []byte(testClientID)) {
		t.Fatal("encrypted export holds plaintext")
	}

	dst := newHarness(nil, "")
	res, err := dst.m.Import(context.Background(), data, "")
	if err != nil || res.OK || !res.NeedsPassphrase {
		t.Fatalf("without passphrase: %+v, %v", res, err)
	}
	res, err = dst.m.Import(context.Background(), data, "correct horse battery")
	if err != nil || !res.OK || len(res.Warnings) != 0 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	want := map[SecretName]string{SecretMSClientSecret: testClientSecret, SecretRecallAPIKey: testAPIKey}
	if got := dst.secrets.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("imported secrets = %v", got)
	}
	r, err := dst.m.Resolve(context.Background())
	if err != nil || r.Demo || r.ClientID != testClientID {
		t.Errorf("after import: %v, %v", r, err)
	}
}

func TestExportRefusesPlaintextSecretsUnlessAsked(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	saveOrFail(t, h, fullInput())
	_, _, err := h.m.Export(context.Background(), ExportOptions{IncludeSecrets: true})
	if code := problemCode(err); code != "config.export_needs_passphrase" {
		t.Fatalf("err = %v", err)
	}
	_, _, err = h.m.Export(context.Background(), ExportOptions{IncludeSecrets: true, Passphrase: "short"})
	if code := problemCode(err); code != "config.export_weak_passphrase" {
		t.Fatalf("err = %v", err)
	}
	data, _ := exportOrFail(t, h, ExportOptions{IncludeSecrets: true, AllowPlaintextSecrets: true})
	if !bytes.Contains(data, []byte(testAPIKey)) {
		t.Fatal("plaintext export asked for secrets but has none")
	}
	dst := newHarness(nil, "")
	res, err := dst.m.Import(context.Background(), data, "")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "without a passphrase") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestImportEncryptedFailures(t *testing.T) {
	t.Parallel()
	src := newHarness(nil, "")
	saveOrFail(t, src, fullInput())
	data, _ := exportOrFail(t, src, ExportOptions{IncludeSecrets: true, Passphrase: "correct horse battery"})

	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	// Flip one character in the last body line: the payload, not the header.
	body := []byte(lines[len(lines)-2])
	if body[2] == 'A' {
		body[2] = 'B'
	} else {
		body[2] = 'A'
	}
	tampered := append(append(append([]string{}, lines[:len(lines)-2]...), string(body)), lines[len(lines)-1])
	truncated := lines[:len(lines)/2]

	tests := []struct {
		name, passphrase string
		data             []byte
		wantCode         string
	}{
		{"wrong passphrase", "wrong horse battery", data, "config.setup_file_wrong_passphrase"},
		{"tampered", "correct horse battery", []byte(strings.Join(tampered, "\n") + "\n"), "config.setup_file_damaged"},
		{"truncated", "correct horse battery", []byte(strings.Join(truncated, "\n") + "\n"), "config.setup_file_damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := newHarness(nil, "")
			res, err := dst.m.Import(context.Background(), tc.data, tc.passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.Problem == nil || res.Problem.Code != tc.wantCode {
				t.Fatalf("result = %+v, want %s", res, tc.wantCode)
			}
			if dst.settings.writes != 0 || len(dst.secrets.snapshot()) != 0 {
				t.Error("something was stored")
			}
		})
	}
}

func TestImportRejectsBadFilesAndStoresNothing(t *testing.T) {
	t.Parallel()
	good := func(mutate func(*setupFile)) []byte {
		sf := setupFileOf(fullInput())
		if mutate != nil {
			mutate(&sf)
		}
		b, _ := json.Marshal(sf)
		return b
	}
	tests := []struct {
		name       string
		data       []byte
		wantCode   string            // problem code, or ""
		wantFields map[string]string // field path -> message substring
	}{
		{name: "oversized", data: bytes.Repeat([]byte(" "), MaxSetupFileSize+1), wantCode: "config.setup_file_too_large"},
		{name: "not JSON", data: []byte("hello"), wantCode: "config.setup_file_unrecognised"},
		{name: "other JSON", data: []byte(`{"format":"something-else","version":1}`), wantCode: "config.setup_file_unrecognised"},
		{name: "unknown key", data: []byte(`{"format":"outlook-connect-setup","version":1,"microsoft":{"clientSecretId":"x"}}`), wantCode: "config.setup_file_unrecognised"},
		{name: "trailing data", data: append(good(nil), []byte(`{}`)...), wantCode: "config.setup_file_unrecognised"},
		{name: "newer version", data: []byte(`{"format":"outlook-connect-setup","version":4}`), wantCode: "config.setup_file_too_new"},
		{name: "one bad field", data: good(func(s *setupFile) { s.Microsoft.ClientSecret = "0f0f0f0f-1111-2222-3333-444444444444" }),
			wantFields: map[string]string{"microsoft.clientSecret": "secret's ID"}},
		{name: "several bad fields", data: good(func(s *setupFile) { s.Recall.Region = "mars-1"; s.Microsoft.Authority = "http://evil.example.com" }),
			wantFields: map[string]string{"recall.region": "Recall regions", "microsoft.authority": "https://"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(nil, "")
			res, err := h.m.Import(context.Background(), tc.data, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.View != nil {
				t.Fatalf("want failure, got %+v", res)
			}
			if tc.wantCode != "" && (res.Problem == nil || res.Problem.Code != tc.wantCode) {
				t.Fatalf("problem = %+v, want %s", res.Problem, tc.wantCode)
			}
			if len(res.Errors) != len(tc.wantFields) {
				t.Fatalf("errors = %+v, want %v", res.Errors, tc.wantFields)
			}
			for _, e := range res.Errors {
				if !strings.Contains(e.Message, tc.wantFields[e.Field]) || tc.wantFields[e.Field] == "" {
					t.Errorf("error %+v not wanted (%v)", e, tc.wantFields)
				}
			}
			if h.settings.writes != 0 || len(h.secrets.snapshot()) != 0 {
				t.Error("import is all-or-nothing, but something was stored")
			}
			b, _ := json.Marshal(res)
			if bytes.Contains(b, []byte(testAPIKey)) || bytes.Contains(b, []byte("0f0f0f0f-1111")) {
				t.Errorf("result repeats a value from the file: %s", b)
			}
		})
	}
}

func TestImportWarnsAboutLockedFields(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvTenant: "fabrikam.com"}, "")
	b, _ := json.Marshal(setupFileOf(fullInput()))
	res, err := h.m.Import(context.Background(), b, "")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || strings.Contains(w, EnvTenant)
	}
	if !found || res.View.Tenant.Value != "fabrikam.com" {
		t.Errorf("warnings = %q, tenant = %+v", res.Warnings, res.View.Tenant)
	}
}

func problemCode(err error) string {
	if err == nil {
		return ""
	}
	if p := asProblemForTest(err); p != "" {
		return p
	}
	return "not a problem: " + err.Error()
}
