package logging

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	refreshToken = "M.C512_BAY.0.U.-Cr7refresh*token!value$with/odd+chars"
	clientSecret = "Abc8Q~client-secret-value.xyz~123"
	apiKey       = "0123456789abcdef0123456789abcdef01234567"
)

func TestSecretsNeverReachTheFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	var stderr bytes.Buffer
	logger, guard, closer, err := Setup(Options{Dir: dir, Level: slog.LevelDebug, Stderr: true, StderrWriter: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	// A logger made before the secrets are known must be scrubbed too.
	early := logger.With("early", "token is "+refreshToken).WithGroup("grp")
	guard.Register(refreshToken)
	guard.Register(clientSecret)
	guard.Register(apiKey)

	logger.Info("exchanged code for "+refreshToken, "note", "secret="+clientSecret)
	logger.Debug("request", "url", "https://x.example/cb?token="+url.QueryEscape(refreshToken), "body", []byte(apiKey))
	logger.Warn("failed", "err", fmt.Errorf("recall said: bad key %s", apiKey))
	logger.Info("encoded", "b64", base64.StdEncoding.EncodeToString([]byte("xx"+clientSecret)), "json", mustJSON(map[string]string{"k": refreshToken}))
	logger.Info("by key", "access_token", "short", "code", "abc", "state", "xyz", "Authorization", "Token q", "clientSecret", "s", "status_code", 200)
	logger.Info("struct", "v", struct{ Inner string }{Inner: apiKey}, "list", []string{"a", clientSecret})
	logger.Info("group", slog.Group("req", slog.String("password", "hunter22"), slog.String("path", "/"+apiKey)))
	early.Info("later", "x", 1)
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}

	hits, err := ScanForSecrets(dir, refreshToken, clientSecret, apiKey, "hunter22")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		data, _ := os.ReadFile(filepath.Join(dir, FileName))
		t.Fatalf("secrets reached %v:\n%s", hits, data)
	}
	for _, s := range []string{refreshToken, clientSecret, apiKey, "hunter22"} {
		if strings.Contains(stderr.String(), s) {
			t.Fatalf("stderr leaks a secret:\n%s", stderr.String())
		}
	}

	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 8 {
		t.Fatalf("want 8 JSON lines, got %d:\n%s", len(lines), data)
	}
	var byKey map[string]any
	if err := json.Unmarshal([]byte(lines[4]), &byKey); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"access_token", "code", "state", "Authorization", "clientSecret"} {
		if byKey[k] != Redacted {
			t.Errorf("%s = %v, want redacted", k, byKey[k])
		}
	}
	if byKey["status_code"] != float64(200) {
		t.Errorf("status_code = %v, want 200 kept", byKey["status_code"])
	}
	if !strings.Contains(lines[0], `"msg":"exchanged code for [redacted]"`) {
		t.Errorf("message not scrubbed as expected: %s", lines[0])
	}
	if !strings.Contains(lines[7], `"early":"token is [redacted]"`) || !strings.Contains(lines[7], `"grp":{"x":1}`) {
		t.Errorf("With attributes/groups wrong: %s", lines[7])
	}
}

func TestLogFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logger, _, closer, err := Setup(Options{Dir: dir, Level: slog.LevelWarn})
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("dropped")
	logger.Error("kept")
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", st.Mode().Perm())
	}
	fst, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fst.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v", fst.Mode().Perm())
	}
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	if strings.Contains(string(data), "dropped") || !strings.Contains(string(data), "kept") {
		t.Errorf("level not applied: %s", data)
	}
	if _, _, _, err := Setup(Options{}); err == nil {
		t.Error("Setup without a folder should fail")
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	g := NewGuard()
	if got := g.Scrub("nothing registered"); got != "nothing registered" {
		t.Errorf("got %q", got)
	}
	g.Register("short")
	g.Register("")
	if got := g.Scrub("short text"); got != "short text" {
		t.Errorf("short strings must not be registered: %q", got)
	}
	g.Register(refreshToken)
	tests := map[string]string{
		"raw":        "a " + refreshToken + " b",
		"query":      "t=" + url.QueryEscape(refreshToken),
		"path":       "/" + url.PathEscape(refreshToken),
		"base64":     base64.StdEncoding.EncodeToString([]byte(refreshToken)),
		"base64 mid": base64.URLEncoding.EncodeToString([]byte("a:" + refreshToken + ":z")),
		"json":       mustJSON(refreshToken),
	}
	for name, in := range tests {
		out := g.Scrub(in)
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s: not scrubbed: %q", name, out)
		}
		if hits := containsAnyForm(out, refreshToken); hits {
			t.Errorf("%s: still holds the secret: %q", name, out)
		}
	}
}

func containsAnyForm(s, secret string) bool {
	for _, f := range encodedForms(secret) {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func TestIsSecretKey(t *testing.T) {
	t.Parallel()
	secret := []string{"token", "refresh_token", "access-token", "refreshToken", "client_secret", "clientSecret", "password", "api_key", "apiKey", "APIKEY", "Authorization", "code", "code_verifier", "state", "passphrase", "Set-Cookie", "source.recallApiKey"}
	plain := []string{"status_code", "statusCode", "authority", "tenant", "email", "url", "keyringService", "region", "msg", "err"}
	for _, k := range secret {
		if !IsSecretKey(k) {
			t.Errorf("%q should be secret", k)
		}
	}
	for _, k := range plain {
		if IsSecretKey(k) {
			t.Errorf("%q should not be secret", k)
		}
	}
}

// A size or count of a secret is support information, not the secret: an
// integer under a secret-looking key that names a measure (refresh_token_bytes)
// is kept. Anything else under such a key is still redacted, including a
// number that is not a measure (a one-time code) and a measure key holding
// text.
func TestGuardKeepsMeasuresOfSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(NewGuard().Handler(slog.NewJSONHandler(&buf, nil)))
	log.Info("sizes",
		"refresh_token_bytes", 1234,
		"token_count", uint(3),
		"client_secret_length", 40,
		"refresh_token_bytes_text", refreshToken,
		"refresh_token_size", refreshToken,
		"otp", 123456,
		"token", 987654,
		"token_bytes_ok", true)
	var entry map[string]any
	if err := json.Unmarshal(buf.Bytes(), &entry); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"refresh_token_bytes":      float64(1234),
		"token_count":              float64(3),
		"client_secret_length":     float64(40),
		"refresh_token_bytes_text": Redacted,
		"refresh_token_size":       Redacted,
		"otp":                      Redacted,
		"token":                    Redacted,
		"token_bytes_ok":           Redacted,
	}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("%s = %v, want %v", k, entry[k], v)
		}
	}
}

func TestScanForSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("clean.log", "nothing here [redacted]\n")
	write("raw.json", `{"k":"`+apiKey+`"}`)
	write("sub/b64.txt", "data: "+base64.StdEncoding.EncodeToString([]byte("prefix-"+clientSecret)))
	write("sub/url.txt", "?t="+url.QueryEscape(refreshToken))
	hits, err := ScanForSecrets(dir, apiKey, clientSecret, refreshToken, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "raw.json"), filepath.Join(dir, "sub/b64.txt"), filepath.Join(dir, "sub/url.txt")}
	if !reflect.DeepEqual(hits, want) {
		t.Errorf("hits = %v, want %v", hits, want)
	}
	if _, err := ScanForSecrets(filepath.Join(dir, "missing"), apiKey); err == nil {
		t.Error("scanning a missing folder should fail")
	}
}

// The guard also works as a plain wrapper (used for "Copy diagnostics").
func TestGuardHandlerEnabled(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	g := NewGuard()
	h := g.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled must follow the wrapped handler")
	}
	g.Register(apiKey)
	slog.New(h).Error("boom", "err", errors.New("key "+apiKey))
	if strings.Contains(buf.String(), apiKey) || !strings.Contains(buf.String(), Redacted) {
		t.Errorf("output = %s", buf.String())
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestFileNameKeepsProcessesApart: the background helper writes its own
// file next to the window's, private too, and a name that is a path is
// refused rather than written somewhere else.
func TestFileNameKeepsProcessesApart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	window, _, wc, err := Setup(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	helper, _, hc, err := Setup(Options{Dir: dir, FileName: BackgroundFileName})
	if err != nil {
		t.Fatal(err)
	}
	window.Info("from the window")
	helper.Info("from the helper")
	for _, c := range []interface{ Close() error }{wc, hc} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{FileName: "from the window", BackgroundFileName: "from the helper"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) || strings.Count(string(data), "\n") != 1 {
			t.Errorf("%s holds %q, want only %q", name, data, want)
		}
		if st, _ := os.Stat(filepath.Join(dir, name)); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v", name, st.Mode().Perm())
		}
	}
	for _, bad := range []string{"../escape.log", "sub/x.log", ".."} {
		if _, _, _, err := Setup(Options{Dir: dir, FileName: bad}); err == nil {
			t.Errorf("FileName %q was accepted", bad)
		}
	}
}
