package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/msauth"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

const (
	usGovAuthority = "https://login.microsoftonline.us"
	chinaAuthority = "https://login.chinacloudapi.cn"
	// dodOnGlobal is the message for the DoD host with the global
	// authority, whichever way the authority got there.
	dodOnGlobal = "dod-graph.microsoft.us is the Graph host of US Government DoD (L5), which signs in at https://login.microsoftonline.us, " +
		"but the authority is https://login.microsoftonline.com. Set the authority to https://login.microsoftonline.us, or leave the Graph host empty to use graph.microsoft.com."
)

// setupFileV3 is a version 3 setup file with the given microsoft section.
func setupFileV3(microsoft string) string {
	return `{"format":"outlook-connect-setup","version":3,"microsoft":{` + microsoft + `}}`
}

// The Graph host follows environment → saved → profile → default like
// every setting; its default is the authority's own host, which Resolved
// spells out and the Setup screen shows as empty.
func TestGraphHostPrecedenceAndLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	check := func(stage string, h *harness, wantResolved, wantView string, src Source) {
		t.Helper()
		r, err := h.m.Resolve(ctx)
		if err != nil {
			t.Fatalf("%s: Resolve: %v", stage, err)
		}
		if r.GraphHost != wantResolved || r.Sources[FieldGraphHost] != src {
			t.Errorf("%s: Resolved.GraphHost = %q from %s, want %q from %s", stage, r.GraphHost, r.Sources[FieldGraphHost], wantResolved, src)
		}
		v, err := h.m.View(ctx)
		if err != nil {
			t.Fatalf("%s: View: %v", stage, err)
		}
		if want := (FieldView{Value: wantView, Source: src, Locked: src == SourceEnvironment}); v.GraphHost != want {
			t.Errorf("%s: view = %+v, want %+v", stage, v.GraphHost, want)
		}
	}

	check("global default", newHarness(nil, ""), GraphHostGlobal, "", SourceDefault)
	check("China default", newHarness(map[string]string{EnvAuthority: chinaAuthority + "/"}, ""), GraphHostChina, "", SourceDefault)

	usGov := setupFileV3(`"authority":"` + usGovAuthority + `"`)
	check("US Government default", newHarness(nil, usGov), GraphHostUSGov, "", SourceDefault)

	profile := setupFileV3(`"authority":"` + usGovAuthority + `","graphHost":"dod-graph.microsoft.us"`)
	h := newHarness(nil, profile)
	check("profile", h, GraphHostUSDoD, GraphHostUSDoD, SourceProfile)

	saveOrFail(t, h, SetupInput{GraphHost: " Graph.Microsoft.US "})
	check("saved over profile", h, GraphHostUSGov, GraphHostUSGov, SourceSaved)
	if got := savedValue(t, h, FieldGraphHost); got != GraphHostUSGov {
		t.Errorf("settings.json holds %q", got)
	}

	// The environment wins, locks the field, and Save leaves the saved
	// value alone.
	env := newHarness(map[string]string{EnvGraphHost: "DOD-GRAPH.microsoft.us"}, profile)
	env.settings.data = []byte(h.settings.raw())
	check("environment over saved", env, GraphHostUSDoD, GraphHostUSDoD, SourceEnvironment)
	saveOrFail(t, env, SetupInput{})
	if got := savedValue(t, env, FieldGraphHost); got != GraphHostUSGov {
		t.Errorf("Save changed the locked field: settings.json holds %q", got)
	}

	saveOrFail(t, h, SetupInput{})
	check("cleared", h, GraphHostUSDoD, GraphHostUSDoD, SourceProfile)

	// settings.json from before the setting existed still loads.
	old := newHarness(nil, "")
	old.settings.data = []byte(`{"authority":"` + usGovAuthority + `"}`)
	check("old settings.json", old, GraphHostUSGov, "", SourceDefault)
}

func TestValidateGraphHost(t *testing.T) {
	t.Parallel()
	m := newHarness(nil, "").m
	known := "Use graph.microsoft.com (global), graph.microsoft.us (US Government L4), dod-graph.microsoft.us (US Government L5, DoD) " +
		"or microsoftgraph.chinacloudapi.cn (China), or leave it empty to use the authority's own."
	tests := []validateCase{
		{"empty is the authority's own", SetupInput{Authority: usGovAuthority}, "", ""},
		{"US Government authority and the DoD host", SetupInput{Authority: usGovAuthority, GraphHost: GraphHostUSDoD}, "", ""},
		{"US Government authority and its own host", SetupInput{Authority: usGovAuthority, GraphHost: GraphHostUSGov}, "", ""},
		{"upper case", SetupInput{Authority: "HTTPS://LOGIN.MICROSOFTONLINE.US/", GraphHost: "DoD-Graph.Microsoft.US"}, "", ""},
		{"China authority and the China host", SetupInput{Authority: chinaAuthority, GraphHost: GraphHostChina}, "", ""},
		{"China's older authority and the China host", SetupInput{Authority: "https://login.partner.microsoftonline.cn", GraphHost: GraphHostChina}, "", ""},
		{"global authority and its own host", SetupInput{Authority: DefaultAuthority, GraphHost: GraphHostGlobal}, "", ""},
		{"default authority and the DoD host", SetupInput{GraphHost: GraphHostUSDoD}, FieldGraphHost, dodOnGlobal},
		{"global authority and the DoD host", SetupInput{Authority: DefaultAuthority, GraphHost: GraphHostUSDoD}, FieldGraphHost, dodOnGlobal},
		{"China authority and the DoD host", SetupInput{Authority: chinaAuthority, GraphHost: GraphHostUSDoD}, FieldGraphHost,
			"dod-graph.microsoft.us is the Graph host of US Government DoD (L5), which signs in at https://login.microsoftonline.us, " +
				"but the authority is https://login.chinacloudapi.cn. Set the authority to https://login.microsoftonline.us, or leave the Graph host empty to use microsoftgraph.chinacloudapi.cn."},
		{"US Government authority and the global host", SetupInput{Authority: usGovAuthority, GraphHost: GraphHostGlobal}, FieldGraphHost,
			"graph.microsoft.com is the Graph host of Microsoft's global cloud, which signs in at https://login.microsoftonline.com, " +
				"but the authority is https://login.microsoftonline.us. Set the authority to https://login.microsoftonline.com, or leave the Graph host empty to use graph.microsoft.us."},
		{"global authority and the China host", SetupInput{GraphHost: GraphHostChina}, FieldGraphHost,
			"microsoftgraph.chinacloudapi.cn is the Graph host of Microsoft's cloud in China (operated by 21Vianet), which signs in at https://login.chinacloudapi.cn, " +
				"but the authority is https://login.microsoftonline.com. Set the authority to https://login.chinacloudapi.cn, or leave the Graph host empty to use graph.microsoft.com."},
		{"loopback authority and the DoD host", SetupInput{Authority: "http://127.0.0.1:8080", GraphHost: GraphHostUSDoD}, FieldGraphHost,
			"but the authority is http://127.0.0.1:8080."},
		{"unknown host", SetupInput{Authority: usGovAuthority, GraphHost: "graph.contoso.com"}, FieldGraphHost, known},
		{"garbage", SetupInput{GraphHost: "not a host"}, FieldGraphHost, known},
		{"a URL", SetupInput{Authority: usGovAuthority, GraphHost: "https://dod-graph.microsoft.us/"}, FieldGraphHost,
			"Enter only the host name, like dod-graph.microsoft.us, without https:// or a path."},
		{"the scope itself", SetupInput{Authority: usGovAuthority, GraphHost: "dod-graph.microsoft.us/Calendars.Read"}, FieldGraphHost,
			"Enter only the host name, like dod-graph.microsoft.us, without https:// or a path."},
		// A bad authority is reported on its own, not as a mismatch too.
		{"bad authority", SetupInput{Authority: "login.microsoftonline.us", GraphHost: GraphHostUSDoD}, FieldAuthority, "Enter a full web address starting with https://."},
	}
	runValidateCases(t, m, tests, strings.Contains)
}

// Whether the Graph host fits is judged with the authority the settings
// will have once saved, and reported where it can be fixed.
func TestValidateGraphHostAgainstOtherSources(t *testing.T) {
	t.Parallel()
	dodProfile := setupFileV3(`"authority":"` + usGovAuthority + `","graphHost":"dod-graph.microsoft.us"`)
	tests := []struct {
		name         string
		env          map[string]string
		profile      string
		in           SetupInput
		field, wants string
	}{
		{name: "authority from the environment", env: map[string]string{EnvAuthority: usGovAuthority},
			in: SetupInput{GraphHost: GraphHostUSDoD}},
		{name: "authority from the profile", profile: setupFileV3(`"authority":"` + usGovAuthority + `"`),
			in: SetupInput{GraphHost: GraphHostUSDoD}},
		{name: "form authority over the profile's", profile: setupFileV3(`"authority":"` + usGovAuthority + `"`),
			in: SetupInput{Authority: DefaultAuthority, GraphHost: GraphHostUSDoD}, field: FieldGraphHost, wants: dodOnGlobal},
		{name: "environment authority over the form's", env: map[string]string{EnvAuthority: DefaultAuthority},
			in: SetupInput{Authority: usGovAuthority, GraphHost: GraphHostUSDoD}, field: FieldGraphHost, wants: dodOnGlobal},
		// The Graph host is locked: only the authority can be changed here.
		{name: "locked Graph host", env: map[string]string{EnvGraphHost: GraphHostUSDoD},
			in: SetupInput{Authority: DefaultAuthority}, field: FieldAuthority,
			wants: "OUTLOOK_CONNECT_MS_GRAPH_HOST sets the Graph host dod-graph.microsoft.us (US Government DoD (L5)), which signs in at https://login.microsoftonline.us. " +
				"Use that authority, or remove OUTLOOK_CONNECT_MS_GRAPH_HOST."},
		{name: "locked Graph host and authority", env: map[string]string{EnvGraphHost: GraphHostUSDoD, EnvAuthority: usGovAuthority}},
		// Emptying the field would bring back the profile's host, so the
		// way out is to name the authority's own.
		{name: "profile Graph host, form authority", profile: dodProfile, in: SetupInput{Authority: DefaultAuthority}, field: FieldGraphHost,
			wants: "Set the authority to https://login.microsoftonline.us, or enter graph.microsoft.com as the Graph host."},
		{name: "profile Graph host overridden", profile: dodProfile, in: SetupInput{Authority: DefaultAuthority, GraphHost: GraphHostGlobal}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(tc.env, tc.profile)
			res := h.m.Validate(tc.in)
			if tc.field == "" {
				if !res.OK {
					t.Fatalf("want valid, got %+v", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 || res.Errors[0].Field != tc.field || !strings.Contains(res.Errors[0].Message, tc.wants) {
				t.Fatalf("errors = %+v\nwant %s: %q", res.Errors, tc.field, tc.wants)
			}
			// Save refuses the same input and stores nothing.
			saved, err := h.m.Save(context.Background(), tc.in)
			if err != nil || saved.Validation.OK || h.settings.writes != 0 {
				t.Errorf("Save = %+v, %v; writes %d", saved, err, h.settings.writes)
			}
		})
	}
}

// A mismatch that reaches Resolve (the environment, a hand-edited
// settings file, the build's profile) is named on the error card, never
// left to fail at sign-in.
func TestResolveReportsAGraphHostOfAnotherCloud(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, profile, settings string
		env                     map[string]string
		code, label             string
	}{
		{name: "environment", env: map[string]string{EnvGraphHost: GraphHostUSDoD},
			code: "config.invalid_environment", label: EnvGraphHost},
		{name: "saved", settings: `{"graphHost":"dod-graph.microsoft.us"}`,
			code: "config.invalid_saved_settings", label: "Microsoft Graph host"},
		{name: "profile", profile: setupFileV3(`"graphHost":"dod-graph.microsoft.us"`),
			code: "config.invalid_profile", label: "microsoft.graphHost"},
		{name: "environment host, saved authority", env: map[string]string{EnvGraphHost: GraphHostChina}, settings: `{"authority":"` + usGovAuthority + `"}`,
			code: "config.invalid_environment", label: EnvGraphHost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(tc.env, tc.profile)
			if tc.settings != "" {
				h.settings.data = []byte(tc.settings)
			}
			_, err := h.m.Resolve(context.Background())
			p := problem.From(err)
			if p == nil || p.Code != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			msg, ok := p.Detail(tc.label)
			if !ok || !strings.Contains(msg, "leave the Graph host unset to use ") || !strings.Contains(msg, "Set the authority to ") {
				t.Errorf("details = %+v, want %s explained", p.Details, tc.label)
			}
		})
	}
}

func TestSetupFileCarriesTheGraphHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newHarness(nil, "")
	in := fullInput()
	in.Authority, in.GraphHost = usGovAuthority, GraphHostUSDoD
	saveOrFail(t, src, in)
	data, _ := exportOrFail(t, src, ExportOptions{})
	var doc struct {
		Version   int               `json:"version"`
		Microsoft map[string]string `json:"microsoft"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 3 || doc.Microsoft["graphHost"] != GraphHostUSDoD || doc.Microsoft["authority"] != usGovAuthority {
		t.Errorf("exported file = %s", data)
	}

	dst := newHarness(nil, "")
	res, err := dst.m.Import(ctx, data, "")
	if err != nil || !res.OK {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	if res.View.GraphHost != (FieldView{Value: GraphHostUSDoD, Source: SourceSaved}) {
		t.Errorf("view after import = %+v", res.View.GraphHost)
	}
	r, err := dst.m.Resolve(ctx)
	if err != nil || r.GraphHost != GraphHostUSDoD || r.Authority != usGovAuthority {
		t.Errorf("after round trip: %v, %v", r, err)
	}

	// Without a chosen Graph host the file stays at the version older
	// installs read: the derived host is not a setting.
	src = newHarness(map[string]string{EnvAuthority: usGovAuthority}, "")
	data, _ = exportOrFail(t, src, ExportOptions{})
	if bytes.Contains(data, []byte("graphHost")) || !bytes.Contains(data, []byte(`"version": 1`)) {
		t.Errorf("export without a Graph host = %s", data)
	}
}

func TestImportGraphHostFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Files from before version 3 still import, and leave the Graph host
	// to the authority.
	for name, file := range map[string]string{
		"version 1": `{"format":"outlook-connect-setup","version":1,"microsoft":{"clientId":"` + testClientID + `","authority":"` + usGovAuthority + `"},"recall":{"region":"us-west-2"}}`,
		"version 2": `{"format":"outlook-connect-setup","version":2,"microsoft":{"authority":"` + usGovAuthority + `"},"meetings":{"botName":"Bot"}}`,
	} {
		h := newHarness(nil, "")
		res, err := h.m.Import(ctx, []byte(file), "")
		if err != nil || !res.OK || res.View.Authority.Value != usGovAuthority || res.View.GraphHost != (FieldView{Source: SourceDefault}) {
			t.Fatalf("%s: Import = %+v, %v", name, res, err)
		}
		if r, err := h.m.Resolve(ctx); err != nil || r.GraphHost != GraphHostUSGov {
			t.Errorf("%s: Resolved.GraphHost = %q, %v", name, r.GraphHost, err)
		}
	}

	needsV3 := `The "microsoft.graphHost" setting needs "version": 3.`
	tests := []struct {
		name, file string
		env        map[string]string
		wantDetail string            // a refused file
		wantFields map[string]string // or refused values, by path
	}{
		{name: "version 2 with a Graph host", file: `{"format":"outlook-connect-setup","version":2,"microsoft":{"graphHost":"dod-graph.microsoft.us"}}`,
			wantDetail: needsV3},
		// Version 3 is what it needs, not version 2.
		{name: "version 1 with a Graph host and meetings", file: `{"format":"outlook-connect-setup","version":1,"microsoft":{"graphHost":"dod-graph.microsoft.us"},"meetings":{}}`,
			wantDetail: needsV3},
		{name: "Graph host as a number", file: setupFileV3(`"graphHost":3`),
			wantDetail: "The value of microsoft.graphHost has the wrong type."},
		{name: "DoD host without its authority", file: setupFileV3(`"graphHost":"dod-graph.microsoft.us"`),
			wantFields: map[string]string{"microsoft.graphHost": dodOnGlobal}},
		{name: "unknown host", file: setupFileV3(`"authority":"` + usGovAuthority + `","graphHost":"graph.microsoft.de"`),
			wantFields: map[string]string{"microsoft.graphHost": "Use graph.microsoft.com (global)"}},
		{name: "authority against a locked Graph host", env: map[string]string{EnvGraphHost: GraphHostUSDoD}, file: setupFileV3(`"authority":"` + DefaultAuthority + `"`),
			wantFields: map[string]string{"microsoft.authority": "OUTLOOK_CONNECT_MS_GRAPH_HOST sets the Graph host dod-graph.microsoft.us"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(tc.env, "")
			res, err := h.m.Import(ctx, []byte(tc.file), "")
			if err != nil {
				t.Fatal(err)
			}
			code := ""
			if tc.wantDetail != "" {
				code = "config.setup_file_unrecognised"
			}
			wantImportRefused(t, h, res, code, tc.wantDetail, tc.wantFields)
		})
	}
}

func TestExportRefusesAGraphHostOfAnotherCloud(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{EnvGraphHost: GraphHostUSDoD}, "")
	_, _, err := h.m.Export(context.Background(), ExportOptions{})
	p := problem.From(err)
	if p == nil || p.Code != "config.export_invalid" {
		t.Fatalf("err = %v", err)
	}
	if msg, _ := p.Detail(EnvGraphHost); !strings.Contains(msg, "Set the authority to https://login.microsoftonline.us") {
		t.Errorf("details = %+v", p.Details)
	}
}

func TestResolvedReportsTheGraphHost(t *testing.T) {
	t.Parallel()
	h := newHarness(map[string]string{
		EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvRecallAPIKey: testAPIKey,
		EnvAuthority: usGovAuthority, EnvGraphHost: GraphHostUSDoD,
	}, "")
	r, err := h.m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("%+v", r)
	for _, want := range []string{"graphHost=dod-graph.microsoft.us", "graphHost:environment"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %s: %s", want, s)
		}
	}
	entry, logs := loggedResolved(t, r)
	if entry.Resolved["graphHost"] != GraphHostUSDoD || entry.Resolved["source.graphHost"] != "environment" {
		t.Errorf("log = %s", logs)
	}
	for _, out := range []string{s, logs} {
		for _, secret := range []string{testClientSecret, testAPIKey} {
			if strings.Contains(out, secret) {
				t.Fatalf("output leaks a secret: %s", out)
			}
		}
	}

	// The configured host goes with the configured authority only: demo
	// mode signs in at its loopback fake, whose cloud is the global one.
	if got := r.GraphHostFor(usGovAuthority); got != GraphHostUSDoD {
		t.Errorf("GraphHostFor(configured) = %q", got)
	}
	if got := r.GraphHostFor("http://127.0.0.1:4000"); got != "" {
		t.Errorf("GraphHostFor(demo) = %q", got)
	}
}

// Config accepts exactly the Graph hosts msauth accepts, and a sign-in
// started with Resolved's host asks for Calendars.Read on it.
func TestGraphHostAgreesWithMsauth(t *testing.T) {
	authorities := []string{DefaultAuthority, usGovAuthority, chinaAuthority, "https://login.partner.microsoftonline.cn", "http://127.0.0.1:4000"}
	hosts := []string{"", GraphHostGlobal, GraphHostUSGov, GraphHostUSDoD, GraphHostChina}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Not parallel: msauth keeps one sign-in attempt at a time.
	for _, authority := range authorities {
		for _, host := range hosts {
			t.Run(authority+" "+host, func(t *testing.T) {
				ours := graphHostMismatch(authority, host, fixClearGraphHost) == ""
				s, err := msauth.Start(context.Background(), msauth.Config{
					ClientID: testClientID, ClientSecret: testClientSecret, Authority: authority, GraphHost: host,
				})
				if (err == nil) != ours {
					t.Fatalf("config accepts: %t; msauth: %v", ours, err)
				}
				if err != nil {
					return
				}
				defer s.Cancel()
				resp, err := noRedirect.Get(s.StartURL())
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, err := url.Parse(resp.Header.Get("Location"))
				if err != nil {
					t.Fatal(err)
				}
				want := "https://" + effectiveGraphHost(authority, host) + "/Calendars.Read"
				if scopes := strings.Fields(loc.Query().Get("scope")); !containsString(scopes, want) {
					t.Errorf("scopes %v, want %s", scopes, want)
				}
			})
		}
	}
}

// routeTo sends every request to srv, keeping the host it was meant for,
// so the Test button can be tried against a national cloud's address.
type routeTo struct {
	srv   *url.URL
	mu    sync.Mutex
	hosts []string
}

func (r *routeTo) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, req.URL.Host)
	r.mu.Unlock()
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.srv.Scheme, r.srv.Host
	return http.DefaultTransport.RoundTrip(out)
}

func TestTestMicrosoftNamesTheGraphHost(t *testing.T) {
	t.Parallel()
	srv, _ := fakeAuthority(t, "contoso.com")
	target, _ := url.Parse(srv.URL)
	tests := []struct {
		name     string
		env      map[string]string
		in       SetupInput
		wantOK   bool
		wantHost string // the authority's host, asked for discovery
		wantMsg  string // in the message; "" = no Graph host named
	}{
		{name: "global", in: SetupInput{ClientID: testClientID, Tenant: "contoso.com"}, wantOK: true, wantHost: "login.microsoftonline.com"},
		{name: "US Government", in: SetupInput{ClientID: testClientID, Tenant: "contoso.com", Authority: usGovAuthority}, wantOK: true, wantHost: "login.microsoftonline.us",
			wantMsg: "Sign-in will ask for https://graph.microsoft.us/Calendars.Read, the calendar permission of US Government (GCC High, L4)."},
		{name: "DoD", in: SetupInput{ClientID: testClientID, Tenant: "contoso.com", Authority: usGovAuthority, GraphHost: GraphHostUSDoD}, wantOK: true, wantHost: "login.microsoftonline.us",
			wantMsg: "Sign-in will ask for https://dod-graph.microsoft.us/Calendars.Read, the calendar permission of US Government DoD (L5)."},
		{name: "DoD from the environment", env: map[string]string{EnvGraphHost: GraphHostUSDoD}, in: SetupInput{ClientID: testClientID, Tenant: "contoso.com", Authority: usGovAuthority},
			wantOK: true, wantHost: "login.microsoftonline.us", wantMsg: "https://dod-graph.microsoft.us/Calendars.Read"},
		{name: "China", in: SetupInput{ClientID: testClientID, Tenant: "contoso.com", Authority: chinaAuthority}, wantOK: true, wantHost: "login.chinacloudapi.cn",
			wantMsg: "Sign-in will ask for https://microsoftgraph.chinacloudapi.cn/Calendars.Read"},
		// A mismatch is named before anything is asked of Microsoft.
		{name: "DoD with the global authority", in: SetupInput{ClientID: testClientID, GraphHost: GraphHostUSDoD}, wantMsg: "Correct the highlighted settings first."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(tc.env, "")
			rt := &routeTo{srv: target}
			h.m.httpClient = &http.Client{Transport: rt}
			res := h.m.TestMicrosoft(context.Background(), tc.in)
			if res.OK != tc.wantOK {
				t.Fatalf("result = %+v (problem %+v)", res, res.Problem)
			}
			if tc.wantMsg == "" && strings.Contains(res.Message, "Sign-in will ask for") || !strings.Contains(res.Message, tc.wantMsg) {
				t.Errorf("message = %q, want %q", res.Message, tc.wantMsg)
			}
			if !tc.wantOK {
				if msg, _ := res.Problem.Detail("Microsoft Graph host"); msg != dodOnGlobal || len(rt.hosts) != 0 {
					t.Errorf("problem = %+v; requests to %v", res.Problem, rt.hosts)
				}
				return
			}
			if len(rt.hosts) != 1 || rt.hosts[0] != tc.wantHost {
				t.Errorf("asked %v, want %s", rt.hosts, tc.wantHost)
			}
		})
	}
}
