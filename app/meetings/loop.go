package meetings

import (
	"context"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// startLoopLocked starts the scheduler goroutine. With no cache it loads
// at once; with a stale one it syncs within StartSpread; with a fresh one
// it syncs when the interval is up. It re-plans from the cache at once in
// every case (a choice may have been saved while nothing ran).
func (s *Service) startLoopLocked(ctx context.Context) {
	now := s.opts.Now()
	interval := s.budget.SyncInterval()
	switch {
	case s.cache.LastSyncAt.IsZero():
		s.wantSync = true
	case now.Sub(s.cache.LastSyncAt) >= interval:
		s.nextSyncAt = now.Add(s.opts.Jitter(s.opts.StartSpread))
	default:
		s.nextSyncAt = s.cache.LastSyncAt.Add(interval)
	}
	s.wantPlan = true
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.loopCancel, s.loopDone = cancel, done
	go s.run(lctx, s.epoch, done)
}

type job int

const (
	jobWait job = iota
	jobSync
	jobPlan
)

// run is the scheduler: one goroutine that does every Recall call of the
// Service, one at a time, and otherwise waits for the next thing due.
func (s *Service) run(ctx context.Context, epoch uint64, done chan struct{}) {
	defer close(done)
	for {
		s.mu.Lock()
		if ctx.Err() != nil || epoch != s.epoch {
			s.mu.Unlock()
			return
		}
		now := s.opts.Now()
		next, what := s.nextJobLocked(now)
		s.mu.Unlock()
		switch what {
		case jobSync:
			s.sync(ctx, epoch)
			continue
		case jobPlan:
			s.reconcile(ctx, epoch)
			continue
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = s.opts.After(next.Sub(now))
		}
		select {
		case <-s.wake:
		case <-timer:
		case <-ctx.Done():
			return
		}
	}
}

// nextJobLocked says what to do now, or until when to wait (zero: until
// woken). While Recall has asked us to wait (429), nothing runs.
func (s *Service) nextJobLocked(now time.Time) (time.Time, job) {
	syncDue := s.wantSync || (!s.nextSyncAt.IsZero() && !now.Before(s.nextSyncAt))
	planDue := s.wantPlan || (!s.nextRetryAt.IsZero() && !now.Before(s.nextRetryAt))
	blocked := s.budget.BlockedUntil()
	if now.Before(blocked) && (syncDue || planDue) {
		return blocked, jobWait
	}
	switch {
	case syncDue:
		return time.Time{}, jobSync
	case planDue:
		return time.Time{}, jobPlan
	}
	next := s.nextSyncAt
	if !s.nextRetryAt.IsZero() && (next.IsZero() || s.nextRetryAt.Before(next)) {
		next = s.nextRetryAt
	}
	if !next.IsZero() && next.Before(blocked) {
		next = blocked // nothing may be sent before Recall allows it
	}
	return next, jobWait
}

// sync reads the calendar's events from Recall and applies them. The
// first load (and a daily full load) lists events from a day back, not
// deleted; the others list what changed since the cursor minus an overlap,
// deletions included (recall-api.md §5.2). Every page is read before
// anything is applied, and the cursor moves only with the applied set, so
// a sync cut short (crash, error, Stop) changes nothing.
func (s *Service) sync(ctx context.Context, epoch uint64) {
	s.mu.Lock()
	if epoch != s.epoch {
		s.mu.Unlock()
		return
	}
	s.wantSync = false
	now := s.opts.Now()
	s.lastAttempt = now
	s.syncing = true
	s.syncSeq++
	seq := s.syncSeq
	// Another process may have saved a choice (issue 14).
	s.loadPrefsLocked()
	full := s.cache.Cursor.IsZero() || now.Sub(s.cache.LastFullAt) >= s.opts.FullSyncEvery
	filter := recall.EventFilter{CalendarID: s.cal.ID}
	if full {
		notDeleted := false
		filter.StartFrom, filter.IsDeleted = now.Add(-24*time.Hour), &notDeleted
	} else {
		filter.UpdatedSince = s.cache.Cursor.Add(-s.opts.CursorOverlap)
	}
	s.version++
	s.mu.Unlock()
	s.publish()

	started := time.Now()
	var events []recall.Event
	sctx, cancel := context.WithTimeout(ctx, s.opts.SyncTimeout)
	err := s.opts.Source.EachEvent(sctx, filter, func(e recall.Event) error {
		events = append(events, e)
		return nil
	})
	cancel()

	s.mu.Lock()
	if epoch != s.epoch {
		s.mu.Unlock()
		return
	}
	s.syncing = false
	now = s.opts.Now()
	if err != nil {
		if ctx.Err() != nil {
			s.mu.Unlock()
			return // stopping
		}
		p := problem.From(err)
		if recall.KindOf(err) == recall.KindRateLimited {
			ra, _ := recall.RetryAfter(err)
			s.budget.RateLimited(now, ra)
		}
		s.syncProblem = p
		// A failed sync waits a whole interval like any other: during an
		// outage, a fleet retrying faster would only add to the load.
		s.nextSyncAt = now.Add(s.jittered(s.budget.SyncInterval()))
		s.releaseWaitersLocked(seq)
		s.version++
		s.mu.Unlock()
		s.log.Warn("meetings.sync_failed", "full", full, "problem", p.Code)
		s.publish()
		return
	}
	forgotten := s.applyLocked(events, full, now)
	s.syncProblem = nil
	s.budget.Succeeded(now)
	s.cache.LastSyncAt, s.cache.LastSyncBy = now, s.opts.Runner
	if full {
		s.cache.LastFullAt = now
	}
	if s.cache.Runs == nil {
		s.cache.Runs = map[Runner]RunRecord{}
	}
	run := s.cache.Runs[s.opts.Runner]
	run.LastSyncAt = now
	s.cache.Runs[s.opts.Runner] = run
	s.nextSyncAt = now.Add(s.jittered(s.budget.SyncInterval()))
	s.wantPlan = true
	if len(forgotten) > 0 {
		if err := s.updatePrefsLocked(func(p *Preferences) {
			for _, id := range forgotten {
				delete(p.Overrides, id)
			}
		}); err != nil {
			s.log.Warn("meetings.overrides_not_forgotten", "code", problem.From(err).Code)
		}
	}
	snap, saveSeq := s.snapshotLocked()
	s.releaseWaitersLocked(seq)
	s.version++
	n := len(s.meets)
	s.mu.Unlock()
	s.persist(snap, saveSeq)
	s.log.Info("meetings.synced", "full", full, "events", len(events), "meetings", n,
		"forgotten_choices", len(forgotten), "duration_ms", time.Since(started).Milliseconds())
	s.publish()
}

// applyLocked merges a sync's events and returns the ids whose
// per-meeting choices must be forgotten (deleted events, and events that
// are gone or long over).
func (s *Service) applyLocked(events []recall.Event, full bool, now time.Time) []string {
	next := s.meets
	if full {
		next = make(map[string]*Meeting, len(events))
	}
	for _, e := range events {
		if e.UpdatedAt.After(s.cache.Cursor) {
			s.cache.Cursor = e.UpdatedAt.UTC()
		}
		if e.IsDeleted {
			delete(next, e.ID)
			continue
		}
		m := meetingFrom(e, s.cal.Account)
		if old := s.meets[e.ID]; old != nil {
			m.Sched = carrySched(old, &m)
		}
		next[e.ID] = &m
	}
	// Recall keeps a day of the past (recall-api.md §3.5); so do we.
	for id, m := range next {
		if m.End.Before(now.Add(-24 * time.Hour)) {
			delete(next, id)
		}
	}
	s.meets = next
	var forgotten []string
	for id := range s.prefs.Overrides {
		if next[id] == nil {
			forgotten = append(forgotten, id)
		}
	}
	return forgotten
}

// carrySched keeps the scheduler's memory across a re-sync. When the
// event itself changed, past failures and a dispatched bot no longer
// apply: try again with the new data.
func carrySched(old, m *Meeting) Sched {
	sc := old.Sched
	if !old.Start.Equal(m.Start) || !old.End.Equal(m.End) || old.URL != m.URL || old.Cancelled != m.Cancelled {
		sc.InMeeting, sc.Ended = false, false
		sc.Problem, sc.Failures, sc.RetryAt = nil, 0, time.Time{}
	}
	return sc
}

// reconcile makes Recall's bots match the rules, meeting by meeting in
// start-time order. Each meeting is decided just before its call, so a
// choice made during a long batch is honoured.
func (s *Service) reconcile(ctx context.Context, epoch uint64) {
	s.mu.Lock()
	if epoch != s.epoch {
		s.mu.Unlock()
		return
	}
	s.wantPlan = false
	s.nextRetryAt = time.Time{}
	now := s.opts.Now()
	var ids []string
	for _, m := range s.sortedLocked() {
		if m.End.After(now) {
			ids = append(ids, m.ID)
		}
	}
	s.mu.Unlock()

	calls := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		s.mu.Lock()
		if epoch != s.epoch {
			s.mu.Unlock()
			return
		}
		now := s.opts.Now()
		m := s.meets[id]
		if m == nil || now.Before(s.budget.BlockedUntil()) {
			s.mu.Unlock()
			if m == nil {
				continue
			}
			break
		}
		kind, w := actionFor(m, s.policyLocked().decide(m, now), s.opts.BotName, now)
		if kind == actNone {
			s.mu.Unlock()
			continue
		}
		copied := *m
		s.mu.Unlock()

		ev, err := s.call(ctx, kind, copied, w)
		calls++

		s.mu.Lock()
		if epoch != s.epoch {
			s.mu.Unlock()
			return
		}
		m = s.meets[id]
		if m == nil {
			s.mu.Unlock()
			continue
		}
		if err != nil && ctx.Err() != nil {
			s.mu.Unlock()
			break
		}
		res := s.applyOutcomeLocked(m, kind, w, ev, err, s.opts.Now())
		s.unsaved = true // saved at the end of the pass, or by stopLoop
		s.version++
		code := ""
		if err != nil {
			code = problem.From(err).Code
		}
		s.mu.Unlock()
		s.log.Info("meetings.bot_call", "action", kind.String(), "event_id", id, "problem", code,
			"too_soon", copied.Start.Sub(now) < TooSoon)
		s.publish()
		if res == outcomeStop {
			break
		}
	}

	s.mu.Lock()
	if epoch != s.epoch {
		s.mu.Unlock()
		return
	}
	now = s.opts.Now()
	for _, m := range s.meets {
		if m.Sched.RetryAt.After(now) && m.End.After(now) && (s.nextRetryAt.IsZero() || m.Sched.RetryAt.Before(s.nextRetryAt)) {
			s.nextRetryAt = m.Sched.RetryAt
		}
	}
	if blocked := s.budget.BlockedUntil(); now.Before(blocked) && calls > 0 {
		// Stopped by a 429: pick up where we left off once allowed.
		s.wantPlan = true
	}
	if calls == 0 {
		s.mu.Unlock()
		return
	}
	snap, seq := s.snapshotLocked()
	s.version++
	s.mu.Unlock()
	s.persist(snap, seq)
	s.publish()
}
