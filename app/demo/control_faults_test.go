package demo

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestControlReportsPendingRecallFaults: GET /recall/faults counts the
// injected fault responses not served yet, so an end-to-end test can tell
// that a fault it injected really fired (and was not, say, aimed at a path
// the app never calls).
func TestControlReportsPendingRecallFaults(t *testing.T) {
	t.Parallel()
	svc, c := startControl(t)

	pending := func() int {
		t.Helper()
		res, err := http.Get(c.URL() + "/recall/faults")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]int
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET /recall/faults: %d %v", res.StatusCode, err)
		}
		if len(out) != 1 {
			t.Fatalf("GET /recall/faults: want only {\"pending\": n}, got %v", out)
		}
		return out["pending"]
	}

	if n := pending(); n != 0 {
		t.Fatalf("pending before any fault: %d", n)
	}
	post(t, c.URL()+"/recall/fault", map[string]any{"method": "GET", "path": "/api/v2/calendars/", "status": 503, "times": 2})
	post(t, c.URL()+"/recall/fault", map[string]any{"method": "DELETE", "path": "/api/v2/calendars/*/", "status": 503})
	if n := pending(); n != 3 {
		t.Fatalf("pending after queueing 2+1: %d", n)
	}

	req, _ := http.NewRequest(http.MethodGet, svc.RecallURL()+"/api/v2/calendars/", nil)
	req.Header.Set("Authorization", "Token "+svc.RecallAPIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the fault did not fire: %d", res.StatusCode)
	}
	if n := pending(); n != 2 {
		t.Errorf("pending after one matching request: %d, want 2", n)
	}

	post(t, c.URL()+"/reset", struct{}{})
	if n := pending(); n != 0 {
		t.Errorf("pending after reset: %d", n)
	}
}
