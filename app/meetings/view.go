package meetings

import (
	"sort"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// The JSON shapes below are the Go ⇄ UI contract (contracts.md, "Meetings");
// field names and values must not change without the UI.

// Phases of the meetings list.
const (
	PhaseOff       = "off"        // no connected calendar
	PhaseFirstSync = "first_sync" // connected, nothing loaded yet
	PhaseReady     = "ready"      // the list is valid
)

// Sources of the rule.
const (
	SourcePerson  = "person"
	SourceAdmin   = "admin"
	SourceDefault = "default"
)

// Bot states.
const (
	BotNone      = "none"
	BotScheduled = "scheduled"
	BotPending   = "pending"
	BotFailed    = "failed"
	BotInMeeting = "in_meeting"
)

// ListHorizon is how far ahead the list goes, and how far ahead bots are
// scheduled: what the person sees is what is scheduled.
const ListHorizon = 7 * 24 * time.Hour

// TooSoon is how close to its start a change may not reach the bot
// (recall-api.md §4.1).
const TooSoon = 10 * time.Minute

const (
	noteTooSoon  = "Starts in less than 10 minutes — Recall may not manage to send the assistant."
	noteUnderWay = "Already under way — a change now may not reach the assistant in time."
)

// View is the MeetingsView of the contract.
type View struct {
	Phase    string        `json:"phase"`
	Rule     RuleView      `json:"rule"`
	AskRule  bool          `json:"askRule"`
	Meetings []MeetingView `json:"meetings"`
	Syncing  bool          `json:"syncing"`
	// Times are RFC 3339 in UTC; "" when unknown.
	LastSyncAt       string           `json:"lastSyncAt,omitempty"`
	NextSyncAt       string           `json:"nextSyncAt,omitempty"`
	SyncProblem      *problem.Problem `json:"syncProblem,omitempty"`
	RateLimitedUntil string           `json:"rateLimitedUntil,omitempty"`
	LastSyncBy       string           `json:"lastSyncBy,omitempty"`
	Counts           Counts           `json:"counts"`
}

// RuleView is the rule in effect and where it comes from.
type RuleView struct {
	Rule         string `json:"rule"`
	AcceptedOnly bool   `json:"acceptedOnly"`
	Source       string `json:"source"`
}

// Counts are over the 7-day list.
type Counts struct {
	Recorded int `json:"recorded"`
	Total    int `json:"total"`
}

// MeetingView is one row of the list.
type MeetingView struct {
	ID            string           `json:"id"`
	Start         string           `json:"start"`
	End           string           `json:"end"`
	AllDay        bool             `json:"allDay"`
	AllDayDate    string           `json:"allDayDate,omitempty"`
	Title         string           `json:"title"`
	Platform      string           `json:"platform"`
	PlatformLabel string           `json:"platformLabel"`
	Organizer     string           `json:"organizer,omitempty"`
	IsOrganizer   bool             `json:"isOrganizer"`
	ExternalCount int              `json:"externalCount"`
	Response      string           `json:"response"`
	Cancelled     bool             `json:"cancelled"`
	Record        bool             `json:"record"`
	Reason        string           `json:"reason"`
	Override      string           `json:"override"`
	CanOverride   bool             `json:"canOverride"`
	Bot           string           `json:"bot"`
	TooSoon       bool             `json:"tooSoon"`
	Note          string           `json:"note,omitempty"`
	Problem       *problem.Problem `json:"problem,omitempty"`
}

// RuleResult answers SetRule: the new view and how many meetings in the
// list changed between recorded and not.
type RuleResult struct {
	View    View `json:"view"`
	Changed int  `json:"changed"`
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// visible reports whether m belongs in the list at now: not yet over and
// starting within ListHorizon.
func visible(m *Meeting, now time.Time) bool {
	return m.End.After(now) && m.Start.Before(now.Add(ListHorizon))
}

// sortMeetings orders by start time, then id: the list order and the
// order bots are scheduled in (recall-api.md §4.4).
func sortMeetings(ms []*Meeting) {
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].Start.Equal(ms[j].Start) {
			return ms[i].Start.Before(ms[j].Start)
		}
		return ms[i].ID < ms[j].ID
	})
}

// meetingView renders one meeting with its decision.
func meetingView(m *Meeting, d decision, want wanted, now time.Time) MeetingView {
	v := MeetingView{
		ID:            m.ID,
		Start:         formatTime(m.Start),
		End:           formatTime(m.End),
		AllDay:        m.AllDay,
		AllDayDate:    m.AllDayDate,
		Title:         m.Title,
		Platform:      m.Platform,
		PlatformLabel: platformLabels[m.Platform],
		Organizer:     m.Organizer,
		IsOrganizer:   m.IsOrganizer,
		ExternalCount: d.external,
		Response:      m.Response,
		Cancelled:     m.Cancelled,
		Record:        d.record,
		Reason:        d.reason,
		Override:      string(d.override),
		CanOverride:   d.canOverride,
		Bot:           botState(m, d, want, now),
		Problem:       m.Sched.Problem,
	}
	if v.PlatformLabel == "" {
		v.Platform, v.PlatformLabel = PlatformOther, platformLabels[PlatformOther]
	}
	if !m.AllDay && !m.Cancelled && m.End.After(now) && now.After(m.Start.Add(-TooSoon)) {
		v.TooSoon = true
		v.Note = noteTooSoon
		if !now.Before(m.Start) {
			v.Note = noteUnderWay
		}
	}
	return v
}

// botState says what Recall has for the meeting compared with what the
// rules want.
func botState(m *Meeting, d decision, want wanted, now time.Time) string {
	inProgress := !now.Before(m.Start) && now.Before(m.End)
	switch {
	case len(m.Bots) > 0 && (m.Sched.InMeeting || inProgress):
		return BotInMeeting
	case d.record && want.satisfied(m):
		return BotScheduled
	case !d.record && !hasWaitingBot(m, now):
		return BotNone
	case m.Sched.Problem != nil:
		return BotFailed
	}
	return BotPending
}
