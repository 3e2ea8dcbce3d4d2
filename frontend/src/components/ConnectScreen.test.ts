import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { problems, state } from '../lib/fixtures';
import { mock, resetAll } from '../test/helpers';
import ConnectScreen from './ConnectScreen.svelte';

vi.mock('../lib/backend');

describe('Connect screen (idle)', () => {
  beforeEach(resetAll);

  it('shows the heading, what happens, the privacy line and one primary button', () => {
    render(ConnectScreen, { current: state('idle') });
    const h = screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' });
    expect(h).toHaveFocus();
    expect(screen.getByText(/We'll open Microsoft's sign-in page in your browser/)).toBeVisible();
    expect(screen.getByText(/only asks to read your calendar/)).toBeVisible();
    // Once connected, Recall holds the sign-in and the keychain copy is deleted.
    expect(screen.getByText(/secure keychain only until Recall has it/)).toBeVisible();
    expect(screen.queryByText(/sign-in is kept in this computer's secure keychain\./)).not.toBeInTheDocument();
    const btn = screen.getByRole('button', { name: 'Connect Outlook calendar' });
    expect(btn).toBeEnabled();
    expect(btn).toHaveClass('btn-primary');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('calls Connect when the button is clicked (and with the keyboard)', async () => {
    const user = userEvent.setup();
    render(ConnectScreen, { current: state('idle') });
    await user.click(screen.getByRole('button', { name: 'Connect Outlook calendar' }));
    expect(mock.Connect).toHaveBeenCalledTimes(1);
    screen.getByRole('button', { name: 'Connect Outlook calendar' }).focus();
    await user.keyboard('{Enter}');
    expect(mock.Connect).toHaveBeenCalledTimes(2);
  });

  it('disables the button while busy', () => {
    render(ConnectScreen, { current: state('idle', { busy: true }), busy: true });
    expect(screen.getByRole('button', { name: 'Connect Outlook calendar' })).toBeDisabled();
  });

  it('shows the problem card above the button and dismisses it', async () => {
    const user = userEvent.setup();
    render(ConnectScreen, { current: state('idle', { problem: problems.adminApproval }) });
    const card = screen.getByRole('alert');
    expect(card).toHaveTextContent('Your organisation needs to approve Outlook Connect');
    expect(card).toHaveTextContent('What to do:');
    const button = screen.getByRole('button', { name: 'Connect Outlook calendar' });
    expect(card.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(mock.DismissProblem).toHaveBeenCalledTimes(1);
  });
});
