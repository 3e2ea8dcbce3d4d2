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

// After a calendar's first sync its diary changes as a real one does: one
// meeting moves and, later, another is cancelled by its organiser. The fake's
// clock drives both (Options.Now), so tests step them and demo mode shows
// the app re-planning within minutes.
const (
	ScriptedMoveAfter   = 2 * time.Minute
	ScriptedCancelAfter = 4 * time.Minute
	ScriptedMoveBy      = time.Hour
)

// Titles of the scripted meetings that change, for tests that look for them.
const (
	ScriptedMovingTitle    = "Customer onboarding: Fabrikam"
	ScriptedCancelledTitle = "Roadmap sync with Northwind"
	ScriptedSoonTitle      = "Quick sync with Priya"
)

type linkKind int

const (
	linkNone linkKind = iota
	linkTeams
	linkZoom
	linkMeet
	linkWebex
	linkWrapped // a Safe Links wrapper: meeting_url null, joinUrl set (§3.4)
)

type changeKind int

const (
	changeNone changeKind = iota
	changeMove
	changeCancel
)

// plannedChange is an edit the organiser makes at a given time; it is
// applied by the first request the fake serves at or after that time.
type plannedChange struct {
	at      time.Time
	eventID string
	kind    changeKind
}

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

// meetingSpec describes one scripted meeting of the demo week.
type meetingSpec struct {
	title     string
	start     time.Time
	dur       time.Duration
	link      linkKind
	organiser string   // "" is the calendar's owner; a bare name is a colleague
	attendees []string // colleagues' names or outside addresses, besides the owner
	response  string   // the owner's Graph response when someone else organises
	allDay    bool
	cancelled bool
	deleted   bool
	change    changeKind
}

// generator builds one calendar's events in the fake's time zone.
type generator struct {
	rng    *rand.Rand
	owner  string
	domain string
	loc    *time.Location
	now    time.Time
	today  time.Time // local midnight
}

// generateEventsLocked fills a calendar on its first successful sync with
// exactly Options.EventsPerCalendar events: a weekday stand-up series, then
// a scripted week (Teams, Zoom, Meet and Webex links; colleagues and
// outside guests; a meeting without a link; one starting in five minutes;
// an all-day event; declined, tentative, cancelled, deleted, wrapped-link
// and already-ended meetings), then random meetings later in the month.
// Two scripted meetings change after the sync (see ScriptedMoveAfter).
func (s *Server) generateEventsLocked(c *calendar, now time.Time) {
	seed := s.eventSeed(c.id)
	loc := s.opts.Location
	y, m, d := now.In(loc).Date()
	g := &generator{
		rng:   rand.New(rand.NewPCG(seed, seed>>1|1)),
		owner: c.email(),
		loc:   loc,
		now:   now,
		today: time.Date(y, m, d, 0, 0, 0, 0, loc),
	}
	g.domain = "contoso.example"
	if at := strings.LastIndexByte(g.owner, '@'); at >= 0 {
		g.domain = g.owner[at+1:]
	}
	n := s.opts.EventsPerCalendar
	ids := make([]string, 0, n)
	add := func(e *event) {
		e.id = uuidFrom(g.rng)
		e.calendarID = c.id
		e.platformID = "AAMkAG" + strings.ReplaceAll(uuidFrom(g.rng), "-", "")
		if e.icalUID == "" {
			e.icalUID = "040000008200E00074C5B7101A82E008" + strings.ToUpper(strings.ReplaceAll(uuidFrom(g.rng), "-", ""))
		}
		e.createdAt = now.Add(-time.Duration(g.rng.IntN(7*24*60)) * time.Minute)
		e.updatedAt = e.createdAt
		if e.isDeleted {
			e.updatedAt = now
		}
		e.raw["id"] = e.platformID
		e.raw["iCalUId"] = e.icalUID
		e.raw["webLink"] = "https://outlook.office365.com/owa/?itemid=" + url.QueryEscape(e.platformID) + "&exvsurl=1&path=/calendar/item"
		s.events[e.id] = e
		ids = append(ids, e.id)
	}

	// The stand-up: one weekday series, sharing an iCalUId prefix so the
	// ical_uid prefix filter can find it (recall-api.md §3.2).
	seriesID := "AAMkAGseries" + strings.ReplaceAll(uuidFrom(g.rng), "-", "")[:20]
	seriesUID := "040000008200E00074C5B7101A82E0080000000STANDUP" + fmt.Sprintf("%08X", g.rng.Uint32())
	teamsURL := teamsLink(g.rng)
	standups := min(n/3, 21)
	for day := -1; len(ids) < standups && day < 29; day++ {
		date := g.today.AddDate(0, 0, day)
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		start := g.at(date, 9, 30)
		e := g.meeting(meetingSpec{
			title: "Daily stand-up", start: start, dur: 15 * time.Minute, link: linkTeams,
			organiser: "jamie.lee", attendees: colleagues[1:4], response: "accepted",
		}, teamsURL)
		e.icalUID = fmt.Sprintf("%s-%s", seriesUID, start.Format("20060102"))
		e.raw["type"] = "occurrence"
		e.raw["seriesMasterId"] = seriesID
		add(e)
	}

	for _, spec := range g.week() {
		if len(ids) == n {
			break
		}
		e := g.meeting(spec, "")
		add(e)
		if s.opts.StaticEvents {
			continue
		}
		switch spec.change {
		case changeMove:
			s.changes = append(s.changes, plannedChange{at: now.Add(ScriptedMoveAfter), eventID: e.id, kind: changeMove})
		case changeCancel:
			s.changes = append(s.changes, plannedChange{at: now.Add(ScriptedCancelAfter), eventID: e.id, kind: changeCancel})
		}
	}
	sortChanges(s.changes)

	for len(ids) < n {
		add(g.random())
	}
	s.addEventsLocked(c, ids)
}

// at is a local wall-clock time on date.
func (g *generator) at(date time.Time, hour, minute int) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, hour, minute, 0, 0, g.loc)
}

// workday is the k-th weekday after today (k ≥ 1).
func (g *generator) workday(k int) time.Time {
	date := g.today
	for k > 0 {
		date = date.AddDate(0, 0, 1)
		if wd := date.Weekday(); wd != time.Saturday && wd != time.Sunday {
			k--
		}
	}
	return date
}

// week is the scripted demo week, most telling first, so a calendar with
// few events still shows the interesting cases.
func (g *generator) week() []meetingSpec {
	soon := g.now.Truncate(time.Minute).Add(5 * time.Minute)
	ended := g.now.Add(-3 * time.Hour).Truncate(15 * time.Minute)
	return []meetingSpec{
		{title: ScriptedSoonTitle, start: soon, dur: 15 * time.Minute, link: linkTeams, attendees: []string{"priya.shah"}},
		{title: ScriptedMovingTitle, start: g.at(g.workday(1), 14, 0), dur: 45 * time.Minute, link: linkZoom,
			attendees: []string{"kim@fabrikam.example", "jamie.lee"}, change: changeMove},
		{title: ScriptedCancelledTitle, start: g.at(g.workday(1), 10, 0), dur: time.Hour, link: linkTeams,
			organiser: "omar@northwind.example", attendees: []string{"tom.becker"}, response: "accepted", change: changeCancel},
		{title: "Morning triage", start: ended, dur: 30 * time.Minute, link: linkTeams, organiser: "noor.haddad",
			attendees: []string{"li.wei"}, response: "accepted"},
		{title: "Company offsite", start: g.workday(3), allDay: true, organiser: "sofia.rossi", response: "accepted"},
		{title: "Lunch with Priya", start: g.at(g.workday(1), 12, 30), dur: time.Hour, organiser: "priya.shah", response: "accepted"},
		{title: "Advisory call", start: g.at(g.workday(2), 15, 30), dur: 30 * time.Minute, link: linkMeet,
			organiser: "ana@adatum.example", response: "tentativelyAccepted"},
		{title: "Design review", start: g.at(g.workday(2), 11, 0), dur: time.Hour, link: linkTeams,
			attendees: []string{"jamie.lee", "li.wei", "sofia.rossi"}},
		{title: "Vendor demo", start: g.at(g.workday(3), 16, 0), dur: 45 * time.Minute, link: linkZoom,
			organiser: "ben@tailspin.example", attendees: []string{"tom.becker"}, response: "declined"},
		{title: "Canceled: Budget sync", start: g.at(g.workday(2), 9, 0), dur: 30 * time.Minute, link: linkTeams,
			organiser: "tom.becker", response: "accepted", cancelled: true},
		{title: "Old 1:1 slot", start: g.at(g.workday(4), 8, 30), dur: 30 * time.Minute, link: linkTeams,
			organiser: "jamie.lee", response: "accepted", deleted: true},
		{title: "Fabrikam escalation", start: g.at(g.workday(4), 13, 0), dur: 30 * time.Minute, link: linkWrapped,
			attendees: []string{"kim@fabrikam.example", "priya.shah"}},
		{title: "Partner check-in", start: g.at(g.workday(4), 9, 0), dur: 30 * time.Minute, link: linkWebex,
			organiser: "kim@fabrikam.example", response: "none"},
		{title: "Quarterly business review", start: g.at(g.workday(5), 10, 0), dur: 90 * time.Minute, link: linkTeams,
			organiser: "tom.becker", attendees: []string{"omar@northwind.example", "sofia.rossi"}, response: "accepted"},
	}
}

// random is a filler meeting a week or more ahead, so the scripted week
// stays as written.
func (g *generator) random() *event {
	k := pickKind(g.rng)
	title := subjects[k][g.rng.IntN(len(subjects[k]))]
	date := g.today.AddDate(0, 0, 7+g.rng.IntN(21))
	spec := meetingSpec{
		title:     title,
		start:     g.at(date, 8+g.rng.IntN(10), 15*g.rng.IntN(4)),
		dur:       time.Duration(2+g.rng.IntN(3)) * 15 * time.Minute,
		attendees: pickAttendees(g.rng, k),
	}
	if g.rng.IntN(3) == 0 && len(spec.attendees) > 0 {
		spec.organiser, spec.attendees = spec.attendees[0], spec.attendees[1:]
		spec.response = []string{"accepted", "tentativelyAccepted", "none", "declined"}[g.rng.IntN(4)]
	}
	switch k {
	case kindTeams, kindCancelled, kindDeleted, kindEnded:
		spec.link = linkTeams
	case kindZoom:
		spec.link = linkZoom
	case kindMeet:
		spec.link = linkMeet
	case kindWrapped:
		spec.link = linkWrapped
	case kindAllDay:
		spec.start, spec.allDay, spec.attendees, spec.organiser = date, true, nil, ""
	}
	switch k {
	case kindCancelled:
		spec.cancelled, spec.title = true, "Canceled: "+title
	case kindDeleted:
		spec.deleted = true
	case kindEnded:
		// Over already: for the "has ended" rule (recall-api.md §4.1).
		spec.start = g.now.Add(-time.Duration(2+g.rng.IntN(20)) * time.Hour).Truncate(15 * time.Minute)
	}
	return g.meeting(spec, "")
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
	case p < 98:
		return kindEnded
	default:
		return kindWrapped
	}
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

// meeting turns a spec into an event with its Graph payload. link, when
// set, is the join URL to use (the stand-up series shares one).
func (g *generator) meeting(sp meetingSpec, link string) *event {
	e := &event{start: sp.start, end: sp.start.Add(sp.dur), isDeleted: sp.deleted}
	if sp.allDay {
		e.end = sp.start.AddDate(0, 0, 1)
	}
	var joinURL, bodyLink, provider string
	switch sp.link {
	case linkTeams:
		if link == "" {
			link = teamsLink(g.rng)
		}
		e.meetingURL, e.meetingPlatfm = ptr(link), ptr("microsoft_teams")
		joinURL, provider = link, "teamsForBusiness"
	case linkZoom:
		link = fmt.Sprintf("https://us02web.zoom.us/j/8%010d", g.rng.Int64N(1e10))
		e.meetingURL, e.meetingPlatfm = ptr(link), ptr("zoom")
		bodyLink = link
	case linkMeet:
		link = "https://meet.google.com/" + letters(g.rng, 3) + "-" + letters(g.rng, 4) + "-" + letters(g.rng, 3)
		e.meetingURL, e.meetingPlatfm = ptr(link), ptr("google_meet")
		bodyLink = link
	case linkWebex:
		link = "https://fabrikam.webex.com/fabrikam/j.php?MTID=m" + letters(g.rng, 32)
		e.meetingURL, e.meetingPlatfm = ptr(link), ptr("webex")
		bodyLink = link
	case linkWrapped:
		// meeting_url stays null while onlineMeeting.joinUrl is set
		// (recall-api.md §3.4).
		joinURL, provider = "https://nam12.safelinks.protection.outlook.com/?url="+url.QueryEscape(teamsLink(g.rng))+"&data=05", "teamsForBusiness"
	}
	address := func(a string) string {
		if strings.Contains(a, "@") {
			return a
		}
		return a + "@" + g.domain
	}
	organiser, mine := g.owner, sp.organiser == ""
	if !mine {
		organiser = address(sp.organiser)
	}
	response := "organizer"
	if !mine {
		response = sp.response
	}
	raw := map[string]any{
		"subject":               sp.title,
		"start":                 g.graphTime(e.start, sp.allDay),
		"end":                   g.graphTime(e.end, sp.allDay),
		"isAllDay":              sp.allDay,
		"isCancelled":           sp.cancelled,
		"isOrganizer":           mine,
		"showAs":                "busy",
		"type":                  "singleInstance",
		"isOnlineMeeting":       joinURL != "",
		"onlineMeetingProvider": "unknown",
		"onlineMeeting":         nil,
		"organizer":             map[string]any{"emailAddress": map[string]any{"name": nameOf(organiser), "address": organiser}},
		"responseStatus":        map[string]any{"response": response, "time": "0001-01-01T00:00:00Z"},
		"bodyPreview":           "",
	}
	if sp.allDay {
		raw["showAs"] = "free"
	}
	if joinURL != "" {
		raw["onlineMeetingProvider"] = provider
		raw["onlineMeeting"] = map[string]any{"joinUrl": joinURL}
	}
	if bodyLink != "" {
		raw["bodyPreview"] = "Join the meeting: " + bodyLink
	}
	// Graph lists every invitee, the owner included when someone else
	// organises; the organiser is not among them.
	invitees := make([]string, 0, len(sp.attendees)+1)
	for _, a := range sp.attendees {
		invitees = append(invitees, address(a))
	}
	if !mine {
		invitees = append(invitees, g.owner)
	}
	if len(invitees) > 0 {
		list := make([]any, 0, len(invitees))
		for _, addr := range invitees {
			status := []string{"accepted", "tentativelyAccepted", "none", "declined"}[g.rng.IntN(4)]
			if addr == g.owner {
				status = response
			}
			list = append(list, map[string]any{
				"type":         "required",
				"status":       map[string]any{"response": status},
				"emailAddress": map[string]any{"name": nameOf(addr), "address": addr},
			})
		}
		raw["attendees"] = list
	}
	e.raw = raw
	return e
}

// graphTime is a Graph dateTimeTimeZone. Timed events come in UTC; an
// all-day event carries its local midnight and zone, which is where its
// calendar date lives.
func (g *generator) graphTime(t time.Time, allDay bool) map[string]any {
	return graphTimeIn(t, allDay, g.loc)
}

func graphTimeIn(t time.Time, allDay bool, loc *time.Location) map[string]any {
	const layout = "2006-01-02T15:04:05.0000000"
	if allDay {
		return map[string]any{"dateTime": t.In(loc).Format(layout), "timeZone": loc.String()}
	}
	return map[string]any{"dateTime": t.UTC().Format(layout), "timeZone": "UTC"}
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
