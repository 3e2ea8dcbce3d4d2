package sim

import (
	"container/heap"
	"errors"
	"fmt"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/meetings"
)

// Span is how much of the day after the rollout is simulated.
type Span int

const (
	// Short is the version `make test` runs: half an hour of steady
	// running on each side of the outage.
	Short Span = iota
	// Full is the version `make bench` runs: an hour and a half before
	// the outage, three hours after it has been absorbed.
	Full
)

func (s Span) String() string {
	if s == Full {
		return "full"
	}
	return "short"
}

// Config is one simulated organisation.
type Config struct {
	// Installs is the number of people running the app on one Recall key.
	Installs int
	// ExpectedInstalls is what the admin declared (0: Installs, as the
	// README tells IT to set it).
	ExpectedInstalls int
	Span             Span
	// Seed makes the run repeatable: every random choice (who connects
	// when, jitter, latency, each diary and its changes) derives from it.
	Seed uint64
}

// The day: a Monday rollout, then the Tuesday the figures are about.
var (
	day0 = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	day1 = day0.AddDate(0, 0, 1)
)

// Timeline constants.
const (
	rolloutEnd       = 17 * time.Hour                // day 0: people connect until 17:00…
	rolloutPerMinute = 10                            // …ten a minute at most
	logoffAt         = 17*time.Hour + 30*time.Minute // day 0: and log off from 17:30…
	logoffSpread     = 30 * time.Minute              // …to 18:00
	loginAt          = 9 * time.Hour                 // day 1: every computer starts 9:00…
	loginSpread      = 5 * time.Minute               // …to 9:05: the login storm
	outageLength     = 10 * time.Minute              // every request fails
	stormMargin      = 2 * time.Minute               // after the last first sync is due
	actMargin        = 2 * time.Minute               // request latency and a batch of bot calls
	firstLoadBy      = 5 * time.Minute               // a new connection loads and schedules at once
	checkLead        = meetings.TooSoon              // a bot must be there 10 minutes before the start
	changeCutoff     = 20 * time.Minute              // no changes in the last minutes of the run
	nightFrom        = 18*time.Hour + 30*time.Minute
	morningFrom      = 8*time.Hour + 30*time.Minute
)

// The window: a fifth of the people open it once during the day, for ten
// to forty minutes, switching to it every two to eight minutes; a third of
// them click "Check now" once.
const (
	windowShare   = 0.2
	windowMin     = 10 * time.Minute
	windowMax     = 40 * time.Minute
	focusMin      = 2 * time.Minute
	focusMax      = 8 * time.Minute
	checkNowShare = 1.0 / 3
)

// Changes per install: one overnight on average, and one every two hours
// during the day, each a booking, a move, a cancellation, a deletion or a
// new link (diary.go).
const (
	nightChanges  = 1.0
	changesPerDay = 0.5 // per hour
)

// world is one run: the fake Recall, the installs, the script.
type world struct {
	cfg      Config
	fake     *recallapi.Server
	net      *network
	rng      *lockedRand // the script's own randomness
	installs []*install
	diaries  *diaries
	metrics  *metrics
	timing   timeline
	queue    eventQueue
	seq      int
}

// timeline is when each part of the day happens; it depends on the
// intervals, which grow with the fleet.
type timeline struct {
	storm, stormEnd time.Time
	outage          time.Time // outage from outage to outage+outageLength
	recovered       time.Time // outage end + freshness bound
	end             time.Time
	bound           time.Duration // freshness bound F
}

// Run simulates cfg and returns its figures. It must run inside a
// testing/synctest bubble (synctest.Test): the fake clock there is what
// lets a day of thousands of installs pass in seconds.
func Run(cfg Config) (*Result, error) {
	if cfg.Installs <= 0 {
		return nil, errors.New("sim: Config.Installs must be positive")
	}
	if cfg.ExpectedInstalls == 0 {
		cfg.ExpectedInstalls = cfg.Installs
	}
	if now := time.Now(); !now.Equal(synctestEpoch) {
		return nil, fmt.Errorf("sim: Run must start in a fresh testing/synctest bubble (clock at %s, not %s)", now, synctestEpoch)
	}
	w := &world{cfg: cfg, rng: newRand(cfg.Seed, 0), net: &network{}}
	w.metrics = newMetrics()
	fake, err := recallapi.NewHandler(recallapi.Options{
		APIKey:            apiKey,
		Seed:              int64(cfg.Seed),
		EventsPerCalendar: eventsPerCalendar,
		StaticEvents:      true, // the script makes the changes
		DiscardRequestLog: true,
		OnRequest:         w.metrics.record,
	}, baseURL)
	if err != nil {
		return nil, err
	}
	w.fake = fake
	w.net.handler = fake.Handler()
	defer fake.Close()

	time.Sleep(time.Until(day0))
	return w.run()
}

// synctestEpoch is where a synctest bubble's clock starts.
var synctestEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (w *world) run() (*Result, error) {
	n := w.cfg.Installs
	w.installs = make([]*install, n)
	for i := range w.installs {
		w.installs[i] = &install{
			n:       i,
			email:   fmt.Sprintf("person%05d@%s", i, orgDomain),
			rng:     newRand(w.cfg.Seed, uint64(i)+1),
			pending: map[string]*expectation{},
		}
	}
	window := w.windowTiming()
	background := w.backgroundTiming()
	w.timing = w.plan(background)

	// Day 0: the rollout. Each person connects in the window, which then
	// schedules until they log off. A first connection lists calendars
	// twice (app/recall's FindOwn, so nobody gets a duplicate), and List
	// Calendars allows 60 a minute for the workspace: people connect at
	// most rolloutPerMinute a minute, as the README tells IT.
	rollout := max(time.Hour, time.Duration(float64(n)/rolloutPerMinute*float64(time.Minute)))
	var failed error
	for _, in := range w.installs {
		in := in
		at := day0.Add(rolloutEnd - rollout + w.rng.duration(rollout))
		off := day0.Add(logoffAt + w.rng.duration(logoffSpread))
		w.at(at, func() {
			if err := in.start(w, meetings.ByWindow, window(), true); err != nil && failed == nil {
				failed = err
			}
			in.running = append(in.running, period{from: at, to: off, startBound: firstLoadBy})
		})
		w.at(off, in.stop)
	}
	// The diaries are read once everyone has connected.
	w.at(day0.Add(logoffAt-time.Second), w.loadDiaries)

	// Day 1: the login storm starts every background helper within five
	// minutes; Recall then fails for ten minutes.
	for _, in := range w.installs {
		in := in
		at := day1.Add(loginAt + w.rng.duration(loginSpread))
		w.at(at, func() {
			if err := in.start(w, meetings.ByBackground, background(), false); err != nil && failed == nil {
				failed = err
			}
			startBound := background().SyncStartSpread + actMargin
			in.running = append(in.running,
				period{from: at, to: w.timing.outage, startBound: startBound},
				period{from: w.timing.outage.Add(outageLength), to: w.timing.end.Add(w.timing.bound + actMargin), startBound: w.timing.bound})
		})
	}
	// Some people open the window during the day: it takes the scheduler
	// over, reads the status at once and syncs when focused.
	for _, in := range w.installs {
		in := in
		if w.rng.float() >= windowShare {
			continue
		}
		open := w.timing.stormEnd.Add(w.rng.duration(w.timing.end.Sub(w.timing.stormEnd) - windowMax))
		closeAt := open.Add(windowMin + w.rng.duration(windowMax-windowMin))
		w.at(open, func() {
			if err := in.openWindow(w, window()); err != nil && failed == nil {
				failed = err
			}
		})
		click := w.rng.float() < checkNowShare
		for t := open.Add(focusMin + w.rng.duration(focusMax-focusMin)); t.Before(closeAt); t = t.Add(focusMin + w.rng.duration(focusMax-focusMin)) {
			checkNow := click
			click = false
			w.at(t, func() { in.focus(checkNow) })
		}
		w.at(closeAt, in.closeWindow)
	}
	w.at(w.timing.outage, w.outageBegins)
	w.at(w.timing.outage.Add(outageLength/2), w.outageRefuses)
	w.at(w.timing.outage.Add(outageLength), w.outageEnds)
	// The figures stop at end; the installs run on for a freshness bound
	// so every change has had its chance to be acted on.
	w.at(w.timing.end.Add(w.timing.bound+actMargin), func() {
		for _, in := range w.installs {
			in.stop()
		}
	})

	w.drain()
	if failed != nil {
		return nil, failed
	}
	return w.result(window, background), nil
}

// windowTiming is what the window passes: the budget's status poll, and
// no spread (the person is looking; a first connection loads at once).
func (w *world) windowTiming() func() Timing {
	return func() Timing {
		b := meetings.NewBudget(w.cfg.ExpectedInstalls)
		return Timing{Budget: b, StatusPollInterval: b.StatusPollInterval()}
	}
}

// backgroundTiming is what the background helper passes at login: its
// first sync and first status read spread over one interval each, so the
// storm costs no more per minute than steady running.
func (w *world) backgroundTiming() func() Timing {
	return func() Timing {
		b := meetings.NewBudget(w.cfg.ExpectedInstalls)
		return Timing{
			Budget:             b,
			StatusPollInterval: b.StatusPollInterval(),
			StatusStartSpread:  b.StatusPollInterval(),
			SyncStartSpread:    b.BaseSyncInterval(),
		}
	}
}

// plan places the storm, the outage and the end, which move later as the
// intervals grow with the fleet.
func (w *world) plan(bg func() Timing) timeline {
	t := bg()
	// The freshness bound of the fleet's real size: what a fleet that
	// declared itself correctly is held to, and what an under-declared
	// one is compared with.
	real := meetings.NewBudget(max(w.cfg.Installs, w.cfg.ExpectedInstalls))
	bound := real.BaseSyncInterval()*115/100 + actMargin
	steadyBefore, steadyAfter := 30*time.Minute, 30*time.Minute
	if w.cfg.Span == Full {
		steadyBefore, steadyAfter = 90*time.Minute, 3*time.Hour
	}
	var tl timeline
	tl.storm = day1.Add(loginAt)
	tl.stormEnd = tl.storm.Add(loginSpread + max(t.SyncStartSpread, t.StatusStartSpread) + stormMargin)
	tl.outage = tl.stormEnd.Add(steadyBefore)
	tl.recovered = tl.outage.Add(outageLength + bound)
	tl.end = tl.recovered.Add(steadyAfter)
	tl.bound = bound
	return tl
}

func (w *world) outageBegins() {
	w.fake.Faults().Add(recallapi.Fault{Status: 503, Times: 1 << 30})
}

func (w *world) outageRefuses() {
	w.fake.Faults().Reset()
	w.net.setRefused(true)
}

func (w *world) outageEnds() { w.net.setRefused(false) }

// ---- the script: a queue of things to do at given times ----

type scheduled struct {
	at  time.Time
	seq int
	fn  func()
}

type eventQueue []scheduled

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(scheduled)) }
func (q *eventQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// at queues fn to run at t (in order of queueing for equal times).
func (w *world) at(t time.Time, fn func()) {
	w.seq++
	heap.Push(&w.queue, scheduled{at: t, seq: w.seq, fn: fn})
}

// drain runs the queue in time order, sleeping (in virtual time) between
// entries, until it is empty.
func (w *world) drain() {
	for w.queue.Len() > 0 {
		next := heap.Pop(&w.queue).(scheduled)
		if d := time.Until(next.at); d > 0 {
			time.Sleep(d)
		}
		next.fn()
	}
}
