package sim

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/connect"
	"github.com/outlookconnect/outlook-connect/app/connect/recallcalendars"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/recall"
)

// The workspace every install shares: one key, one Microsoft app.
const (
	apiKey       = "sim-workspace-key"
	msClientID   = "5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
	msSecret     = "sim-client-secret-value"
	orgDomain    = "contoso.example"
	appVersion   = "sim"
	recallPeriod = 30 * time.Second // connect's own bound on one Recall call
)

// defaultStatusPoll is connect's poll when the process passes none.
const defaultStatusPoll = connect.DefaultStatusPollInterval

func setup() connect.Setup {
	return connect.Setup{
		RecallBaseURL: baseURL,
		RecallKey:     connect.Fingerprint(connect.FingerprintRecallKey, apiKey),
		ClientID:      msClientID,
		ClientSecret:  connect.Fingerprint(connect.FingerprintClientSecret, msSecret),
	}
}

// install is one person's computer: the files in its config folder and,
// while the app runs, one process (the window on the rollout day, the
// background helper at login the next morning).
type install struct {
	n     int
	email string
	rng   *lockedRand // the install's own randomness: jitter, latency

	// The config folder and the keychain: they survive the processes.
	conn    stateStore
	cache   cacheStore
	prefs   prefsStore
	secrets keychain

	mu      sync.Mutex
	proc    *process // the window on the rollout day, the background helper after
	window  *process // the window, opened while the background helper runs
	calID   string
	pending map[string]*expectation // by event id: changes not acted on yet
	running []period                // when the scheduler ran, for what the miss check may expect
}

// period is a span in which the install's scheduler could reach Recall.
// startBound is how long after from it may take to act on what changed
// before it (the first load, or the first sync of a helper started at
// login).
type period struct {
	from, to   time.Time
	startBound time.Duration
}

// process is one running copy of the app: the real connect and meetings
// Services over the real Recall client, with this process's budget.
type process struct {
	conn   *connect.Service
	meet   *meetings.Service
	ctx    context.Context
	cancel context.CancelFunc
	runner meetings.Runner
	once   sync.Once      // meetings start once the calendar is connected
	wg     sync.WaitGroup // the window's focus and Check now calls
}

// Timing is what the process passes to the Services: the values the
// integrator sets for the window and for the background helper.
type Timing struct {
	// Budget sizes every interval; one per process.
	Budget *meetings.Budget
	// StatusPollInterval and StatusStartSpread go to connect.Options.
	StatusPollInterval time.Duration
	StatusStartSpread  time.Duration
	// SyncStartSpread goes to meetings.Options.StartSpread.
	SyncStartSpread time.Duration
}

// client is the process's Recall client; like the app's, it tells the
// process's budget of every 429 as it arrives.
func (in *install) client(w *world, b *meetings.Budget) (*recall.Client, error) {
	return recall.New(recall.Config{
		APIKey:        apiKey,
		BaseURL:       baseURL,
		Version:       appVersion,
		HTTPClient:    &http.Client{Transport: &transport{net: w.net, rng: in.rng}},
		Jitter:        in.rng.duration,
		OnRateLimited: b.RateLimited,
	})
}

// start runs the install's process: connect follows the calendar's
// status and, once it is connected (at once for a saved connection),
// meetings syncs and schedules.
func (in *install) start(w *world, runner meetings.Runner, t Timing, signInFirst bool) error {
	p, err := in.newProcess(w, runner, t)
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.proc = p
	in.mu.Unlock()
	p.conn.Start(p.ctx)
	if signInFirst {
		p.conn.Connect(p.ctx)
	}
	return nil
}

func (in *install) newProcess(w *world, runner meetings.Runner, t Timing) (*process, error) {
	client, err := in.client(w, t.Budget)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{ctx: ctx, cancel: cancel, runner: runner}
	discard := slog.New(slog.DiscardHandler)
	p.meet, err = meetings.New(meetings.Options{
		Source:      client,
		Cache:       &in.cache,
		Prefs:       &in.prefs,
		Notifier:    meetingsNotes{in: in, w: w},
		DefaultRule: meetings.RuleAllWithLink,
		Budget:      t.Budget,
		Runner:      runner,
		StartSpread: t.SyncStartSpread,
		Jitter:      in.rng.duration,
		Logger:      discard,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	p.conn, err = connect.New(connect.Options{
		Auth: signIn{
			who: connect.SignedIn{
				RefreshToken: fmt.Sprintf("M.C5%08d.refresh-token", in.n),
				Email:        in.email,
				TenantID:     "9188040d-6c67-4c5b-b112-36a304b66dad",
				ObjectID:     fmt.Sprintf("00000000-0000-4000-8000-%012d", in.n),
			},
			after: 30*time.Second + in.rng.duration(time.Minute),
		},
		Secrets:            &in.secrets,
		Calendars:          recallcalendars.New(client, msClientID, msSecret),
		Store:              &in.conn,
		Browser:            noBrowser{},
		Notifier:           connectNotes{in: in, p: p},
		Setup:              setup(),
		Logger:             discard,
		StatusPollInterval: t.StatusPollInterval,
		StartSpread:        t.StatusStartSpread,
		Jitter:             in.rng.duration,
		RecallTimeout:      recallPeriod,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	return p, nil
}

// stop ends the install's processes, as a log-off does.
func (in *install) stop() {
	in.closeWindow()
	in.mu.Lock()
	p := in.proc
	in.proc = nil
	in.mu.Unlock()
	p.end()
}

func (p *process) end() {
	if p == nil {
		return
	}
	p.meet.Stop()
	p.conn.Close()
	p.cancel()
	p.wg.Wait()
}

// openWindow is the person opening the window while the background
// helper runs: the window takes the scheduler over (the helper's meetings
// Service goes Passive, as the scheduler lock hands it over) until it is
// closed. The window reads the status at once and syncs on focus.
func (in *install) openWindow(w *world, t Timing) error {
	in.mu.Lock()
	bg, open := in.proc, in.window != nil
	in.mu.Unlock()
	if bg == nil || open {
		return nil
	}
	bg.meet.SetMode(bg.ctx, meetings.Passive)
	p, err := in.newProcess(w, meetings.ByWindow, t)
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.window = p
	in.mu.Unlock()
	p.conn.Start(p.ctx)
	return nil
}

// focus is the person switching to the open window; checkNow is a click
// on "Check now". Both run beside the script, as the UI's calls do.
func (in *install) focus(checkNow bool) {
	in.mu.Lock()
	p := in.window
	in.mu.Unlock()
	if p == nil {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.conn.WindowFocused(p.ctx)
		if checkNow {
			_, _ = p.meet.SyncNow(p.ctx)
		} else {
			p.meet.WindowFocused(p.ctx)
		}
	}()
}

// closeWindow hands the scheduler back to the background helper.
func (in *install) closeWindow() {
	in.mu.Lock()
	p, bg := in.window, in.proc
	in.window = nil
	in.mu.Unlock()
	if p == nil {
		return
	}
	p.end()
	if bg != nil {
		bg.meet.SetMode(bg.ctx, meetings.Active)
	}
}

// connectNotes starts the meetings scheduler once connect reports the
// calendar connected, as package app does.
type connectNotes struct {
	in *install
	p  *process
}

func (n connectNotes) StateChanged(st connect.State) {
	if st.Phase != connect.PhaseConnected || st.Calendar == nil || st.Calendar.Status != "connected" {
		return
	}
	n.p.once.Do(func() {
		n.in.mu.Lock()
		if n.in.calID == "" {
			n.in.calID = st.Calendar.ID
		}
		n.in.mu.Unlock()
		n.p.meet.Start(n.p.ctx, meetings.Calendar{ID: st.Calendar.ID, Account: n.in.email}, meetings.Active)
	})
}

func (connectNotes) SignInWaiting(string) {}

// meetingsNotes hands each published view to the freshness tracker.
type meetingsNotes struct {
	in *install
	w  *world
}

func (n meetingsNotes) MeetingsChanged(v meetings.View) { n.w.acted(n.in, v) }
