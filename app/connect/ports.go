package connect

import (
	"context"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
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

// SignedIn is what a successful sign-in yields. The account is ObjectID
// and TenantID (the id_token's oid and tid); Email is only a label, which
// can change and can be shared by a work and a personal account.
type SignedIn struct {
	RefreshToken string
	Email        string
	TenantID     string
	ObjectID     string
}

// Secrets keeps refresh tokens in the OS keychain, one per account. The
// account is the key AccountKey returns: the stable id, or the email for a
// connection saved before ids were kept.
type Secrets interface {
	SaveRefreshToken(ctx context.Context, account, token string) error
	LoadRefreshToken(ctx context.Context, account string) (string, error)
	DeleteRefreshToken(ctx context.Context, account string) error
}

// Calendars is Recall's Calendar V2 API as the use cases need it. The
// adapter supplies the Microsoft client id and secret from configuration,
// and only ever finds, PATCHes or deletes calendars of our app.
type Calendars interface {
	// Register PATCHes KnownID when set, else reuses a calendar of ours for
	// the account, else creates one with CreateKey. Never makes duplicates.
	// An error may carry Recall's Retry-After (WithRetryAfter).
	Register(ctx context.Context, in Registration) (Calendar, error)
	Get(ctx context.Context, id string) (Calendar, error)
	Delete(ctx context.Context, id string) error
	// FindOwn lists our calendars for an account, newest first.
	FindOwn(ctx context.Context, in Lookup) ([]Calendar, error)
	// UpdateClientSecret sends the configured client secret to the
	// calendar after IT rotated it (recall-api.md §7.3); Recall then
	// reconnects it with the token it holds, without a new sign-in.
	UpdateClientSecret(ctx context.Context, id string) (Calendar, error)
}

// Registration is the input of Calendars.Register.
type Registration struct {
	KnownID      string
	Email        string
	RefreshToken string
	// CreateKey is the Idempotency-Key for a create, kept with the pending
	// connection, so a create whose answer was lost is replayed by Recall
	// instead of repeated (recall-api.md §6.3).
	CreateKey string
	// CreatedSince, when set, asks Register to look for a calendar of ours
	// created since then before creating: a create under an older key,
	// too old to be replayed, may have happened.
	CreatedSince time.Time
}

// Lookup is the input of Calendars.FindOwn.
type Lookup struct {
	Email string
	// CreatedSince, when set, includes every calendar of ours for the
	// account created since then.
	CreatedSince time.Time
	// Prefer is an id to list first when found.
	Prefer string
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
	// Others, from Register only, are further calendars of ours for the
	// same account that it left alone (duplicates made elsewhere).
	Others []string
}

// StatusChange is one entry of a calendar's status history.
type StatusChange struct {
	Status    string
	CreatedAt time.Time
	// Detail is any extra text Recall gave (for example a Microsoft error
	// code on disconnection), already stripped of secrets by the client.
	Detail string
}

// Saved is what survives a restart, kept in connection.json (no secrets:
// the create key is not one, and Setup holds only fingerprints).
type Saved struct {
	// Account is the signed-in account's email: a label for the screen.
	Account string `json:"account,omitempty"`
	// ObjectID and TenantID (oid, tid) are the account itself. ObjectID is
	// empty in a connection saved before they were kept (see AccountKey).
	ObjectID   string `json:"objectId,omitempty"`
	TenantID   string `json:"tenantId,omitempty"`
	CalendarID string `json:"calendarId,omitempty"` // Recall calendar id we own
	// Pending marks a sign-in whose token is in the keychain but whose
	// registration with Recall has not succeeded yet ("Finish connecting").
	Pending bool `json:"pending,omitempty"`
	// CreateKey is the Idempotency-Key of the pending create, minted at
	// CreateKeyAt. It is reused for up to CreateKeyReuse, while Recall
	// still replays the create's answer.
	CreateKey   string    `json:"createKey,omitempty"`
	CreateKeyAt time.Time `json:"createKeyAt,omitzero"`
	// LookupSince is set when an earlier create key was retired: a
	// calendar of ours created since then may exist and must be looked up
	// before anything is created or forgotten.
	LookupSince time.Time `json:"lookupSince,omitzero"`
	LastStatus  string    `json:"lastStatus,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	// Operation records an operation that was in flight ("connect",
	// "disconnect") so a restart mid-flow shows a consistent screen.
	Operation string `json:"operation,omitempty"`
	// TokenCleared says the refresh token was deleted from the keychain
	// after Recall reported the calendar connected: Recall holds it, and it
	// is kept only while a registration is pending. False in older files,
	// which may still hold one.
	TokenCleared bool `json:"tokenCleared,omitempty"`
	// Setup is the Recall and Microsoft setup the connection was made with.
	Setup Setup `json:"setup,omitzero"`
	// LastProblem is the code of the problem the last registration of a
	// pending connection failed with, and RetryAt when it was to be tried
	// again by itself (zero: not): Start decides from them whether to try
	// once by itself, and never sooner than Recall asked.
	LastProblem string    `json:"lastProblem,omitempty"`
	RetryAt     time.Time `json:"retryAt,omitzero"`
	// Notice is what to tell the person at the next start about a
	// connection that was forgotten with nobody watching: the background
	// helper found the calendar deleted in Recall. It is the only thing
	// left of the connection and stays until dismissed or a new sign-in.
	Notice *problem.Problem `json:"notice,omitempty"`
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
