package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Result is one run's figures.
type Result struct {
	Config Config
	// The timing the installs ran with (background helper).
	SyncInterval       time.Duration // meetings: the base sync interval I
	StatusPollInterval time.Duration // connect's poll once connected
	SyncStartSpread    time.Duration
	StatusStartSpread  time.Duration
	// Bound is the stated freshness bound F = 1.15 × I + 2 min: a change
	// older than that (while the app runs) must have been acted on.
	Bound time.Duration

	Storm, StormEnd, Outage, Recovered, End time.Time

	// Connected is how many installs had a calendar after the rollout.
	Connected int
	Classes   [classCount]ClassFigures
	// OutageFailures counts requests answered 503 during the outage
	// (refused connections never reach Recall).
	OutageFailures int

	Freshness Freshness
	// Checks are the meetings checked ten minutes before they start, by
	// what could be expected (covered, outage, late).
	Checks [checkClasses]checkCounts

	ScriptErrors []error
}

// ClassFigures are one endpoint class's requests as Recall counted them.
type ClassFigures struct {
	Name  string
	Limit int // per minute, for the whole workspace
	// RolloutPeak is the busiest minute of the rollout day; Peak of the
	// day the figures are about (storm included); SteadyPeak and
	// SteadyMean of its steady part (storm, outage and recovery left out).
	RolloutPeak int
	Peak        int
	SteadyPeak  int
	SteadyMean  float64
	// 429s by part of the run.
	Throttled429 struct{ Rollout, Storm, Steady, Outage int }
}

// Freshness is the time from a change in Recall to the install's view
// showing it acted on (the meeting moved, cancelled with its bot removed,
// or new with its bot scheduled), for changes made while the background
// helper ran.
type Freshness struct {
	Samples   int
	P50, P95  time.Duration
	Max       time.Duration
	SteadyP95 time.Duration // changes made in the steady part
	// Unacted are changes to meetings still ahead that the install had
	// not shown when the run ended: there should be none.
	Unacted int
	// EndedFirst are changes to meetings that were over before the
	// install acted (booked at short notice, or just before the outage).
	EndedFirst int
	Superseded int // changed again before the first change was shown
}

func (w *world) result(window, background func() Timing) *Result {
	bg := background()
	tl := w.timing
	m := w.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &Result{
		Config:             w.cfg,
		SyncInterval:       bg.Budget.BaseSyncInterval(),
		StatusPollInterval: bg.StatusPollInterval,
		SyncStartSpread:    bg.SyncStartSpread,
		StatusStartSpread:  bg.StatusStartSpread,
		Bound:              tl.bound,
		Storm:              tl.storm, StormEnd: tl.stormEnd, Outage: tl.outage, Recovered: tl.recovered, End: tl.end,
		Connected:      m.connected,
		OutageFailures: m.outage,
		Checks:         m.checks,
		ScriptErrors:   m.scriptErr,
	}
	if r.StatusPollInterval == 0 {
		r.StatusPollInterval = defaultStatusPoll
	}
	steadyMinutes := (tl.outage.Sub(tl.stormEnd) + tl.end.Sub(tl.recovered)).Minutes()
	for c := range classCount {
		f := &r.Classes[c]
		f.Name, f.Limit = classNames[c], classLimits[c]
		acc := m.accepted[c]
		f.RolloutPeak = peakPerMinute(acc, day0, day1)
		f.Peak = peakPerMinute(acc, day1, tl.end)
		f.SteadyPeak = max(peakPerMinute(acc, tl.stormEnd, tl.outage), peakPerMinute(acc, tl.recovered, tl.end))
		f.SteadyMean = float64(count(acc, tl.stormEnd, tl.outage)+count(acc, tl.recovered, tl.end)) / steadyMinutes
		th := m.throttled[c]
		f.Throttled429.Rollout = count(th, day0, day1)
		f.Throttled429.Storm = count(th, day1, tl.stormEnd)
		f.Throttled429.Steady = count(th, tl.stormEnd, tl.outage) + count(th, tl.recovered, tl.end)
		f.Throttled429.Outage = count(th, tl.outage, tl.recovered)
	}
	var all, steady []time.Duration
	for _, s := range m.fresh {
		all = append(all, s.d)
		if s.steady {
			steady = append(steady, s.d)
		}
	}
	r.Freshness = Freshness{
		Samples:    len(all),
		P50:        percentile(all, 0.50),
		P95:        percentile(all, 0.95),
		Max:        percentile(all, 1),
		SteadyP95:  percentile(steady, 0.95),
		Superseded: m.superseded,
	}
	now := time.Now()
	for _, in := range w.installs {
		in.mu.Lock()
		for id := range in.pending {
			if snap, ok := w.fake.Event(id); ok && !snap.End.After(now) {
				r.Freshness.EndedFirst++
			} else {
				r.Freshness.Unacted++
			}
		}
		in.mu.Unlock()
	}
	return r
}

// peakPerMinute is the most requests in any 60 seconds within [from, to),
// the window Recall's limit counts (times are in order).
func peakPerMinute(ts []time.Time, from, to time.Time) int {
	lo, _ := slices.BinarySearchFunc(ts, from, time.Time.Compare)
	hi, _ := slices.BinarySearchFunc(ts, to, time.Time.Compare)
	best, i := 0, lo
	for j := lo; j < hi; j++ {
		for ts[j].Sub(ts[i]) >= time.Minute {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

func count(ts []time.Time, from, to time.Time) int {
	lo, _ := slices.BinarySearchFunc(ts, from, time.Time.Compare)
	hi, _ := slices.BinarySearchFunc(ts, to, time.Time.Compare)
	return hi - lo
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}

// Throttled is every 429 of a part of the run, all classes together.
func (r *Result) Throttled(part string) int {
	n := 0
	for _, c := range r.Classes {
		switch part {
		case "rollout":
			n += c.Throttled429.Rollout
		case "storm":
			n += c.Throttled429.Storm
		case "steady":
			n += c.Throttled429.Steady
		case "outage":
			n += c.Throttled429.Outage
		}
	}
	return n
}

// Report is the run's figures as text.
func (r *Result) Report() string {
	var b strings.Builder
	cfg := r.Config
	fmt.Fprintf(&b, "== %d installs on one Recall key (ExpectedInstalls %d), %s span, seed %d\n",
		cfg.Installs, cfg.ExpectedInstalls, cfg.Span, cfg.Seed)
	fmt.Fprintf(&b, "   sync every %s ±15%% (first sync within %s of login); status read every %s (first within %s)\n",
		round(r.SyncInterval), round(r.SyncStartSpread), round(r.StatusPollInterval), round(r.StatusStartSpread))
	fmt.Fprintf(&b, "   day: login storm %s–%s, storm over %s, outage %s–%s, recovered %s, end %s; %d of %d installs connected on the rollout day\n",
		clock(r.Storm), clock(r.Storm.Add(loginSpread)), clock(r.StormEnd), clock(r.Outage), clock(r.Outage.Add(outageLength)),
		clock(r.Recovered), clock(r.End), r.Connected, cfg.Installs)
	fmt.Fprintf(&b, "   %-32s %6s %13s %13s %13s %13s %26s\n", "requests per minute", "limit", "rollout peak", "peak", "steady peak", "steady mean", "429s rollout/storm/steady/outage")
	for _, c := range r.Classes {
		if c.RolloutPeak == 0 && c.Peak == 0 {
			continue
		}
		fmt.Fprintf(&b, "   %-32s %6d %13s %13s %13s %13s %26s\n", c.Name, c.Limit,
			share(float64(c.RolloutPeak), c.Limit), share(float64(c.Peak), c.Limit),
			share(float64(c.SteadyPeak), c.Limit), share(c.SteadyMean, c.Limit),
			fmt.Sprintf("%d/%d/%d/%d", c.Throttled429.Rollout, c.Throttled429.Storm, c.Throttled429.Steady, c.Throttled429.Outage))
	}
	fmt.Fprintf(&b, "   outage: %d requests answered 503 (and the rest refused)\n", r.OutageFailures)
	f := r.Freshness
	fmt.Fprintf(&b, "   freshness (change in Recall → acted on, %d changes): p50 %s, p95 %s, max %s; steady p95 %s; bound F %s; meeting over first %d, not acted %d, superseded %d\n",
		f.Samples, round(f.P50), round(f.P95), round(f.Max), round(f.SteadyP95), round(r.Bound), f.EndedFirst, f.Unacted, f.Superseded)
	for k := range checkClasses {
		c := r.Checks[k]
		fmt.Fprintf(&b, "   meetings checked 10 min before start, %-8s %6d, needing a bot %6d, bots missed %5d (there before joining: %d), stray bots %d\n",
			checkNames[k]+":", c.meetings, c.needBot, c.missed, c.rescued, c.stray)
	}
	if len(r.ScriptErrors) > 0 {
		fmt.Fprintf(&b, "   script errors: %d (first: %v)\n", len(r.ScriptErrors), r.ScriptErrors[0])
	}
	return b.String()
}

func share(perMinute float64, limit int) string {
	return fmt.Sprintf("%.0f (%.0f%%)", perMinute, 100*perMinute/float64(limit))
}

func round(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

func clock(t time.Time) string {
	if t.Day() != day1.Day() {
		return t.Format("Mon 15:04")
	}
	return t.Format("15:04")
}
