package app

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
)

// signInRequest starts a sign-in and returns where its start page sends
// the browser (Microsoft's authorize request), then cancels the sign-in.
// Nothing is asked of the authority itself, so a national cloud's address
// can be configured without reaching it.
func signInRequest(t *testing.T, a *App) *url.URL {
	t.Helper()
	st, err := a.Connect()
	if err != nil || st.Phase != connect.PhaseSigningIn || st.SignIn == nil {
		t.Fatalf("Connect = %+v, %v", st, err)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(st.SignIn.StartURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("start page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := a.CancelSignIn(); err != nil {
		t.Fatal(err)
	}
	waitForPhase(t, a, connect.PhaseIdle)
	return loc
}

func graphScopes(loc *url.URL) []string {
	var out []string
	for _, sc := range strings.Fields(loc.Query().Get("scope")) {
		if strings.HasSuffix(sc, "/Calendars.Read") {
			out = append(out, sc)
		}
	}
	return out
}

// US Government L5 (DoD) signs in at L4's host, so only the admin's
// Graph host tells the sign-in to ask for DoD's calendar permission: from
// the environment or from Setup, it reaches msauth through the wiring.
func TestDoDSetupAsksForDoDGraph(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	const usGov = "https://login.microsoftonline.us"

	env := configuredEnv(svc, t.TempDir(), service)
	env[config.EnvAuthority] = usGov
	env[config.EnvGraphHost] = "dod-graph.microsoft.us"
	a, _ := startApp(t, env)
	loc := signInRequest(t, a)
	if loc.Scheme != "https" || loc.Host != "login.microsoftonline.us" || loc.Path != "/common/oauth2/v2.0/authorize" {
		t.Errorf("sign-in goes to %s", loc.Redacted())
	}
	if got := graphScopes(loc); !slices.Equal(got, []string{"https://dod-graph.microsoft.us/Calendars.Read"}) {
		t.Errorf("DoD from the environment asks for %v", got)
	}

	// Without it, the US Government authority's own Graph (L4) ...
	env = configuredEnv(svc, t.TempDir(), service)
	env[config.EnvAuthority] = usGov
	a, _ = startApp(t, env)
	if got := graphScopes(signInRequest(t, a)); !slices.Equal(got, []string{"https://graph.microsoft.us/Calendars.Read"}) {
		t.Errorf("US Government asks for %v", got)
	}
	// ... until IT saves DoD's in Setup.
	res, err := a.SaveSetup(config.SetupInput{GraphHost: "dod-graph.microsoft.us"})
	if err != nil || !res.Validation.OK {
		t.Fatalf("SaveSetup = %+v, %v", res, err)
	}
	if got := graphScopes(signInRequest(t, a)); !slices.Equal(got, []string{"https://dod-graph.microsoft.us/Calendars.Read"}) {
		t.Errorf("DoD from Setup asks for %v", got)
	}
}

// Demo mode signs in at its own fake on loopback, which is no US
// Government cloud: a DoD setup waiting there must not break the demo.
func TestDemoModeIgnoresTheConfiguredGraphHost(t *testing.T) {
	service := requireKeychain(t)
	svc := startFakes(t)
	env := configuredEnv(svc, t.TempDir(), service)
	env[config.EnvAuthority] = "https://login.microsoftonline.us"
	env[config.EnvGraphHost] = "dod-graph.microsoft.us"
	env[config.EnvDemo] = "1"
	a, _ := startApp(t, env)
	if info, _ := a.GetAppInfo(); !info.Demo || info.SetupProblem != nil {
		t.Fatalf("want demo mode, got %+v", info)
	}
	loc := signInRequest(t, a)
	if !strings.HasPrefix(loc.Host, "127.0.0.1:") {
		t.Errorf("demo sign-in goes to %s", loc.Redacted())
	}
	if got := graphScopes(loc); !slices.Equal(got, []string{"https://graph.microsoft.com/Calendars.Read"}) {
		t.Errorf("demo asks for %v", got)
	}
}
