import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundView, demoMeetingsView, meetingsView, problems, state } from '../lib/fixtures';
import { store } from '../lib/state.svelte';
import type { CalendarState } from '../lib/types';
import { flush, mock, resetAll } from '../test/helpers';
import ConnectedScreen from './ConnectedScreen.svelte';

vi.mock('../lib/backend');

const now = Date.now();
function connected(cal: Partial<CalendarState> = {}) {
  const s = state('connected', {}, now);
  s.calendar = { ...s.calendar!, ...cal };
  return s;
}

describe('Connected screen', () => {
  beforeEach(resetAll);

  it('shows the account, a Connected badge with text, since when and last checked', () => {
    render(ConnectedScreen, { current: connected(), now });
    expect(screen.getByRole('heading', { level: 1, name: 'Your calendar is connected' })).toHaveFocus();
    expect(screen.getByText('sam.lee@contoso.com')).toBeVisible();
    expect(screen.getByText('Connected')).toBeVisible();
    expect(screen.getByText('47 minutes ago')).toBeVisible();
    expect(screen.getByText('1 minute ago')).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toHaveClass('btn-link');
  });

  it('Check now calls RefreshStatus; the low-key Reconnect link calls Reconnect', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, { current: connected(), now });
    await user.click(screen.getByRole('button', { name: /Check now/ }));
    expect(mock.RefreshStatus).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(mock.Reconnect).toHaveBeenCalledTimes(1);
  });

  it('shows Connecting… while Recall sets things up', () => {
    render(ConnectedScreen, { current: connected({ status: 'connecting' }), now });
    expect(screen.getByRole('heading', { level: 1, name: 'Connecting your calendar' })).toBeInTheDocument();
    expect(screen.getByText('Connecting…')).toBeVisible();
  });

  it('when disconnected shows the likely cause and a Reconnect button', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, {
      current: connected({ status: 'disconnected', likelyCause: 'Your password changed.' }),
      now,
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Your calendar is disconnected' })).toBeInTheDocument();
    expect(screen.getByText('Disconnected')).toBeVisible();
    expect(screen.getByText('Your password changed.')).toBeVisible();
    const btn = screen.getByRole('button', { name: 'Reconnect' });
    expect(btn).toHaveClass('btn-primary');
    await user.click(btn);
    expect(mock.Reconnect).toHaveBeenCalledTimes(1);
  });

  it('when only IT can fix the cause offers no Reconnect, but the details for IT', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, {
      current: connected({
        status: 'disconnected',
        likelyCause: "Outlook Connect's Microsoft app secret expired or was replaced.",
        causeForAdmin: true,
        lastChange: { status: 'disconnected', at: now.toString(), detail: 'invalid_client: AADSTS7000222' },
      }),
      now,
    });
    expect(screen.getByText("Outlook Connect's Microsoft app secret expired or was replaced.")).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Reconnect' })).not.toBeInTheDocument();
    expect(screen.getByText(/Only your IT team can fix this/)).toBeVisible();
    await user.click(screen.getByRole('button', { name: /Copy details for IT/ }));
    expect(mock.CopyText).toHaveBeenCalledWith(expect.stringMatching(/Recall calendar: cal_01JD8X\nRecall says: invalid_client: AADSTS7000222/));
  });

  it('Disconnect asks first; Keep connected and Escape do nothing and restore focus', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, { current: connected(), now });
    const open = screen.getByRole('button', { name: 'Disconnect…' });
    await user.click(open);
    const dialog = screen.getByRole('alertdialog', { name: 'Disconnect your calendar?' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription(/Recall will stop sending its assistant to your meetings/);
    const keep = within(dialog).getByRole('button', { name: 'Keep connected' });
    expect(keep).toHaveFocus();
    await user.click(keep);
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    await waitFor(() => expect(open).toHaveFocus());

    await user.click(open);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(mock.Disconnect).not.toHaveBeenCalled();
  });

  it('traps Tab inside the confirm dialog', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, { current: connected(), now });
    await user.click(screen.getByRole('button', { name: 'Disconnect…' }));
    const dialog = screen.getByRole('alertdialog');
    const [keep, confirm] = within(dialog).getAllByRole('button');
    expect(keep).toHaveFocus();
    await user.tab();
    expect(confirm).toHaveFocus();
    await user.tab();
    expect(keep).toHaveFocus();
    await user.tab({ shift: true });
    expect(confirm).toHaveFocus();
  });

  it('confirming calls Disconnect', async () => {
    const user = userEvent.setup();
    render(ConnectedScreen, { current: connected(), now });
    await user.click(screen.getByRole('button', { name: 'Disconnect…' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Disconnect' }));
    await waitFor(() => expect(mock.Disconnect).toHaveBeenCalledTimes(1));
  });

  it('disables actions while busy and shows a problem card', () => {
    render(ConnectedScreen, { current: connected(), now, busy: true });
    expect(screen.getByRole('button', { name: /Check now/ })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Disconnect…' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeDisabled();
  });

  it('shows a problem from the State with Dismiss', async () => {
    const user = userEvent.setup();
    const s = connected();
    s.problem = problems.recallUnreachable;
    render(ConnectedScreen, { current: s, now });
    expect(screen.getByRole('alert')).toHaveTextContent("We couldn't reach Recall");
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(mock.DismissProblem).toHaveBeenCalled();
  });

  describe('with meetings', () => {
    function withWeek() {
      store.meetings = demoMeetingsView(now);
      store.background = backgroundView({ lastRunAt: new Date(now - 3600_000).toISOString(), botsScheduled: 2 });
      return render(ConnectedScreen, { current: connected(), now });
    }

    it('stacks the account card, then meetings, then the rule, then the background switch, then Disconnect', () => {
      withWeek();
      const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent?.trim());
      expect(headings).toEqual(['Upcoming meetings', 'Recording rule', 'Keep scheduling when Outlook Connect is closed']);
      // Tab order follows the same order: the calendar's Check now, the meetings, the rule, the switch, Disconnect.
      const order = [
        screen.getByRole('button', { name: /Check now/ }),
        screen.getByRole('button', { name: 'Check for changes' }),
        screen.getAllByRole('switch', { name: /^Record / })[0],
        screen.getAllByRole('radio')[0],
        screen.getByRole('switch', { name: 'Only meetings I have accepted' }),
        screen.getByRole('switch', { name: 'Keep scheduling when Outlook Connect is closed' }),
        screen.getByRole('button', { name: 'Disconnect…' }),
      ];
      for (let i = 1; i < order.length; i++) {
        expect(order[i - 1].compareDocumentPosition(order[i]) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
      }
      for (const el of order) expect(el).not.toHaveAttribute('tabindex');
    });

    it('every switch, radio and button has an accessible name', () => {
      withWeek();
      const controls = [...screen.getAllByRole('switch'), ...screen.getAllByRole('radio'), ...screen.getAllByRole('button')];
      expect(controls.length).toBeGreaterThan(15);
      for (const c of controls) expect(c).toHaveAccessibleName();
      const names = screen.getAllByRole('switch').map((s) => s.getAttribute('aria-label') ?? s.getAttribute('aria-labelledby'));
      expect(new Set(names).size).toBe(names.length);
    });

    it('passes the rule and background problems through', async () => {
      withWeek();
      store.ruleError = { ...problems.recallUnreachable, title: 'Rule not saved' };
      store.backgroundError = { ...problems.recallUnreachable, title: 'Switch not saved' };
      await flush();
      expect(screen.getByRole('alert', { name: 'Rule not saved' })).toBeInTheDocument();
      expect(screen.getByRole('alert', { name: 'Switch not saved' })).toBeInTheDocument();
    });

    it('a quick call of ours (Check now) does not disable the meeting switches; Go being busy does', async () => {
      const { rerender } = withWeek();
      await rerender({ current: connected(), now, busy: true });
      expect(screen.getByRole('button', { name: /Check now/ })).toBeDisabled();
      for (const s of screen.getAllByRole('switch')) expect(s).toBeEnabled();
      await rerender({ current: { ...connected(), busy: true }, now, busy: true });
      for (const s of screen.getAllByRole('switch')) expect(s).toBeDisabled();
    });

    it('with no calendar behind it (phase off), only the rule is shown', () => {
      store.meetings = meetingsView({ phase: 'off' });
      render(ConnectedScreen, { current: connected(), now });
      expect(screen.queryByRole('heading', { name: 'Upcoming meetings' })).not.toBeInTheDocument();
      expect(screen.getByRole('heading', { name: 'Recording rule' })).toBeInTheDocument();
    });
  });
});
