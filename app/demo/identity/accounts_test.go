package identity

import (
	"slices"
	"testing"
)

// signInAs runs a whole sign-in for whoever the server signs in now and
// returns the id_token claims and the refresh token.
func signInAs(t *testing.T, s *Server) (map[string]any, string) {
	t.Helper()
	v, ch := pkcePair()
	redirect := "http://localhost:50123/callback"
	code := issueCode(t, s, "common", authParams(redirect, ch))
	tok := wantTokens(t, postToken(t, s, tokenReq{form: codeForm(code, redirect, v)}))
	_, claims := decodeJWT(t, tok.IDToken)
	return claims, tok.RefreshToken
}

// Every demo account has a stable oid and tid; the second one shares the
// first one's email (a personal account next to a work account), so only
// oid+tid tell them apart.
func TestAccountsAreTheirOidAndTid(t *testing.T) {
	work, personal := DefaultAccount(), PersonalAccount()
	if work.Email != personal.Email || work.ObjectID == personal.ObjectID || work.TenantID == personal.TenantID {
		t.Fatalf("accounts %+v %+v: want the same email, different oid and tid", work, personal)
	}
	if personal.TenantID != ConsumerTenantID {
		t.Errorf("personal account tid %s, want the consumer tenant", personal.TenantID)
	}
	s := startServer(t, nil)
	first, rt1 := signInAs(t, s)
	if first["oid"] != work.ObjectID || first["tid"] != work.TenantID {
		t.Fatalf("first sign-in claims %v", first)
	}
	s.SetAccount(personal)
	second, rt2 := signInAs(t, s)
	if second["oid"] != personal.ObjectID || second["tid"] != personal.TenantID || second["email"] != work.Email {
		t.Fatalf("second sign-in claims %v", second)
	}
	// Each grant stays with the account that signed in: the mailbox Recall
	// would see follows the refresh token, not the current account.
	for rt, want := range map[string]string{rt1: work.Mailbox, rt2: personal.Mailbox} {
		got, err := s.VerifyMailbox(bg(), testClientID, testSecret, rt)
		if err != nil || got != want {
			t.Errorf("VerifyMailbox = %q, %v; want %q", got, err, want)
		}
	}
	if got := s.RefreshTokens(); !slices.Contains(got, rt1) || !slices.Contains(got, rt2) || len(got) != 2 {
		t.Errorf("RefreshTokens lists %d tokens, want the two issued", len(got))
	}
}

// The default account's mailbox address differs from its sign-in email, as
// an alias does, so clients cannot assume platform_email == oauth_email.
func TestMailboxDiffersFromEmail(t *testing.T) {
	a := DefaultAccount()
	if a.Mailbox == "" || a.Mailbox == a.Email {
		t.Fatalf("mailbox %q, email %q: want a different address", a.Mailbox, a.Email)
	}
	s := startServer(t, func(o *Options) { o.Account = Account{Email: "x@contoso.example"} })
	_, rt := signInAs(t, s)
	if got, _ := s.VerifyMailbox(bg(), testClientID, testSecret, rt); got != "x@contoso.example" {
		t.Errorf("an account without a mailbox uses its email, got %q", got)
	}
}

// Entra keeps several client secrets per app, so IT can add a new one
// before the old one expires (ref §2.4): both work until the old expires.
func TestSecondClientSecret(t *testing.T) {
	s := startServer(t, nil)
	_, rt := signInAs(t, s)
	const rotated = "n3w~secret.value"
	if err := s.VerifyRefreshToken(bg(), testClientID, rotated, rt); !IsTokenError(err, 7000215) {
		t.Fatalf("an unknown secret: %v, want AADSTS7000215", err)
	}
	s.AddClientSecret(rotated)
	for _, secret := range []string{testSecret, rotated} {
		if err := s.VerifyRefreshToken(bg(), testClientID, secret, rt); err != nil {
			t.Errorf("secret %q: %v", secret[:3], err)
		}
	}
	// The expired-secret knob expires the original secret only.
	s.Faults().SetSecretExpired(true)
	if err := s.VerifyRefreshToken(bg(), testClientID, testSecret, rt); !IsTokenError(err, 7000222) {
		t.Errorf("original secret after expiry: %v, want AADSTS7000222", err)
	}
	if err := s.VerifyRefreshToken(bg(), testClientID, rotated, rt); err != nil {
		t.Errorf("added secret after the original expired: %v", err)
	}
	wantTokenError(t, postToken(t, s, tokenReq{form: refreshForm(rt)}), 401, errInvalidClient, 7000222)
	f := refreshForm(rt)
	f.Set("client_secret", rotated)
	wantTokens(t, postToken(t, s, tokenReq{form: f}))
}
