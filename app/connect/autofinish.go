package connect

import (
	"errors"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Automatic Finish connecting.
//
// When registering the calendar with Recall fails for a passing reason,
// the Service tries Finish connecting again by itself, on the same path as
// the button: the token from the keychain and the pending create's saved
// Idempotency-Key, so no try can make a second calendar. Anything else the
// person does (Finish connecting, Start over), a sign-in, a new failure and
// Close replace or end the schedule.
//
// Passing reasons (the problem's code):
//   - recall.unavailable: 502/503/504 or no answer (network, timeout of
//     one attempt). Recall is down or unreachable: try soon, then every
//     ten minutes (autoFinishSteps, ±20 %).
//   - recall.conflict: Recall is still working on the same create (its
//     Idempotency-Key is in flight); recall.canceled: Recall took longer
//     than RecallTimeout. Both as unavailable.
//   - recall.rate_limited: the Recall key's List Calendars is full, which
//     one install alone never causes (its client paces itself): the
//     organisation is connecting at once. Trying soon would only add to
//     the crowd, so the next try is drawn from 30 to 90 minutes
//     (autoFinishRateLimited), spreading the crowd over an hour.
//
// Recall's Retry-After, when it sent one, is a floor under either: the
// try never comes sooner, and it is spread by up to a quarter more so a
// crowd told the same time does not come back in the same second.
// Never retried: a key Recall refuses or the wrong region (unauthorized),
// invalid input or settings (validation, config_invalid), a calendar that
// is gone (not_found), an answer we do not understand (bad_response,
// unexpected), the keychain, payment and the firewall: the same try would
// fail the same way, and the card says who can fix it.
//
// # Budget
//
// Every install on one Recall key shares List Calendars, 60 a minute for
// the workspace (recall-api.md §6.2). One try lists at most three times
// (recall.Register's lookup by email, of those still connecting, and of
// those made since an older create key, once the first key is over
// CreateKeyReuse old) and creates or updates once (Calendars, 300/min).
//
//   - Recall unavailable: at most 9 tries in the first hour (after 0.5,
//     1.5, 3.5, 8.5, 18.5, …, 58.5 minutes), then 6 an hour, until
//     MaxAutoFinishTries (12, about an hour and a half). A try stops at
//     its first request that still fails after the client's own retries
//     (at most 4 sends), so it lists at most once while Recall is down,
//     and Recall's limits count only what it serves: an outage costs the
//     key nothing, and a computer that is offline sends nothing at all.
//   - Recall rate-limited: one try per 30 to 90 minutes, an hour on
//     average: at most 2 tries an hour, 1 on average, so at most
//     3 List Calendars an hour on average per stuck install.
//   - 1,000 people stuck at once on one key, rate-limited (while Recall
//     answers, a full key is what strands many people at once):
//     1,000 × 3 lists / 60 min = 50 a minute on average, under the 60 a
//     minute of List Calendars, whether they were turned away together
//     (their next tries spread over the hour from 30 to 90 minutes) or
//     one by one. 1,000 independent draws bunch by chance: a busy minute
//     can offer more than 60, and Recall turns the excess away with 429,
//     which sends those people another 30 to 90 minutes on; nothing
//     builds up. Each try that gets through connects one person, so the
//     crowd shrinks as it goes: the key serves 20 tries a minute, so the
//     1,000 offer less than it can serve and are connected within about
//     the 90 minutes of their first spread, bar the few turned away.
//     (A mean of two hours would offer 25 a minute, the 40 % share the
//     timed requests of package meetings plan for, at the cost of an
//     hour more for the person.)
//   - When Recall comes back after an outage, people stuck in it retry
//     within their ten-minute step; if that is more than the key allows,
//     the ones turned away get 429 and move to the hourly spread above.
//   - A restart tries once (see Start): the window after one step, the
//     background helper within StartSpread, which package app sizes to
//     the fleet, and never before the try that was due.
//
// Recall itself refuses (429) whatever exceeds its limit, so the admitted
// rate never passes 60 a minute; the figures above are what the stuck
// installs offer.

// MaxAutoFinishTries bounds the automatic tries after a failure the person
// saw: after it, Finish connecting waits for a click (or the next start).
const MaxAutoFinishTries = 12

// autoFinishSteps are the gaps before the automatic tries after Recall was
// unavailable; the last repeats. Each is jittered by ±20 %.
var autoFinishSteps = [...]time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

// autoFinishRateLimited is the mean gap after Recall rate-limited the key;
// the gap is drawn uniformly from half of it to one and a half times it.
const autoFinishRateLimited = time.Hour

// Problem codes of Recall failures that pass by themselves.
const (
	codeRecallUnavailable = "recall.unavailable"
	codeRecallRateLimited = "recall.rate_limited"
	codeRecallConflict    = "recall.conflict"
	codeRecallCanceled    = "recall.canceled"
)

// passingProblem says whether a registration that failed with code may
// succeed if simply tried again later.
func passingProblem(code string) bool {
	switch code {
	case codeRecallUnavailable, codeRecallRateLimited, codeRecallConflict, codeRecallCanceled:
		return true
	}
	return false
}

// RetryAfterError is an error from Calendars that carries the wait Recall
// asked for in a Retry-After header. The adapter over the Recall client
// wraps its errors in it, so this package needs no knowledge of HTTP.
type RetryAfterError struct {
	Err  error
	Wait time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// WithRetryAfter wraps err with Recall's Retry-After; err itself when
// there is no error or no wait.
func WithRetryAfter(err error, wait time.Duration) error {
	if err == nil || wait <= 0 {
		return err
	}
	return &RetryAfterError{Err: err, Wait: wait}
}

// retryAfterOf is the Retry-After carried by err, or 0.
func retryAfterOf(err error) time.Duration {
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return max(ra.Wait, 0)
	}
	return 0
}

// jittered is d ± 20 %, drawn with Options.Jitter.
func (s *Service) jittered(d time.Duration) time.Duration {
	return d*4/5 + s.opts.Jitter(d*2/5)
}

// autoFinishDelayLocked says whether a registration that failed with p
// (Retry-After retryAfter) is tried again by itself, and after how long.
func (s *Service) autoFinishDelayLocked(p *problem.Problem, retryAfter time.Duration) (time.Duration, bool) {
	if p == nil || !passingProblem(p.Code) || s.autoTries >= MaxAutoFinishTries {
		return 0, false
	}
	var d time.Duration
	if p.Code == codeRecallRateLimited {
		d = autoFinishRateLimited/2 + s.opts.Jitter(autoFinishRateLimited)
	} else {
		d = s.jittered(autoFinishSteps[min(s.autoTries, len(autoFinishSteps)-1)])
	}
	if retryAfter > 0 {
		d = max(d, retryAfter+s.opts.Jitter(retryAfter/4))
	}
	return max(d, time.Nanosecond), true
}

// startDelayLocked says whether Start tries a pending registration once by
// itself, and after how long. It does when the last failure passes by
// itself, is not known (a file from an older version, or the app closed
// while registering), or the setup changed since (IT may have fixed the
// cause). The window waits one step, so the person sees where they are;
// a background helper waits within StartSpread, so a fleet started
// together spreads out; neither before the Retry-After saved with it.
func (s *Service) startDelayLocked(saved Saved) (time.Duration, bool) {
	changed := saved.Setup.known() && saved.Setup != s.opts.Setup
	if saved.LastProblem != "" && !passingProblem(saved.LastProblem) && !changed {
		return 0, false
	}
	d := s.jittered(autoFinishSteps[0])
	if s.opts.StartSpread > 0 {
		d = s.opts.Jitter(s.opts.StartSpread)
	}
	if wait := saved.RetryAt.Sub(s.opts.Now()); !saved.RetryAt.IsZero() && wait > d {
		d = wait
	}
	return max(d, time.Nanosecond), true
}

// scheduleAutoFinishLocked arms the automatic Finish connecting after
// delay, replacing any armed one, and shows when on the screen. Only the
// finish_pending screen has one.
func (s *Service) scheduleAutoFinishLocked(delay time.Duration) time.Time {
	s.stopAutoFinishLocked()
	if s.closed || s.state.Phase != PhaseFinishPending {
		return time.Time{}
	}
	at := s.opts.Now().Add(delay)
	s.state.RetryAt = formatTime(at)
	s.version++
	seq := s.autoSeq
	s.autoCancel = s.armLocked(delay, func() { s.finishConnecting(s.life, seq) })
	s.log.Info("connect.auto_finish_scheduled", "after", delay, "try", s.autoTries+1)
	return at
}

// stopAutoFinishLocked disarms the automatic Finish connecting, if armed.
// The sequence number changes either way, so a timer that already fired
// finds itself superseded.
func (s *Service) stopAutoFinishLocked() {
	if s.autoCancel != nil {
		close(s.autoCancel)
		s.autoCancel = nil
	}
	s.autoSeq++
}

// registrationFailedLocked shows a failed registration on the Finish
// connecting screen and, when the failure passes by itself, arms the next
// automatic try. It records both in s.saved for a restart; the caller
// persists.
func (s *Service) registrationFailedLocked(account string, err error) {
	p := problem.From(err)
	s.endOperationLocked(State{Phase: PhaseFinishPending, Account: account, Problem: p})
	var at time.Time
	if delay, ok := s.autoFinishDelayLocked(p, retryAfterOf(err)); ok {
		at = s.scheduleAutoFinishLocked(delay)
	}
	s.saved.LastProblem, s.saved.RetryAt = p.Code, at
}

// autoFinishNoteLocked describes the automatic Finish connecting for Copy
// diagnostics ("" when there is nothing pending).
func (s *Service) autoFinishNoteLocked() string {
	if !s.saved.Pending {
		return ""
	}
	switch {
	case s.state.RetryAt != "":
		return "Finish connecting: tries again by itself at " + s.state.RetryAt
	case s.saved.LastProblem != "" && passingProblem(s.saved.LastProblem):
		return "Finish connecting: stopped trying by itself (the person can still select it)"
	case s.saved.LastProblem != "":
		return "Finish connecting: not tried by itself (the last problem needs the person or IT)"
	}
	return ""
}
