package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startServices(t *testing.T) *Services {
	t.Helper()
	svc, err := Start(Options{ConnectDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Error(err)
		}
	})
	return svc
}

// recallCall sends an authenticated request to the fake Recall.
func recallCall(t *testing.T, svc *Services, method, path string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, svc.RecallURL()+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Token "+svc.RecallAPIKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// startControl starts the fakes and their control API.
func startControl(t *testing.T) (*Services, *Control) {
	t.Helper()
	svc := startServices(t)
	c, err := svc.StartControl()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return svc, c
}

func TestCredentialsAreFreshAndWellFormed(t *testing.T) {
	t.Parallel()
	a, b := startServices(t), startServices(t)
	if a.ClientID == b.ClientID || a.ClientSecret == b.ClientSecret || a.RecallAPIKey == b.RecallAPIKey {
		t.Fatal("two demo worlds share credentials")
	}
	if len(a.ClientID) != 36 || strings.Count(a.ClientID, "-") != 4 {
		t.Errorf("client id is not a GUID: %q", a.ClientID)
	}
	for _, u := range []string{a.MicrosoftURL(), a.RecallURL()} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("not on loopback: %s", u)
		}
	}
}

// The fake Recall checks refresh tokens against the fake identity platform,
// as the real Recall does with Microsoft: a token the identity platform
// never issued ends "disconnected".
func TestRecallVerifiesTokensWithTheIdentityPlatform(t *testing.T) {
	t.Parallel()
	svc := startServices(t)
	body, _ := json.Marshal(map[string]string{
		"platform":            "microsoft_outlook",
		"oauth_client_id":     svc.ClientID,
		"oauth_client_secret": svc.ClientSecret,
		"oauth_refresh_token": "never-issued-by-the-fake",
	})
	if res := recallCall(t, svc, http.MethodPost, "/api/v2/calendars/", body); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cals := svc.Recall.Calendars()
		if len(cals) == 1 && cals[0].Status == "disconnected" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want the unknown token to end disconnected, got %+v", cals)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func post(t *testing.T, url string, v any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(v)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestControlInjectsFaultsAndShowsCalendars(t *testing.T) {
	t.Parallel()
	svc, c := startControl(t)

	if res := post(t, c.URL()+"/identity/fault", map[string]any{"name": "auto_accept", "on": true}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("identity fault: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/identity/fault", map[string]any{"name": "no_such_fault", "on": true}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown fault: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/identity/fault", map[string]any{"name": "auto_accept", "extra": 1}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.StatusCode)
	}
	if res := post(t, c.URL()+"/recall/fault", map[string]any{"method": "GET", "path": "/api/v2/calendars/", "status": 503}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("recall fault: %d", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, svc.RecallURL()+"/api/v2/calendars/", nil)
	req.Header.Set("Authorization", "Token "+svc.RecallAPIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("the injected 503 did not happen: %d", res.StatusCode)
	}

	res, err = http.Get(c.URL() + "/calendars")
	if err != nil {
		t.Fatal(err)
	}
	var cals []map[string]any
	_ = json.NewDecoder(res.Body).Decode(&cals)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(cals) != 0 {
		t.Errorf("calendars: %d %v", res.StatusCode, cals)
	}

	// auto_accept took effect: a sign-in needs no page.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	page, err := (&identity.Browser{}).Open(ctx, svc.MicrosoftURL()+"/common/oauth2/v2.0/authorize?client_id="+svc.ClientID+
		"&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1%2Fcallback&scope=offline_access%20Calendars.Read&state=s&code_challenge=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG&code_challenge_method=S256")
	if err == nil && page != nil && strings.Contains(page.Body, "Permissions requested") {
		t.Error("auto_accept did not skip the consent page")
	}

	if res := post(t, c.URL()+"/reset", struct{}{}); res.StatusCode != http.StatusNoContent {
		t.Errorf("reset: %d", res.StatusCode)
	}
}

// BenchmarkStartAndClose measures how long a whole demo world takes to come
// up and go down (budget: well under 100 ms), since every test and every
// demo-mode start pays it.
func BenchmarkStartAndClose(b *testing.B) {
	for b.Loop() {
		svc, err := Start(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := svc.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
