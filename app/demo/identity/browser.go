package identity

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Browser stands in for a person's browser in tests and benchmarks, so the
// sign-in journey runs over real HTTP without a real browser. It follows
// redirects itself (one step at a time), submits this fake's form_post
// pages like a browser running their script would, and can press a button
// on this fake's consent or admin-approval page.
//
// It understands only the pages this package renders; anything else ends
// the journey and is returned as the landing page.
type Browser struct {
	// Client sends the requests. It must not follow redirects by itself.
	// Nil means a private client without keep-alives (so nothing lingers).
	Client *http.Client
	// Click is the button to press when a page shows one: "accept",
	// "cancel" or "return" (Return to app). Empty stops at such a page.
	Click string
	// MaxSteps bounds the number of requests. Zero means 10.
	MaxSteps int
}

// Step is one request the browser made.
type Step struct {
	Method string
	URL    string
	Status int
}

// Page is where the journey ended.
type Page struct {
	URL    string
	Status int
	Header http.Header
	Body   string
	Steps  []Step
}

var (
	formRe   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	buttonRe = regexp.MustCompile(`<button type="submit" name="action" value="([^"]*)"`)
)

// ErrTooManySteps is returned when the journey does not settle.
var ErrTooManySteps = errors.New("identity: browser: too many steps")

// Open visits rawURL and follows the journey until it settles on a page.
func (b *Browser) Open(ctx context.Context, rawURL string) (*Page, error) {
	client := b.Client
	if client == nil {
		client = &http.Client{
			Transport:     &http.Transport{DisableKeepAlives: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	max := b.MaxSteps
	if max == 0 {
		max = 10
	}
	method, target := http.MethodGet, rawURL
	var form url.Values
	var steps []Step
	for range max {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return nil, err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		steps = append(steps, Step{method, target, resp.StatusCode})
		page := &Page{URL: target, Status: resp.StatusCode, Header: resp.Header, Body: string(data), Steps: steps}

		if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
			next, err := resolve(target, resp.Header.Get("Location"))
			if err != nil {
				return nil, err
			}
			method, target, form = http.MethodGet, next, nil
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			return page, nil
		}
		action, fields, ok := parseForm(page.Body)
		switch {
		case ok && strings.Contains(page.Body, `data-demo-form="form_post"`):
			// The page's script would submit this form at once.
		case ok && b.Click != "" && hasButton(page.Body, b.Click):
			fields.Set("action", b.Click)
		default:
			return page, nil
		}
		next, err := resolve(target, action)
		if err != nil {
			return nil, err
		}
		method, target, form = http.MethodPost, next, fields
	}
	return nil, fmt.Errorf("%w (%d)", ErrTooManySteps, max)
}

func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

func parseForm(body string) (action string, fields url.Values, ok bool) {
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		return "", nil, false
	}
	fields = url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(body, -1) {
		fields.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return html.UnescapeString(m[1]), fields, true
}

func hasButton(body, value string) bool {
	for _, m := range buttonRe.FindAllStringSubmatch(body, -1) {
		if html.UnescapeString(m[1]) == value {
			return true
		}
	}
	return false
}
