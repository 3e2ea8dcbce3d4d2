package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Names of the operations that claim the single operation slot.
const (
	opConnect    = "connect"
	opReconnect  = "reconnect"
	opFinish     = "finish"
	opDisconnect = "disconnect"
	opRemove     = "remove"
	opForget     = "forget"
)

// signInRun is one sign-in started by Connect or Reconnect.
type signInRun struct {
	attempt Attempt
	ctx     context.Context
	cancel  context.CancelFunc
	// back is the screen to return to when the sign-in does not succeed.
	back State
	// reconnect runs: the calendar to PATCH and the account it belongs to.
	reconnect bool
	knownID   string
	saved     Saved
	started   time.Time
}

// Connect starts a sign-in and returns as soon as the browser was asked to
// open it (phase signing_in) or starting failed. The sign-in and the
// registration with Recall continue in the background. While another
// operation runs, Connect starts nothing and returns the current State.
func (s *Service) Connect(ctx context.Context) State {
	return s.beginSignIn(ctx, false)
}

// Reconnect starts a new sign-in for the connected calendar; once it
// succeeds the new token replaces the old one and the same Recall calendar
// is updated (its id never changes).
func (s *Service) Reconnect(ctx context.Context) State {
	return s.beginSignIn(ctx, true)
}

func (s *Service) beginSignIn(ctx context.Context, reconnect bool) State {
	if ctx == nil {
		ctx = context.Background()
	}
	wantPhase, op := PhaseIdle, opConnect
	if reconnect {
		wantPhase, op = PhaseConnected, opReconnect
	}
	s.mu.Lock()
	if s.state.Phase != wantPhase || !s.beginOperationLocked(op) {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	back := s.snapshotLocked()
	back.Problem, back.Busy = nil, false
	// A new sign-in answers a notice left for this start (see Saved.Notice).
	seenNotice := s.saved.Notice != nil
	s.saved.Notice = nil
	run := &signInRun{back: back, reconnect: reconnect, started: s.opts.Now()}
	if reconnect {
		run.knownID, run.saved = s.saved.CalendarID, s.saved
	}
	s.mu.Unlock()
	if seenNotice {
		s.persist()
	}

	run.ctx, run.cancel = context.WithTimeout(s.life, s.opts.SignInTimeout)
	// The caller's context bounds only the start of the sign-in; waiting
	// for the person runs under the Service's lifetime.
	stopFollowing := context.AfterFunc(ctx, run.cancel)
	attempt, err := s.opts.Auth.Begin(run.ctx)
	stopFollowing()
	if err != nil {
		run.cancel()
		p := s.signInProblem(run.ctx, err)
		s.log.Warn("connect.signin_not_started", "operation", op, "problem", p.Code)
		s.returnTo(run.back, p)
		return s.State()
	}
	run.attempt = attempt

	startURL := attempt.StartURL()
	// A browser that does not open is not an error: the Waiting screen then
	// leads with Copy link.
	opened := true
	if err := s.opts.Browser.Open(startURL); err != nil {
		opened = false
		s.log.Warn("connect.browser_not_opened", "error_type", fmt.Sprintf("%T", err))
	}
	signIn := &SignInState{StartURL: startURL, BrowserOpened: opened}
	if e, ok := attempt.(ExpiringAttempt); ok {
		signIn.ExpiresAt = formatTime(e.ExpiresAt())
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		attempt.Cancel()
		run.cancel()
		return s.State()
	}
	s.signIn = run
	s.setStateLocked(State{Phase: PhaseSigningIn, Account: back.Account, SignIn: signIn})
	s.mu.Unlock()
	s.log.Info("connect.signin_started", "operation", op, "browser_opened", opened)
	s.publish()
	s.opts.Notifier.SignInWaiting(startURL)

	if !s.spawn(func() { s.awaitSignIn(run) }) {
		attempt.Cancel()
		run.cancel()
	}
	return s.State()
}

// CancelSignIn ends the sign-in in progress and returns to the previous
// screen without a Problem card. Once the sign-in has succeeded and the
// registration runs, there is nothing to cancel.
func (s *Service) CancelSignIn() State {
	s.mu.Lock()
	run := s.signIn
	if run == nil {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	s.signIn = nil
	s.endOperationLocked(run.back)
	s.mu.Unlock()
	run.attempt.Cancel()
	run.cancel()
	s.log.Info("connect.signin_cancelled", "after", s.opts.Now().Sub(run.started))
	s.publish()
	return s.State()
}

// OpenSignInAgain opens the browser again on the same start URL.
func (s *Service) OpenSignInAgain() State {
	s.mu.Lock()
	run := s.signIn
	var startURL string
	if run != nil && s.state.SignIn != nil {
		startURL = s.state.SignIn.StartURL
	}
	s.mu.Unlock()
	if startURL == "" {
		return s.State()
	}
	err := s.opts.Browser.Open(startURL)
	if err != nil {
		s.log.Warn("connect.browser_not_opened", "error_type", fmt.Sprintf("%T", err))
	}
	s.mu.Lock()
	if s.signIn == run && s.state.SignIn != nil && s.state.SignIn.BrowserOpened != (err == nil) {
		signIn := *s.state.SignIn
		signIn.BrowserOpened = err == nil
		s.state.SignIn = &signIn
		s.version++
	}
	s.mu.Unlock()
	s.publish()
	return s.State()
}

// awaitSignIn waits for the person to finish signing in, keeps the token
// and registers the calendar.
func (s *Service) awaitSignIn(run *signInRun) {
	defer run.cancel()

	signedIn, err := run.attempt.Wait(run.ctx)
	// Close the loopback port now, whatever happened (safe twice).
	run.attempt.Cancel()

	s.mu.Lock()
	if s.signIn != run || s.closed {
		// Cancelled from the app or shutting down: whatever the attempt
		// returned is dropped, including a token that arrived late.
		s.mu.Unlock()
		return
	}
	s.signIn = nil
	s.mu.Unlock()

	elapsed := s.opts.Now().Sub(run.started)
	if err != nil {
		p := s.signInProblem(run.ctx, err)
		s.log.Warn("connect.signin_failed", "after", elapsed, "problem", p.Code)
		s.returnTo(run.back, p)
		return
	}
	if run.reconnect && !sameIdentity(run.saved, signedIn) {
		p := problemOtherAccount(run.saved.Account, signedIn.Email)
		s.log.Warn("connect.signin_failed", "after", elapsed, "problem", p.Code)
		s.returnTo(run.back, p)
		return
	}
	s.log.Info("connect.signed_in", "after", elapsed)

	s.mu.Lock()
	s.setStateLocked(State{Phase: PhaseRegistering, Busy: true, Account: signedIn.Email})
	s.autoTries = 0
	s.mu.Unlock()
	s.publish()

	// The token goes to the keychain before anything else, so a failure
	// with Recall later never costs the person their sign-in. It is keyed
	// by the account's stable id, never by its email.
	key := accountKey(signedIn.ObjectID, signedIn.TenantID, signedIn.Email)
	s.tokenMu.Lock()
	kctx, cancel := s.callContext(s.life, s.opts.KeychainTimeout)
	err = s.opts.Secrets.SaveRefreshToken(kctx, key, signedIn.RefreshToken)
	cancel()
	if err != nil {
		s.tokenMu.Unlock()
		p := problem.From(err)
		s.log.Warn("connect.token_not_saved", "problem", p.Code)
		s.returnTo(run.back, p)
		return
	}

	s.mu.Lock()
	previous := s.saved
	s.saved = Saved{
		Account:    signedIn.Email,
		ObjectID:   signedIn.ObjectID,
		TenantID:   signedIn.TenantID,
		CalendarID: run.knownID,
		Pending:    true,
		Operation:  operationConnect,
		Setup:      s.opts.Setup,
	}
	if run.reconnect {
		s.saved.LastStatus, s.saved.Since = previous.LastStatus, previous.Since
	}
	if run.knownID == "" {
		// Minted and saved before Recall is called: whatever happens to
		// the answer, the next try repeats this create, not a new one.
		s.saved.CreateKey, s.saved.CreateKeyAt = newCreateKey(), s.opts.Now()
	}
	s.mu.Unlock()
	s.tokenMu.Unlock()
	// A failed save is not fatal: the token is safe and registration can
	// go on; the Problem is shown with the outcome.
	saveProblem := s.persist()
	if legacy := AccountKey(run.saved); run.reconnect && legacy != "" && legacy != key {
		// A connection saved before ids were kept had its token under the
		// email: that entry is replaced by the one keyed by the id.
		s.deleteToken(legacy, "legacy")
	}
	s.register(s.life, signedIn.RefreshToken, saveProblem)
}

// FinishConnecting retries the registration with the token already in the
// keychain, without a new sign-in.
func (s *Service) FinishConnecting(ctx context.Context) State {
	return s.finishConnecting(ctx, 0)
}

// finishConnecting is Finish connecting for the person (autoSeq 0) or for
// the automatic try armed as autoSeq, which does nothing once superseded:
// by a click, Start over, another failure or Close.
func (s *Service) finishConnecting(ctx context.Context, autoSeq uint64) State {
	s.mu.Lock()
	if (autoSeq != 0 && autoSeq != s.autoSeq) || s.state.Phase != PhaseFinishPending || !s.beginOperationLocked(opFinish) {
		st := s.snapshotLocked()
		s.mu.Unlock()
		return st
	}
	saved := s.saved
	if autoSeq != 0 {
		// The screen stays put, its actions held, so nothing moves under
		// the person (nor the keyboard focus) while the try runs.
		s.autoTries++
		s.log.Info("connect.auto_finish", "try", s.autoTries)
		s.setStateLocked(State{Phase: PhaseFinishPending, Busy: true, Account: saved.Account, Problem: s.state.Problem})
	} else {
		// The person tried: a new failure starts the schedule afresh.
		s.autoTries = 0
		s.setStateLocked(State{Phase: PhaseRegistering, Busy: true, Account: saved.Account})
	}
	s.mu.Unlock()
	s.publish()

	kctx, cancel := s.callContext(ctx, s.opts.KeychainTimeout)
	token, err := s.opts.Secrets.LoadRefreshToken(kctx, AccountKey(saved))
	cancel()
	if err == nil && token == "" {
		err = &problem.Problem{Code: codeVaultNotFound}
	}
	if err != nil {
		p := problem.From(err)
		s.log.Warn("connect.token_not_loaded", "problem", p.Code)
		if !hasCode(p, codeVaultNotFound) {
			// The keychain may come back (locked, service not running):
			// keep everything and let the person try again.
			s.mu.Lock()
			s.endOperationLocked(State{Phase: PhaseFinishPending, Account: saved.Account, Problem: p})
			s.mu.Unlock()
			s.publish()
			return s.State()
		}
		s.signInLost(saved)
		return s.State()
	}
	s.register(ctx, token, nil)
	return s.State()
}

// signInLost handles Finish connecting when the keychain no longer has the
// token: nothing can be finished, so the person signs in again.
func (s *Service) signInLost(saved Saved) {
	s.mu.Lock()
	var next State
	if saved.CalendarID != "" {
		// A reconnect was pending: the calendar is still ours.
		s.saved.Pending, s.saved.Operation = false, ""
		next = State{Phase: PhaseConnected, Account: saved.Account, Calendar: savedCalendarView(s.saved), Problem: problemSignInLost(true)}
	} else {
		s.saved = Saved{}
		next = State{Phase: PhaseIdle, Problem: problemSignInLost(false)}
	}
	s.mu.Unlock()
	s.persist()
	s.mu.Lock()
	s.endOperationLocked(next)
	s.mu.Unlock()
	s.publish()
}

// register sends the token to Recall for the pending connection in s.saved.
// carried is a Problem from an earlier step to show with the outcome.
func (s *Service) register(parent context.Context, refreshToken string, carried *problem.Problem) {
	s.mu.Lock()
	renewed := s.renewCreateKeyLocked()
	saved := s.saved
	s.mu.Unlock()
	if renewed {
		// The new key must be on disk before Recall sees it.
		s.persist()
	}

	reg := Registration{
		KnownID:      saved.CalendarID,
		Email:        saved.Account,
		RefreshToken: refreshToken,
		CreateKey:    saved.CreateKey,
	}
	if !saved.LookupSince.IsZero() {
		reg.CreatedSince = saved.LookupSince.Add(-lookupMargin)
	}
	started := s.opts.Now()
	rctx, cancel := s.callContext(parent, s.opts.RecallTimeout)
	cal, err := s.opts.Calendars.Register(rctx, reg)
	cancel()
	if err != nil {
		p := problem.From(err)
		s.log.Warn("connect.register_failed", "after", s.opts.Now().Sub(started), "problem", p.Code)
		s.mu.Lock()
		if hasCode(p, codeRecallNotFound) && saved.CalendarID != "" {
			// The calendar was deleted in Recall: Finish connecting
			// should register a new one rather than PATCH a ghost.
			s.saved.CalendarID = ""
		}
		s.registrationFailedLocked(saved.Account, err)
		s.mu.Unlock()
		s.persist()
		s.publish()
		return
	}

	now := s.opts.Now()
	s.mu.Lock()
	view, since := calendarView(cal, now, saved)
	s.saved = Saved{
		Account:    saved.Account,
		ObjectID:   saved.ObjectID,
		TenantID:   saved.TenantID,
		CalendarID: cal.ID,
		LastStatus: cal.Status,
		Since:      since,
		Setup:      s.opts.Setup, // Register sent the current client id and secret
	}
	s.others = cal.Others
	s.lastRead = now
	s.mu.Unlock()
	s.log.Info("connect.registered", "after", now.Sub(started), "calendar_id", cal.ID, "status", cal.Status)
	if len(cal.Others) > 0 {
		s.log.Warn("connect.other_calendars", "calendar_id", cal.ID, "others", strings.Join(cal.Others, ","))
	}

	shown := carried
	if p := s.persist(); p != nil {
		shown = p
	}
	s.mu.Lock()
	s.endOperationLocked(State{Phase: PhaseConnected, Account: saved.Account, Calendar: &view, Problem: shown})
	s.mu.Unlock()
	s.publish()
	if cal.Status == statusConnected {
		s.clearToken()
	}
}

// renewCreateKeyLocked retires the pending create's key when Recall may no
// longer replay it (older than CreateKeyReuse, or minted for another
// workspace) and mints a new one, recording since when a calendar made
// under an old key may exist so that it is looked up before anything is
// created. It reports whether s.saved changed.
func (s *Service) renewCreateKeyLocked() bool {
	saved := &s.saved
	if saved.CalendarID != "" {
		return false
	}
	now := s.opts.Now()
	age := now.Sub(saved.CreateKeyAt)
	fresh := saved.CreateKey != "" && age >= 0 && age < CreateKeyReuse && s.opts.Setup.sameWorkspace(saved.Setup)
	if fresh {
		return false
	}
	if saved.CreateKey != "" {
		saved.LookupSince = earliest(saved.LookupSince, saved.CreateKeyAt)
		s.log.Info("connect.create_key_renewed", "age", age)
	}
	saved.CreateKey, saved.CreateKeyAt, saved.Setup = newCreateKey(), now, s.opts.Setup
	return true
}

// returnTo ends the operation on the screen it started from, with p (nil
// for a plain cancel).
func (s *Service) returnTo(back State, p *problem.Problem) {
	s.mu.Lock()
	back.Problem, back.Busy = p, false
	s.endOperationLocked(back)
	s.mu.Unlock()
	s.publish()
}

// signInProblem turns a sign-in error into a Problem; our own backstop
// timeout gets a clear message rather than "unexpected".
func (s *Service) signInProblem(ctx context.Context, err error) *problem.Problem {
	var p *problem.Problem
	if !errors.As(err, &p) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return problemSignInTimedOut()
	}
	return problem.From(err)
}

// sameIdentity says whether a sign-in is the saved account: the same oid
// and tid. A connection saved before ids were kept can only be compared by
// email (an unknown side matches anything, as before); its id is then
// recorded.
func sameIdentity(saved Saved, in SignedIn) bool {
	if saved.ObjectID == "" {
		return sameAccount(saved.Account, in.Email)
	}
	return strings.EqualFold(saved.ObjectID, in.ObjectID) &&
		(saved.TenantID == "" || strings.EqualFold(saved.TenantID, in.TenantID))
}

// sameAccount compares email addresses; an unknown side matches anything.
func sameAccount(a, b string) bool {
	return a == "" || b == "" || strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
