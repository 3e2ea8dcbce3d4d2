package recallapi

import "strings"

// What end-to-end tests of the real app need beyond Events and Bots: who
// is in each meeting, to work out independently which meetings a rule
// records, and the scripted diary changes on demand, so a test never waits
// minutes for them (or never meets them half-way).

// EventPeople is an event with who is invited and how the calendar's
// owner answered, from the Outlook event Recall keeps (recall-api.md §3.4).
type EventPeople struct {
	EventSnapshot
	// Organizer is the organiser's address.
	Organizer string
	// Attendees are the invitees' addresses as Graph lists them (the
	// owner included when someone else organises); rooms are left out.
	Attendees []string
	// Response is the owner's responseStatus.response: organizer,
	// accepted, tentativelyAccepted, declined or none.
	Response string
}

// EventsWithPeople is Events (same order, due scripted changes applied)
// with each event's people.
func (s *Server) EventsWithPeople(calendarID string) []EventPeople {
	snaps := s.Events(calendarID)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EventPeople, 0, len(snaps))
	for _, snap := range snaps {
		p := EventPeople{EventSnapshot: snap}
		if e, ok := s.events[snap.ID]; ok {
			p.Organizer = strings.ToLower(addressOf(e.raw["organizer"]))
			if rs, ok := e.raw["responseStatus"].(map[string]any); ok {
				p.Response, _ = rs["response"].(string)
			}
			list, _ := e.raw["attendees"].([]any)
			for _, a := range list {
				m, _ := a.(map[string]any)
				if m["type"] == "resource" {
					continue
				}
				if addr := addressOf(m); addr != "" {
					p.Attendees = append(p.Attendees, strings.ToLower(addr))
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// addressOf reads Graph's {"emailAddress":{"address":…}}.
func addressOf(v any) string {
	m, _ := v.(map[string]any)
	ea, _ := m["emailAddress"].(map[string]any)
	addr, _ := ea["address"].(string)
	return addr
}

// SetStaticEvents turns the scripted changes off (or back on) for the
// calendars whose events are generated from now on; turning them off
// also drops the changes still pending. Options.StaticEvents is the
// starting value.
func (s *Server) SetStaticEvents(static bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.StaticEvents = static
	if static {
		s.changes = nil
	}
}

// ApplyScriptedChanges makes every pending scripted change now, as if its
// time had come, and returns how many there were.
func (s *Server) ApplyScriptedChanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for i := range s.changes {
		s.changes[i].at = now
	}
	n := len(s.changes)
	s.applyChangesLocked()
	return n
}
