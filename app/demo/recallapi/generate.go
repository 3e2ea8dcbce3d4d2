package recallapi

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// Recall keeps events from 1 day back to 28 days ahead (recall-api.md §3.5).
const (
	syncBack  = 24 * time.Hour
	syncAhead = 28 * 24 * time.Hour
)

type eventKind int

const (
	kindTeams eventKind = iota
	kindZoom
	kindMeet
	kindInPerson  // no link at all
	kindAllDay    // no link
	kindCancelled // Graph isCancelled, still listed
	kindDeleted   // Recall's soft delete, is_deleted true (§3.5)
	kindWrapped   // link wrapped by Safe Links: meeting_url null (§3.4)
	kindEnded     // over already, for the "has ended" rule (§4.1)
)

var (
	colleagues = []string{"jamie.lee", "priya.shah", "tom.becker", "noor.haddad", "li.wei", "sofia.rossi"}
	externals  = []string{"kim@fabrikam.example", "omar@northwind.example", "ana@adatum.example", "ben@tailspin.example"}
	subjects   = map[eventKind][]string{
		kindTeams:     {"Sprint planning", "Design review", "Quarterly business review", "Incident retro", "Roadmap sync"},
		kindZoom:      {"Customer onboarding", "Vendor demo", "Partner check-in"},
		kindMeet:      {"Interview: backend engineer", "Advisory call", "Fabrikam weekly"},
		kindInPerson:  {"Lunch with Priya", "Focus time", "Dentist"},
		kindAllDay:    {"Company offsite", "Out of office", "Public holiday"},
		kindCancelled: {"Budget sync", "Coffee chat"},
		kindDeleted:   {"Old 1:1 slot", "Moved: team lunch"},
		kindWrapped:   {"Fabrikam escalation", "Northwind renewal"},
		kindEnded:     {"Yesterday's standup notes review", "Morning triage"},
	}
)

// generateEventsLocked fills a calendar with a realistic month on its first
// successful sync: a daily stand-up series, Teams/Zoom/Meet meetings with
// internal and external attendees, all-day events without links, cancelled
// and deleted events, one wrapped link and one meeting already over.
func (s *Server) generateEventsLocked(c *calendar, now time.Time) {
	seed := s.eventSeed(c.id)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	owner := c.email()
	n := s.opts.EventsPerCalendar
	day0 := now.Add(-syncBack).Truncate(24 * time.Hour)
	ids := make([]string, 0, n)
	add := func(e *event) {
		e.id = uuidFrom(rng)
		e.calendarID = c.id
		e.platformID = "AAMkAG" + strings.ReplaceAll(uuidFrom(rng), "-", "")
		if e.icalUID == "" {
			e.icalUID = "040000008200E00074C5B7101A82E008" + strings.ToUpper(strings.ReplaceAll(uuidFrom(rng), "-", ""))
		}
		e.createdAt = now.Add(-time.Duration(rng.IntN(7*24*60)) * time.Minute)
		e.updatedAt = e.createdAt
		if e.isDeleted {
			e.updatedAt = now
		}
		s.events[e.id] = e
		ids = append(ids, e.id)
	}

	// The stand-up: one weekday series, sharing an iCalUId prefix so the
	// ical_uid prefix filter can find it (recall-api.md §3.2).
	seriesID := "AAMkAGseries" + strings.ReplaceAll(uuidFrom(rng), "-", "")[:20]
	seriesUID := "040000008200E00074C5B7101A82E0080000000STANDUP" + fmt.Sprintf("%08X", rng.Uint32())
	teamsURL := teamsLink(rng)
	standups := min(n/3, 21)
	for d := 0; len(ids) < standups && d < 29; d++ {
		day := day0.Add(time.Duration(d) * 24 * time.Hour)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		start := day.Add(9*time.Hour + 30*time.Minute)
		e := &event{start: start, end: start.Add(15 * time.Minute), icalUID: fmt.Sprintf("%s-%s", seriesUID, start.Format("20060102"))}
		e.meetingURL, e.meetingPlatfm = ptr(teamsURL), ptr("microsoft_teams")
		e.raw = graphEvent(rng, e, owner, "Daily stand-up", graphOpts{series: seriesID, attendees: colleagues[:4], provider: "teamsForBusiness", joinURL: teamsURL})
		add(e)
	}
	standups = len(ids)

	// One of each special kind first, so small calendars still show them.
	forced := []eventKind{kindEnded, kindAllDay, kindCancelled, kindDeleted, kindWrapped, kindZoom, kindMeet}
	for len(ids) < n {
		var k eventKind
		if i := len(ids) - standups; i < len(forced) {
			k = forced[i]
		} else {
			k = pickKind(rng)
		}
		add(s.makeEvent(rng, k, owner, day0, now))
	}
	c.eventIDs = append(c.eventIDs, ids...)
	s.addEventsLocked(ids)
}

func pickKind(rng *rand.Rand) eventKind {
	switch p := rng.IntN(100); {
	case p < 32:
		return kindTeams
	case p < 52:
		return kindZoom
	case p < 67:
		return kindMeet
	case p < 75:
		return kindInPerson
	case p < 83:
		return kindAllDay
	case p < 90:
		return kindCancelled
	case p < 96:
		return kindDeleted
	default:
		return kindWrapped
	}
}

func (s *Server) makeEvent(rng *rand.Rand, k eventKind, owner string, day0, now time.Time) *event {
	title := subjects[k][rng.IntN(len(subjects[k]))]
	var start, end time.Time
	switch k {
	case kindEnded:
		start = now.Add(-3 * time.Hour).Truncate(15 * time.Minute)
		end = start.Add(30 * time.Minute)
	case kindAllDay:
		start = day0.Add(time.Duration(1+rng.IntN(28)) * 24 * time.Hour)
		end = start.Add(24 * time.Hour)
	default:
		// Office hours within the sync window, on 15-minute boundaries.
		day := day0.Add(time.Duration(rng.IntN(29)) * 24 * time.Hour)
		start = day.Add(8*time.Hour + time.Duration(rng.IntN(40))*15*time.Minute)
		end = start.Add(time.Duration(2+rng.IntN(3)) * 15 * time.Minute)
	}
	e := &event{start: start, end: end}
	o := graphOpts{attendees: pickAttendees(rng, k)}
	switch k {
	case kindTeams, kindCancelled, kindEnded:
		u := teamsLink(rng)
		e.meetingURL, e.meetingPlatfm = ptr(u), ptr("microsoft_teams")
		o.provider, o.joinURL = "teamsForBusiness", u
	case kindZoom:
		u := fmt.Sprintf("https://us02web.zoom.us/j/8%010d", rng.Int64N(1e10))
		e.meetingURL, e.meetingPlatfm = ptr(u), ptr("zoom")
		o.bodyLink = u
	case kindMeet:
		u := "https://meet.google.com/" + letters(rng, 3) + "-" + letters(rng, 4) + "-" + letters(rng, 3)
		e.meetingURL, e.meetingPlatfm = ptr(u), ptr("google_meet")
		o.bodyLink = u
	case kindWrapped:
		// meeting_url stays null while onlineMeeting.joinUrl is set
		// (recall-api.md §3.4).
		o.provider = "teamsForBusiness"
		o.joinURL = "https://nam12.safelinks.protection.outlook.com/?url=" + url.QueryEscape(teamsLink(rng)) + "&data=05"
	case kindDeleted:
		e.isDeleted = true
	case kindAllDay:
		o.allDay = true
		o.attendees = nil
	}
	if k == kindCancelled {
		o.cancelled = true
		title = "Canceled: " + title
	}
	e.raw = graphEvent(rng, e, owner, title, o)
	return e
}

func pickAttendees(rng *rand.Rand, k eventKind) []string {
	if k == kindInPerson && rng.IntN(2) == 0 {
		return nil // Graph omits attendees when there are none (§3.4)
	}
	n := 1 + rng.IntN(3)
	out := make([]string, 0, n+1)
	for i := 0; i < n; i++ {
		out = append(out, colleagues[rng.IntN(len(colleagues))])
	}
	if k == kindZoom || k == kindMeet || k == kindWrapped || rng.IntN(4) == 0 {
		out = append(out, externals[rng.IntN(len(externals))])
	}
	return out
}

type graphOpts struct {
	series    string
	attendees []string
	provider  string
	joinURL   string
	bodyLink  string
	allDay    bool
	cancelled bool
}

// graphEvent is a trimmed Microsoft Graph event resource, the `raw` of an
// Outlook calendar event (recall-api.md §3.4).
func graphEvent(rng *rand.Rand, e *event, owner, subject string, o graphOpts) map[string]any {
	domain := "contoso.example"
	if at := strings.LastIndexByte(owner, '@'); at >= 0 {
		domain = owner[at+1:]
	}
	address := func(a string) string {
		if strings.Contains(a, "@") {
			return a
		}
		return a + "@" + domain
	}
	graphTime := func(t time.Time) map[string]any {
		return map[string]any{"dateTime": t.UTC().Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC"}
	}
	organizer := owner
	if len(o.attendees) > 0 && rng.IntN(3) == 0 {
		organizer = address(o.attendees[0])
	}
	raw := map[string]any{
		"id":                    e.platformID,
		"subject":               subject,
		"start":                 graphTime(e.start),
		"end":                   graphTime(e.end),
		"isAllDay":              o.allDay,
		"isCancelled":           o.cancelled,
		"showAs":                "busy",
		"type":                  "singleInstance",
		"iCalUId":               e.icalUID,
		"webLink":               "https://outlook.office365.com/owa/?itemid=" + url.QueryEscape(e.platformID) + "&exvsurl=1&path=/calendar/item",
		"isOnlineMeeting":       o.joinURL != "",
		"onlineMeetingProvider": "unknown",
		"onlineMeeting":         nil,
		"organizer":             map[string]any{"emailAddress": map[string]any{"name": nameOf(organizer), "address": organizer}},
		"responseStatus":        map[string]any{"response": "accepted", "time": "0001-01-01T00:00:00Z"},
		"bodyPreview":           "",
	}
	if o.allDay {
		raw["showAs"] = "free"
	}
	if o.series != "" {
		raw["type"] = "occurrence"
		raw["seriesMasterId"] = o.series
	}
	if o.joinURL != "" {
		raw["onlineMeetingProvider"] = o.provider
		raw["onlineMeeting"] = map[string]any{"joinUrl": o.joinURL}
	}
	if o.bodyLink != "" {
		raw["bodyPreview"] = "Join the meeting: " + o.bodyLink
	}
	if len(o.attendees) > 0 {
		list := make([]any, 0, len(o.attendees))
		for _, a := range o.attendees {
			addr := address(a)
			list = append(list, map[string]any{
				"type":         "required",
				"status":       map[string]any{"response": []string{"accepted", "tentativelyAccepted", "none", "declined"}[rng.IntN(4)]},
				"emailAddress": map[string]any{"name": nameOf(addr), "address": addr},
			})
		}
		raw["attendees"] = list
	}
	return raw
}

func nameOf(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' })
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

func teamsLink(rng *rand.Rand) string {
	return fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%s%%40thread.v2/0?context=%%7b%%22Tid%%22%%3a%%22%s%%22%%7d",
		letters(rng, 24), uuidFrom(rng))
}

func letters(rng *rand.Rand, n int) string {
	const abc = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[rng.IntN(len(abc))]
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }
