package recallapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

type event struct {
	id            string
	calendarID    string
	start, end    time.Time
	raw           map[string]any
	platformID    string
	icalUID       string
	meetingURL    *string
	meetingPlatfm *string
	isDeleted     bool
	createdAt     time.Time
	updatedAt     time.Time
	botKey        string // deduplication key of the attached bot, if any
}

type bot struct {
	id         string
	key        string
	startTime  time.Time
	meetingURL string
	config     map[string]any
	events     map[string]bool
}

// eventJSON is the documented calendar event (recall-api.md §3.4).
type eventJSON struct {
	ID              string         `json:"id"`
	CalendarID      string         `json:"calendar_id"`
	StartTime       string         `json:"start_time"`
	EndTime         string         `json:"end_time"`
	Raw             map[string]any `json:"raw"`
	Platform        string         `json:"platform"`
	PlatformID      string         `json:"platform_id"`
	ICalUID         string         `json:"ical_uid"`
	MeetingPlatform *string        `json:"meeting_platform"`
	MeetingURL      *string        `json:"meeting_url"`
	IsDeleted       bool           `json:"is_deleted"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
	Bots            []botJSON      `json:"bots"`
}

type botJSON struct {
	BotID            string `json:"bot_id"`
	StartTime        string `json:"start_time"`
	DeduplicationKey string `json:"deduplication_key"`
	MeetingURL       string `json:"meeting_url"`
}

func (s *Server) eventViewLocked(e *event) eventJSON {
	platform := "microsoft_outlook"
	if c, ok := s.calendars[e.calendarID]; ok {
		platform = c.platform
	}
	v := eventJSON{
		ID:              e.id,
		CalendarID:      e.calendarID,
		StartTime:       formatTime(e.start),
		EndTime:         formatTime(e.end),
		Raw:             e.raw,
		Platform:        platform,
		PlatformID:      e.platformID,
		ICalUID:         e.icalUID,
		MeetingPlatform: e.meetingPlatfm,
		MeetingURL:      e.meetingURL,
		IsDeleted:       e.isDeleted,
		CreatedAt:       formatTime(e.createdAt),
		UpdatedAt:       formatTime(e.updatedAt),
		Bots:            []botJSON{},
	}
	if b, ok := s.bots[e.botKey]; ok && e.botKey != "" {
		v.Bots = append(v.Bots, botJSON{BotID: b.id, StartTime: formatTime(b.startTime), DeduplicationKey: b.key, MeetingURL: b.meetingURL})
	}
	return v
}

// sortedEventIDsLocked returns every event id in order; kept sorted on
// insert and delete so each page is a binary search plus a scan.
func (s *Server) sortedEventIDsLocked() []string { return s.eventOrder }

func (s *Server) addEventsLocked(ids []string) {
	s.eventOrder = append(s.eventOrder, ids...)
	sort.Strings(s.eventOrder)
}

func (s *Server) dropEventOrderLocked(ids []string) {
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	s.eventOrder = slices.DeleteFunc(s.eventOrder, func(id string) bool { return gone[id] })
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := fieldErrors{}
	calendarID := q.Get("calendar_id")
	if calendarID != "" && !validUUID(calendarID) {
		errs.add("calendar_id", msgUUID)
	}
	timeFilter := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		t, ok := parseTime(v)
		if !ok {
			errs.add(name, msgDateTime)
		}
		return t
	}
	startExact := timeFilter("start_time")
	startGTE := timeFilter("start_time__gte")
	startLTE := timeFilter("start_time__lte")
	updatedGTE := timeFilter("updated_at__gte")
	var deletedFilter, isDeleted bool
	if v := q.Get("is_deleted"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			errs.add("is_deleted", msgBoolean)
		}
		deletedFilter, isDeleted = true, b
	}
	icalPrefix := q.Get("ical_uid")
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	// Filters as listed in recall-api.md §3.2; ical_uid is a case-sensitive
	// prefix match. Unknown parameters are ignored (§3.2, §9.5).
	keep := func(id string) bool {
		e := s.events[id]
		switch {
		case calendarID != "" && e.calendarID != calendarID,
			!startExact.IsZero() && !e.start.Equal(startExact),
			!startGTE.IsZero() && e.start.Before(startGTE),
			!startLTE.IsZero() && e.start.After(startLTE),
			!updatedGTE.IsZero() && e.updatedAt.Before(updatedGTE),
			deletedFilter && e.isDeleted != isDeleted,
			icalPrefix != "" && !strings.HasPrefix(e.icalUID, icalPrefix):
			return false
		}
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got, next, prev, err := paginate(s.sortedEventIDsLocked(), q.Get("cursor"), eventsPageSize, keep)
	if err != nil {
		writeBadCursor(w)
		return
	}
	out := page[eventJSON]{Next: s.pageURL(r, next), Previous: s.pageURL(r, prev), Results: make([]eventJSON, 0, len(got))}
	for _, id := range got {
		out.Results = append(out.Results, s.eventViewLocked(s.events[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	writeJSON(w, http.StatusOK, s.eventViewLocked(e))
}

// scheduleBot implements POST /calendar-events/{id}/bot/ (recall-api.md §4.1).
func (s *Server) scheduleBot(w http.ResponseWriter, r *http.Request) {
	m, ok := readObject(w, r)
	if !ok {
		return
	}
	errs := fieldErrors{}
	key, _ := stringField(m, "deduplication_key", maxDedupKey, true, errs)
	var config map[string]any
	switch raw, present := m["bot_config"]; {
	case !present:
		errs.add("bot_config", msgRequired)
	case string(raw) == "null":
		errs.add("bot_config", msgNull)
	default:
		if err := json.Unmarshal(raw, &config); err != nil || config == nil {
			errs.add("bot_config", "Expected a dictionary of items.")
		}
	}
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	now := s.opts.Now()
	if !e.end.After(now) {
		// The exact documented body (recall-api.md §4.1).
		writeInvalid(w, fieldErrors{"non_field_errors": {"Cannot schedule bot as calendar event has ended."}})
		return
	}
	// meeting_url and join_at come from the event unless bot_config sets
	// them (recall-api.md §4.1).
	meetingURL, _ := config["meeting_url"].(string)
	if meetingURL == "" && e.meetingURL != nil {
		meetingURL = *e.meetingURL
	}
	if meetingURL == "" {
		writeInvalid(w, fieldErrors{"bot_config": {"The calendar event has no meeting URL; set meeting_url in bot_config."}})
		return
	}
	joinAt := e.start
	if v, ok := config["join_at"].(string); ok {
		t, ok := parseTime(v)
		if !ok {
			writeInvalid(w, fieldErrors{"bot_config": {"join_at: " + msgDateTime}})
			return
		}
		joinAt = t
	}
	if e.botKey != key {
		s.detachBotLocked(e)
	}
	// Events with equal keys share one bot; scheduling again replaces the
	// bot's configuration as a whole (recall-api.md §4.1, §4.3).
	b, ok := s.bots[key]
	if !ok {
		b = &bot{id: s.newID(), key: key, events: map[string]bool{}}
		s.bots[key] = b
	}
	b.startTime, b.meetingURL, b.config = joinAt, meetingURL, config
	b.events[e.id] = true
	e.botKey = key
	e.updatedAt = now
	writeJSON(w, http.StatusOK, s.eventViewLocked(e))
}

// unscheduleBot implements DELETE /calendar-events/{id}/bot/: idempotent
// 200 while the event exists (recall-api.md §4.2).
func (s *Server) unscheduleBot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	if e.botKey != "" {
		s.detachBotLocked(e)
		e.updatedAt = s.opts.Now()
	}
	writeJSON(w, http.StatusOK, s.eventViewLocked(e))
}

// detachBotLocked removes the event from its bot; the bot is deleted only
// when no other event shares it (recall-api.md §4.2).
func (s *Server) detachBotLocked(e *event) {
	if e.botKey == "" {
		return
	}
	if b, ok := s.bots[e.botKey]; ok {
		delete(b.events, e.id)
		if len(b.events) == 0 {
			delete(s.bots, e.botKey)
		}
	}
	e.botKey = ""
}

func (s *Server) removeFutureBotsLocked(c *calendar, now time.Time) {
	for _, id := range c.eventIDs {
		if e, ok := s.events[id]; ok && e.start.After(now) {
			s.detachBotLocked(e)
		}
	}
}
