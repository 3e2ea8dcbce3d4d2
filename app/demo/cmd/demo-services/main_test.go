package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The runner prints exactly the documented keys and the services answer
// as documented: a token request without client_secret gets invalid_client
// with AADSTS7000218, and a Recall call without the key gets 401.
func TestRunnerPrintsOneLineAndServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, pw); _ = pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var keys map[string]string
	if err := json.Unmarshal([]byte(line), &keys); err != nil {
		t.Fatalf("not one JSON line: %q", line)
	}
	for _, k := range []string{"microsoft_url", "recall_url", "client_id", "client_secret", "recall_api_key"} {
		if keys[k] == "" {
			t.Errorf("missing %s", k)
		}
	}
	if len(keys) != 5 {
		t.Errorf("want exactly the 5 documented keys, got %v", keys)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	form := url.Values{
		"client_id":    {keys["client_id"]},
		"grant_type":   {"authorization_code"},
		"code":         {"whatever"},
		"redirect_uri": {"http://localhost/callback"},
	}
	res, err := client.PostForm(keys["microsoft_url"]+"/common/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tokenErr struct {
		Error      string `json:"error"`
		ErrorCodes []int  `json:"error_codes"`
		Desc       string `json:"error_description"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tokenErr)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || tokenErr.Error != "invalid_client" ||
		len(tokenErr.ErrorCodes) != 1 || tokenErr.ErrorCodes[0] != 7000218 || !strings.HasPrefix(tokenErr.Desc, "AADSTS7000218") {
		t.Errorf("token without secret: %d %+v", res.StatusCode, tokenErr)
	}

	res, err = client.Get(keys["recall_url"] + "/api/v2/calendars/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("Recall without a key: %d", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, keys["recall_url"]+"/api/v2/calendars/", nil)
	req.Header.Set("Authorization", "Token "+keys["recall_api_key"])
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("Recall with the printed key: %d", res.StatusCode)
	}
	client.CloseIdleConnections()

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestRunnerRejectsAnUnknownRedirectHost(t *testing.T) {
	err := run(context.Background(), []string{"-redirect-host", "example.com"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "localhost or 127.0.0.1") {
		t.Fatalf("want a clear error, got %v", err)
	}
}

// With -control the runner also serves the control API and names it.
func TestRunnerServesTheControlAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-control"}, pw); _ = pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var keys map[string]string
	if err := json.Unmarshal([]byte(line), &keys); err != nil || len(keys) != 6 || keys["control_url"] == "" {
		t.Fatalf("want the 5 keys and control_url, got %q (%v)", line, err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(keys["control_url"] + "/calendars")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("control /calendars: %d %s", res.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
