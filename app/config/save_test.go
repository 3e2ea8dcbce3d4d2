package config

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestSaveKeepsSecretsOutOfTheSettingsFile(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	ctx := context.Background()
	in := fullInput()
	in.Authority = "https://login.microsoftonline.us/"
	res, err := h.m.Save(ctx, in)
	if err != nil || !res.Validation.OK || res.View == nil {
		t.Fatalf("Save = %+v, %v", res, err)
	}
	raw := h.settings.raw()
	if strings.Contains(raw, testClientSecret) || strings.Contains(raw, testAPIKey) {
		t.Fatalf("settings file holds a secret: %s", raw)
	}
	want := map[SecretName]string{SecretMSClientSecret: testClientSecret, SecretRecallAPIKey: testAPIKey}
	if got := h.secrets.snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("secrets = %v", got)
	}
	v := res.View
	if v.Demo || v.ClientID.Value != testClientID || v.ClientID.Source != SourceSaved || v.ClientID.Locked {
		t.Errorf("view = %+v", v)
	}
	if v.Authority.Value != "https://login.microsoftonline.us" {
		t.Errorf("authority not normalised: %q", v.Authority.Value)
	}
	if !v.ClientSecret.Set || v.ClientSecret.Source != SourceSaved || !v.RecallAPIKey.Set {
		t.Errorf("secret views = %+v %+v", v.ClientSecret, v.RecallAPIKey)
	}
	if v.RecallRegion.Value != "eu-central-1" || v.RedirectHost.Source != SourceDefault || v.RedirectURIHint != "http://localhost/callback" {
		t.Errorf("view = %+v", v)
	}
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), testClientSecret) || strings.Contains(string(b), testAPIKey) {
		t.Fatalf("view JSON holds a secret: %s", b)
	}

	// An empty secret keeps the stored one; other fields are replaced.
	res, err = h.m.Save(ctx, SetupInput{ClientID: testClientID, RedirectHost: "127.0.0.1"})
	if err != nil || !res.Validation.OK {
		t.Fatalf("second Save = %+v, %v", res, err)
	}
	if got := h.secrets.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("empty secrets changed the store: %v", got)
	}
	if res.View.Tenant.Value != "common" || res.View.Tenant.Source != SourceDefault || res.View.RedirectURIHint != "http://127.0.0.1/callback" {
		t.Errorf("view after second save = %+v", res.View)
	}
}

func TestSaveRejectsInvalidInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	in := fullInput()
	in.ClientSecret = "0f0f0f0f-1111-2222-3333-444444444444"
	res, err := h.m.Save(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Validation.OK || res.View != nil || len(res.Validation.Errors) != 1 || res.Validation.Errors[0].Field != FieldClientSecret {
		t.Fatalf("result = %+v", res)
	}
	if h.settings.writes != 0 || len(h.secrets.snapshot()) != 0 {
		t.Error("something was stored")
	}
}

func TestSaveLeavesEnvironmentLockedFieldsAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvTenant: "contoso.com", EnvRecallAPIKey: testAPIKey, EnvRecallBaseURL: "https://recall.example.com"}, "")
	ctx := context.Background()
	saveOrFail(t, h, SetupInput{ClientID: testClientID, Tenant: "fabrikam.com", RecallAPIKey: otherAPIKey, RecallRegion: "us-west-2"})
	if strings.Contains(h.settings.raw(), "fabrikam") || strings.Contains(h.settings.raw(), "us-west-2") {
		t.Errorf("a locked field was saved: %s", h.settings.raw())
	}
	if _, ok := h.secrets.snapshot()[SecretRecallAPIKey]; ok {
		t.Error("a locked secret was stored")
	}
	v, err := h.m.View(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Tenant != (FieldView{Value: "contoso.com", Source: SourceEnvironment, Locked: true}) {
		t.Errorf("tenant view = %+v", v.Tenant)
	}
	if v.RecallAPIKey != (SecretView{Set: true, Source: SourceEnvironment, Locked: true}) {
		t.Errorf("api key view = %+v", v.RecallAPIKey)
	}
	if !v.RecallRegion.Locked || v.RecallBaseURL.Value != "https://recall.example.com" {
		t.Errorf("recall views = %+v %+v", v.RecallRegion, v.RecallBaseURL)
	}
	if !reflect.DeepEqual(v.Missing, []string{FieldClientSecret}) || v.DemoReason != DemoUnconfigured {
		t.Errorf("missing = %v reason %q", v.Missing, v.DemoReason)
	}
}

func TestSaveRestoresSecretsWhenTheSettingsFileFails(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	saveOrFail(t, h, fullInput())
	before := h.secrets.snapshot()
	h.settings.writeErr = errors.New("disk full")
	in := fullInput()
	in.ClientSecret, in.RecallAPIKey = otherSecret, otherAPIKey
	_, err := h.m.Save(context.Background(), in)
	if p := problem.From(err); p.Code != "config.save_failed" {
		t.Fatalf("err = %v", err)
	}
	if got := h.secrets.snapshot(); !reflect.DeepEqual(got, before) {
		t.Errorf("secrets after failed save = %v, want the old ones", got)
	}

	h = newHarness(nil, "")
	h.settings.writeErr = errors.New("disk full")
	if _, err := h.m.Save(context.Background(), fullInput()); err == nil {
		t.Fatal("want an error")
	}
	if got := h.secrets.snapshot(); len(got) != 0 {
		t.Errorf("new secrets left behind: %v", got)
	}
}

func TestResetForgetsSavedSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, fullProfile)
	ctx := context.Background()
	saveOrFail(t, h, fullInput())
	if err := h.m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.secrets.snapshot()) != 0 {
		t.Error("secrets remain after Reset")
	}
	r, err := h.m.Resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Demo || r.Sources[FieldClientID] != SourceProfile {
		t.Errorf("after reset, want the profile: %v", r)
	}
	// Reset twice is fine, and without a profile the app is back in demo mode.
	h = newHarness(nil, "")
	saveOrFail(t, h, fullInput())
	if err := h.m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Reset(ctx); err != nil {
		t.Fatalf("second Reset: %v", err)
	}
	if r, _ := h.m.Resolve(ctx); !r.Demo || r.DemoReason != DemoUnconfigured {
		t.Errorf("want demo mode after reset, got %v", r)
	}
}

func TestViewJSONShape(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	v, err := h.m.View(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"demo", "demoReason", "missing", "clientId", "clientSecret", "tenant", "authority", "redirectHost", "responseMode", "recallRegion", "recallBaseUrl", "recallApiKey", "regions", "redirectUriHint"} {
		if _, ok := got[key]; !ok {
			t.Errorf("view JSON lacks %q: %s", key, b)
		}
	}
	if cs := got["clientSecret"].(map[string]any); len(cs) != 3 || cs["set"] != false {
		t.Errorf("clientSecret = %v", cs)
	}
	if !reflect.DeepEqual(v.Regions, Regions) {
		t.Errorf("regions = %v", v.Regions)
	}
}
