package identity

import (
	"sync"
	"time"
)

// Faults are the knobs that make the fake misbehave the way Microsoft can.
// Every method is safe to call at any time from any goroutine; a change
// applies to the next request.
type Faults struct {
	srv *Server

	mu                 sync.Mutex
	autoAccept         bool
	userCancels        bool
	adminApproval      bool
	consentRevoked     bool
	secretExpired      bool
	tokenDelay         time.Duration
	noRefreshToken     bool
	calendarsNotGrant  bool
	temporarilyUnavail bool
}

type faultSnapshot struct {
	autoAccept, userCancels, adminApproval, consentRevoked, secretExpired bool
	tokenDelay                                                            time.Duration
	noRefreshToken, calendarsNotGranted, temporarilyUnavailable           bool
}

func (f *Faults) snapshot() faultSnapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return faultSnapshot{
		autoAccept:             f.autoAccept,
		userCancels:            f.userCancels,
		adminApproval:          f.adminApproval,
		consentRevoked:         f.consentRevoked,
		secretExpired:          f.secretExpired,
		tokenDelay:             f.tokenDelay,
		noRefreshToken:         f.noRefreshToken,
		calendarsNotGranted:    f.calendarsNotGrant,
		temporarilyUnavailable: f.temporarilyUnavail,
	}
}

func (f *Faults) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// SetAutoAccept makes GET /authorize skip the page and return to the app at
// once, as if the person had clicked the page's primary button (Accept; or
// "Return to app" on the admin-approval page). Tests use it so they need no
// browser. Off by default: the page is shown.
func (f *Faults) SetAutoAccept(on bool) { f.set(func() { f.autoAccept = on }) }

// SetUserCancels makes the sign-in page cancel by itself: /authorize
// redirects at once with error=access_denied, error_subcode=cancel and
// AADSTS65004 (ref §4.1, §4.2).
func (f *Faults) SetUserCancels(on bool) { f.set(func() { f.userCancels = on }) }

// SetAdminApprovalRequired makes /authorize show Microsoft's "Need admin
// approval" page (AADSTS90094, ref §4.2) instead of the consent page. Its
// "Return to app" button redirects with error=access_denied and an
// AADSTS90094 description. Visiting /{tenant}/adminconsent and approving
// clears this fault, like an admin granting consent for the organisation.
func (f *Faults) SetAdminApprovalRequired(on bool) { f.set(func() { f.adminApproval = on }) }

// SetConsentRevoked makes every grant at the token endpoint (code and
// refresh) and VerifyRefreshToken fail with invalid_grant / consent_required
// AADSTS65001 "DelegationDoesNotExist" (ref §4.2, §5: consent removed).
func (f *Faults) SetConsentRevoked(on bool) { f.set(func() { f.consentRevoked = on }) }

// SetSecretExpired makes the (correct) client secret count as expired: the
// token endpoint and VerifyRefreshToken answer 401 invalid_client
// AADSTS7000222 (ref §2.2, §4.2).
func (f *Faults) SetSecretExpired(on bool) { f.set(func() { f.secretExpired = on }) }

// SetTokenDelay holds every token request (and VerifyRefreshToken) for d
// before answering. The wait ends early if the client goes away or the
// server closes.
func (f *Faults) SetTokenDelay(d time.Duration) { f.set(func() { f.tokenDelay = d }) }

// SetNoRefreshToken makes successful token responses omit refresh_token, as
// Microsoft does when offline_access was not granted (ref §3.4).
func (f *Faults) SetNoRefreshToken(on bool) { f.set(func() { f.noRefreshToken = on }) }

// SetCalendarsReadNotGranted drops Calendars.Read from the scopes granted
// (the token response's scope field), as when a person or a tenant policy
// withholds that permission (ref §3.4).
func (f *Faults) SetCalendarsReadNotGranted(on bool) { f.set(func() { f.calendarsNotGrant = on }) }

// SetTemporarilyUnavailable makes /authorize redirect with
// error=temporarily_unavailable and the token endpoint answer 503 with the
// same error (ref §4.2: "Try again").
func (f *Faults) SetTemporarilyUnavailable(on bool) { f.set(func() { f.temporarilyUnavail = on }) }

// RevokeRefreshToken revokes one refresh token (as "revoke sessions" would,
// ref §5). Later refreshes and VerifyRefreshToken fail with invalid_grant
// AADSTS70008. It reports whether the token was known.
func (f *Faults) RevokeRefreshToken(token string) bool {
	s := f.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[token]
	if ok {
		g.revoked = true
	}
	return ok
}

// RevokeAllRefreshTokens revokes every refresh token issued so far (an
// admin's revokeSignInSessions, ref §5) and returns how many there were.
// Tokens issued later are valid.
func (f *Faults) RevokeAllRefreshTokens() int {
	s := f.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		g.revoked = true
	}
	return len(s.refresh)
}

// Reset turns every knob off. Revoked tokens stay revoked.
func (f *Faults) Reset() {
	f.set(func() {
		f.autoAccept, f.userCancels, f.adminApproval = false, false, false
		f.consentRevoked, f.secretExpired, f.tokenDelay = false, false, 0
		f.noRefreshToken, f.calendarsNotGrant, f.temporarilyUnavail = false, false, false
	})
}
