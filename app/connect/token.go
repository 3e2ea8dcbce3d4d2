package connect

import "github.com/outlookconnect/outlook-connect/app/problem"

// The refresh token is needed only to finish a pending registration: once
// Recall reports the calendar connected, Recall holds it and keeps it fresh,
// and a copy on this computer is a credential at rest for nothing
// (microsoft-oauth.md §5, §9 item 7). A reconnect signs in again.

// clearToken deletes the refresh token of a registered connection, once.
// It does nothing while a registration is pending, and a failure (a locked
// keychain, say) is retried at the next status read that says "connected".
func (s *Service) clearToken() {
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	s.mu.Lock()
	saved := s.saved
	s.mu.Unlock()
	if saved.TokenCleared || saved.Pending || saved.CalendarID == "" || saved.Operation != "" {
		return
	}
	key := AccountKey(saved)
	if key != "" && !s.deleteToken(key, "connected") {
		return
	}
	s.mu.Lock()
	// Under tokenMu nothing else wrote a token meanwhile; only an
	// operation (a disconnect) may have replaced s.saved.
	if s.saved.CalendarID != saved.CalendarID || AccountKey(s.saved) != key {
		s.mu.Unlock()
		return
	}
	s.saved.TokenCleared = true
	s.mu.Unlock()
	s.persist()
}

// deleteToken removes one keychain entry; a missing one counts as removed.
// why names the reason in the log. It reports success.
func (s *Service) deleteToken(key, why string) bool {
	kctx, cancel := s.callContext(s.life, s.opts.KeychainTimeout)
	err := s.opts.Secrets.DeleteRefreshToken(kctx, key)
	cancel()
	if p := problem.From(err); p != nil && !hasCode(p, codeVaultNotFound) {
		s.log.Warn("connect.token_not_deleted", "reason", why, "problem", p.Code)
		return false
	}
	s.log.Info("connect.token_deleted", "reason", why)
	return true
}
