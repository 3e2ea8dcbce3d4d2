package msauth

import (
	"bytes"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

const (
	// maxCallbackBody bounds a form_post body. Microsoft's fields (code,
	// state, session_state, or an error with its description) fit easily.
	maxCallbackBody = 64 << 10
	// maxParam bounds any one field.
	maxParam = 16 << 10
)

// callbackParams are the fields of Microsoft's answer at the redirect URI
// (ref §3.3, §4.1).
type callbackParams struct {
	Code             string
	State            string
	Error            string
	ErrorDescription string
	ErrorSubcode     string
}

// Reasons a request to /callback is not (yet) the answer. They go to the
// debug log; none of them ends the attempt.
const (
	reasonMethod      = "method"
	reasonContentType = "content_type"
	reasonMalformed   = "malformed"
	reasonRepeated    = "repeated_parameter"
	reasonTooLong     = "too_long"
	reasonNoAnswer    = "not_an_answer"
	reasonBoth        = "code_and_error"
	reasonNoState     = "no_state"
	reasonBadChars    = "bad_characters"
)

// parseCallback decides whether a request to /callback carries Microsoft's
// answer, as a pure function of the request's method, Content-Type, query
// and body. With form_post a code must come in a form POST (ref §3.3), so a
// code in a URL is never accepted; an error may still come by GET, as
// Microsoft and MSAL send some errors that way, and it carries no secret.
// With query the answer must be a GET. It returns the fields, or an HTTP
// status and a reason. The state is not compared here.
func parseCallback(mode, method, contentType, rawQuery string, body []byte) (callbackParams, int, string) {
	var raw string
	switch mode {
	case "form_post":
		if method == http.MethodGet && errorOnly(rawQuery) {
			raw = rawQuery
			break
		}
		if method != http.MethodPost {
			return callbackParams{}, http.StatusMethodNotAllowed, reasonMethod
		}
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return callbackParams{}, http.StatusUnsupportedMediaType, reasonContentType
		}
		raw = string(body)
	default: // "query"
		if method != http.MethodGet {
			return callbackParams{}, http.StatusMethodNotAllowed, reasonMethod
		}
		raw = rawQuery
	}
	if len(raw) > maxCallbackBody {
		return callbackParams{}, http.StatusRequestEntityTooLarge, reasonTooLong
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return callbackParams{}, http.StatusBadRequest, reasonMalformed
	}
	var cb callbackParams
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"code", &cb.Code}, {"state", &cb.State}, {"error", &cb.Error},
		{"error_description", &cb.ErrorDescription}, {"error_subcode", &cb.ErrorSubcode},
	} {
		vals := v[f.name]
		if len(vals) > 1 {
			// RFC 6749 §3.1: parameters must not be included more than once.
			return callbackParams{}, http.StatusBadRequest, reasonRepeated
		}
		if len(vals) == 1 {
			if len(vals[0]) > maxParam {
				return callbackParams{}, http.StatusRequestEntityTooLarge, reasonTooLong
			}
			*f.dst = vals[0]
		}
	}
	switch {
	case cb.Code == "" && cb.Error == "":
		return callbackParams{}, http.StatusBadRequest, reasonNoAnswer
	case cb.Code != "" && cb.Error != "":
		return callbackParams{}, http.StatusBadRequest, reasonBoth
	case cb.State == "":
		return callbackParams{}, http.StatusBadRequest, reasonNoState
	case !visibleASCII(cb.Code) || !visibleASCII(cb.State) || !visibleASCII(cb.Error) || !visibleASCII(cb.ErrorSubcode):
		return callbackParams{}, http.StatusBadRequest, reasonBadChars
	}
	return cb, 0, ""
}

// errorOnly reports whether a query is an error answer: error set, no
// code (anything odd is left to the full parse, which refuses it).
func errorOnly(rawQuery string) bool {
	v, err := url.ParseQuery(rawQuery)
	return err == nil && v.Get("error") != "" && len(v["code"]) == 0
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// The page shown in the browser: static, self-contained (inline CSS only,
// no script, no links, no external resources), escaped by html/template.
var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} – Outlook Connect</title>
<style>
:root{color-scheme:light dark;--bg:#f5f5f5;--card:#fff;--fg:#1f1f1f;--muted:#555;--ok:#0b6a0b;--bad:#a4262c}
@media (prefers-color-scheme:dark){:root{--bg:#1f1f1f;--card:#2b2b2b;--fg:#f0f0f0;--muted:#c8c8c8;--ok:#6ccb5f;--bad:#ff99a4}}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:32rem;margin:4rem auto;padding:2rem;background:var(--card);border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.2)}
h1{font-size:1.4rem;margin:0 0 .75rem}
.ok h1{color:var(--ok)}.bad h1{color:var(--bad)}
p{margin:.5rem 0}.muted{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
</style></head>
<body><main class="{{if .OK}}ok{{else}}bad{{end}}" role="main">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Next}}<p>{{.Next}}</p>{{end}}
{{range .Details}}<p class="muted">{{.}}</p>{{end}}
</main></body></html>
`))

type pageData struct {
	OK      bool
	Title   string
	Message string
	Next    string
	Details []string
}

// pageCSP forbids everything but the inline style; no forms, no framing.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'"

// renderedPage is a page rendered once: the fixed pages are rendered at
// start-up, so answering costs no template work.
type renderedPage struct {
	body   []byte
	length string
}

func render(d pageData) renderedPage {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		buf.Reset()
		buf.WriteString("Outlook Connect")
	}
	return renderedPage{buf.Bytes(), strconv.Itoa(buf.Len())}
}

// writePage renders the page with the security headers and a
// Content-Length, then flushes it, so the browser has the whole page even
// if the listener is torn down right after.
func writePage(w http.ResponseWriter, status int, d pageData) {
	writeRendered(w, status, render(d))
}

func writeRendered(w http.ResponseWriter, status int, p renderedPage) {
	h := w.Header()
	setSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", p.length)
	w.WriteHeader(status)
	w.Write(p.body)
	http.NewResponseController(w).Flush()
}

func setSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", pageCSP)
}

var (
	pageSignedIn = render(pageData{OK: true, Title: "You're signed in",
		Message: "You're signed in. You can close this tab and return to Outlook Connect."})
	pageNotFound = render(pageData{Title: "Nothing here",
		Message: "This address is only used by Outlook Connect while you sign in."})
	pageWrongMethod = render(pageData{Title: "Nothing here",
		Message: "This address only accepts the answer from Microsoft's sign-in page."})
	pageNotAnAnswer = render(pageData{Title: "This isn't a sign-in answer",
		Message: "Outlook Connect is still waiting for you to finish signing in in the other tab."})
	pageStale = render(pageData{Title: "This sign-in page is out of date",
		Message: "This answer doesn't belong to the sign-in Outlook Connect is waiting for.",
		Next:    "Return to Outlook Connect and use its newest sign-in link."})
	pageFinished = render(pageData{Title: "This sign-in has already finished",
		Message: "You can close this tab and return to Outlook Connect."})
	pageWrongHost = render(pageData{Title: "Wrong address",
		Message: "Outlook Connect only answers on this computer's own address."})
	pageCancelled = render(pageData{Title: "Sign-in cancelled",
		Message: "This sign-in was stopped in Outlook Connect. You can close this tab."})
)
