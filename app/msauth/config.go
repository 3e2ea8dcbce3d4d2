package msauth

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// DefaultAuthority is Microsoft's global identity host.
const DefaultAuthority = "https://login.microsoftonline.com"

// DefaultTimeout is how long an attempt waits for the person to sign in.
const DefaultTimeout = 5 * time.Minute

// Config configures one sign-in attempt.
type Config struct {
	// ClientID is the Entra app (client) id. Required.
	ClientID string
	// ClientSecret is the client secret value. Required: the app is
	// registered under the Web platform, whose token requests must carry it
	// (AADSTS7000218 otherwise).
	ClientSecret string
	// Tenant is common (default), organizations, consumers, a tenant id or
	// a domain.
	Tenant string
	// Authority is the identity host, default https://login.microsoftonline.com.
	// It must be https; http is allowed only for loopback hosts (tests and
	// demo mode).
	Authority string
	// GraphHost is the Microsoft Graph host whose Calendars.Read the sign-in
	// asks for. Empty means the one of the authority's cloud (GraphHostFor);
	// set it to dod-graph.microsoft.us for US Government L5 (DoD), which
	// shares its sign-in host with L4.
	GraphHost string
	// RedirectHost is "localhost" (default) or "127.0.0.1". It must match
	// the host registered for the app: Microsoft does not treat the two as
	// the same.
	RedirectHost string
	// ResponseMode is "form_post" (default) or "query".
	ResponseMode string
	// Timeout is how long to wait for the person to sign in. Default 5 minutes.
	Timeout time.Duration
	// HTTPClient sends the token request. Optional. Redirects are never
	// followed for the token request, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// Logger receives event names, durations and error codes. Optional.
	Logger *slog.Logger
}

var (
	tenantPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$`)
)

// normalise fills in defaults and checks the configuration. Problems name
// the setting in plain words and never echo the secret.
func (c Config) normalise() (Config, *problem.Problem) {
	c.ClientID = strings.TrimSpace(c.ClientID)
	if c.ClientID == "" {
		return c, configProblem("Microsoft client ID", "The Microsoft client ID is missing.")
	}
	if !printable(c.ClientID) || len(c.ClientID) > 256 {
		return c, configProblem("Microsoft client ID", "The Microsoft client ID contains characters that are not allowed. It usually looks like 11111111-2222-3333-4444-555555555555.")
	}
	if c.ClientSecret == "" {
		return c, configProblem("Microsoft client secret", "The Microsoft client secret is missing.")
	}
	if strings.TrimSpace(c.ClientSecret) != c.ClientSecret || !printable(c.ClientSecret) {
		return c, configProblem("Microsoft client secret", "The Microsoft client secret has spaces or characters that are not allowed. Paste the secret's Value again, without spaces.")
	}

	c.Tenant = strings.TrimSpace(c.Tenant)
	if c.Tenant == "" {
		c.Tenant = "common"
	}
	if !tenantPattern.MatchString(c.Tenant) || strings.Contains(c.Tenant, "..") {
		return c, configProblem("Microsoft tenant", "The Microsoft tenant must be common, organizations, consumers, a tenant ID or a domain name.")
	}

	auth, p := normaliseAuthority(c.Authority)
	if p != nil {
		return c, p
	}
	c.Authority = auth
	cloud := GraphHostFor(c.Authority)
	switch c.GraphHost = strings.ToLower(strings.TrimSpace(c.GraphHost)); {
	case c.GraphHost == "":
		c.GraphHost = cloud
	case c.GraphHost == cloud:
	case c.GraphHost == graphUSGovDoD && cloud == graphUSGov:
	default:
		return c, configProblem("Microsoft Graph host", "The Microsoft Graph host does not belong to the cloud of the Microsoft sign-in address ("+cloud+").")
	}

	switch c.RedirectHost {
	case "":
		c.RedirectHost = "localhost"
	case "localhost", "127.0.0.1":
	default:
		return c, configProblem("Redirect host", "The redirect host must be localhost or 127.0.0.1.")
	}
	switch c.ResponseMode {
	case "":
		c.ResponseMode = "form_post"
	case "form_post", "query":
	default:
		return c, configProblem("Response mode", "The response mode must be form_post or query.")
	}
	if c.Timeout < 0 {
		return c, configProblem("Sign-in timeout", "The sign-in timeout must not be negative.")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// normaliseAuthority checks the identity host: https, or http on loopback
// only; no user info, query or fragment; no trailing slash.
func normaliseAuthority(raw string) (string, *problem.Problem) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultAuthority, nil
	}
	const setting = "Microsoft sign-in address"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", configProblem(setting, "The Microsoft sign-in address must be a full address such as https://login.microsoftonline.com.")
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", configProblem(setting, "The Microsoft sign-in address must not contain a user name, password, query or fragment.")
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return "", configProblem(setting, "The Microsoft sign-in address must start with https://. Plain http is allowed only for this computer (demo mode and tests).")
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// Microsoft Graph hosts of the clouds (Microsoft Graph national cloud
// deployments). US Government L4 and L5 (DoD) share the sign-in host
// login.microsoftonline.us.
const (
	graphGlobal    = "graph.microsoft.com"
	graphUSGov     = "graph.microsoft.us"
	graphUSGovDoD  = "dod-graph.microsoft.us"
	graphChina     = "microsoftgraph.chinacloudapi.cn"
	scopeCalendars = "Calendars.Read"
)

// GraphHostFor is the Microsoft Graph host of the cloud an authority (the
// sign-in address) belongs to: a national cloud's Graph scopes name its own
// Graph host. Hosts it does not know (loopback fakes, say) get the global
// one.
func GraphHostFor(authority string) string {
	u, err := url.Parse(authority)
	if err != nil {
		return graphGlobal
	}
	switch h := strings.ToLower(u.Hostname()); {
	case h == "login.microsoftonline.us":
		return graphUSGov
	case h == "login.chinacloudapi.cn" || h == "login.partner.microsoftonline.cn":
		return graphChina
	}
	return graphGlobal
}

// scopesFor lists the scopes a sign-in asks for: offline_access for the
// refresh token, openid/email/profile for the id_token claims, and the
// cloud's Calendars.Read for Recall (ref §3.2).
func scopesFor(graphHost string) []string {
	return []string{"offline_access", "openid", "email", "profile", "https://" + graphHost + "/" + scopeCalendars}
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return false
		}
	}
	return true
}
