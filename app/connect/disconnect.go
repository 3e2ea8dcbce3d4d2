package connect

import (
	"context"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Disconnect deletes the calendar in Recall, then forgets the token and the
// saved connection on this computer. If Recall cannot be reached the phase
// becomes disconnect_failed: the person can retry (Disconnect again) or
// RemoveFromThisComputer. From finish_pending it is "Start over": a create
// whose answer was lost may have made a calendar, so it looks for ours
// made since the first create and deletes them before forgetting.
func (s *Service) Disconnect(ctx context.Context) State {
	s.mu.Lock()
	switch s.state.Phase {
	case PhaseConnected, PhaseFinishPending, PhaseDisconnectFailed:
	default:
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	if !s.beginDisconnectLocked() {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	s.mu.Unlock()
	s.publish()
	return s.completeDisconnect(ctx)
}

// beginDisconnectLocked claims the operation slot and records the intent, so
// a restart mid-way finishes the job instead of showing a calendar that may
// already be gone.
func (s *Service) beginDisconnectLocked() bool {
	if !s.beginOperationLocked(opDisconnect) {
		return false
	}
	s.saved.Operation = operationDisconnect
	var calendar *CalendarState
	if s.state.Calendar != nil {
		calendar = cloneCalendar(s.state.Calendar)
	} else if s.saved.CalendarID != "" {
		calendar = savedCalendarView(s.saved)
	}
	s.setStateLocked(State{Phase: PhaseDisconnecting, Busy: true, Account: s.saved.Account, Calendar: calendar})
	return true
}

// completeDisconnect runs the disconnect claimed by beginDisconnectLocked.
func (s *Service) completeDisconnect(ctx context.Context) State {
	// Best effort: a failed save only means a restart would not know a
	// disconnect was under way.
	s.persist()

	s.mu.Lock()
	saved := s.saved
	calendar := s.state.Calendar
	s.mu.Unlock()

	ids, p := s.calendarsToDelete(ctx, saved)
	for _, id := range ids {
		if p != nil {
			break
		}
		dctx, cancel := s.callContext(ctx, s.opts.RecallTimeout)
		err := s.opts.Calendars.Delete(dctx, id)
		cancel()
		// Not found means it is already gone, which is what we wanted.
		if p = problem.From(err); hasCode(p, codeRecallNotFound) {
			p = nil
		}
		if p == nil {
			s.log.Info("connect.calendar_deleted", "calendar_id", id)
		}
	}
	if p != nil {
		s.log.Warn("connect.disconnect_failed", "calendar_id", saved.CalendarID, "problem", p.Code)
		s.mu.Lock()
		s.endOperationLocked(State{Phase: PhaseDisconnectFailed, Account: saved.Account, Calendar: calendar, Problem: p})
		s.mu.Unlock()
		s.publish()
		return s.State()
	}

	p = s.forgetLocally(ctx, saved)
	s.mu.Lock()
	s.endOperationLocked(State{Phase: PhaseIdle, Problem: p})
	s.mu.Unlock()
	s.log.Info("connect.disconnected")
	s.publish()
	return s.State()
}

// calendarsToDelete lists what Disconnect deletes in Recall: the saved
// calendar, or, for a pending create that may have happened, every
// calendar of ours for the account created since its first key was minted.
func (s *Service) calendarsToDelete(ctx context.Context, saved Saved) ([]string, *problem.Problem) {
	since := saved.createdSince()
	switch {
	case saved.CalendarID != "":
		return []string{saved.CalendarID}, nil
	case !saved.Pending || since.IsZero() || saved.Account == "":
		return nil, nil
	}
	lctx, cancel := s.callContext(ctx, s.opts.RecallTimeout)
	found, err := s.opts.Calendars.FindOwn(lctx, Lookup{Email: saved.Account, CreatedSince: since})
	cancel()
	if err != nil {
		return nil, problem.From(err)
	}
	var ids []string
	for _, cal := range found {
		// Only what this pending connection can have made: an older
		// calendar of the account belongs to another computer.
		if !cal.CreatedAt.Before(since) {
			ids = append(ids, cal.ID)
		}
	}
	s.log.Info("connect.pending_lookup", "found", len(ids))
	return ids, nil
}

// RemoveFromThisComputer forgets the connection locally after a failed
// disconnect. The calendar may still be registered with Recall, so the
// Problem tells the person and gives IT the calendar id.
func (s *Service) RemoveFromThisComputer(ctx context.Context) State {
	s.mu.Lock()
	if s.state.Phase != PhaseDisconnectFailed || !s.beginOperationLocked(opRemove) {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	saved := s.saved
	deleteProblem := s.state.Problem
	s.setStateLocked(State{Phase: PhaseDisconnecting, Busy: true, Account: saved.Account, Calendar: cloneCalendar(s.state.Calendar)})
	s.mu.Unlock()
	s.publish()

	localProblem := s.forgetLocally(ctx, saved)
	p := problemRemovedLocally(saved.CalendarID, saved.Account, deleteProblem, localProblem)
	s.log.Warn("connect.removed_locally", "calendar_id", saved.CalendarID)

	s.mu.Lock()
	s.endOperationLocked(State{Phase: PhaseIdle, Problem: p})
	s.mu.Unlock()
	s.publish()
	return s.State()
}

// forgetLocally deletes the account's keychain entry and clears the saved
// connection. It returns the first Problem met (the other step still runs).
func (s *Service) forgetLocally(ctx context.Context, saved Saved) *problem.Problem {
	var first *problem.Problem
	if key := AccountKey(saved); key != "" {
		kctx, cancel := s.callContext(ctx, s.opts.KeychainTimeout)
		err := s.opts.Secrets.DeleteRefreshToken(kctx, key)
		cancel()
		if p := problem.From(err); p != nil && !hasCode(p, codeVaultNotFound) {
			s.log.Warn("connect.token_not_deleted", "problem", p.Code)
			first = p
		}
	}
	s.mu.Lock()
	s.saved = Saved{}
	s.mu.Unlock()
	if p := s.persist(); p != nil && first == nil {
		first = p
	}
	return first
}
