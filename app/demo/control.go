package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
	"github.com/outlookconnect/outlook-connect/app/demo/recallapi"
)

// Control is a small loopback HTTP API over the fakes' knobs and state, so
// an end-to-end test driving the real app (in demo mode, in another
// process) can inject faults and inspect the fake Recall. It is started
// only on request; the app does so only when OUTLOOK_CONNECT_DEMO_CONTROL_FILE
// is set, which the e2e suite does.
//
//	GET  /calendars                  the fake Recall's calendars (JSON list, with each
//	                                 one's client id and client-secret fingerprint)
//	GET  /recall/requests            the fake Recall's request log (no credentials)
//	POST /calendars/status           {"id","status","detail":{…}}
//	POST /recall/fault               {"method","path","status","times","retryAfterSeconds",
//	                                  "dropResponse"} (dropResponse: act, then lose the answer)
//	GET  /recall/faults              {"pending": n}: fault responses queued and not yet served,
//	                                 so a test can tell that an injected fault really fired
//	POST /identity/fault             {"name":"admin_approval"|"user_cancels"|"consent_revoked"|
//	                                  "secret_expired"|"no_refresh_token"|"calendars_not_granted"|
//	                                  "temporarily_unavailable"|"auto_accept","on":true}
//	POST /identity/revoke-all        revoke every refresh token issued so far
//	POST /identity/secrets           {"secret"}: another valid client secret (a rotation)
//	POST /identity/account           {"name":"work"|"personal"}: who signs in next
//	GET  /identity/refresh-tokens    every refresh token issued (fake ones, for leak scans)
//	POST /reset                      clear every fault
//	GET  /recall/bots                the fake Recall's bots (key, bot name, config, the events
//	                                 sharing each), by join time
//	GET  /recall/events?calendar_id= a calendar's events (all calendars' without the parameter),
//	                                 deleted ones included, each with its bot key, organiser,
//	                                 invitees and the owner's response
//	POST /recall/events/static       {"on":true}: calendars that sync from now on keep their diary
//	                                 as generated (no scripted move or cancellation); pending
//	                                 scripted changes are dropped
//	POST /recall/events/apply-scripted  make the pending scripted changes now: {"applied": n}
//	POST /recall/events              {"calendarId","title","start","end","meetingUrl","organizer",
//	                                  "attendees":[…],"response"}: a new invitation arrives in a
//	                                 connected calendar (times RFC 3339): {"id": …}
type Control struct {
	srv *http.Server
	url string
}

// StartControl serves the control API on 127.0.0.1 with a random port.
func (s *Services) StartControl() (*Control, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo control: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /calendars", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Recall.Calendars())
	})
	mux.HandleFunc("POST /calendars/status", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID     string         `json:"id"`
			Status string         `json:"status"`
			Detail map[string]any `json:"detail"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		s.Recall.SetCalendarStatus(in.ID, in.Status, in.Detail)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /recall/requests", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Recall.Requests())
	})
	mux.HandleFunc("POST /recall/fault", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Method            string `json:"method"`
			Path              string `json:"path"`
			Status            int    `json:"status"`
			Times             int    `json:"times"`
			RetryAfterSeconds int    `json:"retryAfterSeconds"`
			DropResponse      bool   `json:"dropResponse"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		s.Recall.Faults().Add(recallapi.Fault{
			Method: in.Method, Path: in.Path, Status: in.Status, Times: in.Times,
			RetryAfter:   time.Duration(in.RetryAfterSeconds) * time.Second,
			DropResponse: in.DropResponse,
		})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /recall/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]int{"pending": s.Recall.Faults().Pending()})
	})
	mux.HandleFunc("POST /identity/fault", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name string `json:"name"`
			On   bool   `json:"on"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		f := s.Identity.Faults()
		set := map[string]func(bool){
			"auto_accept":             f.SetAutoAccept,
			"user_cancels":            f.SetUserCancels,
			"admin_approval":          f.SetAdminApprovalRequired,
			"consent_revoked":         f.SetConsentRevoked,
			"secret_expired":          f.SetSecretExpired,
			"no_refresh_token":        f.SetNoRefreshToken,
			"calendars_not_granted":   f.SetCalendarsReadNotGranted,
			"temporarily_unavailable": f.SetTemporarilyUnavailable,
		}[in.Name]
		if set == nil {
			http.Error(w, "unknown fault "+in.Name, http.StatusBadRequest)
			return
		}
		set(in.On)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /identity/revoke-all", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]int{"revoked": s.Identity.Faults().RevokeAllRefreshTokens()})
	})
	mux.HandleFunc("POST /identity/secrets", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Secret string `json:"secret"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		if in.Secret == "" {
			http.Error(w, "secret is required", http.StatusBadRequest)
			return
		}
		s.Identity.AddClientSecret(in.Secret)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /identity/account", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name string `json:"name"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		acct, ok := map[string]identity.Account{"work": identity.DefaultAccount(), "personal": identity.PersonalAccount()}[in.Name]
		if !ok {
			http.Error(w, "unknown account "+in.Name, http.StatusBadRequest)
			return
		}
		s.Identity.SetAccount(acct)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /identity/refresh-tokens", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Identity.RefreshTokens())
	})
	mux.HandleFunc("GET /recall/bots", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Recall.Bots())
	})
	mux.HandleFunc("GET /recall/events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Recall.EventsWithPeople(r.URL.Query().Get("calendar_id")))
	})
	mux.HandleFunc("POST /recall/events/static", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			On bool `json:"on"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		s.Recall.SetStaticEvents(in.On)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /recall/events/apply-scripted", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]int{"applied": s.Recall.ApplyScriptedChanges()})
	})
	mux.HandleFunc("POST /recall/events", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CalendarID string    `json:"calendarId"`
			Title      string    `json:"title"`
			Start      time.Time `json:"start"`
			End        time.Time `json:"end"`
			MeetingURL string    `json:"meetingUrl"`
			Organizer  string    `json:"organizer"`
			Attendees  []string  `json:"attendees"`
			Response   string    `json:"response"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		id, err := s.Recall.AddEvent(in.CalendarID, recallapi.NewEvent{
			Title: in.Title, Start: in.Start, End: in.End, MeetingURL: in.MeetingURL,
			Organizer: in.Organizer, Attendees: in.Attendees, Response: in.Response,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
		writeJSON(w, map[string]string{"id": id})
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Identity.Faults().Reset()
		s.Recall.Faults().Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	c := &Control{
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		url: "http://" + ln.Addr().String(),
	}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// URL is the control API's base URL.
func (c *Control) URL() string { return c.url }

// Close stops the control API.
func (c *Control) Close() error {
	if err := c.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
