package connect

import "github.com/outlookconnect/outlook-connect/app/problem"

// Phase is which screen the UI shows.
type Phase string

const (
	PhaseIdle             Phase = "idle"           // Connect screen
	PhaseSigningIn        Phase = "signing_in"     // Waiting for sign-in
	PhaseRegistering      Phase = "registering"    // signed in, registering with Recall
	PhaseFinishPending    Phase = "finish_pending" // signed in, registration failed: offer Finish connecting
	PhaseConnected        Phase = "connected"      // Connected screen (calendar status inside)
	PhaseDisconnecting    Phase = "disconnecting"
	PhaseDisconnectFailed Phase = "disconnect_failed" // Recall unreachable: Retry or Remove from this computer only
)

// State is everything the UI renders from. GetState returns it and every
// change is pushed with the "state:changed" event.
type State struct {
	Phase Phase `json:"phase"`
	// Busy is true while an operation runs; the UI disables actions.
	Busy bool `json:"busy"`

	Account  string         `json:"account,omitempty"`
	Calendar *CalendarState `json:"calendar,omitempty"`
	SignIn   *SignInState   `json:"signIn,omitempty"`

	// Problem is the error card to show, if any.
	Problem *problem.Problem `json:"problem,omitempty"`

	// RetryAt, on the Finish connecting screen, is when Outlook Connect
	// tries Finish connecting again by itself (RFC 3339); empty when it
	// will not (the problem needs the person or IT, or the automatic tries
	// are used up).
	RetryAt string `json:"retryAt,omitempty"`
}

// CalendarState is the Connected screen's data.
type CalendarState struct {
	ID string `json:"id"`
	// Status is connecting | connected | disconnected.
	Status string `json:"status"`
	// Since is when the calendar entered Status (RFC 3339), from the newest
	// status_changes entry, else when we registered it.
	Since string `json:"since,omitempty"`
	// LastChange is the newest status_changes entry.
	LastChange *StatusChangeView `json:"lastChange,omitempty"`
	// LikelyCause explains a disconnection in plain words.
	LikelyCause string `json:"likelyCause,omitempty"`
	// CauseForAdmin: only IT can fix the cause (the Microsoft app's
	// secret expired or was replaced); reconnecting would not help, so
	// the UI offers no Reconnect.
	CauseForAdmin bool `json:"causeForAdmin,omitempty"`
	// CheckedAt is when we last read the status from Recall (RFC 3339).
	CheckedAt string `json:"checkedAt,omitempty"`
}

// StatusChangeView is a status_changes entry for display.
type StatusChangeView struct {
	Status string `json:"status"`
	At     string `json:"at"`
	Detail string `json:"detail,omitempty"`
}

// SignInState is the Waiting screen's data.
type SignInState struct {
	StartURL string `json:"startUrl"`
	// BrowserOpened is false when no browser could be opened: the UI then
	// leads with Copy link.
	BrowserOpened bool `json:"browserOpened"`
	// ExpiresAt is when the attempt times out (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
}
