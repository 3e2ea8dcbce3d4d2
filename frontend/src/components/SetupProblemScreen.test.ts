import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { appInfo, problems } from '../lib/fixtures';
import { store } from '../lib/state.svelte';
import { mock, resetAll } from '../test/helpers';
import SetupProblemScreen from './SetupProblemScreen.svelte';

vi.mock('../lib/backend');

describe('Setup problem screen', () => {
  beforeEach(resetAll);

  it('shows the problem instead of a Connect button that cannot work', () => {
    render(SetupProblemScreen, { problem: problems.badEnvironment });
    expect(
      screen.getByRole('heading', { level: 1, name: "Outlook Connect can't connect your calendar yet" }),
    ).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveAttribute('data-code', problems.badEnvironment.code);
    expect(screen.queryByRole('button', { name: 'Connect Outlook calendar' })).toBeNull();
  });

  it('Try again re-reads the setup and reloads the state', async () => {
    const user = userEvent.setup();
    mock.RetryStartup.mockResolvedValue(appInfo());
    render(SetupProblemScreen, { problem: problems.badEnvironment });
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(mock.RetryStartup).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(mock.GetState).toHaveBeenCalled());
    expect(store.info?.setupProblem).toBeUndefined();
  });

  it('Open setup goes to the Setup screen', async () => {
    const user = userEvent.setup();
    render(SetupProblemScreen, { problem: problems.badEnvironment });
    await user.click(screen.getByRole('button', { name: 'Open setup' }));
    expect(store.view).toBe('setup');
  });
});
