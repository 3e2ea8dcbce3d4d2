package recall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Kind classifies a failure so callers can branch without string matching.
type Kind string

// Every error the client returns is a *problem.Problem whose Code is
// "recall." + Kind.
const (
	KindUnknown         Kind = ""
	KindConfig          Kind = "config_invalid"
	KindUnauthorized    Kind = "unauthorized"
	KindValidation      Kind = "validation"
	KindNotFound        Kind = "not_found"
	KindNotAllowed      Kind = "not_allowed"
	KindRateLimited     Kind = "rate_limited"
	KindConflict        Kind = "conflict"
	KindUnavailable     Kind = "unavailable"
	KindBlocked         Kind = "blocked"
	KindPaymentRequired Kind = "payment_required"
	KindCanceled        Kind = "canceled"
	KindBadResponse     Kind = "bad_response"
)

var knownKinds = map[Kind]bool{
	KindConfig: true, KindUnauthorized: true, KindValidation: true, KindNotFound: true,
	KindNotAllowed: true, KindRateLimited: true, KindConflict: true, KindUnavailable: true,
	KindBlocked: true, KindPaymentRequired: true, KindCanceled: true, KindBadResponse: true,
}

// Code is the problem code for this kind, for example "recall.unauthorized".
func (k Kind) Code() string { return "recall." + string(k) }

// KindOf reports the kind of err: the Kind of the recall problem in its
// chain, KindCanceled for a bare context error, else KindUnknown.
func KindOf(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	var p *problem.Problem
	if errors.As(err, &p) {
		if k := Kind(strings.TrimPrefix(p.Code, "recall.")); strings.HasPrefix(p.Code, "recall.") && knownKinds[k] {
			return k
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled
	}
	return KindUnknown
}

// Detail labels used in "Details for IT".
const (
	labelHost       = "Recall host"
	labelRequest    = "Request"
	labelStatus     = "HTTP status"
	labelCode       = "Recall error code"
	labelMessage    = "Recall message"
	labelFields     = "Field errors"
	labelRetryAfter = "Retry-After"
	labelAttempts   = "Attempts"
	labelNetwork    = "Network error"
	labelSetting    = "Setting"
)

// UnauthorizedMessage names both causes of a 401 (recall-api.md §1.1, §6.1).
const UnauthorizedMessage = "The Recall API key was not accepted. Either the key is wrong, or it belongs to a different Recall region than the one selected (each region has its own keys)."

func newProblem(k Kind, cause error, details ...problem.Detail) *problem.Problem {
	p := &problem.Problem{Code: k.Code(), Cause: cause, Details: details}
	switch k {
	case KindConfig:
		p.Title = "The Recall settings are not valid"
		p.Message = "Outlook Connect cannot talk to Recall with the current settings."
		p.NextStep = "Open Setup and check the Recall region, address and API key, or ask your IT admin for the right settings."
		p.ForAdmin = true
	case KindUnauthorized:
		p.Title = "Recall did not accept the API key"
		p.Message = UnauthorizedMessage
		p.NextStep = "Open Setup and check the Recall API key and region, or ask your IT admin for a key from the right region."
		p.ForAdmin = true
	case KindValidation:
		p.Title = "Recall did not accept the request"
		p.Message = "Recall turned down the details Outlook Connect sent."
		p.NextStep = "Check the Microsoft and Recall settings in Setup. If it keeps happening, copy the details below for your IT support."
		p.ForAdmin = true
	case KindNotFound:
		p.Title = "Not found in Recall"
		p.Message = "Recall has no record of this item any more. It may have been deleted."
		p.NextStep = "Connect your calendar again."
	case KindNotAllowed:
		p.Title = "Recall did not allow this change"
		p.Message = "Recall refused the change, for example because the meeting bot has already joined the call."
		p.NextStep = "No action is needed for a meeting that is already under way."
	case KindRateLimited:
		p.Title = "Recall is busy"
		p.Message = "Too many requests reached Recall in the last minute. The limit is shared by everyone who uses the same Recall key."
		p.NextStep = "Wait a minute, then try again."
		p.Retryable = true
	case KindConflict:
		p.Title = "Recall is still working on an earlier request"
		p.Message = "Recall is still busy with the same change, so it could not take this one yet."
		p.NextStep = "Wait a few seconds, then try again."
		p.Retryable = true
	case KindUnavailable:
		p.Title = "Recall can't be reached right now"
		p.Message = "Recall did not answer, or said it is temporarily unavailable."
		p.NextStep = "Check your internet connection, then try again in a few minutes."
		p.Retryable = true
	case KindBlocked:
		p.Title = "Blocked by Recall's firewall"
		p.Message = "The request was blocked by Recall's firewall. This can happen on some networks, such as VPNs or shared connections."
		p.NextStep = "Try again from another network. If it keeps happening, copy the details below for your IT support."
		p.ForAdmin = true
	case KindPaymentRequired:
		p.Title = "The Recall account needs attention"
		p.Message = "Recall says the account has run out of credit."
		p.NextStep = "Ask your IT admin to check the Recall account's billing."
		p.ForAdmin = true
	case KindCanceled:
		p.Title = "Stopped before Recall answered"
		p.Message = "The request to Recall was cancelled or took too long."
		p.NextStep = "Try again."
		p.Retryable = true
	case KindBadResponse:
		p.Title = "Recall sent an unexpected answer"
		p.Message = "Recall's answer was not in the form Outlook Connect expects."
		p.NextStep = "Try again later. If it keeps happening, copy the details below for your IT support."
		p.Retryable = true
	}
	return p
}

// configProblem reports an invalid setting; what must never be a value.
func configProblem(setting, what string) *problem.Problem {
	return newProblem(KindConfig, errors.New("recall: invalid "+setting),
		problem.Detail{Label: labelSetting, Value: setting},
		problem.Detail{Label: "Problem", Value: what})
}

// inputProblem reports an argument rejected before any request is sent.
func inputProblem(what string) *problem.Problem {
	p := newProblem(KindValidation, errors.New("recall: invalid input"), problem.Detail{Label: "Problem", Value: what})
	p.ForAdmin = false
	return p
}

// statusError is the safe Cause of an HTTP failure: the status only.
type statusError int

func (e statusError) Error() string { return "recall: HTTP " + strconv.Itoa(int(e)) }

// apiError is the JSON error body Recall sends: DRF's {"detail": …} or the
// documented {code, message, errors} (recall-api.md §6.1).
type apiError struct {
	Detail  string              `json:"detail"`
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// responseProblem turns a non-2xx answer into a problem. Text from the body
// passes through clean() so echoed secrets never reach the error.
func (c *Client) responseProblem(status int, header http.Header, body []byte, req *request) *problem.Problem {
	var k Kind
	switch {
	case status == http.StatusUnauthorized:
		k = KindUnauthorized
	case status == http.StatusForbidden && !isJSON(header):
		k = KindBlocked // an HTML page from the WAF; never shown (§6.1)
	case status == http.StatusForbidden:
		k = KindUnauthorized
	case status == http.StatusPaymentRequired:
		k = KindPaymentRequired
	case status == http.StatusBadRequest:
		k = KindValidation
	case status == http.StatusNotFound:
		k = KindNotFound
	case status == http.StatusMethodNotAllowed:
		k = KindNotAllowed
	case status == http.StatusConflict:
		k = KindConflict
	case status == http.StatusTooManyRequests:
		k = KindRateLimited
	case status >= 500:
		k = KindUnavailable
	default:
		k = KindBadResponse
	}
	details := c.requestDetails(req)
	details = append(details, problem.Detail{Label: labelStatus, Value: strconv.Itoa(status)})
	if ra := header.Get("Retry-After"); ra != "" {
		if d, ok := parseRetryAfter(ra, c.now()); ok {
			details = append(details, problem.Detail{Label: labelRetryAfter, Value: d.String()})
		}
	}
	if k != KindBlocked && isJSON(header) {
		var e apiError
		if json.Unmarshal(body, &e) == nil {
			if e.Code != "" {
				details = append(details, problem.Detail{Label: labelCode, Value: clean(e.Code, req.secrets, 100)})
			}
			if msg := firstNonEmpty(e.Message, e.Detail); msg != "" {
				details = append(details, problem.Detail{Label: labelMessage, Value: clean(msg, req.secrets, 300)})
			}
			if fe := fieldErrorsText(e.Errors, req.secrets); fe != "" {
				details = append(details, problem.Detail{Label: labelFields, Value: fe})
			}
		}
	}
	p := newProblem(k, statusError(status), details...)
	if status == http.StatusInsufficientStorage {
		// The ad-hoc bot pool is empty (recall-api.md §6.1, §4.1).
		p.Title = "Recall has no meeting bot free right now"
		p.Message = "Recall could not find a free meeting bot for this meeting."
		p.NextStep = "Try again in about 30 seconds."
	}
	return p
}

func (c *Client) requestDetails(req *request) []problem.Detail {
	return []problem.Detail{
		{Label: labelHost, Value: c.base.Host},
		{Label: labelRequest, Value: req.method + " " + req.pathOnly()},
	}
}

func isJSON(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/json") || strings.Contains(ct, "+json")
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func fieldErrorsText(errs map[string][]string, secrets []string) string {
	if len(errs) == 0 {
		return ""
	}
	fields := make([]string, 0, len(errs))
	for f := range errs {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	var b strings.Builder
	for _, f := range fields {
		for _, m := range errs[f] {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(clean(f, secrets, 60) + ": " + clean(m, secrets, 200))
		}
	}
	return clean(b.String(), nil, 600)
}

// clean makes outside text safe to show: known secrets replaced, control
// characters dropped, length capped.
func clean(s string, secrets []string, maxLen int) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = redactTokenLike(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// redactTokenLike hides words that look like credentials even when we do not
// know them: JWTs ("eyJ…" with dots) and long unbroken runs of token
// characters, which is how OAuth refresh tokens and API keys look.
func redactTokenLike(s string) string {
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		core := strings.Trim(w, `"'.,;:()[]{}`)
		if looksLikeToken(core) {
			words[i] = strings.Replace(w, core, "[redacted]", 1)
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

func looksLikeToken(w string) bool {
	if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") >= 2 {
		return true
	}
	if len(w) < 48 || strings.Contains(w, "://") {
		return false
	}
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~+/=*!", r)) {
			return false
		}
	}
	return true
}

// networkProblem reports a transport failure without the URL (the inner
// error names only the host and the failure).
func (c *Client) networkProblem(err error, req *request) *problem.Problem {
	var ue interface{ Unwrap() error }
	inner := err
	if errors.As(err, &ue) {
		if u := ue.Unwrap(); u != nil {
			inner = u
		}
	}
	details := append(c.requestDetails(req), problem.Detail{Label: labelNetwork, Value: clean(inner.Error(), req.secrets, 300)})
	return newProblem(KindUnavailable, fmt.Errorf("recall: network: %w", inner), details...)
}

func canceledProblem(err error, req *request, c *Client) *problem.Problem {
	p := newProblem(KindCanceled, err, c.requestDetails(req)...)
	if errors.Is(err, context.DeadlineExceeded) {
		p.Message = "Recall took too long to answer."
	}
	return p
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
