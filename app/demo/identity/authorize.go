package identity

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

const (
	// codeLifetime: "The authorization code is short-lived, typically …
	// about 10 minutes" (ref §3.2).
	codeLifetime = 10 * time.Minute
	// flowLifetime bounds how long the consent page stays usable.
	flowLifetime = 15 * time.Minute
	graphPrefix  = "https://graph.microsoft.com/"
)

// authRequest is a validated authorize request.
type authRequest struct {
	tenant       string
	clientID     string
	redirectURI  string
	responseMode string
	state        string
	challenge    string
	nonce        string
	loginHint    string
	scopes       []string // normalised: Graph scopes fully prefixed
}

type flowKind int

const (
	flowConsent flowKind = iota
	flowAdmin
)

// pendingFlow is a request waiting on the consent (or admin-approval) page.
// Its id plays the part of Microsoft's flow token.
type pendingFlow struct {
	req     authRequest
	kind    flowKind
	created time.Time
}

type authCode struct {
	req     authRequest
	account Account // who signed in
	issued  time.Time
	used    bool
}

// authorizeParams are the parameters that must not be repeated (RFC 6749 §3.1).
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state",
	"code_challenge", "code_challenge_method", "prompt", "nonce", "login_hint"}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	s.stats.AuthorizeRequests++
	s.mu.Unlock()

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// AADSTS900561 "BadResourceRequestInvalidRequest - The endpoint only
		// accepts {valid_verbs} requests" (error-code reference).
		s.errorPage(w, http.StatusMethodNotAllowed, s.newError(errInvalidRequest, 900561,
			fmt.Sprintf("The endpoint only accepts GET requests. Received a %s request.", r.Method)))
		return
	}
	q := r.URL.Query()
	for _, p := range authorizeParams {
		if len(q[p]) > 1 {
			s.errorPage(w, http.StatusBadRequest, s.newError(errInvalidRequest, 90023,
				fmt.Sprintf("The request parameter '%s' is repeated. Parameters must not be included more than once.", p)))
			return
		}
	}

	// 1. The client. Errors before the redirect URI is trusted are shown on
	// Microsoft's page and never redirected (ref §4.1: AADSTS700016 and
	// AADSTS50011 appear on Microsoft's error page).
	clientID := q.Get("client_id")
	if e := s.checkPageClient(clientID, tenant); e != nil {
		s.errorPage(w, http.StatusBadRequest, e)
		return
	}

	// 2. The redirect URI (ref §1).
	redirectURI := q.Get("redirect_uri")
	if e := s.checkRedirectURI(redirectURI); e != nil {
		s.errorPage(w, http.StatusBadRequest, e)
		return
	}

	req := authRequest{
		tenant:      tenant,
		clientID:    clientID,
		redirectURI: redirectURI,
		state:       q.Get("state"),
		nonce:       q.Get("nonce"),
		loginHint:   q.Get("login_hint"),
	}

	// 3. How to answer. From here on errors go back to the app.
	switch m := q.Get("response_mode"); m {
	case "":
		req.responseMode = "query" // ref §3.2: query is the default for code
	case "query", "form_post", "fragment":
		req.responseMode = m
	default:
		req.responseMode = "query"
		// AADSTS70007 "UnsupportedResponseMode" (error-code reference).
		s.redirectError(w, req, s.newError(errInvalidRequest, 70007,
			fmt.Sprintf("The provided value for the input parameter 'response_mode' is not valid: '%s'.", m)))
		return
	}

	if e := s.checkAuthorizeParams(q, &req); e != nil {
		s.redirectError(w, req, e)
		return
	}

	// ref §3.2: prompt=none needs an existing session; the demo has none, so
	// Microsoft's answer is login_required / AADSTS50058.
	switch q.Get("prompt") {
	case "", "login", "select_account", "consent":
	case "none":
		s.redirectError(w, req, s.newError(errLoginRequired, 50058,
			"A silent sign-in request was sent but no user is signed in."))
		return
	default:
		s.redirectError(w, req, s.newError(errInvalidRequest, 90023,
			fmt.Sprintf("Invalid value for the 'prompt' parameter: '%s'.", q.Get("prompt"))))
		return
	}

	f := s.faults.snapshot()
	switch {
	case f.temporarilyUnavailable:
		// ref §4.2: temporarily_unavailable — "Try again". AADSTS90006 is
		// "ExternalServerRetryableError - The service is temporarily unavailable".
		s.redirectError(w, req, s.newError(errTemporarilyUnavailable, 90006,
			"The service is temporarily unavailable. Please try again."))
	case f.adminApproval && f.autoAccept:
		// The page's only button is "Return to app".
		s.redirectError(w, req, s.adminDenied())
	case f.adminApproval:
		s.showFlow(w, req, flowAdmin)
	case f.userCancels:
		s.redirectError(w, req, s.userCancelled())
	case f.autoAccept:
		s.redirectCode(w, req)
	default:
		s.showFlow(w, req, flowConsent)
	}
}

// checkPageClient checks the client_id of a browser request. Its errors are
// shown on Microsoft's page, never redirected (ref §4.1).
func (s *Server) checkPageClient(clientID, tenant string) *TokenError {
	switch {
	case clientID == "":
		return s.missing("client_id")
	case clientID != s.opts.ClientID:
		return s.appNotFound(clientID, tenant)
	}
	return nil
}

func (s *Server) appNotFound(clientID, tenant string) *TokenError {
	// AADSTS700016 (ref §4.1, §4.2): shown on Microsoft's page.
	e := s.newError(errUnauthorizedClient, 700016, fmt.Sprintf(
		"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
		clientID, tenant))
	return e
}

// userCancelled is the redirect Microsoft sends when the person cancels or
// declines consent (ref §4.1, §4.2).
func (s *Server) userCancelled() *TokenError {
	e := s.newError(errAccessDenied, 65004, "User declined to consent to access the app.")
	e.SubError = "cancel"
	return e
}

// adminDenied is what "Return to app" on the "Need admin approval" page
// sends: access_denied with AADSTS90094 (ref §4.2).
func (s *Server) adminDenied() *TokenError {
	return s.newError(errAccessDenied, 90094, "The grant requires admin permission.")
}

// checkRedirectURI applies Microsoft's redirect URI rules (ref §1). A
// failure is never redirected: the person sees AADSTS50011 on Microsoft's
// page and the app receives nothing (ref §1.4).
func (s *Server) checkRedirectURI(raw string) *TokenError {
	if raw == "" {
		// AADSTS900971 "No reply address provided" (error-code reference).
		return s.newError(errInvalidRequest, 900971, "No reply address provided.")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		// AADSTS90102 "InvalidUriParameter - The value must be a valid absolute URI".
		return s.newError(errInvalidRequest, 90102, "'redirect_uri' value must be a valid absolute URI.")
	}
	mismatch := func() *TokenError {
		return s.newError(errInvalidRequest, 50011, fmt.Sprintf(
			"The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
			raw, s.opts.ClientID))
	}
	host := strings.ToLower(u.Hostname())
	loopback := host == "localhost" || host == "::1" || net.ParseIP(host).IsLoopback()
	if u.Scheme == "http" && !loopback {
		// ref §1.4 / §4.2: http only for localhost, else AADSTS500117.
		return s.newError(errInvalidRequest, 500117, "The reply uri specified in the request isn't using a secure scheme.")
	}
	// Every registered URI is http://{RedirectHost}{path}.
	if u.Scheme != "http" {
		return mismatch()
	}
	// ref §1.1: [::1] is not supported. ref §1.3: localhost and 127.0.0.1
	// are not interchangeable: the host must be the registered one.
	if host != s.opts.RedirectHost {
		return mismatch()
	}
	// ref §1.4: no query parameters (personal-account apps), no fragment,
	// no user info.
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return mismatch()
	}
	// ref §1.1: the port is ignored for loopback redirect URIs, any port
	// (or none) matches. Only a numeric port is a port.
	if p := u.Port(); p != "" && !isPort(p) {
		return mismatch()
	}
	// ref §1.4: the path is compared case-sensitively; no path means "/".
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	for _, reg := range s.opts.RedirectPaths {
		if path == reg {
			return nil
		}
	}
	return mismatch()
}

func isPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

var (
	// A Graph permission written without its resource, e.g. Calendars.Read.
	shortScope = regexp.MustCompile(`^[A-Za-z]+(\.[A-Za-z]+)+$`)
	// base64url, as produced by S256 (RFC 7636 §4.2).
	challengeChars = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// checkAuthorizeParams validates response_type, scope, state and PKCE. Its
// errors are redirected to the app (ref §4.1).
func (s *Server) checkAuthorizeParams(q url.Values, req *authRequest) *TokenError {
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return s.missing("response_type")
	default:
		// AADSTS70005 "UnsupportedResponseType" (error-code reference).
		return s.newError(errUnsupportedResponseType, 70005,
			fmt.Sprintf("response_type '%s' is not supported by this demo identity service; use 'code'.", rt))
	}

	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		return s.missing("scope")
	}
	for _, sc := range scopes {
		norm, ok := normaliseScope(sc)
		if !ok {
			// AADSTS70011 "InvalidScope" (error-code reference sample).
			return s.newError(errInvalidScope, 70011, fmt.Sprintf(
				"The provided value for the input parameter 'scope' isn't valid. The scope %s isn't valid.", sc))
		}
		if !slices.Contains(req.scopes, norm) {
			req.scopes = append(req.scopes, norm)
		}
	}
	// A request without offline_access is valid: it simply gets no refresh
	// token (ref §3.4). One without Calendars.Read gets a token without it.

	// STRICTER than Microsoft, which only recommends state (ref §3.2): our
	// client must always send one, so its absence is a bug worth failing on.
	if req.state == "" {
		return s.missing("state")
	}

	// STRICTER than Microsoft, which recommends PKCE for web apps and
	// accepts "plain" (ref §2.1): this fake requires S256, as RFC 9700
	// §2.1.1 recommends, so a PKCE regression in our client fails here.
	challenge := q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	if challenge == "" {
		return s.newError(errInvalidRequest, 900144, "The request body must contain the following parameter: 'code_challenge'. This service requires PKCE with S256.")
	}
	if method != "S256" {
		if method == "" {
			method = "plain" // RFC 7636 §4.3: the default
		}
		return s.newError(errInvalidRequest, 90023, fmt.Sprintf(
			"The code_challenge_method '%s' is not allowed by this service; use 'S256'.", method))
	}
	// ref §2.1: a bad challenge size gives AADSTS501491. An S256 challenge
	// is always 43 base64url characters (RFC 7636 §4.2).
	if len(challenge) != 43 || !challengeChars.MatchString(challenge) {
		return s.newError(errInvalidRequest, 501491, "Invalid size of Code_Challenge parameter.")
	}
	req.challenge = challenge
	return nil
}

// normaliseScope writes Graph permissions with their resource prefix
// (ref §3.2: "A scope without a resource prefix is assumed to be Microsoft
// Graph") and keeps the OpenID Connect scopes as they are.
func normaliseScope(sc string) (string, bool) {
	switch strings.ToLower(sc) {
	case "openid", "profile", "email", "offline_access":
		return strings.ToLower(sc), true
	}
	if rest, ok := strings.CutPrefix(sc, graphPrefix); ok {
		if rest == ".default" || shortScope.MatchString(rest) {
			return graphPrefix + rest, true
		}
		return "", false
	}
	if shortScope.MatchString(sc) {
		return graphPrefix + sc, true
	}
	return "", false
}

// permissionText says what a scope allows, in the words of Microsoft's
// consent page (ref §3.2 quotes "Maintain access to data you have given it
// access to" for offline_access).
func permissionText(scope string) string {
	switch scope {
	case "openid":
		return "Sign you in"
	case "profile":
		return "View your basic profile"
	case "email":
		return "View your email address"
	case "offline_access":
		return "Maintain access to data you have given it access to"
	case graphPrefix + "Calendars.Read":
		return "Read your calendars"
	case graphPrefix + "Calendars.ReadWrite":
		return "Have full access to your calendars"
	case graphPrefix + "User.Read":
		return "Sign you in and read your profile"
	}
	return "Use the permission " + strings.TrimPrefix(scope, graphPrefix)
}

// showFlow shows the consent page (or the "Need admin approval" page) and
// remembers the request under a random flow id posted back by its buttons.
func (s *Server) showFlow(w http.ResponseWriter, req authRequest, kind flowKind) {
	id := randomToken(24)
	now := s.now()
	s.mu.Lock()
	s.prune(now)
	s.flows[id] = &pendingFlow{req: req, kind: kind, created: now}
	s.mu.Unlock()

	var perms []string
	for _, sc := range req.scopes {
		perms = append(perms, permissionText(sc))
	}
	data := struct {
		Account     Account
		AppName     string
		LoginHint   string
		Permissions []string
		Action      string
		Flow        string
	}{s.currentAccount(), s.opts.AppName, req.loginHint, perms, "/" + req.tenant + "/login", id}
	name := "consent"
	if kind == flowAdmin {
		name = "admin"
	}
	// The buttons end in a redirect to the app, which CSP form-action
	// also governs, so the app's loopback origin is allowed too.
	csp := basePolicy + "; form-action 'self' " + origin(req.redirectURI)
	renderPage(w, http.StatusOK, name, data, csp)
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// handleDecision receives the page's Accept / Cancel / Return to app.
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request, tenant string) {
	if r.Method != http.MethodPost {
		s.errorPage(w, http.StatusMethodNotAllowed, s.newError(errInvalidRequest, 900561,
			fmt.Sprintf("The endpoint only accepts POST requests. Received a %s request.", r.Method)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, s.newError(errInvalidRequest, 90004, "The request is not properly formatted."))
		return
	}
	id := r.PostForm.Get("flow")
	now := s.now()
	s.mu.Lock()
	f, ok := s.flows[id]
	delete(s.flows, id) // single use
	s.mu.Unlock()
	if !ok || f.req.tenant != tenant || now.Sub(f.created) > flowLifetime {
		// AADSTS50089 "Authentication failed due to flow token expired".
		s.errorPage(w, http.StatusBadRequest, s.newError(errInvalidRequest, 50089,
			"Authentication failed due to flow token expired. Go back to the app and sign in again."))
		return
	}
	action := r.PostForm.Get("action")
	switch {
	case f.kind == flowAdmin:
		s.redirectError(w, f.req, s.adminDenied())
	case action == "accept":
		s.redirectCode(w, f.req)
	case action == "cancel":
		s.redirectError(w, f.req, s.userCancelled())
	default:
		s.errorPage(w, http.StatusBadRequest, s.newError(errInvalidRequest, 90023, "The request is not valid."))
	}
}

// redirectCode issues a single-use code bound to the request and sends it
// to the app (ref §3.3).
func (s *Server) redirectCode(w http.ResponseWriter, req authRequest) {
	code := "1.A" + randomToken(96)
	now := s.now()
	s.mu.Lock()
	s.prune(now)
	s.codes[code] = &authCode{req: req, account: s.account, issued: now}
	s.stats.CodesIssued++
	s.mu.Unlock()

	v := url.Values{}
	v.Set("code", code)
	v.Set("state", req.state)
	v.Set("session_state", newGUID())
	s.deliver(w, req, v, []string{"code", "state", "session_state"})
}

// prune forgets flows and codes long past their lifetime, at most once a
// minute so that issuing stays cheap. Used codes are kept until then, so a
// replay still gets AADSTS54005. Call with s.mu held.
func (s *Server) prune(now time.Time) {
	if now.Sub(s.lastPrune) < time.Minute {
		return
	}
	s.lastPrune = now
	for k, f := range s.flows {
		if now.Sub(f.created) > flowLifetime {
			delete(s.flows, k)
		}
	}
	for k, c := range s.codes {
		if now.Sub(c.issued) > time.Hour {
			delete(s.codes, k)
		}
	}
}

// redirectError sends an error to the app (ref §4.1).
func (s *Server) redirectError(w http.ResponseWriter, req authRequest, e *TokenError) {
	v := e.redirectParams()
	if req.state != "" {
		v.Set("state", req.state)
	}
	s.deliver(w, req, v, []string{"error", "error_description", "error_uri", "error_subcode", "state"})
}

// deliver returns parameters to the redirect URI using the response mode
// (ref §3.2, §3.3): a 302 with a query or fragment, or a page that POSTs a
// form (form_post).
func (s *Server) deliver(w http.ResponseWriter, req authRequest, v url.Values, order []string) {
	switch req.responseMode {
	case "form_post":
		var fields []formField
		for _, k := range order {
			if val := v.Get(k); val != "" {
				fields = append(fields, formField{k, val})
			}
		}
		renderPage(w, http.StatusOK, "formpost", struct {
			Action string
			Fields []formField
		}{req.redirectURI, fields}, basePolicy+"; script-src "+autoSubmitHash)
	default:
		sep := "?"
		if req.responseMode == "fragment" {
			sep = "#"
		}
		h := w.Header()
		h.Set("Location", req.redirectURI+sep+v.Encode())
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusFound)
	}
}

// handleAdminConsent is the admin-consent endpoint
// (/{tenant}/adminconsent?client_id=…). Approving clears the
// admin-approval fault, as a tenant-wide grant would.
func (s *Server) handleAdminConsent(w http.ResponseWriter, r *http.Request, tenant string) {
	clientID := r.URL.Query().Get("client_id")
	if e := s.checkPageClient(clientID, tenant); e != nil {
		s.errorPage(w, http.StatusBadRequest, e)
		return
	}
	data := struct {
		AppName     string
		Permissions []string
		Action      string
	}{s.opts.AppName, nil, r.URL.RequestURI()}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		for _, sc := range []string{"openid", "profile", "email", "offline_access", graphPrefix + "Calendars.Read"} {
			data.Permissions = append(data.Permissions, permissionText(sc))
		}
		renderPage(w, http.StatusOK, "adminconsent", data, "")
	case http.MethodPost:
		s.faults.SetAdminApprovalRequired(false)
		renderPage(w, http.StatusOK, "approved", data, "")
	default:
		s.errorPage(w, http.StatusMethodNotAllowed, s.newError(errInvalidRequest, 900561,
			fmt.Sprintf("The endpoint only accepts GET, POST requests. Received a %s request.", r.Method)))
	}
}

// handleDiscovery serves a minimal OpenID Connect discovery document, so
// "Test Microsoft settings" can check the authority without a sign-in.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request, tenant string) {
	issuerTenant := tenant
	switch tenant {
	case "common", "organizations", "consumers":
		issuerTenant = "{tenantid}" // as Microsoft's multi-tenant documents say
	}
	doc, _ := json.Marshal(map[string]any{
		"issuer":                                s.url + "/" + issuerTenant + "/v2.0",
		"authorization_endpoint":                s.url + "/" + tenant + "/oauth2/v2.0/authorize",
		"token_endpoint":                        s.url + "/" + tenant + "/oauth2/v2.0/token",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"HS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"cloud_instance_name":                   "demo.invalid",
	})
	writeJSON(w, http.StatusOK, doc)
}
