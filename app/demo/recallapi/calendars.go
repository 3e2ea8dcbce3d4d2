package recallapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

const (
	statusConnecting   = "connecting"
	statusConnected    = "connected"
	statusDisconnected = "disconnected"
)

// demoPlatformEmail is the account shown when the caller gave no oauth_email.
const demoPlatformEmail = "alex.morgan@contoso.example"

type calendar struct {
	id            string
	platform      string
	clientID      string
	clientSecret  string
	refreshToken  string
	oauthEmail    *string
	webhookURL    *string
	platformEmail *string
	status        string
	statusChanges []map[string]any
	createdAt     time.Time
	updatedAt     time.Time

	generation int         // bumped on every reconnect; stale verifies are dropped
	timer      *time.Timer // pending verify, if any
	synced     bool        // events generated (first successful connection)
	eventIDs   []string    // sorted: the list order of the calendar's events
}

// calendarJSON is the documented calendar object. Like the real API it
// echoes the OAuth client secret and refresh token (recall-api.md §2.3).
type calendarJSON struct {
	ID                string           `json:"id"`
	Platform          string           `json:"platform"`
	OAuthClientID     string           `json:"oauth_client_id"`
	OAuthClientSecret string           `json:"oauth_client_secret"`
	OAuthRefreshToken string           `json:"oauth_refresh_token"`
	OAuthEmail        *string          `json:"oauth_email"`
	WebhookURL        *string          `json:"webhook_url"`
	PlatformEmail     *string          `json:"platform_email"`
	Status            string           `json:"status"`
	StatusChanges     []map[string]any `json:"status_changes"`
	CreatedAt         string           `json:"created_at"`
	UpdatedAt         string           `json:"updated_at"`
}

func (c *calendar) view() calendarJSON {
	changes := make([]map[string]any, len(c.statusChanges))
	copy(changes, c.statusChanges)
	return calendarJSON{
		ID:                c.id,
		Platform:          c.platform,
		OAuthClientID:     c.clientID,
		OAuthClientSecret: c.clientSecret,
		OAuthRefreshToken: c.refreshToken,
		OAuthEmail:        c.oauthEmail,
		WebhookURL:        c.webhookURL,
		PlatformEmail:     c.platformEmail,
		Status:            c.status,
		StatusChanges:     changes,
		CreatedAt:         formatTime(c.createdAt),
		UpdatedAt:         formatTime(c.updatedAt),
	}
}

// email is the address the calendar is known by.
func (c *calendar) email() string {
	switch {
	case c.platformEmail != nil:
		return *c.platformEmail
	case c.oauthEmail != nil:
		return *c.oauthEmail
	}
	return ""
}

// CalendarSnapshot is a calendar as tests see it. It holds no credentials.
type CalendarSnapshot struct {
	ID       string
	Email    string
	Status   string
	Platform string
	Events   int
	// ClientID is the calendar's oauth_client_id (not a secret).
	ClientID string
	// SecretFingerprint is the first 16 hex digits of the SHA-256 of the
	// calendar's oauth_client_secret, so a test can tell which secret the
	// calendar holds (after a rotation) without the secret being shown.
	SecretFingerprint string
	// RefreshTokenFingerprint is the same for oauth_refresh_token, so a
	// test can tell that a reconnect handed Recall the new sign-in.
	RefreshTokenFingerprint string
}

// fingerprint is the first 16 hex digits of a value's SHA-256: enough to
// tell values apart in a test, useless for recovering them.
func fingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:8])
}

// Calendars lists every calendar, ordered by id.
func (s *Server) Calendars() []CalendarSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CalendarSnapshot, 0, len(s.calendars))
	for _, c := range s.calendars {
		out = append(out, CalendarSnapshot{
			ID: c.id, Email: c.email(), Status: c.status, Platform: c.platform, Events: len(c.eventIDs),
			ClientID: c.clientID, SecretFingerprint: fingerprint(c.clientSecret),
			RefreshTokenFingerprint: fingerprint(c.refreshToken),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SetCalendarStatus forces a calendar's status, appending a status_changes
// entry with detail merged in (for example {"error":"invalid_grant"}), as
// Recall does when Microsoft revokes a grant (recall-api.md §2.6). A pending
// verify is dropped. Unknown ids are ignored.
func (s *Server) SetCalendarStatus(id, status string, detail map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calendars[id]
	if !ok {
		return
	}
	s.cancelVerifyLocked(c)
	c.generation++
	s.setStatusLocked(c, status, detail)
}

func (s *Server) setStatusLocked(c *calendar, status string, detail map[string]any) {
	s.setStatusWithMailboxLocked(c, status, detail, "")
}

// setStatusWithMailboxLocked is setStatusLocked with the mailbox the grant
// opened ("" when the verifier does not say), which becomes platform_email
// on the first connection.
func (s *Server) setStatusWithMailboxLocked(c *calendar, status string, detail map[string]any, mailbox string) {
	now := s.opts.Now()
	entry := map[string]any{}
	for k, v := range detail {
		entry[k] = v
	}
	entry["status"] = status
	entry["created_at"] = formatTime(now)
	c.status = status
	c.statusChanges = append(c.statusChanges, entry)
	c.updatedAt = now
	switch status {
	case statusConnected:
		switch {
		case mailbox != "":
			// Recall reads the address from the provider (recall-api.md
			// §2.3): the mailbox's, whatever oauth_email says.
			c.platformEmail = &mailbox
		case c.platformEmail == nil:
			e := demoPlatformEmail
			if c.oauthEmail != nil {
				e = *c.oauthEmail
			}
			c.platformEmail = &e
		}
		if !c.synced {
			s.generateEventsLocked(c, now)
			c.synced = true
		}
	case statusDisconnected:
		// Bots for future events are unscheduled; the calendar and its
		// events stay queryable (recall-api.md §2.6).
		s.removeFutureBotsLocked(c, now)
	}
}

// reconnectLocked moves the calendar to "connecting" and schedules a verify
// of its credentials, as a create or PATCH does (recall-api.md §2.5, §2.7).
func (s *Server) reconnectLocked(c *calendar) {
	s.cancelVerifyLocked(c)
	c.generation++
	s.setStatusLocked(c, statusConnecting, nil)
	if s.closed {
		return
	}
	gen, id := c.generation, c.id
	s.inFlight.Add(1)
	if s.opts.ConnectDelay < 0 {
		go s.verify(id, gen)
		return
	}
	c.timer = time.AfterFunc(s.opts.ConnectDelay, func() { s.verify(id, gen) })
}

func (s *Server) cancelVerifyLocked(c *calendar) {
	if c.timer != nil && c.timer.Stop() {
		s.inFlight.Done() // that verify will never run
	}
	c.timer = nil
}

// verify asks the TokenVerifier whether the calendar's grant works, then
// settles its status. A newer reconnect (generation) wins over an old one.
func (s *Server) verify(id string, gen int) {
	defer s.inFlight.Done()
	s.mu.Lock()
	c, ok := s.calendars[id]
	if !ok || c.generation != gen {
		s.mu.Unlock()
		return
	}
	c.timer = nil
	clientID, secret, token := c.clientID, c.clientSecret, c.refreshToken
	s.mu.Unlock()

	var err error
	var mailbox string
	switch v := s.opts.Verifier.(type) {
	case nil:
	case MailboxVerifier:
		mailbox, err = v.VerifyMailbox(s.ctx, clientID, secret, token)
	default:
		err = v.VerifyRefreshToken(s.ctx, clientID, secret, token)
	}
	if s.ctx.Err() != nil {
		return // shutting down
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok = s.calendars[id]
	if !ok || c.generation != gen {
		return
	}
	if err == nil {
		s.setStatusWithMailboxLocked(c, statusConnected, nil, mailbox)
		return
	}
	// The disconnection entry carries Microsoft's answer as extra detail
	// (recall-api.md §2.3; the key names are not documented, §9.2).
	code, desc := oauthError(err)
	s.setStatusLocked(c, statusDisconnected, map[string]any{"error": code, "error_description": desc})
}

// oauthError extracts Microsoft's error code and description from a
// verifier error.
func oauthError(err error) (code, description string) {
	var oe interface{ OAuthError() (string, string) }
	if errors.As(err, &oe) {
		code, description = oe.OAuthError()
	}
	if code == "" {
		code = "invalid_grant"
	}
	if description == "" {
		description = err.Error()
	}
	return code, description
}

// calendarFields is a create or PATCH body, validated. PATCH is partial:
// every field is optional, with the same rules as create (recall-api.md
// §2.2); has* says which fields the body carried.
type calendarFields struct {
	platform, clientID, secret, token                                   string
	email, webhook                                                      *string
	hasPlatform, hasClientID, hasSecret, hasToken, hasEmail, hasWebhook bool
}

func parseCalendarFields(m map[string]json.RawMessage, create bool) (calendarFields, fieldErrors) {
	var f calendarFields
	errs := fieldErrors{}
	f.platform, f.hasPlatform = stringField(m, "platform", 64, create, errs)
	if f.hasPlatform && !platforms[f.platform] {
		errs.add("platform", msgChoice(f.platform))
	}
	f.clientID, f.hasClientID = stringField(m, "oauth_client_id", maxClientID, create, errs)
	f.secret, f.hasSecret = stringField(m, "oauth_client_secret", maxClientSecret, create, errs)
	f.token, f.hasToken = stringField(m, "oauth_refresh_token", maxRefreshToken, create, errs)
	f.email, f.hasEmail = optionalEmail(m, errs)
	f.webhook, f.hasWebhook = optionalURL(m, errs)
	return f, errs
}

// readObject reads a JSON object body, answering the documented parse
// error when it is not one.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	body, _ := io.ReadAll(r.Body)
	m, ok := decodeObject(body)
	if !ok {
		writeParseError(w)
	}
	return m, ok
}

func (s *Server) createCalendar(w http.ResponseWriter, r *http.Request) {
	m, ok := readObject(w, r)
	if !ok {
		return
	}
	f, errs := parseCalendarFields(m, true)
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	c := &calendar{
		id:           s.newID(),
		platform:     f.platform,
		clientID:     f.clientID,
		clientSecret: f.secret,
		refreshToken: f.token,
		oauthEmail:   f.email,
		createdAt:    now,
	}
	if f.hasWebhook {
		c.webhookURL = f.webhook
	}
	s.calendars[c.id] = c
	// 201 with status "connecting" and platform_email null; the grant is
	// checked asynchronously (recall-api.md §2.5, §2.3).
	s.reconnectLocked(c)
	writeJSON(w, http.StatusCreated, c.view())
}

func optionalURL(m map[string]json.RawMessage, errs fieldErrors) (*string, bool) {
	raw, ok := m["webhook_url"]
	if !ok {
		return nil, false
	}
	if string(raw) == "null" {
		return nil, true
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		errs.add("webhook_url", msgNotString)
		return nil, false
	}
	if len(v) > maxURL {
		errs.add("webhook_url", msgMaxLen(maxURL))
		return nil, false
	}
	if !validURL(v) {
		errs.add("webhook_url", msgURL)
		return nil, false
	}
	return &v, true
}

func writeParseError(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, validationError{
		Code:    "parse_error",
		Message: "Malformed request body: expected a JSON object.",
		Errors:  map[string][]string{},
	})
}

func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calendars[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	writeJSON(w, http.StatusOK, c.view())
}

func (s *Server) listCalendars(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := fieldErrors{}
	email := q.Get("email")
	platform := q.Get("platform")
	if platform != "" && !platforms[platform] {
		errs.add("platform", "Select a valid choice. "+platform+" is not one of the available choices.")
	}
	status := q.Get("status")
	if status != "" && !statuses[status] {
		errs.add("status", "Select a valid choice. "+status+" is not one of the available choices.")
	}
	var createdSince time.Time
	if v := q.Get("created_at__gte"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			errs.add("created_at__gte", msgDateTime)
		}
		createdSince = t
	}
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.calendars))
	for id := range s.calendars {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	keep := func(id string) bool {
		c := s.calendars[id]
		switch {
		case platform != "" && c.platform != platform,
			status != "" && c.status != status,
			!createdSince.IsZero() && c.createdAt.Before(createdSince):
			return false
		case email == "":
			return true
		}
		// recall-api.md §2.4 names the `email` filter but not what it
		// matches; Recall's own sample looks calendars up by platform_email.
		// The fake matches that address only, so a client that expects the
		// filter to find a calendar by the oauth_email it sent, or one still
		// connecting (platform_email null), fails here.
		return c.platformEmail != nil && strings.EqualFold(*c.platformEmail, email)
	}
	got, next, prev, err := paginate(ids, q.Get("cursor"), calendarsPageSize, keep)
	if err != nil {
		writeBadCursor(w)
		return
	}
	out := page[calendarJSON]{Next: s.pageURL(r, next), Previous: s.pageURL(r, prev), Results: make([]calendarJSON, 0, len(got))}
	for _, id := range got {
		out.Results = append(out.Results, s.calendars[id].view())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) patchCalendar(w http.ResponseWriter, r *http.Request) {
	m, ok := readObject(w, r)
	if !ok {
		return
	}
	f, errs := parseCalendarFields(m, false)
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calendars[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	if f.hasPlatform {
		c.platform = f.platform
	}
	if f.hasClientID {
		c.clientID = f.clientID
	}
	if f.hasSecret {
		c.clientSecret = f.secret
	}
	if f.hasToken {
		c.refreshToken = f.token
	}
	if f.hasEmail {
		c.oauthEmail = f.email
	}
	if f.hasWebhook {
		c.webhookURL = f.webhook
	}
	c.updatedAt = s.opts.Now()
	// A new refresh token, a rotated secret or an empty body kicks off a
	// reconnection (recall-api.md §2.7, §7.3). Changing only the email or
	// webhook does not touch the grant.
	onlyCosmetic := len(m) > 0
	for k := range m {
		if k != "oauth_email" && k != "webhook_url" && k != "metadata" {
			onlyCosmetic = false
		}
	}
	if !onlyCosmetic {
		s.reconnectLocked(c)
	}
	writeJSON(w, http.StatusOK, c.view())
}

func (s *Server) deleteCalendar(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calendars[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	s.cancelVerifyLocked(c)
	c.generation++
	// Delete cleans up the calendar's bots and makes it and its events
	// unqueryable (recall-api.md §2.8).
	for _, eid := range c.eventIDs {
		if e, ok := s.events[eid]; ok {
			s.detachBotLocked(e)
			delete(s.events, eid)
		}
	}
	s.dropEventOrderLocked(c.eventIDs)
	delete(s.calendars, c.id)
	w.WriteHeader(http.StatusNoContent)
}
