package meetings

import (
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/store"
)

// The Service's state: the rule in effect, the view, and the files
// behind them. Callers hold s.mu unless a name says otherwise.

func (s *Service) policyLocked() policy {
	rv := s.ruleViewLocked()
	return policy{
		rule:         Rule(rv.Rule),
		acceptedOnly: rv.AcceptedOnly,
		account:      s.cal.Account,
		org:          s.org,
		overrides:    s.prefs.Overrides,
	}
}

func (s *Service) ruleViewLocked() RuleView {
	switch {
	case s.prefs.Rule.Valid():
		return RuleView{Rule: string(s.prefs.Rule), AcceptedOnly: s.prefs.AcceptedOnly, Source: SourcePerson}
	case s.opts.DefaultRule != "":
		return RuleView{Rule: string(s.opts.DefaultRule), AcceptedOnly: s.opts.DefaultAcceptedOnly, Source: SourceAdmin}
	}
	return RuleView{Rule: string(RuleNone), Source: SourceDefault}
}

// sortedLocked returns the meetings by start time, then id.
func (s *Service) sortedLocked() []*Meeting {
	out := make([]*Meeting, 0, len(s.meets))
	for _, m := range s.meets {
		out = append(out, m)
	}
	sortMeetings(out)
	return out
}

func (s *Service) recordFlagsLocked(now time.Time) map[string]bool {
	p := s.policyLocked()
	out := map[string]bool{}
	for _, m := range s.meets {
		if visible(m, now) {
			out[m.ID] = p.decide(m, now).record
		}
	}
	return out
}

func (s *Service) viewLocked(now time.Time) View {
	v := View{
		Phase:    PhaseOff,
		Rule:     s.ruleViewLocked(),
		AskRule:  s.opts.DefaultRule == "" && !s.prefs.RuleAnswered && !s.prefs.Rule.Valid(),
		Meetings: []MeetingView{},
	}
	if !s.started {
		return v
	}
	v.Phase = PhaseReady
	if s.cache.LastSyncAt.IsZero() {
		v.Phase = PhaseFirstSync
	}
	p := s.policyLocked()
	for _, m := range s.sortedLocked() {
		if !visible(m, now) {
			continue
		}
		d := p.decide(m, now)
		mv := meetingView(m, d, wantFor(m, s.opts.BotName), now)
		v.Meetings = append(v.Meetings, mv)
		if mv.Record {
			v.Counts.Recorded++
		}
	}
	v.Counts.Total = len(v.Meetings)
	v.Syncing = s.syncing
	v.LastSyncAt = formatTime(s.cache.LastSyncAt)
	v.LastSyncBy = string(s.cache.LastSyncBy)
	v.SyncProblem = s.syncProblem
	next := s.nextSyncAt
	if until := s.budget.BlockedUntil(); until.After(now) {
		v.RateLimitedUntil = formatTime(until)
		if next.Before(until) {
			next = until // nothing is sent before Recall allows it
		}
	}
	if s.mode == Active && !s.nextSyncAt.IsZero() {
		v.NextSyncAt = formatTime(next)
	}
	return v
}

// replanLocked asks the scheduler to re-plan now; it reads the list
// first when the copy is older than half a sync interval.
func (s *Service) replanLocked(now time.Time) {
	if !s.started || s.mode != Active {
		return
	}
	s.wantPlan = true
	if now.Sub(s.cache.LastSyncAt) >= s.focusMinGap() && !s.syncing {
		s.wantSync = true
	}
	s.poke()
}

// poke wakes the scheduler; a pending wake is enough.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// ---- files ----

// loadPrefsLocked reads the preferences. A damaged file has been set aside
// by the store: start afresh. A file that cannot be read or is from a newer
// version is kept: changes are refused until it can be read.
func (s *Service) loadPrefsLocked() {
	p, err := s.opts.Prefs.Load()
	switch {
	case err == nil:
		s.prefs, s.prefsProblem = p, nil
	case problem.From(err).Code == store.CodeCorrupt:
		s.log.Warn("meetings.preferences_damaged", "code", store.CodeCorrupt)
		s.prefs, s.prefsProblem = Preferences{}, nil
	default:
		s.prefsProblem = problem.From(err)
		s.log.Warn("meetings.preferences_unreadable", "code", s.prefsProblem.Code)
	}
}

// updatePrefsLocked re-reads the preferences (another process may have
// saved), applies f and saves. On failure nothing changes.
func (s *Service) updatePrefsLocked(f func(*Preferences)) error {
	s.loadPrefsLocked()
	if s.prefsProblem != nil {
		return s.prefsProblem
	}
	next := s.prefs.clone()
	f(&next)
	if err := s.opts.Prefs.Save(next); err != nil {
		s.log.Warn("meetings.preferences_save_failed", "code", problem.From(err).Code)
		return err
	}
	s.prefs = next
	return nil
}

// loadCacheLocked reads the cache; a damaged, unreadable or foreign
// (other calendar) one is replaced by a first load.
func (s *Service) loadCacheLocked() {
	c, err := s.opts.Cache.Load()
	if err != nil {
		s.log.Warn("meetings.cache_unusable", "code", problem.From(err).Code)
		c = Cache{}
	}
	if c.CalendarID != s.cal.ID {
		c = Cache{CalendarID: s.cal.ID}
	}
	s.meets = make(map[string]*Meeting, len(c.Meetings))
	for i := range c.Meetings {
		m := c.Meetings[i]
		if m.ID != "" {
			s.meets[m.ID] = &m
		}
	}
	c.Meetings = nil
	s.cache = c
}

// reloadLocked re-reads both files (Passive).
func (s *Service) reloadLocked() {
	s.loadPrefsLocked()
	s.loadCacheLocked()
	s.version++
}

// snapshotLocked copies the cache for saving outside the lock.
func (s *Service) snapshotLocked() (Cache, uint64) {
	c := s.cache
	c.Runs = make(map[Runner]RunRecord, len(s.cache.Runs))
	for k, v := range s.cache.Runs {
		c.Runs[k] = v
	}
	c.Meetings = make([]Meeting, 0, len(s.meets))
	for _, m := range s.sortedLocked() {
		c.Meetings = append(c.Meetings, *m)
	}
	s.saveSeq++
	s.unsaved = false
	return c, s.saveSeq
}

// persist saves a snapshot unless a newer one was saved already.
func (s *Service) persist(c Cache, seq uint64) {
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	if seq <= s.savedSeq {
		return
	}
	s.savedSeq = seq
	if err := s.opts.Cache.Save(c); err != nil {
		s.log.Warn("meetings.cache_save_failed", "code", problem.From(err).Code)
	}
}

// ---- notifications ----

func (s *Service) publish() {
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.mu.Lock()
	if s.version == s.publishedVersion {
		s.mu.Unlock()
		return
	}
	s.publishedVersion = s.version
	v := s.viewLocked(s.opts.Now())
	s.mu.Unlock()
	s.opts.Notifier.MeetingsChanged(v)
}

func (s *Service) releaseWaitersLocked(done uint64) {
	kept := s.waiters[:0]
	for _, w := range s.waiters {
		if w.seq <= done {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	s.waiters = kept
}

// jittered spreads an interval over ±15 %, so installs started together
// drift apart.
func (s *Service) jittered(d time.Duration) time.Duration {
	return d*85/100 + s.opts.Jitter(d*30/100)
}
