package connect

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// readReason says why the status is read, which decides how failures show.
type readReason string

const (
	readByPoll    readReason = "poll"    // scheduled: failures stay silent
	readByStart   readReason = "start"   // right after Start: silent
	readByFocus   readReason = "focus"   // window focus: rate-limited, silent
	readByRequest readReason = "request" // the person asked: failures shown
)

// RefreshStatus reads the calendar's status from Recall now. A failure is
// shown as a Problem; the last known status stays on screen.
func (s *Service) RefreshStatus(ctx context.Context) State {
	return s.refresh(ctx, readByRequest, 0)
}

// WindowFocused refreshes the status when the window gains focus, unless it
// was read less than FocusRefreshMinGap ago (Recall's rate budget is shared
// by every install).
func (s *Service) WindowFocused(ctx context.Context) State {
	return s.refresh(ctx, readByFocus, 0)
}

// refresh reads the status and applies it. pollSeq identifies the poll that
// triggered it (readByPoll only), so a superseded poll does nothing.
func (s *Service) refresh(ctx context.Context, reason readReason, pollSeq uint64) State {
	fromPoll := reason == readByPoll
	s.mu.Lock()
	if fromPoll && s.pollSeq != pollSeq {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	if s.state.Phase != PhaseConnected || s.state.Calendar == nil || s.operation != "" {
		if fromPoll {
			s.scheduleNextPollLocked()
		}
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	now := s.opts.Now()
	if reason == readByFocus && !s.lastRead.IsZero() && now.Sub(s.lastRead) < s.opts.FocusRefreshMinGap {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	id, epoch := s.state.Calendar.ID, s.epoch
	savedSetup := s.saved.Setup
	// One PATCH at a time: a read that starts while another sends the
	// secret just reads the status.
	rotate := !s.rotating && s.opts.Setup.secretRotated(savedSetup)
	s.rotating = s.rotating || rotate
	s.lastRead = now
	s.mu.Unlock()

	cal, read, err := s.sendRotatedSecret(ctx, rotate, id, epoch)
	if !read {
		cctx, cancel := s.callContext(ctx, s.opts.RecallTimeout)
		cal, err = s.opts.Calendars.Get(cctx, id)
		cancel()
	}

	if err != nil {
		p := problem.From(err)
		if hasCode(p, codeRecallNotFound) {
			if changed := s.opts.Setup.changedFrom(savedSetup); savedSetup.known() && len(changed) > 0 {
				s.settingsChanged(reason, epoch, id, savedSetup, changed)
				return s.State()
			}
			s.forgetRemovedCalendar(ctx, epoch, id)
			return s.State()
		}
		s.log.Warn("connect.status_read_failed", "reason", string(reason), "problem", p.Code)
		s.mu.Lock()
		// Keep the last known status and CheckedAt; only a read the person
		// asked for shows the Problem.
		if reason == readByRequest && epoch == s.epoch && s.state.Phase == PhaseConnected {
			s.state.Problem, s.statusProblem = p, p
			s.version++
		}
		if fromPoll && s.pollSeq == pollSeq {
			s.scheduleNextPollLocked()
		}
		s.mu.Unlock()
		s.publish()
		return s.State()
	}

	checkedAt := s.opts.Now()
	s.mu.Lock()
	if epoch != s.epoch || s.state.Phase != PhaseConnected || s.state.Calendar == nil || s.state.Calendar.ID != id {
		// An operation changed the picture while we were reading.
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	view, since := calendarView(cal, checkedAt, s.saved)
	previousStatus := s.state.Calendar.Status
	s.state.Calendar = &view
	if s.statusProblem != nil && s.state.Problem == s.statusProblem {
		s.state.Problem = nil
	}
	s.statusProblem = nil
	s.version++
	savedChanged := s.saved.LastStatus != cal.Status || !s.saved.Since.Equal(since)
	s.saved.LastStatus, s.saved.Since = cal.Status, since
	if adopted := adoptSetup(s.saved.Setup, s.opts.Setup); adopted != s.saved.Setup {
		// Recall answered with the current settings, so the calendar lives
		// where they point (for example a new key for the same workspace).
		s.saved.Setup, savedChanged = adopted, true
	}
	switch {
	case previousStatus != view.Status:
		// A new regime ("connecting" polls fast, others slowly).
		s.connectingDelay = s.opts.ConnectingPollStart
		s.scheduleNextPollLocked()
	case fromPoll && s.pollSeq == pollSeq:
		s.scheduleNextPollLocked()
	}
	s.mu.Unlock()

	if previousStatus != view.Status {
		s.log.Info("connect.status_changed", "calendar_id", id, "from", previousStatus, "to", view.Status)
	}
	if savedChanged {
		s.persist()
	}
	s.publish()
	if cal.Status == statusConnected {
		s.clearToken()
	}
	return s.State()
}

// adoptSetup is the setup to record after Recall answered for the calendar
// with the current settings: the current Recall address and key. The
// Microsoft app and secret stay as recorded (the calendar keeps the app it
// was registered with until a reconnect, and a rotated secret is recorded
// only once Recall has it).
func adoptSetup(saved, current Setup) Setup {
	saved.RecallBaseURL, saved.RecallKey = current.RecallBaseURL, current.RecallKey
	return saved
}

// sendRotatedSecret PATCHes the calendar with the current client secret when
// IT rotated it (recall-api.md §7.3): Recall reconnects with the token it
// holds, so nobody signs in again. read says the answer stands for the
// status read (the PATCH returns the calendar, or says it is gone); on any
// other failure the status is read as usual and the PATCH is tried again at
// the next read.
func (s *Service) sendRotatedSecret(ctx context.Context, rotate bool, id string, epoch uint64) (Calendar, bool, error) {
	if !rotate {
		return Calendar{}, false, nil
	}
	uctx, cancel := s.callContext(ctx, s.opts.RecallTimeout)
	cal, err := s.opts.Calendars.UpdateClientSecret(uctx, id)
	cancel()
	defer func() {
		s.mu.Lock()
		s.rotating = false
		s.mu.Unlock()
	}()
	if p := problem.From(err); p != nil {
		if hasCode(p, codeRecallNotFound) {
			return Calendar{}, true, err
		}
		s.log.Warn("connect.client_secret_not_sent", "calendar_id", id, "problem", p.Code)
		return Calendar{}, false, nil
	}
	s.mu.Lock()
	if epoch == s.epoch && s.saved.CalendarID == id {
		s.saved.Setup.ClientSecret = s.opts.Setup.ClientSecret
	}
	s.mu.Unlock()
	s.persist()
	s.log.Info("connect.client_secret_sent", "calendar_id", id, "status", cal.Status)
	return cal, true, nil
}

// settingsChanged handles a calendar Recall does not know after IT changed
// the Recall address, key or Microsoft app: it may well still exist where
// the old settings pointed, so nothing is wiped. The person is asked to
// reconnect, which registers the calendar with the new settings; IT gets
// the old calendar's id and address to remove it there.
func (s *Service) settingsChanged(reason readReason, epoch uint64, id string, was Setup, changed []string) {
	s.mu.Lock()
	if epoch != s.epoch || s.state.Phase != PhaseConnected || s.state.Calendar == nil || s.state.Calendar.ID != id {
		s.mu.Unlock()
		return
	}
	view := cloneCalendar(s.state.Calendar)
	first := view.LikelyCause != causeSettingsChanged
	view.Status, view.LikelyCause, view.CheckedAt = statusDisconnected, causeSettingsChanged, formatTime(s.opts.Now())
	s.state.Calendar = view
	if first || reason == readByRequest {
		// Said once; a poll does not bring back a card the person closed.
		// A later successful read (IT put the settings back) clears it.
		p := problemSettingsChanged(id, was, s.opts.Setup, changed)
		s.state.Problem, s.statusProblem = p, p
	}
	s.version++
	persist := s.saved.LastStatus != statusDisconnected
	s.saved.LastStatus = statusDisconnected
	s.scheduleNextPollLocked()
	s.mu.Unlock()
	if first {
		s.log.Warn("connect.settings_changed", "calendar_id", id, "changed", strings.Join(changed, ", "))
	}
	if persist {
		s.persist()
	}
	s.publish()
}

// scheduleNextPollLocked replaces any pending poll with the next one: with
// a doubling gap while Recall says "connecting", else StatusPollInterval.
// The timer is created here, under the lock, so the newest timer is always
// the live one.
func (s *Service) scheduleNextPollLocked() {
	s.stopPollingLocked()
	if s.closed || s.state.Phase != PhaseConnected || s.state.Calendar == nil {
		return
	}
	wait := s.opts.StatusPollInterval
	if s.state.Calendar.Status == statusConnecting {
		wait = s.connectingDelay
		s.connectingDelay = min(2*wait, s.opts.ConnectingPollMax)
	} else {
		s.connectingDelay = s.opts.ConnectingPollStart
	}
	if s.firstPoll > 0 {
		wait, s.firstPoll = s.firstPoll, 0
	}
	seq := s.pollSeq
	s.pollCancel = s.armLocked(wait, func() { s.refresh(s.life, readByPoll, seq) })
}

// armLocked runs f after d on the Service's clock, in a goroutine the
// Service owns, unless the returned channel is closed first or the
// Service closes. The timer is created under the lock, so the newest one
// is always the live one.
func (s *Service) armLocked(d time.Duration, f func()) chan struct{} {
	fire := s.opts.After(d)
	cancel := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-fire:
			f()
		case <-cancel:
		case <-s.life.Done():
		}
	}()
	return cancel
}

// stopPollingLocked drops the pending poll, if any.
func (s *Service) stopPollingLocked() {
	if s.pollCancel != nil {
		close(s.pollCancel)
		s.pollCancel = nil
	}
	s.pollSeq++
}

// forgetRemovedCalendar handles a calendar that no longer exists in Recall
// (deleted elsewhere): the local state and token are wiped and the person
// is told, back on the Connect screen.
func (s *Service) forgetRemovedCalendar(ctx context.Context, epoch uint64, calendarID string) {
	s.mu.Lock()
	if epoch != s.epoch || s.state.Phase != PhaseConnected || !s.beginOperationLocked(opForget) {
		s.mu.Unlock()
		return
	}
	saved := s.saved
	s.mu.Unlock()
	s.log.Warn("connect.calendar_gone", "calendar_id", calendarID)

	// A leftover keychain entry matters less than telling the person what
	// happened; forgetLocally logs it.
	s.forgetLocally(ctx, saved)

	// Kept until dismissed: when only the background helper ran, the next
	// window is the first to tell the person.
	p := problemCalendarRemoved(calendarID)
	s.mu.Lock()
	s.saved = Saved{Notice: p}
	s.mu.Unlock()
	s.persist()
	s.mu.Lock()
	s.endOperationLocked(State{Phase: PhaseIdle, Problem: p})
	s.mu.Unlock()
	s.publish()
}

// calendarView maps a Recall calendar to the Connected screen's data and
// returns when it entered its status. status_changes order is not
// documented, so it is sorted here.
func calendarView(cal Calendar, checkedAt time.Time, saved Saved) (CalendarState, time.Time) {
	changes := slices.Clone(cal.StatusChanges)
	slices.SortStableFunc(changes, func(a, b StatusChange) int { return a.CreatedAt.Compare(b.CreatedAt) })

	var newest *StatusChange
	if len(changes) > 0 {
		newest = &changes[len(changes)-1]
	}
	var since time.Time
	switch {
	case newest != nil && !newest.CreatedAt.IsZero():
		since = newest.CreatedAt
	case saved.CalendarID == cal.ID && saved.LastStatus == cal.Status && !saved.Since.IsZero():
		since = saved.Since
	case !cal.UpdatedAt.IsZero():
		since = cal.UpdatedAt
	default:
		since = checkedAt
	}

	view := CalendarState{
		ID:        cal.ID,
		Status:    cal.Status,
		Since:     formatTime(since),
		CheckedAt: formatTime(checkedAt),
	}
	if newest != nil {
		view.LastChange = &StatusChangeView{Status: newest.Status, At: formatTime(newest.CreatedAt), Detail: newest.Detail}
	}
	if cal.Status == statusDisconnected {
		// The newest disconnection entry carries Microsoft's reason.
		detail := ""
		for i := len(changes) - 1; i >= 0; i-- {
			if changes[i].Status == statusDisconnected {
				detail = changes[i].Detail
				break
			}
		}
		view.LikelyCause = likelyCause(detail)
		view.CauseForAdmin = view.LikelyCause == causeAppCredential
	}
	return view, since
}

// savedCalendarView is what the Connected screen shows from Saved until
// the first read from Recall.
func savedCalendarView(saved Saved) *CalendarState {
	status := saved.LastStatus
	if status == "" {
		status = statusConnecting // not known yet; the first read tells
	}
	return &CalendarState{ID: saved.CalendarID, Status: status, Since: formatTime(saved.Since)}
}

// Plain-language causes of a disconnection.
const (
	causeSignInExpired   = "Microsoft no longer accepts the saved sign-in (it expired or was revoked). Reconnect to sign in again."
	causeConsentGone     = "Permission to read your calendar was removed, so Recall can no longer see it. Reconnect and approve the permission again."
	causeAppCredential   = "Outlook Connect's Microsoft app secret expired or was replaced, so Recall can no longer refresh your calendar. You don't need to sign in again: once your IT team gives you the new setup (a setup file or an updated app), Outlook Connect sends the new secret to Recall by itself."
	causeSettingsChanged = "Your organisation changed Outlook Connect's Recall or Microsoft settings, and this calendar was connected with the old ones. Reconnect to connect it with the new settings."
	causeExtraStep       = "Your organisation now requires an extra sign-in step (such as multi-factor authentication or a managed device). Reconnect to sign in again; if that does not work, ask your IT team."
	causeScope           = "Not every permission Recall needs was granted. Reconnect and accept all the permissions Microsoft asks for."
	causeAccount         = "Your Microsoft account is disabled, locked or its password expired. Sort that out with your IT team, then reconnect."
	causeUnknown         = "Recall can no longer read your calendar. Reconnect to fix it."
)

// causeByAADSTS maps Microsoft error numbers (see microsoft-oauth.md §4-5).
var causeByAADSTS = map[int]string{
	70008:   causeSignInExpired,
	700082:  causeSignInExpired,
	50173:   causeSignInExpired,
	70043:   causeSignInExpired,
	65001:   causeConsentGone,
	65004:   causeConsentGone,
	7000215: causeAppCredential,
	7000222: causeAppCredential,
	7000218: causeAppCredential,
	7000112: causeAppCredential,
	700016:  causeAppCredential,
	700025:  causeAppCredential,
	53003:   causeExtraStep,
	53000:   causeExtraStep,
	50076:   causeExtraStep,
	50079:   causeExtraStep,
	50158:   causeExtraStep,
	50057:   causeAccount,
	50055:   causeAccount,
	50053:   causeAccount,
}

// causeByKeyword is tried in order when no known AADSTS number appears.
// "consent" comes before "invalid_grant" because Microsoft reports a
// removed consent as invalid_grant too.
var causeByKeyword = []struct{ keyword, cause string }{
	{"invalid_client", causeAppCredential},
	{"interaction_required", causeExtraStep},
	{"consent", causeConsentGone},
	{"invalid_scope", causeScope},
	{"invalid_grant", causeSignInExpired},
	{"bad_refresh_token", causeSignInExpired},
	{"expired", causeSignInExpired},
	{"revoked", causeSignInExpired},
}

var aadstsNumber = regexp.MustCompile(`(?i)AADSTS(\d+)`)

// likelyCause explains a disconnection from the detail Recall recorded.
func likelyCause(detail string) string {
	for _, m := range aadstsNumber.FindAllStringSubmatch(detail, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			if cause, ok := causeByAADSTS[n]; ok {
				return cause
			}
		}
	}
	lower := strings.ToLower(detail)
	for _, k := range causeByKeyword {
		if strings.Contains(lower, k.keyword) {
			return k.cause
		}
	}
	return causeUnknown
}
