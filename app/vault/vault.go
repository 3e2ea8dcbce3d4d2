// Package vault keeps the app's secrets (Microsoft refresh tokens, the
// Microsoft client secret, the Recall API key) in the OS keychain, and
// nowhere else: there is no plaintext fallback. When no keychain can be
// used, every call returns a *problem.Problem that tells the person how to
// get one.
//
// On top of go-keyring it adds what keyring.md §4-§5 recommend: a timeout
// and ctx on every call, classified errors, one size policy for every OS
// with chunking for larger values (format in format.go), and per-item
// locking so it is safe for concurrent use.
package vault

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// DefaultService is the keychain service name items are stored under. The
// caller may override it (OUTLOOK_CONNECT_KEYRING_SERVICE), tests always do.
const DefaultService = "Outlook Connect"

// DefaultTimeout bounds each keychain call. It is long because a locked
// keychain may be showing the person an unlock prompt (keyring.md §2.2:
// cli/cli moved from 3 s to 60 s for this reason).
const DefaultTimeout = 60 * time.Second

const (
	// maxServiceLen, with maxAccountLen, leaves well over 1 KB per keychain
	// item even for the longest names (TestLongestNamesLeaveRoom).
	maxServiceLen = 255
	// minItemCapacity is the smallest Options.Limit accepted: a chunk
	// manifest needs about 130 bytes, and chunks should not be tiny.
	minItemCapacity = 256
)

// Item kinds, as shown in the details for IT.
const (
	kindRefreshToken = "refresh token"
	kindClientSecret = "Microsoft client secret"
	kindRecallAPIKey = "Recall API key"
	kindCheck        = "keychain check"
	kindAll          = "all items"
)

// Options configures a Vault. The zero value is usable.
type Options struct {
	// Service is the keychain service name; empty means DefaultService.
	Service string
	// Timeout bounds each keychain call; zero means DefaultTimeout.
	Timeout time.Duration
	// Backend is the keychain; nil means the OS keychain via go-keyring.
	Backend Backend
	// Limit caps the bytes put into one keychain item. Zero means the
	// smallest limit of Windows (2560 bytes) and macOS (about 3000 bytes
	// including the names, after base64); a positive value can only lower
	// it. Larger values are split into chunks.
	Limit int
}

// Vault stores the app's secrets. It is safe for concurrent use.
type Vault struct {
	service string
	timeout time.Duration
	backend Backend
	limit   int

	// all is held for reading by every item operation and for writing by
	// DeleteAll, so a service-wide delete never interleaves with a chunked
	// write or read.
	all   sync.RWMutex
	items itemLocks
}

// New checks opts and returns a Vault. It does not touch the keychain; use
// Check for that.
func New(opts Options) (*Vault, error) {
	service := opts.Service
	if service == "" {
		service = DefaultService
	}
	switch {
	case strings.TrimSpace(service) != service:
		return nil, invalid(opCheck, "", "the service name has leading or trailing spaces")
	case len(service) > maxServiceLen:
		return nil, invalid(opCheck, "", fmt.Sprintf("the service name is longer than %d bytes", maxServiceLen))
	case strings.ContainsFunc(service, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return nil, invalid(opCheck, "", "the service name contains control characters")
	case opts.Timeout < 0:
		return nil, invalid(opCheck, "", "the timeout is negative")
	case opts.Limit < 0:
		return nil, invalid(opCheck, "", "the size limit is negative")
	case opts.Limit > 0 && opts.Limit < minItemCapacity:
		return nil, invalid(opCheck, "", fmt.Sprintf("the size limit is below %d bytes", minItemCapacity))
	}
	v := &Vault{service: service, timeout: opts.Timeout, backend: opts.Backend, limit: opts.Limit}
	if v.timeout == 0 {
		v.timeout = DefaultTimeout
	}
	if v.backend == nil {
		v.backend = goKeyring{}
	}
	return v, nil
}

// Service returns the keychain service name in use (for diagnostics and
// the uninstall instructions).
func (v *Vault) Service() string { return v.service }

// SaveRefreshToken stores the refresh token of account (connect.AccountKey:
// "<oid>.<tid>", or an email in older connections; matched
// case-insensitively), replacing any earlier one.
func (v *Vault) SaveRefreshToken(ctx context.Context, account, token string) error {
	user, err := accountUser(account)
	if err != nil {
		return invalid(opSave, kindRefreshToken, err.Error())
	}
	return v.save(ctx, kindRefreshToken, user, token)
}

// LoadRefreshToken returns the refresh token of account; IsNotFound(err)
// when there is none.
func (v *Vault) LoadRefreshToken(ctx context.Context, account string) (string, error) {
	user, err := accountUser(account)
	if err != nil {
		return "", invalid(opLoad, kindRefreshToken, err.Error())
	}
	return v.load(ctx, kindRefreshToken, user)
}

// DeleteRefreshToken removes the refresh token of account. Deleting a
// token that is not there is not an error.
func (v *Vault) DeleteRefreshToken(ctx context.Context, account string) error {
	user, err := accountUser(account)
	if err != nil {
		return invalid(opDelete, kindRefreshToken, err.Error())
	}
	return v.remove(ctx, kindRefreshToken, user)
}

// SaveClientSecret stores the Microsoft app registration's client secret.
func (v *Vault) SaveClientSecret(ctx context.Context, secret string) error {
	return v.save(ctx, kindClientSecret, userClientSecret, secret)
}

// LoadClientSecret returns the Microsoft client secret; IsNotFound(err)
// when there is none.
func (v *Vault) LoadClientSecret(ctx context.Context) (string, error) {
	return v.load(ctx, kindClientSecret, userClientSecret)
}

// DeleteClientSecret removes the Microsoft client secret, if any.
func (v *Vault) DeleteClientSecret(ctx context.Context) error {
	return v.remove(ctx, kindClientSecret, userClientSecret)
}

// SaveRecallAPIKey stores the Recall API key.
func (v *Vault) SaveRecallAPIKey(ctx context.Context, key string) error {
	return v.save(ctx, kindRecallAPIKey, userRecallAPIKey, key)
}

// LoadRecallAPIKey returns the Recall API key; IsNotFound(err) when there
// is none.
func (v *Vault) LoadRecallAPIKey(ctx context.Context) (string, error) {
	return v.load(ctx, kindRecallAPIKey, userRecallAPIKey)
}

// DeleteRecallAPIKey removes the Recall API key, if any.
func (v *Vault) DeleteRecallAPIKey(ctx context.Context) error {
	return v.remove(ctx, kindRecallAPIKey, userRecallAPIKey)
}

// Check proves the keychain works by writing, reading back and deleting a
// small random canary item. Used at startup and by diagnostics. Each check
// uses its own item name, so checks from two running copies of the app
// cannot disturb each other.
func (v *Vault) Check(ctx context.Context) error {
	v.all.RLock()
	defer v.all.RUnlock()

	gen := newGeneration()
	user := userCheck + gen
	want := directPrefix + "check-" + gen
	if err := v.set(ctx, opCheck, kindCheck, user, want); err != nil {
		return err
	}
	got, getErr := v.get(ctx, opCheck, kindCheck, user)
	delErr := v.del(ctx, opCheck, kindCheck, user)
	switch {
	case getErr != nil:
		return getErr
	case got != want:
		return unavailable(opCheck, kindCheck, runtime.GOOS, classCanaryMismatch, nil)
	}
	return delErr
}

// DeleteAll removes every item stored under the vault's service name:
// every account's refresh token, the client secret, the Recall API key and
// any chunks left behind by an interrupted write. Other operations on this
// Vault wait until it finishes.
func (v *Vault) DeleteAll(ctx context.Context) error {
	v.all.Lock()
	defer v.all.Unlock()
	_, err := v.call(ctx, opDelete, kindAll, func() (string, error) {
		return "", v.backend.DeleteAll(v.service)
	})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// save writes value under user in the format described in format.go.
func (v *Vault) save(ctx context.Context, kind, user, value string) error {
	if value == "" {
		return invalid(opSave, kind, "the value is empty")
	}
	v.all.RLock()
	defer v.all.RUnlock()
	unlock, err := v.items.lock(ctx, user)
	if err != nil {
		return contextProblem(ctx, opSave, kind)
	}
	defer unlock()

	// The previous generation's chunks are deleted after the new value is
	// in place. An unreadable old item is simply replaced.
	prev, found, err := v.readStored(ctx, opSave, kind, user)
	if err != nil && !isCode(err, CodeDamaged) {
		return err
	}
	var oldChunks *manifest
	if found && !prev.direct {
		oldChunks = &prev.manifest
	}

	if len(directPrefix)+len(value) <= itemCapacity(v.service, user, v.limit) {
		if err := v.set(ctx, opSave, kind, user, directPrefix+value); err != nil {
			return err
		}
		v.deleteChunksBestEffort(ctx, kind, user, oldChunks)
		return nil
	}

	gen := newGeneration()
	chunkSize := itemCapacity(v.service, chunkUser(user, gen, maxChunks-1), v.limit)
	n := (len(value) + chunkSize - 1) / chunkSize
	m := manifest{V: manifestV, Gen: gen, N: n, Size: len(value), SHA256: checksum(value)}
	encoded := m.encode()
	if n > maxChunks || len(encoded) > itemCapacity(v.service, user, v.limit) {
		return tooBig(opSave, kind, nil).With(problem.Detail{Label: "Size", Value: fmt.Sprintf("%d bytes", len(value))})
	}
	for i, part := range split(value, chunkSize) {
		if err := v.set(ctx, opSave, kind, chunkUser(user, gen, i), part); err != nil {
			if settled(err) {
				// No manifest names these chunks: remove them so no piece
				// of the secret lingers.
				v.deleteChunksBestEffort(ctx, kind, user, &manifest{Gen: gen, N: i + 1})
			}
			return err
		}
	}
	if err := v.set(ctx, opSave, kind, user, encoded); err != nil {
		if settled(err) {
			v.deleteChunksBestEffort(ctx, kind, user, &m)
		}
		return err
	}
	v.deleteChunksBestEffort(ctx, kind, user, oldChunks)
	return nil
}

// settled reports whether a failed write certainly did not happen. After a
// timeout or cancellation the backend call may still complete later, so
// the chunks it would point at must be kept.
func settled(err error) bool {
	return !isCode(err, CodeTimeout) && !isCode(err, CodeCancelled)
}

// deleteChunksBestEffort removes the chunks of m, if any. Failures leave
// orphaned chunks inside the keychain (never outside it); DeleteAll
// removes them.
func (v *Vault) deleteChunksBestEffort(ctx context.Context, kind, user string, m *manifest) {
	if m == nil {
		return
	}
	for i := range m.N {
		if err := v.del(ctx, opSave, kind, chunkUser(user, m.Gen, i)); err != nil && !settled(err) {
			return // the keychain is not answering: don't wait for each chunk
		}
	}
}

func (v *Vault) load(ctx context.Context, kind, user string) (string, error) {
	v.all.RLock()
	defer v.all.RUnlock()
	unlock, err := v.items.lock(ctx, user)
	if err != nil {
		return "", contextProblem(ctx, opLoad, kind)
	}
	defer unlock()

	// Another process may replace the value between reading the manifest
	// and its chunks; one retry with the fresh manifest covers that.
	var lastErr error
	for range 2 {
		s, found, err := v.readStored(ctx, opLoad, kind, user)
		switch {
		case err != nil:
			return "", err
		case !found:
			return "", notFound(opLoad, kind, nil)
		case s.direct:
			return s.value, nil
		}
		value, err := v.readChunks(ctx, kind, user, s.manifest)
		if err == nil {
			return value, nil
		}
		if !isCode(err, CodeDamaged) {
			return "", err
		}
		lastErr = err
	}
	return "", lastErr
}

// readStored reads and decodes the item at user. found is false when there
// is none; an item this package cannot decode is vault.damaged.
func (v *Vault) readStored(ctx context.Context, o op, kind, user string) (stored, bool, error) {
	raw, err := v.get(ctx, o, kind, user)
	if IsNotFound(err) {
		return stored{}, false, nil
	}
	if err != nil {
		return stored{}, false, err
	}
	s, err := decodeStored(raw)
	if err != nil {
		return stored{}, false, damaged(o, kind, err.Error())
	}
	return s, true, nil
}

func (v *Vault) readChunks(ctx context.Context, kind, user string, m manifest) (string, error) {
	var b strings.Builder
	b.Grow(m.Size)
	for i := range m.N {
		part, err := v.get(ctx, opLoad, kind, chunkUser(user, m.Gen, i))
		if IsNotFound(err) {
			return "", damaged(opLoad, kind, fmt.Sprintf("chunk %d of %d is missing", i+1, m.N))
		}
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	value := b.String()
	if len(value) != m.Size || checksum(value) != m.SHA256 {
		return "", damaged(opLoad, kind, "the chunks do not match their checksum")
	}
	return value, nil
}

// remove deletes the item at user and its chunks: chunks first, so an
// interrupted delete can be retried and still finds them all.
func (v *Vault) remove(ctx context.Context, kind, user string) error {
	v.all.RLock()
	defer v.all.RUnlock()
	unlock, err := v.items.lock(ctx, user)
	if err != nil {
		return contextProblem(ctx, opDelete, kind)
	}
	defer unlock()

	s, found, err := v.readStored(ctx, opDelete, kind, user)
	if err != nil && !isCode(err, CodeDamaged) {
		return err
	}
	if found && !s.direct {
		for i := range s.manifest.N {
			if err := v.del(ctx, opDelete, kind, chunkUser(user, s.manifest.Gen, i)); err != nil {
				return err
			}
		}
	}
	return v.del(ctx, opDelete, kind, user)
}

func isCode(err error, code string) bool {
	return err != nil && problem.From(err).Code == code
}
