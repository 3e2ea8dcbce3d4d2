package msauth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlookconnect/outlook-connect/app/demo/identity"
)

// Both benchmarks run the whole journey against the local fake over real
// HTTP with the same round trips: GET /start → 302, GET authorize (the
// fake auto-accepts) → form_post page, POST /callback, POST token. They
// share the browser and the token client (keep-alive to the fake), so the
// difference is our own overhead.
//
//	go test -run=^$ -bench=. -benchmem ./app/msauth/

type benchRig struct {
	idp     *identity.Server
	browser *identity.Browser
	client  *http.Client
}

func newBenchRig(b *testing.B) *benchRig {
	idp := startIDP(b, nil)
	noFollowRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	bt, ct := &http.Transport{}, &http.Transport{}
	b.Cleanup(func() { bt.CloseIdleConnections(); ct.CloseIdleConnections() })
	return &benchRig{
		idp:     idp,
		browser: &identity.Browser{Client: &http.Client{Transport: bt, CheckRedirect: noFollowRedirects}},
		client:  &http.Client{Transport: ct},
	}
}

func (r *benchRig) ours(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	if _, err := r.browser.Open(ctx, s.StartURL()); err != nil {
		s.Cancel()
		return err
	}
	res, err := s.Wait(ctx)
	if err == nil && res.RefreshToken == "" {
		err = errors.New("no refresh token")
	}
	return err
}

// direct is a minimal loopback flow written straight on x/oauth2, with the
// same round trips and checks a careful caller would make (state, PKCE).
func (r *benchRig) direct(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://localhost:" + itoa(ln.Addr().(*net.TCPAddr).Port)
	conf := &oauth2.Config{
		ClientID: testClientID, ClientSecret: testSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   r.idp.URL() + "/common/oauth2/v2.0/authorize",
			TokenURL:  r.idp.URL() + "/common/oauth2/v2.0/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: base + "/callback",
		Scopes:      Scopes,
	}
	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "select_account"), oauth2.SetAuthURLParam("response_mode", "form_post"))
	codes := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, authURL, http.StatusFound)
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, req *http.Request) {
		if req.ParseForm() != nil || req.PostForm.Get("state") != state {
			http.Error(w, "bad state", http.StatusBadRequest)
			return
		}
		select {
		case codes <- req.PostForm.Get("code"):
		default:
		}
		io.WriteString(w, "You're signed in.")
	})
	srv := &http.Server{Handler: mux}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()
	if _, err := r.browser.Open(ctx, base+"/start"); err != nil {
		return err
	}
	tok, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, r.client), <-codes, oauth2.VerifierOption(verifier))
	if err == nil && tok.RefreshToken == "" {
		err = errors.New("no refresh token")
	}
	return err
}

// BenchmarkDirectOAuth2 is the same journey written directly on x/oauth2
// (see direct). It runs first, on a machine without leftover TIME_WAIT
// sockets; BenchmarkFlow then measures its own baseline interleaved.
func BenchmarkDirectOAuth2(b *testing.B) {
	rig := newBenchRig(b)
	ctx := context.Background()
	for range 5 {
		if err := rig.direct(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rig.direct(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlow times our flow alone, so its ns/op compares with
// BenchmarkDirectOAuth2's. Then, timer stopped, it runs alternating pairs
// (ours, direct), timed by hand under the same conditions (the kernel's
// port search slows as closed connections pile up in TIME_WAIT), and
// reports direct-ns/op, overhead-ns/op (ours minus direct, means),
// x-direct (ratio of the means) and x-direct-p50 (ratio of the medians,
// which stray scheduling delays on a busy machine do not move).
func BenchmarkFlow(b *testing.B) {
	rig := newBenchRig(b)
	cfg := configFor(rig.idp)
	cfg.HTTPClient = rig.client
	ctx := context.Background()
	// Warm up both paths (connections to the fake, lazily built state).
	for range 5 {
		if err := rig.ours(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		if err := rig.direct(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rig.ours(ctx, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()

	n := min(b.N, 300)
	ours, direct := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := rig.ours(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := rig.direct(ctx); err != nil {
			b.Fatal(err)
		}
		ours, direct = append(ours, t1.Sub(t0)), append(direct, time.Since(t1))
	}
	mean := func(d []time.Duration) float64 {
		var sum time.Duration
		for _, x := range d {
			sum += x
		}
		return float64(sum) / float64(len(d))
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2])
	}
	o, d := mean(ours), mean(direct)
	b.ReportMetric(d, "direct-ns/op")
	b.ReportMetric(o-d, "overhead-ns/op")
	b.ReportMetric(o/d, "x-direct")
	b.ReportMetric(median(ours)/median(direct), "x-direct-p50")
}
