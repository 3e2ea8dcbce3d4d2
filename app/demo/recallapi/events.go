package recallapi

import (
	"errors"
	"net/http"
	"net/url"
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

// sortedEventIDsLocked returns every event id in order. New ids are
// appended and sorted once, at the next list without a calendar filter, so
// a fleet of calendars is not re-sorted on every added event.
func (s *Server) sortedEventIDsLocked() []string {
	if s.unsorted {
		sort.Strings(s.eventOrder)
		s.unsorted = false
	}
	return s.eventOrder
}

// addEventsLocked indexes new events of calendar c: in the whole list and
// in the calendar's own sorted list, which a list filtered by calendar_id
// pages through instead (same pages: it holds every event the filter
// keeps, in the same order).
func (s *Server) addEventsLocked(c *calendar, ids []string) {
	s.eventOrder = append(s.eventOrder, ids...)
	s.unsorted = true
	for _, id := range ids {
		i, _ := slices.BinarySearch(c.eventIDs, id)
		c.eventIDs = slices.Insert(c.eventIDs, i, id)
	}
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
	s.applyChangesLocked()
	var ids []string
	switch c, ok := s.calendars[calendarID]; {
	case calendarID == "":
		ids = s.sortedEventIDsLocked()
	case ok:
		ids = c.eventIDs
	}
	got, next, prev, err := paginate(ids, q.Get("cursor"), eventsPageSize, keep)
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
	s.applyChangesLocked()
	e, ok := s.events[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	writeJSON(w, http.StatusOK, s.eventViewLocked(e))
}

func sortChanges(c []plannedChange) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].at.Before(c[j].at) })
}

// applyChangesLocked makes the scripted edits that are due by the fake's
// clock. Every handler that reads or writes events calls it first, so an
// answer never predates an edit due before it. Each edit carries the time
// it was made as updated_at, which is never later than the fake's now.
func (s *Server) applyChangesLocked() {
	now := s.opts.Now()
	n := 0
	for n < len(s.changes) && !s.changes[n].at.After(now) {
		ch := s.changes[n]
		n++
		e, ok := s.events[ch.eventID]
		if !ok || e.isDeleted {
			continue
		}
		switch ch.kind {
		case changeMove:
			s.moveLocked(e, ScriptedMoveBy, ch.at)
		case changeCancel:
			s.cancelLocked(e, ch.at)
		}
	}
	s.changes = s.changes[n:]
}

// moveLocked shifts an event. Recall does not move its bot: the bot keeps
// its old join time and key until someone schedules again
// (recall-api.md §4.1).
func (s *Server) moveLocked(e *event, by time.Duration, at time.Time) {
	e.start, e.end = e.start.Add(by), e.end.Add(by)
	allDay, _ := e.raw["isAllDay"].(bool)
	e.raw["start"] = graphTimeIn(e.start, allDay, s.opts.Location)
	e.raw["end"] = graphTimeIn(e.end, allDay, s.opts.Location)
	e.updatedAt = at
}

// cancelLocked is the organiser cancelling: Graph keeps the event with
// isCancelled and a "Canceled:" subject; Recall keeps any bot on it, so
// removing it is the scheduler's job.
func (s *Server) cancelLocked(e *event, at time.Time) {
	e.raw["isCancelled"] = true
	if subject, _ := e.raw["subject"].(string); !strings.HasPrefix(subject, "Canceled: ") {
		e.raw["subject"] = "Canceled: " + subject
	}
	e.updatedAt = at
}

// EventSnapshot is an event as tests see it.
type EventSnapshot struct {
	ID         string
	CalendarID string
	Title      string
	Start, End time.Time
	MeetingURL string // "" when meeting_url is null
	JoinURL    string // onlineMeeting.joinUrl
	AllDay     bool
	Cancelled  bool
	Deleted    bool
	// Response is the owner's Graph response: organizer, accepted,
	// tentativelyAccepted, declined or none.
	Response  string
	UpdatedAt time.Time
	// BotKey and BotID describe the attached bot ("" when none).
	BotKey string
	BotID  string
}

// Events lists a calendar's events (every calendar's when calendarID is
// ""), deleted ones included, by start time then id. Due scripted
// changes are applied first.
func (s *Server) Events(calendarID string) []EventSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyChangesLocked()
	var out []EventSnapshot
	for _, e := range s.events {
		if calendarID != "" && e.calendarID != calendarID {
			continue
		}
		out = append(out, s.snapshotLocked(e))
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Event is one event by id, deleted or not, after due scripted changes;
// false when there is none. Unlike Events it does not copy the whole
// store, so a simulation can look at one meeting of thousands of
// calendars as its start nears.
func (s *Server) Event(id string) (EventSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyChangesLocked()
	e, ok := s.events[id]
	if !ok {
		return EventSnapshot{}, false
	}
	return s.snapshotLocked(e), true
}

func (s *Server) snapshotLocked(e *event) EventSnapshot {
	snap := EventSnapshot{
		ID: e.id, CalendarID: e.calendarID, Start: e.start, End: e.end,
		Deleted: e.isDeleted, UpdatedAt: e.updatedAt, BotKey: e.botKey,
	}
	snap.Title, _ = e.raw["subject"].(string)
	snap.AllDay, _ = e.raw["isAllDay"].(bool)
	snap.Cancelled, _ = e.raw["isCancelled"].(bool)
	if om, ok := e.raw["onlineMeeting"].(map[string]any); ok {
		snap.JoinURL, _ = om["joinUrl"].(string)
	}
	if rs, ok := e.raw["responseStatus"].(map[string]any); ok {
		snap.Response, _ = rs["response"].(string)
	}
	if e.meetingURL != nil {
		snap.MeetingURL = *e.meetingURL
	}
	if b, ok := s.bots[e.botKey]; ok {
		snap.BotID = b.id
	}
	return snap
}

// ErrNoEvent is returned by the event edits for an unknown or deleted event.
var ErrNoEvent = errors.New("recallapi: no such event")

// editEvent runs f on a live event at the fake's now, after due scripted
// changes, so updated_at stays in step with the clock.
func (s *Server) editEvent(id string, f func(e *event, now time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyChangesLocked()
	e, ok := s.events[id]
	if !ok || e.isDeleted {
		return ErrNoEvent
	}
	return f(e, s.opts.Now())
}

// MoveEvent shifts an event by d, as its organiser would in Outlook.
func (s *Server) MoveEvent(id string, d time.Duration) error {
	return s.editEvent(id, func(e *event, now time.Time) error {
		s.moveLocked(e, d, now)
		return nil
	})
}

// CancelEvent marks an event cancelled by its organiser.
func (s *Server) CancelEvent(id string) error {
	return s.editEvent(id, func(e *event, now time.Time) error {
		s.cancelLocked(e, now)
		return nil
	})
}

// DeleteEvent removes an event from the calendar: Recall keeps it with
// is_deleted true and removes its bot (recall-api.md §3.5, §4.2).
func (s *Server) DeleteEvent(id string) error {
	return s.editEvent(id, func(e *event, now time.Time) error {
		s.detachBotLocked(e)
		e.isDeleted = true
		e.updatedAt = now
		return nil
	})
}

// SetMeetingURL replaces an event's meeting link ("" removes it), as when
// the organiser switches the meeting to another Teams or Zoom room.
func (s *Server) SetMeetingURL(id, link string) error {
	if link != "" && !meetingLink(link) {
		return errors.New("recallapi: not a meeting URL")
	}
	return s.editEvent(id, func(e *event, now time.Time) error {
		e.meetingURL, e.meetingPlatfm = nil, nil
		e.raw["onlineMeeting"], e.raw["isOnlineMeeting"], e.raw["bodyPreview"] = nil, false, ""
		if link != "" {
			platform := platformOf(link)
			e.meetingURL, e.meetingPlatfm = ptr(link), ptr(platform)
			if platform == "microsoft_teams" {
				e.raw["onlineMeeting"], e.raw["isOnlineMeeting"] = map[string]any{"joinUrl": link}, true
			} else {
				e.raw["bodyPreview"] = "Join the meeting: " + link
			}
		}
		e.updatedAt = now
		return nil
	})
}

// meetingLink: meeting platforms serve their join links over https.
func meetingLink(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && !strings.ContainsAny(v, " \t\n")
}

// platformOf is Recall's meeting_platform for a link it recognises.
func platformOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "webrtc"
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "teams.microsoft.com" || host == "teams.live.com":
		return "microsoft_teams"
	case host == "zoom.us" || strings.HasSuffix(host, ".zoom.us"):
		return "zoom"
	case host == "meet.google.com":
		return "google_meet"
	case strings.HasSuffix(host, ".webex.com"):
		return "webex"
	}
	return "webrtc"
}

// NewEvent describes an event for AddEvent.
type NewEvent struct {
	Title      string
	Start, End time.Time
	// MeetingURL is the join link; "" for a meeting without one.
	MeetingURL string
	// Organizer is an email address; "" means the calendar's owner.
	Organizer string
	// Attendees are email addresses besides the owner.
	Attendees []string
	// Response is the owner's Graph response when someone else organises
	// (accepted, tentativelyAccepted, declined, none).
	Response string
	AllDay   bool
}

// AddEvent adds an event to a connected calendar, as a new invitation
// arriving in Outlook would, and returns its id.
func (s *Server) AddEvent(calendarID string, in NewEvent) (string, error) {
	if !in.End.After(in.Start) {
		return "", errors.New("recallapi: an event must end after it starts")
	}
	if in.MeetingURL != "" && !meetingLink(in.MeetingURL) {
		return "", errors.New("recallapi: not a meeting URL")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyChangesLocked()
	c, ok := s.calendars[calendarID]
	if !ok || !c.synced {
		return "", errors.New("recallapi: no connected calendar " + calendarID)
	}
	now := s.opts.Now()
	g := &generator{rng: s.rng, owner: c.email(), domain: "contoso.example", loc: s.opts.Location, now: now}
	if at := strings.LastIndexByte(g.owner, '@'); at >= 0 {
		g.domain = g.owner[at+1:]
	}
	spec := meetingSpec{title: in.Title, start: in.Start, dur: in.End.Sub(in.Start), organiser: in.Organizer,
		attendees: in.Attendees, response: in.Response, allDay: in.AllDay}
	if strings.EqualFold(in.Organizer, g.owner) {
		spec.organiser = ""
	}
	e := g.meeting(spec, "")
	if in.MeetingURL != "" {
		platform := platformOf(in.MeetingURL)
		e.meetingURL, e.meetingPlatfm = ptr(in.MeetingURL), ptr(platform)
		e.raw["onlineMeeting"], e.raw["isOnlineMeeting"] = map[string]any{"joinUrl": in.MeetingURL}, true
	}
	e.id, e.calendarID = s.newID(), c.id
	e.platformID = "AAMkAG" + strings.ReplaceAll(s.newID(), "-", "")
	e.icalUID = "040000008200E00074C5B7101A82E008" + strings.ToUpper(strings.ReplaceAll(s.newID(), "-", ""))
	e.raw["id"], e.raw["iCalUId"] = e.platformID, e.icalUID
	e.createdAt, e.updatedAt = now, now
	s.events[e.id] = e
	s.addEventsLocked(c, []string{e.id})
	return e.id, nil
}
