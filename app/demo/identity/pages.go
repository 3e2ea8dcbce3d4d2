package identity

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
)

// The pages are small, self-contained (inline CSS, no external resources)
// and escape everything they echo (html/template). Buttons are real form
// POSTs; the only script is the form_post auto-submit, which also works
// without JavaScript through its visible Continue button.

const autoSubmitScript = `document.forms[0].submit();`

var autoSubmitHash = func() string {
	h := sha256.Sum256([]byte(autoSubmitScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

var pages = template.Must(template.New("layout").Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.}} – Microsoft (demo)</title>
<style>
:root{color-scheme:light dark;--bg:#f2f2f2;--card:#fff;--fg:#1b1b1b;--muted:#5e5e5e;--accent:#0067b8;--banner:#fff4ce;--bannerfg:#3b2f00;--err:#a4262c}
@media (prefers-color-scheme:dark){:root{--bg:#1b1b1b;--card:#2b2b2b;--fg:#f3f3f3;--muted:#c8c8c8;--accent:#4cc2ff;--banner:#433519;--bannerfg:#fff4ce;--err:#ff99a4}}
body{margin:0;font:16px/1.5 "Segoe UI",system-ui,-apple-system,sans-serif;background:var(--bg);color:var(--fg)}
.banner{background:var(--banner);color:var(--bannerfg);padding:.5rem 1rem;text-align:center;font-weight:600}
main{max-width:28rem;margin:2rem auto;background:var(--card);padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:.5rem 0 1rem}
.muted{color:var(--muted);font-size:.9rem}
.account{border-bottom:1px solid var(--muted);padding-bottom:.75rem;margin-bottom:1rem}
ul{padding-left:1.25rem}
.buttons{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.5rem}
button{font:inherit;padding:.4rem 1.5rem;min-width:6rem;border:1px solid var(--muted);background:transparent;color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
@media (prefers-color-scheme:dark){button.primary{color:#000}}
button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.error{color:var(--err);font-weight:600}
code,pre{white-space:pre-wrap;word-break:break-all;font-size:.85rem}
</style></head><body>
<div class="banner" role="note">Demo mode — nothing leaves this computer</div>
<main>{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "consent"}}{{template "head" "Permissions requested"}}
<p class="muted">Microsoft</p>
<div class="account"><strong>{{.Account.Name}}</strong><br><span class="muted">{{.Account.Email}}</span>
{{if .LoginHint}}<br><span class="muted">Sign-in hint: {{.LoginHint}}</span>{{end}}</div>
<h1>Permissions requested</h1>
<p><strong>{{.AppName}}</strong> would like to:</p>
<ul>{{range .Permissions}}<li>{{.}}</li>{{end}}</ul>
<p class="muted">Accepting lets this app use your data as described. This is a demo sign-in page: no password is needed and nothing is sent anywhere.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="flow" value="{{.Flow}}">
<div class="buttons">
<button type="submit" name="action" value="cancel">Cancel</button>
<button type="submit" name="action" value="accept" class="primary">Accept</button>
</div></form>
{{template "foot"}}{{end}}

{{define "admin"}}{{template "head" "Need admin approval"}}
<p class="muted">Microsoft</p>
<div class="account"><strong>{{.Account.Name}}</strong><br><span class="muted">{{.Account.Email}}</span></div>
<h1>Need admin approval</h1>
<p><strong>{{.AppName}}</strong> needs permission to access resources in your organisation that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<p class="muted">AADSTS90094: The grant requires admin permission.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="flow" value="{{.Flow}}">
<div class="buttons">
<button type="submit" name="action" value="return" class="primary">Return to app</button>
</div></form>
{{template "foot"}}{{end}}

{{define "formpost"}}{{template "head" "Working..."}}
<h1>Returning to the app…</h1>
<form method="post" action="{{.Action}}" data-demo-form="form_post">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<p class="muted">If nothing happens, select Continue.</p>
<div class="buttons"><button type="submit" class="primary">Continue</button></div>
</form>
<script>` + autoSubmitScript + `</script>
{{template "foot"}}{{end}}

{{define "error"}}{{template "head" "Sign in to your account"}}
<p class="muted">Microsoft</p>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error">AADSTS{{.AADSTS}}: {{.Message}}</p>
<p class="muted">Troubleshooting details</p>
<pre>Error: {{.Code}}
Request Id: {{.TraceID}}
Correlation Id: {{.CorrelationID}}
Timestamp: {{.Time}}</pre>
{{template "foot"}}{{end}}

{{define "adminconsent"}}{{template "head" "Admin consent"}}
<p class="muted">Microsoft</p>
<h1>Approve {{.AppName}} for your organisation</h1>
<p>An administrator would approve the app's permissions for everyone in the organisation here.</p>
<ul>{{range .Permissions}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="{{.Action}}">
<div class="buttons"><button type="submit" name="action" value="approve" class="primary">Accept</button></div>
</form>
{{template "foot"}}{{end}}

{{define "approved"}}{{template "head" "Permissions granted"}}
<h1>Permissions granted</h1>
<p>{{.AppName}} is approved for your organisation. Return to the app and sign in again.</p>
{{template "foot"}}{{end}}

{{define "lookup"}}{{template "head" "Error lookup"}}
<h1>Error code: AADSTS{{.Code}}</h1>
<p>{{.Text}}</p>
{{template "foot"}}{{end}}

{{define "notfound"}}{{template "head" "Not found"}}
<h1>Not found</h1><p>This address is not part of the demo identity service.</p>
{{template "foot"}}{{end}}
`))

type formField struct{ Name, Value string }

// basePolicy is the Content-Security-Policy of every page without script.
const basePolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

// renderPage writes one of the templates. formAction lists the origins the
// page's forms may post (or be redirected) to; CSP form-action also applies
// to the redirect that follows a form submission, so the app's loopback
// origin must be listed when a button leads back to the app.
func renderPage(w http.ResponseWriter, status int, name string, data any, csp string) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if csp == "" {
		csp = basePolicy + "; form-action 'self'"
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows an error on Microsoft's own page: used for the errors
// that are never redirected to the app, such as AADSTS50011 (ref §1.4, §4.1).
func (s *Server) errorPage(w http.ResponseWriter, status int, e *TokenError) {
	renderPage(w, status, "error", struct {
		*TokenError
		Time string
	}{e, msTimestamp(e.Timestamp)}, "")
}

func (s *Server) notFound(w http.ResponseWriter) {
	renderPage(w, http.StatusNotFound, "notfound", nil, "")
}

// lookupTexts are short explanations for the error lookup page.
var lookupTexts = map[int]string{
	50011:   "InvalidReplyTo: the redirect URI in the request does not match one registered for the app.",
	54005:   "The authorization code was already redeemed.",
	65001:   "DelegationDoesNotExist: the user or administrator has not consented to use the application.",
	65004:   "UserDeclinedConsent: the user declined to consent to access the app.",
	70008:   "ExpiredOrRevokedGrant: the code or refresh token has expired or was revoked.",
	90094:   "AdminConsentRequired: administrator consent is required.",
	501481:  "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
	700016:  "The application was not found in the directory/tenant.",
	7000215: "Invalid client secret is provided.",
	7000218: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
	7000222: "The provided client secret keys are expired.",
}

func (s *Server) handleErrorLookup(w http.ResponseWriter, r *http.Request) {
	code, _ := strconv.Atoi(r.URL.Query().Get("code"))
	text, ok := lookupTexts[code]
	if !ok {
		text = "This demo identity service has no further details for this code."
	}
	renderPage(w, http.StatusOK, "lookup", struct {
		Code int
		Text string
	}{code, text}, "")
}
