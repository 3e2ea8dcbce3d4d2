package tsa

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	var got []byte
	h := Handler(func(_ context.Context, q []byte) ([]byte, error) {
		got = q
		if bytes.Equal(q, []byte("fail")) {
			return nil, errors.New("openssl said no")
		}
		return []byte("reply"), nil
	})
	for _, tc := range []struct {
		name, method, ctype string
		body                []byte
		code                int
	}{
		{"query", http.MethodPost, "application/timestamp-query", []byte("q"), http.StatusOK},
		{"get", http.MethodGet, "", nil, http.StatusMethodNotAllowed},
		{"wrong type", http.MethodPost, "text/plain", []byte("q"), http.StatusUnsupportedMediaType},
		{"empty", http.MethodPost, "application/timestamp-query", nil, http.StatusBadRequest},
		{"too big", http.MethodPost, "application/timestamp-query", make([]byte, MaxQuery+1), http.StatusBadRequest},
		{"responder fails", http.MethodPost, "application/timestamp-query", []byte("fail"), http.StatusInternalServerError},
	} {
		req := httptest.NewRequest(tc.method, "/", bytes.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.code)
		}
		if tc.code == http.StatusOK {
			if rec.Body.String() != "reply" || rec.Header().Get("Content-Type") != "application/timestamp-reply" || string(got) != "q" {
				t.Errorf("%s: body %q type %q query %q", tc.name, rec.Body, rec.Header().Get("Content-Type"), got)
			}
		}
	}
}
