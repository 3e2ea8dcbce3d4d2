import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { problems, state } from '../lib/fixtures';
import type { CalendarState } from '../lib/types';
import { mock, resetAll } from '../test/helpers';
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
});
