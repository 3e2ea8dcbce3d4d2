package recall

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const calendarsPath = "/api/v2/calendars/"

// Field limits from recall-api.md §2.2 (the refresh token limit is 2000 in
// the Nov 2025 spec and 10000 on the newest page; we allow the larger).
const (
	maxClientIDLen     = 2000
	maxClientSecretLen = 2000
	maxRefreshTokenLen = 10000
	maxEmailLen        = 320
)

// CreateParams are the fields of a new calendar (recall-api.md §2.2).
type CreateParams struct {
	// Platform defaults to PlatformOutlook.
	Platform     string
	ClientID     string
	ClientSecret string
	RefreshToken string
	// Email is sent as oauth_email when set.
	Email string
}

// UpdateParams are the fields of a PATCH; empty fields are not sent, and an
// all-empty value sends {} which asks Recall to reconnect (§2.7).
type UpdateParams struct {
	RefreshToken string
	ClientID     string
	ClientSecret string
	Email        string
}

// CalendarFilter narrows List Calendars (recall-api.md §2.4).
type CalendarFilter struct {
	Email        string
	Platform     string
	Status       string
	CreatedSince time.Time
}

// Create registers a calendar: POST /api/v2/calendars/ → 201 (§2.1). The
// request carries an Idempotency-Key, so a retried create never makes a
// second calendar.
func (c *Client) Create(ctx context.Context, p CreateParams) (Calendar, error) {
	if p.Platform == "" {
		p.Platform = PlatformOutlook
	}
	if p.Platform != PlatformOutlook && p.Platform != "google_calendar" {
		return Calendar{}, inputProblem("The calendar platform must be microsoft_outlook or google_calendar.")
	}
	if err := checkCredentials(p.ClientID, p.ClientSecret, p.RefreshToken, true); err != nil {
		return Calendar{}, err
	}
	if err := checkEmail(p.Email); err != nil {
		return Calendar{}, err
	}
	body := map[string]string{
		"platform":            p.Platform,
		"oauth_client_id":     p.ClientID,
		"oauth_client_secret": p.ClientSecret,
		"oauth_refresh_token": p.RefreshToken,
	}
	if p.Email != "" {
		body["oauth_email"] = p.Email
	}
	return c.calendarCall(ctx, &request{
		method:  http.MethodPost,
		path:    calendarsPath,
		body:    body,
		class:   classCalendars,
		secrets: []string{p.ClientSecret, p.RefreshToken},
	})
}

// Get retrieves a calendar (§2.1).
func (c *Client) Get(ctx context.Context, id string) (Calendar, error) {
	if err := checkID(id); err != nil {
		return Calendar{}, err
	}
	return c.calendarCall(ctx, &request{method: http.MethodGet, path: calendarsPath + id + "/", class: classCalendars})
}

// Update PATCHes a calendar: a new refresh token to reconnect, a new client
// secret after rotation, or nothing to ask for a reconnection (§2.7, §7.3).
func (c *Client) Update(ctx context.Context, id string, p UpdateParams) (Calendar, error) {
	if err := checkID(id); err != nil {
		return Calendar{}, err
	}
	if err := checkCredentials(p.ClientID, p.ClientSecret, p.RefreshToken, false); err != nil {
		return Calendar{}, err
	}
	if err := checkEmail(p.Email); err != nil {
		return Calendar{}, err
	}
	body := map[string]string{}
	for k, v := range map[string]string{
		"oauth_client_id":     p.ClientID,
		"oauth_client_secret": p.ClientSecret,
		"oauth_refresh_token": p.RefreshToken,
		"oauth_email":         p.Email,
	} {
		if v != "" {
			body[k] = v
		}
	}
	return c.calendarCall(ctx, &request{
		method:  http.MethodPatch,
		path:    calendarsPath + id + "/",
		body:    body,
		class:   classCalendars,
		secrets: []string{p.ClientSecret, p.RefreshToken},
	})
}

// Delete removes a calendar; Recall also removes its future bots (§2.8).
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return c.do(ctx, &request{method: http.MethodDelete, path: calendarsPath + id + "/", class: classCalendars}, nil)
}

// ListCalendars returns every calendar matching f, following cursor pages.
func (c *Client) ListCalendars(ctx context.Context, f CalendarFilter) ([]Calendar, error) {
	q := url.Values{}
	if f.Email != "" {
		q.Set("email", f.Email)
	}
	if f.Platform != "" {
		q.Set("platform", f.Platform)
	}
	if f.Status != "" {
		if f.Status != StatusConnecting && f.Status != StatusConnected && f.Status != StatusDisconnected {
			return nil, inputProblem("The calendar status filter must be connecting, connected or disconnected.")
		}
		q.Set("status", f.Status)
	}
	if !f.CreatedSince.IsZero() {
		q.Set("created_at__gte", formatQueryTime(f.CreatedSince))
	}
	var out []Calendar
	err := c.eachPage(ctx, calendarsPath, q, classListCalendars, func(body []byte) (string, error) {
		cals, next, err := decodeCalendarPage(body)
		out = append(out, cals...)
		return next, err
	})
	return out, err
}

func (c *Client) calendarCall(ctx context.Context, req *request) (Calendar, error) {
	var cal Calendar
	err := c.do(ctx, req, func(body []byte) error {
		var err error
		cal, err = decodeCalendar(body)
		return err
	})
	return cal, err
}

// RegisterParams is the input of Register.
type RegisterParams struct {
	// KnownID is the calendar this install registered before, if any.
	KnownID      string
	Email        string
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// Register connects the account's calendar without ever making a duplicate
// (recall-api.md §2.7): it PATCHes KnownID when set; if that calendar is
// gone, or no id is known, it PATCHes the newest Outlook calendar with the
// same email; only when there is none does it create one.
func (c *Client) Register(ctx context.Context, p RegisterParams) (Calendar, error) {
	if err := checkCredentials(p.ClientID, p.ClientSecret, p.RefreshToken, true); err != nil {
		return Calendar{}, err
	}
	if err := checkEmail(p.Email); err != nil {
		return Calendar{}, err
	}
	update := UpdateParams{RefreshToken: p.RefreshToken, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Email: p.Email}
	if p.KnownID != "" {
		cal, err := c.Update(ctx, p.KnownID, update)
		if KindOf(err) != KindNotFound {
			return cal, err
		}
	}
	if p.Email != "" {
		existing, err := c.ListCalendars(ctx, CalendarFilter{Email: p.Email, Platform: PlatformOutlook})
		if err != nil {
			return Calendar{}, err
		}
		if best, ok := newest(existing, p.Email); ok {
			cal, err := c.Update(ctx, best.ID, update)
			if KindOf(err) != KindNotFound { // deleted meanwhile: create instead
				return cal, err
			}
		}
	}
	return c.Create(ctx, CreateParams{Platform: PlatformOutlook, ClientID: p.ClientID, ClientSecret: p.ClientSecret, RefreshToken: p.RefreshToken, Email: p.Email})
}

// newest picks the most recently created Outlook calendar for email; the
// filter is applied again here in case the server ignored it (§3.2).
func newest(cals []Calendar, email string) (Calendar, bool) {
	var best Calendar
	found := false
	for _, cal := range cals {
		if cal.Platform != PlatformOutlook ||
			!(strings.EqualFold(cal.OAuthEmail, email) || strings.EqualFold(cal.PlatformEmail, email)) {
			continue
		}
		if !found || cal.CreatedAt.After(best.CreatedAt) || (cal.CreatedAt.Equal(best.CreatedAt) && cal.ID > best.ID) {
			best, found = cal, true
		}
	}
	return best, found
}

// Probe checks that Recall is reachable and accepts the key with one cheap,
// unretried call: retrieving a calendar that cannot exist. 404 means the key
// works; 401 is KindUnauthorized; no answer is KindUnavailable.
func (c *Client) Probe(ctx context.Context) error {
	err := c.do(ctx, &request{
		method:   http.MethodGet,
		path:     calendarsPath + "00000000-0000-0000-0000-000000000000/",
		class:    classCalendars,
		attempts: 1,
	}, func([]byte) error { return nil })
	if KindOf(err) == KindNotFound {
		return nil
	}
	return err
}

func checkID(id string) error {
	if !isUUID(id) {
		return inputProblem("The Recall id is not valid (Recall ids are UUIDs).")
	}
	return nil
}

// isUUID keeps ids safe to put in a path: Recall ids are UUIDs (§2.1).
func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch i {
		case 8, 13, 18, 23:
			if ch != '-' {
				return false
			}
		default:
			if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
				return false
			}
		}
	}
	return true
}

func checkCredentials(clientID, secret, token string, required bool) error {
	fields := []struct {
		name, value string
		max         int
	}{
		{"Microsoft client id", clientID, maxClientIDLen},
		{"Microsoft client secret", secret, maxClientSecretLen},
		{"refresh token", token, maxRefreshTokenLen},
	}
	for _, f := range fields {
		switch {
		case f.value == "" && required:
			return inputProblem("The " + f.name + " is missing.")
		case len(f.value) > f.max:
			return inputProblem("The " + f.name + " is longer than Recall accepts.")
		case strings.TrimSpace(f.value) != f.value:
			return inputProblem("The " + f.name + " has spaces around it.")
		}
	}
	return nil
}

func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	at := strings.LastIndexByte(email, '@')
	if len(email) > maxEmailLen || at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>") {
		return inputProblem("The email address is not valid.")
	}
	return nil
}

func formatQueryTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
