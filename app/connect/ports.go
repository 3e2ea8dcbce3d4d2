package connect

import (
	"context"
	"time"
)

// The interfaces below are the seams of the use cases. Package app adapts
// msauth, vault, recall, store and the browser opener to them; tests use fakes.

// Authenticator starts a Microsoft sign-in in the system browser.
type Authenticator interface {
	// Begin binds the loopback listener and returns the attempt. Starting a
	// new attempt cancels any earlier one.
	Begin(ctx context.Context) (Attempt, error)
}

// Attempt is one sign-in in progress.
type Attempt interface {
	// StartURL is the short local URL (http://localhost:<port>/start) that
	// redirects to Microsoft; it carries no state and is safe to show.
	StartURL() string
	// Wait blocks until the sign-in finishes, fails, times out or is cancelled.
	Wait(ctx context.Context) (SignedIn, error)
	// Cancel ends the attempt and closes its port. Safe to call twice.
	Cancel()
}

// ExpiringAttempt is optionally implemented by an Attempt that knows when it
// times out, so the Waiting screen can say so.
type ExpiringAttempt interface {
	ExpiresAt() time.Time
}

// SignedIn is what a successful sign-in yields.
type SignedIn struct {
	RefreshToken string
	Email        string
	TenantID     string
	ObjectID     string
}

// Secrets keeps refresh tokens in the OS keychain, one per account.
type Secrets interface {
	SaveRefreshToken(ctx context.Context, account, token string) error
	LoadRefreshToken(ctx context.Context, account string) (string, error)
	DeleteRefreshToken(ctx context.Context, account string) error
}

// Calendars is Recall's Calendar V2 API as the use cases need it. The
// adapter supplies the Microsoft client id and secret from configuration.
type Calendars interface {
	// Register PATCHes knownID when set, else reuses a calendar with the
	// same email and platform, else creates one. Never makes duplicates.
	Register(ctx context.Context, in Registration) (Calendar, error)
	Get(ctx context.Context, id string) (Calendar, error)
	Delete(ctx context.Context, id string) error
}

// Registration is the input of Calendars.Register.
type Registration struct {
	KnownID      string
	Email        string
	RefreshToken string
}

// Calendar is the part of a Recall calendar the app shows. It never holds
// the OAuth secret or refresh token Recall echoes back.
type Calendar struct {
	ID            string
	Email         string // platform_email, or oauth_email until Recall fills it
	Status        string // connecting | connected | disconnected
	StatusChanges []StatusChange
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// StatusChange is one entry of a calendar's status history.
type StatusChange struct {
	Status    string
	CreatedAt time.Time
	// Detail is any extra text Recall gave (for example a Microsoft error
	// code on disconnection), already stripped of secrets by the client.
	Detail string
}

// Saved is what survives a restart, kept in connection.json (no secrets).
type Saved struct {
	Account    string `json:"account,omitempty"`    // email of the signed-in account
	TenantID   string `json:"tenantId,omitempty"`   // Microsoft tenant of the account
	CalendarID string `json:"calendarId,omitempty"` // Recall calendar id we own
	// Pending marks a sign-in whose token is in the keychain but whose
	// registration with Recall has not succeeded yet ("Finish connecting").
	Pending    bool      `json:"pending,omitempty"`
	LastStatus string    `json:"lastStatus,omitempty"`
	Since      time.Time `json:"since,omitzero"`
	// Operation records an operation that was in flight ("connect",
	// "disconnect") so a restart mid-flow shows a consistent screen.
	Operation string `json:"operation,omitempty"`
}

// StateStore persists Saved atomically.
type StateStore interface {
	Load() (Saved, error)
	Save(Saved) error
}

// Browser opens a URL in the person's browser (honouring $BROWSER).
type Browser interface {
	Open(url string) error
}

// Notifier tells the UI that something changed. Implemented by package app
// over Wails events; a no-op or a recorder in tests.
type Notifier interface {
	StateChanged(State)
	SignInWaiting(startURL string)
}
