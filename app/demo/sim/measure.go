package sim

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// Endpoint classes, each with its own per-workspace limit per minute
// (recall-api.md §6.2).
type class int

const (
	classListCalendars class = iota
	classCalendars
	classListEvents
	classRetrieveEvent
	classBots
	classCount
)

var classNames = [classCount]string{
	classListCalendars: "List Calendars",
	classCalendars:     "Retrieve/Create/Update Calendar",
	classListEvents:    "List Calendar Events",
	classRetrieveEvent: "Retrieve Calendar Event",
	classBots:          "Schedule/Unschedule Bot",
}

var classLimits = [classCount]int{
	classListCalendars: 60,
	classCalendars:     meetings.RetrieveCalendarPerMinute,
	classListEvents:    meetings.ListEventsPerMinute,
	classRetrieveEvent: 300,
	classBots:          meetings.BotsPerMinute,
}

func classify(method, path string) class {
	switch {
	case strings.HasSuffix(path, "/bot/"):
		return classBots
	case path == "/api/v2/calendar-events/":
		return classListEvents
	case strings.HasPrefix(path, "/api/v2/calendar-events/"):
		return classRetrieveEvent
	case path == "/api/v2/calendars/" && method == http.MethodGet:
		return classListCalendars
	}
	return classCalendars
}

// metrics collects what the fake answered, when, and what the installs
// did with it.
type metrics struct {
	mu        sync.Mutex
	accepted  [classCount][]time.Time // counted against the limit
	throttled [classCount][]time.Time // 429
	outage    int                     // answered 503 during the outage
	connected int                     // installs with a calendar after the rollout
	scriptErr []error

	fresh      []freshSample
	superseded int
	checks     [checkClasses]checkCounts
}

type freshSample struct {
	d      time.Duration
	steady bool
}

func newMetrics() *metrics { return &metrics{} }

// record is the fake's OnRequest hook. A 429 and the outage's gateway 503
// never reach Recall's counter; everything else counts against the limit.
func (m *metrics) record(r recallapi.RequestRecord) {
	c := classify(r.Method, r.Path)
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	switch r.Status {
	case http.StatusTooManyRequests:
		m.throttled[c] = append(m.throttled[c], now)
	case http.StatusServiceUnavailable:
		m.outage++
	default:
		m.accepted[c] = append(m.accepted[c], now)
	}
}

func (m *metrics) scriptError(err error) {
	m.mu.Lock()
	m.scriptErr = append(m.scriptErr, err)
	m.mu.Unlock()
}

// ---- freshness: from a change in Recall to the install showing it ----

// expectation is what an install's view shows once it has acted on a
// change: the meeting gone, or cancelled with no bot waiting, or at its
// new start (and on its new platform) with the bot scheduled when the rule
// records it.
type expectation struct {
	at        time.Time
	what      string
	steady    bool
	gone      bool
	cancelled bool
	start     string
	platform  string
	record    bool
}

func (e *expectation) metBy(v *meetings.MeetingView) bool {
	switch {
	case e.gone:
		return v == nil
	case v == nil:
		return false
	case e.cancelled:
		// No bot waiting; or Recall had already sent it (405), which the
		// install learnt by trying.
		return v.Cancelled && (v.Bot == meetings.BotNone || v.Bot == meetings.BotInMeeting)
	}
	return v.Start == e.start && (e.platform == "" || v.Platform == e.platform) &&
		(!e.record || v.Bot == meetings.BotScheduled || v.Bot == meetings.BotInMeeting)
}

// expect registers a change for in's tracker, while its background
// helper runs (changes made while the computer is off are the miss
// check's business).
func (w *world) expect(in *install, id string, e *expectation) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.proc == nil || in.proc.runner != meetings.ByBackground {
		return
	}
	if _, ok := in.pending[id]; ok {
		w.metrics.mu.Lock()
		w.metrics.superseded++
		w.metrics.mu.Unlock()
	}
	in.pending[id] = e
}

// acted is every view the install's meetings Service publishes: each
// pending change the view now shows is done.
func (w *world) acted(in *install, v meetings.View) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.pending) == 0 {
		return
	}
	now := time.Now()
	byID := make(map[string]*meetings.MeetingView, len(v.Meetings))
	for i := range v.Meetings {
		byID[v.Meetings[i].ID] = &v.Meetings[i]
	}
	for id, e := range in.pending {
		if !e.metBy(byID[id]) {
			continue
		}
		delete(in.pending, id)
		w.metrics.mu.Lock()
		w.metrics.fresh = append(w.metrics.fresh, freshSample{d: now.Sub(e.at), steady: e.steady})
		w.metrics.mu.Unlock()
	}
}

// steady: a change made at t can be acted on in steady running: after
// the storm, and a freshness bound clear of the outage.
func (w *world) steady(t time.Time) bool {
	tl := w.timing
	return (!t.Before(tl.stormEnd) && t.Before(tl.outage.Add(-tl.bound))) || (!t.Before(tl.recovered) && t.Before(tl.end))
}

// ---- bots missed ----

// Which meetings a polling design can be held to, ten minutes before
// they start.
type checkClass int

const (
	// covered: the app was running and reachable long enough after the
	// meeting's last change (the freshness bound) before the deadline.
	covered checkClass = iota
	// outageHit: covered, but for the ten minutes Recall was down.
	outageHit
	// late: changed later than the bound before the deadline (counting
	// only time the app was running): booked or moved at short notice,
	// or while the computer was off.
	late
	checkClasses
)

var checkNames = [checkClasses]string{covered: "covered", outageHit: "outage", late: "late"}

type checkCounts struct {
	meetings int // checked
	needBot  int // should have a bot
	missed   int // should have and had not
	stray    int // should not have one and a waiting bot was still there
	rescued  int // missed at the deadline, there before the bot was due to join
}

// check is the deadline of one meeting: does Recall have the bot it
// should, with the current start and link?
func (w *world) check(c copyRef, start, deadline time.Time) {
	snap, ok := w.fake.Event(c.id)
	if !ok || !snap.Start.Equal(start) {
		return // moved since: the new start has its own check
	}
	ch := w.diaries.lastChange[c.id]
	if !ch.botStart.IsZero() {
		// The bot it had when it changed is sent a minute before the
		// start it was scheduled for (a moved meeting's old start), after
		// which Recall refuses to change it (405): the change had to be
		// acted on by then.
		deadline = earliestOf(deadline, ch.botStart.Add(-recallapi.BotDispatchLead))
	}
	class := w.classify(c.in, ch.at, deadline)
	should := shouldRecord(snap)
	has := snap.BotID != "" && snap.BotKey == wantKey(snap)
	w.metrics.mu.Lock()
	cc := &w.metrics.checks[class]
	cc.meetings++
	switch {
	case should:
		cc.needBot++
		if !has {
			cc.missed++
		}
	case snap.BotID != "" && keyStart(snap.BotKey).Add(-recallapi.BotDispatchLead).After(time.Now()):
		cc.stray++ // a bot still waiting to join a meeting not to record
	}
	w.metrics.mu.Unlock()
	if should && !has {
		// Did it arrive before Recall sends the bot (a minute ahead)?
		w.at(start.Add(-recallapi.BotDispatchLead), func() {
			if s, ok := w.fake.Event(c.id); ok && s.Start.Equal(start) && s.BotID != "" && s.BotKey == wantKey(s) {
				w.metrics.mu.Lock()
				w.metrics.checks[class].rescued++
				w.metrics.mu.Unlock()
			}
		})
	}
}

func earliestOf(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// classify decides what could be expected of in for a meeting last
// changed at changed (zero: before the rollout) with this deadline.
func (w *world) classify(in *install, changed, deadline time.Time) checkClass {
	in.mu.Lock()
	periods := append([]period(nil), in.running...)
	in.mu.Unlock()
	if coveredBy(periods, changed, deadline, w.timing.bound) {
		return covered
	}
	// The same periods with the outage ignored.
	var whole []period
	for _, p := range periods {
		if n := len(whole); n > 0 && whole[n-1].to.Equal(w.timing.outage) && p.from.Equal(w.timing.outage.Add(outageLength)) {
			whole[n-1].to = p.to
			continue
		}
		whole = append(whole, p)
	}
	if coveredBy(whole, changed, deadline, w.timing.bound) {
		return outageHit
	}
	return late
}

// coveredBy: in one running period, the install had the bound's time
// after the change (or its start-up bound, for a change made before it
// started) before the deadline.
func coveredBy(periods []period, changed, deadline time.Time, bound time.Duration) bool {
	for _, p := range periods {
		var ready time.Time
		switch {
		case changed.Before(p.from):
			ready = p.from.Add(p.startBound)
		case changed.Before(p.to):
			ready = changed.Add(bound)
		default:
			continue
		}
		if !ready.After(p.to) && !ready.After(deadline) {
			return true
		}
	}
	return false
}
