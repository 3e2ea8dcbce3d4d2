// The one-time rule prompt, as it opens on the Connected screen.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { meeting, meetingsView, state } from '../lib/fixtures';
import { store } from '../lib/state.svelte';
import type { MeetingsView } from '../lib/types';
import { flush, mock, resetAll } from '../test/helpers';
import ConnectedScreen from './ConnectedScreen.svelte';

vi.mock('../lib/backend');

const asking = (over: Partial<MeetingsView> = {}) =>
  meetingsView({
    askRule: true,
    rule: { rule: 'none', acceptedOnly: false, source: 'default' },
    meetings: [meeting({ record: false }), meeting({ id: 'evt_2', record: false })],
    ...over,
  });

function show(view: MeetingsView | null = asking()) {
  store.meetings = view;
  return render(ConnectedScreen, { current: state('connected') });
}

describe('Rule prompt', () => {
  beforeEach(resetAll);

  it('asks once meetings are there, explaining consent, with "None" chosen and focused', () => {
    show();
    const dialog = screen.getByRole('dialog', { name: 'Which meetings should be recorded?' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription(/records everyone in it.*records nothing until you choose/);
    const none = within(dialog).getByRole('radio', { name: 'None — I choose meeting by meeting' });
    expect(none).toBeChecked();
    expect(none).toHaveFocus();
    expect(within(dialog).getAllByRole('radio')).toHaveLength(4);
  });

  it.each([
    ['Go does not ask', asking({ askRule: false })],
    ['the first sync is still running', asking({ phase: 'first_sync', meetings: [] })],
    ['there are no meetings yet', asking({ meetings: [], counts: { recorded: 0, total: 0 } })],
    ['meetings have not loaded', null],
  ])('does not open when %s', (_why, view) => {
    show(view);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('Escape means "Decide later": DismissRulePrompt, and it stays closed', async () => {
    const user = userEvent.setup();
    show();
    await user.keyboard('{Escape}');
    expect(mock.DismissRulePrompt).toHaveBeenCalledTimes(1);
    expect(mock.SetRecordingRule).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    // Even if Go's next view still says askRule (say the call failed), not again this session.
    store.meetings = asking();
    await flush();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('"Decide later" button does the same', async () => {
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('button', { name: 'Decide later' }));
    expect(mock.DismissRulePrompt).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('choosing a rule calls SetRecordingRule, closes, and says what it means', async () => {
    const user = userEvent.setup();
    const after = meetingsView({
      rule: { rule: 'external', acceptedOnly: true, source: 'person' },
      meetings: [meeting(), meeting({ id: 'evt_2', record: false })],
    });
    mock.SetRecordingRule.mockResolvedValueOnce({ view: after, changed: 1 });
    show();
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByRole('radio', { name: 'Only meetings with people outside my organisation' }));
    await user.click(within(dialog).getByRole('checkbox', { name: 'Only meetings I have accepted' }));
    expect(mock.SetRecordingRule).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Use this rule' }));
    expect(mock.SetRecordingRule).toHaveBeenCalledWith('external', true);
    await flush();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(mock.DismissRulePrompt).not.toHaveBeenCalled();
    expect(store.notice).toBe('Recording rule saved. 1 of 2 meetings this week will be recorded.');
  });

  it('if saving fails it stays open and says why', async () => {
    const user = userEvent.setup();
    mock.SetRecordingRule.mockRejectedValueOnce(new Error('Could not save your choice.'));
    show();
    await user.click(screen.getByRole('button', { name: 'Use this rule' }));
    await flush();
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Could not save your choice.');
  });

  it('keeps Tab inside the dialog', async () => {
    const user = userEvent.setup();
    show();
    const dialog = screen.getByRole('dialog');
    const later = within(dialog).getByRole('button', { name: 'Decide later' });
    const use = within(dialog).getByRole('button', { name: 'Use this rule' });
    use.focus();
    await user.tab();
    expect(dialog).toContainElement(document.activeElement as HTMLElement);
    expect(document.activeElement).not.toBe(use);
    later.focus();
    await user.tab();
    expect(use).toHaveFocus();
    await user.tab();
    await waitFor(() => expect(dialog).toContainElement(document.activeElement as HTMLElement));
  });

  it('does not open over the Disconnect confirmation', async () => {
    const user = userEvent.setup();
    show(asking({ askRule: false }));
    await user.click(screen.getByRole('button', { name: 'Disconnect…' }));
    store.meetings = asking();
    await flush();
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
