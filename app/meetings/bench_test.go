package meetings

import (
	"context"
	"runtime"
	"testing"
)

// BenchmarkSyncAndPlan500 is one full sync of a 500-event calendar and one
// plan over it: five pages listed from the fake Recall over loopback,
// decoded, converted, merged, written to meetings.json (atomically, with
// fsync), then every meeting decided under a rule and reconciled against
// its bots, and the view built. The bot calls themselves are HTTP round
// trips measured by app/recall's benchmarks, so the plan stops short of
// them. The fake runs in this process, so its allocations count too.
func BenchmarkSyncAndPlan500(b *testing.B) {
	const events = 500
	h := newHarness(b, worldOptions{events: events, static: true})
	h.notes = &recorder{}
	svc, err := New(h.options())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.SetRule(context.Background(), string(RuleExternal), false); err != nil {
		b.Fatal(err)
	}
	svc.mu.Lock()
	svc.started, svc.mode = true, Active
	svc.cal = Calendar{ID: h.calID, Account: testAccount}
	svc.org = newOrgDomains(testAccount, nil)
	svc.mu.Unlock()
	ctx := context.Background()

	var listed, actions int
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		svc.mu.Lock()
		svc.cache, svc.meets = Cache{CalendarID: h.calID}, map[string]*Meeting{}
		epoch := svc.epoch
		svc.mu.Unlock()

		svc.sync(ctx, epoch)

		svc.mu.Lock()
		now := svc.opts.Now()
		p := svc.policyLocked()
		actions = 0
		for _, m := range svc.sortedLocked() {
			if kind, _ := actionFor(m, p.decide(m, now), svc.opts.BotName, now); kind != actNone {
				actions++
			}
		}
		v := svc.viewLocked(now)
		listed = len(svc.meets)
		problem := svc.syncProblem
		svc.mu.Unlock()
		if problem != nil || len(v.Meetings) == 0 {
			b.Fatalf("sync failed: %v", problem)
		}
	}
	runtime.ReadMemStats(&after)
	if listed < events*9/10 || actions == 0 {
		b.Fatalf("%d meetings, %d actions", listed, actions)
	}
	n := float64(b.N * events)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/event")
}
