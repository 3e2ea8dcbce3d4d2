// Package recall is the client for Recall.ai's Calendar V2 API: calendars,
// calendar events and bot scheduling, with retries, a per-process rate
// limiter and errors that are *problem.Problem values. Facts come from
// /work/shared/reference/recall-api.md, cited by section.
//
// Recall echoes the OAuth client secret and refresh token in every calendar
// response (§2.3). This package decodes calendars into a type without those
// fields, so they never reach logs, errors or the UI.
package recall

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// DefaultAttemptTimeout bounds one HTTP attempt: a third of the 30 s the
// app gives a whole operation, so a stalled attempt leaves room for two
// retries.
const DefaultAttemptTimeout = 10 * time.Second

// DefaultRegion is used when neither Region nor BaseURL is set.
const DefaultRegion = "us-east-1"

// PlatformOutlook is the calendar platform this app registers.
const PlatformOutlook = "microsoft_outlook"

// The regions are independent deployments; keys and data belong to one
// (recall-api.md §1.1).
var regions = []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"}

// Regions lists the Recall regions, in the order a picker should show them.
func Regions() []string { return slices.Clone(regions) }

// RegionURL is the base URL of a region, for example
// "https://us-west-2.recall.ai".
func RegionURL(region string) (string, error) {
	if !slices.Contains(regions, region) {
		return "", configProblem("Recall region", "Unknown region. Choose one of: "+strings.Join(regions, ", ")+".")
	}
	return "https://" + region + ".recall.ai", nil
}

// maxResponseBytes bounds what we read from Recall: 100 events with their
// Graph payloads fit comfortably.
const maxResponseBytes = 32 << 20

// Config configures a Client.
type Config struct {
	// APIKey is the Recall API key (required). Surrounding whitespace is
	// trimmed, as keys are often pasted.
	APIKey string
	// Region selects the regional base URL; empty means DefaultRegion.
	Region string
	// BaseURL overrides Region: https, or http for loopback hosts only
	// (tests and demo mode).
	BaseURL string
	// Version is the app version for the User-Agent; empty means "dev".
	Version string
	// HTTPClient is used for requests; nil means a default client. Redirects
	// are never followed, whatever client is given.
	HTTPClient *http.Client
	// AttemptTimeout bounds one HTTP attempt; zero means
	// DefaultAttemptTimeout. It is shorter than a caller's operation
	// budget on purpose: a stalled attempt is abandoned and retried (with
	// the same Idempotency-Key) while there is still time, instead of one
	// attempt using it all up.
	AttemptTimeout time.Duration
	// Retry bounds retries; zero fields take the defaults.
	Retry RetryPolicy
	// Limits paces this process below Recall's per-workspace budgets.
	Limits Limits
	// Sleep waits between attempts; nil means a timer. It must return
	// ctx.Err() as soon as ctx is done. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, n]; nil means uniform random.
	Jitter func(n time.Duration) time.Duration
	// Now is the clock for the limiter and Retry-After dates; nil means
	// time.Now.
	Now func() time.Time
	// OnRateLimited, when set, hears of every 429 as it arrives, with the
	// time and the Retry-After Recall named (0 when none), also those the
	// client then retries past. The key's limits are shared by a whole
	// fleet, so a process should slow down at the first 429, not only
	// after a call has used up its retries.
	OnRateLimited func(at time.Time, retryAfter time.Duration)
}

// Client talks to one Recall region with one API key. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL
	apiKey    string
	userAgent string
	http      *http.Client
	// attemptTimeout bounds each HTTP attempt.
	attemptTimeout time.Duration
	retry          RetryPolicy
	limiter        *limiter
	sleep          func(ctx context.Context, d time.Duration) error
	jitter         func(n time.Duration) time.Duration
	now            func() time.Time
	onRateLimited  func(at time.Time, retryAfter time.Duration)
	newKey         func() string
}

// New validates cfg and returns a client. Errors are *problem.Problem of
// KindConfig and never contain the key.
func New(cfg Config) (*Client, error) {
	key := strings.TrimSpace(cfg.APIKey)
	switch {
	case key == "":
		return nil, configProblem("Recall API key", "The API key is missing.")
	case len(key) > 512:
		return nil, configProblem("Recall API key", "The API key is too long to be a Recall key.")
	case strings.IndexFunc(key, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0:
		return nil, configProblem("Recall API key", "The API key contains spaces or characters a Recall key never has.")
	}
	base, err := resolveBase(cfg.Region, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	version := strings.TrimSpace(cfg.Version)
	if version == "" {
		version = "dev"
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	if cfg.AttemptTimeout < 0 {
		return nil, configProblem("Recall attempt timeout", "The attempt timeout must not be negative.")
	}
	// A redirect could carry the key elsewhere or turn a POST into a GET;
	// Recall documents none, so a 3xx is reported, not followed.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		base:           base,
		apiKey:         key,
		userAgent:      "OutlookConnect/" + version + " (+" + runtime.GOOS + "/" + runtime.GOARCH + ")",
		http:           hc,
		attemptTimeout: cmp.Or(cfg.AttemptTimeout, DefaultAttemptTimeout),
		retry:          cfg.Retry.withDefaults(),
		sleep:          cfg.Sleep,
		jitter:         cfg.Jitter,
		now:            cfg.Now,
		onRateLimited:  cfg.OnRateLimited,
		newKey:         newIdempotencyKey,
	}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	if c.jitter == nil {
		c.jitter = uniformJitter
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.limiter = newLimiter(cfg.Limits, c.now)
	return c, nil
}

func resolveBase(region, baseURL string) (*url.URL, error) {
	if strings.TrimSpace(baseURL) == "" {
		if region == "" {
			region = DefaultRegion
		}
		s, err := RegionURL(region)
		if err != nil {
			return nil, err
		}
		return url.Parse(s)
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	const setting = "Recall base URL"
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, configProblem(setting, "The address is not a valid URL.")
	case u.User != nil:
		return nil, configProblem(setting, "The address must not contain a user name or password.")
	case u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return nil, configProblem(setting, "The address must be just the scheme and host, for example https://us-east-1.recall.ai.")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return nil, configProblem(setting, "The address must start with https:// (plain http is only allowed for this computer).")
	default:
		return nil, configProblem(setting, "The address must start with https://.")
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL is the base URL requests go to.
func (c *Client) BaseURL() string { return c.base.String() }

// UserAgent is the User-Agent header sent with every request.
func (c *Client) UserAgent() string { return c.userAgent }

func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// request is one logical API call; do() may send it several times.
type request struct {
	method string
	path   string     // e.g. "/api/v2/calendars/"
	query  url.Values // ignored when next is set
	next   *url.URL   // a validated `next` page link
	body   any        // JSON-encoded for POST/PATCH
	class  endpointClass
	// secrets are values in this request that must never appear in an
	// error, even if Recall echoes them in a message.
	secrets []string
	// attempts overrides the retry policy's MaxAttempts when > 0.
	attempts int
	// idemKey, for POST and PATCH, is the Idempotency-Key to send instead
	// of a fresh one: the caller persisted it so that a repeat of the same
	// logical operation, even from another process, is replayed (§6.3).
	idemKey string
}

// pathOnly is the request path without the query, safe for details.
func (r *request) pathOnly() string {
	if r.next != nil {
		return r.next.Path
	}
	return r.path
}

// do sends req with retries and hands a 2xx body to decode (which may be
// nil). POST and PATCH carry one Idempotency-Key across retries, so a retry
// can never apply the change twice; after a 507 a fresh key is used, since
// Recall caches the 507 under the old one (recall-api.md §6.3).
func (c *Client) do(ctx context.Context, req *request, decode func([]byte) error) error {
	var payload []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return newProblem(KindBadResponse, errors.New("recall: encode request"), c.requestDetails(req)...)
		}
		payload = b
	}
	var idemKey string
	if req.method == http.MethodPost || req.method == http.MethodPatch {
		idemKey = cmp.Or(req.idemKey, c.newKey())
	}
	maxAttempts := c.retry.MaxAttempts
	if req.attempts > 0 {
		maxAttempts = req.attempts
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		if err := c.limiter.wait(ctx, req.class, c.sleep); err != nil {
			return canceledProblem(err, req, c)
		}
		status, header, body, err := c.send(ctx, req, payload, idemKey)
		var p *problem.Problem
		var retryAfter time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return canceledProblem(ctx.Err(), req, c)
		case err != nil:
			p = c.networkProblem(err, req)
		case status >= 200 && status < 300:
			if decode == nil {
				return nil
			}
			if err := decode(body); err != nil {
				return newProblem(KindBadResponse, err, append(c.requestDetails(req),
					problem.Detail{Label: labelStatus, Value: strconv.Itoa(status)})...)
			}
			return nil
		default:
			p = c.responseProblem(status, header, body, req)
			if !retryableStatus(status) {
				return p
			}
			retryAfter, _ = parseRetryAfter(header.Get("Retry-After"), c.now())
			if status == http.StatusTooManyRequests && c.onRateLimited != nil {
				c.onRateLimited(c.now(), retryAfter)
			}
		}
		wait, ok := c.retry.next(attempt, maxAttempts, retryAfter, waited, c.jitter)
		if !ok {
			return p.With(problem.Detail{Label: labelAttempts, Value: strconv.Itoa(attempt)})
		}
		if status == http.StatusInsufficientStorage && idemKey != "" {
			idemKey = c.newKey()
		}
		if err := c.sleep(ctx, wait); err != nil {
			return canceledProblem(err, req, c)
		}
		waited += wait
	}
}

// retryableStatus: 429 and 409 (recall-api.md §6.1, §4.1), and the
// load-related 502/503/504/507. GET and DELETE are idempotent by nature;
// POST and PATCH carry an Idempotency-Key, so every method may retry.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusConflict, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusInsufficientStorage:
		return true
	}
	return false
}

func (c *Client) send(ctx context.Context, req *request, payload []byte, idemKey string) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	var target string
	if req.next != nil {
		target = req.next.String()
	} else {
		u := *c.base
		u.Path = req.path
		if len(req.query) > 0 {
			u.RawQuery = req.query.Encode()
		}
		target = u.String()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return 0, nil, nil, err
	}
	hr.Header.Set("Authorization", "Token "+c.apiKey) // recall-api.md §1.2
	hr.Header.Set("User-Agent", c.userAgent)
	hr.Header.Set("Accept", "application/json")
	if payload != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		hr.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(b) > maxResponseBytes {
		return 0, nil, nil, errors.New("response larger than 32 MiB")
	}
	return resp.StatusCode, resp.Header, b, nil
}
