package msauth

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzCallback feeds arbitrary requests to the callback parser and, for
// error answers, through the catalogue to the browser page.
//
//	go test -run=^$ -fuzz=FuzzCallback -fuzztime=10s ./app/msauth/
func FuzzCallback(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	f.Add("form_post", "POST", form, "", []byte("code=abc&state=xyz&session_state=1"))
	f.Add("form_post", "POST", form+"; charset=utf-8", "code=q", []byte("error=access_denied&error_subcode=cancel&error_description=AADSTS65004%3A+User+declined%0D%0ATrace+ID%3A+0000aaaa-11bb-cccc-dd22-eeeeee333333&state=s"))
	f.Add("form_post", "GET", "", "code=abc&state=xyz", []byte(nil))
	f.Add("form_post", "GET", "", "error=access_denied&error_subcode=cancel&state=xyz", []byte(nil))
	f.Add("form_post", "GET", "", "error=x&code=abc&state=xyz", []byte(nil))
	f.Add("form_post", "POST", "text/plain", "", []byte("code=abc&state=xyz"))
	f.Add("query", "GET", "", "code=abc&state=xyz", []byte(nil))
	f.Add("query", "GET", "", "error=%3Cscript%3Ealert(1)%3C/script%3E&error_description=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&state=s", []byte(nil))
	f.Add("query", "GET", "", "code=a&code=b&state=s", []byte(nil))
	f.Add("query", "GET", "", "code=%00&state=s", []byte(nil))
	f.Add("query", "GET", "", "%zz", []byte(nil))
	f.Add("query", "OPTIONS", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, mode, method, ctype, query string, body []byte) {
		if mode != "query" {
			mode = "form_post"
		}
		cb, status, reason := parseCallback(mode, method, ctype, query, body)
		if status != 0 {
			if reason == "" || cb != (callbackParams{}) {
				t.Fatalf("rejection %d without a reason, or with fields: %q %+v", status, reason, cb)
			}
			switch status {
			case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Fatalf("unexpected status %d", status)
			}
			return
		}
		want := map[string]string{"form_post": http.MethodPost, "query": http.MethodGet}[mode]
		// In form_post mode an error (never a code) may also come by GET.
		if method != want && !(mode == "form_post" && method == http.MethodGet && cb.Code == "" && cb.Error != "") {
			t.Fatalf("accepted %s in %s mode: %+v", method, mode, cb)
		}
		if (cb.Code == "") == (cb.Error == "") || cb.State == "" {
			t.Fatalf("accepted without exactly one of code/error, or without state: %+v", cb)
		}
		for _, v := range []string{cb.Code, cb.State, cb.Error, cb.ErrorSubcode} {
			if !visibleASCII(v) || len(v) > maxParam {
				t.Fatalf("accepted field %q", v)
			}
		}
		if cb.Error == "" {
			return
		}
		// The error goes through the catalogue and onto the page.
		p := classify(fromRedirect(cb), testEnv, nil)
		if p.Code == "" || p.Title == "" {
			t.Fatalf("no problem for %+v", cb)
		}
		for _, l := range []string{LabelCorrelationID, LabelTraceID} {
			if v := detail(p, l); v != "" && !guidRe.MatchString(v) {
				t.Fatalf("%s is not a GUID: %q", l, v)
			}
		}
		page := failurePage(p)
		got := renderString(t, page)
		benign := page
		benign.Details = make([]string, len(page.Details))
		for i := range benign.Details {
			benign.Details[i] = "x"
		}
		// Input never adds markup: same number of tags as a benign page.
		if strings.Count(got, "<") != strings.Count(renderString(t, benign), "<") {
			t.Fatalf("echoed input became markup:\n%s", got)
		}
	})
}

func renderString(t *testing.T, d pageData) string {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
