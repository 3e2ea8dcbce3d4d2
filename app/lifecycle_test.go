package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/demo"
	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/vault"
)

// The tests in this file run issue 12's journeys through the real wiring:
// msauth, the recall client and the keychain against the strict fakes.

// demoAccountKey is the keychain key of the demo account: its oid.tid.
func demoAccountKey() string {
	a := identity.DefaultAccount()
	return a.ObjectID + "." + a.TenantID
}

// waitForTokenGone waits until Recall reports the calendar connected and
// the refresh token has left the keychain.
func waitForTokenGone(t *testing.T, a *App, v *vault.Vault, key string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _ = a.RefreshStatus()
		_, err := v.LoadRefreshToken(context.Background(), key)
		if vault.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			st, _ := a.GetState()
			t.Fatalf("the refresh token is still in the keychain (%v); state %+v", err, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// configuredApp starts the app configured through the environment against
// svc, with the sign-in page answered by the test.
func configuredApp(t *testing.T, svc *demo.Services) (*App, *recordingRuntime) {
	t.Helper()
	service := requireKeychain(t)
	svc.Identity.Faults().SetAutoAccept(true)
	return startApp(t, map[string]string{
		config.EnvConfigDir:      t.TempDir(),
		config.EnvKeyringService: service,
		config.EnvClientID:       svc.ClientID,
		config.EnvClientSecret:   svc.ClientSecret,
		config.EnvAuthority:      svc.MicrosoftURL(),
		config.EnvRecallAPIKey:   svc.RecallAPIKey,
		config.EnvRecallBaseURL:  svc.RecallURL(),
		config.EnvBrowser:        "true",
	})
}

func startDemo(t *testing.T) *demo.Services {
	t.Helper()
	svc, err := demo.Start(demo.Options{ConnectDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// browseSignIn plays the person's browser for a Connect or Reconnect.
func browseSignIn(t *testing.T, st connect.State) {
	t.Helper()
	if st.SignIn == nil {
		t.Fatalf("no sign-in started: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := (&identity.Browser{Click: "accept"}).Open(ctx, st.SignIn.StartURL); err != nil {
		t.Fatal(err)
	}
}

// pendingAfterLostCreate connects with every answer to the create lost
// (attempts and retries alike), so the app offers Finish connecting while
// Recall has made the calendar; then Recall answers normally again.
func pendingAfterLostCreate(t *testing.T) (*App, *demo.Services) {
	t.Helper()
	svc := startDemo(t)
	a, _ := configuredApp(t, svc)
	svc.Recall.Faults().Add(recallapi.Fault{Method: "POST", Path: "/api/v2/calendars/", DropResponse: true, Times: 1000})
	st, _ := a.Connect()
	browseSignIn(t, st)
	waitForPhase(t, a, connect.PhaseFinishPending)
	if n := len(svc.Recall.Calendars()); n != 1 {
		t.Fatalf("%d calendars after the lost answers, want the 1 Recall made", n)
	}
	svc.Recall.Faults().Reset()
	return a, svc
}

// Item 1: every answer of the create is lost, so the person gets Finish
// connecting; it replays the create Recall did, and there is exactly one
// calendar. The mailbox address differs from the sign-in address, so no
// lookup by email could have found it: only the kept key does.
func TestLostCreateThenFinishConnectingMakesOneCalendar(t *testing.T) {
	a, svc := pendingAfterLostCreate(t)
	if _, err := a.FinishConnecting(); err != nil {
		t.Fatal(err)
	}
	st := waitForPhase(t, a, connect.PhaseConnected)
	cals := svc.Recall.Calendars()
	if len(cals) != 1 || st.Calendar == nil || st.Calendar.ID != cals[0].ID {
		t.Fatalf("after Finish connecting: %d calendars %+v, state %+v; want exactly the first", len(cals), cals, st.Calendar)
	}
	keys := map[string]bool{}
	for _, r := range svc.Recall.Requests() {
		if r.Method == "POST" && r.Path == "/api/v2/calendars/" {
			keys[r.IdempotencyKey] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("creates used %d Idempotency-Keys, want the one kept", len(keys))
	}
}

// Item 3 (with 1): Start over from Finish connecting looks the lost
// create's calendar up and deletes it; nothing is left anywhere.
func TestStartOverAfterALostCreateLeavesNothing(t *testing.T) {
	a, svc := pendingAfterLostCreate(t)
	if _, err := a.Disconnect(); err != nil {
		t.Fatal(err)
	}
	st := waitForPhase(t, a, connect.PhaseIdle)
	if st.Problem != nil {
		t.Fatalf("Start over: %+v", st.Problem)
	}
	if n := len(svc.Recall.Calendars()); n != 0 {
		t.Errorf("%d calendars left in Recall, want the lost create's deleted", n)
	}
	v, _ := vault.New(vault.Options{Service: a.current().base.vault.Service()})
	if _, err := v.LoadRefreshToken(context.Background(), demoAccountKey()); !vault.IsNotFound(err) {
		t.Errorf("the sign-in is still in the keychain: %v", err)
	}
}

// Item 6: IT rotates the client secret (a new setup saved while connected):
// the app PATCHes the calendar with the new secret once, Recall reconnects
// it, and nobody signs in.
func TestSecretRotationPatchesOnceWithoutSignIn(t *testing.T) {
	service := requireKeychain(t)
	svc := startDemo(t)
	a, _ := startApp(t, map[string]string{config.EnvConfigDir: t.TempDir(), config.EnvKeyringService: service})
	in := config.SetupInput{
		ClientID: svc.ClientID, ClientSecret: svc.ClientSecret, Authority: svc.MicrosoftURL(),
		RecallBaseURL: svc.RecallURL(), RecallAPIKey: svc.RecallAPIKey,
	}
	if res, err := a.SaveSetup(in); err != nil || !res.Validation.OK {
		t.Fatalf("SaveSetup: %+v %v", res, err)
	}
	svc.Identity.Faults().SetAutoAccept(true)
	st, _ := a.Connect()
	browseSignIn(t, st)
	st = waitForPhase(t, a, connect.PhaseConnected)
	id := st.Calendar.ID
	authorizeBefore := svc.Identity.Stats().AuthorizeRequests

	// IT adds a new secret in Entra, the old one expires, Recall loses
	// the calendar; then IT's new setup arrives.
	const rotated = "rotated~client-secret.value-2"
	svc.Identity.AddClientSecret(rotated)
	svc.Identity.Faults().SetSecretExpired(true)
	svc.Recall.SetCalendarStatus(id, "disconnected", map[string]any{"error": "invalid_client", "error_description": "AADSTS7000222: expired"})
	in.ClientSecret = rotated
	if res, err := a.SaveSetup(in); err != nil || !res.Validation.OK {
		t.Fatalf("SaveSetup with the new secret: %+v %v", res, err)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ = a.RefreshStatus()
		if st.Calendar != nil && st.Calendar.Status == "connected" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the calendar did not reconnect with the new secret: %+v", st.Calendar)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var patches []recallapi.RequestRecord
	for _, r := range svc.Recall.Requests() {
		if r.Method == "PATCH" && r.Path == "/api/v2/calendars/"+id+"/" {
			patches = append(patches, r)
		}
	}
	if len(patches) != 1 || !slices.Equal(patches[0].BodyFields, []string{"oauth_client_secret"}) {
		t.Fatalf("PATCHes %+v, want one carrying only oauth_client_secret", patches)
	}
	cals := svc.Recall.Calendars()
	if len(cals) != 1 || cals[0].SecretFingerprint != fingerprintOf(rotated) {
		t.Errorf("calendars %+v, want ours holding the new secret", cals)
	}
	if got := svc.Identity.Stats().AuthorizeRequests; got != authorizeBefore {
		t.Errorf("%d sign-in pages opened during the rotation, want none", got-authorizeBefore)
	}
	if st.Phase != connect.PhaseConnected || st.Calendar.ID != id || st.Problem != nil {
		t.Errorf("state after the rotation: %+v", st)
	}
}

// fingerprintOf is how the fake Recall shows a calendar's client secret.
func fingerprintOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}
