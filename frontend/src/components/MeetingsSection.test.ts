import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { meeting, meetingProblems, meetingsView } from '../lib/fixtures';
import { clock, dateWords, dayKey } from '../lib/meetings';
import { store } from '../lib/state.svelte';
import { absoluteTime } from '../lib/time';
import type { MeetingsView, MeetingView } from '../lib/types';
import { flush, mock, resetAll } from '../test/helpers';
import MeetingsSection from './MeetingsSection.svelte';

vi.mock('../lib/backend');

// Local times on the computer running the tests, so any time zone works.
const base = new Date(2026, 10, 28, 12, 0); // Saturday 28 November 2026, noon
const now = base.getTime();
const at = (day: number, h: number, m = 0) => new Date(2026, 10, 28 + day, h, m).toISOString();
const tomorrowKey = dayKey(new Date(2026, 10, 29, 12));
const mondayKey = dayKey(new Date(2026, 10, 30, 12));

function week(): MeetingView[] {
  return [
    meeting({ id: 'ended', start: at(0, 9), end: at(0, 10), title: 'Early review', record: false, canOverride: false, reason: 'Ended', bot: 'none' }),
    meeting({ id: 'live', start: at(0, 11, 45), end: at(0, 12, 30), title: 'Design crit', bot: 'in_meeting' }),
    meeting({
      id: 'soon',
      start: at(0, 12, 5),
      end: at(0, 12, 35),
      title: 'Renewal call — Fabrikam',
      platform: 'zoom',
      platformLabel: 'Zoom',
      externalCount: 2,
      tooSoon: true,
      note: 'Starts in less than 10 minutes — Recall may not manage to send the assistant.',
      reason: 'Your rule: people outside your organisation',
    }),
    meeting({
      id: 'allday',
      start: `${tomorrowKey}T00:00:00Z`,
      end: `${tomorrowKey}T23:59:59Z`,
      allDay: true,
      allDayDate: tomorrowKey,
      title: 'Team offsite',
      platform: 'none',
      platformLabel: 'No meeting link',
      record: false,
      canOverride: false,
      reason: 'No meeting link',
      bot: 'none',
    }),
    meeting({ id: 'untitled', start: at(1, 10), end: at(1, 10, 30), title: '', platform: 'meet', platformLabel: 'Google Meet', record: false, reason: 'Your rule: everyone here is from your organisation', bot: 'none' }),
    meeting({ id: 'cancelled', start: at(1, 14), end: at(1, 15), title: 'Budget review', cancelled: true, record: false, canOverride: false, reason: 'Cancelled', bot: 'none' }),
    meeting({
      id: 'skipped',
      start: at(2, 13),
      end: at(2, 14),
      title: 'Interview',
      platform: 'webex',
      platformLabel: 'Webex',
      record: false,
      override: 'skip',
      reason: 'You chose not to record',
      response: 'tentative',
      bot: 'none',
    }),
    meeting({ id: 'failing', start: at(2, 15), end: at(2, 16), title: 'Vendor pitch', problem: meetingProblems.scheduleFailed, bot: 'failed' }),
  ];
}

function show(over: Partial<MeetingsView> = {}, busy = false) {
  const view = meetingsView({ meetings: week(), ...over });
  store.meetings = view;
  return render(MeetingsSection, { view, now, busy });
}

const row = (title: string) => screen.getByText(title, { selector: '.title' }).closest('li')!;

describe('Upcoming meetings', () => {
  beforeEach(resetAll);

  it('groups by day with Today, Tomorrow and weekday headings, and counts what will be recorded', () => {
    show();
    const days = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent?.replace(/\s+/g, ' ').trim());
    expect(days).toEqual([
      `Today · ${dateWords(dayKey(now))}`,
      `Tomorrow · ${dateWords(tomorrowKey)}`,
      dateWords(mondayKey),
    ]);
    expect(screen.getByTestId('meetings-counts')).toHaveTextContent('3 of 8 meetings this week will be recorded.');
    const today = screen.getByRole('region', { name: /^Today/ });
    expect(within(today).getAllByRole('listitem').map((li) => li.dataset.id)).toEqual(['ended', 'live', 'soon']);
  });

  it('each row shows time, title, platform as icon and text, and whether it will be recorded and why', () => {
    show();
    const r = row('Renewal call — Fabrikam');
    expect(r).toHaveTextContent(clock(at(0, 12, 5)));
    expect(within(r).getByText('Zoom')).toBeVisible();
    expect(within(r).getByText('Zoom').querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    expect(r).toHaveTextContent('2 people from outside your organisation');
    expect(r).toHaveTextContent('Will be recorded — Your rule: people outside your organisation');
    expect(row('Design crit')).toHaveTextContent('Now');
    expect(row('Design crit')).toHaveTextContent('Recording now');
    expect(row('Interview')).toHaveTextContent('Not recorded — You chose not to record');
    expect(row('Interview')).toHaveTextContent('You replied tentative');
  });

  it('an empty title reads "(No title)"', () => {
    show();
    expect(row('(No title)')).toHaveTextContent('Google Meet');
    expect(screen.getByRole('switch', { name: `Record (No title), Tomorrow at ${clock(at(1, 10))}` })).toBeInTheDocument();
  });

  it('all-day events say "All day" under their own date; no-link meetings say so and have no switch', () => {
    show();
    const tomorrow = screen.getByRole('region', { name: /^Tomorrow/ });
    const offsite = within(tomorrow).getByText('Team offsite', { selector: '.title' }).closest('li')!;
    expect(offsite).toHaveTextContent('All day');
    expect(offsite).toHaveTextContent('No meeting link');
    expect(within(offsite).queryByRole('switch')).not.toBeInTheDocument();
  });

  it('cancelled and ended meetings are muted, tagged in words, and have no switch', () => {
    show();
    for (const [title, tag] of [
      ['Budget review', 'Cancelled'],
      ['Early review', 'Ended'],
    ]) {
      const r = row(title);
      expect(r).toHaveClass('muted');
      expect(within(r).getByText(tag)).toBeVisible();
      expect(within(r).queryByRole('switch')).not.toBeInTheDocument();
      // The tag already says it: the reason is not repeated.
      expect(within(r).getAllByText(tag)).toHaveLength(1);
    }
    expect(row('Design crit')).not.toHaveClass('muted');
  });

  it('every switch is named after its meeting and time, and described by the reason', () => {
    show();
    const switches = screen.getAllByRole('switch');
    expect(switches).toHaveLength(5);
    const fabrikam = screen.getByRole('switch', { name: `Record Renewal call — Fabrikam, Today at ${clock(at(0, 12, 5))}` });
    expect(fabrikam).toHaveAttribute('aria-checked', 'true');
    expect(fabrikam).toHaveAccessibleDescription(/Will be recorded — Your rule: people outside your organisation/);
    for (const s of switches) expect(s.getAttribute('aria-label')).toMatch(/^Record .+, (Today|Tomorrow|\w+day.*) at /);
  });

  it('flipping a switch calls SetMeetingOverride with the event id and the choice', async () => {
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('switch', { name: /^Record Renewal call/ }));
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('soon', 'skip');
    await flush();
    await user.click(screen.getByRole('switch', { name: /^Record \(No title\)/ }));
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('untitled', 'record');
  });

  it('the switch can be flipped with the keyboard, and Space on its visible label works too', async () => {
    const user = userEvent.setup();
    show();
    const sw = screen.getByRole('switch', { name: /^Record Design crit/ });
    sw.focus();
    await user.keyboard(' ');
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('live', 'skip');
    await flush();
    await user.click(within(row('Vendor pitch')).getByText('Record', { selector: 'label' }));
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('failing', 'skip');
  });

  it('shows the new state at once while Go answers, then what Go says', async () => {
    const user = userEvent.setup();
    let answer!: (v: MeetingsView) => void;
    mock.SetMeetingOverride.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const { rerender } = show();
    const sw = screen.getByRole('switch', { name: /^Record \(No title\)/ });
    await user.click(sw);
    expect(sw).toHaveAttribute('aria-checked', 'true');
    expect(sw).toHaveAttribute('aria-busy', 'true');
    expect(row('(No title)')).toHaveTextContent('Saving your choice…');
    const updated = week().map((m) => (m.id === 'untitled' ? { ...m, record: true, override: 'record' as const, reason: 'You chose to record' } : m));
    const view = meetingsView({ meetings: updated });
    answer(view);
    await flush();
    await rerender({ view, now });
    expect(sw).not.toHaveAttribute('aria-busy');
    expect(row('(No title)')).toHaveTextContent('Will be recorded — You chose to record');
  });

  it('an overridden meeting offers "Use my rule", which clears the override', async () => {
    const user = userEvent.setup();
    show();
    expect(screen.getAllByRole('button', { name: /^Use my rule/ })).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: `Use my rule for Interview, ${dateWords(mondayKey)} at ${clock(at(2, 13))}` }));
    expect(mock.SetMeetingOverride).toHaveBeenLastCalledWith('skipped', '');
  });

  it('a rejected change shows a problem on that meeting only', async () => {
    const user = userEvent.setup();
    mock.SetMeetingOverride.mockRejectedValueOnce(new Error('Recall is not answering.'));
    show();
    await user.click(screen.getByRole('switch', { name: /^Record Design crit/ }));
    await flush();
    expect(within(row('Design crit')).getByRole('alert')).toHaveTextContent('Recall is not answering.');
    expect(within(row('Vendor pitch')).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('"starts too soon" adds Go’s note, which also describes the switch', () => {
    show();
    const r = row('Renewal call — Fabrikam');
    expect(r).toHaveTextContent('Starts in less than 10 minutes — Recall may not manage to send the assistant.');
    expect(within(r).getByRole('switch')).toHaveAccessibleDescription(/Starts in less than 10 minutes/);
    expect(row('Design crit')).not.toHaveTextContent('Starts in less than');
  });

  it('a meeting whose bot failed shows its problem, quietly (not as an alert)', () => {
    show();
    const r = row('Vendor pitch');
    expect(r).toHaveTextContent("Recall couldn't schedule the assistant");
    expect(within(r).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(r).getByRole('group', { name: "Recall couldn't schedule the assistant" })).toBeInTheDocument();
  });

  it('first sync: words and a spinner, no list and no Check button to press', () => {
    show({ phase: 'first_sync', meetings: [], lastSyncAt: undefined });
    expect(screen.getByText('Getting your meetings from Recall…')).toBeVisible();
    expect(screen.getByText('Getting your meetings from Recall…').closest('[role="status"]')).toBeInTheDocument();
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Check for changes' })).toBeDisabled();
  });

  it('empty week says so', () => {
    show({ meetings: [], counts: { recorded: 0, total: 0 } });
    expect(screen.getByText('No meetings in the next 7 days.')).toBeVisible();
    expect(screen.getByTestId('meetings-counts')).toHaveTextContent('The next 7 days');
  });

  it('sync failed: the problem card plus when it will try again; the list stays', () => {
    const next = at(0, 12, 5);
    show({ syncProblem: meetingProblems.syncFailed, nextSyncAt: next });
    const card = screen.getByRole('alert');
    expect(card).toHaveTextContent("We couldn't check your meetings");
    expect(card).toHaveTextContent(`Will try again at ${absoluteTime(next, now)}.`);
    expect(screen.getAllByRole('switch').length).toBeGreaterThan(0);
  });

  it('rate-limited: says when it checks again and holds the Check button', () => {
    const until = at(0, 12, 6);
    show({ rateLimitedUntil: until });
    expect(screen.getByText(/Recall asked Outlook Connect to slow down/).closest('p')).toHaveTextContent(
      `It will check your meetings again at ${absoluteTime(until, now)}.`,
    );
    const btn = screen.getByRole('button', { name: 'Check for changes' });
    expect(btn).toBeDisabled();
    expect(btn).toHaveAccessibleDescription(/slow down/);
  });

  it('a rate limit in the past is ignored', () => {
    show({ rateLimitedUntil: at(0, 11) });
    expect(screen.queryByText(/slow down/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Check for changes' })).toBeEnabled();
  });

  it('syncing: "Checking for changes…" in a status region, section busy', () => {
    show({ syncing: true });
    expect(screen.getByText('Checking for changes…').closest('[role="status"]')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Upcoming meetings' })).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('button', { name: 'Check for changes' })).toBeDisabled();
  });

  it('Check for changes calls SyncMeetings; the last check is shown, and who did it', async () => {
    const user = userEvent.setup();
    show({ lastSyncAt: new Date(now - 5 * 60_000).toISOString(), lastSyncBy: 'background' });
    expect(screen.getByText(/Checked/)).toHaveTextContent('Checked 5 minutes ago in the background');
    await user.click(screen.getByRole('button', { name: 'Check for changes' }));
    expect(mock.SyncMeetings).toHaveBeenCalledTimes(1);
  });

  it('while a connection action runs, switches and Check hold still', () => {
    show({}, true);
    expect(screen.getByRole('button', { name: 'Check for changes' })).toBeDisabled();
    for (const s of screen.getAllByRole('switch')) expect(s).toBeDisabled();
  });

  it('before Go answers: "Loading your meetings…"; if it fails: a problem with Try again', async () => {
    const user = userEvent.setup();
    const { rerender } = render(MeetingsSection, { view: null, now });
    expect(screen.getByText('Loading your meetings…')).toBeVisible();
    await rerender({ view: null, now, error: { ...meetingProblems.syncFailed, title: "That didn't work" } });
    expect(screen.getByRole('alert')).toHaveTextContent("That didn't work");
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(mock.GetMeetings).toHaveBeenCalledTimes(1);
  });
});
