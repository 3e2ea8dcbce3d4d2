package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

var b64 = base64.RawURLEncoding

// OAuth 2.0 error values used by Microsoft (ref §4.1).
const (
	errInvalidRequest          = "invalid_request"
	errInvalidClient           = "invalid_client"
	errInvalidGrant            = "invalid_grant"
	errUnauthorizedClient      = "unauthorized_client"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errAccessDenied            = "access_denied"
	errLoginRequired           = "login_required"
	errTemporarilyUnavailable  = "temporarily_unavailable"
)

// TokenError is an error in Microsoft's shape (ref §4.1). The token endpoint
// sends it as JSON; VerifyRefreshToken returns it; the authorize endpoint
// sends its fields in the redirect or shows them on an error page.
type TokenError struct {
	// Status is the HTTP status: 400, or 401 for invalid_client (ref §4.1).
	Status int
	// Code is the OAuth error value, e.g. "invalid_grant".
	Code string
	// SubError is Microsoft's suberror, e.g. "consent_required" with 65001.
	SubError string
	// AADSTS is the Microsoft error number, e.g. 70008.
	AADSTS int
	// Message is the text after "AADSTSnnnn: ".
	Message       string
	TraceID       string
	CorrelationID string
	Timestamp     time.Time
	// ErrorURI is the lookup page, {authority}/error?code=nnnn.
	ErrorURI string
}

// Error returns the code and the full description, like x/oauth2's
// RetrieveError does.
func (e *TokenError) Error() string {
	return fmt.Sprintf("identity: %s: %s", e.Code, e.Description())
}

// OAuthError reports the OAuth error value and description, for the fake
// Recall API's status_changes entries.
func (e *TokenError) OAuthError() (code, description string) {
	return e.Code, e.Description()
}

// Description is the error_description in Microsoft's format:
// "AADSTSnnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …".
func (e *TokenError) Description() string {
	return fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		e.AADSTS, e.Message, e.TraceID, e.CorrelationID, msTimestamp(e.Timestamp))
}

// msTimestamp formats a time the way Microsoft's error bodies do
// ("2016-01-09 02:02:12Z", ref §4.1 / error-code reference sample).
func msTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// Body is the JSON error body exactly in Microsoft's shape (ref §4.1).
func (e *TokenError) Body() []byte {
	body := struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Codes         []int  `json:"error_codes"`
		Timestamp     string `json:"timestamp"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
		ErrorURI      string `json:"error_uri"`
		SubError      string `json:"suberror,omitempty"`
	}{e.Code, e.Description(), []int{e.AADSTS}, msTimestamp(e.Timestamp), e.TraceID, e.CorrelationID, e.ErrorURI, e.SubError}
	b, _ := json.Marshal(body)
	return b
}

// redirectParams are the error fields sent back to the app in a redirect
// (ref §4.1: error, error_description, error_uri, and state).
func (e *TokenError) redirectParams() url.Values {
	v := url.Values{}
	v.Set("error", e.Code)
	v.Set("error_description", e.Description())
	v.Set("error_uri", e.ErrorURI)
	if e.SubError != "" {
		// ref §4.1: on cancel Microsoft adds error_subcode=cancel.
		v.Set("error_subcode", e.SubError)
	}
	return v
}

func (s *Server) newError(code string, aadsts int, message string) *TokenError {
	return &TokenError{
		Status:        http.StatusBadRequest,
		Code:          code,
		AADSTS:        aadsts,
		Message:       message,
		TraceID:       newGUID(),
		CorrelationID: newGUID(),
		Timestamp:     s.now(),
		ErrorURI:      s.url + "/error?code=" + strconv.Itoa(aadsts),
	}
}

// missing is AADSTS900144, a required parameter left out (error-code
// reference).
func (s *Server) missing(param string) *TokenError {
	return s.newError(errInvalidRequest, 900144, "The request body must contain the following parameter: '"+param+"'.")
}

// clientError is an invalid_client error: HTTP 401 (ref §4.1, §2.2).
func (s *Server) clientError(aadsts int, message string) *TokenError {
	e := s.newError(errInvalidClient, aadsts, message)
	e.Status = http.StatusUnauthorized
	return e
}

// writeJSONError answers a token request with Microsoft's JSON error body
// (ref §4.1), never cached.
func writeJSONError(w http.ResponseWriter, e *TokenError) {
	writeJSON(w, e.Status, e.Body())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
