package app

import (
	"context"
	"errors"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

// The bound methods of the Connected screen's meetings, recording rule and
// "Keep scheduling when closed" (contracts.md). They are thin: the
// meetings Service does the work and pushes every change as
// "meetings:changed".

// BackgroundView is the "Keep scheduling when Outlook Connect is closed"
// switch and what the background helper did (issue 14).
type BackgroundView struct {
	KeepScheduling bool `json:"keepScheduling"`
	// Source is person (the person chose), admin (the admin's default
	// applies), default (nobody chose) or system (the computer's start-up
	// settings turned the entry off, so the switch shows off).
	Source string `json:"source"`
	// Running: a background helper process is running now.
	Running bool `json:"running"`
	// LastRunAt is the last sync the background helper did (RFC 3339).
	LastRunAt string `json:"lastRunAt,omitempty"`
	// BotsScheduled by the background helper while the window was closed,
	// counted from the window's last look before this one.
	BotsScheduled int              `json:"botsScheduled,omitempty"`
	Problem       *problem.Problem `json:"problem,omitempty"`
	// Note is a plain sentence on why the switch is as it is (demo mode,
	// turned off in the computer's start-up settings); not an error.
	Note string `json:"note,omitempty"`
}

// errNoMeetings answers a meetings change when the configuration cannot be
// used (AppInfo.SetupProblem says why, and the UI shows that instead).
var errNoMeetings = errors.New("meetings are not available until the setup problem is fixed")

// offView is the meetings view without a usable configuration.
func offView() meetings.View {
	return meetings.View{
		Phase:    meetings.PhaseOff,
		Rule:     meetings.RuleView{Rule: string(meetings.RuleNone), Source: meetings.SourceDefault},
		Meetings: []meetings.MeetingView{},
	}
}

// plainError is what a rejected call shows: the Problem's plain words (a
// Problem's Error() is its code and title, meant for logs). Problems never
// carry secrets.
func plainError(err error) error {
	if err == nil {
		return nil
	}
	p := problem.From(err)
	if p.Message == "" {
		return errors.New(p.Title)
	}
	return errors.New(p.Message)
}

// meetingsWorld is the world when it has a meetings Service.
func (a *App) meetingsWorld() *world {
	w := a.current().world
	if w == nil || w.meetings == nil {
		return nil
	}
	return w
}

// withMeetings runs fn on the meetings Service with a bounded context.
func (a *App) withMeetings(fn func(ctx context.Context, svc *meetings.Service) (meetings.View, error)) (meetings.View, error) {
	w := a.meetingsWorld()
	if w == nil {
		return offView(), errNoMeetings
	}
	ctx, cancel := opContext()
	defer cancel()
	v, err := fn(ctx, w.meetings)
	return v, plainError(err)
}

// GetMeetings returns the upcoming meetings, the rule and the sync state.
func (a *App) GetMeetings() (meetings.View, error) {
	w := a.meetingsWorld()
	if w == nil {
		return offView(), nil
	}
	return w.meetings.View(), nil
}

// SetRecordingRule saves the person's rule and re-plans the bots at once.
func (a *App) SetRecordingRule(rule string, acceptedOnly bool) (meetings.RuleResult, error) {
	w := a.meetingsWorld()
	if w == nil {
		return meetings.RuleResult{View: offView()}, errNoMeetings
	}
	ctx, cancel := opContext()
	defer cancel()
	res, err := w.meetings.SetRule(ctx, rule, acceptedOnly)
	return res, plainError(err)
}

// SetMeetingOverride records the person's choice for one meeting: "record",
// "skip", or "" to follow the rule again.
func (a *App) SetMeetingOverride(eventID string, choice string) (meetings.View, error) {
	return a.withMeetings(func(ctx context.Context, svc *meetings.Service) (meetings.View, error) {
		return svc.SetOverride(ctx, eventID, choice)
	})
}

// DismissRulePrompt answers the one-time rule prompt with "Decide later".
func (a *App) DismissRulePrompt() (meetings.View, error) {
	return a.withMeetings(func(ctx context.Context, svc *meetings.Service) (meetings.View, error) {
		return svc.DismissRulePrompt(ctx)
	})
}

// SyncMeetings is "Check for changes": reads the meetings from Recall now,
// rate-limited by the Service.
func (a *App) SyncMeetings() (meetings.View, error) {
	return a.withMeetings(func(ctx context.Context, svc *meetings.Service) (meetings.View, error) {
		return svc.SyncNow(ctx)
	})
}

// GetBackground returns the "Keep scheduling when closed" switch.
func (a *App) GetBackground() (BackgroundView, error) {
	w := a.meetingsWorld()
	if w == nil {
		return BackgroundView{KeepScheduling: config.DefaultKeepScheduling, Source: meetings.SourceDefault}, nil
	}
	return a.backgroundView(w), nil
}

// SetKeepScheduling saves the person's "Keep scheduling when closed"
// choice and writes or removes the start-at-login entry to match.
func (a *App) SetKeepScheduling(on bool) (BackgroundView, error) {
	w := a.meetingsWorld()
	if w == nil {
		return BackgroundView{KeepScheduling: config.DefaultKeepScheduling, Source: meetings.SourceDefault}, errNoMeetings
	}
	if err := w.meetings.SetKeepScheduling(on); err != nil {
		return a.backgroundView(w), plainError(err)
	}
	a.syncLoginEntry(w, true, on)
	v := a.backgroundView(w)
	a.runtime().Emit(EventBackgroundChanged, v)
	return v, nil
}
