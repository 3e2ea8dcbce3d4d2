package recall

import (
	"context"
	"net/http"
	"net/url"
	"slices"
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
	// IdempotencyKey, when set, is sent instead of a fresh key. A caller
	// that persists it with its pending work and repeats the create with it
	// within Recall's one-hour replay window gets the first create's answer
	// back instead of a second calendar (recall-api.md §6.3).
	IdempotencyKey string
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
		idemKey: p.IdempotencyKey,
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
	KnownID string
	// Email is the account's address: sent as oauth_email and used to
	// recognise the account's calendars. A label, not an identity.
	Email        string
	ClientID     string
	ClientSecret string
	RefreshToken string
	// CreateKey is the Idempotency-Key of the create, which the caller
	// keeps with its pending connection: a create whose answer was lost is
	// then replayed, not repeated. Empty means a fresh key.
	CreateKey string
	// CreatedSince, when set, also looks among calendars created since
	// then: an earlier create may have happened under a key too old to be
	// replayed any more.
	CreatedSince time.Time
}

// Registered is what Register connected.
type Registered struct {
	Calendar
	// Others are ids of further calendars of ours for the same account
	// that Register found and left alone (duplicates made elsewhere), newest
	// first, so that support can see them.
	Others []string
}

// Register connects the account's calendar without making a duplicate and
// without touching another app's calendars (recall-api.md §2.7, issue 12):
// it PATCHes KnownID when set; if that calendar is gone, or no id is known,
// it PATCHes the best calendar of ours that FindOwn finds for the account;
// only when there is none does it create one, with CreateKey.
func (c *Client) Register(ctx context.Context, p RegisterParams) (Registered, error) {
	if err := checkCredentials(p.ClientID, p.ClientSecret, p.RefreshToken, true); err != nil {
		return Registered{}, err
	}
	if err := checkEmail(p.Email); err != nil {
		return Registered{}, err
	}
	update := UpdateParams{RefreshToken: p.RefreshToken, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Email: p.Email}
	if p.KnownID != "" {
		cal, err := c.Update(ctx, p.KnownID, update)
		if KindOf(err) != KindNotFound {
			return Registered{Calendar: cal}, err
		}
	}
	if p.Email != "" {
		found, err := c.FindOwn(ctx, FindParams{ClientID: p.ClientID, Email: p.Email, CreatedSince: p.CreatedSince})
		if err != nil {
			return Registered{}, err
		}
		found = slices.DeleteFunc(found, func(cal Calendar) bool { return cal.ID == p.KnownID })
		if len(found) > 0 {
			cal, err := c.Update(ctx, found[0].ID, update)
			if KindOf(err) != KindNotFound { // deleted meanwhile: create instead
				return Registered{Calendar: cal, Others: ids(found[1:])}, err
			}
		}
	}
	cal, err := c.Create(ctx, CreateParams{
		Platform: PlatformOutlook, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RefreshToken: p.RefreshToken, Email: p.Email, IdempotencyKey: p.CreateKey,
	})
	return Registered{Calendar: cal}, err
}

// FindParams says whose calendars FindOwn looks for.
type FindParams struct {
	// ClientID is our Microsoft app: calendars registered by any other app
	// are never returned (required).
	ClientID string
	// Email is the account: a calendar matches when its platform_email or
	// its oauth_email is this address, ignoring case (required).
	Email string
	// CreatedSince, when set, adds the calendars created since then.
	CreatedSince time.Time
	// Prefer is an id to put first when found (the one saved before).
	Prefer string
}

// FindOwn returns our Outlook calendars for an account: Prefer first, then
// newest first. What the `email` list filter matches is not documented
// (recall-api.md §2.4; Recall's own sample filters on platform_email), so
// FindOwn does not rely on it alone: it also lists the calendars still
// connecting (which have no platform_email yet) and, with CreatedSince,
// those created since then; then it keeps ours by comparing the fields
// itself. Every query is narrowed to platform=microsoft_outlook.
func (c *Client) FindOwn(ctx context.Context, p FindParams) ([]Calendar, error) {
	if p.ClientID == "" || p.Email == "" {
		return nil, inputProblem("Looking up calendars needs the Microsoft client id and the account's email.")
	}
	if err := checkEmail(p.Email); err != nil {
		return nil, err
	}
	filters := []CalendarFilter{
		{Platform: PlatformOutlook, Email: p.Email},
		{Platform: PlatformOutlook, Status: StatusConnecting},
	}
	if !p.CreatedSince.IsZero() {
		filters = append(filters, CalendarFilter{Platform: PlatformOutlook, CreatedSince: p.CreatedSince})
	}
	seen := map[string]bool{}
	var out []Calendar
	for _, f := range filters {
		cals, err := c.ListCalendars(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, cal := range cals {
			if !seen[cal.ID] && ours(cal, p.ClientID, p.Email) {
				seen[cal.ID] = true
				out = append(out, cal)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Calendar) int {
		switch {
		case a.ID == p.Prefer:
			return -1
		case b.ID == p.Prefer:
			return 1
		}
		if n := b.CreatedAt.Compare(a.CreatedAt); n != 0 {
			return n
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// ours says whether cal is an Outlook calendar of our app for email. The
// filters are applied again here in case the server ignored them (§3.2).
func ours(cal Calendar, clientID, email string) bool {
	return cal.Platform == PlatformOutlook && cal.ClientID == clientID &&
		(strings.EqualFold(cal.PlatformEmail, email) || strings.EqualFold(cal.OAuthEmail, email))
}

func ids(cals []Calendar) []string {
	out := make([]string, 0, len(cals))
	for _, cal := range cals {
		out = append(out, cal.ID)
	}
	return out
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
