import { beforeEach, describe, expect, it, vi } from 'vitest';
import { copyText } from './clipboard';
import { problems, state } from './fixtures';
import { detailsText, isWebLink, problemFromError } from './problem';
import { describeChange } from './state.svelte';
import { absoluteTime, clockTime, relativeTime } from './time';
import { mock, resetAll, useClipboardSpy } from '../test/helpers';

vi.mock('./backend');

describe('time', () => {
  const now = new Date(2026, 10, 28, 15, 0, 0).getTime();
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it('relative', () => {
    expect(relativeTime(ago(10_000), now, 'en')).toBe('just now');
    expect(relativeTime(ago(5 * 60_000), now, 'en')).toBe('5 minutes ago');
    expect(relativeTime(ago(3 * 3600_000), now, 'en')).toBe('3 hours ago');
    expect(relativeTime(ago(26 * 3600_000), now, 'en')).toBe('yesterday');
    expect(relativeTime(new Date(now + 10 * 60_000).toISOString(), now, 'en')).toBe('in 10 minutes');
    expect(relativeTime(undefined, now)).toBe('');
    expect(relativeTime('not a date', now)).toBe('');
  });

  it('absolute: time only today, date and time otherwise', () => {
    expect(absoluteTime(new Date(2026, 10, 28, 9, 5).toISOString(), now, 'en-US')).toBe('9:05 AM');
    expect(absoluteTime(new Date(2026, 10, 20, 9, 5).toISOString(), now, 'en-US')).toBe('Nov 20, 9:05 AM');
    expect(absoluteTime(new Date(2025, 0, 2, 9, 5).toISOString(), now, 'en-US')).toBe('Jan 2, 2025, 9:05 AM');
  });
});

describe('problem helpers', () => {
  it('detailsText matches the Go format', () => {
    expect(detailsText(problems.recallUnreachable)).toBe('Problem: recall.unreachable\nRecall region: us-east-1\n');
  });
  it('problemFromError keeps the plain message', () => {
    const p = problemFromError(new Error('Keychain locked.'));
    expect(p.message).toBe('Keychain locked.');
    expect(problemFromError('x').message).toBe('x');
    expect(problemFromError(undefined).message).toMatch(/does not recognise/);
  });
  it('isWebLink', () => {
    expect(isWebLink('https://example.org/a?b=c')).toBe(true);
    expect(isWebLink('javascript:alert(1)')).toBe(false);
    expect(isWebLink('file:///etc/passwd')).toBe(false);
  });
});

describe('copyText', () => {
  beforeEach(resetAll);
  it('uses Go first, then the browser clipboard, and reports failure', async () => {
    const writeText = useClipboardSpy();
    expect(await copyText('a')).toBe(true);
    expect(mock.CopyText).toHaveBeenCalledWith('a');
    expect(writeText).not.toHaveBeenCalled();
    mock.CopyText.mockRejectedValue(new Error('x'));
    expect(await copyText('b')).toBe(true);
    expect(writeText).toHaveBeenCalledWith('b');
    writeText.mockRejectedValue(new Error('denied'));
    expect(await copyText('c')).toBe(false);
  });
});

describe('describeChange', () => {
  it('announces phase and status changes only', () => {
    expect(describeChange(null, state('idle'))).toBe('');
    expect(describeChange(state('idle'), state('idle'))).toBe('');
    expect(describeChange(state('idle'), state('registering'))).toMatch(/Connecting your calendar to Recall/);
    const a = state('connected');
    const b = state('connected');
    b.calendar = { ...b.calendar!, status: 'disconnected' };
    expect(describeChange(a, b)).toBe('Calendar status: Disconnected.');
  });
});

describe('clock times', () => {
  const t = '2026-11-28T00:05:00Z';
  it('12-hour locales keep a bare hour; 24-hour locales pad it', () => {
    expect(clockTime(t, 'en-US', 'UTC')).toBe('12:05 AM');
    expect(clockTime(t, 'en-GB', 'UTC')).toBe('00:05');
    expect(clockTime('2026-11-28T09:30:00Z', 'de-DE', 'UTC')).toBe('09:30');
    expect(clockTime(t, 'en-GB', 'Asia/Tokyo')).toBe('09:05');
    expect(clockTime(undefined)).toBe('');
  });
});
