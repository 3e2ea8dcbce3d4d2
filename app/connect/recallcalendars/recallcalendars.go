// Package recallcalendars adapts the Recall client (app/recall) to the
// connect.Calendars seam. It lives apart from package app so everything that
// runs the real use cases outside the window — the app, the background
// helper and the organisation-scale simulation — shares one adapter.
package recallcalendars

import (
	"context"

	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// New returns the adapter for one Recall client and one Microsoft app
// registration (client id and the current client secret).
func New(client *recall.Client, clientID, clientSecret string) Calendars {
	return Calendars{client: client, clientID: clientID, clientSecret: clientSecret}
}

var _ connect.Calendars = Calendars{}

// Calendars adapts the Recall client to connect.Calendars. It supplies our
// Microsoft client id (the recall client then only ever reuses, PATCHes or
// deletes calendars registered with it) and the current client secret.
type Calendars struct {
	client       *recall.Client
	clientID     string
	clientSecret string
}

func (c Calendars) Register(ctx context.Context, in connect.Registration) (connect.Calendar, error) {
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
		// connect tries a pending registration again by itself, never
		// sooner than Recall asked.
		if wait, ok := recall.RetryAfter(err); ok {
			err = connect.WithRetryAfter(err, wait)
		}
		return connect.Calendar{}, err
	}
	cal := toConnect(reg.Calendar)
	cal.Others = reg.Others
	return cal, nil
}

func (c Calendars) Get(ctx context.Context, id string) (connect.Calendar, error) {
	cal, err := c.client.Get(ctx, id)
	if err != nil {
		return connect.Calendar{}, err
	}
	return toConnect(cal), nil
}

func (c Calendars) Delete(ctx context.Context, id string) error {
	return c.client.Delete(ctx, id)
}

func (c Calendars) FindOwn(ctx context.Context, in connect.Lookup) ([]connect.Calendar, error) {
	found, err := c.client.FindOwn(ctx, recall.FindParams{
		ClientID: c.clientID, Email: in.Email, CreatedSince: in.CreatedSince, Prefer: in.Prefer,
	})
	if err != nil {
		return nil, err
	}
	out := make([]connect.Calendar, 0, len(found))
	for _, cal := range found {
		out = append(out, toConnect(cal))
	}
	return out, nil
}

// UpdateClientSecret sends only the secret: Recall then reconnects with
// the refresh token it holds (recall-api.md §7.3).
func (c Calendars) UpdateClientSecret(ctx context.Context, id string) (connect.Calendar, error) {
	cal, err := c.client.Update(ctx, id, recall.UpdateParams{ClientSecret: c.clientSecret})
	if err != nil {
		return connect.Calendar{}, err
	}
	return toConnect(cal), nil
}

func toConnect(cal recall.Calendar) connect.Calendar {
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
