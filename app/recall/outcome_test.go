package recall

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestOutcomeHelpers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, recallapi.Options{})
	ctx := context.Background()
	cal := connectedCalendar(t, e)
	all, err := e.client.ListEvents(ctx, EventFilter{CalendarID: cal.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ended Event
	for _, ev := range all {
		if ev.EndTime.Before(baseTime) && ev.MeetingURL != "" {
			ended = ev
		}
	}
	_, err = e.client.ScheduleBot(ctx, ended, BotRequest{})
	if !EventEnded(err) {
		t.Fatalf("EventEnded(%v) = false for the documented 400", err)
	}
	// Another 400 is not "ended".
	_, err = e.client.ScheduleBot(ctx, Event{ID: ended.ID, StartTime: ended.StartTime}, BotRequest{})
	if KindOf(err) != KindValidation || EventEnded(err) {
		t.Fatalf("EventEnded(%v) = true for another validation error", err)
	}
	if EventEnded(nil) || EventEnded(errors.New("event has ended")) {
		t.Fatal("EventEnded on a foreign error")
	}

	// A Retry-After beyond what the client waits for itself is handed back.
	up := upcoming(t, e, cal.ID)[0]
	e.srv.Faults().Add(recallapi.Fault{Method: "POST", Path: eventsPath + up.ID + "/bot/", Status: http.StatusTooManyRequests, RetryAfter: 90 * time.Second})
	_, err = e.client.ScheduleBot(ctx, up, BotRequest{})
	if d, ok := RetryAfter(err); KindOf(err) != KindRateLimited || !ok || d != 90*time.Second {
		t.Fatalf("RetryAfter(%v) = %v, %v", err, d, ok)
	}
	if _, ok := RetryAfter(&problem.Problem{Code: "recall.rate_limited"}); ok {
		t.Fatal("RetryAfter without the header")
	}
	if _, ok := RetryAfter(errors.New("x")); ok {
		t.Fatal("RetryAfter on a foreign error")
	}
}
