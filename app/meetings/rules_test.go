package meetings

import (
	"strings"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/recall"
)

const teamsURL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"

// meeting is a future Teams meeting organised by a colleague, accepted,
// with colleagues only; each case changes what it is about.
func meeting(change func(*Meeting)) Meeting {
	m := Meeting{
		ID: "e1", Start: baseTime.Add(2 * time.Hour), End: baseTime.Add(3 * time.Hour),
		URL: teamsURL, Platform: PlatformTeams, Organizer: "jamie.lee@contoso.example", Response: ResponseAccepted,
		Attendees: []Attendee{{Email: testAccount, Response: ResponseAccepted}, {Email: "li.wei@contoso.example"}},
	}
	if change != nil {
		change(&m)
	}
	return m
}

func withGuest(addr string) func(*Meeting) {
	return func(m *Meeting) { m.Attendees = append(m.Attendees, Attendee{Email: addr}) }
}

func TestRules(t *testing.T) {
	t.Parallel()
	org := newOrgDomains(testAccount, []string{"contoso-labs.example", "@Fabrikam.Example "})
	type want struct {
		record      bool
		reason      string
		canOverride bool
		external    int
	}
	cases := []struct {
		name         string
		rule         Rule
		acceptedOnly bool
		override     Override
		m            Meeting
		want         want
	}{
		// Outside the organisation, by domain.
		{"external guest", RuleExternal, false, "", meeting(withGuest("kim@northwind.example")),
			want{true, reasonExternal, true, 1}},
		{"colleagues only", RuleExternal, false, "", meeting(nil), want{false, reasonAllInside, true, 0}},
		{"configured internal domain", RuleExternal, false, "", meeting(withGuest("ana@contoso-labs.example")),
			want{false, reasonAllInside, true, 0}},
		{"internal domain written with @ and capitals", RuleExternal, false, "", meeting(withGuest("kim@fabrikam.example")),
			want{false, reasonAllInside, true, 0}},
		{"subdomain of ours is inside", RuleExternal, false, "", meeting(withGuest("sam@eu.contoso.example")),
			want{false, reasonAllInside, true, 0}},
		{"look-alike domain is outside", RuleExternal, false, "", meeting(withGuest("eve@notcontoso.example")),
			want{true, reasonExternal, true, 1}},
		{"external organiser counts", RuleExternal, false, "", meeting(func(m *Meeting) { m.Organizer = "omar@northwind.example" }),
			want{true, reasonExternal, true, 1}},
		{"guests beyond the stored list count", RuleExternal, false, "",
			meeting(func(m *Meeting) { m.MoreAttendees = map[string]int{"contoso.example": 40, "adatum.example": 3} }),
			want{true, reasonExternal, true, 3}},
		{"the same guest twice counts once", RuleExternal, false, "",
			meeting(func(m *Meeting) {
				withGuest("kim@northwind.example")(m)
				withGuest("kim@northwind.example")(m)
			}), want{true, reasonExternal, true, 1}},

		// Organiser.
		{"I organise", RuleOrganised, false, "", meeting(func(m *Meeting) { m.IsOrganizer, m.Response = true, ResponseOrganizer }),
			want{true, reasonOrganised, true, 0}},
		{"someone else organises", RuleOrganised, false, "", meeting(nil), want{false, reasonOrganisedOther, true, 0}},

		// Accepted only.
		{"accepted, accepted only", RuleAllWithLink, true, "", meeting(nil), want{true, reasonAllWithLink, true, 0}},
		{"tentative, accepted only", RuleAllWithLink, true, "", meeting(func(m *Meeting) { m.Response = ResponseTentative }),
			want{false, reasonNotAccepted, true, 0}},
		{"unanswered, accepted only", RuleAllWithLink, true, "", meeting(func(m *Meeting) { m.Response = ResponseNone }),
			want{false, reasonNotAccepted, true, 0}},
		{"organiser counts as accepted", RuleAllWithLink, true, "",
			meeting(func(m *Meeting) { m.IsOrganizer, m.Response = true, ResponseOrganizer }), want{true, reasonAllWithLink, true, 0}},
		{"tentative without accepted only", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.Response = ResponseTentative }),
			want{true, reasonAllWithLink, true, 0}},
		{"declined is never recorded by a rule", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.Response = ResponseDeclined }),
			want{false, reasonDeclined, true, 0}},

		// Overrides win over the rule, both ways.
		{"record beats rule none", RuleNone, false, OverrideRecord, meeting(nil), want{true, reasonChoseRecord, true, 0}},
		{"skip beats all with link", RuleAllWithLink, false, OverrideSkip, meeting(nil), want{false, reasonChoseSkip, true, 0}},
		{"record beats declined", RuleAllWithLink, false, OverrideRecord, meeting(func(m *Meeting) { m.Response = ResponseDeclined }),
			want{true, reasonChoseRecord, true, 0}},
		{"record beats accepted only", RuleAllWithLink, true, OverrideRecord, meeting(func(m *Meeting) { m.Response = ResponseNone }),
			want{true, reasonChoseRecord, true, 0}},
		{"rule none", RuleNone, false, "", meeting(withGuest("kim@northwind.example")), want{false, reasonRuleNone, true, 1}},

		// What no choice changes.
		{"no link", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.URL, m.Platform = "", PlatformNone }),
			want{false, reasonNoLink, false, 0}},
		{"no link, chose record", RuleAllWithLink, false, OverrideRecord, meeting(func(m *Meeting) { m.URL = "" }),
			want{false, reasonNoLink, false, 0}},
		{"cancelled", RuleAllWithLink, false, OverrideRecord, meeting(func(m *Meeting) { m.Cancelled = true }),
			want{false, reasonCancelled, false, 0}},
		{"ended", RuleAllWithLink, false, OverrideRecord, meeting(func(m *Meeting) { m.End = baseTime }),
			want{false, reasonEnded, false, 0}},
		{"Recall said ended", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.Sched.Ended = true }),
			want{false, reasonEnded, false, 0}},
		{"in progress is not ended", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.Start = baseTime.Add(-time.Minute) }),
			want{true, reasonAllWithLink, true, 0}},

		// All-day events.
		{"all-day with a link, by rule", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.AllDay, m.AllDayDate = true, "2026-03-10" }),
			want{false, reasonAllDay, true, 0}},
		{"all-day with a link, chosen", RuleAllWithLink, false, OverrideRecord, meeting(func(m *Meeting) { m.AllDay = true }),
			want{true, reasonChoseRecord, true, 0}},
		{"all-day without a link", RuleAllWithLink, false, "", meeting(func(m *Meeting) { m.AllDay, m.URL = true, "" }),
			want{false, reasonNoLink, false, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := policy{rule: tc.rule, acceptedOnly: tc.acceptedOnly, account: testAccount, org: org,
				overrides: map[string]Override{tc.m.ID: tc.override}}
			d := p.decide(&tc.m, baseTime)
			got := want{d.record, d.reason, d.canOverride, d.external}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if d.override != tc.override {
				t.Fatalf("override %q", d.override)
			}
		})
	}
}

func TestExternalWithoutKnownDomains(t *testing.T) {
	t.Parallel()
	m := meeting(withGuest("kim@northwind.example"))
	p := policy{rule: RuleExternal, org: newOrgDomains("", nil)}
	if d := p.decide(&m, baseTime); d.record || d.external != 0 {
		t.Fatalf("with no organisation domain known, %+v", d)
	}
}

func TestMeetingFromRecall(t *testing.T) {
	t.Parallel()
	base := recall.Event{
		ID: "e1", StartTime: baseTime, EndTime: baseTime.Add(time.Hour), Title: "Sync",
		MeetingURL: teamsURL, MeetingPlatform: "microsoft_teams", UpdatedAt: baseTime,
		Organizer: "Jamie.Lee@Contoso.example", Response: "tentativelyAccepted",
	}
	cases := []struct {
		name   string
		change func(*recall.Event)
		check  func(t *testing.T, m Meeting)
	}{
		{"response and organiser", nil, func(t *testing.T, m Meeting) {
			if m.Response != ResponseTentative || m.IsOrganizer || m.Organizer != "jamie.lee@contoso.example" {
				t.Fatalf("%+v", m)
			}
		}},
		{"Graph isOrganizer", func(e *recall.Event) { e.IsOrganizer = true }, func(t *testing.T, m Meeting) {
			if !m.IsOrganizer || m.Response != ResponseOrganizer {
				t.Fatalf("%+v", m)
			}
		}},
		{"organiser is the account", func(e *recall.Event) { e.Organizer, e.Response = "PAT@contoso.example", "" }, func(t *testing.T, m Meeting) {
			if !m.IsOrganizer || m.Response != ResponseOrganizer {
				t.Fatalf("%+v", m)
			}
		}},
		{"own response from the attendee list", func(e *recall.Event) {
			e.Response = ""
			e.Attendees = []recall.Attendee{{Email: "Pat@Contoso.example", Response: "declined"}}
		}, func(t *testing.T, m Meeting) {
			if m.Response != ResponseDeclined {
				t.Fatalf("response %q", m.Response)
			}
		}},
		{"rooms dropped, duplicates merged, long lists counted", func(e *recall.Event) {
			e.Attendees = []recall.Attendee{{Email: "room@contoso.example", Type: "resource"}, {Email: "A@x.example"}, {Email: "a@x.example"}, {Email: "not-an-address"}}
			for i := 0; i < maxStoredAttendees+5; i++ {
				e.Attendees = append(e.Attendees, recall.Attendee{Email: strings.Repeat("b", i+1) + "@y.example", Response: "accepted"})
			}
		}, func(t *testing.T, m Meeting) {
			if len(m.Attendees) != maxStoredAttendees || m.Attendees[0].Email != "a@x.example" || m.MoreAttendees["y.example"] != 6 {
				t.Fatalf("attendees %d %+v more %v", len(m.Attendees), m.Attendees[:2], m.MoreAttendees)
			}
		}},
		{"Safe Links join URL unwrapped into bot_config", func(e *recall.Event) {
			e.MeetingURL, e.MeetingPlatform = "", ""
			e.JoinURL = "https://nam12.safelinks.protection.outlook.com/?url=" + strings.ReplaceAll(strings.ReplaceAll(teamsURL, "%", "%25"), ":", "%3A") + "&data=05"
		}, func(t *testing.T, m Meeting) {
			if m.URL != teamsURL || !m.URLInConfig || m.Platform != PlatformTeams {
				t.Fatalf("link %q in config %v platform %s", m.URL, m.URLInConfig, m.Platform)
			}
		}},
		{"unknown join link is not used", func(e *recall.Event) {
			e.MeetingURL, e.MeetingPlatform, e.JoinURL = "", "", "https://intranet.example/room"
		}, func(t *testing.T, m Meeting) {
			if m.URL != "" || m.Platform != PlatformNone {
				t.Fatalf("link %q platform %s", m.URL, m.Platform)
			}
		}},
		{"plain-http join link is not used", func(e *recall.Event) {
			e.MeetingURL, e.MeetingPlatform, e.JoinURL = "", "", "http://teams.microsoft.com/l/meetup-join/x"
		}, func(t *testing.T, m Meeting) {
			if m.URL != "" {
				t.Fatalf("link %q", m.URL)
			}
		}},
		{"platforms", func(e *recall.Event) { e.MeetingPlatform = "goto_meeting" }, func(t *testing.T, m Meeting) {
			if m.Platform != PlatformOther {
				t.Fatalf("platform %s", m.Platform)
			}
		}},
		{"platform from the link when Recall names none", func(e *recall.Event) {
			e.MeetingPlatform, e.MeetingURL = "", "https://us02web.zoom.us/j/812"
		}, func(t *testing.T, m Meeting) {
			if m.Platform != PlatformZoom {
				t.Fatalf("platform %s", m.Platform)
			}
		}},
		{"all-day date kept as is", func(e *recall.Event) { e.IsAllDay, e.AllDayDate = true, "2026-03-10" }, func(t *testing.T, m Meeting) {
			if !m.AllDay || m.AllDayDate != "2026-03-10" {
				t.Fatalf("%+v", m)
			}
		}},
		{"series and bots", func(e *recall.Event) {
			e.SeriesMasterID = "S1"
			e.Bots = []recall.Bot{{ID: "b1", DeduplicationKey: "k", StartTime: baseTime}}
		}, func(t *testing.T, m Meeting) {
			if m.SeriesID != "S1" || len(m.Bots) != 1 || m.Bots[0].Key != "k" {
				t.Fatalf("%+v", m)
			}
		}},
		{"an end before the start is clamped", func(e *recall.Event) { e.EndTime = baseTime.Add(-time.Hour) }, func(t *testing.T, m Meeting) {
			if !m.End.Equal(m.Start) {
				t.Fatalf("end %s", m.End)
			}
		}},
		{"long titles are clipped", func(e *recall.Event) { e.Title = strings.Repeat("é", 400) }, func(t *testing.T, m Meeting) {
			if n := len([]rune(m.Title)); n != maxTitleRunes+1 {
				t.Fatalf("title of %d runes", n)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			if tc.change != nil {
				tc.change(&e)
			}
			tc.check(t, meetingFrom(e, testAccount))
		})
	}
}

func TestMeetingViewNotes(t *testing.T) {
	t.Parallel()
	p := policy{rule: RuleAllWithLink, account: testAccount, org: newOrgDomains(testAccount, nil)}
	cases := []struct {
		name     string
		startIn  time.Duration
		tooSoon  bool
		note     string
		platform string
	}{
		{"in an hour", time.Hour, false, "", "Microsoft Teams"},
		{"in ten minutes exactly", TooSoon, false, "", "Microsoft Teams"},
		{"in nine minutes", 9 * time.Minute, true, noteTooSoon, "Microsoft Teams"},
		{"under way", -5 * time.Minute, true, noteUnderWay, "Microsoft Teams"},
	}
	for _, tc := range cases {
		m := meeting(func(m *Meeting) { m.Start, m.End = baseTime.Add(tc.startIn), baseTime.Add(tc.startIn+time.Hour) })
		v := meetingView(&m, p.decide(&m, baseTime), wantFor(&m, DefaultBotName), baseTime)
		if v.TooSoon != tc.tooSoon || v.Note != tc.note || v.PlatformLabel != tc.platform {
			t.Errorf("%s: tooSoon %v note %q label %q", tc.name, v.TooSoon, v.Note, v.PlatformLabel)
		}
	}
}
