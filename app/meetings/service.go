package meetings

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// Source is Recall's calendar-event API as the Service needs it.
// *recall.Client satisfies it as is.
type Source interface {
	// EachEvent calls fn for every event matching f, following `next`.
	EachEvent(ctx context.Context, f recall.EventFilter, fn func(recall.Event) error) error
	// ScheduleBot and UnscheduleBot return the updated event.
	ScheduleBot(ctx context.Context, e recall.Event, r recall.BotRequest) (recall.Event, error)
	UnscheduleBot(ctx context.Context, eventID string) (recall.Event, error)
}

// *recall.Client is the Source package app and the simulations use.
var _ Source = (*recall.Client)(nil)

// Notifier tells the UI that the view changed (package app emits
// "meetings:changed"). It must not call back into the Service synchronously.
type Notifier interface {
	MeetingsChanged(View)
}

// Mode says whether the Service may call Recall.
type Mode int

const (
	// Passive shows the cached list and records the person's choices, but
	// never calls Recall: another process runs the scheduler (issue 14).
	Passive Mode = iota
	// Active syncs and schedules bots. Run exactly one per config folder.
	Active
)

func (m Mode) String() string {
	if m == Active {
		return "active"
	}
	return "passive"
}

// Calendar is the connected calendar.
type Calendar struct {
	ID string // Recall calendar id
	// Account is the signed-in email: its domain is the organisation's,
	// and meetings it organises are "mine".
	Account string
}

// DefaultBotName is the bot's name when the admin has not set one
// (config's default has the same value).
const DefaultBotName = "Meeting Notetaker"

// Defaults for Options.
const (
	// DefaultFullSyncEvery: a full load replaces the incremental copy once
	// a day, so anything an incremental sync could miss heals.
	DefaultFullSyncEvery = 24 * time.Hour
	// DefaultCursorOverlap is subtracted from the cursor; updated_at__gte
	// is inclusive and rows are upserted, so re-reading is harmless
	// (recall-api.md §5.2).
	DefaultCursorOverlap = 2 * time.Minute
	// DefaultManualMinGap rate-limits "Check now".
	DefaultManualMinGap = 30 * time.Second
	DefaultSyncTimeout  = 3 * time.Minute
	// DefaultCallTimeout covers one bot call with the client's own retries.
	DefaultCallTimeout = 90 * time.Second
)

// Options configures a Service. Source, Cache and Prefs are required.
type Options struct {
	Source   Source
	Cache    CacheStore
	Prefs    PrefsStore
	Notifier Notifier // optional

	// BotName is bot_config.bot_name; "" means DefaultBotName.
	BotName string
	// DefaultRule is the admin's default rule ("" for none: the person is
	// asked once). DefaultAcceptedOnly goes with it.
	DefaultRule         Rule
	DefaultAcceptedOnly bool
	// InternalDomains are the organisation's domains besides the
	// account's own ("@" and case are ignored).
	InternalDomains []string
	// ExpectedInstalls sizes the budget (0: DefaultExpectedInstalls).
	// Ignored when Budget is set.
	ExpectedInstalls int
	// Budget is shared by every Service of the process; nil means a new
	// one for ExpectedInstalls.
	Budget *Budget
	// Runner is who this process is, recorded with each sync; "" means
	// ByWindow.
	Runner Runner
	// StartSpread delays the first automatic sync of a Service whose cache
	// is stale by a random time up to this, so a fleet started together
	// (a login storm) spreads out. 0 syncs at once. A missing cache always
	// loads at once.
	StartSpread time.Duration

	FullSyncEvery time.Duration
	CursorOverlap time.Duration
	ManualMinGap  time.Duration
	SyncTimeout   time.Duration
	CallTimeout   time.Duration

	// Now, After and Jitter are the clock, the timer and the randomness;
	// tests inject fakes so nothing sleeps. Jitter returns a duration in
	// [0, n].
	Now    func() time.Time
	After  func(time.Duration) <-chan time.Time
	Jitter func(n time.Duration) time.Duration
	// Logger gets event names, ids, counts and problem codes; never titles,
	// addresses or links.
	Logger *slog.Logger
}

func (o *Options) applyDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Jitter == nil {
		o.Jitter = func(n time.Duration) time.Duration {
			if n <= 0 {
				return 0
			}
			return rand.N(n + 1)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Notifier == nil {
		o.Notifier = discardNotifier{}
	}
	if o.Runner == "" {
		o.Runner = ByWindow
	}
	if o.Budget == nil {
		o.Budget = NewBudget(o.ExpectedInstalls)
	}
	setDefault(&o.FullSyncEvery, DefaultFullSyncEvery)
	setDefault(&o.CursorOverlap, DefaultCursorOverlap)
	setDefault(&o.ManualMinGap, DefaultManualMinGap)
	setDefault(&o.SyncTimeout, DefaultSyncTimeout)
	setDefault(&o.CallTimeout, DefaultCallTimeout)
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

type discardNotifier struct{}

func (discardNotifier) MeetingsChanged(View) {}

// Service keeps the meetings list of one connected calendar, applies the
// person's rule and choices, and (when Active) schedules bots. Its methods
// are safe for concurrent use.
type Service struct {
	opts     Options
	log      *slog.Logger
	budget   *Budget
	internal []string

	publishMu        sync.Mutex // keeps notifications in order
	publishedVersion uint64
	persistMu        sync.Mutex // keeps cache saves in order
	savedSeq         uint64

	mu      sync.Mutex
	version uint64 // counts visible changes, so each is published once
	epoch   uint64 // bumped by Start, Stop, SetMode and Forget: older work is dropped
	started bool
	mode    Mode
	cal     Calendar
	org     orgDomains
	cache   Cache               // Meetings is rebuilt from meetings on save
	meets   map[string]*Meeting // the calendar's events by id
	prefs   Preferences
	// prefsProblem: preferences.json could not be read (newer version,
	// unreadable), so changes are refused rather than saved over it.
	prefsProblem *problem.Problem
	syncing      bool
	syncProblem  *problem.Problem
	syncSeq      uint64 // number of syncs started
	waiters      []syncWaiter
	lastAttempt  time.Time // when the last sync started
	nextSyncAt   time.Time
	nextRetryAt  time.Time // earliest per-meeting retry
	wantSync     bool
	wantPlan     bool
	saveSeq      uint64
	// unsaved: bot-call outcomes applied since the last snapshot for
	// meetings.json (a scheduling pass saves once, at its end).
	unsaved    bool
	loopCancel context.CancelFunc
	loopDone   chan struct{}
	wake       chan struct{}
}

type syncWaiter struct {
	seq uint64 // done when sync number seq has finished
	ch  chan struct{}
}

// New validates opts and returns a stopped Service (phase "off").
func New(opts Options) (*Service, error) {
	switch {
	case opts.Source == nil:
		return nil, optionProblem("Source", "missing")
	case opts.Cache == nil:
		return nil, optionProblem("Cache", "missing")
	case opts.Prefs == nil:
		return nil, optionProblem("Prefs", "missing")
	case opts.DefaultRule != "" && !opts.DefaultRule.Valid():
		return nil, optionProblem("DefaultRule", "not one of all_with_link, external, organised, none")
	case opts.ExpectedInstalls < 0:
		return nil, optionProblem("ExpectedInstalls", "negative")
	case opts.Runner != "" && opts.Runner != ByWindow && opts.Runner != ByBackground:
		return nil, optionProblem("Runner", "not window or background")
	}
	opts.BotName = strings.TrimSpace(opts.BotName)
	if opts.BotName == "" {
		opts.BotName = DefaultBotName
	}
	if n := utf8.RuneCountInString(opts.BotName); n > 100 || strings.IndexFunc(opts.BotName, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return nil, optionProblem("BotName", "longer than 100 characters or not printable")
	}
	if loopbackInConfig(opts.BotName) {
		return nil, optionProblem("BotName", "names this computer, which Recall refuses")
	}
	var internal []string
	for _, d := range opts.InternalDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" {
			continue
		}
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " @/\\") {
			return nil, optionProblem("InternalDomains", "not a domain: "+clip(d, 60))
		}
		internal = append(internal, d)
	}
	opts.applyDefaults()
	return &Service{
		opts:     opts,
		log:      opts.Logger,
		budget:   opts.Budget,
		internal: internal,
		meets:    map[string]*Meeting{},
		wake:     make(chan struct{}, 1),
	}, nil
}

func optionProblem(field, what string) *problem.Problem {
	return &problem.Problem{
		Code:     "meetings.invalid_options",
		Title:    "The meetings settings are not valid",
		Message:  "Outlook Connect cannot schedule meetings with the current settings.",
		NextStep: "Check the meetings settings in Setup, or ask your IT admin.",
		Details:  []problem.Detail{{Label: "Setting", Value: field}, {Label: "Problem", Value: what}},
		ForAdmin: true,
	}
}

// Budget is the budget the Service uses (shared when Options.Budget was).
func (s *Service) Budget() *Budget { return s.budget }

// Start shows cal's meetings: it loads the cache and the preferences and,
// when mode is Active, starts the scheduler (a first load at once when
// there is no cache). A Service already started is stopped first. The
// scheduler stops when ctx ends or on Stop.
func (s *Service) Start(ctx context.Context, cal Calendar, mode Mode) View {
	s.Stop()
	s.mu.Lock()
	s.epoch++
	s.started, s.cal, s.mode = true, cal, mode
	s.org = newOrgDomains(cal.Account, s.internal)
	s.syncProblem, s.nextSyncAt, s.nextRetryAt = nil, time.Time{}, time.Time{}
	s.loadPrefsLocked()
	s.loadCacheLocked()
	if mode == Active {
		s.startLoopLocked(ctx)
	}
	s.version++
	loaded := len(s.meets)
	s.mu.Unlock()
	s.log.Info("meetings.started", "calendar_id", cal.ID, "mode", mode.String(), "meetings", loaded)
	s.publish()
	return s.View()
}

// SetMode switches between showing the cache (Passive) and running the
// scheduler (Active), for the hand-over between the window and the
// background helper. Going Active reloads the cache the other process may
// have written.
func (s *Service) SetMode(ctx context.Context, mode Mode) View {
	s.mu.Lock()
	if !s.started || s.mode == mode {
		s.mu.Unlock()
		return s.View()
	}
	s.mu.Unlock()
	s.stopLoop()
	s.mu.Lock()
	s.epoch++
	s.mode = mode
	if mode == Active {
		s.loadPrefsLocked()
		s.loadCacheLocked()
		s.startLoopLocked(ctx)
	}
	s.version++
	s.mu.Unlock()
	s.publish()
	return s.View()
}

// Stop stops the scheduler and shows phase "off". Nothing is wiped.
func (s *Service) Stop() {
	s.stopLoop()
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	s.started = false
	s.epoch++
	s.version++
	s.mu.Unlock()
	s.publish()
}

// stopLoop ends the scheduler goroutine and waits for it.
func (s *Service) stopLoop() {
	s.mu.Lock()
	cancel, done := s.loopCancel, s.loopDone
	s.loopCancel, s.loopDone = nil, nil
	s.epoch++
	s.releaseWaitersLocked(^uint64(0))
	s.syncing = false
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	// A pass cut short by the stop saves nothing itself: keep what its
	// finished bot calls did, or the next start would ask Recall again.
	s.mu.Lock()
	if !s.unsaved {
		s.mu.Unlock()
		return
	}
	snap, seq := s.snapshotLocked()
	s.mu.Unlock()
	s.persist(snap, seq)
}

// Forget wipes the cached meetings and the per-meeting choices, as on
// Disconnect; the rule and the other preferences stay. The Service stops.
func (s *Service) Forget() error {
	s.Stop()
	s.mu.Lock()
	s.epoch++
	s.cache, s.meets = Cache{}, map[string]*Meeting{}
	s.syncProblem, s.nextSyncAt, s.nextRetryAt = nil, time.Time{}, time.Time{}
	s.saveSeq++
	seq := s.saveSeq
	perr := s.updatePrefsLocked(func(p *Preferences) { p.Overrides, p.SeenRuns = nil, nil })
	s.version++
	s.mu.Unlock()
	s.persistMu.Lock()
	s.savedSeq = seq // no older snapshot may land after the wipe
	cerr := s.opts.Cache.Remove()
	s.persistMu.Unlock()
	s.publish()
	return errors.Join(cerr, perr)
}

// BotsRemoved tells a started Service that Recall has removed the bots of
// the calendar's future events, as it does when a calendar becomes
// disconnected (recall-api.md §2.6). Recall leaves the events as they
// were, so no sync would show it: the copy forgets those bots and the
// scheduler re-plans, which schedules again what should be recorded.
// Call it after Start once the calendar is connected again.
func (s *Service) BotsRemoved() {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	now := s.opts.Now()
	n := 0
	for _, m := range s.meets {
		if m.Start.After(now) && len(m.Bots) > 0 {
			m.Bots = nil
			n++
		}
	}
	s.replanLocked(now)
	snap, seq := s.snapshotLocked()
	s.version++
	s.mu.Unlock()
	s.persist(snap, seq)
	s.log.Info("meetings.bots_removed_by_recall", "meetings", n)
	s.publish()
}

// View is the current meetings view.
func (s *Service) View() View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewLocked(s.opts.Now())
}

// SetRule saves the person's rule and re-plans at once; the list is read
// from Recall first only when it is stale. Changed counts the listed
// meetings whose "will be recorded" flipped.
func (s *Service) SetRule(ctx context.Context, rule string, acceptedOnly bool) (RuleResult, error) {
	r := Rule(rule)
	if !r.Valid() {
		return RuleResult{View: s.View()}, invalidInput("Choose one of the recording rules.")
	}
	s.mu.Lock()
	now := s.opts.Now()
	before := s.recordFlagsLocked(now)
	err := s.updatePrefsLocked(func(p *Preferences) {
		p.Rule, p.AcceptedOnly, p.RuleAnswered = r, acceptedOnly, true
	})
	changed := 0
	if err == nil {
		for id, rec := range s.recordFlagsLocked(now) {
			if before[id] != rec {
				changed++
			}
		}
		s.replanLocked(now)
		s.version++
	}
	v := s.viewLocked(now)
	s.mu.Unlock()
	if err != nil {
		return RuleResult{View: v}, err
	}
	s.log.Info("meetings.rule_changed", "rule", rule, "accepted_only", acceptedOnly, "changed", changed)
	s.publish()
	return RuleResult{View: v, Changed: changed}, nil
}

// SetOverride records the person's choice for one meeting: "record",
// "skip" or "" (follow the rule). It wins over the rule, survives restarts
// and re-syncs, and is forgotten when the event is deleted.
func (s *Service) SetOverride(ctx context.Context, eventID, choice string) (View, error) {
	o := Override(choice)
	if !o.Valid() {
		return s.View(), invalidInput("Choose record, don't record, or follow the rule.")
	}
	s.mu.Lock()
	now := s.opts.Now()
	m := s.meets[eventID]
	if !s.started || m == nil {
		v := s.viewLocked(now)
		s.mu.Unlock()
		return v, invalidInput("This meeting is no longer in the list.")
	}
	if d := s.policyLocked().decide(m, now); !d.canOverride && o != OverrideNone {
		v := s.viewLocked(now)
		s.mu.Unlock()
		return v, invalidInput("This meeting cannot be recorded: " + strings.ToLower(d.reason[:1]) + d.reason[1:] + ".")
	}
	err := s.updatePrefsLocked(func(p *Preferences) {
		if o == OverrideNone {
			delete(p.Overrides, eventID)
			return
		}
		if p.Overrides == nil {
			p.Overrides = map[string]Override{}
		}
		p.Overrides[eventID] = o
	})
	if err == nil {
		// A choice deserves a fresh attempt, whatever failed before.
		m.Sched.RetryAt, m.Sched.Failures = time.Time{}, 0
		s.replanLocked(now)
		s.version++
	}
	v := s.viewLocked(now)
	s.mu.Unlock()
	if err != nil {
		return v, err
	}
	s.publish()
	return v, nil
}

// DismissRulePrompt answers the one-time rule prompt without picking a
// rule: the rule stays "none".
func (s *Service) DismissRulePrompt(ctx context.Context) (View, error) {
	s.mu.Lock()
	err := s.updatePrefsLocked(func(p *Preferences) { p.RuleAnswered = true })
	if err == nil {
		s.version++
	}
	v := s.viewLocked(s.opts.Now())
	s.mu.Unlock()
	if err != nil {
		return v, err
	}
	s.publish()
	return v, nil
}

// SyncNow is "Check now": an Active Service syncs and returns once the
// list is read (bots follow, announced through the Notifier), unless it
// synced less than ManualMinGap ago or Recall asked us to wait. A Passive
// one re-reads the files the scheduler writes.
func (s *Service) SyncNow(ctx context.Context) (View, error) {
	s.mu.Lock()
	now := s.opts.Now()
	switch {
	case !s.started:
	case s.mode == Passive:
		s.reloadLocked()
	case s.syncing || now.Sub(s.lastAttempt) >= s.opts.ManualMinGap && !now.Before(s.budget.BlockedUntil()):
		// A sync under way answers the click; otherwise start one.
		ch := make(chan struct{})
		target := s.syncSeq
		if !s.syncing {
			target++
			s.wantSync = true
		}
		s.waiters = append(s.waiters, syncWaiter{seq: target, ch: ch})
		s.mu.Unlock()
		s.poke()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return s.View(), nil
	}
	v := s.viewLocked(now)
	s.mu.Unlock()
	s.publish()
	return v, nil
}

// WindowFocused syncs when the window gains focus, at most once per half
// sync interval (the budget is shared by every install). A Passive
// Service re-reads the files instead, to show what the scheduler did.
func (s *Service) WindowFocused(ctx context.Context) View {
	s.mu.Lock()
	now := s.opts.Now()
	poke := false
	switch {
	case !s.started:
	case s.mode == Passive:
		s.reloadLocked()
	case !s.syncing && now.Sub(s.lastAttempt) >= s.focusMinGap() && !now.Before(s.budget.BlockedUntil()):
		s.wantSync, poke = true, true
	}
	v := s.viewLocked(now)
	s.mu.Unlock()
	if poke {
		s.poke()
	}
	s.publish()
	return v
}

// focusMinGap is both the focus rate limit and how fresh the list must be
// for a rule change to re-plan without reading it again.
func (s *Service) focusMinGap() time.Duration { return s.budget.SyncInterval() / 2 }

// Preferences returns a copy of the person's saved choices.
func (s *Service) Preferences() Preferences {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prefs.clone()
}

// SetKeepScheduling saves the "Keep scheduling when closed" choice
// (issue 14).
func (s *Service) SetKeepScheduling(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updatePrefsLocked(func(p *Preferences) { p.KeepScheduling = &on })
}

// RunReport is what one runner did, for the window to show after the
// background helper ran.
type RunReport struct {
	LastSyncAt time.Time
	// Total counts everything since the cache was created; Unseen only
	// what happened since MarkRunsSeen.
	Total  RunCounts
	Unseen RunCounts
}

// Runs reports, per runner, the last sync and the bots scheduled and
// removed, as recorded in the cache.
func (s *Service) Runs() map[Runner]RunReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Runner]RunReport, len(s.cache.Runs))
	for by, r := range s.cache.Runs {
		seen := s.prefs.SeenRuns[by]
		out[by] = RunReport{
			LastSyncAt: r.LastSyncAt,
			Total:      r.RunCounts,
			Unseen: RunCounts{
				BotsScheduled: max(r.BotsScheduled-seen.BotsScheduled, 0),
				BotsRemoved:   max(r.BotsRemoved-seen.BotsRemoved, 0),
			},
		}
	}
	return out
}

// MarkRunsSeen records that the window has shown what runner by did.
func (s *Service) MarkRunsSeen(by Runner) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := s.cache.Runs[by].RunCounts
	return s.updatePrefsLocked(func(p *Preferences) {
		if p.SeenRuns == nil {
			p.SeenRuns = map[Runner]RunCounts{}
		}
		p.SeenRuns[by] = counts
	})
}
