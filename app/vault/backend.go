package vault

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// Backend is the OS keychain. The default is go-keyring; tests use fakes.
// Errors are go-keyring's (ErrNotFound, ErrSetDataTooBig, …) or whatever the
// platform layer returns; the vault classifies them.
//
// DeleteAll goes beyond Set/Get/Delete because only a service-wide delete
// can find every item this app wrote: refresh tokens of accounts the caller
// no longer knows, and chunks orphaned by a crash mid-write. go-keyring's
// own Keyring interface has the same method.
type Backend interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
	// DeleteAll removes every item of service; nil when there are none.
	DeleteAll(service string) error
}

// goKeyring is the default Backend: the OS keychain through go-keyring.
type goKeyring struct{}

func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}

func (goKeyring) Get(service, user string) (string, error) {
	return keyring.Get(service, user)
}

func (goKeyring) Delete(service, user string) error {
	return keyring.Delete(service, user)
}

func (goKeyring) DeleteAll(service string) error {
	return keyring.DeleteAll(service)
}

// errCallTimeout is the Cause of a vault.timeout raised by the vault's own
// per-call timer.
var errCallTimeout = errors.New("keychain call did not return in time")

type callResult struct {
	value string
	err   error
}

// call runs one backend call with the vault's timeout and ctx. go-keyring
// cannot be cancelled (keyring.md §1.4: prompts wait without a timeout), so
// on timeout or cancellation the call's goroutine is left to finish on its
// own, as cli/cli does (keyring.md §2.2); its result is dropped.
func (v *Vault) call(ctx context.Context, o op, kind string, fn func() (string, error)) (string, error) {
	if ctx.Err() != nil {
		return "", contextProblem(ctx, o, kind)
	}
	done := make(chan callResult, 1) // buffered: a late result never blocks the goroutine
	go func() {
		value, err := fn()
		done <- callResult{value, err}
	}()
	timer := time.NewTimer(v.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return "", classify(r.err, o, kind, runtime.GOOS)
		}
		return r.value, nil
	case <-timer.C:
		return "", timedOut(o, kind, runtime.GOOS, errCallTimeout)
	case <-ctx.Done():
		return "", contextProblem(ctx, o, kind)
	}
}

func (v *Vault) set(ctx context.Context, o op, kind, user, value string) error {
	_, err := v.call(ctx, o, kind, func() (string, error) {
		return "", v.backend.Set(v.service, user, value)
	})
	return err
}

func (v *Vault) get(ctx context.Context, o op, kind, user string) (string, error) {
	return v.call(ctx, o, kind, func() (string, error) {
		return v.backend.Get(v.service, user)
	})
}

// del deletes one item; a missing item is not an error.
func (v *Vault) del(ctx context.Context, o op, kind, user string) error {
	_, err := v.call(ctx, o, kind, func() (string, error) {
		return "", v.backend.Delete(v.service, user)
	})
	if IsNotFound(err) {
		return nil
	}
	return err
}
