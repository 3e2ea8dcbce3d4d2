package meetings

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// Meeting is the part of a Recall calendar event the rules, the scheduler
// and the UI need; the rest of Recall's copy of the Outlook event (body,
// locations, web links) is never stored.
type Meeting struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Title string    `json:"title,omitempty"`
	// URL is the link a bot joins: Recall's meeting_url, else the Teams,
	// Zoom, Meet or Webex link behind onlineMeeting.joinUrl (often wrapped
	// by Safe Links, recall-api.md §3.4). "" means no link.
	URL string `json:"url,omitempty"`
	// URLInConfig: Recall did not recognise URL, so bot_config must carry
	// it as meeting_url (recall-api.md §3.4).
	URLInConfig bool   `json:"urlInConfig,omitempty"`
	Platform    string `json:"platform"`
	Organizer   string `json:"organizer,omitempty"`
	IsOrganizer bool   `json:"isOrganizer,omitempty"`
	// Attendees are the first maxStoredAttendees invitees (rooms left
	// out); MoreAttendees counts the rest by email domain, so the number
	// of outside guests stays exact while the file stays small.
	Attendees     []Attendee     `json:"attendees,omitempty"`
	MoreAttendees map[string]int `json:"moreAttendees,omitempty"`
	// Response is the person's own answer: accepted, tentative, declined,
	// none or organizer.
	Response   string `json:"response"`
	Cancelled  bool   `json:"cancelled,omitempty"`
	AllDay     bool   `json:"allDay,omitempty"`
	AllDayDate string `json:"allDayDate,omitempty"`
	SeriesID   string `json:"seriesId,omitempty"`
	// Bots are the bots Recall has attached to this event.
	Bots []Bot `json:"bots,omitempty"`
	// UpdatedAt is Recall's updated_at (server time).
	UpdatedAt time.Time `json:"updatedAt"`
	// Sched is the scheduler's bookkeeping for this meeting.
	Sched Sched `json:"sched,omitzero"`
}

// Attendee is one invitee.
type Attendee struct {
	Email    string `json:"email"`
	Response string `json:"response,omitempty"` // as Meeting.Response
}

// Bot is a bot Recall has attached to an event.
type Bot struct {
	ID    string    `json:"id"`
	Key   string    `json:"key"` // deduplication key
	Start time.Time `json:"start,omitzero"`
	URL   string    `json:"url,omitempty"`
}

// Sched is what the scheduler remembers about a meeting between runs.
type Sched struct {
	// Config is the bot_config (as canonical JSON) Recall accepted for the
	// bot with the meeting's current key; a different one means the bot
	// must be scheduled again (Recall has no partial update, §4.1).
	Config string `json:"config,omitempty"`
	// InMeeting: Recall said the bot has been dispatched (405), so it can
	// no longer be changed.
	InMeeting bool `json:"inMeeting,omitempty"`
	// Ended: Recall said the event has ended (400), whatever our clock says.
	Ended bool `json:"ended,omitempty"`
	// Problem is the last failed schedule or unschedule, shown on the
	// meeting until a call succeeds.
	Problem *problem.Problem `json:"problem,omitempty"`
	// Failures counts failed calls in a row; RetryAt is when the next one
	// may be made.
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retryAt,omitzero"`
}

// Platforms as the UI names them (contracts.md: MeetingPlatform).
const (
	PlatformTeams = "teams"
	PlatformZoom  = "zoom"
	PlatformMeet  = "meet"
	PlatformWebex = "webex"
	PlatformOther = "other"
	PlatformNone  = "none"
)

var platformLabels = map[string]string{
	PlatformTeams: "Microsoft Teams",
	PlatformZoom:  "Zoom",
	PlatformMeet:  "Google Meet",
	PlatformWebex: "Webex",
	PlatformOther: "Other link",
	PlatformNone:  "No meeting link",
}

// Responses as the UI names them.
const (
	ResponseAccepted  = "accepted"
	ResponseTentative = "tentative"
	ResponseDeclined  = "declined"
	ResponseNone      = "none"
	ResponseOrganizer = "organizer"
)

// Bounds on what one meeting may put in the cache file, which app/store
// reads only up to 1 MiB.
const (
	maxStoredAttendees = 30
	maxTitleRunes      = 300
	maxURLBytes        = 2000 // Recall's limit on a deduplication key (§4.1)
)

// meetingFrom converts a Recall event. account is the calendar's email,
// which decides who "I" am when Graph's own flags are missing.
func meetingFrom(e recall.Event, account string) Meeting {
	account = strings.ToLower(strings.TrimSpace(account))
	m := Meeting{
		ID:         e.ID,
		Start:      e.StartTime.UTC(),
		End:        e.EndTime.UTC(),
		Title:      clip(e.Title, maxTitleRunes),
		Organizer:  strings.ToLower(e.Organizer),
		Cancelled:  e.IsCancelled,
		AllDay:     e.IsAllDay,
		AllDayDate: e.AllDayDate,
		SeriesID:   e.SeriesMasterID,
		UpdatedAt:  e.UpdatedAt.UTC(),
	}
	if m.End.Before(m.Start) {
		m.End = m.Start
	}
	m.URL, m.URLInConfig, m.Platform = meetingLink(e)

	var ownFromList string
	seen := map[string]bool{}
	for _, a := range e.Attendees {
		email := strings.ToLower(a.Email)
		if a.Type == "resource" || seen[email] || !strings.Contains(email, "@") {
			continue // rooms and equipment are not people
		}
		seen[email] = true
		resp := responseOf(a.Response)
		if email == account {
			ownFromList = resp
		}
		if len(m.Attendees) < maxStoredAttendees {
			m.Attendees = append(m.Attendees, Attendee{Email: email, Response: resp})
			continue
		}
		if m.MoreAttendees == nil {
			m.MoreAttendees = map[string]int{}
		}
		m.MoreAttendees[domainOf(email)]++
	}
	m.IsOrganizer = e.IsOrganizer || e.Response == "organizer" || (account != "" && m.Organizer == account)
	switch {
	case m.IsOrganizer:
		m.Response = ResponseOrganizer
	case e.Response != "":
		m.Response = responseOf(e.Response)
	case ownFromList != "":
		m.Response = ownFromList
	default:
		m.Response = ResponseNone
	}
	for _, b := range e.Bots {
		m.Bots = append(m.Bots, Bot{ID: b.ID, Key: b.DeduplicationKey, Start: b.StartTime.UTC(), URL: b.MeetingURL})
	}
	return m
}

// responseOf maps Graph's response values (recall-api.md §3.4).
func responseOf(graph string) string {
	switch graph {
	case "accepted":
		return ResponseAccepted
	case "tentativelyAccepted":
		return ResponseTentative
	case "declined":
		return ResponseDeclined
	case "organizer":
		return ResponseOrganizer
	}
	return ResponseNone
}

// meetingLink picks the link a bot joins and names its platform. Recall's
// meeting_url comes first; when it is null, a join link Recall could not
// read (typically a Safe Links wrapper) is unwrapped and used if it is on
// a platform Recall's bots join (recall-api.md §3.4, §8).
func meetingLink(e recall.Event) (link string, inConfig bool, platform string) {
	if u := e.MeetingURL; u != "" && len(u) <= maxURLBytes {
		p := platformOfRecall(e.MeetingPlatform)
		if p == "" {
			p = platformOfURL(u)
		}
		return u, false, p
	}
	if j := unwrapSafeLink(e.JoinURL); j != "" && len(j) <= maxURLBytes {
		if p := platformOfURL(j); p != PlatformOther && p != PlatformNone && isHTTPS(j) {
			return j, true, p
		}
	}
	return "", false, PlatformNone
}

func platformOfRecall(p string) string {
	switch p {
	case "microsoft_teams", "microsoft_teams_live":
		return PlatformTeams
	case "zoom", "zoom_rtms":
		return PlatformZoom
	case "google_meet", "google_meet_media_api":
		return PlatformMeet
	case "webex":
		return PlatformWebex
	case "":
		return ""
	}
	return PlatformOther
}

func platformOfURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return PlatformNone
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "teams.microsoft.com" || host == "teams.live.com" || strings.HasSuffix(host, ".teams.microsoft.com"):
		return PlatformTeams
	case host == "zoom.us" || strings.HasSuffix(host, ".zoom.us") || strings.HasSuffix(host, ".zoomgov.com"):
		return PlatformZoom
	case host == "meet.google.com":
		return PlatformMeet
	case strings.HasSuffix(host, ".webex.com"):
		return PlatformWebex
	}
	return PlatformOther
}

// unwrapSafeLink returns the target of a Microsoft Defender Safe Links
// URL (…safelinks.protection.outlook.com/?url=<target>), or link itself.
func unwrapSafeLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return ""
	}
	if strings.HasSuffix(strings.ToLower(u.Hostname()), ".safelinks.protection.outlook.com") {
		return u.Query().Get("url")
	}
	return link
}

func isHTTPS(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func domainOf(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// clip shortens s to n runes, on a rune boundary.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// orgDomains are the organisation's email domains: the account's own plus
// the configured internal ones. A subdomain of one counts as inside.
type orgDomains []string

func newOrgDomains(account string, internal []string) orgDomains {
	var out orgDomains
	add := func(d string) {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d == "" {
			return
		}
		for _, have := range out {
			if have == d {
				return
			}
		}
		out = append(out, d)
	}
	add(domainOf(account))
	for _, d := range internal {
		add(d)
	}
	return out
}

func (o orgDomains) inside(domain string) bool {
	for _, d := range o {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// externalCount counts the people in the meeting, organiser included,
// whose domain is outside the organisation. With no domain known (no
// account yet) nobody counts as outside: the rule then records nothing
// rather than everything.
func (o orgDomains) externalCount(m *Meeting, account string) int {
	if len(o) == 0 {
		return 0
	}
	account = strings.ToLower(account)
	n := 0
	counted := map[string]bool{}
	count := func(email string) {
		if email == "" || email == account || counted[email] {
			return
		}
		counted[email] = true
		if !o.inside(domainOf(email)) {
			n++
		}
	}
	count(m.Organizer)
	for _, a := range m.Attendees {
		count(a.Email)
	}
	for d, c := range m.MoreAttendees {
		if !o.inside(d) {
			n += c
		}
	}
	return n
}
