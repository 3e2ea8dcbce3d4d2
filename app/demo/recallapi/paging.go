package recallapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Page sizes: at most 100 events per page (recall-api.md §3.3); calendars
// use a smaller page so paging is exercised with a handful of calendars.
const (
	eventsPageSize    = 100
	calendarsPageSize = 50
)

// page is the documented list shape: full URLs for next/previous, or null
// (recall-api.md §2.4, §3.3).
type page[T any] struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// A cursor is opaque to clients: "a:<id>" continues after id, "b:<id>"
// goes back before it. Results are ordered by id (the real order is not
// documented, recall-api.md §3.3, so clients must sort themselves).
type cursor struct {
	before bool
	id     string
}

func (c cursor) encode() string {
	p := "a:"
	if c.before {
		p = "b:"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(p + c.id))
}

var errBadCursor = errors.New("invalid cursor")

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errBadCursor
	}
	v := string(b)
	switch {
	case strings.HasPrefix(v, "a:") && len(v) > 2:
		return cursor{id: v[2:]}, nil
	case strings.HasPrefix(v, "b:") && len(v) > 2:
		return cursor{before: true, id: v[2:]}, nil
	}
	return cursor{}, errBadCursor
}

// paginate selects one page from ids (sorted ascending) keeping those for
// which keep is true.
func paginate(ids []string, raw string, size int, keep func(string) bool) (out []string, next, prev *cursor, err error) {
	var c cursor
	if raw != "" {
		if c, err = decodeCursor(raw); err != nil {
			return nil, nil, nil, err
		}
	}
	anyMatch := func(from, to, step int) bool {
		for i := from; i != to; i += step {
			if keep(ids[i]) {
				return true
			}
		}
		return false
	}
	if c.before {
		end := sort.SearchStrings(ids, c.id) // first index >= c.id
		i := end - 1
		for ; i >= 0 && len(out) < size; i-- {
			if keep(ids[i]) {
				out = append(out, ids[i])
			}
		}
		for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
			out[l], out[r] = out[r], out[l]
		}
		if len(out) == 0 {
			return out, nil, nil, nil
		}
		if anyMatch(i, -1, -1) {
			prev = &cursor{before: true, id: out[0]}
		}
		if anyMatch(end, len(ids), 1) {
			next = &cursor{id: out[len(out)-1]}
		}
		return out, next, prev, nil
	}
	start := 0
	if raw != "" {
		start = sort.SearchStrings(ids, c.id)
		if start < len(ids) && ids[start] == c.id {
			start++
		}
	}
	i := start
	for ; i < len(ids) && len(out) < size; i++ {
		if keep(ids[i]) {
			out = append(out, ids[i])
		}
	}
	if len(out) == 0 {
		return out, nil, nil, nil
	}
	if anyMatch(i, len(ids), 1) {
		next = &cursor{id: out[len(out)-1]}
	}
	if raw != "" && anyMatch(start-1, -1, -1) {
		prev = &cursor{before: true, id: out[0]}
	}
	return out, next, prev, nil
}

// pageURL is the full URL of the same list with the cursor replaced.
func (s *Server) pageURL(r *http.Request, c *cursor) *string {
	if c == nil {
		return nil
	}
	q := r.URL.Query()
	q.Set("cursor", c.encode())
	u := s.baseURL + r.URL.Path + "?" + q.Encode()
	if _, err := url.Parse(u); err != nil {
		return nil
	}
	return &u
}

func writeBadCursor(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Invalid cursor"})
}
