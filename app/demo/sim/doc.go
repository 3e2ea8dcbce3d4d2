// Package sim is issue 14's organisation-scale simulation: N installs of
// the real app/connect, app/meetings and app/recall code share one Recall
// API key, and so one workspace's rate limits, through a rollout day, a
// login storm, a day of diary changes and a ten-minute Recall outage, on
// a virtual clock. It answers IT's question: how far does one Recall key
// go, and how fresh is what the app does at that size?
//
//	go test ./app/demo/sim/                          1,000 installs, short span, with assertions (make test)
//	go test ./app/demo/sim/ -v -args -sim.full       100, 1,000 and 5,000 installs, full span, plus a fleet
//	                                                 four times larger than declared (make bench)
//
// # The clock
//
// Run must be called inside testing/synctest's bubble (synctest.Test).
// There time.Now, timers, time.After, context deadlines and the fake's
// time.AfterFunc are all virtual, and the clock jumps to the next timer
// as soon as every goroutine of the bubble is durably blocked. The real
// code therefore runs unmodified with its real defaults: a discrete-event
// clock of our own would need every timer of connect, meetings, the
// Recall client, net/http and the fake injected, and would still have to
// find out when all goroutines have settled, which synctest does for us.
// A socket's accept and read loops never block durably, so there is no
// socket: each install's http.RoundTripper waits a random latency (150 to
// 400 ms of virtual time) and then calls the fake's handler
// (recallapi.NewHandler) on the request's goroutine, every check of the
// fake included. A simulated day of 1,000 installs passes in about 30 s
// on two cores (10 times longer under -race, which is why make go-test
// runs it with 100 installs).
//
// Every random choice derives from Config.Seed: who connects and logs in
// when, each install's jitter and latency, each diary and its changes.
// Virtual instants are nanosecond-random, so goroutines practically never
// wake together: repeated runs, with and without -race, print identical
// figures.
//
// # The organisation
//
// One fake Recall (app/demo/recallapi) with one API key and Recall's
// documented workspace limits per minute, counted over any 60 seconds and
// answered with 429 and Retry-After like Recall (List Calendars 60,
// Retrieve/Create/Update Calendar 300, List Calendar Events 60, Retrieve
// Calendar Event 300, bot schedule/unschedule 600). N installs, each with
// its own Outlook calendar: the fake generates 30 events per calendar when
// it connects (a weekday stand-up series; Teams, Zoom, Meet, Webex and
// Safe Links meetings; no-link, all-day, declined, tentative, cancelled
// and deleted ones; a few further out). Every install records "every
// meeting with a link" (an admin default): the most bot calls of any rule.
//
//   - Monday, the rollout: people connect through connect.Service's real
//     flow (sign-in, Register, status polls while "connecting") at most
//     ten a minute until 17:00 (a first connection lists calendars twice,
//     and List Calendars allows 60 a minute), then the window loads the
//     week and schedules its bots. Everyone logs off between 17:30 and
//     18:00.
//   - Overnight, about one change per diary, with every computer off.
//   - Tuesday, 9:00 to 9:05, the login storm: every background helper
//     starts (connect follows the status, meetings syncs and schedules,
//     with the timing below). All day, each diary changes about every two
//     hours: bookings (10 % of them 5 to 30 minutes ahead, 20 % within two
//     hours, 25 % later that day, the rest later in the week; 30 % shared
//     with one to three colleagues on the same key, who then share one
//     bot through the deduplication key), moves, cancellations, deletions
//     and switches between Teams and Zoom. A fifth of the people open the
//     window once for 10 to 40 minutes: it takes the scheduler over from
//     the helper (meetings' Passive/Active hand-over), reads the status at
//     once, syncs when focused every two to eight minutes, and a third of
//     them click "Check now".
//   - After the storm and a steady spell, Recall fails for ten minutes:
//     five minutes of 503 from its gateway, five of connection refused.
//   - A steady spell after the outage has been absorbed ends the figures;
//     the installs run on for one more freshness bound so that every
//     change has its chance to be acted on.
//
// The intervals grow with the fleet, so the day's parts are placed by
// them: the storm lasts the login spread plus the start spread; each steady
// spell is 30 minutes in the short span (90 before and 180 after the
// outage in the full span).
//
// # The timing the installs run with
//
// This is what package app must pass; the simulation checks exactly this
// wiring. One meetings.Budget per process, from the admin's
// ExpectedInstalls:
//
//	background helper (--background, started at login)
//	  meetings.Options{Runner: meetings.ByBackground, Budget: b,
//	                   StartSpread: b.BaseSyncInterval()}
//	  connect.Options{StatusPollInterval: b.StatusPollInterval(),
//	                  StartSpread:        b.StatusPollInterval()}
//	window
//	  meetings.Options{Runner: meetings.ByWindow, Budget: b}      (StartSpread 0: loads at once)
//	  connect.Options{StatusPollInterval: b.StatusPollInterval()} (StartSpread 0: reads at once)
//
// # What is measured
//
// Requests per minute, per endpoint class, as Recall counts them (a 429
// and the outage's 503 are not counted): the busiest 60 seconds of the
// rollout day, of the Tuesday, and of its steady part, and the steady
// mean, each also as a share of the limit. Steady running is from the end
// of the storm (the last login plus the longer start spread plus two
// minutes) to the outage, and from the outage's end plus one freshness
// bound to the end. 429s are counted by part: rollout, storm, steady,
// outage and recovery.
//
// Freshness is the time from a change reaching Recall (the fake applying
// it) to the install's own published view showing it acted on: the
// meeting at its new time or on its new platform with its bot scheduled
// when the rule records it, or cancelled with no bot waiting, or gone.
// Only changes made while the background helper runs count (overnight
// changes are the miss check's business), and only those to meetings in
// the 7-day list starting at least 15 minutes later. Steady p95 is over
// the changes made in steady running, a freshness bound clear of the
// outage.
//
// The freshness bound F is what a polling design promises: a sync at most
// 1.15 × I after the previous one, plus two minutes for the request and a
// batch of bot calls, F = 1.15 × I + 2 min.
//
// Bots missed: every meeting of every calendar is checked ten minutes
// before it starts, at its current start. It needs a bot when the rule
// records it (a link, not cancelled, deleted, all-day or declined); it has
// one when Recall's event carries a bot whose deduplication key is its
// current start and link. Each check is put in one class:
//
//   - covered: the app was running and could reach Recall for F after the
//     meeting's last change before the deadline (or, for a change made
//     while it was not running, for its start-up bound after it started:
//     five minutes for a first load, the start spread plus two minutes for
//     a helper at login). When the meeting last changed with a bot on it,
//     the deadline is also a minute before that bot's start (for a move,
//     the old start): Recall sends the bot then and refuses to change it
//     after. A miss here is a fault of the design: there must be none.
//   - outage: covered but for the ten minutes Recall was down.
//   - late: booked or changed with less notice than F, or while the
//     computer was off and shortly before it started. No polling design
//     can promise these; the figures say how many still got their bot, at
//     the deadline or at least before the bot was due to join.
//
// Stray bots are meetings that should not be recorded (mostly cancelled
// ones) whose bot was still waiting at the deadline.
//
// # The arithmetic
//
// With N installs declared, I = N / (0.4 × 60) minutes (at least 2) and
// the status poll max(5, N / (0.4 × 300)) minutes: the timed requests of
// the fleet plan for 40 % of List Calendar Events and of Retrieve Calendar,
// whatever N, and the tenth up to 50 % absorbs focus syncs, Check now and
// full loads (meetings.PlannedShare, meetings.BudgetShare). Bot calls
// follow the diaries' changes. Freshness is on average about I / 2 and at
// most F:
//
//	installs   sync interval I   status poll   mean freshness   bound F
//	     100        4 min 10 s         5 min          ~2 min     6.8 min
//	   1,000           41.7 min     8 min 20 s         ~21 min      50 min
//	   5,000         3 h 28 min        41.7 min         ~1.7 h     4 h 2 min
//
// # The figures
//
// make bench, seed 1 (requests per minute: steady mean and busiest minute,
// with the limit; 429s in the login storm and in steady running; the
// README's "How far one Recall key goes" draws the conclusions):
//
//	                               100          1,000           5,000                1,000 declared as 250
//	List Calendar Events (60)      24 · 42      24 · 40         25 · 48              47 · 60
//	Retrieve Calendar (300)        21 · 34      125 · 152       130 · 178            206 · 250
//	Bot calls (600)                1 · 41       11 · 84         43 · 155             13 · 95
//	429s storm · steady            0 · 0        0 · 0           0 · 0                2,141 · 5,153
//	freshness p50 · p95            2 m · 4.5 m  21 m · 43 m     1.6 h · 3.4 h        11 m · 67 m
//	covered: need a bot · missed   337 · 0      3,194 · 0       14,741 · 0           3,169 · 21
//	outage: need a bot · missed    0 · 0        19 · 5          411 · 8              13 · 6
//	late: need · missed · rescued  14 · 8 · 5   351 · 199 · 61  7,117 · 4,790 · 283  322 · 153 · 40
//	wall time                      13 s         39 s            3 min                59 s
//
// (Under-declared, "covered" uses the bound of the fleet's real size: the
// declared one would promise 14 minutes that four times as many installs
// cannot keep.)
package sim
