package sim

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// eventsPerCalendar is each calendar's diary when it connects: the fake's
// generator gives a weekday stand-up, a scripted week (Teams, Zoom, Meet,
// Webex and Safe Links links, no link, all-day, declined, tentative,
// cancelled and deleted meetings) and a few meetings further out.
const eventsPerCalendar = 30

// meeting is one meeting as the script knows it: one event per calendar
// it is on (colleagues on one key each have their copy, and one bot when
// their installs use the same deduplication key).
type meeting struct {
	copies    []copyRef
	start     time.Time
	dur       time.Duration
	link      string
	allDay    bool
	cancelled bool
}

// lastChange is when the script last changed an event, and the start of
// the bot Recall had on it then (zero when none): that bot is sent a minute
// before that start, whatever the meeting's time now (Recall does not move
// bots), and cannot be changed after.
type lastChange struct {
	at       time.Time
	botStart time.Time
}

type copyRef struct {
	in *install
	id string
}

// diaries are every install's meetings, plus what the miss check needs.
type diaries struct {
	byInstall  [][]*meeting
	lastChange map[string]lastChange // event id → the script's last change of it
}

// loadDiaries reads the calendars Recall generated on the rollout day,
// then queues the day's changes and a check of every meeting before it
// starts.
func (w *world) loadDiaries() {
	d := &diaries{byInstall: make([][]*meeting, len(w.installs)), lastChange: map[string]lastChange{}}
	w.diaries = d
	byCal := map[string]*install{}
	for _, in := range w.installs {
		in.mu.Lock()
		if in.calID != "" {
			byCal[in.calID] = in
		}
		in.mu.Unlock()
	}
	w.metrics.connected = len(byCal)
	for _, e := range w.fake.Events("") {
		in := byCal[e.CalendarID]
		if in == nil || e.Deleted {
			continue
		}
		m := &meeting{
			copies:    []copyRef{{in: in, id: e.ID}},
			start:     e.Start,
			dur:       e.End.Sub(e.Start),
			link:      linkOf(e),
			allDay:    e.AllDay,
			cancelled: e.Cancelled,
		}
		d.byInstall[in.n] = append(d.byInstall[in.n], m)
		w.queueCheck(m.copies[0], e.Start)
	}

	night := day0.Add(nightFrom)
	morning := day1.Add(morningFrom)
	last := w.timing.end.Add(-changeCutoff)
	for _, in := range w.installs {
		in := in
		if in.calID == "" {
			continue
		}
		for _, t := range w.poisson(night, morning, nightChanges/morning.Sub(night).Hours()) {
			w.at(t, func() { w.change(in, true) })
		}
		for _, t := range w.poisson(morning, last, changesPerDay) {
			w.at(t, func() { w.change(in, false) })
		}
	}
}

// poisson draws the times of a Poisson process of rate perHour in [from, to).
func (w *world) poisson(from, to time.Time, perHour float64) []time.Time {
	var out []time.Time
	t := from
	for {
		u := w.rng.float()
		gap := time.Duration(-math.Log(1-u) / perHour * float64(time.Hour))
		t = t.Add(gap)
		if !t.Before(to) {
			return out
		}
		out = append(out, t)
	}
}

// change makes one edit to in's diary, as the person or an organiser
// would in Outlook; night edits happen while the computer is off.
func (w *world) change(in *install, night bool) {
	p := w.rng.float()
	switch {
	case night && p < 0.6, !night && p < 0.4:
		w.book(in)
	case night && p < 0.8, !night && p < 0.65:
		w.move(in)
	case night, p < 0.85:
		w.cancel(in)
	case p < 0.9:
		w.remove(in)
	default:
		w.relink(in)
	}
}

// Booking lead times: an ad-hoc call minutes ahead, later today, or later
// in the week (all within the 7-day list).
func (w *world) lead() time.Duration {
	switch p := w.rng.float(); {
	case p < 0.10:
		return 5*time.Minute + w.rng.duration(25*time.Minute)
	case p < 0.30:
		return 30*time.Minute + w.rng.duration(90*time.Minute)
	case p < 0.55:
		return 2*time.Hour + w.rng.duration(6*time.Hour)
	default:
		return 24*time.Hour + w.rng.duration(5*24*time.Hour)
	}
}

var outsiders = []string{"kim@fabrikam.example", "omar@northwind.example", "ana@adatum.example", "ben@tailspin.example", "jo.weber@" + orgDomain}

func (w *world) book(in *install) {
	now := time.Now()
	start := now.Add(w.lead()).Truncate(5 * time.Minute).Add(5 * time.Minute)
	dur := 30 * time.Minute
	if w.rng.float() < 0.4 {
		dur = time.Hour
	}
	m := &meeting{start: start, dur: dur, link: w.newLink(w.rng.float() < 0.8)}
	if w.rng.float() < 0.1 {
		m.link = ""
	}
	// Colleagues on the same key get their own copy, with the same link.
	guests := []*install{in}
	if w.rng.float() < 0.3 {
		for k := 1 + w.rng.intN(3); k > 0; k-- {
			if g := w.installs[w.rng.intN(len(w.installs))]; g.calID != "" && !containsInstall(guests, g) {
				guests = append(guests, g)
			}
		}
	}
	owner := len(guests) > 1 || w.rng.float() < 0.5
	for i, g := range guests {
		ne := recallapi.NewEvent{
			Title: "Booked " + now.Format("15:04"), Start: start, End: start.Add(dur), MeetingURL: m.link,
			Attendees: []string{outsiders[w.rng.intN(len(outsiders))]},
		}
		switch {
		case i == 0 && owner:
			ne.Organizer = g.email
		case i == 0:
			ne.Organizer = outsiders[w.rng.intN(len(outsiders))]
			ne.Response = w.response(true)
		default:
			ne.Organizer = in.email
			ne.Response = w.response(false)
		}
		id, err := w.fake.AddEvent(g.calID, ne)
		if err != nil {
			w.metrics.scriptError(err)
			continue
		}
		c := copyRef{in: g, id: id}
		m.copies = append(m.copies, c)
		w.diaries.byInstall[g.n] = append(w.diaries.byInstall[g.n], m)
	}
	w.changed(m, "booked")
}

// response is the person's answer to an invitation.
func (w *world) response(mayDecline bool) string {
	switch p := w.rng.float(); {
	case p < 0.6:
		return "accepted"
	case p < 0.8:
		return "tentativelyAccepted"
	case p < 0.95 || !mayDecline:
		return "none"
	}
	return "declined"
}

// upcoming picks one of in's timed meetings that starts between 20
// minutes and 6 days from now (nil when there is none).
func (w *world) upcoming(in *install, withLink bool) *meeting {
	now := time.Now()
	var pick []*meeting
	for _, m := range w.diaries.byInstall[in.n] {
		if m.allDay || m.cancelled || len(m.copies) == 0 || (withLink && m.link == "") ||
			m.start.Before(now.Add(20*time.Minute)) || m.start.After(now.Add(6*24*time.Hour)) {
			continue
		}
		pick = append(pick, m)
	}
	if len(pick) == 0 {
		return nil
	}
	return pick[w.rng.intN(len(pick))]
}

var moves = []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, -24 * time.Hour, 24 * time.Hour, 48 * time.Hour}

// move reschedules a meeting for everyone on it, as its organiser does.
func (w *world) move(in *install) {
	m := w.upcoming(in, false)
	if m == nil {
		return
	}
	now := time.Now()
	by := moves[w.rng.intN(len(moves))]
	if to := m.start.Add(by); to.Before(now.Add(5*time.Minute)) || to.After(now.Add(6*24*time.Hour+12*time.Hour)) {
		by = -by
	}
	for _, c := range m.copies {
		if err := w.fake.MoveEvent(c.id, by); err != nil {
			w.metrics.scriptError(err)
		}
	}
	m.start = m.start.Add(by)
	w.changed(m, "moved")
}

// keyStart is the start time a deduplication key was made for (zero for
// none): keys are "<start as RFC 3339>-<link>".
func keyStart(key string) time.Time {
	const n = len("2006-01-02T15:04:05Z")
	if len(key) < n {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, key[:n])
	if err != nil {
		return time.Time{}
	}
	return t
}

// cancel is the organiser cancelling: the event stays, marked cancelled.
func (w *world) cancel(in *install) {
	m := w.upcoming(in, false)
	if m == nil {
		return
	}
	for _, c := range m.copies {
		if err := w.fake.CancelEvent(c.id); err != nil {
			w.metrics.scriptError(err)
		}
	}
	m.cancelled = true
	w.changed(m, "cancelled")
}

// remove is the person deleting the meeting from their own calendar.
func (w *world) remove(in *install) {
	m := w.upcoming(in, false)
	if m == nil {
		return
	}
	for i, c := range m.copies {
		if c.in != in {
			continue
		}
		if err := w.fake.DeleteEvent(c.id); err != nil {
			w.metrics.scriptError(err)
		}
		m.copies = append(m.copies[:i:i], m.copies[i+1:]...)
		w.changedCopy(c, m, "deleted")
		return
	}
}

// relink moves a meeting to another platform's room (Teams ↔ Zoom).
func (w *world) relink(in *install) {
	m := w.upcoming(in, true)
	if m == nil {
		return
	}
	m.link = w.newLink(!strings.Contains(m.link, "teams"))
	for _, c := range m.copies {
		if err := w.fake.SetMeetingURL(c.id, m.link); err != nil {
			w.metrics.scriptError(err)
		}
	}
	w.changed(m, "relinked")
}

func (w *world) newLink(teams bool) string {
	if teams {
		b := make([]byte, 24)
		for i := range b {
			b[i] = byte('a' + w.rng.intN(26))
		}
		return "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + string(b) + "%40thread.v2/0"
	}
	return fmt.Sprintf("https://us02web.zoom.us/j/8%010d", w.rng.intN(1e9)*10+w.rng.intN(10))
}

func containsInstall(list []*install, in *install) bool {
	for _, x := range list {
		if x == in {
			return true
		}
	}
	return false
}

// changed records a change of every copy of m.
func (w *world) changed(m *meeting, what string) {
	for _, c := range m.copies {
		w.changedCopy(c, m, what)
	}
}

// changedCopy notes when the copy changed (for the miss check), tells
// the install's tracker what it should come to show, and queues the
// check of the meeting's new start.
func (w *world) changedCopy(c copyRef, m *meeting, what string) {
	now := time.Now()
	snap, ok := w.fake.Event(c.id)
	if !ok {
		return
	}
	w.diaries.lastChange[c.id] = lastChange{at: now, botStart: keyStart(snap.BotKey)}
	if what == "booked" || what == "moved" {
		w.queueCheck(c, snap.Start)
	}
	e := &expectation{at: now, what: what, steady: w.steady(now)}
	switch {
	case snap.Deleted:
		e.gone = true
	case snap.Cancelled:
		e.cancelled = true
	default:
		e.start = snap.Start.UTC().Format(time.RFC3339)
		e.platform = platformOf(linkOf(snap))
		e.record = shouldRecord(snap)
	}
	// Only changes the install can show: within its 7-day list, not
	// starting before it could act.
	if !snap.Start.After(now.Add(15*time.Minute)) || !snap.Start.Before(now.Add(meetings.ListHorizon)) {
		return
	}
	w.expect(c.in, c.id, e)
}

// queueCheck looks, ten minutes before start, at whether the meeting has
// the bot it should.
func (w *world) queueCheck(c copyRef, start time.Time) {
	t := start.Add(-checkLead)
	if t.Before(day1.Add(morningFrom-30*time.Minute)) || !t.Before(w.timing.end) {
		return
	}
	w.at(t, func() { w.check(c, start, t) })
}

// shouldRecord is the ground truth for the rule every install uses here,
// "every meeting with a link": not cancelled, not deleted, not all-day,
// not declined, with a link Recall or the Outlook join link gives.
func shouldRecord(e recallapi.EventSnapshot) bool {
	return !e.Deleted && !e.Cancelled && !e.AllDay && e.Response != "declined" && linkOf(e) != ""
}

// linkOf is the link a bot joins: meeting_url, else the Outlook join
// link with any Safe Links wrapper removed.
func linkOf(e recallapi.EventSnapshot) string {
	if e.MeetingURL != "" {
		return e.MeetingURL
	}
	u, err := url.Parse(e.JoinURL)
	if err != nil || e.JoinURL == "" {
		return ""
	}
	if strings.HasSuffix(strings.ToLower(u.Hostname()), "safelinks.protection.outlook.com") {
		return u.Query().Get("url")
	}
	return e.JoinURL
}

// wantKey is the deduplication key a correct bot has (contracts.md).
func wantKey(e recallapi.EventSnapshot) string {
	return e.Start.UTC().Format(time.RFC3339) + "-" + linkOf(e)
}

func platformOf(link string) string {
	switch {
	case link == "":
		return meetings.PlatformNone
	case strings.Contains(link, "teams.microsoft.com"):
		return meetings.PlatformTeams
	case strings.Contains(link, "zoom.us"):
		return meetings.PlatformZoom
	}
	return ""
}
