package msauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes of this package's catalogue. The UI and package connect
// branch on them (errors.Is with &problem.Problem{Code: …}).
const (
	CodeConfigInvalid         = "msauth.config_invalid"
	CodePortUnavailable       = "msauth.port_unavailable"
	CodeCancelled             = "msauth.cancelled"  // Cancel in the app, or Wait's context ended
	CodeSuperseded            = "msauth.superseded" // a newer Start replaced this attempt
	CodeTimeout               = "msauth.timeout"
	CodeDeclined              = "msauth.declined" // cancelled or said No at Microsoft (access_denied, 65004)
	CodeConsentRequired       = "msauth.consent_required"
	CodeAdminApprovalRequired = "msauth.admin_approval_required"
	CodeClientSecretInvalid   = "msauth.client_secret_invalid"
	CodeClientSecretExpired   = "msauth.client_secret_expired"
	CodeClientSecretMissing   = "msauth.client_secret_missing"
	CodePublicClient          = "msauth.public_client"
	CodeSignInExpired         = "msauth.sign_in_expired" // code expired (70008) or already used (54005)
	CodePKCEMismatch          = "msauth.pkce_mismatch"
	CodeAppNotFound           = "msauth.app_not_found"
	CodeAppNotMultitenant     = "msauth.app_not_multitenant"
	CodeRedirectURIMismatch   = "msauth.redirect_uri_mismatch"
	CodeAppMisconfigured      = "msauth.app_misconfigured"    // invalid_client at the redirect, AADSTS650057/650056
	CodeCrossTenantBlocked    = "msauth.cross_tenant_blocked" // AADSTS500212/500213 cross-tenant access policy
	CodeBlockedByPolicy       = "msauth.blocked_by_policy"    // Conditional Access, MFA, interaction_required
	CodeNotAssigned           = "msauth.not_assigned"
	CodeAccountProblem        = "msauth.account_problem"
	CodeWrongAccountType      = "msauth.wrong_account_type"
	CodeServiceUnavailable    = "msauth.service_unavailable"
	CodeNetwork               = "msauth.network"
	CodeNoRefreshToken        = "msauth.no_refresh_token"
	CodeCalendarsNotGranted   = "msauth.calendars_not_granted"
	CodeInvalidResponse       = "msauth.invalid_response"
	CodeMicrosoftError        = "msauth.microsoft_error" // anything else; keeps the AADSTS code
)

// Detail labels, shared with the UI's "Details for IT".
const (
	LabelStep          = "Step"
	LabelMicrosoftErr  = "Microsoft error"
	LabelError         = "Error"
	LabelErrorSubcode  = "Error subcode"
	LabelMessage       = "Microsoft message"
	LabelCorrelationID = "Correlation ID"
	LabelTraceID       = "Trace ID"
	LabelTimestamp     = "Timestamp"
	LabelHTTPStatus    = "HTTP status"
	LabelTenant        = "Tenant"
	LabelClientID      = "Client ID"
	LabelRedirectURI   = "Redirect URI"
	LabelAuthority     = "Sign-in address"
	LabelAdminConsent  = "Admin consent link"
	LabelErrorLookup   = "Error lookup"
	LabelSetting       = "Setting"
	LabelReason        = "Reason"
)

type entry struct {
	title, message, next string
	retryable, forAdmin  bool
}

const (
	nextStartAgain = "Select Connect Outlook calendar to start again."
	nextAskIT      = "If it keeps happening, copy the Details for IT and send them to your IT team."
)

// catalogue holds the words people read. Plain language, no jargon; the
// codes and ids go in Details for IT.
var catalogue = map[string]entry{
	CodeConfigInvalid: {"Outlook Connect isn't set up correctly", "", // message per setting
		"Ask your IT team to check the Microsoft settings in Outlook Connect's setup.", false, true},
	CodePortUnavailable: {"Outlook Connect couldn't prepare the sign-in",
		"To receive Microsoft's answer, Outlook Connect opens a private connection on this computer, and it couldn't.",
		"Try again. If it keeps happening, security software may be blocking Outlook Connect: ask your IT team.", true, false},
	CodeCancelled: {"Sign-in cancelled",
		"The sign-in was cancelled in Outlook Connect.",
		"Select Connect Outlook calendar when you're ready.", true, false},
	CodeSuperseded: {"A newer sign-in was started",
		"This sign-in was replaced by a newer one.",
		"Finish signing in in the newest browser tab.", true, false},
	CodeTimeout: {"Sign-in timed out", "", // message names the minutes
		"Select Connect Outlook calendar to try again, and finish signing in in your browser.", true, false},
	CodeDeclined: {"Sign-in was cancelled",
		"The sign-in was cancelled in the browser, or the permissions weren't accepted. Outlook Connect needs them to read your calendar.",
		"Select Connect Outlook calendar and choose Accept when Microsoft asks for permission.", true, false},
	CodeConsentRequired: {"Outlook Connect doesn't have your permission yet",
		"Microsoft says Outlook Connect hasn't been given permission to read your calendar, or the permission was removed.",
		"Sign in again and choose Accept when Microsoft asks for permission.", true, false},
	CodeAdminApprovalRequired: {"Your organisation needs to approve Outlook Connect",
		"Your organisation only lets IT approve apps like Outlook Connect, and it hasn't approved it yet.",
		"Ask your IT team to approve the app. They can use the link in Details for IT.", false, true},
	CodeClientSecretInvalid: {"Outlook Connect's Microsoft settings need attention",
		"Microsoft didn't accept the client secret that Outlook Connect uses.",
		"Ask your IT team to check the client secret in Outlook Connect's setup. It must be the secret's Value, not its ID.", false, true},
	CodeClientSecretExpired: {"Outlook Connect's client secret has expired",
		"The client secret that Outlook Connect uses with Microsoft has expired, so no one can connect until it's renewed.",
		"Ask your IT team to create a new client secret for the app and enter it in Outlook Connect's setup.", false, true},
	CodeClientSecretMissing: {"Outlook Connect's Microsoft settings are incomplete",
		"Microsoft expected the app's client secret and didn't receive it.",
		"Ask your IT team to enter the client secret in Outlook Connect's setup, and to check that the app is registered under the Web platform.", false, true},
	CodePublicClient: {"Outlook Connect's Microsoft app is registered the wrong way",
		"The app is registered as a mobile and desktop app, so Microsoft refuses its client secret.",
		"Ask your IT team to register the redirect address under the Web platform of the app, not under Mobile and desktop.", false, true},
	CodeSignInExpired: {"That sign-in expired",
		"The sign-in took too long or was already used, so Microsoft won't accept it.",
		nextStartAgain, true, false},
	CodePKCEMismatch: {"The sign-in couldn't be completed",
		"Microsoft rejected the sign-in because a security check didn't match. This is a problem in Outlook Connect, not something you did.",
		"Start again. " + nextAskIT, true, false},
	CodeAppNotFound: {"Microsoft doesn't recognise Outlook Connect",
		"Microsoft couldn't find the app that Outlook Connect signs in with. The client ID may be wrong, or the app is in a different Microsoft cloud.",
		"Ask your IT team to check the client ID and the sign-in address in Outlook Connect's setup.", false, true},
	CodeAppNotMultitenant: {"Outlook Connect's Microsoft app isn't set up for this sign-in",
		"The app isn't set up to accept this kind of account, or accounts from your organisation.",
		"Ask your IT team to check which accounts the app accepts, or to enter your organisation's tenant in Outlook Connect's setup.", false, true},
	CodeRedirectURIMismatch: {"Outlook Connect's return address isn't registered",
		"Microsoft doesn't recognise the address Outlook Connect uses to receive the sign-in.",
		"", false, true}, // next step names the address
	CodeAppMisconfigured: {"Outlook Connect's Microsoft app isn't set up correctly",
		"Microsoft refused the sign-in because the app Outlook Connect signs in with asks for a permission its registration doesn't list, or its registration is incomplete.",
		"Ask your IT team to check the app's API permissions in Entra: Microsoft Graph, delegated, Calendars.Read (with openid, email, profile and offline_access). Copy the Details for IT for them.", false, true},
	CodeCrossTenantBlocked: {"Your organisations' access rules block this sign-in",
		"The account you signed in with belongs to a different organisation from the app's, and a cross-tenant access policy, yours or the app's organisation's, doesn't allow this sign-in.",
		"Sign in with an account from your own organisation, or ask your IT team to allow the app in the cross-tenant access settings. Copy the Details for IT for them.", true, true},
	CodeBlockedByPolicy: {"Your organisation's sign-in rules stopped this sign-in",
		"Your organisation needs something more for this sign-in, such as a second sign-in step or a managed device, or its rules block it.",
		"Try again and complete any extra steps Microsoft shows. If it's still blocked, send the Details for IT to your IT team.", true, false},
	CodeNotAssigned: {"You haven't been given access to Outlook Connect",
		"Your organisation only lets selected people use Outlook Connect, and your account isn't one of them yet.",
		"Ask your IT team to give you access to the app.", false, true},
	CodeAccountProblem: {"There's a problem with your Microsoft account",
		"Microsoft says your account is disabled or locked, or its password has expired.",
		"Sign in to your Microsoft account in your browser to fix it, or contact your IT team.", false, false},
	CodeWrongAccountType: {"This account can't be used here",
		"The account you signed in with isn't allowed for this sign-in. You may have picked a personal account where a work account is needed, or the other way round.",
		"Start again and choose the account your organisation gave you.", true, false},
	CodeServiceUnavailable: {"Microsoft is temporarily unavailable",
		"Microsoft's sign-in service had a temporary problem.",
		"Wait a minute and try again.", true, false},
	CodeNetwork: {"Couldn't reach Microsoft",
		"Outlook Connect couldn't finish the sign-in because it couldn't reach Microsoft.",
		"Check your internet connection and try again.", true, false},
	CodeNoRefreshToken: {"Microsoft didn't allow ongoing access",
		"You signed in, but Microsoft didn't give Outlook Connect ongoing access to your calendar, which Recall needs to keep your meetings up to date.",
		"Start again and choose Accept. If it happens again, ask your IT team to check the app's offline_access permission.", true, false},
	CodeCalendarsNotGranted: {"Calendar permission wasn't granted",
		"You signed in, but permission to read your calendar wasn't granted, and Outlook Connect needs it.",
		"Start again and accept the calendar permission. If your organisation restricts it, ask your IT team to grant Calendars.Read to the app.", true, false},
	CodeInvalidResponse: {"Microsoft's answer couldn't be used",
		"The sign-in finished, but Microsoft's answer was missing something Outlook Connect needs, or didn't match this sign-in.",
		"Try again. " + nextAskIT, true, false},
	CodeMicrosoftError: {"Microsoft couldn't complete the sign-in",
		"Microsoft reported a problem that Outlook Connect doesn't recognise.",
		"Try again. " + nextAskIT, true, false},
}

// newProblem builds a catalogue entry.
func newProblem(code string, cause error, details ...problem.Detail) *problem.Problem {
	e := catalogue[code]
	return &problem.Problem{
		Code: code, Title: e.title, Message: e.message, NextStep: e.next,
		Retryable: e.retryable, ForAdmin: e.forAdmin,
		Details: details,
		Cause:   cause,
	}
}

func configProblem(setting, message string) *problem.Problem {
	p := newProblem(CodeConfigInvalid, nil, problem.Detail{Label: LabelSetting, Value: setting})
	p.Message = message
	return p
}

// env is what the details of a problem may say about this attempt. None of
// it is secret; secrets lists values that must never appear in any text
// taken from outside (Microsoft's messages are scrubbed of them).
type env struct {
	authority, tenant, clientID, redirectURI string
	secrets                                  []string
}

func (e env) baseDetails() []problem.Detail {
	var d []problem.Detail
	add := func(label, value string) {
		if value != "" {
			d = append(d, problem.Detail{Label: label, Value: value})
		}
	}
	add(LabelTenant, e.tenant)
	add(LabelClientID, e.clientID)
	add(LabelRedirectURI, e.redirectURI)
	add(LabelAuthority, e.authority)
	return d
}

// adminConsentURL is {authority}/{tenant}/adminconsent?client_id=….
func (e env) adminConsentURL() string {
	return e.authority + "/" + url.PathEscape(e.tenant) + "/adminconsent?client_id=" + url.QueryEscape(e.clientID)
}

// registeredRedirect is the URI to register: the redirect without its port.
func (e env) registeredRedirect() string {
	u, err := url.Parse(e.redirectURI)
	if err != nil || u.Host == "" {
		return "http://localhost/callback"
	}
	return u.Scheme + "://" + u.Hostname() + u.Path
}

// msError is an error from Microsoft, from the redirect or the token
// endpoint (ref §4.1).
type msError struct {
	fromToken     bool
	err           string
	subError      string
	description   string
	codes         []int
	traceID       string
	correlationID string
	timestamp     string
	status        int
}

var (
	aadstsRe    = regexp.MustCompile(`AADSTS(\d{4,9})`)
	traceRe     = regexp.MustCompile(`Trace ID: ([0-9a-fA-F-]{36})`)
	corrRe      = regexp.MustCompile(`Correlation ID: ([0-9a-fA-F-]{36})`)
	timestampRe = regexp.MustCompile(`Timestamp: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)`)
	tokenWordRe = regexp.MustCompile(`^[a-z_]{1,64}$`)
	guidRe      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	stampRe     = regexp.MustCompile(`^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z$`)
)

// fromRedirect reads an error sent back to the redirect URI: the AADSTS
// code and ids live in error_description (ref §4.1).
func fromRedirect(cb callbackParams) msError {
	e := msError{err: cb.Error, subError: cb.ErrorSubcode, description: cb.ErrorDescription}
	e.fillFromDescription()
	return e
}

// fromRetrieveError reads the token endpoint's JSON error: error_codes,
// trace_id, correlation_id and timestamp are only in Body (ref §6.5).
func fromRetrieveError(re *oauth2.RetrieveError) msError {
	e := msError{fromToken: true, err: re.ErrorCode, description: re.ErrorDescription}
	if re.Response != nil {
		e.status = re.Response.StatusCode
	}
	var body struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Codes         []int  `json:"error_codes"`
		Timestamp     string `json:"timestamp"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
		SubError      string `json:"suberror"`
	}
	if json.Unmarshal(re.Body, &body) == nil {
		if e.err == "" {
			e.err = body.Error
		}
		if e.description == "" {
			e.description = body.Description
		}
		e.codes, e.subError = body.Codes, body.SubError
		e.traceID, e.correlationID, e.timestamp = body.TraceID, body.CorrelationID, body.Timestamp
	}
	e.fillFromDescription()
	return e
}

func (e *msError) fillFromDescription() {
	if len(e.codes) == 0 {
		if m := aadstsRe.FindStringSubmatch(e.description); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				e.codes = []int{n}
			}
		}
	}
	find := func(re *regexp.Regexp, dst *string) {
		if *dst == "" {
			if m := re.FindStringSubmatch(e.description); m != nil {
				*dst = m[1]
			}
		}
	}
	find(traceRe, &e.traceID)
	find(corrRe, &e.correlationID)
	find(timestampRe, &e.timestamp)
}

func (e msError) aadsts() int {
	if len(e.codes) > 0 {
		return e.codes[0]
	}
	return 0
}

// codeFor maps a Microsoft error to a catalogue code. The AADSTS number is
// the most specific signal; the OAuth error value decides otherwise
// (ref §4.1: branch on error; §4.2: the codes a desktop user meets).
func codeFor(e msError) string {
	switch e.aadsts() {
	case 65004:
		return CodeDeclined
	case 65001:
		return CodeConsentRequired
	case 90094, 90095, 90093:
		return CodeAdminApprovalRequired
	case 7000215, 70002:
		return CodeClientSecretInvalid
	case 7000222:
		return CodeClientSecretExpired
	case 7000218:
		return CodeClientSecretMissing
	case 700025:
		return CodePublicClient
	case 54005, 70008, 50089, 700082, 50173, 70043:
		return CodeSignInExpired
	case 501481, 50147, 501491:
		return CodePKCEMismatch
	case 700016, 700011, 70001, 7000112:
		return CodeAppNotFound
	case 50194, 9002332, 90130, 90124, 9001023:
		return CodeAppNotMultitenant
	case 50011, 500117, 70004:
		return CodeRedirectURIMismatch
	case 53003, 53000, 53001, 53002, 50076, 50079, 50158, 50131, 530032, 530035, 50072, 50074:
		return CodeBlockedByPolicy
	case 50105:
		return CodeNotAssigned
	case 50057, 50055, 50053, 50144, 50133, 50132:
		return CodeAccountProblem
	case 50020, 50034, 500208, 16000, 51004:
		return CodeWrongAccountType
	case 500212, 500213:
		return CodeCrossTenantBlocked
	case 650057, 650056:
		return CodeAppMisconfigured
	case 90033, 90006, 90024, 50033, 50087, 90090, 70012, 90012:
		return CodeServiceUnavailable
	case 700005, 9002326:
		// A defect (code redeemed at another tenant, or a cross-origin
		// request): starting again would not help.
		return CodeMicrosoftError
	}
	switch e.err {
	case "access_denied":
		// Includes error_subcode=cancel and the personal-account wording
		// "The user has denied access to the scope requested" (ref §4.2).
		return CodeDeclined
	case "consent_required":
		return CodeConsentRequired
	case "interaction_required", "login_required":
		return CodeBlockedByPolicy
	case "temporarily_unavailable", "server_error":
		return CodeServiceUnavailable
	case "invalid_client":
		if !e.fromToken {
			// No secret is sent to the authorize endpoint: at the redirect
			// invalid_client is about the app's registration.
			return CodeAppMisconfigured
		}
		return CodeClientSecretInvalid
	case "unauthorized_client":
		return CodeAppNotFound
	case "invalid_grant":
		return CodeSignInExpired
	}
	if e.fromToken && e.status >= 500 {
		return CodeServiceUnavailable
	}
	return CodeMicrosoftError
}

// classify turns a Microsoft error into a catalogue problem with details for
// IT. cause is kept for errors.As; it holds no secret.
func classify(e msError, en env, cause error) *problem.Problem {
	code := codeFor(e)
	var d []problem.Detail
	add := func(label, value string, link bool) {
		if value != "" {
			d = append(d, problem.Detail{Label: label, Value: value, Link: link})
		}
	}
	if e.fromToken {
		add(LabelStep, "Token exchange", false)
	} else {
		add(LabelStep, "Sign-in in the browser", false)
	}
	if n := e.aadsts(); n != 0 {
		add(LabelMicrosoftErr, "AADSTS"+strconv.Itoa(n), false)
	}
	add(LabelError, word(e.err), false)
	add(LabelErrorSubcode, word(e.subError), false)
	add(LabelMessage, firstLine(e.description, en.secrets), false)
	add(LabelCorrelationID, onlyIf(guidRe, e.correlationID), false)
	add(LabelTraceID, onlyIf(guidRe, e.traceID), false)
	add(LabelTimestamp, onlyIf(stampRe, e.timestamp), false)
	if e.status != 0 {
		add(LabelHTTPStatus, strconv.Itoa(e.status)+" "+http.StatusText(e.status), false)
	}
	d = append(d, en.baseDetails()...)
	if code == CodeAdminApprovalRequired {
		add(LabelAdminConsent, en.adminConsentURL(), true)
	}
	if n := e.aadsts(); n != 0 {
		add(LabelErrorLookup, en.authority+"/error?code="+strconv.Itoa(n), true)
	}
	p := newProblem(code, cause, d...)
	if code == CodeRedirectURIMismatch {
		p.NextStep = fmt.Sprintf("Ask your IT team to register %s under the Web platform of the app, exactly as written.", en.registeredRedirect())
	}
	return p
}

// word keeps an OAuth error value only if it looks like one.
func word(s string) string {
	if tokenWordRe.MatchString(s) {
		return s
	}
	if s == "" {
		return ""
	}
	return "(unreadable)"
}

func onlyIf(re *regexp.Regexp, s string) string {
	if re.MatchString(s) {
		return s
	}
	return ""
}

// firstLine is the first line of Microsoft's description, made safe to show:
// valid UTF-8, no control characters, at most 300 characters, and scrubbed
// of any secret of this attempt.
func firstLine(desc string, secrets []string) string {
	desc = strings.ToValidUTF8(desc, "?")
	if i := strings.IndexAny(desc, "\r\n"); i >= 0 {
		desc = desc[:i]
	}
	desc = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, desc)
	for _, s := range secrets {
		if len(s) >= 8 {
			desc = strings.ReplaceAll(desc, s, "[redacted]")
		}
	}
	desc = strings.TrimSpace(desc)
	if r := []rune(desc); len(r) > 300 {
		desc = string(r[:300]) + "…"
	}
	return desc
}
