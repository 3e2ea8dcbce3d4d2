package vault

import (
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// The errors of keyring.md §1.4's table, built as godbus and go-keyring
// build them.
var (
	errServiceUnknown = dbus.Error{
		Name: "org.freedesktop.DBus.Error.ServiceUnknown",
		Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"},
	}
	errIsLocked = &dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"Collection is locked"}}
	errNoReply  = dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"}
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		err       error
		goos      string
		code      string
		class     string
		retryable bool
	}{
		{"not found", keyring.ErrNotFound, "linux", CodeNotFound, "", false},
		{"too big", keyring.ErrSetDataTooBig, "windows", CodeTooBig, "", false},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, "freebsd", CodeUnavailable, classUnsupportedPlatform, true},
		{"no secret service", errServiceUnknown, "linux", CodeUnavailable, classSecretServiceMissing, true},
		{"no secret service, pointer", &errServiceUnknown, "linux", CodeUnavailable, classSecretServiceMissing, true},
		{"KeePassXC locked", errIsLocked, "linux", CodeLocked, classItemLocked, true},
		{"collection locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), "linux", CodeLocked, classCollectionLocked, true},
		{"dbus-launch missing", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, "linux", CodeUnavailable, classNoSessionBus, true},
		{"bus disabled", errors.New("dbus: invalid bus address (invalid or unsupported transport)"), "linux", CodeUnavailable, classNoSessionBus, true},
		{"no bus address", errors.New("dbus: couldn't determine address of session bus"), "linux", CodeUnavailable, classNoSessionBus, true},
		{"bus closed", fmt.Errorf("call: %w", dbus.ErrClosed), "linux", CodeUnavailable, classNoSessionBus, true},
		{"prompt no reply", errNoReply, "linux", CodeTimeout, "", true},
		{"sandbox denied", dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, "linux", CodeUnavailable, classAccessDenied, true},
		{"other dbus error", dbus.Error{Name: "org.example.Weird"}, "linux", CodeUnavailable, classDBusError, true},
		{"security missing", &exec.Error{Name: "/usr/bin/security", Err: exec.ErrNotFound}, "darwin", CodeUnavailable, classKeychainTool, true},
		{"unknown", errors.New("something odd"), "windows", CodeUnavailable, classUnrecognised, true},
		{"wrapped not found", fmt.Errorf("ctx: %w", keyring.ErrNotFound), "linux", CodeNotFound, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := classify(c.err, opSave, kindRefreshToken, c.goos)
			if p.Code != c.code {
				t.Fatalf("code %s, want %s", p.Code, c.code)
			}
			if class, _ := p.Detail("Error class"); class != c.class {
				t.Errorf("class %q, want %q", class, c.class)
			}
			if p.Retryable != c.retryable {
				t.Errorf("retryable %v", p.Retryable)
			}
			if !reflect.DeepEqual(p.Cause, c.err) {
				t.Errorf("cause not kept for errors.Is")
			}
			if p.Title == "" || p.Message == "" || p.NextStep == "" {
				t.Errorf("incomplete problem %+v", p)
			}
			if op, _ := p.Detail("Operation"); op != "save" {
				t.Errorf("operation detail %q", op)
			}
			if item, _ := p.Detail("Item"); item != kindRefreshToken {
				t.Errorf("item detail %q", item)
			}
		})
	}
	if classify(nil, opSave, "", "linux") != nil {
		t.Error("nil error classified")
	}
}

func TestUnavailableSaysWhatToDoOnEachOS(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"linux":   {"GNOME Keyring", "KWallet"},
		"openbsd": {"GNOME Keyring", "KWallet"},
		"darwin":  {"Keychain"},
		"windows": {"Credential Manager"},
	}
	for goos, words := range want {
		p := classify(errServiceUnknown, opCheck, kindCheck, goos)
		text := p.Message + " " + p.NextStep
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q does not mention %q", goos, text, w)
			}
		}
		if k, _ := p.Detail("Keychain"); k == "" {
			t.Errorf("%s: no keychain detail", goos)
		}
	}
	locked := classify(errIsLocked, opLoad, kindRecallAPIKey, "linux")
	if !strings.Contains(locked.NextStep, "Unlock") {
		t.Errorf("locked next step %q", locked.NextStep)
	}
}

func TestErrorTextFromOutsideIsNotCopied(t *testing.T) {
	t.Parallel()
	leak := errors.New("failed to unlock correct collection 'TOKEN-abc123'")
	p := classify(leak, opSave, kindRefreshToken, "linux")
	for _, text := range []string{p.Error(), p.DetailsText(), p.Message, p.NextStep, p.Title} {
		if strings.Contains(text, "TOKEN-abc123") {
			t.Errorf("outside error text copied into %q", text)
		}
	}
	if errType, _ := p.Detail("Error type"); errType != "*errors.errorString" {
		t.Errorf("error type detail %q", errType)
	}
}

func TestIsNotFound(t *testing.T) {
	t.Parallel()
	if !IsNotFound(notFound(opLoad, kindRecallAPIKey, nil)) {
		t.Error("not found problem not recognised")
	}
	if !IsNotFound(fmt.Errorf("wrapped: %w", notFound(opLoad, "", nil))) {
		t.Error("wrapped not found not recognised")
	}
	for _, err := range []error{nil, keyring.ErrNotFound, &problem.Problem{Code: CodeDamaged}} {
		if IsNotFound(err) {
			t.Errorf("IsNotFound(%v) = true", err)
		}
	}
}
