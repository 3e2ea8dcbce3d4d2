package app

import (
	"context"
	"errors"
	"time"

	"github.com/outlookconnect/outlook-connect/app/config"
	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/logging"
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

// calendars adapts the Recall client to connect.Calendars. It supplies our
// Microsoft client id (the recall client then only ever reuses, PATCHes or
// deletes calendars registered with it) and the current client secret.
type calendars struct {
	client       *recall.Client
	clientID     string
	clientSecret string
}

func (c calendars) Register(ctx context.Context, in connect.Registration) (connect.Calendar, error) {
	reg, err := c.client.Register(ctx, recall.RegisterParams{
		KnownID:      in.KnownID,
		Email:        in.Email,
		ClientID:     c.clientID,
		ClientSecret: c.clientSecret,
		RefreshToken: in.RefreshToken,
		CreateKey:    in.CreateKey,
		CreatedSince: in.CreatedSince,
	})
	if err != nil {
		return connect.Calendar{}, err
	}
	cal := toConnectCalendar(reg.Calendar)
	cal.Others = reg.Others
	return cal, nil
}

func (c calendars) Get(ctx context.Context, id string) (connect.Calendar, error) {
	cal, err := c.client.Get(ctx, id)
	if err != nil {
		return connect.Calendar{}, err
	}
	return toConnectCalendar(cal), nil
}

func (c calendars) Delete(ctx context.Context, id string) error {
	return c.client.Delete(ctx, id)
}

func (c calendars) FindOwn(ctx context.Context, in connect.Lookup) ([]connect.Calendar, error) {
	found, err := c.client.FindOwn(ctx, recall.FindParams{
		ClientID: c.clientID, Email: in.Email, CreatedSince: in.CreatedSince, Prefer: in.Prefer,
	})
	if err != nil {
		return nil, err
	}
	out := make([]connect.Calendar, 0, len(found))
	for _, cal := range found {
		out = append(out, toConnectCalendar(cal))
	}
	return out, nil
}

// UpdateClientSecret sends only the secret: Recall then reconnects with
// the refresh token it holds (recall-api.md §7.3).
func (c calendars) UpdateClientSecret(ctx context.Context, id string) (connect.Calendar, error) {
	cal, err := c.client.Update(ctx, id, recall.UpdateParams{ClientSecret: c.clientSecret})
	if err != nil {
		return connect.Calendar{}, err
	}
	return toConnectCalendar(cal), nil
}

func toConnectCalendar(cal recall.Calendar) connect.Calendar {
	out := connect.Calendar{
		ID:        cal.ID,
		Email:     cal.Email(),
		Status:    cal.Status,
		CreatedAt: cal.CreatedAt,
		UpdatedAt: cal.UpdatedAt,
	}
	for _, ch := range cal.StatusChanges {
		out.StatusChanges = append(out.StatusChanges, connect.StatusChange{
			Status: ch.Status, CreatedAt: ch.CreatedAt, Detail: ch.Detail,
		})
	}
	return out
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

// notifier pushes state to the UI as Wails events.
type notifier struct{ app *App }

func (n notifier) StateChanged(st connect.State) { n.app.runtime().Emit(EventStateChanged, st) }

func (n notifier) SignInWaiting(startURL string) {
	n.app.runtime().Emit(EventSignInWaiting, map[string]string{"startUrl": startURL})
}
