package msauth

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Result is a successful sign-in. Its refresh token never appears in
// fmt output, logs or JSON.
type Result struct {
	RefreshToken string `json:"-"`
	// Email is the id_token's email claim, else preferred_username
	// (ref §3.5). A label, not an identity.
	Email             string
	Name              string
	PreferredUsername string
	TenantID          string // tid
	ObjectID          string // oid
	// Scopes are the scopes Microsoft granted (the token response's scope).
	Scopes []string
	// SignedInAt is when the token exchange succeeded.
	SignedInAt time.Time
}

// String describes the result without the refresh token.
func (r Result) String() string {
	rt := "none"
	if r.RefreshToken != "" {
		rt = fmt.Sprintf("[redacted, %d bytes]", len(r.RefreshToken))
	}
	return fmt.Sprintf("msauth.Result{Email:%q Name:%q TenantID:%q ObjectID:%q Scopes:%q RefreshToken:%s}",
		r.Email, r.Name, r.TenantID, r.ObjectID, r.Scopes, rt)
}

// GoString is String, so %#v does not print the token either.
func (r Result) GoString() string { return r.String() }

// LogValue keeps the refresh token out of slog output.
func (r Result) LogValue() slog.Value {
	return slog.GroupValue(slog.String("email", r.Email), slog.String("tenant_id", r.TenantID),
		slog.Int(logRefreshBytes, len(r.RefreshToken)))
}

// logRefreshBytes is the log key of the refresh token's size (keychains
// limit item sizes, so the size matters to support). The app's log guard
// keeps an integer under a key ending in "_bytes" although the key names a
// token (logging.isMeasure).
const logRefreshBytes = "refresh_token_bytes"

// clockSkew is the leeway for id_token times.
const clockSkew = 5 * time.Minute

// now is the clock for id_token checks (tests replace it).
var now = time.Now

// exchange redeems the code exactly once (x/oauth2 sends one request with
// AuthStyleInParams; our client follows no redirects and nothing here
// retries) and checks what came back.
func (s *Session) exchange(code string) (Result, error) {
	ctx := context.WithValue(s.exCtx, oauth2.HTTPClient, s.httpClient)
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	t0 := time.Now()
	tok, err := s.oauth.Exchange(ctx, code, oauth2.VerifierOption(s.verifier))
	ms := time.Since(t0).Milliseconds()
	if err != nil {
		p := s.exchangeProblem(err, code)
		aadsts, _ := p.Detail(LabelMicrosoftErr)
		s.log.Warn("msauth.exchange", "outcome", "error", "problem", p.Code, "aadsts", aadsts, "duration_ms", ms)
		return Result{}, p
	}
	res, p := s.resultFrom(tok)
	if p != nil {
		s.log.Warn("msauth.exchange", "outcome", "rejected", "problem", p.Code, "duration_ms", ms)
		return Result{}, p
	}
	s.log.Info("msauth.exchange", "outcome", "ok", "duration_ms", ms, logRefreshBytes, len(res.RefreshToken))
	return res, nil
}

func (s *Session) exchangeProblem(err error, code string) *problem.Problem {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		en := s.env
		en.secrets = append(slices.Clone(en.secrets), code) // scrubbed from Microsoft's message too
		// Keep only the error value as the cause: Body stays with us.
		return classify(fromRetrieveError(re), en, errors.New("oauth2: "+word(re.ErrorCode)))
	}
	if s.exCtx.Err() != nil {
		return newProblem(CodeCancelled, context.Canceled)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) {
		reason := "no connection"
		if errors.Is(err, context.DeadlineExceeded) || (ne != nil && ne.Timeout()) {
			reason = "timed out"
		}
		return newProblem(CodeNetwork, err, append([]problem.Detail{
			{Label: LabelStep, Value: "Token exchange"}, {Label: LabelReason, Value: reason}}, s.env.baseDetails()...)...)
	}
	// For example "server response missing access_token".
	return s.invalid("The token response could not be read", err)
}

func (s *Session) invalid(reason string, cause error) *problem.Problem {
	return newProblem(CodeInvalidResponse, cause, append([]problem.Detail{
		{Label: LabelStep, Value: "Token exchange"}, {Label: LabelReason, Value: reason}}, s.env.baseDetails()...)...)
}

// idClaims are the id_token claims we use (ref §3.5).
type idClaims struct {
	Aud               audience `json:"aud"`
	Exp               *float64 `json:"exp"`
	Nbf               *float64 `json:"nbf"`
	Nonce             string   `json:"nonce"`
	Email             string   `json:"email"`
	PreferredUsername string   `json:"preferred_username"`
	Name              string   `json:"name"`
	OID               string   `json:"oid"`
	TID               string   `json:"tid"`
}

// audience is aud: a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// parseIDToken decodes a JWS compact id_token without checking its
// signature: OIDC Core §3.1.3.7 item 6 lets a client trust a token it got
// directly from the token endpoint over TLS (ref §3.5).
func parseIDToken(raw string) (idClaims, error) {
	var c idClaims
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return c, errors.New("not a JWT")
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return c, errors.New("header is not base64url")
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(header, &h) != nil || h.Alg == "" {
		return c, errors.New("header is not a JWS header")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errors.New("payload is not base64url")
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errors.New("payload is not JSON claims")
	}
	return c, nil
}

// resultFrom checks the token response: a well-formed id_token for this
// client and this attempt, a refresh token, and Calendars.Read granted.
func (s *Session) resultFrom(tok *oauth2.Token) (Result, *problem.Problem) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Result{}, s.invalid("No id_token in the token response", nil)
	}
	c, err := parseIDToken(raw)
	if err != nil {
		return Result{}, s.invalid("The id_token is malformed: "+err.Error(), nil)
	}
	// OIDC Core §3.1.3.7: aud contains our client id, exp is in the
	// future, and the nonce we sent comes back.
	if !slices.Contains(c.Aud, s.cfg.ClientID) {
		return Result{}, s.invalid("The id_token was issued to a different app (aud)", nil)
	}
	t := now()
	if c.Exp == nil || time.Unix(int64(*c.Exp), 0).Add(clockSkew).Before(t) {
		return Result{}, s.invalid("The id_token has expired: check this computer's date and time", nil)
	}
	if c.Nbf != nil && time.Unix(int64(*c.Nbf), 0).Add(-clockSkew).After(t) {
		return Result{}, s.invalid("The id_token is not valid yet: check this computer's date and time", nil)
	}
	if subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(s.nonce)) != 1 {
		return Result{}, s.invalid("The id_token does not belong to this sign-in (nonce)", nil)
	}
	if tok.RefreshToken == "" {
		return Result{}, newProblem(CodeNoRefreshToken, nil, append([]problem.Detail{
			{Label: LabelStep, Value: "Token exchange"},
			{Label: LabelReason, Value: "No refresh_token in the token response (offline_access not granted)"}},
			s.env.baseDetails()...)...)
	}
	// RFC 6749 §5.1: scope may be left out when it equals what was asked.
	scopes := scopesFor(cmp.Or(s.cfg.GraphHost, graphGlobal))
	if sc, ok := tok.Extra("scope").(string); ok {
		scopes = strings.Fields(sc)
	}
	if !hasCalendarsRead(scopes, s.cfg.GraphHost) {
		return Result{}, newProblem(CodeCalendarsNotGranted, nil, append([]problem.Detail{
			{Label: LabelStep, Value: "Token exchange"},
			{Label: LabelReason, Value: "Calendars.Read is not among the granted scopes: " + strings.Join(scopes, " ")}},
			s.env.baseDetails()...)...)
	}
	email := c.Email
	if email == "" {
		email = c.PreferredUsername
	}
	if email == "" {
		return Result{}, s.invalid("The id_token has neither email nor preferred_username", nil)
	}
	return Result{
		RefreshToken:      tok.RefreshToken,
		Email:             email,
		Name:              c.Name,
		PreferredUsername: c.PreferredUsername,
		TenantID:          c.TID,
		ObjectID:          c.OID,
		Scopes:            scopes,
		SignedInAt:        t,
	}, nil
}

// hasCalendarsRead accepts the short spelling and the one prefixed with
// the cloud's Graph host (ref §3.4: do not hard-code the exact spelling).
func hasCalendarsRead(scopes []string, graphHost string) bool {
	graphHost = cmp.Or(graphHost, graphGlobal)
	for _, sc := range scopes {
		if strings.EqualFold(sc, scopeCalendars) || strings.EqualFold(sc, "https://"+graphHost+"/"+scopeCalendars) {
			return true
		}
	}
	return false
}
