package recallapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"
)

// BotDispatchLead is how long before its join time a scheduled bot is sent
// to the meeting. From then on it can no longer be unscheduled or
// reconfigured: Recall answers 405 (recall-api.md §4.2, §6.1).
const BotDispatchLead = time.Minute

type bot struct {
	id         string
	key        string
	startTime  time.Time // join_at
	meetingURL string
	config     map[string]any
	events     map[string]bool
}

func (b *bot) dispatched(now time.Time) bool {
	return !now.Before(b.startTime.Add(-BotDispatchLead))
}

// scheduleBot implements POST /calendar-events/{id}/bot/ (recall-api.md §4.1).
func (s *Server) scheduleBot(w http.ResponseWriter, r *http.Request) {
	m, ok := readObject(w, r)
	if !ok {
		return
	}
	errs := fieldErrors{}
	key, _ := stringField(m, "deduplication_key", maxDedupKey, true, errs)
	var config map[string]any
	switch raw, present := m["bot_config"]; {
	case !present:
		errs.add("bot_config", msgRequired)
	case string(raw) == "null":
		errs.add("bot_config", msgNull)
	default:
		if err := json.Unmarshal(raw, &config); err != nil || config == nil {
			errs.add("bot_config", "Expected a dictionary of items.")
		}
	}
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	s.applyChangesLocked()
	e, ok := s.events[id]
	if !ok {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	now := s.opts.Now()
	if !e.end.After(now) {
		s.mu.Unlock()
		// The exact documented body (recall-api.md §4.1).
		writeInvalid(w, fieldErrors{"non_field_errors": {"Cannot schedule bot as calendar event has ended."}})
		return
	}
	// meeting_url and join_at come from the event unless bot_config sets
	// them (recall-api.md §4.1).
	meetingURL, _ := config["meeting_url"].(string)
	if meetingURL == "" && e.meetingURL != nil {
		meetingURL = *e.meetingURL
	}
	if meetingURL == "" {
		s.mu.Unlock()
		writeInvalid(w, fieldErrors{"bot_config": {"The calendar event has no meeting URL; set meeting_url in bot_config."}})
		return
	}
	joinAt := e.start
	if v, ok := config["join_at"].(string); ok {
		t, ok := parseTime(v)
		if !ok {
			s.mu.Unlock()
			writeInvalid(w, fieldErrors{"bot_config": {"join_at: " + msgDateTime}})
			return
		}
		joinAt = t
	}
	if b, ok := s.bots[e.botKey]; ok && b.dispatched(now) {
		s.mu.Unlock()
		writeDispatched(w)
		return
	}
	keys := []string{key}
	if e.botKey != "" && e.botKey != key {
		keys = append(keys, e.botKey)
	}
	s.finishBotCallLocked(w, r, id, keys, func(e *event) {
		if e.botKey != key {
			s.detachBotLocked(e)
		}
		// Events with equal keys share one bot; scheduling again replaces
		// the bot's configuration as a whole (recall-api.md §4.1, §4.3).
		b, ok := s.bots[key]
		if !ok {
			b = &bot{id: s.newID(), key: key, events: map[string]bool{}}
			s.bots[key] = b
		}
		b.startTime, b.meetingURL, b.config = joinAt, meetingURL, config
		b.events[e.id] = true
		e.botKey = key
		e.updatedAt = s.opts.Now()
	})
}

// unscheduleBot implements DELETE /calendar-events/{id}/bot/: idempotent
// 200 while the event exists (recall-api.md §4.2), 405 once the bot has
// been sent to the meeting.
func (s *Server) unscheduleBot(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.applyChangesLocked()
	e, ok := s.events[id]
	if !ok {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	if e.botKey == "" {
		defer s.mu.Unlock()
		writeJSON(w, http.StatusOK, s.eventViewLocked(e))
		return
	}
	if b, ok := s.bots[e.botKey]; ok && b.dispatched(s.opts.Now()) {
		s.mu.Unlock()
		writeDispatched(w)
		return
	}
	s.finishBotCallLocked(w, r, id, []string{e.botKey}, func(e *event) {
		if e.botKey != "" {
			s.detachBotLocked(e)
			e.updatedAt = s.opts.Now()
		}
	})
}

// finishBotCallLocked claims the deduplication keys a bot call touches,
// parks it while a hold is set, then applies it to the event and answers.
// It is entered with s.mu held and releases it.
func (s *Server) finishBotCallLocked(w http.ResponseWriter, r *http.Request, id string, keys []string, apply func(*event)) {
	release, ok := s.claimKeysLocked(keys)
	s.mu.Unlock()
	if !ok {
		writeBusy(w)
		return
	}
	parked := s.parkIfHeld(r, keys[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	release()
	if !parked {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	e, ok := s.events[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, notFoundBody)
		return
	}
	apply(e)
	writeJSON(w, http.StatusOK, s.eventViewLocked(e))
}

// claimKeysLocked marks deduplication keys as having a call in progress.
// It fails when one already has: Recall answers parallel schedule or
// unschedule calls on one key with 409 (recall-api.md §4.1, §6.1). The
// returned release must be called with s.mu held.
func (s *Server) claimKeysLocked(keys []string) (release func(), ok bool) {
	for _, k := range keys {
		if s.busyKeys[k] {
			return nil, false
		}
	}
	for _, k := range keys {
		s.busyKeys[k] = true
	}
	return func() {
		for _, k := range keys {
			delete(s.busyKeys, k)
		}
	}, true
}

func writeBusy(w http.ResponseWriter) { writeFault(w, Fault{Status: http.StatusConflict}) }

// writeDispatched is the 405 Recall gives for a bot already sent to its
// meeting (recall-api.md §4.2, §6.1; the body is not documented).
func writeDispatched(w http.ResponseWriter) {
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
		"detail": "The bot has already been dispatched to the meeting and can no longer be changed.",
	})
}

// detachBotLocked removes the event from its bot; the bot is deleted only
// when no other event shares it (recall-api.md §4.2).
func (s *Server) detachBotLocked(e *event) {
	if e.botKey == "" {
		return
	}
	if b, ok := s.bots[e.botKey]; ok {
		delete(b.events, e.id)
		if len(b.events) == 0 {
			delete(s.bots, e.botKey)
		}
	}
	e.botKey = ""
}

func (s *Server) removeFutureBotsLocked(c *calendar, now time.Time) {
	for _, id := range c.eventIDs {
		if e, ok := s.events[id]; ok && e.start.After(now) {
			s.detachBotLocked(e)
		}
	}
}

// BotSnapshot is a bot as tests see it.
type BotSnapshot struct {
	ID         string
	Key        string // deduplication key
	BotName    string // bot_config.bot_name ("" when not set)
	MeetingURL string
	JoinAt     time.Time
	// Config is the bot_config last sent, as decoded JSON.
	Config map[string]any
	// Events are the calendar events sharing the bot, sorted.
	Events []string
	// Dispatched: sent to the meeting, so it can no longer change (405).
	Dispatched bool
}

// Bots lists every bot by join time then key. Due scripted changes are
// applied first.
func (s *Server) Bots() []BotSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyChangesLocked()
	now := s.opts.Now()
	out := make([]BotSnapshot, 0, len(s.bots))
	for _, b := range s.bots {
		snap := BotSnapshot{ID: b.id, Key: b.key, MeetingURL: b.meetingURL, JoinAt: b.startTime, Dispatched: b.dispatched(now)}
		snap.BotName, _ = b.config["bot_name"].(string)
		// A deep copy through JSON, so callers cannot reach the fake's state.
		if raw, err := json.Marshal(b.config); err == nil {
			_ = json.Unmarshal(raw, &snap.Config)
		}
		for id := range b.events {
			snap.Events = append(snap.Events, id)
		}
		sort.Strings(snap.Events)
		out = append(out, snap)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].JoinAt.Equal(out[j].JoinAt) {
			return out[i].JoinAt.Before(out[j].JoinAt)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// BotHold parks bot calls inside the fake after they have claimed their
// deduplication key, so a test can send a second call on the same key
// while the first is in progress and see Recall's 409.
type BotHold struct {
	s       *Server
	parked  chan string
	release chan struct{}
	once    sync.Once
}

// HoldBotCalls parks every schedule and unschedule call that reaches the
// application until Release. One hold at a time; a second call replaces
// the first (which is released).
func (s *Server) HoldBotCalls() *BotHold {
	h := &BotHold{s: s, parked: make(chan string, 64), release: make(chan struct{})}
	s.mu.Lock()
	old := s.hold
	s.hold = h
	s.mu.Unlock()
	if old != nil {
		old.Release()
	}
	return h
}

// Parked delivers the deduplication key of each call as it parks.
func (h *BotHold) Parked() <-chan string { return h.parked }

// Release lets parked and later calls through. Safe to call twice.
func (h *BotHold) Release() {
	h.once.Do(func() {
		h.s.mu.Lock()
		if h.s.hold == h {
			h.s.hold = nil
		}
		h.s.mu.Unlock()
		close(h.release)
	})
}

// parkIfHeld waits while a hold is set; false means the server is closing
// or the client went away.
func (s *Server) parkIfHeld(r *http.Request, key string) bool {
	s.mu.Lock()
	h := s.hold
	s.mu.Unlock()
	if h == nil {
		return true
	}
	select {
	case h.parked <- key:
	default:
	}
	select {
	case <-h.release:
		return true
	case <-s.ctx.Done():
		return false
	case <-r.Context().Done():
		return false
	}
}
