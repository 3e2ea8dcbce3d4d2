// Package connect holds the use cases of Outlook Connect: connect a calendar,
// finish a connection whose registration failed, follow its status, reconnect,
// disconnect, and cancel a sign-in. It talks to the outside world only through
// the interfaces in ports.go and tells the UI about every change through the
// Notifier.
package connect

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes from other packages that change what the use cases do.
const (
	// codeRecallNotFound: the calendar no longer exists in Recall.
	codeRecallNotFound = "recall.not_found"
	// codeVaultNotFound: the keychain has no entry for the account.
	codeVaultNotFound = "vault.not_found"
)

// Values of Saved.Operation.
const (
	operationConnect    = "connect"
	operationDisconnect = "disconnect"
)

// Recall calendar statuses.
const (
	statusConnecting   = "connecting"
	statusConnected    = "connected"
	statusDisconnected = "disconnected"
)

// Defaults for Options.
const (
	DefaultConnectingPollStart = 2 * time.Second
	DefaultConnectingPollMax   = 30 * time.Second
	DefaultStatusPollInterval  = 5 * time.Minute
	DefaultFocusRefreshMinGap  = 30 * time.Second
	DefaultSignInTimeout       = 15 * time.Minute
	DefaultRecallTimeout       = 30 * time.Second
	// Keychains can show the person a prompt ("allow access?"), so give them
	// longer than a network call.
	DefaultKeychainTimeout = 2 * time.Minute
)

// Options configures a Service. The ports are required except Notifier.
type Options struct {
	Auth      Authenticator
	Secrets   Secrets
	Calendars Calendars
	Store     StateStore
	Browser   Browser
	Notifier  Notifier // optional; nil drops notifications

	// Setup is the Recall and Microsoft setup in force, as fingerprints. It
	// is saved with each connection and compared on start and on every
	// status read: a changed client secret is sent to Recall, and a
	// calendar Recall no longer knows after a change of settings is not
	// taken for a deleted one.
	Setup Setup

	Now func() time.Time // default time.Now
	// After schedules status polls; default time.After. Tests inject a fake
	// so polling is driven step by step.
	After  func(time.Duration) <-chan time.Time
	Logger *slog.Logger // optional; gets event names, durations and problem codes, never tokens

	// While Recall reports "connecting", polls start this far apart and the
	// gap doubles up to ConnectingPollMax.
	ConnectingPollStart time.Duration
	ConnectingPollMax   time.Duration
	// StatusPollInterval is the gap between polls once the calendar is
	// connected or disconnected. Every install on one Recall key shares
	// Retrieve Calendar's limit: pass meetings.Budget.StatusPollInterval().
	StatusPollInterval time.Duration
	// StartSpread delays the first status read of a saved connection by a
	// random time up to this, instead of reading at once, so a fleet of
	// background helpers started by a login storm spreads its requests
	// (issue 14; pass StatusPollInterval). 0, for the window, reads at
	// once: the person is looking. A saved status of "connecting" is
	// always read at once.
	StartSpread time.Duration
	// Jitter returns a random duration in [0, n], for StartSpread; nil
	// means uniform random. Tests inject a fixed one.
	Jitter func(n time.Duration) time.Duration
	// FocusRefreshMinGap: a refresh on window focus is skipped if the status
	// was read less than this long ago, to stay within Recall's rate budget.
	FocusRefreshMinGap time.Duration

	// SignInTimeout is a backstop over the sign-in attempt's own timeout.
	SignInTimeout   time.Duration
	RecallTimeout   time.Duration // each Calendars call
	KeychainTimeout time.Duration // each Secrets call
}

func (o *Options) applyDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Notifier == nil {
		o.Notifier = discardNotifier{}
	}
	if o.Jitter == nil {
		o.Jitter = func(n time.Duration) time.Duration {
			if n <= 0 {
				return 0
			}
			return rand.N(n + 1)
		}
	}
	setDefault(&o.ConnectingPollStart, DefaultConnectingPollStart)
	setDefault(&o.ConnectingPollMax, DefaultConnectingPollMax)
	setDefault(&o.StatusPollInterval, DefaultStatusPollInterval)
	setDefault(&o.FocusRefreshMinGap, DefaultFocusRefreshMinGap)
	setDefault(&o.SignInTimeout, DefaultSignInTimeout)
	setDefault(&o.RecallTimeout, DefaultRecallTimeout)
	setDefault(&o.KeychainTimeout, DefaultKeychainTimeout)
	o.ConnectingPollMax = max(o.ConnectingPollMax, o.ConnectingPollStart)
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

type discardNotifier struct{}

func (discardNotifier) StateChanged(State)   {}
func (discardNotifier) SignInWaiting(string) {}

// Service runs the use cases. Its methods are safe for concurrent use; each
// returns the State after the call (or the current State when the action is
// not available right now). The Notifier must not call back into the Service
// synchronously.
type Service struct {
	opts Options
	log  *slog.Logger

	life context.Context // cancelled by Close
	stop context.CancelFunc
	wg   sync.WaitGroup // goroutines owned by the Service

	publishMu        sync.Mutex // keeps notifications in order
	publishedVersion uint64
	persistMu        sync.Mutex // keeps saves in order
	// tokenMu orders keychain writes of the refresh token: a sign-in that
	// stores a new one and the clean-up that deletes one after Recall
	// reported "connected" never interleave.
	tokenMu sync.Mutex

	mu    sync.Mutex
	state State
	// version counts state changes so each one is published once.
	version uint64
	saved   Saved
	// operation is the use case in flight ("" when none): only one runs at
	// a time, whatever the phase.
	operation string
	// epoch changes whenever an operation starts or ends, so a status read
	// started before it is not applied after it.
	epoch  uint64
	signIn *signInRun
	// lastRead is when the status was last read from Recall (rate budget).
	lastRead time.Time
	// statusProblem is the Problem set by a failed RefreshStatus, cleared
	// by the next successful read.
	statusProblem   *problem.Problem
	connectingDelay time.Duration // next poll gap while "connecting"
	// firstPoll, when positive, is the gap before the first poll after
	// Start (StartSpread), used once.
	firstPoll  time.Duration
	pollCancel chan struct{} // closes the pending poll, if any
	pollSeq    uint64        // identifies the pending poll
	// others are duplicates of our calendar that the last registration
	// found and left alone, for diagnostics.
	others []string
	// rotating is set while a rotated client secret is on its way to
	// Recall, so that concurrent status reads send it once.
	rotating bool
	// autoCancel closes the armed automatic Finish connecting, if any;
	// autoSeq identifies it (0 is never armed: it marks the person's
	// click). autoTries counts the automatic tries since the person's
	// last try (the sign-in, or Finish connecting) or since Start.
	autoCancel      chan struct{}
	autoSeq         uint64
	autoTries       int
	started, closed bool
}

// New checks the options and returns an idle Service. Call Start to load
// what was saved and Close when done.
func New(opts Options) (*Service, error) {
	var missing []error
	if opts.Auth == nil {
		missing = append(missing, errors.New("connect: Options.Auth is required"))
	}
	if opts.Secrets == nil {
		missing = append(missing, errors.New("connect: Options.Secrets is required"))
	}
	if opts.Calendars == nil {
		missing = append(missing, errors.New("connect: Options.Calendars is required"))
	}
	if opts.Store == nil {
		missing = append(missing, errors.New("connect: Options.Store is required"))
	}
	if opts.Browser == nil {
		missing = append(missing, errors.New("connect: Options.Browser is required"))
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	opts.applyDefaults()
	life, stop := context.WithCancel(context.Background())
	return &Service{
		opts:            opts,
		log:             opts.Logger,
		life:            life,
		stop:            stop,
		state:           State{Phase: PhaseIdle},
		connectingDelay: opts.ConnectingPollStart,
	}, nil
}

// Start loads what was saved, derives the screen from it and resumes status
// polling. A restart cannot resume a sign-in, so a connection that was
// waiting for one starts over; a disconnect that was under way is retried
// once. Start returns without waiting for Recall. Calls after the first do
// nothing.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.mu.Unlock()

	saved, err := s.opts.Store.Load()

	var retryDisconnect, refreshNow bool
	s.mu.Lock()
	if err != nil {
		p := problem.From(err)
		s.log.Warn("connect.load_failed", "problem", p.Code)
		s.saved = Saved{}
		s.setStateLocked(State{Phase: PhaseIdle, Problem: p})
	} else {
		if !saved.Setup.known() && saved.CalendarID != "" {
			// Saved by a version that did not record its setup: it was
			// made with what this install had, so assume the current one.
			saved.Setup = s.opts.Setup
		}
		s.saved = saved
		switch {
		case saved.Operation == operationDisconnect:
			s.beginDisconnectLocked()
			retryDisconnect = true
		case saved.Pending && saved.Account != "":
			// Signed in before, registration not done: offer Finish
			// connecting without an error card, and try it once by itself
			// when the last failure may have passed.
			s.setStateLocked(State{Phase: PhaseFinishPending, Account: saved.Account})
			if delay, ok := s.startDelayLocked(saved); ok {
				s.scheduleAutoFinishLocked(delay)
			}
		case saved.CalendarID != "":
			s.saved.Operation = ""
			spread := s.opts.StartSpread > 0 && saved.LastStatus != "" && saved.LastStatus != statusConnecting
			if spread {
				// A helper started at login: the first poll comes within
				// the spread, in place of a read now.
				s.firstPoll = max(s.opts.Jitter(s.opts.StartSpread), time.Nanosecond)
			}
			s.setStateLocked(State{Phase: PhaseConnected, Account: saved.Account, Calendar: savedCalendarView(saved)})
			refreshNow = !spread
		default:
			s.saved.Operation = ""
			s.setStateLocked(State{Phase: PhaseIdle, Problem: saved.Notice})
		}
	}
	phase := s.state.Phase
	s.mu.Unlock()
	s.log.Info("connect.started", "phase", string(phase))
	s.publish()

	if retryDisconnect {
		s.spawn(func() { s.completeDisconnect(s.life) })
	}
	if refreshNow {
		s.spawn(func() { s.refresh(s.life, readByStart, 0) })
	}
}

// Close stops polling and any sign-in, and waits for the Service's
// goroutines. Nothing is published after Close.
func (s *Service) Close() {
	s.mu.Lock()
	run := s.signIn
	s.closed = true
	s.stopPollingLocked()
	s.stopAutoFinishLocked()
	s.mu.Unlock()
	s.stop()
	if run != nil {
		run.attempt.Cancel()
	}
	s.wg.Wait()
}

// State returns a copy of the current state.
func (s *Service) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// DismissProblem hides the current Problem card.
func (s *Service) DismissProblem() State {
	s.mu.Lock()
	if s.state.Problem != nil {
		s.state.Problem = nil
		s.statusProblem = nil
		s.version++
	}
	// A notice saved for a later start has now been seen.
	forget := s.saved.Notice != nil && s.operation == ""
	if forget {
		s.saved.Notice = nil
	}
	s.mu.Unlock()
	if forget {
		s.persist()
	}
	s.publish()
	return s.State()
}

// setStateLocked replaces the screen. Entering (or re-entering) the
// Connected screen restarts status polling from the fast end; leaving it
// stops polling. Any new screen disarms the automatic Finish connecting:
// whoever shows finish_pending again arms the next one.
func (s *Service) setStateLocked(next State) {
	s.state = next
	s.version++
	s.stopAutoFinishLocked()
	if next.Phase == PhaseConnected {
		s.connectingDelay = s.opts.ConnectingPollStart
		s.scheduleNextPollLocked()
	} else {
		s.stopPollingLocked()
	}
}

// beginOperationLocked claims the single operation slot; false if another
// operation runs or the Service is closed.
func (s *Service) beginOperationLocked(name string) bool {
	if s.closed || s.operation != "" {
		return false
	}
	s.operation = name
	s.epoch++
	return true
}

// endOperationLocked frees the operation slot and shows next.
func (s *Service) endOperationLocked(next State) {
	s.operation = ""
	s.epoch++
	s.setStateLocked(next)
}

func (s *Service) snapshotLocked() State {
	return cloneState(s.state)
}

func cloneState(st State) State {
	st.Calendar = cloneCalendar(st.Calendar)
	if st.SignIn != nil {
		si := *st.SignIn
		st.SignIn = &si
	}
	// Problems are never modified after creation, so sharing is safe.
	return st
}

func cloneCalendar(c *CalendarState) *CalendarState {
	if c == nil {
		return nil
	}
	cc := *c
	if c.LastChange != nil {
		lc := *c.LastChange
		cc.LastChange = &lc
	}
	return &cc
}

// publish sends the current state to the Notifier if it changed since the
// last send. Sending the latest state under publishMu keeps the UI in order
// even when changes race; the main lock is not held while calling out.
func (s *Service) publish() {
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.mu.Lock()
	if s.closed || s.version == s.publishedVersion {
		s.mu.Unlock()
		return
	}
	st, v := s.snapshotLocked(), s.version
	s.mu.Unlock()
	s.publishedVersion = v
	s.opts.Notifier.StateChanged(st)
}

// persist saves the latest Saved. Saves are serialised so the file always
// ends up with the newest version. A failure is returned as a Problem to
// show; the in-memory state stays authoritative for this session.
func (s *Service) persist() *problem.Problem {
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	s.mu.Lock()
	saved := s.saved
	s.mu.Unlock()
	if err := s.opts.Store.Save(saved); err != nil {
		p := problem.From(err)
		s.log.Warn("connect.save_failed", "problem", p.Code)
		return p
	}
	return nil
}

// spawn runs f in a goroutine owned by the Service; false once closed.
func (s *Service) spawn(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// callContext bounds one port call by timeout, by parent, and by the
// Service's lifetime (so Close cancels it).
func (s *Service) callContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	stopFollowing := context.AfterFunc(s.life, cancel)
	return ctx, func() {
		stopFollowing()
		cancel()
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func hasCode(p *problem.Problem, code string) bool {
	return p != nil && p.Code == code
}
