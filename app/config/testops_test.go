package config

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestTestRecall(t *testing.T) {
	t.Parallel()
	eu, usWest := RegionBaseURL("eu-central-1"), RegionBaseURL("us-west-2")
	tests := []struct {
		name        string
		accepts     map[string]string
		unavailable map[string]bool
		stored      bool // key saved beforehand; the form leaves it empty
		in          SetupInput
		wantOK      bool
		wantCode    string
		wantMsg     string
		wantCalls   int
	}{
		{name: "key accepted", accepts: map[string]string{eu: testAPIKey}, in: SetupInput{RecallRegion: "eu-central-1", RecallAPIKey: testAPIKey},
			wantOK: true, wantMsg: "eu-central-1", wantCalls: 1},
		{name: "stored key used when the form's is empty", accepts: map[string]string{eu: testAPIKey}, stored: true, in: SetupInput{RecallRegion: "eu-central-1"},
			wantOK: true, wantCalls: 1},
		{name: "key of another region", accepts: map[string]string{usWest: testAPIKey}, in: SetupInput{RecallRegion: "eu-central-1", RecallAPIKey: testAPIKey},
			wantCode: "config.recall_wrong_region", wantMsg: "belongs to the us-west-2 region", wantCalls: 3}, // eu, then us-east-1, then the match
		{name: "bad key everywhere", in: SetupInput{RecallRegion: "eu-central-1", RecallAPIKey: testAPIKey},
			wantCode: "config.recall_key_rejected", wantMsg: "any region", wantCalls: 4},
		{name: "custom base URL rejects key: no other regions tried", in: SetupInput{RecallBaseURL: "http://127.0.0.1:9", RecallAPIKey: testAPIKey},
			wantCode: "config.recall_key_rejected", wantMsg: "http://127.0.0.1:9", wantCalls: 1},
		{name: "Recall unreachable", unavailable: map[string]bool{eu: true}, in: SetupInput{RecallRegion: "eu-central-1", RecallAPIKey: testAPIKey},
			wantCode: "recall.unavailable", wantMsg: "Couldn't reach Recall", wantCalls: 1},
		{name: "no key at all", in: SetupInput{RecallRegion: "eu-central-1"}, wantCode: "config.recall_key_missing", wantCalls: 0},
		{name: "invalid key checked before calling", in: SetupInput{RecallAPIKey: "Token abc"}, wantCode: "config.invalid_input", wantCalls: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(nil, "")
			if tc.stored {
				saveOrFail(t, h, SetupInput{RecallAPIKey: testAPIKey})
			}
			h.prober.accepts = tc.accepts
			h.prober.unavailable = tc.unavailable
			res := h.m.TestRecall(context.Background(), tc.in)
			if res.OK != tc.wantOK {
				t.Fatalf("result = %+v", res)
			}
			if tc.wantCode != "" && (res.Problem == nil || res.Problem.Code != tc.wantCode) {
				t.Fatalf("problem = %+v, want %s", res.Problem, tc.wantCode)
			}
			if tc.wantOK && res.Problem != nil {
				t.Errorf("problem on success: %+v", res.Problem)
			}
			if !strings.Contains(res.Message, tc.wantMsg) {
				t.Errorf("message = %q, want %q", res.Message, tc.wantMsg)
			}
			if len(h.prober.calls) != tc.wantCalls {
				t.Errorf("probe calls = %v, want %d", h.prober.calls, tc.wantCalls)
			}
			if strings.Contains(res.Message, testAPIKey) {
				t.Error("message repeats the key")
			}
		})
	}
}

// fakeAuthority answers discovery like Microsoft: 200 for known tenants,
// 400 AADSTS90002 for unknown ones.
func fakeAuthority(t *testing.T, known ...string) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for _, tenant := range known {
			if r.URL.Path == "/"+tenant+"/v2.0/.well-known/openid-configuration" {
				_, _ = w.Write([]byte(`{"token_endpoint":"https://login.example/` + tenant + `/oauth2/v2.0/token","issuer":"x"}`))
				return
			}
		}
		if strings.HasSuffix(r.URL.Path, "/v2.0/.well-known/openid-configuration") && strings.Count(r.URL.Path, "/") == 4 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found."}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func TestTestMicrosoft(t *testing.T) {
	t.Parallel()
	srv, paths := fakeAuthority(t, "contoso.com", "common")
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name     string
		in       SetupInput
		wantOK   bool
		wantCode string
		wantMsg  string
	}{
		{name: "reachable and known tenant", in: SetupInput{ClientID: testClientID, ClientSecret: testClientSecret, Tenant: "Contoso.com", Authority: srv.URL},
			wantOK: true, wantMsg: "The client secret can only be checked during a real sign-in."},
		{name: "no secret yet", in: SetupInput{ClientID: testClientID, Authority: srv.URL},
			wantOK: true, wantMsg: "No client secret is set yet."},
		{name: "unknown tenant", in: SetupInput{ClientID: testClientID, Tenant: "fabrikam.com", Authority: srv.URL},
			wantCode: "config.ms_tenant_not_found", wantMsg: `"fabrikam.com" doesn't exist`},
		{name: "unreachable", in: SetupInput{ClientID: testClientID, Authority: closedURL},
			wantCode: "config.ms_unreachable", wantMsg: "Couldn't reach"},
		{name: "not a sign-in service", in: SetupInput{ClientID: testClientID, Authority: srv.URL + "/elsewhere"},
			wantCode: "config.ms_unexpected_answer"},
		{name: "secret ID mistake caught first", in: SetupInput{ClientID: testClientID, ClientSecret: "0f0f0f0f-1111-2222-3333-444444444444", Authority: srv.URL},
			wantCode: "config.invalid_input"},
		{name: "no client ID", in: SetupInput{Authority: srv.URL}, wantCode: "config.ms_client_id_missing"},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(nil, "")
				h.m.httpClient = srv.Client()
				res := h.m.TestMicrosoft(context.Background(), tc.in)
				if res.OK != tc.wantOK {
					t.Fatalf("result = %+v (problem %+v)", res, res.Problem)
				}
				if tc.wantCode != "" && (res.Problem == nil || res.Problem.Code != tc.wantCode) {
					t.Fatalf("problem = %+v, want %s", res.Problem, tc.wantCode)
				}
				if !strings.Contains(res.Message, tc.wantMsg) {
					t.Errorf("message = %q, want %q", res.Message, tc.wantMsg)
				}
				if strings.Contains(res.Message, testClientSecret) {
					t.Error("message repeats the secret")
				}
			})
		}
	})
	var sawDomain bool
	for _, p := range *paths {
		sawDomain = sawDomain || p == "/contoso.com/v2.0/.well-known/openid-configuration"
	}
	if !sawDomain {
		t.Errorf("discovery paths = %v", *paths)
	}
}

// The invalid_input problem names the fields in people's words.
func TestTestMicrosoftNamesFieldsToFix(t *testing.T) {
	t.Parallel()
	h := newHarness(nil, "")
	res := h.m.TestMicrosoft(context.Background(), SetupInput{ClientID: "nope", Tenant: "?"})
	if res.Problem == nil {
		t.Fatal("want a problem")
	}
	var labels []string
	for _, d := range res.Problem.Details {
		labels = append(labels, d.Label)
	}
	if want := []string{"Microsoft client ID", "Microsoft tenant"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("labels = %v, want %v", labels, want)
	}
}
