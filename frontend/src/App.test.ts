import { fireEvent, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { appInfo, problems, state } from './lib/fixtures';
import type { State } from './lib/types';
import { flush, mock, resetAll } from './test/helpers';

vi.mock('./lib/backend');

async function renderWith(s: State, info = appInfo()) {
  mock.GetState.mockResolvedValue(s);
  mock.GetAppInfo.mockResolvedValue(info);
  const r = render(App);
  await flush();
  return r;
}

describe('App shell', () => {
  beforeEach(resetAll);

  it('loads state and app info on start and subscribes to events once', async () => {
    await renderWith(state('idle'));
    expect(mock.GetState).toHaveBeenCalledTimes(1);
    expect(mock.GetAppInfo).toHaveBeenCalledTimes(1);
    expect(mock.listenerCount('state:changed')).toBe(1);
    expect(mock.listenerCount('signin:waiting')).toBe(1);
    expect(mock.listenerCount('config:changed')).toBe(1);
    expect(screen.getByText('Outlook Connect', { selector: '.name' })).toBeVisible();
    expect(screen.getByText('Version 1.2.3')).toBeVisible();
  });

  it.each([
    ['idle', 'Connect your Outlook calendar'],
    ['signing_in', 'Finish signing in in your browser'],
    ['registering', 'Almost done — connecting your calendar to Recall…'],
    ['finish_pending', "You're signed in, but we couldn't finish connecting"],
    ['connected', 'Your calendar is connected'],
    ['disconnecting', 'Disconnecting…'],
    ['disconnect_failed', "We couldn't finish disconnecting"],
  ] as const)('phase %s shows "%s"', async (phase, heading) => {
    await renderWith(state(phase));
    expect(screen.getByRole('heading', { level: 1, name: heading })).toHaveFocus();
  });

  it('registering and disconnecting offer no actions in the main area', async () => {
    await renderWith(state('registering'));
    expect(screen.getByRole('main').querySelectorAll('button')).toHaveLength(0);
  });

  it('follows state:changed events and announces them politely', async () => {
    await renderWith(state('idle'));
    mock.emit('state:changed', state('signing_in'));
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: 'Finish signing in in your browser' })).toHaveFocus();
    const live = screen.getByTestId('announcer');
    expect(live).toHaveAttribute('aria-live', 'polite');
    expect(live).toHaveTextContent('Waiting for you to finish signing in in your browser.');
    mock.emit('state:changed', state('connected'));
    await flush();
    expect(live).toHaveTextContent('Calendar status: Connected.');
  });

  it('clicking Connect shows the returned state and sets aria-busy meanwhile', async () => {
    const user = userEvent.setup();
    await renderWith(state('idle'));
    let resolve!: (s: State) => void;
    mock.Connect.mockReturnValue(new Promise<State>((r) => (resolve = r)));
    await user.click(screen.getByRole('button', { name: 'Connect Outlook calendar' }));
    expect(screen.getByRole('main')).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('button', { name: 'Connect Outlook calendar' })).toBeDisabled();
    resolve(state('signing_in'));
    await flush();
    expect(screen.getByRole('main')).toHaveAttribute('aria-busy', 'false');
    expect(screen.getByRole('heading', { level: 1, name: 'Finish signing in in your browser' })).toBeInTheDocument();
  });

  it('State.busy from Go disables actions too', async () => {
    await renderWith(state('idle', { busy: true }));
    expect(screen.getByRole('button', { name: 'Connect Outlook calendar' })).toBeDisabled();
    expect(screen.getByRole('main')).toHaveAttribute('aria-busy', 'true');
  });

  it('a rejected call shows a plain error card', async () => {
    const user = userEvent.setup();
    await renderWith(state('idle'));
    mock.Connect.mockRejectedValue(new Error('The keychain is locked.'));
    await user.click(screen.getByRole('button', { name: 'Connect Outlook calendar' }));
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The keychain is locked.');
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says so when it cannot start, and Try again reloads', async () => {
    const user = userEvent.setup();
    mock.GetState.mockRejectedValueOnce(new Error('backend not ready'));
    render(App);
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: "Outlook Connect couldn't start properly" })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' })).toBeInTheDocument();
  });

  it('calls WindowFocused when the window gets focus', async () => {
    await renderWith(state('connected'));
    mock.WindowFocused.mockResolvedValue(state('connected'));
    window.dispatchEvent(new FocusEvent('focus'));
    expect(mock.WindowFocused).toHaveBeenCalledTimes(1);
  });

  it('shows the demo banner, and "Set up for real" opens Setup', async () => {
    const user = userEvent.setup();
    await renderWith(state('idle'), appInfo({ demo: true, demoReason: 'unconfigured' }));
    const banner = screen.getByRole('complementary', { name: 'Demo mode' });
    expect(banner).toHaveTextContent('Demo mode — nothing leaves this computer');
    expect(banner).toHaveTextContent("You're trying Outlook Connect with a pretend Microsoft account");
    await user.click(screen.getByRole('button', { name: 'Set up for real' }));
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: 'Setup' })).toHaveFocus();
    expect(mock.GetSetup).toHaveBeenCalled();
  });

  it('forced demo mode has no "Set up for real" link; configured mode has no banner', async () => {
    const { unmount } = await renderWith(state('idle'), appInfo({ demo: true, demoReason: 'forced' }));
    expect(screen.getByText(/Demo mode — nothing leaves this computer/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Set up for real' })).not.toBeInTheDocument();
    unmount();
    resetAll();
    await renderWith(state('idle'), appInfo({ demo: false, demoReason: '', configured: true }));
    expect(screen.queryByText(/Demo mode — nothing leaves this computer/)).not.toBeInTheDocument();
  });

  it('an unusable setup shows its problem instead of the Connect screen, and never claims to be configured', async () => {
    await renderWith(state('idle'), appInfo({ demo: false, demoReason: '', configured: false, setupProblem: problems.badEnvironment }));
    expect(screen.getByRole('heading', { level: 1, name: "Outlook Connect can't connect your calendar yet" })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Connect Outlook calendar' })).not.toBeInTheDocument();
    expect(screen.queryByText("Using your organisation's settings")).not.toBeInTheDocument();
  });

  it('config:changed updates the banner and title', async () => {
    await renderWith(state('idle'), appInfo({ demo: true }));
    expect(document.title).toBe('Outlook Connect — Demo mode');
    mock.emit('config:changed', appInfo({ demo: false, demoReason: '', configured: true }));
    await flush();
    expect(screen.queryByText(/Demo mode — nothing leaves this computer/)).not.toBeInTheDocument();
    expect(mock.WindowSetTitle).toHaveBeenLastCalledWith('Outlook Connect');
  });

  it('Settings and About open their pages; Back and Escape return', async () => {
    const user = userEvent.setup();
    await renderWith(state('idle'));
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: 'Setup' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
    await user.keyboard('{Escape}');
    expect(screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' })).toHaveFocus();

    await user.click(screen.getByRole('button', { name: 'About' }));
    expect(screen.getByRole('heading', { level: 1, name: 'About Outlook Connect' })).toHaveFocus();
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' })).toBeInTheDocument();
  });

  it('Escape closes an open dialog first, not the page', async () => {
    const user = userEvent.setup();
    await renderWith(state('idle'));
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await flush();
    await user.click(screen.getByRole('button', { name: 'Reset to demo mode…' }));
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Setup' })).toBeInTheDocument();
  });

  it('shows a setup problem from AppInfo on the main view', async () => {
    await renderWith(state('idle'), appInfo({ setupProblem: problems.badEnvironment }));
    expect(screen.getByRole('alert', { name: problems.badEnvironment.title })).toBeInTheDocument();
  });

  it('every button in the shell has an accessible name', async () => {
    await renderWith(state('connected'));
    for (const b of screen.getAllByRole('button')) expect(b).toHaveAccessibleName();
  });

  it('ignores malformed state events', async () => {
    await renderWith(state('idle'));
    mock.emit('state:changed', undefined as unknown as State);
    await flush();
    expect(screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' })).toBeInTheDocument();
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.getByRole('heading', { level: 1, name: 'Connect your Outlook calendar' })).toBeInTheDocument();
  });
});
