package logging

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces anything the guard removes.
const Redacted = "[redacted]"

// minSecretLen keeps very short strings from being registered: scrubbing
// them would shred ordinary text, and no real credential is that short.
const minSecretLen = 8

// Guard removes secrets from log records: attributes whose key names a
// secret, and every registered secret value (and its common encodings)
// wherever it appears. It is safe for concurrent use.
type Guard struct {
	mu       sync.RWMutex
	secrets  map[string]struct{}
	replacer *strings.Replacer
}

// NewGuard returns a guard with nothing registered.
func NewGuard() *Guard { return &Guard{secrets: map[string]struct{}{}} }

// Register adds a secret value to scrub from now on. Strings shorter than
// 8 characters are ignored.
func (g *Guard) Register(secret string) {
	if len(secret) < minSecretLen {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.secrets[secret]; ok {
		return
	}
	g.secrets[secret] = struct{}{}
	var patterns []string
	for s := range g.secrets {
		patterns = append(patterns, encodedForms(s)...)
	}
	// Longest first, so a secret's encoded form isn't half-replaced by a
	// shorter pattern matching inside it.
	sort.Slice(patterns, func(i, j int) bool { return len(patterns[i]) > len(patterns[j]) })
	pairs := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		pairs = append(pairs, p, Redacted)
	}
	g.replacer = strings.NewReplacer(pairs...)
}

// Scrub returns s with every registered secret replaced by [redacted]. It
// is also what "Copy diagnostics" runs its text through.
func (g *Guard) Scrub(s string) string {
	g.mu.RLock()
	r := g.replacer
	g.mu.RUnlock()
	if r == nil || s == "" {
		return s
	}
	return r.Replace(s)
}

// encodedForms lists the ways a secret commonly shows up in text: as is,
// URL-encoded, JSON-escaped, hex, and base64 (standard and URL alphabets,
// at each byte alignment, so it is found inside longer encoded data).
func encodedForms(secret string) []string {
	forms := map[string]struct{}{
		secret:                             {},
		url.QueryEscape(secret):            {},
		url.PathEscape(secret):             {},
		hex.EncodeToString([]byte(secret)): {},
	}
	if j, err := json.Marshal(secret); err == nil {
		forms[string(j[1:len(j)-1])] = struct{}{}
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for _, f := range base64Fragments(enc, []byte(secret)) {
			forms[f] = struct{}{}
		}
	}
	out := make([]string, 0, len(forms))
	for f := range forms {
		if len(f) >= 4 {
			out = append(out, f)
		}
	}
	return out
}

// base64Fragments returns, for each of the three byte offsets the secret
// can start at inside a longer input, the base64 characters determined
// only by the secret's own bytes.
func base64Fragments(enc *base64.Encoding, secret []byte) []string {
	out := make([]string, 0, 3)
	for k := 0; k < 3; k++ {
		padded := append(make([]byte, k), secret...)
		s := enc.EncodeToString(padded)
		start := (8*k + 5) / 6             // first char whose bits all come from the secret
		end := (8 * (k + len(secret))) / 6 // chars after this include bits past the secret
		if end > len(s) {
			end = len(s)
		}
		if start < end {
			out = append(out, s[start:end])
		}
	}
	return out
}

// secretKeyParts are substrings that mark a key as naming a secret.
var secretKeyParts = []string{"token", "secret", "password", "passphrase", "apikey", "authorization", "credential", "cookie", "privatekey", "codeverifier"}

// secretKeys are whole keys that name a secret (too short to match as parts
// without catching ordinary keys such as status_code).
var secretKeys = map[string]bool{"code": true, "state": true, "key": true, "auth": true, "assertion": true, "clientassertion": true, "pwd": true, "session": true, "sessionid": true, "otp": true}

// IsSecretKey reports whether an attribute key looks like it names a
// secret (token, client_secret, apiKey, Authorization, code, state ...).
func IsSecretKey(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(key))
	if secretKeys[k] {
		return true
	}
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

// measureSuffixes end a key that names a size or count, not a value.
var measureSuffixes = []string{"bytes", "len", "length", "count", "size"}

// isMeasure: an integer under a key ending in a measure (refresh_token_bytes)
// says how big a secret is, which support needs (keychains limit item
// sizes) and which gives nothing of the secret away. Only integers: text
// under such a key could be the secret itself.
func isMeasure(key string, v slog.Value) bool {
	if v.Kind() != slog.KindInt64 && v.Kind() != slog.KindUint64 {
		return false
	}
	k := strings.ToLower(key)
	for _, suffix := range measureSuffixes {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

// cleanAttr redacts by key and scrubs registered secrets from values.
func (g *Guard) cleanAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		cleaned := make([]slog.Attr, 0, len(attrs))
		for _, c := range attrs {
			cleaned = append(cleaned, g.cleanAttr(c))
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(cleaned...)}
	}
	if IsSecretKey(a.Key) {
		if isMeasure(a.Key, v) {
			return slog.Attr{Key: a.Key, Value: v}
		}
		if v.Kind() == slog.KindString && v.String() == "" {
			return slog.String(a.Key, "")
		}
		return slog.String(a.Key, Redacted)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, g.Scrub(v.String()))
	case slog.KindAny:
		return slog.Attr{Key: a.Key, Value: g.cleanAny(v.Any())}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// cleanAny turns errors, byte slices and Stringers into scrubbed strings;
// other values are kept as they are unless their printed or JSON form holds
// a registered secret, in which case the scrubbed printed form replaces them.
func (g *Guard) cleanAny(x any) slog.Value {
	switch t := x.(type) {
	case nil:
		return slog.AnyValue(nil)
	case error:
		return slog.StringValue(g.Scrub(t.Error()))
	case []byte:
		return slog.StringValue(g.Scrub(string(t)))
	case fmt.Stringer:
		return slog.StringValue(g.Scrub(t.String()))
	}
	printed := fmt.Sprintf("%+v", x)
	clean := printed == g.Scrub(printed)
	if j, err := json.Marshal(x); clean && err == nil {
		clean = string(j) == g.Scrub(string(j))
	}
	if clean {
		return slog.AnyValue(x)
	}
	return slog.StringValue(g.Scrub(printed))
}

// Handler wraps next so every record passes through the guard first.
func (g *Guard) Handler(next slog.Handler) slog.Handler {
	return &guardHandler{guard: g, next: next}
}

// groupOrAttrs is one With call: a group name or a set of attributes.
type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

// guardHandler keeps With attributes and groups itself and hands them to
// next only at Handle time, so a secret registered after logger.With(...)
// is still scrubbed from those attributes.
type guardHandler struct {
	guard *Guard
	next  slog.Handler
	goas  []groupOrAttrs
}

func (h *guardHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *guardHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, h.guard.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(h.guard.cleanAttr(a))
		return true
	})
	next := h.next
	for _, goa := range h.goas {
		if goa.group != "" {
			next = next.WithGroup(goa.group)
			continue
		}
		cleaned := make([]slog.Attr, 0, len(goa.attrs))
		for _, a := range goa.attrs {
			cleaned = append(cleaned, h.guard.cleanAttr(a))
		}
		next = next.WithAttrs(cleaned)
	}
	return next.Handle(ctx, nr)
}

func (h *guardHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(groupOrAttrs{attrs: append([]slog.Attr(nil), attrs...)})
}

func (h *guardHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(groupOrAttrs{group: name})
}

func (h *guardHandler) with(goa groupOrAttrs) *guardHandler {
	c := *h
	c.goas = append(append([]groupOrAttrs(nil), h.goas...), goa)
	return &c
}
