package meetings

import (
	"context"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// wanted is the bot the scheduler wants for a meeting: Recall's
// recommended deduplication key (recall-api.md §4.3, one scheme for every
// install, so colleagues in one meeting share one bot) and the complete
// bot_config (Recall has no partial updates, §4.1).
type wanted struct {
	key    string
	config map[string]any
	// fingerprint identifies config in Sched.Config.
	fingerprint string
}

func wantFor(m *Meeting, botName string) wanted {
	if m.URL == "" {
		return wanted{}
	}
	w := wanted{
		key:         recall.DefaultDeduplicationKey(recall.Event{StartTime: m.Start, MeetingURL: m.URL}),
		config:      map[string]any{"bot_name": botName},
		fingerprint: "bot_name=" + botName,
	}
	if m.URLInConfig {
		w.config["meeting_url"] = m.URL
		w.fingerprint += "\nmeeting_url=" + m.URL
	}
	return w
}

// satisfied: Recall has this bot on the event, with this configuration.
func (w wanted) satisfied(m *Meeting) bool {
	if w.key == "" || m.Sched.Config != w.fingerprint {
		return false
	}
	for _, b := range m.Bots {
		if b.Key == w.key {
			return true
		}
	}
	return false
}

type actionKind int

const (
	actNone actionKind = iota
	actSchedule
	actUnschedule
)

func (k actionKind) String() string {
	switch k {
	case actSchedule:
		return "schedule"
	case actUnschedule:
		return "unschedule"
	}
	return "none"
}

// actionFor reconciles wanted against actual for one meeting. Meetings
// that are over are never touched (recall-api.md §4.4); a bot Recall has
// dispatched cannot change; a meeting to record gets its bot when it is
// within ListHorizon, and again whenever its start time or link changed
// (Recall does not move bots, §4.1) or the bot_config did; a meeting not
// to record loses any bot still waiting to join.
func actionFor(m *Meeting, d decision, botName string, now time.Time) (actionKind, wanted) {
	switch {
	case !m.End.After(now) || m.Sched.Ended:
		return actNone, wanted{}
	case m.Sched.RetryAt.After(now):
		return actNone, wanted{}
	case m.Sched.InMeeting && len(m.Bots) > 0:
		return actNone, wanted{}
	}
	if !d.record {
		if hasWaitingBot(m, now) {
			return actUnschedule, wanted{}
		}
		return actNone, wanted{}
	}
	if !m.Start.Before(now.Add(ListHorizon)) {
		return actNone, wanted{}
	}
	w := wantFor(m, botName)
	if w.satisfied(m) {
		return actNone, w
	}
	return actSchedule, w
}

// Retry pacing for one meeting's failed calls (the client has already
// retried within the call).
const (
	retryFirst = 30 * time.Second
	retryMax   = 15 * time.Minute
)

func retryDelay(failures int) time.Duration {
	d := retryFirst
	for i := 1; i < failures && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// call makes the Recall call for an action.
func (s *Service) call(ctx context.Context, kind actionKind, m Meeting, w wanted) (recall.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	if kind == actUnschedule {
		return s.opts.Source.UnscheduleBot(ctx, m.ID)
	}
	return s.opts.Source.ScheduleBot(ctx,
		recall.Event{ID: m.ID, StartTime: m.Start, MeetingURL: m.URL},
		recall.BotRequest{DeduplicationKey: w.key, BotConfig: w.config})
}

// outcome is what applyOutcomeLocked decided about the rest of the batch.
type outcome int

const (
	outcomeNext outcome = iota // go on with the next meeting
	outcomeStop                // stop the batch (429, lost credentials, shutting down)
)

// applyOutcomeLocked records a call's result on the meeting:
//
//   - success: Recall's answer replaces our copy (its bots[] is the truth);
//   - 400 "event has ended": done, nothing to show (§4.1);
//   - 405: the bot is already in the meeting (§4.2);
//   - 404: the event is gone; the next sync drops it;
//   - 429: Retry-After is obeyed and the interval widened for the whole
//     process (Budget), and the batch stops;
//   - anything else (409 or 507 the client's own retries did not clear,
//     5xx, network): shown on the meeting and retried after a backoff.
func (s *Service) applyOutcomeLocked(m *Meeting, kind actionKind, w wanted, ev recall.Event, err error, now time.Time) outcome {
	if err == nil {
		sched := m.Sched
		updated := meetingFrom(ev, s.cal.Account)
		*m = updated
		m.Sched = Sched{InMeeting: sched.InMeeting}
		run := s.cache.Runs[s.opts.Runner]
		if kind == actSchedule {
			if !w.satisfiedBy(m) {
				m.Sched = sched
				s.failLocked(m, problemNoBot(), now)
				return outcomeNext
			}
			m.Sched.Config = w.fingerprint
			run.BotsScheduled++
		} else {
			run.BotsRemoved++
		}
		if s.cache.Runs == nil {
			s.cache.Runs = map[Runner]RunRecord{}
		}
		s.cache.Runs[s.opts.Runner] = run
		return outcomeNext
	}
	switch {
	case recall.EventEnded(err):
		m.Sched.Ended, m.Sched.Problem, m.Sched.Failures, m.Sched.RetryAt = true, nil, 0, time.Time{}
		return outcomeNext
	}
	switch recall.KindOf(err) {
	case recall.KindNotAllowed:
		m.Sched.InMeeting, m.Sched.Problem, m.Sched.Failures, m.Sched.RetryAt = true, nil, 0, time.Time{}
		return outcomeNext
	case recall.KindNotFound:
		// Deleted in Outlook since our last sync: wait for the sync.
		m.Sched.RetryAt = now.Add(s.budget.SyncInterval())
		s.wantSync = true
		return outcomeNext
	case recall.KindRateLimited:
		ra, _ := recall.RetryAfter(err)
		s.budget.RateLimited(now, ra)
		return outcomeStop
	case recall.KindCanceled:
		return outcomeStop
	case recall.KindUnauthorized, recall.KindBlocked, recall.KindPaymentRequired, recall.KindConfig:
		// Every other call would fail the same way: show it once and stop.
		s.failLocked(m, problem.From(err), now)
		return outcomeStop
	}
	s.failLocked(m, problem.From(err), now)
	return outcomeNext
}

func (s *Service) failLocked(m *Meeting, p *problem.Problem, now time.Time) {
	m.Sched.Failures++
	d := retryDelay(m.Sched.Failures)
	m.Sched.RetryAt = now.Add(d + s.opts.Jitter(d/10))
	m.Sched.Problem = p
}

// hasWaitingBot: a bot on the event has not reached its join time, so it
// can still be removed. Bots that already joined (or one a recurring
// event's earlier occurrence left in bots[], recall-api.md §4.3) cannot,
// and asking again would only meet 405s.
func hasWaitingBot(m *Meeting, now time.Time) bool {
	for _, b := range m.Bots {
		if b.Start.IsZero() || b.Start.After(now) {
			return true
		}
	}
	return false
}

// satisfiedBy: the bots in Recall's answer include the wanted key.
func (w wanted) satisfiedBy(m *Meeting) bool {
	for _, b := range m.Bots {
		if b.Key == w.key {
			return true
		}
	}
	return false
}

func problemNoBot() *problem.Problem {
	return &problem.Problem{
		Code:      "meetings.bot_missing",
		Title:     "Recall did not confirm the assistant",
		Message:   "Recall accepted the request but did not attach the meeting assistant to this meeting.",
		NextStep:  "Outlook Connect will try again shortly.",
		Retryable: true,
	}
}

// loopbackInConfig reports a bot_config value that points at this
// computer, which Recall's firewall blocks (recall-api.md §6.1).
func loopbackInConfig(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "localhost") || strings.Contains(l, "127.0.0.1") || strings.Contains(l, "[::1]")
}
