package recall

import (
	"errors"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// EventEnded reports whether err is Recall's answer to scheduling a bot
// for an event that is over: a 400 whose field errors say the "calendar
// event has ended" (recall-api.md §4.1). Callers treat it as done.
func EventEnded(err error) bool {
	if KindOf(err) != KindValidation {
		return false
	}
	var p *problem.Problem
	if !errors.As(err, &p) {
		return false
	}
	fields, _ := p.Detail(labelFields)
	msg, _ := p.Detail(labelMessage)
	return strings.Contains(strings.ToLower(fields+" "+msg), "event has ended")
}

// RetryAfter returns the wait Recall asked for in the Retry-After header of
// the answer behind err (recall-api.md §6.1); ok is false when there was
// none.
func RetryAfter(err error) (d time.Duration, ok bool) {
	var p *problem.Problem
	if !errors.As(err, &p) {
		return 0, false
	}
	v, found := p.Detail(labelRetryAfter)
	if !found {
		return 0, false
	}
	d, perr := time.ParseDuration(v)
	if perr != nil || d < 0 {
		return 0, false
	}
	return d, true
}
