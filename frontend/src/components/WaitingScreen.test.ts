import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { state } from '../lib/fixtures';
import { clockTime } from '../lib/time';
import { mock, resetAll, useClipboardSpy } from '../test/helpers';
import WaitingScreen from './WaitingScreen.svelte';

vi.mock('../lib/backend');

function signingIn(browserOpened = true, expiresInMs = 10 * 60_000) {
  const s = state('signing_in');
  s.signIn = { startUrl: 'http://localhost:53682/start', browserOpened, expiresAt: new Date(Date.now() + expiresInMs).toISOString() };
  return s;
}

describe('Waiting for sign-in (signing_in)', () => {
  beforeEach(resetAll);

  it('asks to finish in the browser, with a spinner and the expiry time', () => {
    const s = signingIn();
    render(WaitingScreen, { current: s });
    expect(screen.getByRole('heading', { level: 1, name: 'Finish signing in in your browser' })).toHaveFocus();
    expect(screen.getByText('Waiting for you to sign in…')).toBeVisible();
    expect(screen.getByText(/This link works until/)).toHaveTextContent(
      `This link works until ${clockTime(s.signIn!.expiresAt)}.`,
    );
    expect(screen.getByRole('button', { name: /Open again/ })).toHaveClass('btn-primary');
  });

  it('Open again, Copy link and Cancel call the backend', async () => {
    const user = userEvent.setup();
    render(WaitingScreen, { current: signingIn() });
    await user.click(screen.getByRole('button', { name: /Open again/ }));
    expect(mock.OpenSignInAgain).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: /Copy link/ }));
    expect(mock.CopyText).toHaveBeenCalledWith('http://localhost:53682/start');
    expect(await screen.findByText('Link copied')).toHaveAttribute('role', 'status');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(mock.CancelSignIn).toHaveBeenCalledTimes(1);
  });

  it('leads with "Your browser didn\'t open" and makes Copy link primary', () => {
    render(WaitingScreen, { current: signingIn(false) });
    expect(screen.getByRole('heading', { level: 1, name: "Your browser didn't open" })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Copy link/ })).toHaveClass('btn-primary');
    expect(screen.getByRole('button', { name: /Try opening again/ })).not.toHaveClass('btn-primary');
    expect(screen.getByText('http://localhost:53682/start')).toBeVisible();
  });

  it('falls back to the browser clipboard when Go cannot copy', async () => {
    const user = userEvent.setup();
    const writeText = useClipboardSpy();
    mock.CopyText.mockRejectedValue(new Error('no clipboard'));
    render(WaitingScreen, { current: signingIn(false) });
    await user.click(screen.getByRole('button', { name: /Copy link/ }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('http://localhost:53682/start'));
    expect(await screen.findByText('Link copied')).toBeInTheDocument();
  });

  it('uses the signin:waiting URL when State has no signIn yet', async () => {
    const user = userEvent.setup();
    render(WaitingScreen, { current: state('signing_in', { signIn: undefined }), waitingUrl: 'http://localhost:1/start' });
    await user.click(screen.getByRole('button', { name: /Copy link/ }));
    expect(mock.CopyText).toHaveBeenCalledWith('http://localhost:1/start');
  });

  it('says when the link has expired', () => {
    render(WaitingScreen, { current: signingIn(true, -60_000) });
    expect(screen.getByText(/This link has expired/)).toBeInTheDocument();
  });

  it('disables every action while busy', () => {
    render(WaitingScreen, { current: signingIn(), busy: true });
    for (const name of [/Open again/, /Copy link/, /Cancel/]) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });
});
