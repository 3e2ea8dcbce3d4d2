package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/msauth"
	"github.com/outlookconnect/outlook-connect/app/recall"
	"github.com/outlookconnect/outlook-connect/app/store"
	"github.com/outlookconnect/outlook-connect/app/vault"
)

// The adapters below fit msauth, vault, recall and store to the seams of
// connect and config. Each is a few lines; the logic stays in the packages.

// signIn adapts msauth to connect.Authenticator.
type signIn struct {
	cfg   msauth.Config
	guard *logging.Guard
}

func (s signIn) Begin(ctx context.Context) (connect.Attempt, error) {
	sess, err := msauth.Start(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	return attempt{sess: sess, guard: s.guard}, nil
}

type attempt struct {
	sess  *msauth.Session
	guard *logging.Guard
}

func (a attempt) StartURL() string     { return a.sess.StartURL() }
func (a attempt) Cancel()              { a.sess.Cancel() }
func (a attempt) ExpiresAt() time.Time { return a.sess.ExpiresAt() }

func (a attempt) Wait(ctx context.Context) (connect.SignedIn, error) {
	res, err := a.sess.Wait(ctx)
	if err != nil {
		return connect.SignedIn{}, err
	}
	// From here on the refresh token must never reach a log line.
	a.guard.Register(res.RefreshToken)
	return connect.SignedIn{
		RefreshToken: res.RefreshToken,
		Email:        res.Email,
		TenantID:     res.TenantID,
		ObjectID:     res.ObjectID,
	}, nil
}

// connectionStore keeps connect.Saved in connection.json.
type connectionStore struct{ path string }

const connectionSchema = 1

func (s connectionStore) Load() (connect.Saved, error) {
	var saved connect.Saved
	_, err := store.ReadJSON(s.path, connectionSchema, &saved)
	return saved, err
}

func (s connectionStore) Save(saved connect.Saved) error {
	if saved == (connect.Saved{}) {
		return store.Remove(s.path)
	}
	return store.WriteJSON(s.path, connectionSchema, saved)
}

// settingsFile keeps the admin settings in settings.json.
type settingsFile struct{ path string }

const settingsSchema = 1

func (f settingsFile) Read(v any) (bool, error) { return store.ReadJSON(f.path, settingsSchema, v) }
func (f settingsFile) Write(v any) error        { return store.WriteJSON(f.path, settingsSchema, v) }

// configSecrets stores the setup's secrets in the keychain.
type configSecrets struct{ vault *vault.Vault }

func (s configSecrets) Get(ctx context.Context, name config.SecretName) (string, error) {
	if s.vault == nil {
		return "", errVaultMissing
	}
	var v string
	var err error
	switch name {
	case config.SecretMSClientSecret:
		v, err = s.vault.LoadClientSecret(ctx)
	case config.SecretRecallAPIKey:
		v, err = s.vault.LoadRecallAPIKey(ctx)
	default:
		return "", errors.New("unknown secret")
	}
	if vault.IsNotFound(err) {
		return "", config.ErrSecretNotFound
	}
	return v, err
}

func (s configSecrets) Set(ctx context.Context, name config.SecretName, value string) error {
	if s.vault == nil {
		return errVaultMissing
	}
	switch name {
	case config.SecretMSClientSecret:
		return s.vault.SaveClientSecret(ctx, value)
	case config.SecretRecallAPIKey:
		return s.vault.SaveRecallAPIKey(ctx, value)
	}
	return errors.New("unknown secret")
}

func (s configSecrets) Delete(ctx context.Context, name config.SecretName) error {
	if s.vault == nil {
		return errVaultMissing
	}
	// The vault treats deleting a missing item as success.
	switch name {
	case config.SecretMSClientSecret:
		return s.vault.DeleteClientSecret(ctx)
	case config.SecretRecallAPIKey:
		return s.vault.DeleteRecallAPIKey(ctx)
	}
	return errors.New("unknown secret")
}

var errVaultMissing = errors.New("the keychain is not available")

// recallProber checks a Recall key for the setup screen's Test button.
type recallProber struct{ version string }

func (p recallProber) Probe(ctx context.Context, baseURL, apiKey string) error {
	c, err := recall.New(recall.Config{BaseURL: baseURL, APIKey: apiKey, Version: p.version})
	if err != nil {
		return err
	}
	return c.Probe(ctx)
}

// notifier pushes state to the UI as Wails events, to the world's
// follower, which keeps the meetings in step, and to the App, which keeps
// the start-at-login entry (window) or stops when nothing is connected
// (background helper).
type notifier struct {
	app   *App
	world *world
}

func (n notifier) StateChanged(st connect.State) {
	n.app.runtime().Emit(EventStateChanged, st)
	if n.world.follow != nil {
		n.world.follow.StateChanged(st)
	}
	n.app.connectionChanged(n.world, st)
}

func (n notifier) SignInWaiting(startURL string) {
	n.app.runtime().Emit(EventSignInWaiting, map[string]string{"startUrl": startURL})
}

// meetingsNotifier pushes the meetings view to the UI until its world
// closes.
type meetingsNotifier struct {
	app    *App
	closed *atomic.Bool
}

func (n meetingsNotifier) MeetingsChanged(v meetings.View) {
	if n.closed.Load() {
		return
	}
	n.app.runtime().Emit(EventMeetingsChanged, v)
}
