// Package tsa is a loopback RFC 3161 time-stamping server for tests: it hands each query to
// `openssl ts -reply`, so a signing tool can be pointed at http://127.0.0.1:<port>/ exactly as
// it is pointed at a public TSA in a release.
package tsa

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
)

// MaxQuery bounds a time-stamp query: it holds one digest and a nonce, well under 1 KiB.
const MaxQuery = 16 << 10

// Responder turns a DER TimeStampReq into a DER TimeStampResp.
type Responder func(ctx context.Context, query []byte) ([]byte, error)

// OpenSSL answers with `openssl ts -reply`, using the [tsa] section of config (which names the
// signer certificate, key, serial file and policy).
func OpenSSL(config string) Responder {
	return func(ctx context.Context, query []byte) ([]byte, error) {
		dir, err := os.MkdirTemp("", "tsa-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		q, r := filepath.Join(dir, "q.tsq"), filepath.Join(dir, "r.tsr")
		if err := os.WriteFile(q, query, 0o600); err != nil {
			return nil, err
		}
		out, err := exec.CommandContext(ctx, "openssl", "ts", "-reply", "-config", config,
			"-queryfile", q, "-out", r).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("openssl ts -reply: %v: %s", err, out)
		}
		return os.ReadFile(r)
	}
}

// Handler serves RFC 3161 over HTTP (POST, application/timestamp-query).
func Handler(reply Responder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			http.Error(w, "POST a time-stamp query", http.StatusMethodNotAllowed)
			return
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/timestamp-query" {
			http.Error(w, "Content-Type must be application/timestamp-query", http.StatusUnsupportedMediaType)
			return
		}
		query, err := io.ReadAll(io.LimitReader(req.Body, MaxQuery+1))
		if err != nil || len(query) == 0 || len(query) > MaxQuery {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		resp, err := reply(req.Context(), query)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	})
}
