package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/wailsapp/wails/v2/pkg/options"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/vault"
)

// startFakes runs a demo world the test owns, to configure the app against
// (as an admin would point it at Microsoft and Recall).
func startFakes(t *testing.T) *demo.Services {
	t.Helper()
	svc := startDemo(t)
	svc.Identity.Faults().SetAutoAccept(true)
	return svc
}

// configuredEnv points the app at the fakes through the environment, as a
// developer or an admin would.
func configuredEnv(svc *demo.Services, dir, service string) map[string]string {
	return map[string]string{
		config.EnvConfigDir:      dir,
		config.EnvKeyringService: service,
		config.EnvClientID:       svc.ClientID,
		config.EnvClientSecret:   svc.ClientSecret,
		config.EnvAuthority:      svc.MicrosoftURL(),
		config.EnvRecallAPIKey:   svc.RecallAPIKey,
		config.EnvRecallBaseURL:  svc.RecallURL(),
		config.EnvBrowser:        "true", // the test plays the browser itself
	}
}

// answerSignIn plays the person's browser for a sign-in the app started:
// it opens the start URL and clicks "accept" or "cancel" on the fake
// Microsoft page.
func answerSignIn(t *testing.T, st connect.State, click string) {
	t.Helper()
	if st.SignIn == nil {
		t.Fatalf("no sign-in started: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := (&identity.Browser{Click: click}).Open(ctx, st.SignIn.StartURL); err != nil {
		t.Fatal(err)
	}
}

// setupFileFor is a version-1 setup file (app/config/SETUP_FILE.md) for
// the fakes, written by hand so the test does not share the app's encoder.
func setupFileFor(svc *demo.Services) []byte {
	b, _ := json.Marshal(map[string]any{
		"format":  "outlook-connect-setup",
		"version": 1,
		"microsoft": map[string]string{
			"clientId":     svc.ClientID,
			"clientSecret": svc.ClientSecret,
			"authority":    svc.MicrosoftURL(),
		},
		"recall": map[string]string{
			"baseUrl": svc.RecallURL(),
			"apiKey":  svc.RecallAPIKey,
		},
	})
	return b
}

// ageEncrypt protects data with a passphrase the way `age -p -a` does (at a
// lower work factor, to keep the test quick).
func ageEncrypt(t *testing.T, data []byte, passphrase string) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(12)
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportSetupFile: an admin's passphrase-protected setup file, picked
// on the Setup screen. Without or with a wrong passphrase nothing changes
// and the passphrase is asked for again; a file with problems changes
// nothing; with the right passphrase the secrets go to the keychain (and
// nowhere else), the app leaves demo mode at once, and it really uses the
// imported settings: a sign-in reaches the fakes the file named.
func TestImportSetupFile(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	dir := t.TempDir()
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      dir,
		config.EnvKeyringService: service,
		config.EnvBrowser:        "true",
	})
	if info, _ := a.GetAppInfo(); !info.Demo {
		t.Fatalf("starts in demo mode: %+v", info)
	}
	const passphrase = "correct horse battery staple"
	file := ageEncrypt(t, setupFileFor(svc), passphrase)
	stillDemo := func(when string) {
		t.Helper()
		if info, _ := a.GetAppInfo(); !info.Demo {
			t.Errorf("%s: the app left demo mode: %+v", when, info)
		}
		if n := rt.eventCount(EventConfigChanged); n != 0 {
			t.Errorf("%s: %d config:changed events", when, n)
		}
		if _, err := os.Stat(filepath.Join(dir, "settings.json")); !os.IsNotExist(err) {
			t.Errorf("%s: settings.json written (%v)", when, err)
		}
	}

	res, err := a.ImportSetupFile(string(file), "")
	if err != nil || res.OK || !res.NeedsPassphrase || res.Problem != nil {
		t.Fatalf("no passphrase: %+v %v", res, err)
	}
	stillDemo("no passphrase")

	res, err = a.ImportSetupFile(string(file), "wrong horse")
	if err != nil || res.OK || !res.NeedsPassphrase || res.Problem == nil || res.Problem.Code != "config.setup_file_wrong_passphrase" {
		t.Fatalf("wrong passphrase: want the passphrase asked for again with a problem, got %+v %v", res, err)
	}
	stillDemo("wrong passphrase")

	var bad map[string]any
	_ = json.Unmarshal(setupFileFor(svc), &bad)
	bad["microsoft"].(map[string]any)["clientId"] = "not-a-guid"
	badFile, _ := json.Marshal(bad)
	res, err = a.ImportSetupFile(string(badFile), "")
	if err != nil || res.OK || len(res.Errors) != 1 || res.Errors[0].Field != "microsoft.clientId" {
		t.Fatalf("invalid file: %+v %v", res, err)
	}
	stillDemo("invalid file")

	res, err = a.ImportSetupFile(string(file), passphrase)
	if err != nil || !res.OK || res.View == nil || res.View.Demo {
		t.Fatalf("import: %+v %v", res, err)
	}
	info, _ := a.GetAppInfo()
	if info.Demo || !info.Configured || info.SetupProblem != nil {
		t.Fatalf("after the import the app is configured: %+v", info)
	}
	if n := rt.eventCount(EventConfigChanged); n != 1 {
		t.Errorf("%d config:changed events, want 1", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, _ := vault.New(vault.Options{Service: service})
	if got, err := v.LoadClientSecret(ctx); err != nil || got != svc.ClientSecret {
		t.Errorf("client secret in the keychain: match %v, %v", got == svc.ClientSecret, err)
	}
	if got, err := v.LoadRecallAPIKey(ctx); err != nil || got != svc.RecallAPIKey {
		t.Errorf("Recall API key in the keychain: match %v, %v", got == svc.RecallAPIKey, err)
	}
	settings, err := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err != nil || !strings.Contains(string(settings), svc.ClientID) {
		t.Fatalf("settings.json holds the client id: %v", err)
	}

	st, _ := a.Connect()
	answerSignIn(t, st, "accept")
	waitForPhase(t, a, connect.PhaseConnected)
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Fatalf("the imported Recall settings were not used: %d calendars", n)
	}

	hits, err := logging.ScanForSecrets(dir, svc.ClientSecret, svc.RecallAPIKey)
	if err != nil || len(hits) > 0 {
		t.Fatalf("secrets in the config folder: %v %v", hits, err)
	}
	for _, s := range []string{svc.ClientSecret, svc.RecallAPIKey} {
		if strings.Contains(rt.allEvents(), s) {
			t.Fatal("a secret reached the UI in an event")
		}
	}
}

// browserScript is a BROWSER command that appends each URL it is given to
// a file and fails (exit 1) as many times as the count in failFile says.
// It runs through /bin/sh rather than as an executable file: executing a
// file just written while parallel tests fork can fail with "text file
// busy" (golang/go#22315).
func browserScript(t *testing.T) (browser, urls, failFile string) {
	t.Helper()
	dir := t.TempDir()
	urls, failFile = filepath.Join(dir, "urls"), filepath.Join(dir, "fail")
	browser = filepath.Join(dir, "browser.sh")
	script := "#!/bin/sh\n" +
		"n=$(cat '" + failFile + "' 2>/dev/null || echo 0)\n" +
		"if [ \"$n\" -gt 0 ]; then echo $((n - 1)) >'" + failFile + "'; exit 1; fi\n" +
		"echo \"$1\" >>'" + urls + "'\n"
	if err := os.WriteFile(browser, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	return "/bin/sh " + browser + " %s", urls, failFile
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestOpenSignInAgain: when the browser did not open, "Open again" opens
// the same sign-in page and the screen stops saying it did not open; it
// does nothing once no sign-in is waiting.
func TestOpenSignInAgain(t *testing.T) {
	service := requireKeychain(t)
	browser, urls, failFile := browserScript(t)
	if err := os.WriteFile(failFile, []byte("1"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: service,
		config.EnvBrowser:        browser,
	})
	st, _ := a.Connect()
	if st.Phase != connect.PhaseSigningIn || st.SignIn == nil || st.SignIn.BrowserOpened {
		t.Fatalf("Connect with a failing browser: %+v", st.SignIn)
	}
	if got := readLines(t, urls); len(got) != 0 {
		t.Fatalf("the browser opened: %v", got)
	}
	startURL := st.SignIn.StartURL
	events := rt.eventCount(EventStateChanged)

	st, err := a.OpenSignInAgain()
	if err != nil || st.Phase != connect.PhaseSigningIn || st.SignIn == nil || !st.SignIn.BrowserOpened || st.SignIn.StartURL != startURL {
		t.Fatalf("OpenSignInAgain: %+v %v", st.SignIn, err)
	}
	if got := readLines(t, urls); len(got) != 1 || got[0] != startURL {
		t.Fatalf("the browser was asked for %v, want [%s]", got, startURL)
	}
	if rt.eventCount(EventStateChanged) <= events {
		t.Error("the UI was not told that the browser opened")
	}

	st, _ = a.CancelSignIn()
	if st.Phase != connect.PhaseIdle {
		t.Fatalf("CancelSignIn: %+v", st)
	}
	if st, _ = a.OpenSignInAgain(); st.Phase != connect.PhaseIdle || len(readLines(t, urls)) != 1 {
		t.Errorf("OpenSignInAgain with no sign-in waiting opened the browser or changed the screen: %+v", st)
	}
}

// TestDismissProblem: the error card of a declined sign-in goes away when
// dismissed, on this screen and in the state the UI is sent.
func TestDismissProblem(t *testing.T) {
	service := requireKeychain(t)
	a, rt := startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: service,
		config.EnvBrowser:        "true",
	})
	st, _ := a.Connect()
	answerSignIn(t, st, "cancel")
	st = waitForPhase(t, a, connect.PhaseIdle)
	if st.Problem == nil || st.Problem.Code != "msauth.declined" {
		t.Fatalf("a declined sign-in shows a card: %+v", st.Problem)
	}

	st, err := a.DismissProblem()
	if err != nil || st.Problem != nil || st.Phase != connect.PhaseIdle {
		t.Fatalf("DismissProblem: %+v %v", st, err)
	}
	if st, _ := a.GetState(); st.Problem != nil {
		t.Errorf("the card is back: %+v", st.Problem)
	}
	rt.mu.Lock()
	last := rt.events[len(rt.events)-1]
	rt.mu.Unlock()
	if !strings.HasPrefix(last, EventStateChanged+" ") || strings.Contains(last, `"problem"`) {
		t.Errorf("the UI's last state still has the card: %s", last)
	}
	// Nothing to dismiss: no change, no error.
	if st, err := a.DismissProblem(); err != nil || st.Problem != nil {
		t.Errorf("second DismissProblem: %+v %v", st, err)
	}
}

// TestSecondInstanceShowsTheWindow: starting the app again brings the
// running window forward (Wails' single-instance lock calls the hook),
// also when it comes before start-up finished.
func TestSecondInstanceShowsTheWindow(t *testing.T) {
	d := New(Options{LookupEnv: envFrom(map[string]string{config.EnvConfigDir: t.TempDir()})})
	d.SecondInstanceLaunched(options.SecondInstanceData{Args: []string{"outlook-connect"}}) // before Startup: no runtime yet, no panic

	rt := &recordingRuntime{}
	prev := runtimeFactory
	runtimeFactory = func(context.Context) Runtime { return rt }
	t.Cleanup(func() { runtimeFactory = prev })
	d = New(Options{LookupEnv: envFrom(map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: "Outlook Connect test unused",
		config.EnvClientID:       "not-a-guid", // no world: the window still comes forward
	})})
	d.Startup(context.Background())
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	d.SecondInstanceLaunched(options.SecondInstanceData{Args: []string{"outlook-connect"}, WorkingDirectory: "/"})
	d.SecondInstanceLaunched(options.SecondInstanceData{})
	rt.mu.Lock()
	shown := rt.shown
	rt.mu.Unlock()
	if shown != 2 {
		t.Errorf("ShowWindow called %d times for 2 second instances", shown)
	}
}

// desktopRun is one run of the app, shut down by the test or at cleanup.
type desktopRun struct {
	d    *Desktop
	app  *App
	rt   *recordingRuntime
	host *testHost
	once sync.Once
}

func (r *desktopRun) stop() { r.once.Do(func() { r.d.Shutdown(context.Background()) }) }

// runDesktop starts the app as Wails would, with a recording runtime and a
// test host: start-at-login entries go to a temporary home folder and no
// helper process is started.
func runDesktop(t *testing.T, env map[string]string) *desktopRun {
	t.Helper()
	return runDesktopOn(t, env, newTestHost(t))
}

// runDesktopOn is runDesktop with a given host (several runs, or a window
// and a helper, sharing one home folder).
func runDesktopOn(t *testing.T, env map[string]string, h *testHost) *desktopRun {
	t.Helper()
	rt := &recordingRuntime{}
	prev := runtimeFactory
	runtimeFactory = func(context.Context) Runtime { return rt }
	t.Cleanup(func() { runtimeFactory = prev })
	d := New(Options{Version: "test", LookupEnv: envFrom(env), host: h})
	d.Startup(context.Background())
	r := &desktopRun{d: d, app: d.Bound(), rt: rt, host: h}
	t.Cleanup(r.stop)
	return r
}

// TestRestartKeepsTheConnection: quit and start again with the real
// keychain and the real connection file: the person is still connected to
// the same Recall calendar, with no new sign-in. Demo mode, by design,
// starts afresh and leaves no demo sign-in behind.
func TestRestartKeepsTheConnection(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	dir := t.TempDir()
	env := configuredEnv(svc, dir, service)
	first := runDesktop(t, env)
	st, _ := first.app.Connect()
	answerSignIn(t, st, "accept")
	before := waitForPhase(t, first.app, connect.PhaseConnected)
	first.stop()
	codes := svc.Identity.Stats().CodesRedeemed

	conn, err := os.Stat(filepath.Join(dir, "connection.json"))
	if err != nil || conn.Mode().Perm() != 0o600 {
		t.Fatalf("connection.json after quitting: %v %v", conn, err)
	}

	second := runDesktop(t, env)
	after := waitForPhase(t, second.app, connect.PhaseConnected)
	if after.Account != before.Account || after.Calendar == nil || after.Calendar.ID != before.Calendar.ID {
		t.Fatalf("after a restart: account %q calendar %+v, want %q %s", after.Account, after.Calendar, before.Account, before.Calendar.ID)
	}
	if n := svc.Identity.Stats().CodesRedeemed; n != codes {
		t.Errorf("the restart signed in again (%d codes redeemed, want %d)", n, codes)
	}
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Errorf("%d calendars in Recall after the restart, want 1", n)
	}
	// The restarted app really holds the sign-in: it can disconnect, which
	// needs the calendar id from the file and removes the keychain item.
	if _, err := second.app.Disconnect(); err != nil {
		t.Fatal(err)
	}
	waitForPhase(t, second.app, connect.PhaseIdle)
	if n := len(svc.Recall.Calendars()); n != 0 {
		t.Errorf("%d calendars left after Disconnect", n)
	}
	v, _ := vault.New(vault.Options{Service: service})
	if _, err := v.LoadRefreshToken(context.Background(), before.Account); !vault.IsNotFound(err) {
		t.Errorf("refresh token after Disconnect: %v", err)
	}
	second.stop()

	// Demo mode: connect, quit, start again: back at the Connect screen,
	// and the demo sign-in is gone from the keychain.
	demoEnv := map[string]string{config.EnvConfigDir: t.TempDir(), config.EnvKeyringService: service, config.EnvBrowser: "true"}
	d1 := runDesktop(t, demoEnv)
	st, _ = d1.app.Connect()
	answerSignIn(t, st, "accept")
	demoBefore := waitForPhase(t, d1.app, connect.PhaseConnected)
	d1.stop()
	d2 := runDesktop(t, demoEnv)
	if st, _ := d2.app.GetState(); st.Phase != connect.PhaseIdle || st.Account != "" {
		t.Errorf("demo mode after a restart: %+v, want a fresh start", st)
	}
	dv, _ := vault.New(vault.Options{Service: service + " (demo)"})
	if _, err := dv.LoadRefreshToken(context.Background(), demoBefore.Account); !vault.IsNotFound(err) {
		t.Errorf("demo refresh token after a restart: %v", err)
	}
}

// TestBoundMethodsDriveAConnection walks a connection through every bound
// method that acts on it — status checks, a disconnection seen by Recall,
// Reconnect, Finish connecting after Recall refused, a failed Disconnect
// and Remove from this computer — against the fakes, so each method is
// known to reach its use case.
func TestBoundMethodsDriveAConnection(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	a, rt := startApp(t, configuredEnv(svc, t.TempDir(), service))

	// Recall refuses the key while registering: signed in, not connected;
	// Finish connecting needs no new sign-in once Recall accepts it again.
	svc.Recall.Faults().RevokeKey(true)
	st, _ := a.Connect()
	answerSignIn(t, st, "accept")
	st = waitForPhase(t, a, connect.PhaseFinishPending)
	if st.Problem == nil || !strings.HasPrefix(st.Problem.Code, "recall.") {
		t.Fatalf("finish pending without a Recall problem: %+v", st.Problem)
	}
	codes := svc.Identity.Stats().CodesRedeemed
	svc.Recall.Faults().RevokeKey(false)
	if _, err := a.FinishConnecting(); err != nil {
		t.Fatal(err)
	}
	st = waitForPhase(t, a, connect.PhaseConnected)
	if svc.Identity.Stats().CodesRedeemed != codes {
		t.Error("Finish connecting signed in again")
	}
	calendarID := st.Calendar.ID

	// Status checks read Recall: a disconnection recorded there shows up
	// with its likely cause, by the button and by focusing the window.
	svc.Recall.SetCalendarStatus(calendarID, "disconnected", map[string]any{
		"error": "invalid_grant", "error_description": "AADSTS70008: The refresh token has expired.",
	})
	st, _ = a.RefreshStatus()
	if st.Calendar == nil || st.Calendar.Status != "disconnected" || st.Calendar.LikelyCause == "" || st.Calendar.CheckedAt == "" {
		t.Fatalf("RefreshStatus after a disconnection: %+v", st.Calendar)
	}
	svc.Recall.SetCalendarStatus(calendarID, "connected", nil)
	if st, _ = a.WindowFocused(); st.Calendar == nil {
		t.Fatalf("WindowFocused: %+v", st)
	}

	// Reconnect updates the same calendar.
	svc.Recall.SetCalendarStatus(calendarID, "disconnected", map[string]any{"error": "invalid_grant"})
	a.RefreshStatus()
	st, _ = a.Reconnect()
	answerSignIn(t, st, "accept")
	st = waitForPhase(t, a, connect.PhaseConnected)
	if st.Calendar.ID != calendarID || len(svc.Recall.Calendars()) != 1 {
		t.Fatalf("Reconnect made another calendar: %s, %d in Recall", st.Calendar.ID, len(svc.Recall.Calendars()))
	}

	// Recall refuses the Disconnect: the person may remove the connection
	// from this computer only; the calendar stays in Recall, as the card says.
	svc.Recall.Faults().RevokeKey(true)
	a.Disconnect()
	st = waitForPhase(t, a, connect.PhaseDisconnectFailed)
	st, _ = a.RemoveFromThisComputer()
	if st.Phase != connect.PhaseIdle {
		st = waitForPhase(t, a, connect.PhaseIdle)
	}
	if st.Problem == nil || st.Problem.Code != "connect.removed_locally" {
		t.Errorf("after Remove from this computer: %+v", st.Problem)
	}
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Errorf("%d calendars in Recall after removing locally, want it kept", n)
	}
	if !strings.Contains(rt.allEvents(), `"phase":"disconnect_failed"`) {
		t.Error("the UI was never shown the failed disconnect")
	}
}

// TestSmallBoundMethods: copy to the clipboard, the Setup view and the
// Microsoft test button reach their implementations.
func TestSmallBoundMethods(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	a, rt := startApp(t, configuredEnv(svc, t.TempDir(), service))
	if err := a.CopyText("details for IT"); err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	clip := rt.clipboard
	rt.mu.Unlock()
	if clip != "details for IT" {
		t.Errorf("clipboard %q", clip)
	}
	view, err := a.GetSetup()
	if err != nil || view.Demo || view.ClientID.Value != svc.ClientID || view.ClientID.Source != config.SourceEnvironment ||
		!view.ClientID.Locked || !view.ClientSecret.Set {
		t.Errorf("GetSetup: %+v %v", view, err)
	}
	in := config.SetupInput{ClientID: svc.ClientID, Authority: svc.MicrosoftURL()}
	if res, err := a.TestMicrosoft(in); err != nil || !res.OK {
		t.Errorf("TestMicrosoft against the fake: %+v %v", res, err)
	}
	if res, _ := a.TestMicrosoft(config.SetupInput{ClientID: "not-a-guid"}); res.OK {
		t.Error("TestMicrosoft accepted a bad client id")
	}
}

// TestDemoControlFile: in demo mode with OUTLOOK_CONNECT_DEMO_CONTROL_FILE
// set, the app writes where its control API and fakes are and which
// keychain namespace demo mode uses — what the e2e harness checks against
// the namespace it chose.
func TestDemoControlFile(t *testing.T) {
	service := requireKeychain(t)
	file := filepath.Join(t.TempDir(), "control.json")
	a, _ := startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: service,
		demoControlFileEnv:       file,
	})
	if info, _ := a.GetAppInfo(); !info.Demo {
		t.Fatalf("demo mode: %+v", info)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var desc map[string]string
	if err := json.Unmarshal(data, &desc); err != nil {
		t.Fatal(err)
	}
	if desc["keyring_service"] != service+" (demo)" {
		t.Errorf("keyring_service %q, want %q", desc["keyring_service"], service+" (demo)")
	}
	for _, k := range []string{"control_url", "microsoft_url", "recall_url"} {
		if !strings.HasPrefix(desc[k], "http://127.0.0.1:") {
			t.Errorf("%s = %q, want a loopback URL", k, desc[k])
		}
	}
	res, err := http.Get(desc["control_url"] + "/recall/faults")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("control API: %d", res.StatusCode)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("control file: %v %v", fi, err)
	}
}
