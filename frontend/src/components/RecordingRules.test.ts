import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { meetingsView } from '../lib/fixtures';
import { store } from '../lib/state.svelte';
import type { RuleName, RuleResult, RuleView } from '../lib/types';
import { flush, mock, resetAll } from '../test/helpers';
import RecordingRules from './RecordingRules.svelte';

vi.mock('../lib/backend');

const person = (rule: RuleName, acceptedOnly = false): RuleView => ({ rule, acceptedOnly, source: 'person' });

/** Render with the store wired like ConnectedScreen: the rule follows store.meetings. */
function show(rule: RuleView = person('external'), settle = 60_000) {
  store.meetings = meetingsView({ rule });
  const r = render(RecordingRules, { rule, settle });
  // Go's answer updates the rule the section shows.
  mock.SetRecordingRule.mockImplementation(async (next: RuleName, acceptedOnly: boolean): Promise<RuleResult> => {
    const view = meetingsView({ rule: person(next, acceptedOnly) });
    queueMicrotask(() => r.rerender({ rule: view.rule, settle }));
    return { view, changed: 4 };
  });
  return r;
}

describe('Recording rule', () => {
  beforeEach(resetAll);

  it('offers the four rules as a labelled radio group, each explained in one line', () => {
    show();
    const group = screen.getByRole('group', { name: 'Record these meetings' });
    const radios = within(group).getAllByRole('radio');
    expect(radios.map((r) => r.getAttribute('value'))).toEqual(['all_with_link', 'external', 'organised', 'none']);
    expect(screen.getByRole('radio', { name: 'Only meetings with people outside my organisation' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Every meeting with a meeting link' })).toHaveAccessibleDescription(
      /Every Teams, Zoom, Google Meet or Webex meeting gets the assistant/,
    );
    expect(screen.getByRole('radio', { name: 'None — I choose meeting by meeting' })).toHaveAccessibleDescription(
      'Nothing is recorded unless you switch it on for a meeting.',
    );
  });

  it('choosing a rule calls SetRecordingRule and says how many meetings changed', async () => {
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('radio', { name: 'Every meeting with a meeting link' }));
    expect(mock.SetRecordingRule).toHaveBeenCalledTimes(1);
    expect(mock.SetRecordingRule).toHaveBeenCalledWith('all_with_link', false);
    await flush();
    expect(screen.getByText('Updated — 4 meetings changed.')).toBeVisible();
    expect(store.announcement).toBe('Updated — 4 meetings changed.');
    expect(screen.getByRole('radio', { name: 'Every meeting with a meeting link' })).toBeChecked();
  });

  it('the count follows RuleResult.changed', async () => {
    const user = userEvent.setup();
    show();
    mock.SetRecordingRule.mockResolvedValueOnce({ view: meetingsView({ rule: person('organised') }), changed: 1 });
    await user.click(screen.getByRole('radio', { name: 'Only meetings I organise' }));
    await flush();
    expect(screen.getByText('Updated — 1 meeting changed.')).toBeVisible();
  });

  it('the accepted-only switch sends the current rule with the new value', async () => {
    const user = userEvent.setup();
    show(person('organised'));
    const sw = screen.getByRole('switch', { name: 'Only meetings I have accepted' });
    expect(sw).toHaveAttribute('aria-checked', 'false');
    expect(sw).toHaveAccessibleDescription(/declined, marked tentative/);
    await user.click(sw);
    expect(mock.SetRecordingRule).toHaveBeenCalledWith('organised', true);
    await flush();
    expect(sw).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByText('Updated — 4 meetings changed.')).toBeVisible();
  });

  it('walking the radios with arrow keys applies only the rule you stop on', async () => {
    const user = userEvent.setup();
    show(person('none'));
    screen.getByRole('radio', { name: 'None — I choose meeting by meeting' }).focus();
    await user.keyboard('{ArrowDown}'); // wraps to "Every meeting"
    await user.keyboard('{ArrowDown}'); // "outside my organisation"
    expect(screen.getByRole('radio', { name: 'Only meetings with people outside my organisation' })).toBeChecked();
    expect(mock.SetRecordingRule).not.toHaveBeenCalled();
    // Leaving the group settles it at once (otherwise a short pause does).
    await user.tab();
    expect(mock.SetRecordingRule).toHaveBeenCalledTimes(1);
    expect(mock.SetRecordingRule).toHaveBeenCalledWith('external', false);
  });

  it('walking back to where you started sends nothing', async () => {
    const user = userEvent.setup();
    show(person('organised'));
    screen.getByRole('radio', { name: 'Only meetings I organise' }).focus();
    await user.keyboard('{ArrowDown}{ArrowUp}');
    await user.tab();
    expect(mock.SetRecordingRule).not.toHaveBeenCalled();
  });

  it('after a pause on one option the arrow-key choice applies by itself', async () => {
    vi.useFakeTimers();
    try {
      show(person('none'), 900);
      const radio = screen.getByRole('radio', { name: 'Only meetings I organise' });
      // What the browser does for ArrowUp on "None": the previous radio is checked and changes.
      radio.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }));
      radio.click();
      await vi.advanceTimersByTimeAsync(899);
      expect(mock.SetRecordingRule).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(mock.SetRecordingRule).toHaveBeenCalledWith('organised', false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('if Go refuses, the old rule shows again with the problem', async () => {
    const user = userEvent.setup();
    show();
    mock.SetRecordingRule.mockRejectedValueOnce(new Error('The settings file is read-only.'));
    await user.click(screen.getByRole('radio', { name: 'Only meetings I organise' }));
    await flush();
    // ConnectedScreen passes store.ruleError in; here it is read from the store.
    expect(store.ruleError?.message).toBe('The settings file is read-only.');
    expect(screen.getByRole('radio', { name: 'Only meetings with people outside my organisation' })).toBeChecked();
    expect(screen.queryByText(/Updated —/)).not.toBeInTheDocument();
  });

  it('shows where the rule comes from, quietly', async () => {
    const { rerender } = show({ rule: 'external', acceptedOnly: false, source: 'admin' });
    expect(screen.getByText("Your organisation's default")).toBeVisible();
    await rerender({ rule: { rule: 'none', acceptedOnly: false, source: 'default' } });
    expect(screen.getByText(/nothing is recorded until you choose/)).toBeVisible();
    await rerender({ rule: person('none') });
    expect(screen.getByText('Your choice')).toBeVisible();
  });

  it('holds still while a connection action runs', () => {
    render(RecordingRules, { rule: person('external'), busy: true });
    for (const r of screen.getAllByRole('radio')) expect(r).toBeDisabled();
    expect(screen.getByRole('switch')).toBeDisabled();
  });
});
