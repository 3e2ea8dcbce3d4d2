package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	// refreshInactivity is MaxInactiveTime: a refresh token unused for 90
	// days expires (ref §5); refreshing gives AADSTS700082.
	refreshInactivity = 90 * 24 * time.Hour
	// maxTokenBody bounds a token request body.
	maxTokenBody = 64 << 10
	// accessTokenLifetime is expires_in (ref §3.4 sample: 3599).
	accessTokenLifetime = 3599
)

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	account  Account
	clientID string
	tenant   string
	scopes   []string
	issued   time.Time
	lastUsed time.Time
	revoked  bool
}

// handleToken is POST /{tenant}/oauth2/v2.0/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	s.stats.TokenRequests++
	s.mu.Unlock()

	if r.Method != http.MethodPost {
		writeJSONError(w, s.newError(errInvalidRequest, 900561,
			fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method)))
		return
	}
	// ref §2.3: Microsoft refuses client credentials on a request that
	// carries an Origin header (cross-origin redemption is only for SPAs).
	if o := r.Header.Get("Origin"); o != "" {
		writeJSONError(w, s.newError(errInvalidRequest, 9002326, fmt.Sprintf(
			"Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '%s'.", o)))
		return
	}
	if !validTenant(tenant) {
		writeJSONError(w, s.newError(errInvalidRequest, 90002, fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)))
		return
	}
	form, e := readTokenForm(w, r, s)
	if e != nil {
		writeJSONError(w, e)
		return
	}

	f := s.faults.snapshot()
	if err := s.sleep(r.Context(), f.tokenDelay); err != nil {
		return // the client went away or the server is closing
	}

	// RFC 6749 §4.1.3 / §3.2.1: the client is authenticated before the
	// grant is looked at, so a bad secret never consumes a code.
	clientID, e := s.authenticateClient(r, form, f)
	if e != nil {
		writeJSONError(w, e)
		return
	}
	if f.temporarilyUnavailable {
		writeJSONError(w, s.unavailable())
		return
	}

	var body []byte
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		body, e = s.redeemCode(form, clientID, tenant, f)
	case "refresh_token":
		body, e = s.redeemRefreshToken(form, clientID, tenant, f)
	case "":
		e = s.missing("grant_type")
	default:
		// AADSTS70003 "UnsupportedGrantType" (error-code reference).
		e = s.newError(errUnsupportedGrantType, 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt))
	}
	if e != nil {
		writeJSONError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) unavailable() *TokenError {
	e := s.newError(errTemporarilyUnavailable, 90006, "The service is temporarily unavailable. Please try again.")
	e.Status = http.StatusServiceUnavailable
	return e
}

// readTokenForm reads the form body (application/x-www-form-urlencoded,
// ref §3 / RFC 6749 §4.1.3), bounded in size, parameters not repeated.
func readTokenForm(w http.ResponseWriter, r *http.Request, s *Server) (url.Values, *TokenError) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		// The body cannot be read as a form, so no grant_type was found.
		return nil, s.missing("grant_type")
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenBody))
	if err != nil {
		return nil, s.newError(errInvalidRequest, 90004, "The request is not properly formatted.")
	}
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, s.newError(errInvalidRequest, 90004, "The request is not properly formatted.")
	}
	for k, v := range form {
		if len(v) > 1 {
			// RFC 6749 §3.2: parameters must not be included more than once.
			return nil, s.newError(errInvalidRequest, 90023, fmt.Sprintf("The request parameter '%s' is repeated.", k))
		}
	}
	return form, nil
}

// authenticateClient takes the client's credentials from the form body or an
// HTTP Basic header (ref §6.4: Microsoft documents Basic as supported) and
// checks them.
func (s *Server) authenticateClient(r *http.Request, form url.Values, f faultSnapshot) (string, *TokenError) {
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		s.mu.Lock()
		s.stats.TokenBasicAuth++
		s.mu.Unlock()
		// RFC 6749 §2.3.1: both parts are form-urlencoded.
		u, err1 := url.QueryUnescape(user)
		p, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "", s.newError(errInvalidRequest, 90004, "The request is not properly formatted.")
		}
		if secret != "" || (clientID != "" && clientID != u) {
			// RFC 6749 §2.3: one authentication method per request.
			return "", s.newError(errInvalidRequest, 90023, "The request uses more than one client authentication method.")
		}
		clientID, secret = u, p
	}
	return clientID, s.checkClient(clientID, secret, form.Get("client_assertion") != "", f)
}

// checkClient applies the client-credential rules (ref §2.2, §2.3, §4.2).
func (s *Server) checkClient(clientID, secret string, assertion bool, f faultSnapshot) *TokenError {
	switch {
	case clientID == "":
		return s.missing("client_id")
	case clientID != s.opts.ClientID:
		return s.appNotFound(clientID, "common")
	case assertion:
		// No certificate is registered for the demo app.
		return s.clientError(700027, "Client assertion failed signature validation.")
	case secret == "":
		// ref §2.2: a Web-platform client that leaves out the secret gets
		// invalid_client AADSTS7000218, usually HTTP 401.
		return s.clientError(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case !s.knownSecret(secret):
		return s.clientError(7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", s.opts.ClientID))
	case f.secretExpired && subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1:
		// The knob expires the original secret; ones added later live on.
		return s.clientError(7000222, fmt.Sprintf(
			"The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", s.opts.ClientID))
	}
	return nil
}

// knownSecret reports whether secret is one of the app's client secrets.
func (s *Server) knownSecret(secret string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := false
	for _, known := range s.secrets {
		ok = subtle.ConstantTimeCompare([]byte(secret), []byte(known)) == 1 || ok
	}
	return ok
}

// redeemCode is the authorization_code grant (ref §2.1, §3.1, §4.2).
func (s *Server) redeemCode(form url.Values, clientID, tenant string, f faultSnapshot) ([]byte, *TokenError) {
	code := form.Get("code")
	if code == "" {
		return nil, s.missing("code")
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.codes[code]
	var e *TokenError
	switch {
	case !ok:
		e = s.newError(errInvalidGrant, 70000, "The provided value for the 'code' parameter is not valid.")
	case c.used:
		// ref §4.2: a code is single-use; a second exchange gets AADSTS54005.
		e = s.newError(errInvalidGrant, 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case now.Sub(c.issued) > codeLifetime:
		// ref §3.2: codes last about 10 minutes; ref §4.2: AADSTS70008.
		e = s.newError(errInvalidGrant, 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	default:
		// Used from here on, whatever follows: RFC 6749 §4.1.2 allows one
		// use, and a failed redemption spends the code too (ref §6.4: the
		// retry after a failure is what gets AADSTS54005).
		c.used = true
	}
	s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	req := c.req
	switch {
	case req.clientID != clientID:
		return nil, s.newError(errInvalidGrant, 70000, "The provided value for the 'code' parameter is not valid.")
	case req.tenant != tenant:
		// ref §3.1: redeem at the same tenant segment, or AADSTS700005.
		return nil, s.newError(errInvalidGrant, 700005, "Provided Authorization Code is intended to use against other tenant, thus rejected.")
	case form.Get("redirect_uri") == "":
		return nil, s.missing("redirect_uri")
	case form.Get("redirect_uri") != req.redirectURI:
		// RFC 6749 §4.1.3: identical to the authorize request's value.
		return nil, s.newError(errInvalidGrant, 50011, fmt.Sprintf(
			"The redirect URI '%s' specified in the request does not match the redirect URI used to request the authorization code.", form.Get("redirect_uri")))
	case !pkceMatches(form.Get("code_verifier"), req.challenge):
		// ref §2.1: a missing or wrong verifier gives AADSTS501481.
		return nil, s.newError(errInvalidGrant, 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	case f.consentRevoked:
		return nil, s.consentMissing()
	}
	body := s.issueTokens(c.account, req.tenant, req.clientID, req.scopes, req.nonce, f)
	s.mu.Lock()
	s.stats.CodesRedeemed++
	s.mu.Unlock()
	return body, nil
}

// pkceMatches checks code_verifier against an S256 challenge (RFC 7636 §4.6).
func pkceMatches(verifier, challenge string) bool {
	// RFC 7636 §4.1: 43 to 128 unreserved characters.
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(b64.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (s *Server) consentMissing() *TokenError {
	// ref §4.2: AADSTS65001 DelegationDoesNotExist, invalid_grant with
	// suberror consent_required.
	e := s.newError(errInvalidGrant, 65001, fmt.Sprintf(
		"The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.",
		s.opts.ClientID, s.opts.AppName))
	e.SubError = "consent_required"
	return e
}

// redeemRefreshToken is the refresh_token grant (ref §5).
func (s *Server) redeemRefreshToken(form url.Values, clientID, tenant string, f faultSnapshot) ([]byte, *TokenError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, s.missing("refresh_token")
	}
	g, e := s.useRefreshToken(rt, clientID, f)
	if e != nil {
		return nil, e
	}
	// An optional scope may narrow, never widen, what was granted.
	for _, sc := range strings.Fields(form.Get("scope")) {
		norm, ok := normaliseScope(sc)
		if !ok {
			return nil, s.newError(errInvalidScope, 70011, fmt.Sprintf(
				"The provided value for the input parameter 'scope' isn't valid. The scope %s isn't valid.", sc))
		}
		if !slices.Contains(g.scopes, norm) {
			return nil, s.consentMissing()
		}
	}
	// ref §5: each refresh returns a new refresh token; the old one is not
	// revoked.
	return s.issueTokens(g.account, tenant, clientID, g.scopes, "", f), nil
}

// useRefreshToken checks a refresh token and records its use.
func (s *Server) useRefreshToken(rt, clientID string, f faultSnapshot) (*refreshGrant, *TokenError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[rt]
	switch {
	case !ok:
		// AADSTS9002313 "Request is malformed or invalid" is what a token
		// Microsoft cannot read gets (error-code reference).
		return nil, s.newError(errInvalidGrant, 9002313, "Invalid request. Request is malformed or invalid.")
	case g.clientID != clientID:
		return nil, s.newError(errInvalidGrant, 70000, "The refresh token was issued to a different client.")
	case g.revoked:
		// ref §4.2 / §5: revoked refresh tokens fail with
		// ExpiredOrRevokedGrant.
		return nil, s.newError(errInvalidGrant, 70008, "The refresh token has expired or is invalid due to it being revoked. Send a new interactive authorization request for this user and resource.")
	case now.Sub(g.lastUsed) > refreshInactivity:
		// ref §5: MaxInactiveTime 90 days → AADSTS700082.
		return nil, s.newError(errInvalidGrant, 700082, fmt.Sprintf(
			"The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", g.issued.UTC().Format(time.RFC3339)))
	case f.consentRevoked:
		return nil, s.consentMissing()
	}
	g.lastUsed = now
	return g, nil
}

// issueTokens builds a successful token response for acct (ref §3.4).
func (s *Server) issueTokens(acct Account, tenant, clientID string, requested []string, nonce string, f faultSnapshot) []byte {
	now := s.now()
	var graph, oidc []string
	for _, sc := range requested {
		switch {
		case f.calendarsNotGranted && strings.EqualFold(sc, graphPrefix+"Calendars.Read"):
			// The permission was withheld.
		case strings.HasPrefix(sc, graphPrefix):
			graph = append(graph, sc)
		default:
			oidc = append(oidc, sc)
		}
	}
	granted := append(append([]string(nil), graph...), oidc...)
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(granted, " "),
		"expires_in":     accessTokenLifetime,
		"ext_expires_in": accessTokenLifetime,
		// Graph access tokens are opaque to the app (ref §3.4).
		"access_token": "EwB" + randomToken(96),
	}
	// ref §3.4: refresh_token only with offline_access.
	if slices.Contains(requested, "offline_access") && !f.noRefreshToken {
		// About 1 KB, so keychain size limits get exercised (ref §9 item 7).
		rt := "0.A" + randomToken(768)
		s.mu.Lock()
		s.refresh[rt] = &refreshGrant{account: acct, clientID: clientID, tenant: tenant, scopes: granted, issued: now, lastUsed: now}
		s.issued = append(s.issued, rt)
		s.stats.RefreshTokensIssued++
		s.mu.Unlock()
		resp["refresh_token"] = rt
	}
	// ref §3.4: id_token only with openid.
	if slices.Contains(requested, "openid") {
		resp["id_token"] = s.idToken(acct, clientID, requested, nonce, now)
	}
	b, _ := json.Marshal(resp)
	return b
}

// idToken is a well-formed JWT (HS256 with a per-server key; Microsoft uses
// RS256, and a client need not check the signature of a token it received
// directly from the token endpoint, OIDC Core §3.1.3.7, ref §3.5). Claims
// follow the id-token reference: profile unlocks name, preferred_username
// and oid; email unlocks email only if the account has one (ref §3.2, §3.5).
func (s *Server) idToken(acct Account, clientID string, scopes []string, nonce string, now time.Time) string {
	sub := sha256.Sum256([]byte(acct.ObjectID + "|" + clientID))
	claims := map[string]any{
		"aud": clientID,
		"iss": s.url + "/" + acct.TenantID + "/v2.0",
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"tid": acct.TenantID,
		"sub": b64.EncodeToString(sub[:]),
		"ver": "2.0",
	}
	if slices.Contains(scopes, "profile") {
		if acct.Name != "" {
			claims["name"] = acct.Name
		}
		if acct.PreferredUsername != "" {
			claims["preferred_username"] = acct.PreferredUsername
		}
		claims["oid"] = acct.ObjectID
	}
	if slices.Contains(scopes, "email") && acct.Email != "" {
		claims["email"] = acct.Email
	}
	if nonce != "" {
		claims["nonce"] = nonce // ref §3.2: echoed when sent
	}
	payload, _ := json.Marshal(claims)
	signing := b64.EncodeToString([]byte(`{"alg":"HS256","kid":"demo-hs256","typ":"JWT"}`)) + "." + b64.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.hmacKey)
	mac.Write([]byte(signing))
	return signing + "." + b64.EncodeToString(mac.Sum(nil))
}

// VerifyRefreshToken is what the fake Recall API calls to decide whether a
// calendar is connected: it applies the same checks as a refresh_token
// grant (client credentials, revocation, 90-day inactivity, consent, the
// slow-response and secret-expired knobs) without issuing tokens, and
// records the use. It returns a *TokenError when Microsoft would refuse.
func (s *Server) VerifyRefreshToken(ctx context.Context, clientID, clientSecret, refreshToken string) error {
	_, err := s.VerifyMailbox(ctx, clientID, clientSecret, refreshToken)
	return err
}

// VerifyMailbox is VerifyRefreshToken that also says whose mailbox the
// grant opens (its primary address), which the fake Recall API shows as
// platform_email.
func (s *Server) VerifyMailbox(ctx context.Context, clientID, clientSecret, refreshToken string) (string, error) {
	s.mu.Lock()
	s.stats.Verifications++
	s.mu.Unlock()
	f := s.faults.snapshot()
	if err := s.sleep(ctx, f.tokenDelay); err != nil {
		return "", err
	}
	if e := s.checkClient(clientID, clientSecret, false, f); e != nil {
		return "", e
	}
	if f.temporarilyUnavailable {
		return "", s.unavailable()
	}
	if refreshToken == "" {
		return "", s.missing("refresh_token")
	}
	g, e := s.useRefreshToken(refreshToken, clientID, f)
	if e != nil {
		return "", e
	}
	return g.account.mailbox(), nil
}

// IsTokenError reports whether err is a *TokenError with the given AADSTS
// number.
func IsTokenError(err error, aadsts int) bool {
	var te *TokenError
	return errors.As(err, &te) && te.AADSTS == aadsts
}
