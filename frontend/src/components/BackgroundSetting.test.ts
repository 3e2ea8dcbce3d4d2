import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundView, meetingProblems } from '../lib/fixtures';
import { absoluteTime } from '../lib/time';
import type { BackgroundView } from '../lib/types';
import { flush, mock, resetAll } from '../test/helpers';
import BackgroundSetting from './BackgroundSetting.svelte';

vi.mock('../lib/backend');

const now = new Date(2026, 10, 28, 12, 0).getTime();
const today = (h: number, m: number) => new Date(2026, 10, 28, h, m).toISOString();

function show(over: Partial<BackgroundView> = {}) {
  return render(BackgroundSetting, { view: backgroundView(over), now });
}

describe('Keep scheduling when Outlook Connect is closed', () => {
  beforeEach(resetAll);

  it('is a named, described switch showing Go’s value', () => {
    show();
    const sw = screen.getByRole('switch', { name: 'Keep scheduling when Outlook Connect is closed' });
    expect(sw).toHaveAttribute('aria-checked', 'true');
    expect(sw).toHaveAccessibleDescription(/keeps checking your calendar .* while the computer is off or asleep/);
  });

  it('flipping it calls SetKeepScheduling with the new value', async () => {
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('switch'));
    expect(mock.SetKeepScheduling).toHaveBeenCalledWith(false);
    await flush();
    expect(screen.getByRole('switch')).not.toHaveAttribute('aria-busy');
  });

  it('turned off, flipping turns it on', async () => {
    const user = userEvent.setup();
    show({ keepScheduling: false });
    expect(screen.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
    await user.click(screen.getByRole('switch'));
    expect(mock.SetKeepScheduling).toHaveBeenCalledWith(true);
  });

  it('says what the background helper did while the window was closed', () => {
    const at = today(9, 40);
    show({ lastRunAt: at, botsScheduled: 2 });
    expect(screen.getByText(/While closed/)).toHaveTextContent(
      `While closed, Outlook Connect checked your meetings at ${absoluteTime(at, now)} and scheduled 2 assistants.`,
    );
  });

  it('one assistant, none, another day, and running now', async () => {
    const { rerender } = show({ lastRunAt: today(9, 40), botsScheduled: 1 });
    expect(screen.getByText(/While closed/)).toHaveTextContent(/and scheduled 1 assistant\.$/);
    await rerender({ view: backgroundView({ lastRunAt: today(9, 40), botsScheduled: 0 }), now });
    expect(screen.getByText(/While closed/)).toHaveTextContent(/checked your meetings at [^ ]+( [AP]M)?\.$/);
    const yesterday = new Date(2026, 10, 27, 18, 5).toISOString();
    await rerender({ view: backgroundView({ lastRunAt: yesterday }), now });
    expect(screen.getByText(/While closed/)).toHaveTextContent(`checked your meetings on ${absoluteTime(yesterday, now)}.`);
    await rerender({ view: backgroundView({ running: true }), now });
    expect(screen.getByText('It is waiting in the background and takes over when you close this window.')).toBeVisible();
  });

  it('says nothing when the helper never ran', () => {
    show();
    expect(screen.queryByText(/While closed/)).not.toBeInTheDocument();
  });

  it('shows Go’s note, not as an error, and no admin line when the system turned it off', () => {
    const note = "Your computer's start-up settings have turned this off. Turn it on here to let Outlook Connect start when you sign in again.";
    show({ keepScheduling: false, source: 'system', note });
    expect(screen.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
    expect(screen.getByText(note)).toBeVisible();
    expect(screen.queryByText("Your organisation's default")).not.toBeInTheDocument();
    expect(screen.queryByRole('group')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says nothing more without a note', () => {
    const { container } = show();
    expect(container.querySelector('.note')).toBeNull();
  });

  it('shows an admin default, and Go’s problem', () => {
    show({ source: 'admin', problem: meetingProblems.autostart });
    expect(screen.getByText("Your organisation's default")).toBeVisible();
    expect(screen.getByRole('group', { name: meetingProblems.autostart.title })).toBeInTheDocument();
  });
});
