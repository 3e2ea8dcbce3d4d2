package recall

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

const eventsPath = "/api/v2/calendar-events/"

// maxPages stops a server that keeps sending `next` forever: 10,000 pages
// of 100 events is far beyond Recall's 29-day window (§3.5).
const maxPages = 10000

// EventFilter narrows List Calendar Events (recall-api.md §3.2). Zero
// fields are not sent.
type EventFilter struct {
	CalendarID string
	// StartTime matches one exact start time.
	StartTime time.Time
	// StartFrom and StartTo bound the start time (inclusive).
	StartFrom time.Time
	StartTo   time.Time
	// UpdatedSince is the incremental-sync cursor (updated_at__gte).
	UpdatedSince time.Time
	// IsDeleted filters on is_deleted when set; leave nil for a sync so
	// deletions arrive (§3.2).
	IsDeleted *bool
	// ICalUIDPrefix is a case-sensitive prefix of ical_uid.
	ICalUIDPrefix string
}

func (f EventFilter) query() (url.Values, error) {
	q := url.Values{}
	if f.CalendarID != "" {
		if err := checkID(f.CalendarID); err != nil {
			return nil, err
		}
		q.Set("calendar_id", f.CalendarID)
	}
	for name, t := range map[string]time.Time{
		"start_time":      f.StartTime,
		"start_time__gte": f.StartFrom,
		"start_time__lte": f.StartTo,
		"updated_at__gte": f.UpdatedSince, // double underscore (§3.2)
	} {
		if !t.IsZero() {
			q.Set(name, formatQueryTime(t))
		}
	}
	if f.IsDeleted != nil {
		q.Set("is_deleted", strconv.FormatBool(*f.IsDeleted))
	}
	if f.ICalUIDPrefix != "" {
		q.Set("ical_uid", f.ICalUIDPrefix)
	}
	return q, nil
}

// EachEvent calls fn for every event matching f, page by page, in the
// order Recall sends them (not documented, §3.3). An error from fn stops
// the listing and is returned as is.
func (c *Client) EachEvent(ctx context.Context, f EventFilter, fn func(Event) error) error {
	q, err := f.query()
	if err != nil {
		return err
	}
	return c.eachPage(ctx, eventsPath, q, classListEvents, func(body []byte) (string, error) {
		events, next, err := decodeEventPage(body)
		if err != nil {
			return "", err
		}
		for _, e := range events {
			if err := fn(e); err != nil {
				return "", &stopError{err}
			}
		}
		return next, nil
	})
}

// Events is EachEvent as an iterator. After an error it yields (zero, err)
// once and stops.
func (c *Client) Events(ctx context.Context, f EventFilter) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		errStop := errors.New("stopped by caller")
		err := c.EachEvent(ctx, f, func(e Event) error {
			if !yield(e, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(Event{}, err)
		}
	}
}

// ListEvents collects every event matching f, sorted by start time then id
// (Recall's order is not documented, so we sort, §3.3).
func (c *Client) ListEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	var out []Event
	err := c.EachEvent(ctx, f, func(e Event) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartTime.Equal(out[j].StartTime) {
			return out[i].StartTime.Before(out[j].StartTime)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// GetEvent retrieves one calendar event (§3.1).
func (c *Client) GetEvent(ctx context.Context, id string) (Event, error) {
	if err := checkID(id); err != nil {
		return Event{}, err
	}
	return c.eventCall(ctx, &request{method: http.MethodGet, path: eventsPath + id + "/", class: classRetrieveEvent})
}

// BotRequest configures ScheduleBot. Zero values take Recall's recommended
// defaults.
type BotRequest struct {
	// DeduplicationKey defaults to DefaultDeduplicationKey(event).
	DeduplicationKey string
	// BotConfig takes any Create Bot field; nil sends {} (§4.1). Recall
	// has no partial updates: send the whole config every time.
	BotConfig map[string]any
}

// DefaultDeduplicationKey is Recall's recommended scheme,
// "<start_time>-<meeting_url>": one bot per meeting across the workspace
// (recall-api.md §4.3). It is "" when the event has no meeting link.
func DefaultDeduplicationKey(e Event) string {
	if e.MeetingURL == "" {
		return ""
	}
	return e.StartTime.UTC().Format(time.RFC3339) + "-" + e.MeetingURL
}

const maxDedupKeyLen = 2000 // §4.1

// ScheduleBot asks Recall to send a bot to the event's meeting and returns
// the updated event with its bots (§4.1).
func (c *Client) ScheduleBot(ctx context.Context, e Event, r BotRequest) (Event, error) {
	if err := checkID(e.ID); err != nil {
		return Event{}, err
	}
	key := r.DeduplicationKey
	if key == "" {
		key = DefaultDeduplicationKey(e)
		if override, ok := r.BotConfig["meeting_url"].(string); ok && override != "" {
			key = e.StartTime.UTC().Format(time.RFC3339) + "-" + override
		}
	}
	switch {
	case key == "":
		return Event{}, inputProblem("This meeting has no link a bot could join.")
	case len(key) > maxDedupKeyLen:
		return Event{}, inputProblem("The deduplication key is longer than Recall accepts.")
	}
	config := r.BotConfig
	if config == nil {
		config = map[string]any{}
	}
	return c.eventCall(ctx, &request{
		method: http.MethodPost,
		path:   eventsPath + e.ID + "/bot/",
		body:   map[string]any{"deduplication_key": key, "bot_config": config},
		class:  classBots,
	})
}

// UnscheduleBot removes the event's bot; repeating it is safe (§4.2).
func (c *Client) UnscheduleBot(ctx context.Context, eventID string) (Event, error) {
	if err := checkID(eventID); err != nil {
		return Event{}, err
	}
	return c.eventCall(ctx, &request{method: http.MethodDelete, path: eventsPath + eventID + "/bot/", class: classBots})
}

func (c *Client) eventCall(ctx context.Context, req *request) (Event, error) {
	var ev Event
	err := c.do(ctx, req, func(body []byte) error {
		var err error
		ev, err = decodeEvent(body)
		return err
	})
	return ev, err
}

// stopError carries a callback's error out of eachPage untouched.
type stopError struct{ err error }

func (s *stopError) Error() string { return s.err.Error() }

// eachPage fetches path?query and then every `next` link, handing each body
// to page, which returns the next link ("" at the end).
func (c *Client) eachPage(ctx context.Context, path string, query url.Values, class endpointClass, page func([]byte) (string, error)) error {
	req := &request{method: http.MethodGet, path: path, query: query, class: class}
	seen := map[string]bool{}
	for n := 0; ; n++ {
		if n >= maxPages {
			return newProblem(KindBadResponse, errors.New("recall: too many pages"), c.requestDetails(req)...)
		}
		var next string
		var stop *stopError
		err := c.do(ctx, req, func(body []byte) error {
			var err error
			next, err = page(body)
			if errors.As(err, &stop) {
				return nil
			}
			return err
		})
		switch {
		case stop != nil:
			return stop.err
		case err != nil:
			return err
		case next == "":
			return nil
		}
		u, err := c.followable(next, path)
		if err != nil {
			return err
		}
		if seen[u.String()] {
			return newProblem(KindBadResponse, errors.New("recall: pagination loops"), c.requestDetails(req)...)
		}
		seen[u.String()] = true
		req = &request{method: http.MethodGet, path: path, next: u, class: class}
	}
}

// followable checks a `next` link before we send our key to it: same
// scheme and host as the base URL and the same list path. The one exception
// is Recall's http→https quirk on the configured host, which we upgrade
// (recall-api.md §3.3).
func (c *Client) followable(next, path string) (*url.URL, error) {
	refuse := func(why string) error {
		return newProblem(KindBadResponse, errors.New("recall: refused next link: "+why),
			problem.Detail{Label: labelHost, Value: c.base.Host},
			problem.Detail{Label: labelRequest, Value: "GET " + path},
			problem.Detail{Label: "Refused next page", Value: why})
	}
	u, err := url.Parse(next)
	if err != nil || u.Opaque != "" || u.User != nil {
		return nil, refuse("not a plain URL")
	}
	if u.Scheme == "http" && c.base.Scheme == "https" {
		u.Scheme = "https"
	}
	if u.Scheme != c.base.Scheme {
		return nil, refuse("different scheme")
	}
	if !sameHost(u, c.base) {
		return nil, refuse("different host " + clean(u.Host, nil, 100))
	}
	if u.Path != path {
		return nil, refuse("different path")
	}
	u.Host = c.base.Host
	u.Fragment = ""
	return u, nil
}

func sameHost(a, b *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if b.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	return port(a) == port(b)
}
