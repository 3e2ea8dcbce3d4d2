package config

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// Field names, shared by SetupInput's JSON, FieldError.Field, Missing and
// Resolved.Sources.
const (
	FieldClientID      = "clientId"
	FieldClientSecret  = "clientSecret"
	FieldTenant        = "tenant"
	FieldAuthority     = "authority"
	FieldGraphHost     = "graphHost"
	FieldRedirectHost  = "redirectHost"
	FieldResponseMode  = "responseMode"
	FieldRecallRegion  = "recallRegion"
	FieldRecallBaseURL = "recallBaseUrl"
	FieldRecallAPIKey  = "recallApiKey"

	FieldDefaultRecordingRule = "defaultRecordingRule"
	FieldDefaultAcceptedOnly  = "defaultAcceptedOnly"
	FieldBotName              = "botName"
	FieldInternalDomains      = "internalDomains"
	FieldKeepScheduling       = "keepScheduling"
	FieldExpectedInstalls     = "expectedInstalls"
)

// Regions are the Recall regions, each an independent deployment with its
// own API keys.
var Regions = []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"}

// RegionBaseURL is the API base of a Recall region.
func RegionBaseURL(region string) string { return "https://" + region + ".recall.ai" }

func knownRegion(r string) bool {
	for _, k := range Regions {
		if k == r {
			return true
		}
	}
	return false
}

// regionOfBaseURL recognises a region's own base URL so a base URL that
// merely spells out a region still reports that region.
func regionOfBaseURL(base string) string {
	for _, r := range Regions {
		if strings.EqualFold(base, RegionBaseURL(r)) {
			return r
		}
	}
	return ""
}

// field describes one setting: where it comes from and how it is checked.
type field struct {
	name     string     // SetupInput JSON name
	env      string     // environment variable
	filePath string     // path in a setup file
	secret   SecretName // set for secrets, which live in the SecretStore
	label    string     // how people call it
	// check normalises a non-empty value, or returns a plain-language
	// reason why it can't be used. It never echoes the value.
	check func(string) (string, string)
}

var fields = []field{
	{name: FieldClientID, env: EnvClientID, filePath: "microsoft.clientId", label: "Microsoft client ID", check: checkClientID},
	{name: FieldClientSecret, env: EnvClientSecret, filePath: "microsoft.clientSecret", secret: SecretMSClientSecret, label: "Microsoft client secret", check: checkClientSecret},
	{name: FieldTenant, env: EnvTenant, filePath: "microsoft.tenant", label: "Microsoft tenant", check: checkTenant},
	{name: FieldAuthority, env: EnvAuthority, filePath: "microsoft.authority", label: "Microsoft sign-in address", check: checkAuthority},
	{name: FieldGraphHost, env: EnvGraphHost, filePath: "microsoft.graphHost", label: "Microsoft Graph host", check: checkGraphHost},
	{name: FieldRedirectHost, env: EnvRedirectHost, filePath: "microsoft.redirectHost", label: "redirect host", check: checkRedirectHost},
	{name: FieldResponseMode, env: EnvResponseMode, filePath: "microsoft.responseMode", label: "response mode", check: checkResponseMode},
	{name: FieldRecallRegion, env: EnvRecallRegion, filePath: "recall.region", label: "Recall region", check: checkRegion},
	{name: FieldRecallBaseURL, env: EnvRecallBaseURL, filePath: "recall.baseUrl", label: "Recall address", check: checkRecallBaseURL},
	{name: FieldRecallAPIKey, env: EnvRecallAPIKey, filePath: "recall.apiKey", secret: SecretRecallAPIKey, label: "Recall API key", check: checkAPIKey},
	{name: FieldDefaultRecordingRule, env: EnvRecordingRule, filePath: "meetings.defaultRule", label: "default recording rule", check: checkRecordingRule},
	{name: FieldDefaultAcceptedOnly, env: EnvRecordAcceptedOnly, filePath: "meetings.acceptedOnly", label: "accepted-meetings-only setting", check: checkBool},
	{name: FieldBotName, env: EnvBotName, filePath: "meetings.botName", label: "assistant's name", check: checkBotName},
	{name: FieldInternalDomains, env: EnvInternalDomains, filePath: "meetings.internalDomains", label: "list of internal email domains", check: checkInternalDomains},
	{name: FieldKeepScheduling, env: EnvKeepScheduling, filePath: "background.keepScheduling", label: "keep-scheduling setting", check: checkBool},
	{name: FieldExpectedInstalls, env: EnvExpectedInstalls, filePath: "background.expectedInstalls", label: "expected number of installs", check: checkExpectedInstalls},
}

// nameIn is how an error names the field where its value came from: the
// variable, the setup-file path of the build's profile, or its label.
func (f field) nameIn(src Source) string {
	switch src {
	case SourceEnvironment:
		return f.env
	case SourceProfile:
		return f.filePath
	}
	return f.label
}

func fieldByName(name string) field {
	for _, f := range fields {
		if f.name == name {
			return f
		}
	}
	panic("config: unknown field " + name)
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidRe.MatchString(s) }

func checkClientID(v string) (string, string) {
	if !isGUID(v) {
		return "", "The client ID is a GUID like 00000000-0000-0000-0000-000000000000. Copy the \"Application (client) ID\" from the app's Overview page in the Azure portal."
	}
	return strings.ToLower(v), ""
}

// secretIDMistake is the most common admin mistake: the portal shows a
// secret's ID (a GUID) next to its value, and only the value works.
const secretIDMistake = "This looks like the secret's ID. Copy the secret's Value instead (Azure portal → Certificates & secrets → Value column)."

func checkClientSecret(v string) (string, string) {
	switch {
	case isGUID(v):
		return "", secretIDMistake
	case hasSpaceOrControl(v):
		return "", "The client secret can't contain spaces or line breaks. Copy it again from the Value column."
	case len(v) < 8:
		return "", "This is too short to be a client secret. Copy the whole Value from Certificates & secrets."
	case len(v) > 2000:
		return "", "This is too long to be a client secret. Copy only the Value from Certificates & secrets."
	}
	return v, ""
}

func checkAPIKey(v string) (string, string) {
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "token ") || strings.HasPrefix(lower, "bearer "):
		return "", "Enter only the key itself, without the word in front of it."
	case hasSpaceOrControl(v):
		return "", "The API key can't contain spaces or line breaks. Copy it again from the Recall dashboard."
	case len(v) < 16:
		return "", "This is too short to be a Recall API key. Copy the whole key from the Recall dashboard."
	case len(v) > 512:
		return "", "This is too long to be a Recall API key. Copy only the key from the Recall dashboard."
	}
	return v, ""
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return true
		}
	}
	return false
}

var domainLabelRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkTenant(v string) (string, string) {
	lower := strings.ToLower(v)
	switch lower {
	case "common", "organizations", "consumers":
		return lower, ""
	}
	if isGUID(v) {
		return lower, ""
	}
	if isDomain(lower) {
		return lower, ""
	}
	return "", "Use common, organizations, consumers, your tenant ID (a GUID) or your organisation's domain (for example contoso.com)."
}

func isDomain(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !domainLabelRe.MatchString(l) {
			return false
		}
	}
	// The last label is a top-level domain: never all digits.
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func checkRegion(v string) (string, string) {
	lower := strings.ToLower(v)
	if !knownRegion(lower) {
		return "", "Choose one of the Recall regions: " + strings.Join(Regions, ", ") + "."
	}
	return lower, ""
}

func checkRedirectHost(v string) (string, string) {
	lower := strings.ToLower(v)
	if lower != "localhost" && lower != "127.0.0.1" {
		return "", "Use localhost or 127.0.0.1, matching the redirect URI registered in Entra."
	}
	return lower, ""
}

func checkResponseMode(v string) (string, string) {
	lower := strings.ToLower(v)
	if lower != "form_post" && lower != "query" {
		return "", "Use form_post (recommended) or query."
	}
	return lower, ""
}

func checkAuthority(v string) (string, string) { return checkServiceURL(v) }

func checkRecallBaseURL(v string) (string, string) { return checkServiceURL(v) }

// checkServiceURL accepts https URLs, and http only for this computer
// (tests and demo mode). The result has no trailing slash so paths can be
// appended.
func checkServiceURL(v string) (string, string) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", "Enter a full web address starting with https://."
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "https":
	case scheme == "http" && isLoopbackHost(u.Hostname()):
	case scheme == "http":
		return "", "Use an https:// address. Plain http is only allowed for this computer (localhost)."
	default:
		return "", "Enter a full web address starting with https://."
	}
	if u.User != nil {
		return "", "Leave out any user name or password in the address."
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#") {
		return "", "Leave out anything after ? or # in the address."
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	return strings.TrimRight(u.String(), "/"), ""
}

// isLoopbackHost is true for localhost, 127.0.0.0/8 and ::1.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validateInput checks every non-empty field of in, collecting all errors,
// and returns the normalised input. Empty fields are not errors: empty
// secrets mean "keep the stored one", other empty fields mean "use the
// default".
func validateInput(in SetupInput) (SetupInput, []FieldError) {
	var errs []FieldError
	out := in
	for _, f := range fields {
		p := inputField(&out, f.name)
		*p = strings.TrimSpace(*p)
		if *p == "" {
			continue
		}
		norm, msg := f.check(*p)
		if msg != "" {
			errs = append(errs, FieldError{Field: f.name, Message: msg})
			continue
		}
		*p = norm
	}
	return out, errs
}

// inputField maps a field name to its slot in a SetupInput.
func inputField(in *SetupInput, name string) *string {
	switch name {
	case FieldClientID:
		return &in.ClientID
	case FieldClientSecret:
		return &in.ClientSecret
	case FieldTenant:
		return &in.Tenant
	case FieldAuthority:
		return &in.Authority
	case FieldGraphHost:
		return &in.GraphHost
	case FieldRedirectHost:
		return &in.RedirectHost
	case FieldResponseMode:
		return &in.ResponseMode
	case FieldRecallRegion:
		return &in.RecallRegion
	case FieldRecallBaseURL:
		return &in.RecallBaseURL
	case FieldRecallAPIKey:
		return &in.RecallAPIKey
	case FieldDefaultRecordingRule:
		return &in.DefaultRecordingRule
	case FieldDefaultAcceptedOnly:
		return &in.DefaultAcceptedOnly
	case FieldBotName:
		return &in.BotName
	case FieldInternalDomains:
		return &in.InternalDomains
	case FieldKeepScheduling:
		return &in.KeepScheduling
	case FieldExpectedInstalls:
		return &in.ExpectedInstalls
	}
	panic("config: unknown field " + name)
}
