package msauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

var testEnv = env{
	authority: "https://login.microsoftonline.com", tenant: "common", clientID: testClientID,
	redirectURI: "http://localhost:51234/callback", secrets: []string{testSecret, "the-state-value-xyz"},
}

func msBody(errCode string, aadsts int, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"error":             errCode,
		"error_description": "AADSTS" + itoa(aadsts) + ": " + text + "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z",
		"error_codes":       []int{aadsts},
		"timestamp":         "2026-01-09 02:02:12Z",
		"trace_id":          "0000aaaa-11bb-cccc-dd22-eeeeee333333",
		"correlation_id":    "aaaa0000-bb11-2222-33cc-444444dddddd",
		"error_uri":         "https://login.microsoftonline.com/error?code=" + itoa(aadsts),
	})
	return b
}

func itoa(n int) string { return strconv.Itoa(n) }

func retrieveError(status int, body []byte) *oauth2.RetrieveError {
	re := &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, Body: body}
	var b struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) == nil {
		re.ErrorCode, re.ErrorDescription = b.Error, b.Description
	}
	return re
}

// The mapping from redirect parameters to problems, including codes the
// fake cannot produce.
func TestRedirectErrorMapping(t *testing.T) {
	desc := func(n int, text string) string {
		return "AADSTS" + itoa(n) + ": " + text + "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z"
	}
	cases := []struct {
		cb   callbackParams
		code string
	}{
		{callbackParams{Error: "access_denied", ErrorSubcode: "cancel", ErrorDescription: desc(65004, "User declined to consent to access the app.")}, CodeDeclined},
		{callbackParams{Error: "access_denied", ErrorDescription: "The user has denied access to the scope requested by the client application."}, CodeDeclined},
		{callbackParams{Error: "access_denied", ErrorDescription: desc(90094, "The grant requires admin permission.")}, CodeAdminApprovalRequired},
		{callbackParams{Error: "access_denied", ErrorDescription: desc(90095, "Admin consent is required.")}, CodeAdminApprovalRequired},
		{callbackParams{Error: "consent_required", ErrorDescription: desc(65001, "The user or administrator has not consented.")}, CodeConsentRequired},
		{callbackParams{Error: "interaction_required", ErrorDescription: desc(53003, "Access has been blocked by Conditional Access policies.")}, CodeBlockedByPolicy},
		{callbackParams{Error: "interaction_required", ErrorDescription: desc(50076, "Due to a configuration change ... multi-factor authentication.")}, CodeBlockedByPolicy},
		{callbackParams{Error: "interaction_required"}, CodeBlockedByPolicy},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(50194, "Application is not configured as a multi-tenant application.")}, CodeAppNotMultitenant},
		{callbackParams{Error: "unauthorized_client", ErrorDescription: desc(700016, "Application with identifier was not found.")}, CodeAppNotFound},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(50011, "The redirect URI does not match.")}, CodeRedirectURIMismatch},
		{callbackParams{Error: "access_denied", ErrorDescription: desc(50105, "The signed in user is not assigned to a role.")}, CodeNotAssigned},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(50057, "The user account is disabled.")}, CodeAccountProblem},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(50020, "User account from identity provider does not exist in tenant.")}, CodeWrongAccountType},
		{callbackParams{Error: "server_error", ErrorDescription: "An unexpected error occurred."}, CodeServiceUnavailable},
		{callbackParams{Error: "temporarily_unavailable"}, CodeServiceUnavailable},
		{callbackParams{Error: "invalid_request", ErrorDescription: desc(99999, "Something new.")}, CodeMicrosoftError},
		{callbackParams{Error: "weird<error>"}, CodeMicrosoftError},
	}
	for _, c := range cases {
		t.Run(c.code+"/"+c.cb.Error, func(t *testing.T) {
			p := classify(fromRedirect(c.cb), testEnv, nil)
			checkProblem(t, p, c.code)
			if strings.HasPrefix(c.cb.ErrorDescription, "AADSTS") {
				if detail(p, LabelCorrelationID) != "aaaa0000-bb11-2222-33cc-444444dddddd" ||
					detail(p, LabelTraceID) != "0000aaaa-11bb-cccc-dd22-eeeeee333333" ||
					detail(p, LabelTimestamp) != "2026-01-09 02:02:12Z" {
					t.Errorf("ids not parsed from the description: %v", p.Details)
				}
				if !strings.HasPrefix(detail(p, LabelMicrosoftErr), "AADSTS") || strings.Contains(detail(p, LabelMessage), "Trace ID") {
					t.Errorf("details %v", p.Details)
				}
			}
			if detail(p, LabelStep) != "Sign-in in the browser" || detail(p, LabelRedirectURI) != testEnv.redirectURI {
				t.Errorf("details %v", p.Details)
			}
			if c.code == CodeMicrosoftError && c.cb.Error == "weird<error>" && detail(p, LabelError) != "(unreadable)" {
				t.Errorf("error word %q", detail(p, LabelError))
			}
		})
	}
	// Unknown codes keep the AADSTS code and correlation id.
	p := classify(fromRedirect(callbackParams{Error: "invalid_request", ErrorDescription: desc(99999, "x")}), testEnv, nil)
	if detail(p, LabelMicrosoftErr) != "AADSTS99999" || detail(p, LabelCorrelationID) == "" ||
		detail(p, LabelErrorLookup) != "https://login.microsoftonline.com/error?code=99999" {
		t.Errorf("unknown code lost: %v", p.Details)
	}
}

// The mapping from token-endpoint errors (RetrieveError bodies) to problems.
func TestTokenErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		body   []byte
		code   string
	}{
		{401, msBody("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."), CodeClientSecretMissing},
		{401, msBody("invalid_client", 7000215, "Invalid client secret provided."), CodeClientSecretInvalid},
		{401, msBody("invalid_client", 7000222, "The provided client secret keys are expired."), CodeClientSecretExpired},
		{401, msBody("invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."), CodePublicClient},
		{400, msBody("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed."), CodeSignInExpired},
		{400, msBody("invalid_grant", 70008, "The provided authorization code or refresh token has expired."), CodeSignInExpired},
		{400, msBody("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge."), CodePKCEMismatch},
		{400, msBody("unauthorized_client", 700016, "Application with identifier was not found in the directory."), CodeAppNotFound},
		{400, msBody("invalid_grant", 65001, "The user or administrator has not consented."), CodeConsentRequired},
		{400, msBody("invalid_request", 50194, "Application is not configured as a multi-tenant application."), CodeAppNotMultitenant},
		{400, msBody("interaction_required", 53003, "Access has been blocked by Conditional Access policies."), CodeBlockedByPolicy},
		{400, msBody("invalid_grant", 50011, "The redirect URI does not match."), CodeRedirectURIMismatch},
		{400, msBody("invalid_grant", 700005, "Provided Authorization Code is intended to use against other tenant."), CodeMicrosoftError},
		{400, msBody("invalid_request", 9002326, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."), CodeMicrosoftError},
		{503, msBody("temporarily_unavailable", 90006, "The service is temporarily unavailable."), CodeServiceUnavailable},
		{500, []byte("<html>Internal Server Error</html>"), CodeServiceUnavailable},
		{400, []byte("not json"), CodeMicrosoftError},
		{400, []byte(`{"error":"invalid_grant"}`), CodeSignInExpired},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			p := classify(fromRetrieveError(retrieveError(c.status, c.body)), testEnv, nil)
			checkProblem(t, p, c.code)
			if detail(p, LabelStep) != "Token exchange" || !strings.HasPrefix(detail(p, LabelHTTPStatus), itoa(c.status)+" ") {
				t.Errorf("details %v", p.Details)
			}
			if json.Valid(c.body) && strings.Contains(string(c.body), "correlation_id") {
				if detail(p, LabelCorrelationID) != "aaaa0000-bb11-2222-33cc-444444dddddd" || detail(p, LabelTraceID) == "" || detail(p, LabelTimestamp) == "" {
					t.Errorf("ids not parsed from the body: %v", p.Details)
				}
			}
		})
	}
}

// checkProblem applies the rules every catalogue entry follows.
func checkProblem(t *testing.T, p *problem.Problem, code string) {
	t.Helper()
	if p.Code != code {
		t.Fatalf("code %s, want %s (details %v)", p.Code, code, p.Details)
	}
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Errorf("%s lacks words: %+v", code, p)
	}
	for _, jargon := range []string{"AADSTS", "OAuth", "token", "PKCE", "invalid_", "redirect URI"} {
		if strings.Contains(p.Title+" "+p.Message, jargon) {
			t.Errorf("%s: jargon %q in %q / %q", code, jargon, p.Title, p.Message)
		}
	}
	for _, d := range []string{LabelTenant, LabelClientID, LabelRedirectURI} {
		if detail(p, d) == "" {
			t.Errorf("%s: no %s detail", code, d)
		}
	}
	admin := catalogue[code].forAdmin
	if p.ForAdmin != admin {
		t.Errorf("%s: ForAdmin %v", code, p.ForAdmin)
	}
	if code == CodeAdminApprovalRequired {
		if v := detail(p, LabelAdminConsent); v != "https://login.microsoftonline.com/common/adminconsent?client_id="+testClientID {
			t.Errorf("admin consent link %q", v)
		}
	}
	if code == CodeRedirectURIMismatch && !strings.Contains(p.NextStep, "http://localhost/callback") {
		t.Errorf("next step %q", p.NextStep)
	}
	noSecrets(t, "problem", problemText(p), testEnv.secrets...)
}

func TestCatalogueIsComplete(t *testing.T) {
	for code, e := range catalogue {
		if !strings.HasPrefix(code, "msauth.") || e.title == "" {
			t.Errorf("%s: %+v", code, e)
		}
		if e.message == "" && code != CodeConfigInvalid && code != CodeTimeout {
			t.Errorf("%s has no message", code)
		}
		if e.next == "" && code != CodeRedirectURIMismatch {
			t.Errorf("%s has no next step", code)
		}
	}
}

func TestMicrosoftMessageIsSanitised(t *testing.T) {
	got := firstLine("AADSTS1: bad\x00\x1b[31m text "+testSecret+"\u2028more\r\nTrace ID: x", []string{testSecret})
	if got != "AADSTS1: bad[31m text [redacted]more" {
		t.Errorf("%q", got)
	}
	long := firstLine(strings.Repeat("é", 400), nil)
	if n := len([]rune(long)); n != 301 {
		t.Errorf("length %d", n)
	}
	if firstLine("\xff\xfe", nil) != "?" {
		t.Error("invalid UTF-8 kept")
	}
}

func jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	p, _ := json.Marshal(claims)
	return h + "." + enc.EncodeToString(p) + ".c2ln"
}

// The id_token and scope checks, on crafted token responses.
func TestResultChecks(t *testing.T) {
	s := &Session{cfg: Config{ClientID: testClientID}, nonce: "nonce-1", env: testEnv}
	exp := float64(time.Now().Add(time.Hour).Unix())
	good := func() map[string]any {
		return map[string]any{"aud": testClientID, "exp": exp, "nonce": "nonce-1", "email": "a@b.example",
			"preferred_username": "a@b.example", "name": "A", "oid": "o", "tid": "t"}
	}
	tok := func(claims map[string]any, rt string, scope any) *oauth2.Token {
		extra := map[string]any{}
		if claims != nil {
			extra["id_token"] = jwt(claims)
		}
		if scope != nil {
			extra["scope"] = scope
		}
		return (&oauth2.Token{AccessToken: "at", RefreshToken: rt}).WithExtra(extra)
	}
	const calScope = "https://graph.microsoft.com/Calendars.Read openid"
	cases := []struct {
		name   string
		tok    *oauth2.Token
		code   string
		email  string
		reason string
	}{
		{"good", tok(good(), "rt", calScope), "", "a@b.example", ""},
		{"short scope spelling", tok(good(), "rt", "Calendars.Read offline_access"), "", "a@b.example", ""},
		{"no scope field", tok(good(), "rt", nil), "", "a@b.example", ""},
		{"aud array", tok(with(good(), "aud", []string{"x", testClientID}), "rt", calScope), "", "a@b.example", ""},
		{"email falls back", tok(without(good(), "email"), "rt", calScope), "", "a@b.example", ""},
		{"no id_token", tok(nil, "rt", calScope), CodeInvalidResponse, "", "No id_token"},
		{"garbage id_token", (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"id_token": "a.b"}), CodeInvalidResponse, "", "malformed"},
		{"other audience", tok(with(good(), "aud", "someone-else"), "rt", calScope), CodeInvalidResponse, "", "aud"},
		{"expired", tok(with(good(), "exp", float64(time.Now().Add(-time.Hour).Unix())), "rt", calScope), CodeInvalidResponse, "", "expired"},
		{"no exp", tok(without(good(), "exp"), "rt", calScope), CodeInvalidResponse, "", "expired"},
		{"not yet valid", tok(with(good(), "nbf", float64(time.Now().Add(time.Hour).Unix())), "rt", calScope), CodeInvalidResponse, "", "not valid yet"},
		{"wrong nonce", tok(with(good(), "nonce", "other"), "rt", calScope), CodeInvalidResponse, "", "nonce"},
		{"no nonce", tok(without(good(), "nonce"), "rt", calScope), CodeInvalidResponse, "", "nonce"},
		{"no refresh token", tok(good(), "", calScope), CodeNoRefreshToken, "", "offline_access"},
		{"no Calendars.Read", tok(good(), "rt", "openid profile email offline_access"), CodeCalendarsNotGranted, "", "Calendars.Read"},
		{"no email at all", tok(without(without(good(), "email"), "preferred_username"), "rt", calScope), CodeInvalidResponse, "", "neither email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, p := s.resultFrom(c.tok)
			if c.code == "" {
				if p != nil {
					t.Fatalf("problem %v %v", p, p.Details)
				}
				if res.Email != c.email || res.RefreshToken != "rt" {
					t.Errorf("result %v", res)
				}
				return
			}
			if p == nil {
				t.Fatalf("no problem, want %s", c.code)
			}
			checkProblem(t, p, c.code)
			if !strings.Contains(detail(p, LabelReason), c.reason) {
				t.Errorf("reason %q, want %q", detail(p, LabelReason), c.reason)
			}
		})
	}
}

func with(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
func without(m map[string]any, k string) map[string]any     { delete(m, k); return m }

// Even if Microsoft echoed the code (or the secret) in its message, the
// problem would not carry it.
func TestTokenErrorMessageIsScrubbed(t *testing.T) {
	s := &Session{env: testEnv, exCtx: context.Background()}
	code := "1.AcodeValueThatMustNotLeak0123456789"
	re := retrieveError(400, msBody("invalid_grant", 70000, "The provided value for the 'code' parameter is not valid: "+code+" / "+testSecret))
	p := s.exchangeProblem(re, code)
	checkProblem(t, p, CodeSignInExpired)
	noSecrets(t, "problem", problemText(p), code, testSecret)
	if !strings.Contains(detail(p, LabelMessage), "[redacted]") {
		t.Errorf("message %q", detail(p, LabelMessage))
	}
}
