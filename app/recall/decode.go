package recall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Calendar is a Recall calendar as the app needs it. It has no field for the
// OAuth client secret or refresh token that Recall echoes back (§2.3), so
// they cannot leak through it.
type Calendar struct {
	ID       string `json:"id"`
	Platform string `json:"platform"`
	// ClientID is the oauth_client_id: which app registered the calendar.
	// Only calendars with ours are ever reused (issue 12).
	ClientID string `json:"clientId,omitempty"`
	// OAuthEmail is the address we gave at registration ("" if none).
	OAuthEmail string `json:"oauthEmail,omitempty"`
	// PlatformEmail is the address Recall found; "" until its first sync
	// (recall-api.md §2.3).
	PlatformEmail string `json:"platformEmail,omitempty"`
	// Status is connecting, connected or disconnected.
	Status string `json:"status"`
	// StatusChanges is the history, oldest first (sorted here, since the
	// order is not documented, §2.3).
	StatusChanges []StatusChange `json:"statusChanges,omitempty"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
}

// Calendar statuses (recall-api.md §2.3).
const (
	StatusConnecting   = "connecting"
	StatusConnected    = "connected"
	StatusDisconnected = "disconnected"
)

// StatusChange is one status_changes entry.
type StatusChange struct {
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
	// Detail holds any extra keys Recall sent (for example a Microsoft
	// error code on disconnection) as "key=value; …", with anything that
	// looks like a credential removed.
	Detail string `json:"detail,omitempty"`
}

// Email is the calendar's account: platform_email, else oauth_email.
func (c Calendar) Email() string {
	if c.PlatformEmail != "" {
		return c.PlatformEmail
	}
	return c.OAuthEmail
}

// LatestChange is the newest status change; ok is false when there is none.
func (c Calendar) LatestChange() (StatusChange, bool) {
	if len(c.StatusChanges) == 0 {
		return StatusChange{}, false
	}
	return c.StatusChanges[len(c.StatusChanges)-1], true
}

// wireCalendar is the response shape; oauth_client_secret and
// oauth_refresh_token are deliberately absent, so the decoder skips them.
type wireCalendar struct {
	ID            string          `json:"id"`
	Platform      string          `json:"platform"`
	ClientID      lenientString   `json:"oauth_client_id"`
	OAuthEmail    lenientString   `json:"oauth_email"`
	PlatformEmail lenientString   `json:"platform_email"`
	Status        string          `json:"status"`
	StatusChanges json.RawMessage `json:"status_changes"`
	CreatedAt     wireTime        `json:"created_at"`
	UpdatedAt     wireTime        `json:"updated_at"`
}

func (w *wireCalendar) calendar() (Calendar, error) {
	if w.ID == "" {
		return Calendar{}, errors.New("recall: calendar without id")
	}
	return Calendar{
		ID:            w.ID,
		Platform:      w.Platform,
		ClientID:      string(w.ClientID),
		OAuthEmail:    string(w.OAuthEmail),
		PlatformEmail: string(w.PlatformEmail),
		Status:        w.Status,
		StatusChanges: decodeStatusChanges(w.StatusChanges),
		CreatedAt:     time.Time(w.CreatedAt),
		UpdatedAt:     time.Time(w.UpdatedAt),
	}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeCalendar decodes one calendar object.
func decodeCalendar(data []byte) (Calendar, error) {
	var w wireCalendar
	if err := json.Unmarshal(data, &w); err != nil {
		return Calendar{}, errors.New("recall: calendar is not valid JSON of the documented shape")
	}
	return w.calendar()
}

// wireTime decodes an ISO-8601 time leniently: null, a wrong type or an
// unparseable string become the zero time rather than failing the page.
type wireTime time.Time

func (t *wireTime) UnmarshalJSON(b []byte) error {
	*t = wireTime(parseTimeLenient(b))
	return nil
}

func parseTimeLenient(b []byte) time.Time {
	var s string
	if len(b) < 2 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return time.Time{}
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v.UTC()
	}
	return time.Time{}
}

// decodeStatusChanges reads status_changes leniently: the spec gives it no
// type, and disconnection entries carry extra keys whose names are not
// documented (recall-api.md §2.3, §9.2). Anything that is not an array of
// objects is ignored.
func decodeStatusChanges(raw json.RawMessage) []StatusChange {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	out := make([]StatusChange, 0, len(items))
	for _, it := range items {
		var m map[string]json.RawMessage
		if json.Unmarshal(it, &m) != nil || m == nil {
			continue
		}
		var sc StatusChange
		if s, ok := m["status"]; ok {
			_ = json.Unmarshal(s, &sc.Status)
		}
		sc.CreatedAt = parseTimeLenient(m["created_at"])
		sc.Detail = extrasDetail(m)
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

const maxDetailLen = 500

// extrasDetail renders the keys other than status/created_at as
// "key=value; …" in key order, dropping credential-like keys at any depth.
func extrasDetail(m map[string]json.RawMessage) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "status" && k != "created_at" && !secretKey(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v any
		if json.Unmarshal(m[k], &v) != nil {
			continue
		}
		if v == nil {
			continue
		}
		parts = append(parts, k+"="+detailValue(scrub(v)))
	}
	return clean(strings.Join(parts, "; "), nil, maxDetailLen)
}

func detailValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64, bool:
		return fmt.Sprint(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// scrub removes credential-like keys from nested objects.
func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, inner := range x {
			if secretKey(k) {
				delete(x, k)
				continue
			}
			x[k] = scrub(inner)
		}
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
	}
	return v
}

// secretKey says whether a key's name suggests its value is a credential.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"token", "secret", "password", "passwd", "credential", "authorization", "api_key", "apikey", "assertion", "cookie", "verifier"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Event is a calendar event as the app needs it (recall-api.md §3.4).
type Event struct {
	ID         string    `json:"id"`
	CalendarID string    `json:"calendarId"`
	StartTime  time.Time `json:"startTime"`
	EndTime    time.Time `json:"endTime"`
	// Title is the Graph subject from raw.
	Title string `json:"title,omitempty"`
	// MeetingURL is the join link Recall found; "" when none (for example
	// a wrapped link, §3.4) or when Recall sent only a structured form.
	MeetingURL string `json:"meetingUrl,omitempty"`
	// MeetingID is the meeting id when Recall sent meeting_url as an object.
	MeetingID       string    `json:"meetingId,omitempty"`
	MeetingPlatform string    `json:"meetingPlatform,omitempty"`
	ICalUID         string    `json:"icalUid,omitempty"`
	IsDeleted       bool      `json:"isDeleted"`
	IsCancelled     bool      `json:"isCancelled"`
	IsAllDay        bool      `json:"isAllDay"`
	Bots            []Bot     `json:"bots,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`

	// The fields below come from the Outlook event in raw (the Graph event
	// resource, recall-api.md §3.4). Each is empty when raw lacks it or
	// has it in an unexpected shape.

	// Organizer is organizer.emailAddress.address.
	Organizer string `json:"organizer,omitempty"`
	// IsOrganizer is Graph's isOrganizer: the calendar's owner organises it.
	IsOrganizer bool `json:"isOrganizer,omitempty"`
	// Attendees lists attendees[]; Graph omits the key when there are none.
	Attendees []Attendee `json:"attendees,omitempty"`
	// Response is the owner's responseStatus.response as Graph spells it:
	// none, organizer, tentativelyAccepted, accepted, declined or
	// notResponded.
	Response string `json:"response,omitempty"`
	// SeriesMasterID groups the occurrences of a recurring meeting.
	SeriesMasterID string `json:"seriesMasterId,omitempty"`
	// EventType is Graph's type: singleInstance, occurrence, exception or
	// seriesMaster.
	EventType string `json:"eventType,omitempty"`
	// AllDayDate is the calendar date ("2006-01-02") of an all-day event,
	// read from raw start.dateTime so no time-zone shift can move it.
	AllDayDate string `json:"allDayDate,omitempty"`
	// JoinURL is onlineMeeting.joinUrl, which may be set when MeetingURL
	// is not (a wrapped or unsupported link, §3.4).
	JoinURL string `json:"joinUrl,omitempty"`
}

// Attendee is one entry of the Graph event's attendees.
type Attendee struct {
	Email string `json:"email"`
	// Response is status.response as Graph spells it (see Event.Response).
	Response string `json:"response,omitempty"`
	// Type is required, optional or resource (a room or equipment).
	Type string `json:"type,omitempty"`
}

// Bot is a bot scheduled for an event.
type Bot struct {
	ID               string    `json:"id"`
	StartTime        time.Time `json:"startTime"`
	DeduplicationKey string    `json:"deduplicationKey"`
	MeetingURL       string    `json:"meetingUrl,omitempty"`
}

type wireEvent struct {
	ID              string         `json:"id"`
	CalendarID      string         `json:"calendar_id"`
	StartTime       wireTime       `json:"start_time"`
	EndTime         wireTime       `json:"end_time"`
	Raw             rawGraphEvent  `json:"raw"`
	ICalUID         lenientString  `json:"ical_uid"`
	MeetingPlatform lenientString  `json:"meeting_platform"`
	MeetingURL      meetingURL     `json:"meeting_url"`
	IsDeleted       bool           `json:"is_deleted"`
	CreatedAt       wireTime       `json:"created_at"`
	UpdatedAt       wireTime       `json:"updated_at"`
	Bots            lenientBotList `json:"bots"`
}

func (w *wireEvent) event() (Event, error) {
	if w.ID == "" {
		return Event{}, errors.New("recall: event without id")
	}
	platform := string(w.MeetingPlatform)
	if platform == "" {
		platform = w.MeetingURL.platform
	}
	r := &w.Raw
	return Event{
		ID:              w.ID,
		CalendarID:      w.CalendarID,
		StartTime:       time.Time(w.StartTime),
		EndTime:         time.Time(w.EndTime),
		Title:           r.Subject,
		MeetingURL:      w.MeetingURL.url,
		MeetingID:       w.MeetingURL.id,
		MeetingPlatform: platform,
		ICalUID:         string(w.ICalUID),
		IsDeleted:       w.IsDeleted,
		IsCancelled:     r.IsCancelled,
		IsAllDay:        r.IsAllDay,
		Bots:            w.Bots,
		CreatedAt:       time.Time(w.CreatedAt),
		UpdatedAt:       time.Time(w.UpdatedAt),
		Organizer:       r.Organizer,
		IsOrganizer:     r.IsOrganizer,
		Attendees:       r.Attendees,
		Response:        r.Response,
		SeriesMasterID:  r.SeriesMasterID,
		EventType:       r.Type,
		AllDayDate:      r.AllDayDate,
		JoinURL:         r.JoinURL,
	}, nil
}

func decodeEvent(data []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, errors.New("recall: event is not valid JSON of the documented shape")
	}
	return w.event()
}

// rawGraphEvent picks the Graph fields the app uses from `raw`
// (recall-api.md §3.4); a raw that is not an object, or fields of
// unexpected types, are ignored one by one rather than failing the event.
type rawGraphEvent struct {
	Subject        string
	IsCancelled    bool
	IsAllDay       bool
	Organizer      string
	IsOrganizer    bool
	Attendees      []Attendee
	Response       string
	SeriesMasterID string
	Type           string
	AllDayDate     string
	JoinURL        string
}

// maxAttendees bounds what one event may carry into memory; Graph caps
// attendees at 500 per event, so this only stops a hostile payload.
const maxAttendees = 2000

// Graph strings we keep are short: addresses (RFC 5321 allows 254),
// ids and enum values. Longer values are not what Graph sends.
const maxRawField = 2048

// rawGraph is the Graph event's shape. It is decoded in one pass with
// encoding/json's own leniency: a value of the wrong type is skipped (left
// zero) and the rest still decoded, and the type error is ignored.
type rawGraph struct {
	Subject     string         `json:"subject"`
	IsCancelled bool           `json:"isCancelled"`
	IsAllDay    bool           `json:"isAllDay"`
	IsOrganizer bool           `json:"isOrganizer"`
	Organizer   graphRecipient `json:"organizer"`
	Attendees   []struct {
		Type   string        `json:"type"`
		Status graphResponse `json:"status"`
		graphRecipient
	} `json:"attendees"`
	ResponseStatus graphResponse `json:"responseStatus"`
	SeriesMasterID string        `json:"seriesMasterId"`
	Type           string        `json:"type"`
	Start          struct {
		DateTime string `json:"dateTime"`
	} `json:"start"`
	OnlineMeeting struct {
		JoinURL string `json:"joinUrl"`
	} `json:"onlineMeeting"`
}

type graphRecipient struct {
	EmailAddress struct {
		Address string `json:"address"`
	} `json:"emailAddress"`
}

type graphResponse struct {
	Response string `json:"response"`
}

func (r *rawGraphEvent) UnmarshalJSON(b []byte) error {
	*r = rawGraphEvent{}
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var v rawGraph
	if err := json.Unmarshal(b, &v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return nil
		}
	}
	*r = rawGraphEvent{
		Subject:        v.Subject,
		IsCancelled:    v.IsCancelled,
		IsAllDay:       v.IsAllDay,
		IsOrganizer:    v.IsOrganizer,
		Organizer:      short(v.Organizer.EmailAddress.Address),
		Response:       short(v.ResponseStatus.Response),
		SeriesMasterID: short(v.SeriesMasterID),
		Type:           short(v.Type),
		JoinURL:        short(v.OnlineMeeting.JoinURL),
	}
	for _, a := range v.Attendees {
		if len(r.Attendees) == maxAttendees {
			break
		}
		if email := short(a.EmailAddress.Address); email != "" {
			r.Attendees = append(r.Attendees, Attendee{Email: email, Response: short(a.Status.Response), Type: short(a.Type)})
		}
	}
	if r.IsAllDay {
		r.AllDayDate = calendarDate(v.Start.DateTime)
	}
	return nil
}

func short(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxRawField {
		return ""
	}
	return s
}

// calendarDate returns the "2006-01-02" prefix of a Graph dateTime such as
// "2026-03-10T00:00:00.0000000", or "" when it is not a real date.
func calendarDate(dt string) string {
	if len(dt) < 10 {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, dt[:10]); err != nil {
		return ""
	}
	return dt[:10]
}

// lenientString is a string, or "" for null or any other JSON type.
type lenientString string

func (s *lenientString) UnmarshalJSON(b []byte) error {
	var v string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &v) == nil {
		*s = lenientString(v)
	} else {
		*s = ""
	}
	return nil
}

// meetingURL accepts a string, an object such as {meeting_id, platform,
// url?} (the "Meeting URLs" form), or null (recall-api.md §3.4).
type meetingURL struct {
	url, id, platform string
}

func (m *meetingURL) UnmarshalJSON(b []byte) error {
	*m = meetingURL{}
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			m.url = s
		}
	case len(b) > 0 && b[0] == '{':
		var o struct {
			URL       lenientString `json:"url"`
			MeetingID lenientString `json:"meeting_id"`
			Platform  lenientString `json:"platform"`
		}
		if json.Unmarshal(b, &o) == nil {
			m.url, m.id, m.platform = string(o.URL), string(o.MeetingID), string(o.Platform)
		}
	}
	return nil
}

// lenientBotList decodes bots[], skipping entries that are not objects.
type lenientBotList []Bot

func (l *lenientBotList) UnmarshalJSON(b []byte) error {
	*l = nil
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		return nil
	}
	for _, it := range items {
		var w struct {
			BotID            lenientString `json:"bot_id"`
			StartTime        wireTime      `json:"start_time"`
			DeduplicationKey lenientString `json:"deduplication_key"`
			MeetingURL       meetingURL    `json:"meeting_url"`
		}
		if len(it) == 0 || it[0] != '{' || json.Unmarshal(it, &w) != nil {
			continue
		}
		*l = append(*l, Bot{ID: string(w.BotID), StartTime: time.Time(w.StartTime), DeduplicationKey: string(w.DeduplicationKey), MeetingURL: w.MeetingURL.url})
	}
	return nil
}

// wirePage is a cursor page (recall-api.md §2.4, §3.3).
type wirePage[T any] struct {
	Next    *string `json:"next"`
	Results []T     `json:"results"`
}

func decodeCalendarPage(data []byte) ([]Calendar, string, error) {
	var p wirePage[wireCalendar]
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", errors.New("recall: calendar page is not valid JSON of the documented shape")
	}
	out := make([]Calendar, 0, len(p.Results))
	for i := range p.Results {
		c, err := p.Results[i].calendar()
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, deref(p.Next), nil
}

func decodeEventPage(data []byte) ([]Event, string, error) {
	var p wirePage[wireEvent]
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", errors.New("recall: event page is not valid JSON of the documented shape")
	}
	out := make([]Event, 0, len(p.Results))
	for i := range p.Results {
		e, err := p.Results[i].event()
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	return out, deref(p.Next), nil
}
