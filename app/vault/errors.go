package vault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes returned by the vault. Every error from this package is a
// *problem.Problem carrying one of them.
const (
	CodeNotFound    = "vault.not_found"
	CodeUnavailable = "vault.unavailable"
	CodeLocked      = "vault.locked"
	CodeTimeout     = "vault.timeout"
	CodeCancelled   = "vault.cancelled"
	CodeTooBig      = "vault.too_big"
	CodeDamaged     = "vault.damaged"
	CodeInvalid     = "vault.invalid"
)

// IsNotFound reports whether err says the secret is not in the keychain.
func IsNotFound(err error) bool {
	var p *problem.Problem
	return errors.As(err, &p) && p.Code == CodeNotFound
}

// Error classes shown in the details for IT. They name the kind of failure,
// never a value or a message text from outside.
const (
	classSecretServiceMissing = "secret-service-missing" // keyring.md §1.4: ServiceUnknown
	classNoSessionBus         = "no-session-bus"         // keyring.md §1.4: dbus-launch missing, invalid bus address
	classCollectionLocked     = "collection-locked"      // keyring.md §1.4: "failed to unlock correct collection"
	classItemLocked           = "item-locked"            // keyring.md §2.1: org.freedesktop.Secret.Error.IsLocked (KeePassXC)
	classAccessDenied         = "access-denied"          // keyring.md §2.1: sandbox (snap/Flatpak) refused
	classUnsupportedPlatform  = "unsupported-platform"   // keyring.md §1.1: ErrUnsupportedPlatform
	classKeychainTool         = "keychain-tool-failed"   // keyring.md §1.2: /usr/bin/security exited with an error
	classDBusError            = "dbus-error"
	classCanaryMismatch       = "check-value-mismatch"
	classUnrecognised         = "unrecognised"
)

// op names the vault operation in the details for IT.
type op string

const (
	opSave   op = "save"
	opLoad   op = "load"
	opDelete op = "delete"
	opCheck  op = "check"
)

// classify turns an error from a Backend into a *problem.Problem. goos is
// runtime.GOOS except in tests. The backend's error text is never copied
// into the problem (it is kept only as Cause, which is not shown).
func classify(err error, o op, kind, goos string) *problem.Problem {
	if err == nil {
		return nil
	}
	var already *problem.Problem
	if errors.As(err, &already) {
		return already
	}
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return notFound(o, kind, err)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return tooBig(o, kind, err)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return unavailable(o, kind, goos, classUnsupportedPlatform, err)
	}

	var dbusErr dbus.Error
	var dbusErrPtr *dbus.Error
	name := ""
	if errors.As(err, &dbusErr) {
		name = dbusErr.Name
	} else if errors.As(err, &dbusErrPtr) && dbusErrPtr != nil {
		name = dbusErrPtr.Name
	}
	if name != "" {
		switch name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return unavailable(o, kind, goos, classSecretServiceMissing, err)
		case "org.freedesktop.Secret.Error.IsLocked":
			return locked(o, kind, goos, classItemLocked, err)
		case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut":
			return timedOut(o, kind, goos, err)
		case "org.freedesktop.DBus.Error.AccessDenied":
			return unavailable(o, kind, goos, classAccessDenied, err)
		default:
			return unavailable(o, kind, goos, classDBusError, err).With(problem.Detail{Label: "D-Bus error", Value: name})
		}
	}

	// go-keyring returns these as plain errors.New values; the text is the
	// only way to tell them apart (keyring.md §1.4 table).
	text := err.Error()
	switch {
	case strings.HasPrefix(text, "failed to unlock correct collection"):
		return locked(o, kind, goos, classCollectionLocked, err)
	case strings.HasPrefix(text, "dbus: invalid bus address"),
		strings.HasPrefix(text, "dbus: couldn't determine address of session bus"),
		strings.HasPrefix(text, "dbus: invalid address"),
		strings.HasPrefix(text, "dbus: authentication"),
		errors.Is(err, dbus.ErrClosed):
		return unavailable(o, kind, goos, classNoSessionBus, err)
	}

	var execErr *exec.Error
	if errors.As(err, &execErr) {
		// Linux: godbus could not find dbus-launch (dbus-x11 is not
		// installed) to start a session bus. macOS: /usr/bin/security missing.
		class := classNoSessionBus
		if goos == "darwin" {
			class = classKeychainTool
		}
		return unavailable(o, kind, goos, class, err)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		class := classNoSessionBus // dbus-launch ran but failed (no display)
		if goos == "darwin" {
			class = classKeychainTool
		}
		return unavailable(o, kind, goos, class, err).With(problem.Detail{Label: "Exit code", Value: fmt.Sprint(exitErr.ExitCode())})
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return unavailable(o, kind, goos, classNoSessionBus, err)
	}
	return unavailable(o, kind, goos, classUnrecognised, err)
}

func baseDetails(o op, kind string, cause error) []problem.Detail {
	d := []problem.Detail{{Label: "Operation", Value: string(o)}}
	if kind != "" {
		d = append(d, problem.Detail{Label: "Item", Value: kind})
	}
	if cause != nil {
		d = append(d, problem.Detail{Label: "Error type", Value: fmt.Sprintf("%T", cause)})
	}
	return d
}

func notFound(o op, kind string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:     CodeNotFound,
		Title:    "Nothing saved yet",
		Message:  "Outlook Connect did not find this item in your keychain.",
		NextStep: "Connect again to save it.",
		Details:  baseDetails(o, kind, cause),
		Cause:    cause,
	}
}

func tooBig(o op, kind string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:     CodeTooBig,
		Title:    "This item is too large for your keychain",
		Message:  "Your keychain refused to store an item because it is larger than it allows.",
		NextStep: "Send the details below to your IT support.",
		Details:  baseDetails(o, kind, cause),
		ForAdmin: true,
		Cause:    cause,
	}
}

func damaged(o op, kind, reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeDamaged,
		Title:    "A saved item is damaged",
		Message:  "Part of an item Outlook Connect saved in your keychain is missing or does not match, so it cannot be used.",
		NextStep: "Connect again: this replaces the damaged item.",
		Details:  append(baseDetails(o, kind, nil), problem.Detail{Label: "Reason", Value: reason}),
	}
}

func invalid(o op, kind, reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeInvalid,
		Title:    "Outlook Connect could not save this item",
		Message:  "Outlook Connect tried to use the keychain with information that is not valid.",
		NextStep: "Try again. If it keeps happening, copy the details below and send them to your IT support.",
		Details:  append(baseDetails(o, kind, nil), problem.Detail{Label: "Reason", Value: reason}),
	}
}

// keychainName is what the person calls their keychain on each OS.
func keychainName(goos string) string {
	switch goos {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	default:
		return "Secret Service (GNOME Keyring, KWallet or KeePassXC)"
	}
}

func unavailable(o op, kind, goos, class string, cause error) *problem.Problem {
	p := &problem.Problem{
		Code:      CodeUnavailable,
		Title:     "Your keychain can't be used",
		Retryable: true,
		Cause:     cause,
	}
	switch goos {
	case "darwin":
		p.Message = "Outlook Connect keeps your sign-in in the macOS Keychain, and it could not reach it."
		p.NextStep = "Make sure you are logged in to your Mac at its own screen (not remotely) and that the Keychain Access app opens, then try again."
	case "windows":
		p.Message = "Outlook Connect keeps your sign-in in Windows Credential Manager, and it could not reach it."
		p.NextStep = "Sign out of Windows and back in, then try again. If it keeps happening, ask your IT support whether Credential Manager is turned off on this computer."
	default:
		p.Message = "Outlook Connect keeps your sign-in in your computer's keyring, and none is running. It never saves your sign-in anywhere else."
		p.NextStep = "Install and start GNOME Keyring or KWallet (or turn on Secret Service in KeePassXC), log out and back in, then try again."
		if class == classAccessDenied {
			p.NextStep = "Allow Outlook Connect to use your keyring (for a snap or Flatpak, grant it access to the password manager service), then try again."
		}
	}
	p.Details = append(baseDetails(o, kind, cause),
		problem.Detail{Label: "Keychain", Value: keychainName(goos)},
		problem.Detail{Label: "Error class", Value: class})
	return p
}

func locked(o op, kind, goos, class string, cause error) *problem.Problem {
	p := &problem.Problem{
		Code:      CodeLocked,
		Title:     "Your keychain is locked",
		Message:   "Outlook Connect needs your keychain to be unlocked to keep your sign-in safe.",
		Retryable: true,
		Cause:     cause,
	}
	switch goos {
	case "darwin":
		p.NextStep = "Unlock your keychain with your Mac password (Keychain Access can do it), then try again."
	case "windows":
		p.NextStep = "Sign in to Windows again, then try again."
	default:
		p.NextStep = "Unlock your keyring (in GNOME this is the \"Passwords and Keys\" app; in KDE, KWallet; or KeePassXC). If you have never created one, create a keyring named \"login\", then try again."
	}
	p.Details = append(baseDetails(o, kind, cause),
		problem.Detail{Label: "Keychain", Value: keychainName(goos)},
		problem.Detail{Label: "Error class", Value: class})
	return p
}

func timedOut(o op, kind, goos string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:      CodeTimeout,
		Title:     "Your keychain did not answer",
		Message:   "Outlook Connect waited for your keychain, which may be locked and asking for your password in another window.",
		NextStep:  "Look for a keychain or password window, unlock it, then try again.",
		Details:   append(baseDetails(o, kind, cause), problem.Detail{Label: "Keychain", Value: keychainName(goos)}),
		Retryable: true,
		Cause:     cause,
	}
}

func cancelled(o op, kind string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:      CodeCancelled,
		Title:     "Stopped",
		Message:   "The keychain operation was stopped before it finished.",
		NextStep:  "Try again if you still want to do this.",
		Details:   baseDetails(o, kind, cause),
		Retryable: true,
		Cause:     cause,
	}
}

// contextProblem maps a finished context to timeout or cancelled.
func contextProblem(ctx context.Context, o op, kind string) *problem.Problem {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return timedOut(o, kind, runtime.GOOS, err)
	}
	return cancelled(o, kind, err)
}
