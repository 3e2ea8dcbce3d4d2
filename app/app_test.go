package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/vault"
)

// recordingRuntime stands in for Wails: it keeps every event so tests can
// check what reached the UI.
type recordingRuntime struct {
	mu        sync.Mutex
	events    []string // event name + JSON payload
	clipboard string
	saveTo    string // what the save dialog answers; "" = cancelled
	shown     int    // ShowWindow calls
}

func (r *recordingRuntime) Emit(event string, data any) {
	b, _ := json.Marshal(data)
	r.mu.Lock()
	r.events = append(r.events, event+" "+string(b))
	r.mu.Unlock()
}

func (r *recordingRuntime) ClipboardSetText(text string) error {
	r.mu.Lock()
	r.clipboard = text
	r.mu.Unlock()
	return nil
}

func (r *recordingRuntime) SaveFileDialog(string, string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.saveTo, nil
}
func (r *recordingRuntime) ShowWindow() {
	r.mu.Lock()
	r.shown++
	r.mu.Unlock()
}

func (r *recordingRuntime) eventCount(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if strings.HasPrefix(e, name+" ") {
			n++
		}
	}
	return n
}

func (r *recordingRuntime) allEvents() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, "\n")
}

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// startApp runs the app as Wails would, with a recording runtime.
func startApp(t *testing.T, env map[string]string) (*App, *recordingRuntime) {
	t.Helper()
	r := runDesktop(t, env)
	return r.app, r.rt
}

// requireKeychain skips unless the run provides a real Secret Service
// (make go-test does, through .ci/keyring-session.sh) — and fails, rather
// than skips, when it was promised and is not usable.
func requireKeychain(t *testing.T) string {
	t.Helper()
	if os.Getenv("OUTLOOK_CONNECT_KEYRING_IT") != "1" {
		t.Skip("needs a real keychain: run with OUTLOOK_CONNECT_KEYRING_IT=1 inside .ci/keyring-session.sh")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	service := "Outlook Connect app test " + hex.EncodeToString(b)
	v, err := vault.New(vault.Options{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := v.Check(ctx); err != nil {
		t.Fatalf("OUTLOOK_CONNECT_KEYRING_IT=1 but the keychain is not usable: %v", err)
	}
	t.Cleanup(func() { _ = v.DeleteAll(context.Background()) })
	return service
}

func waitForPhase(t *testing.T, a *App, want connect.Phase) connect.State {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := a.GetState()
		if err != nil {
			t.Fatal(err)
		}
		if st.Phase == want && !st.Busy {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("phase %q not reached; state %+v", want, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConfiguredFlowLeavesNoSecretBehind runs the whole journey configured
// through the environment (as a developer or admin would) against the
// fakes, then scans every file in the config folder, every event sent to
// the UI and the diagnostics for the refresh token, the client secret and
// the API key. None may appear anywhere but the keychain.
func TestConfiguredFlowLeavesNoSecretBehind(t *testing.T) {
	service := requireKeychain(t)
	svc, err := demo.Start(demo.Options{ConnectDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	svc.Identity.Faults().SetAutoAccept(true)

	dir := t.TempDir()
	env := configuredEnv(svc, dir, service)
	env[config.EnvLogLevel] = "debug"
	a, rt := startApp(t, env)

	info, _ := a.GetAppInfo()
	if info.Demo || !info.Configured || info.SetupProblem != nil {
		t.Fatalf("want a configured app, got %+v", info)
	}
	st, _ := a.Connect()
	if st.Phase != connect.PhaseSigningIn || st.SignIn == nil {
		t.Fatalf("Connect: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	page, err := (&identity.Browser{Click: "accept"}).Open(ctx, st.SignIn.StartURL)
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != 200 {
		t.Fatalf("callback page status %d", page.Status)
	}
	st = waitForPhase(t, a, connect.PhaseConnected)
	if st.Account == "" || st.Calendar == nil {
		t.Fatalf("connected state: %+v", st)
	}

	tokens := svc.Identity.RefreshTokens()
	if len(tokens) != 1 || len(tokens[0]) < 100 {
		t.Fatalf("want the one refresh token the sign-in got, got %d", len(tokens))
	}
	token := tokens[0]
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Fatalf("want 1 calendar in Recall, got %d", n)
	}
	// Once Recall reports the calendar connected, the token leaves the
	// keychain too: Recall holds it (issue 12, item 7).
	v, _ := vault.New(vault.Options{Service: service})
	waitForTokenGone(t, a, v, demoAccountKey())

	diag, _ := a.GetDiagnostics()
	secrets := map[string]string{"refresh token": token, "client secret": svc.ClientSecret, "API key": svc.RecallAPIKey}
	for name, secret := range secrets {
		if strings.Contains(rt.allEvents(), secret) {
			t.Errorf("the %s reached the UI in an event", name)
		}
		if strings.Contains(diag, secret) {
			t.Errorf("the %s is in the diagnostics", name)
		}
	}

	// Disconnect, then scan: logs are flushed line by line, and the
	// disconnect path logs too.
	st, _ = a.Disconnect()
	st = waitForPhase(t, a, connect.PhaseIdle)
	if st.Problem != nil {
		t.Fatalf("disconnect: %+v", st.Problem)
	}
	if _, err := v.LoadRefreshToken(ctx, demoAccountKey()); !vault.IsNotFound(err) {
		t.Errorf("refresh token still in the keychain after Disconnect: %v", err)
	}
	if n := len(svc.Recall.Calendars()); n != 0 {
		t.Errorf("want the calendar deleted in Recall, %d left", n)
	}

	logFile := filepath.Join(dir, "logs", logging.FileName)
	logs, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(logs), "app.started") {
		t.Fatalf("the scan needs a real log file: %v", err)
	}
	hits, err := logging.ScanForSecrets(dir, token, svc.ClientSecret, svc.RecallAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) > 0 {
		t.Fatalf("secrets found in %v", hits)
	}
}

// TestUnusableEnvironmentIsShownNotIgnored: a bad variable is reported by
// name and the app does not quietly fall back to demo mode.
func TestUnusableEnvironmentIsShownNotIgnored(t *testing.T) {
	dir := t.TempDir()
	a, _ := startApp(t, map[string]string{
		config.EnvConfigDir:      dir,
		config.EnvKeyringService: "Outlook Connect test unused",
		config.EnvClientID:       "not-a-guid",
		config.EnvClientSecret:   "some-secret-value",
		config.EnvRecallAPIKey:   "some-api-key",
	})
	info, _ := a.GetAppInfo()
	if info.SetupProblem == nil {
		t.Fatalf("want a setup problem, got %+v", info)
	}
	if info.Demo || info.Configured {
		t.Errorf("an unusable setup is neither demo nor configured: %+v", info)
	}
	if !strings.Contains(info.SetupProblem.DetailsText(), config.EnvClientID) {
		t.Errorf("the problem should name the variable:\n%s", info.SetupProblem.DetailsText())
	}
	st, _ := a.Connect()
	if st.Phase != connect.PhaseIdle || st.Problem != nil {
		t.Errorf("Connect with an unusable setup: %+v", st)
	}
	if info2, _ := a.RetryStartup(); info2.SetupProblem == nil {
		t.Errorf("the problem persists until the environment is fixed")
	}
}

// TestBindingsHaveNoSideEffectsBeforeStartup: the bindings generator runs
// main() up to wails.Run (wails.md §3), so New must not touch the disk.
func TestBindingsHaveNoSideEffectsBeforeStartup(t *testing.T) {
	dir := t.TempDir()
	_ = New(Options{LookupEnv: envFrom(map[string]string{config.EnvConfigDir: filepath.Join(dir, "cfg")})})
	if _, err := os.Stat(filepath.Join(dir, "cfg")); !os.IsNotExist(err) {
		t.Fatalf("New created the config folder: %v", err)
	}
}

// TestSetupLeavesAndReentersDemoMode: saving real settings on the Setup
// screen rewires the app at once (config:changed reaches the UI), secrets
// go to the keychain, not settings.json, and Reset returns to demo mode.
func TestSetupLeavesAndReentersDemoMode(t *testing.T) {
	service := requireKeychain(t)
	svc, err := demo.Start(demo.Options{ConnectDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	dir := t.TempDir()
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      dir,
		config.EnvKeyringService: service,
	})
	if info, _ := a.GetAppInfo(); !info.Demo || info.DemoReason != config.DemoUnconfigured {
		t.Fatalf("with nothing configured the app is in demo mode: %+v", info)
	}

	in := config.SetupInput{
		ClientID:      svc.ClientID,
		ClientSecret:  svc.ClientSecret,
		Authority:     svc.MicrosoftURL(),
		RecallBaseURL: svc.RecallURL(),
		RecallAPIKey:  svc.RecallAPIKey,
	}
	if res, _ := a.ValidateSetup(config.SetupInput{ClientID: "nope"}); res.OK {
		t.Fatal("a bad client id must not validate")
	}
	if res, _ := a.TestRecall(in); !res.OK {
		t.Fatalf("TestRecall against the fake: %+v", res)
	}
	res, err := a.SaveSetup(in)
	if err != nil || !res.Validation.OK {
		t.Fatalf("SaveSetup: %+v %v", res, err)
	}
	info, _ := a.GetAppInfo()
	if info.Demo || !info.Configured {
		t.Fatalf("after saving, the app is configured: %+v", info)
	}
	if !strings.Contains(rt.allEvents(), EventConfigChanged+" ") {
		t.Error("the UI was not told about the new configuration")
	}
	settings, err := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err != nil || !strings.Contains(string(settings), svc.ClientID) {
		t.Fatalf("settings.json should hold the client id: %v", err)
	}
	for _, secret := range []string{svc.ClientSecret, svc.RecallAPIKey} {
		if strings.Contains(string(settings), secret) {
			t.Fatal("a secret was written to settings.json")
		}
	}

	// The rewired app really uses the saved settings: a sign-in reaches
	// this fake identity platform.
	svc.Identity.Faults().SetAutoAccept(true)
	st, _ := a.Connect()
	answerSignIn(t, st, "accept")
	waitForPhase(t, a, connect.PhaseConnected)
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Fatalf("want the calendar in the configured Recall, got %d", n)
	}

	view, err := a.ResetSetup()
	if err != nil || !view.Demo {
		t.Fatalf("ResetSetup: %+v %v", view, err)
	}
	if info, _ := a.GetAppInfo(); !info.Demo {
		t.Fatalf("after Reset the app is back in demo mode: %+v", info)
	}
}

// TestExportWritesAProtectedFile: the exported setup file lands where the
// person chose, readable only by them, and encrypted when it has secrets.
func TestExportWritesAProtectedFile(t *testing.T) {
	service := requireKeychain(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "export", "setup.json.age")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      filepath.Join(dir, "cfg"),
		config.EnvKeyringService: service,
		config.EnvClientID:       "11111111-2222-4333-8444-555555555555",
		config.EnvClientSecret:   "example-client-secret-value",
		config.EnvRecallAPIKey:   "example-recall-api-key",
	})
	rt.saveTo = target
	res, err := a.ExportSetupFile(config.ExportOptions{IncludeSecrets: true, Passphrase: "correct horse battery"})
	if err != nil || res.Cancelled || res.Path != target {
		t.Fatalf("export: %+v %v", res, err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("exported file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(target)
	if !strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----") || strings.Contains(string(data), "example-client-secret-value") {
		t.Error("an export with secrets must be encrypted")
	}

	rt.saveTo = ""
	if res, err := a.ExportSetupFile(config.ExportOptions{}); err != nil || !res.Cancelled {
		t.Errorf("a cancelled save dialog: %+v %v", res, err)
	}
}

// TestReloadIsSafeWhileTheUIReads: the UI keeps calling while reloads
// rebuild the wiring (run with -race). The app runs a real demo world, so
// every reload closes one set of fake services and a connect service —
// possibly in the middle of a call using them — and builds the next; the
// goroutine check afterwards proves each old world was really closed.
func TestReloadIsSafeWhileTheUIReads(t *testing.T) {
	service := requireKeychain(t)
	// Registered first, so it runs after the app's Shutdown (cleanups run
	// last-in first-out); goroutines from earlier tests are not counted.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, append(libraryGoroutines, before)...) })
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: service,
		config.EnvBrowser:        "true", // Connect opens no real browser
	})
	if info, _ := a.GetAppInfo(); !info.Demo {
		t.Fatalf("the test needs a demo world: %+v", info)
	}
	const workers, rounds = 4, 6
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if info, _ := a.GetAppInfo(); !info.Demo || info.SetupProblem != nil {
					errs <- fmt.Sprintf("GetAppInfo mid-reload: %+v", info)
				}
				st, _ := a.GetState()
				switch st.Phase {
				case connect.PhaseIdle, connect.PhaseSigningIn:
				default:
					errs <- fmt.Sprintf("GetState mid-reload: phase %q", st.Phase)
				}
				if w%2 == 0 {
					// A sign-in whose world may be closed under it.
					_, _ = a.Connect()
					_, _ = a.CancelSignIn()
				}
				if info, _ := a.RetryStartup(); !info.Demo || info.SetupProblem != nil {
					errs <- fmt.Sprintf("RetryStartup: %+v", info)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every reload told the UI about the world it built.
	if n := rt.eventCount(EventConfigChanged); n != workers*rounds {
		t.Errorf("%d config:changed events for %d reloads", n, workers*rounds)
	}
	// The last world works: a sign-in starts on it.
	if st, _ := a.Connect(); st.Phase != connect.PhaseSigningIn || st.SignIn == nil {
		t.Errorf("Connect after the reloads: %+v", st)
	}
}
