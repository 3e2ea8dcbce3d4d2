package msauth

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRealBrowser runs the journey in headless Chromium, when it is
// installed: /start → the fake's authorize page (auto-accept) → form_post
// auto-submit (or the query redirect) → our callback page. It checks what
// the plain-HTTP tests cannot: that a real browser runs the form_post
// script under its CSP, resolves localhost to our listeners and sends a
// Host header we accept.
func TestRealBrowser(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" || testing.Short() {
		t.Skip("no Chromium on this machine (or -short)")
	}
	for _, mode := range []string{"form_post", "query"} {
		t.Run(mode, func(t *testing.T) {
			idp := startIDP(t, nil)
			cfg := configFor(idp)
			cfg.ResponseMode = mode
			s := start(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dom, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
				"--no-first-run", "--virtual-time-budget=10000", "--dump-dom", s.StartURL()).Output()
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			if !strings.Contains(string(dom), "You can close this tab and return to Outlook Connect.") {
				t.Errorf("final page: %.500s", dom)
			}
			res, err := wait(t, s)
			if err != nil || res.RefreshToken == "" {
				t.Fatalf("Wait: %v", err)
			}
		})
	}
}
