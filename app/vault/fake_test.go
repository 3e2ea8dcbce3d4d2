package vault

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/zalando/go-keyring"
)

// fakeKeychain is a goroutine-safe in-memory Backend (go-keyring's
// MockInit is not: keyring.md §1.1) that enforces the Windows and macOS
// size limits exactly as go-keyring v0.2.8 checks them, and lets tests
// inject failures, crashes and hangs.
type fakeKeychain struct {
	mu    sync.Mutex
	items map[[2]string]string // {service, user} → value
	sets  int                  // successful Set calls so far

	// fail, when set, is consulted before each call; a non-nil error is
	// returned instead of doing the call.
	fail func(op, user string) error
	// crashAfterSets, when >= 0, makes every call after that many further
	// successful Sets fail: the process "died" mid-sequence, so nothing
	// else reaches the keychain, not even clean-up.
	crashAfterSets int
	crashed        bool
	// hang, when non-nil, makes every call wait until it is closed;
	// entered receives one value per call that started waiting.
	hang    chan struct{}
	entered chan string
	// getOverride replaces the stored value returned by Get.
	getOverride func(user, value string) string
}

var errCrashed = errors.New("fake keychain: process crashed")

func newFake() *fakeKeychain {
	return &fakeKeychain{items: map[[2]string]string{}, crashAfterSets: -1}
}

// goKeyringQuote is go-keyring's internal shellescape.Quote, written out
// independently of the vault's arithmetic so the two check each other.
var goKeyringUnsafe = regexp.MustCompile(`[^\w@%+=:,./-]`)

func goKeyringQuote(s string) string {
	if s == "" {
		return "''"
	}
	if goKeyringUnsafe.MatchString(s) {
		return "'" + strings.ReplaceAll(s, "'", "'\"'\"'") + "'"
	}
	return s
}

// checkLimits applies keyring_windows.go and keyring_darwin.go's checks.
func checkLimits(service, user, password string) error {
	if len(password) > 2560 || len(service) >= 512 { // Windows
		return keyring.ErrSetDataTooBig
	}
	encoded := "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(password))
	command := fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n",
		goKeyringQuote(service), goKeyringQuote(user), goKeyringQuote(encoded))
	if len(command) > 4096 { // macOS
		return keyring.ErrSetDataTooBig
	}
	return nil
}

func (f *fakeKeychain) before(op, user string) error {
	f.mu.Lock()
	hang, entered, fail, crashed := f.hang, f.entered, f.fail, f.crashed
	f.mu.Unlock()
	if hang != nil {
		if entered != nil {
			entered <- op
		}
		<-hang
	}
	if crashed {
		return errCrashed
	}
	if fail != nil {
		return fail(op, user)
	}
	return nil
}

func (f *fakeKeychain) Set(service, user, password string) error {
	if err := f.before("set", user); err != nil {
		return err
	}
	if err := checkLimits(service, user, password); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashed {
		return errCrashed
	}
	f.items[[2]string{service, user}] = password
	f.sets++
	if f.crashAfterSets >= 0 && f.sets >= f.crashAfterSets {
		f.crashed = true
	}
	return nil
}

func (f *fakeKeychain) Get(service, user string) (string, error) {
	if err := f.before("get", user); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[[2]string{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	if f.getOverride != nil {
		v = f.getOverride(user, v)
	}
	return v, nil
}

func (f *fakeKeychain) Delete(service, user string) error {
	if err := f.before("delete", user); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[[2]string{service, user}]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, [2]string{service, user})
	return nil
}

func (f *fakeKeychain) DeleteAll(service string) error {
	if err := f.before("deleteall", ""); err != nil {
		return err
	}
	if service == "" {
		return keyring.ErrNotFound
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.items {
		if k[0] == service {
			delete(f.items, k)
		}
	}
	return nil
}

// crashAfter arms a crash after n more successful Sets.
func (f *fakeKeychain) crashAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets, f.crashAfterSets, f.crashed = 0, n, n == 0
}

// revive is the restart after a crash.
func (f *fakeKeychain) revive() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crashAfterSets, f.crashed = -1, false
}

func (f *fakeKeychain) setFail(fn func(op, user string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

// users lists the user names stored under service, sorted.
func (f *fakeKeychain) users(service string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		if k[0] == service {
			out = append(out, k[1])
		}
	}
	sort.Strings(out)
	return out
}

func (f *fakeKeychain) raw(service, user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[[2]string{service, user}]
	return v, ok
}

func (f *fakeKeychain) put(service, user, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[[2]string{service, user}] = value
}

func (f *fakeKeychain) drop(service, user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, [2]string{service, user})
}
