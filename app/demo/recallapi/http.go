package recallapi

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes bounds request bodies; the largest documented field is 10000
// characters (recall-api.md §2.2).
const maxBodyBytes = 1 << 20

// wafPage is what Recall's web application firewall answers: HTML, not JSON
// (recall-api.md §6.1).
const wafPage = `<!DOCTYPE html>
<html><head><title>403 Forbidden</title></head>
<body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>
`

// routes builds the handler chain. The order mirrors a real deployment: the
// firewall and gateway answer before the application sees the request.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/calendars/{$}", s.createCalendar)
	mux.HandleFunc("GET /api/v2/calendars/{$}", s.listCalendars)
	mux.HandleFunc("GET /api/v2/calendars/{id}/{$}", s.getCalendar)
	mux.HandleFunc("PATCH /api/v2/calendars/{id}/{$}", s.patchCalendar)
	mux.HandleFunc("DELETE /api/v2/calendars/{id}/{$}", s.deleteCalendar)
	mux.HandleFunc("GET /api/v2/calendar-events/{$}", s.listEvents)
	mux.HandleFunc("GET /api/v2/calendar-events/{id}/{$}", s.getEvent)
	mux.HandleFunc("POST /api/v2/calendar-events/{id}/bot/{$}", s.scheduleBot)
	mux.HandleFunc("DELETE /api/v2/calendar-events/{id}/bot/{$}", s.unscheduleBot)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, notFoundBody)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Done()
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		switch {
		case err != nil || len(body) > maxBodyBytes:
			writeJSON(rec, http.StatusRequestEntityTooLarge, map[string]string{"detail": "Request body too large."})
		case s.faults.dropping(r.Method, r.URL.Path):
			// Act as usual into a buffer, then lose the answer.
			s.serve(&bufferedResponse{header: make(http.Header), status: http.StatusOK}, r, body, mux)
			rec.status = StatusDropped
			dropConnection(w)
		default:
			s.serve(rec, r, body, mux)
		}
		s.record(RequestRecord{
			Method:         r.Method,
			Path:           r.URL.Path,
			RawQuery:       r.URL.RawQuery,
			IdempotencyKey: r.Header.Get("Idempotency-Key"),
			UserAgent:      r.UserAgent(),
			Status:         rec.status,
			BodyFields:     bodyFields(body),
		})
	})
}

// dropConnection closes the client's connection without an answer, as a
// network failure after the server acted would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	_ = conn.Close()
}

// bodyFields lists the top-level keys of a JSON object body, sorted.
func bodyFields(body []byte) []string {
	m, ok := decodeObject(body)
	if !ok || len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte, app http.Handler) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	// No trailing-slash forgiveness: every documented path ends in "/"
	// (recall-api.md §0 item 9, §2.2). Anything else is a 404, answered
	// here because ServeMux would redirect to the slashed path instead.
	if !strings.HasSuffix(r.URL.Path, "/") {
		app = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusNotFound, notFoundBody)
		})
	}

	// The firewall: any body on a GET, even "null", and localhost URLs in a
	// payload are blocked with an HTML page (recall-api.md §6.1, §2.2).
	if s.faults.wafAll() || (r.Method == http.MethodGet && (len(body) > 0 || r.ContentLength > 0)) ||
		mentionsLoopback(body) {
		writeWAF(w)
		return
	}

	// Authentication: `Authorization: Token <key>`; anything else is 401
	// with the DRF-style body (recall-api.md §1.2).
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		return
	}

	// Gateway faults (502/503/504) happen before the application, so the
	// idempotency cache never sees them (recall-api.md §6.1).
	if f, ok := s.faults.take(r.Method, r.URL.Path, stageGateway); ok {
		writeFault(w, f)
		return
	}

	// Per-workspace per-minute limits with Retry-After in seconds
	// (recall-api.md §6.2, §6.1).
	if wait, ok := s.limits.allow(classify(r.Method, r.URL.Path)); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"detail": "Request was throttled. Expected available in " + strconv.Itoa(max(secs, 1)) + " seconds.",
		})
		return
	}

	handler := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Application faults (409 conflicts, 507 empty bot pool) come from
		// the application itself, so a 507 lands in the idempotency cache
		// (recall-api.md §6.3).
		if !s.faults.delay(s.ctx, r.Context()) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return // shutting down or the client went away
		}
		if f, ok := s.faults.take(r.Method, r.URL.Path, stageApp); ok {
			writeFault(w, f)
			return
		}
		app.ServeHTTP(w, r)
	}))
	key := r.Header.Get("Idempotency-Key")
	switch {
	case key != "" && (r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut):
		s.idem.serve(w, r, key, handler)
	default:
		handler.ServeHTTP(w, r)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if s.faults.keyRevoked() {
		return false
	}
	const prefix = "Token "
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, prefix) {
		return false
	}
	got := h[len(prefix):]
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.APIKey)) == 1
}

func mentionsLoopback(body []byte) bool {
	l := bytes.ToLower(body)
	return bytes.Contains(l, []byte("://localhost")) || bytes.Contains(l, []byte("://127.0.0.1"))
}

var notFoundBody = map[string]string{"detail": "Not found."}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeWAF(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, wafPage)
}

// validationError is the documented 400 shape (recall-api.md §6.1).
type validationError struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

const invalidDataMessage = "Unable to process request because invalid data was submitted. Check `errors` field for more details."

func writeInvalid(w http.ResponseWriter, errs map[string][]string) {
	writeJSON(w, http.StatusBadRequest, validationError{
		Code:    "invalid_request_data",
		Message: invalidDataMessage,
		Errors:  errs,
	})
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
