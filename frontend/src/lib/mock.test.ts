// The ?mock= preview backend's meetings: clicking through it must behave
// (switches flip, a rule change reports a count), or the previews lie.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend, scenarios } from './mock';
import type { MeetingsView } from './types';

async function settle<T>(p: Promise<T>): Promise<T> {
  await vi.advanceTimersByTimeAsync(1000);
  return p;
}

describe('preview backend: meetings', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lists the meeting scenarios', () => {
    for (const s of ['first-sync', 'empty-week', 'sync-failed', 'rate-limited', 'ask-rule']) expect(scenarios).toContain(s);
  });

  it('connected: a realistic week with every kind of meeting', async () => {
    const b = createMockBackend('connected');
    const v = await settle(b.GetMeetings());
    expect(v.phase).toBe('ready');
    const platforms = new Set(v.meetings.map((m) => m.platform));
    for (const p of ['teams', 'zoom', 'meet', 'webex', 'none']) expect(platforms).toContain(p);
    expect(v.meetings.some((m) => m.allDay && m.allDayDate)).toBe(true);
    expect(v.meetings.some((m) => m.cancelled)).toBe(true);
    expect(v.meetings.some((m) => m.tooSoon && m.note)).toBe(true);
    expect(v.meetings.some((m) => m.override === 'skip')).toBe(true);
    expect(v.meetings.some((m) => m.title === '')).toBe(true);
    expect(v.meetings.filter((m) => m.title === 'Team stand-up').length).toBeGreaterThan(2);
    expect(v.counts).toEqual({ recorded: v.meetings.filter((m) => m.record).length, total: v.meetings.length });
  });

  it('a switch flips the meeting and tells listeners', async () => {
    const b = createMockBackend('connected');
    const seen: MeetingsView[] = [];
    b.EventsOn('meetings:changed', (v) => seen.push(v));
    const before = (await settle(b.GetMeetings())).meetings.find((m) => m.id === 'evt_1on1')!;
    expect(before.record).toBe(false);
    const after = await settle(b.SetMeetingOverride('evt_1on1', 'record'));
    const m = after.meetings.find((x) => x.id === 'evt_1on1')!;
    expect([m.record, m.override, m.reason]).toEqual([true, 'record', 'You chose to record']);
    expect(seen.at(-1)?.meetings.find((x) => x.id === 'evt_1on1')?.record).toBe(true);
    const back = await settle(b.SetMeetingOverride('evt_1on1', ''));
    expect(back.meetings.find((x) => x.id === 'evt_1on1')?.override).toBe('');
  });

  it('a rule change reports how many meetings flipped', async () => {
    const b = createMockBackend('connected');
    const before = await settle(b.GetMeetings());
    const { view, changed } = await settle(b.SetRecordingRule('all_with_link', false));
    const flipped = view.meetings.filter((m) => before.meetings.find((x) => x.id === m.id)?.record !== m.record).length;
    expect(changed).toBe(flipped);
    expect(changed).toBeGreaterThan(0);
    expect(view.rule).toEqual({ rule: 'all_with_link', acceptedOnly: false, source: 'person' });
  });

  it('ask-rule asks until a rule is chosen or the prompt is dismissed', async () => {
    const b = createMockBackend('ask-rule');
    expect((await settle(b.GetMeetings())).askRule).toBe(true);
    expect((await settle(b.DismissRulePrompt())).askRule).toBe(false);
  });

  it('first-sync becomes ready by itself', async () => {
    const b = createMockBackend('first-sync');
    const seen: MeetingsView[] = [];
    b.EventsOn('meetings:changed', (v) => seen.push(v));
    expect((await settle(b.GetMeetings())).phase).toBe('first_sync');
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.at(-1)?.phase).toBe('ready');
    expect(seen.at(-1)?.meetings.length).toBeGreaterThan(0);
  });

  it('sync-failed recovers on Check for changes; rate-limited does not sync', async () => {
    const failed = createMockBackend('sync-failed');
    expect((await settle(failed.GetMeetings())).syncProblem).toBeDefined();
    expect((await settle(failed.SyncMeetings())).syncing).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect((await settle(failed.GetMeetings())).syncProblem).toBeUndefined();

    const limited = createMockBackend('rate-limited');
    expect((await settle(limited.SyncMeetings())).syncing).toBe(false);
  });

  it('the background switch flips', async () => {
    const b = createMockBackend('connected');
    expect((await settle(b.GetBackground())).keepScheduling).toBe(true);
    expect(await settle(b.SetKeepScheduling(false))).toMatchObject({ keepScheduling: false, source: 'person' });
  });
});
