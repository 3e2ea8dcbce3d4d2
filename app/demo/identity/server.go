// Package identity is an in-process fake of the Microsoft identity platform
// (Entra ID v2 endpoints), served over real HTTP on loopback. It backs demo
// mode and the tests of package msauth and of the fake Recall API.
//
// It follows the behaviour documented in /work/shared/reference/microsoft-oauth.md
// (cited as "ref §n" beside each rule), not what happens to suit our client,
// so the client's tests are honest. Where it is deliberately STRICTER than
// Microsoft (state and PKCE S256 are required here), the code says so: a
// stricter fake only catches more client bugs.
//
// Endpoints, below the authority URL returned by Server.URL:
//
//	GET  /{tenant}/oauth2/v2.0/authorize              sign-in and consent page
//	POST /{tenant}/login                              the page's Accept / Cancel / Return to app buttons
//	POST /{tenant}/oauth2/v2.0/token                  authorization_code and refresh_token grants
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /{tenant}/adminconsent?client_id=…           admin consent page (clears the admin-approval fault)
//	GET  /error?code=NNNN                             error lookup page (error_uri points here)
//
// All state lives in the Server; nothing is global, so tests may run many
// servers in parallel. Fault knobs are on Server.Faults.
package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configures the fake.
type Options struct {
	// ClientID is the one registered app (required).
	ClientID string
	// ClientSecret is its first valid secret (required). AddClientSecret
	// registers more, as Entra allows during a rotation.
	ClientSecret string
	// AppName is shown on the consent page. Default "Outlook Connect".
	AppName string
	// RedirectPaths are the registered loopback redirect paths.
	// Default []string{"/callback"}.
	RedirectPaths []string
	// RedirectHost is the registered loopback host: "localhost" (default)
	// or "127.0.0.1". The two are not interchangeable (ref §1.3).
	RedirectHost string
	// Account is the demo account that signs in (until SetAccount). The
	// zero value means DefaultAccount().
	Account Account
	// Now is the clock for code and token expiry. Default time.Now.
	Now func() time.Time
}

// Account is the demo user. ObjectID and TenantID are the stable identity
// (ref §3.5: oid + tid); the addresses are labels that can change.
type Account struct {
	Email             string
	Name              string
	PreferredUsername string
	ObjectID          string // oid claim
	TenantID          string // tid claim
	// Mailbox is the mailbox's primary address, which Recall reports as
	// platform_email. It can differ from Email (an alias, a renamed
	// account); "" means the same as Email.
	Mailbox string
}

// mailbox is the address Recall would read from the provider.
func (a Account) mailbox() string {
	switch {
	case a.Mailbox != "":
		return a.Mailbox
	case a.Email != "":
		return a.Email
	}
	return a.PreferredUsername
}

// ConsumerTenantID is the tid of every personal Microsoft account (ref §3.1).
const ConsumerTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// DefaultAccount is the account used when Options.Account is zero: a work
// account whose mailbox address is an alias of its sign-in address.
func DefaultAccount() Account {
	return Account{
		Email:             "alex.morgan@contoso.example",
		Name:              "Alex Morgan",
		PreferredUsername: "alex.morgan@contoso.example",
		ObjectID:          "5d3c1f8e-7a2b-4c9d-8e1f-0a2b3c4d5e6f",
		TenantID:          "b7e4a1c2-3d5f-4e6a-9b8c-1d2e3f4a5b6c",
		Mailbox:           "alex@contoso.example",
	}
}

// PersonalAccount is a second demo account: a personal Microsoft account
// registered with the same email as DefaultAccount, as people often have.
// Only its oid and tid tell it apart (ref §3.5).
func PersonalAccount() Account {
	return Account{
		Email:             "alex.morgan@contoso.example",
		Name:              "Alex Morgan (personal)",
		PreferredUsername: "alex.morgan@contoso.example",
		ObjectID:          "00000000-0000-0000-6f2a-9c41d7e03b58",
		TenantID:          ConsumerTenantID,
		Mailbox:           "outlook_5F2A9C41D7E03B58@outlook.com",
	}
}

// Stats counts what the fake has seen, so tests can assert for example that
// a code was exchanged exactly once.
type Stats struct {
	AuthorizeRequests int // GET /authorize, any outcome
	TokenRequests     int // POST /token, any outcome
	// TokenBasicAuth counts token requests that authenticated the client
	// with an HTTP Basic header instead of the form body.
	TokenBasicAuth      int
	CodesIssued         int
	CodesRedeemed       int // successful authorization_code grants
	RefreshTokensIssued int
	Verifications       int // VerifyRefreshToken calls
}

// Server is a running fake.
type Server struct {
	opts    Options
	now     func() time.Time
	url     string
	ln      net.Listener
	srv     *http.Server
	faults  *Faults
	hmacKey []byte

	mu      sync.Mutex
	account Account  // who signs in next
	secrets []string // valid client secrets; secrets[0] is Options.ClientSecret
	codes   map[string]*authCode
	flows   map[string]*pendingFlow
	refresh map[string]*refreshGrant
	issued  []string // every refresh token, in issue order
	stats   Stats
	// lastPrune is when expired flows and codes were last dropped.
	lastPrune time.Time

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
	serveDone chan struct{}
}

// Start listens on 127.0.0.1 with an OS-chosen port and serves until Close.
// The server accepts connections as soon as Start returns.
func Start(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		return nil, errors.New("identity: Options.ClientID is required")
	}
	if opts.ClientSecret == "" {
		return nil, errors.New("identity: Options.ClientSecret is required")
	}
	if opts.AppName == "" {
		opts.AppName = "Outlook Connect"
	}
	if len(opts.RedirectPaths) == 0 {
		opts.RedirectPaths = []string{"/callback"}
	}
	for _, p := range opts.RedirectPaths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("identity: redirect path %q must start with /", p)
		}
	}
	switch opts.RedirectHost {
	case "":
		opts.RedirectHost = "localhost"
	case "localhost", "127.0.0.1":
	default:
		// ref §1.1: only loopback hosts may use http; [::1] is not supported.
		return nil, fmt.Errorf("identity: RedirectHost must be \"localhost\" or \"127.0.0.1\", not %q", opts.RedirectHost)
	}
	if opts.Account == (Account{}) {
		opts.Account = DefaultAccount()
	}
	def := DefaultAccount()
	if opts.Account.ObjectID == "" {
		opts.Account.ObjectID = def.ObjectID
	}
	if opts.Account.TenantID == "" {
		opts.Account.TenantID = def.TenantID
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("identity: listen: %w", err)
	}
	s := &Server{
		opts:      opts,
		now:       now,
		url:       "http://" + ln.Addr().String(),
		ln:        ln,
		hmacKey:   make([]byte, 32),
		account:   opts.Account,
		secrets:   []string{opts.ClientSecret},
		codes:     make(map[string]*authCode),
		flows:     make(map[string]*pendingFlow),
		refresh:   make(map[string]*refreshGrant),
		closing:   make(chan struct{}),
		serveDone: make(chan struct{}),
	}
	rand.Read(s.hmacKey)
	s.faults = &Faults{srv: s}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      2 * time.Minute, // covers the slow-response knob
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          log.New(discard{}, "", 0),
	}
	go func() {
		defer close(s.serveDone)
		s.srv.Serve(ln)
	}()
	return s, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// URL is the authority host, for example "http://127.0.0.1:41234". Tenant
// paths live below it, so it can be used as OUTLOOK_CONNECT_MS_AUTHORITY.
func (s *Server) URL() string { return s.url }

// Options returns the options in force (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Faults returns the fault knobs. They are safe to change at any time.
func (s *Server) Faults() *Faults { return s.faults }

// SetAccount makes a different person sign in from the next sign-in page
// on (for example PersonalAccount). Grants already issued keep their
// account.
func (s *Server) SetAccount(a Account) {
	s.mu.Lock()
	s.account = a
	s.mu.Unlock()
}

// currentAccount is who signs in now.
func (s *Server) currentAccount() Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account
}

// AddClientSecret registers another valid client secret for the app, as an
// admin does in Entra before the old one expires (ref §2.4, recall-api.md
// §7.3). The original secret keeps working until SetSecretExpired.
func (s *Server) AddClientSecret(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if secret != "" && !slices.Contains(s.secrets, secret) {
		s.secrets = append(s.secrets, secret)
	}
}

// RefreshTokens lists every refresh token issued so far, oldest first, so
// a test can scan files and logs for them after the app dropped its copy.
func (s *Server) RefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close stops the server: it wakes requests held by the slow-response knob,
// lets in-flight requests finish (up to two seconds), then closes every
// connection. It returns after the serving goroutine has ended.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = s.srv.Close()
		}
		<-s.serveDone
	})
	return s.closeErr
}

// tenantPattern accepts a GUID or a DNS domain (ref §3.1).
var (
	guidPattern   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainPattern = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))+$`)
)

// validTenant reports whether seg is a tenant segment Microsoft accepts:
// common, organizations, consumers, a tenant GUID or a domain (ref §3.1).
func validTenant(seg string) bool {
	switch seg {
	case "common", "organizations", "consumers":
		return true
	}
	return guidPattern.MatchString(seg) || (len(seg) <= 253 && domainPattern.MatchString(seg))
}

// ServeHTTP routes by path. Unknown paths get a 404 page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/error" {
		s.handleErrorLookup(w, r)
		return
	}
	tenant, rest, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		s.notFound(w)
		return
	}
	switch rest {
	case "oauth2/v2.0/authorize":
		s.withTenant(w, r, tenant, s.handleAuthorize)
	case "login":
		s.withTenant(w, r, tenant, s.handleDecision)
	case "oauth2/v2.0/token":
		s.handleToken(w, r, tenant)
	case "v2.0/.well-known/openid-configuration":
		s.withTenant(w, r, tenant, s.handleDiscovery)
	case "adminconsent":
		s.withTenant(w, r, tenant, s.handleAdminConsent)
	default:
		s.notFound(w)
	}
}

func (s *Server) withTenant(w http.ResponseWriter, r *http.Request, tenant string, h func(http.ResponseWriter, *http.Request, string)) {
	if !validTenant(tenant) {
		// ref §3.1 lists the accepted tenant forms; AADSTS90002 is
		// "InvalidTenantName" in the error-code reference.
		s.errorPage(w, http.StatusBadRequest, s.newError(errInvalidRequest, 90002,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)))
		return
	}
	h(w, r, tenant)
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64.EncodeToString(b)
}

// newGUID returns a random version-4 GUID.
func newGUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sleep waits d, or until ctx is done or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return errors.New("identity: server closing")
	}
}
