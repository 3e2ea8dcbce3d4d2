// Finish connecting when Go tries again by itself (state.retryAt): the calm
// line beside the buttons, the screen holding still while Go tries, and the
// live region when the automatic try succeeds. The buttons themselves are
// covered in RecoveryScreens.test.ts.
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { state } from '../lib/fixtures';
import { createMockBackend } from '../lib/mock';
import { store } from '../lib/state.svelte';
import { absoluteTime } from '../lib/time';
import type { State } from '../lib/types';
import { NOW, mock, resetAll } from '../test/helpers';
import FinishPendingScreen from './FinishPendingScreen.svelte';
import MainView from './MainView.svelte';

vi.mock('../lib/backend');

const inMinutes = (n: number) => new Date(NOW + n * 60_000).toISOString();

describe('Finish pending: Go tries again by itself', () => {
  beforeEach(resetAll);

  it('says calmly when, in clock time and in words, next to the buttons', () => {
    const retryAt = inMinutes(2);
    render(FinishPendingScreen, { current: state('finish_pending', { retryAt }, NOW), now: NOW });
    const line = screen.getByText(/will try again by itself/).closest('p')!;
    expect(line).toHaveTextContent(`Outlook Connect will try again by itself at ${absoluteTime(retryAt, NOW)} (in 2 minutes).`);
    expect(line.querySelector('time')).toHaveAttribute('datetime', retryAt);
    // Calm: a fact on the page, not an alert or a live region that chatters.
    expect(line.closest('[role="alert"], [role="status"], [aria-live]')).toBeNull();
    // Next to the buttons, and read out with the one that does it now.
    expect(line.previousElementSibling).toHaveClass('actions');
    expect(screen.getByRole('button', { name: 'Finish connecting' })).toHaveAccessibleDescription(
      /Outlook Connect will try again by itself at .* \(in 2 minutes\)\./,
    );
  });

  it('counts down in words that stay true', () => {
    const { rerender } = render(FinishPendingScreen, {
      current: state('finish_pending', { retryAt: inMinutes(0.5) }, NOW),
      now: NOW,
    });
    expect(screen.getByText(/will try again by itself/)).toHaveTextContent('(in less than a minute).');
    rerender({ current: state('finish_pending', { retryAt: inMinutes(-0.1) }, NOW), now: NOW });
    expect(screen.getByText(/will try again by itself/)).toHaveTextContent('(any moment now).');
    rerender({ current: state('finish_pending', { retryAt: inMinutes(90) }, NOW), now: NOW });
    expect(screen.getByText(/will try again by itself/)).toHaveTextContent('(in 2 hours).');
  });

  it('after a restart, with no card, still says when Go tries', () => {
    render(FinishPendingScreen, {
      current: state('finish_pending', { problem: undefined, retryAt: inMinutes(1) }, NOW),
      now: NOW,
    });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByText(/will try again by itself/)).toHaveTextContent('(in 1 minute).');
  });

  it('counts from the real time, not from the store\'s 30-second tick', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(NOW);
      store.now = NOW - 29_000; // ticked 29 s ago
      render(FinishPendingScreen, { current: state('finish_pending', { retryAt: new Date(NOW + 40_000).toISOString() }, NOW) });
      expect(screen.getByText(/will try again by itself/)).toHaveTextContent('(in less than a minute).');
    } finally {
      vi.useRealTimers();
    }
  });

  it('promises nothing when Go will not try (the problem needs the person or IT)', () => {
    render(FinishPendingScreen, { current: state('finish_pending', { retryAt: undefined }, NOW), now: NOW });
    expect(screen.queryByText(/by itself|trying again/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Finish connecting' })).not.toHaveAttribute('aria-describedby');
  });

  it('while Go tries, says so and holds the buttons', () => {
    render(FinishPendingScreen, {
      current: state('finish_pending', { retryAt: undefined, busy: true }, NOW),
      busy: true,
      now: NOW,
    });
    expect(screen.getByText('Outlook Connect is trying again now…')).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent("We couldn't reach Recall");
    expect(screen.getByRole('button', { name: 'Finish connecting' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Start over…' })).toBeDisabled();
  });

  it('Finish connecting still works at once, by keyboard', async () => {
    const user = userEvent.setup();
    render(FinishPendingScreen, { current: state('finish_pending', { retryAt: inMinutes(10) }, NOW), now: NOW });
    const finish = screen.getByRole('button', { name: 'Finish connecting' });
    finish.focus();
    await user.keyboard('{Enter}');
    expect(mock.FinishConnecting).toHaveBeenCalledTimes(1);
    // The line is text, not a stop in the Tab order.
    await user.tab();
    expect(screen.getByRole('button', { name: 'Start over…' })).toHaveFocus();
  });

  it('an automatic try does not move the screen or the keyboard focus', async () => {
    store.setState(state('finish_pending', { retryAt: inMinutes(1) }, NOW));
    render(MainView);
    await tick();
    const startOver = screen.getByRole('button', { name: 'Start over…' });
    startOver.focus();
    expect(startOver).toHaveFocus();

    store.setState(state('finish_pending', { retryAt: undefined, busy: true }, NOW));
    await tick();
    expect(screen.getByRole('button', { name: 'Start over…' })).toBe(startOver);
    expect(screen.getByText('Outlook Connect is trying again now…')).toBeVisible();
    expect(store.announcement).toBe('');

    // It failed again: the next try is armed, the person is where they were.
    store.setState(state('finish_pending', { retryAt: inMinutes(2) }, NOW));
    await tick();
    expect(startOver).toBeEnabled();
    expect(document.activeElement).toBe(startOver);
  });

  it('the live region announces an automatic finish', () => {
    store.setState(state('finish_pending', {}, NOW));
    store.setState(state('finish_pending', { retryAt: undefined, busy: true }, NOW));
    store.setState(state('connected', {}, NOW));
    expect(store.announcement).toBe('Outlook Connect finished connecting your calendar. Calendar status: Connected.');
  });

  it('a click goes through "registering", announced as before', () => {
    store.setState(state('finish_pending', {}, NOW));
    store.setState(state('registering', {}, NOW));
    store.setState(state('connected', {}, NOW));
    expect(store.announcement).toBe('Calendar status: Connected.');
  });
});

describe('preview backend: finish-pending', () => {
  it('walks the automatic try by itself: held, then connected', async () => {
    vi.useFakeTimers();
    try {
      const b = createMockBackend('finish-pending');
      const seen: State[] = [];
      b.EventsOn('state:changed', (s) => seen.push(s));
      const first = b.GetState();
      await vi.advanceTimersByTimeAsync(200);
      const st = await first;
      expect(st.phase).toBe('finish_pending');
      expect(Date.parse(st.retryAt!)).toBeGreaterThan(Date.now());
      await vi.advanceTimersByTimeAsync(Date.parse(st.retryAt!) - Date.now());
      expect(seen.at(-1)).toMatchObject({ phase: 'finish_pending', busy: true });
      expect(seen.at(-1)?.retryAt).toBeUndefined();
      await vi.advanceTimersByTimeAsync(2000);
      expect(seen.at(-1)?.phase).toBe('connected');
    } finally {
      vi.useRealTimers();
    }
  });
});
