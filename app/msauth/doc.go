// Package msauth signs a person in to Microsoft in their own browser and
// returns a refresh token for Recall.ai, using the authorization-code flow
// with PKCE on a one-shot loopback redirect (RFC 8252, RFC 9700).
//
// # Use
//
//	sess, err := msauth.Start(ctx, msauth.Config{ClientID: id, ClientSecret: secret})
//	if err != nil { … }          // a *problem.Problem: bad configuration, or no port
//	browser.Open(sess.StartURL()) // http://localhost:<port>/start; also shown for "Copy link"
//	res, err := sess.Wait(ctx)    // res.RefreshToken, res.Email, …; err is a *problem.Problem
//
// Start validates the configuration, binds 127.0.0.1 on a port the OS picks
// (and, for a localhost redirect, [::1] on the same port when the machine
// has IPv6 loopback, since browsers may try ::1 first), and returns. StartURL carries no secret and no state: it 302-redirects to
// Microsoft's authorize endpoint, so it is safe to show and to copy.
//
// The redirect URI is http://localhost:<port>/callback (or 127.0.0.1 with
// Config.RedirectHost). Register http://localhost/callback under the Web
// platform of the app registration: Microsoft ignores the port of loopback
// redirect URIs.
//
// # One attempt at a time
//
// A second Start while an attempt is active cancels the first: its Wait
// returns a problem with code CodeSuperseded, and its port is closed before
// the second Start returns. Cancel ends an attempt (Wait returns
// CodeCancelled) and returns once the port is closed; so do the timeout
// (Config.Timeout, default 5 minutes; Wait returns CodeTimeout) and the end
// of the context given to Wait. The context given to Start only bounds
// Start itself. Once the answer has arrived the timeout no longer applies:
// the exchange finishes (or is cancelled). In every case the port is closed
// by the time Wait returns; if no one waits for an attempt that ended at
// the callback, its port closes after 10 seconds.
//
// # What the listener does
//
//   - Answers only Host headers naming localhost, 127.0.0.1 or [::1] with
//     its own port (a DNS-rebinding defence); others get 421.
//   - /start redirects to Microsoft; /callback takes the answer; anything
//     else is 404. With response_mode=form_post (the default) the callback
//     must be a form POST; with "query" a GET. OPTIONS is answered 204.
//   - A request that is not the real answer (favicon, preflight, another
//     path, the wrong method, no code, or the wrong state) is answered and
//     ignored: it never ends the attempt.
//   - The first answer with the right state (compared in constant time) ends
//     the attempt: any later answer is refused, the code is exchanged once
//     (client secret in the form body, AuthStyleInParams, no retries, no
//     redirects followed), the browser is shown a static page with
//     Cache-Control: no-store, Referrer-Policy: no-referrer, nosniff and a
//     restrictive Content-Security-Policy, and then the port is closed and
//     every connection with it.
//   - Requests are bounded: 16 KiB of headers, 64 KiB of body, and read,
//     write and idle timeouts.
//
// # Results and errors
//
// Wait returns the refresh token, the account's email (the id_token's email
// claim, else preferred_username), name, tenant and object ids, and the
// granted scopes. It fails when no refresh token came back or Calendars.Read
// was not granted. The id_token's aud and exp (and nonce) are checked; its
// signature is not, as OIDC Core §3.1.3.7 allows for a token received
// directly from the token endpoint over TLS.
//
// Every error is a *problem.Problem from this package's catalogue (the Code*
// constants), written for the person, with a next step and "Details for IT"
// (Microsoft's AADSTS code, correlation and trace ids, the admin-consent
// link when an admin must approve). Problems, logs and pages never contain
// a code, token, verifier, state or secret. Logs carry event names,
// durations and error codes only.
package msauth
