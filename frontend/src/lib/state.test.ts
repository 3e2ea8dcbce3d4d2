// The store's meetings and background parts: when it loads them, how it
// follows Go's events, and what each action sends.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundView, meeting, meetingsView, state } from './fixtures';
import { store } from './state.svelte';
import type { MeetingsView } from './types';
import { flush, mock, resetAll } from '../test/helpers';

vi.mock('./backend');

describe('store: meetings and background', () => {
  beforeEach(resetAll);

  it('subscribes to meetings:changed and background:changed once', async () => {
    await store.start();
    await store.start();
    expect(mock.listenerCount('meetings:changed')).toBe(1);
    expect(mock.listenerCount('background:changed')).toBe(1);
    store.stop();
    expect(mock.listenerCount('meetings:changed')).toBe(0);
  });

  it('loads meetings and background only once connected', async () => {
    mock.GetState.mockResolvedValue(state('idle'));
    await store.start();
    await flush();
    expect(mock.GetMeetings).not.toHaveBeenCalled();
    expect(mock.GetBackground).not.toHaveBeenCalled();

    const week = meetingsView({ meetings: [meeting()] });
    mock.GetMeetings.mockResolvedValue(week);
    mock.emit('state:changed', state('connected'));
    await flush();
    expect(mock.GetMeetings).toHaveBeenCalledTimes(1);
    expect(mock.GetBackground).toHaveBeenCalledTimes(1);
    expect(store.meetings).toEqual(week);
    expect(store.background).toEqual(backgroundView());

    // Further connected states (status checks) do not reload.
    mock.emit('state:changed', state('connected'));
    await flush();
    expect(mock.GetMeetings).toHaveBeenCalledTimes(1);
  });

  it('loads at start when Go is already connected', async () => {
    mock.GetState.mockResolvedValue(state('connected'));
    await store.start();
    await flush();
    expect(mock.GetMeetings).toHaveBeenCalledTimes(1);
    expect(store.meetings?.phase).toBe('ready');
  });

  it('forgets meetings and background when the calendar is no longer connected', async () => {
    mock.GetState.mockResolvedValue(state('connected'));
    await store.start();
    await flush();
    expect(store.meetings).not.toBeNull();
    mock.emit('state:changed', state('disconnecting'));
    expect(store.meetings).toBeNull();
    expect(store.background).toBeNull();
  });

  it('follows the events and ignores malformed ones', async () => {
    await store.start();
    const v = meetingsView({ syncing: true });
    mock.emit('meetings:changed', v);
    expect(store.meetings).toEqual(v);
    mock.emit('meetings:changed', undefined as unknown as MeetingsView);
    mock.emit('meetings:changed', { phase: 'ready' } as unknown as MeetingsView);
    expect(store.meetings).toEqual(v);

    mock.emit('background:changed', backgroundView({ keepScheduling: false, running: true }));
    expect(store.background?.running).toBe(true);
    mock.emit('background:changed', {} as never);
    expect(store.background?.running).toBe(true);
  });

  it('a rejected GetMeetings becomes a problem, and loading again clears it', async () => {
    mock.GetMeetings.mockRejectedValueOnce(new Error('bridge down'));
    await store.loadMeetings();
    expect(store.meetingsError?.message).toBe('bridge down');
    await store.loadMeetings();
    expect(store.meetingsError).toBeNull();
  });

  it('setOverride sends the event id and choice, marks it pending meanwhile, and announces the result', async () => {
    let answer!: (v: MeetingsView) => void;
    mock.SetMeetingOverride.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const done = store.setOverride('evt_7', 'record');
    expect(mock.SetMeetingOverride).toHaveBeenCalledWith('evt_7', 'record');
    expect(store.pendingOverrides).toEqual({ evt_7: 'record' });
    // A second click while Go has not answered is ignored.
    expect(await store.setOverride('evt_7', 'skip')).toBe(false);
    expect(mock.SetMeetingOverride).toHaveBeenCalledTimes(1);

    answer(meetingsView({ meetings: [meeting({ id: 'evt_7', title: 'Board meeting', record: true, override: 'record' })] }));
    expect(await done).toBe(true);
    expect(store.pendingOverrides).toEqual({});
    expect(store.meetings?.meetings[0].override).toBe('record');
    expect(store.announcement).toBe('Board meeting: will be recorded.');
  });

  it('a rejected override is kept for that meeting only', async () => {
    mock.SetMeetingOverride.mockRejectedValueOnce(new Error('Recall said no'));
    expect(await store.setOverride('evt_7', 'skip')).toBe(false);
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('evt_7', 'skip');
    expect(store.overrideErrors.evt_7?.message).toBe('Recall said no');
    expect(store.pendingOverrides).toEqual({});
    // Trying again (here: back to the rule) clears it.
    await store.setOverride('evt_7', '');
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('evt_7', '');
    expect(store.overrideErrors.evt_7).toBeUndefined();
  });

  it('setRule sends rule and accepted-only and resolves to the number changed', async () => {
    mock.SetRecordingRule.mockResolvedValueOnce({ view: meetingsView({ rule: { rule: 'all_with_link', acceptedOnly: true, source: 'person' } }), changed: 4 });
    expect(await store.setRule('all_with_link', true)).toBe(4);
    expect(mock.SetRecordingRule).toHaveBeenCalledWith('all_with_link', true);
    expect(store.meetings?.rule.rule).toBe('all_with_link');
    mock.SetRecordingRule.mockRejectedValueOnce(new Error('nope'));
    expect(await store.setRule('none', false)).toBeNull();
    expect(store.ruleError?.message).toBe('nope');
  });

  it('the first rule choice closes the prompt and says what it means', async () => {
    const view = meetingsView({ meetings: [meeting(), meeting({ id: 'evt_2', record: false })] });
    mock.SetRecordingRule.mockResolvedValueOnce({ view, changed: 1 });
    expect(await store.chooseFirstRule('external', false)).toBe(true);
    expect(store.rulePromptClosed).toBe(true);
    expect(store.notice).toBe('Recording rule saved. 1 of 2 meetings this week will be recorded.');
  });

  it('Decide later closes the prompt at once and tells Go', async () => {
    const p = store.dismissRulePrompt();
    expect(store.rulePromptClosed).toBe(true);
    await p;
    expect(mock.DismissRulePrompt).toHaveBeenCalledTimes(1);
  });

  it('syncMeetings calls SyncMeetings once at a time', async () => {
    let answer!: (v: MeetingsView) => void;
    mock.SyncMeetings.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const first = store.syncMeetings();
    expect(store.syncPending).toBe(true);
    await store.syncMeetings();
    expect(mock.SyncMeetings).toHaveBeenCalledTimes(1);
    answer(meetingsView({ syncing: true }));
    await first;
    expect(store.syncPending).toBe(false);
    expect(store.meetings?.syncing).toBe(true);
  });

  it('setKeepScheduling sends the switch and keeps the answer', async () => {
    await store.setKeepScheduling(false);
    expect(mock.SetKeepScheduling).toHaveBeenCalledWith(false);
    expect(store.background?.keepScheduling).toBe(false);
    mock.SetKeepScheduling.mockRejectedValueOnce(new Error('autostart folder is read-only'));
    await store.setKeepScheduling(true);
    expect(store.backgroundError?.message).toBe('autostart folder is read-only');
  });
});
