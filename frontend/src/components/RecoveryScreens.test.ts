import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { state } from '../lib/fixtures';
import { mock, resetAll } from '../test/helpers';
import BusyScreen from './BusyScreen.svelte';
import DisconnectFailedScreen from './DisconnectFailedScreen.svelte';
import FinishPendingScreen from './FinishPendingScreen.svelte';

vi.mock('../lib/backend');

describe('Finish pending', () => {
  beforeEach(resetAll);

  it('explains, shows the problem and offers Finish connecting', async () => {
    const user = userEvent.setup();
    render(FinishPendingScreen, { current: state('finish_pending') });
    expect(
      screen.getByRole('heading', { level: 1, name: "You're signed in, but we couldn't finish connecting" }),
    ).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent("We couldn't reach Recall");
    const finish = screen.getByRole('button', { name: 'Finish connecting' });
    expect(finish).toHaveClass('btn-primary');
    await user.click(finish);
    expect(mock.FinishConnecting).toHaveBeenCalledTimes(1);
  });

  // The Go service accepts RemoveFromThisComputer only after a failed
  // disconnect; from this screen it did nothing (issue 12). Start over is
  // Disconnect, which Go accepts here and which cleans up in Recall too.
  it('Start over asks first, then calls Disconnect (never RemoveFromThisComputer)', async () => {
    const user = userEvent.setup();
    render(FinishPendingScreen, { current: state('finish_pending') });
    await user.click(screen.getByRole('button', { name: 'Start over…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Start over?' });
    expect(dialog).toHaveTextContent('remove anything it already registered with Recall');
    await user.click(within(dialog).getByRole('button', { name: 'Start over' }));
    await waitFor(() => expect(mock.Disconnect).toHaveBeenCalledTimes(1));
    expect(mock.RemoveFromThisComputer).not.toHaveBeenCalled();
  });

  it('disables actions while busy', () => {
    render(FinishPendingScreen, { current: state('finish_pending'), busy: true });
    expect(screen.getByRole('button', { name: 'Finish connecting' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Start over…' })).toBeDisabled();
  });
});

describe('Disconnect failed', () => {
  beforeEach(resetAll);

  it('offers Try again (Disconnect)', async () => {
    const user = userEvent.setup();
    render(DisconnectFailedScreen, { current: state('disconnect_failed') });
    expect(screen.getByRole('heading', { level: 1, name: "We couldn't finish disconnecting" })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(mock.Disconnect).toHaveBeenCalledTimes(1);
  });

  it('Remove from this computer only explains the consequence and asks first', async () => {
    const user = userEvent.setup();
    render(DisconnectFailedScreen, { current: state('disconnect_failed') });
    await user.click(screen.getByRole('button', { name: 'Remove from this computer only…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove from this computer only?' });
    expect(dialog).toHaveAccessibleDescription(/Recall may keep your calendar.*until your IT team removes it/);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(mock.RemoveFromThisComputer).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Remove from this computer only…' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove from this computer' }));
    await waitFor(() => expect(mock.RemoveFromThisComputer).toHaveBeenCalledTimes(1));
  });

  it('after a failed Start over (no calendar yet) speaks of the earlier attempt, not of disconnecting', async () => {
    const user = userEvent.setup();
    render(DisconnectFailedScreen, { current: state('disconnect_failed', { calendar: undefined }) });
    expect(screen.getByRole('heading', { level: 1, name: "We couldn't finish starting over" })).toBeInTheDocument();
    expect(screen.queryByText(/finish disconnecting/)).not.toBeInTheDocument();
    expect(screen.getByText(/whether your earlier attempt registered your calendar/)).toBeVisible();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(mock.Disconnect).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: 'Remove from this computer only…' }));
    expect(screen.getByRole('alertdialog')).toHaveAccessibleDescription(/If your earlier attempt did register your calendar/);
  });

  it('disables actions while busy', () => {
    render(DisconnectFailedScreen, { current: state('disconnect_failed'), busy: true });
    expect(screen.getByRole('button', { name: 'Try again' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Remove from this computer only…' })).toBeDisabled();
  });
});

describe('Busy screens (registering, disconnecting)', () => {
  it('shows the title, a spinner and no actions', () => {
    const { container } = render(BusyScreen, { title: 'Almost done — connecting your calendar to Recall…' });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Almost done — connecting your calendar to Recall…');
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(container.querySelector('svg.spinner')).toHaveAttribute('aria-hidden', 'true');
  });
});
