// Package meetings keeps the connected calendar's upcoming meetings, decides
// which ones to record, and schedules or removes Recall bots to match
// (issue 13). Recall Calendar V2 never sends a bot on its own; this package
// is what does (recall-api.md §4). It talks to the outside world only
// through Source (satisfied by *recall.Client), CacheStore, PrefsStore and
// Notifier, and never imports package app or Wails.
//
// # Using it
//
//	svc, err := meetings.New(meetings.Options{
//		Source:   recallClient,                       // *recall.Client
//		Cache:    meetings.NewFileCache(dir + "/meetings.json"),
//		Prefs:    meetings.NewFilePrefs(dir + "/preferences.json"),
//		Notifier: n,                                  // MeetingsChanged(View) → "meetings:changed"
//		BotName:  resolved.BotName, DefaultRule: meetings.Rule(resolved.DefaultRecordingRule),
//		DefaultAcceptedOnly: resolved.DefaultAcceptedOnly,
//		InternalDomains: resolved.InternalDomains, ExpectedInstalls: resolved.ExpectedInstalls,
//		Runner: meetings.ByWindow,                    // or ByBackground (issue 14)
//	})
//	svc.Start(ctx, meetings.Calendar{ID: calendarID, Account: email}, meetings.Active)
//	…
//	svc.View(); svc.SetRule(ctx, "external", false); svc.SetOverride(ctx, id, "record")
//	svc.DismissRulePrompt(ctx); svc.SyncNow(ctx); svc.WindowFocused(ctx)
//	svc.Stop()     // the calendar is disconnected in Recall: the cache stays
//	svc.BotsRemoved() // after Start again: Recall dropped the future bots meanwhile
//	svc.Forget()   // on Disconnect: wipes meetings.json and the per-meeting choices
//
// Only one Active Service may run per config folder (issue 14 decides which
// process); a Passive one shows the cache the active one writes, records the
// person's choices, and re-reads the files on WindowFocused and SyncNow.
// SetMode hands the scheduler over without restarting. Runs and
// MarkRunsSeen tell the window what the background helper did.
//
// # Sync
//
// The first load lists the calendar's events with start_time__gte = now − 1
// day and is_deleted=false. Later syncs list updated_at__gte = the largest
// updated_at Recall has sent (server time, never our clock) minus
// CursorOverlap (2 minutes), deletions included; `next` is followed to the
// end, rows are upserted by id and deleted ones dropped. Every page is read
// before anything is applied, and the cursor is saved with the applied set in
// one atomic write of meetings.json, so a sync cut short changes nothing. A
// full load once a day heals anything an incremental sync could miss. The
// cache keeps only what the rules and the list need (no bodies, no web
// links) and a day of the past, like Recall (§3.5). A damaged file is set
// aside by app/store and loaded afresh.
//
// # Rules
//
// In order: a cancelled, ended or link-less meeting is never recorded; the
// person's choice for a meeting (record / don't record) wins; then the rule:
// every meeting with a link, meetings with someone outside the organisation
// (an organiser or attendee whose domain is neither the account's nor a
// configured internal domain, subdomains included; rooms do not count),
// meetings the person organises, or none. Rules never record an all-day
// event or a meeting the person declined, and with "only meetings I have
// accepted" nothing tentative or unanswered either; the person can still
// choose any of these. Without an admin default the rule is none and the
// view asks once (askRule) until the person picks a rule or dismisses the
// prompt; with one it never asks. Each meeting says why, in plain words.
//
// # Scheduling
//
// After every sync and every change of rule or choice, the scheduler walks
// the meetings in start-time order (§4.4) and, for each one not yet over:
// schedules a bot for one to record that starts within 7 days (the list's
// horizon: what the person sees is what is scheduled) with the complete
// bot_config {"bot_name": …} (plus meeting_url when only the Outlook join
// link carries it, §3.4) and the deduplication key
// recall.DefaultDeduplicationKey, "<start>-<meeting_url>", so colleagues in
// one meeting share one bot (§4.3); schedules again when the start time,
// link or bot_config changed (Recall does not move bots, §4.1); and removes
// the bot of one not to record. Answers: 400 "event has ended" is done;
// 405 means the bot is already in the meeting; 409 and 507 are retried by
// the client (507 with a fresh Idempotency-Key, §6.3) and, if still
// failing, shown on the meeting and retried after 30 s, 1 min … 15 min; a
// meeting starting within 10 minutes still gets its call and a note that it
// may be too late.
//
// # Budget
//
// Every install on one Recall key shares the workspace's limits per minute
// (§6.2): List Calendar Events 60, Retrieve Calendar 300, bot schedule and
// unschedule 600. In steady running the installs together stay under
// BudgetShare = 50 % of each: the requests made by the clock plan for
// PlannedShare = 40 %, and the tenth in between absorbs what no clock sets
// (focus syncs, "Check now", a full load of two pages, a fleet a quarter
// larger than declared). With N = ExpectedInstalls (default 250):
//
//	sync interval I = N / (0.4 × 60) min, at least 2 min      N=250: 10 min 25 s
//	                  (each sync is one List request: an incremental sync
//	                  returns one page unless 100+ events changed)
//	jitter            I × [0.85, 1.15], so installs drift apart
//	status poll       max(5 min, N / (0.4 × 300) min): Budget.StatusPollInterval,
//	                  for app/connect's Options.StatusPollInterval
//
// Requests per install per hour at N = 250:
//
//	List Calendar Events  60 / 10.4 = 5.8  (+ a daily full load of 1–2 pages;
//	                      a focus sync replaces the next timed one and is
//	                      allowed once per I/2, so at most 11.5 while the
//	                      person keeps switching to the window)
//	Retrieve Calendar     12 at the 5-minute status poll, which stretches
//	                      with N above 600 installs
//	Bot calls             one per meeting that appears, moves, is cancelled
//	                      or changes choice: under 1 for a typical diary; a
//	                      rule change costs one per meeting in the week
//
// Installs one key serves, timed requests at 40 % of each limit:
//
//	List Calendar Events  24/min ÷ (1 per I) = 24 × I(min): 250 at I = 10.4 min,
//	                      1,000 at 41.7 min, 5,000 at 3 h 28 min (I grows with N)
//	Retrieve Calendar     120/min ÷ (1 per 5 min) = 600 at the 5-minute poll,
//	                      then the poll stretches with N
//	Bot calls             300/min = 18,000/h: 18,000 installs at 1 call/hour;
//	                      a first start schedules the week's bots once
//	                      (~15 calls), which 250 installs drain in 12.5 min
//
// Event freshness, the time from a change reaching Recall to the app acting
// on it, is at most I × 1.15 and on average I / 2: 5.2 min on average and
// 12 min at worst for N = 250; 21 and 48 min for N = 1,000. A meeting
// booked closer to its start than that may get its bot late. Recall's own
// sync from Outlook comes on top and is not ours to budget. The
// organisation-scale simulation (app/demo/sim) measures all of this with
// the real code.
//
// On 429 the Service obeys Retry-After (no Recall call from any Service
// sharing the Budget until then; a minute when none is given) and doubles
// the sync interval, up to 8×; it halves back one step per hour without a
// 429 (RecoverAfter), so a fleet larger than declared settles at the
// interval it needs instead of finding the limit again after every sync. A failed
// sync waits a full interval too, so an outage is not followed by a storm.
// StartSpread spreads the first sync of a fleet started together (set it
// to I for the background helper at login: N installs then start at
// N / I = 24 per minute, 40 % of the List limit).
package meetings
