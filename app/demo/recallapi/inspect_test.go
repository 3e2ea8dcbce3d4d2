package recallapi

import (
	"slices"
	"testing"
)

func TestEventsWithPeople(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now, StaticEvents: true})
	id := connectedCalendar(t, s, validCreate)
	all := s.EventsWithPeople(id)
	if snaps := s.Events(id); len(all) != len(snaps) {
		t.Fatalf("%d events with people, %d events", len(all), len(snaps))
	}
	titled := map[string]EventPeople{}
	for _, e := range all {
		titled[e.Title] = e
	}
	mine := titled[ScriptedMovingTitle]
	if mine.Organizer != "pat@contoso.example" || mine.Response != "organizer" ||
		!slices.Equal(mine.Attendees, []string{"kim@fabrikam.example", "jamie.lee@contoso.example"}) {
		t.Errorf("the owner's meeting: %+v", mine)
	}
	theirs := titled[ScriptedCancelledTitle]
	if theirs.Organizer != "omar@northwind.example" || theirs.Response != "accepted" ||
		!slices.Contains(theirs.Attendees, "pat@contoso.example") {
		t.Errorf("someone else's meeting: %+v", theirs)
	}
}

func TestScriptedChangesOnDemand(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: baseTime}
	s := start(t, Options{Now: clock.Now})
	id := connectedCalendar(t, s, validCreate)
	moving := byTitle(t, s.Events(id), ScriptedMovingTitle)
	if n := s.ApplyScriptedChanges(); n != 2 {
		t.Fatalf("%d scripted changes applied, want the move and the cancellation", n)
	}
	moved := byTitle(t, s.Events(id), ScriptedMovingTitle)
	if !moved.Start.Equal(moving.Start.Add(ScriptedMoveBy)) || !moved.UpdatedAt.Equal(baseTime) {
		t.Fatalf("moved at once: %+v (was %+v)", moved, moving)
	}
	if c := byTitle(t, s.Events(id), "Canceled: "+ScriptedCancelledTitle); !c.Cancelled {
		t.Fatalf("not cancelled: %+v", c)
	}
	if n := s.ApplyScriptedChanges(); n != 0 {
		t.Fatalf("%d changes applied twice", n)
	}

	// Turned off before the calendar syncs: nothing is ever planned.
	quiet := start(t, Options{Now: clock.Now})
	quiet.SetStaticEvents(true)
	qid := connectedCalendar(t, quiet, validCreate)
	before := byTitle(t, quiet.Events(qid), ScriptedMovingTitle)
	clock.Advance(ScriptedCancelAfter)
	if after := byTitle(t, quiet.Events(qid), ScriptedMovingTitle); !after.Start.Equal(before.Start) {
		t.Fatalf("a static diary changed: %+v → %+v", before, after)
	}
	if n := quiet.ApplyScriptedChanges(); n != 0 {
		t.Fatalf("%d changes planned in a static diary", n)
	}
}
