import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { appInfo } from '../lib/fixtures';
import { mock, resetAll } from '../test/helpers';
import AboutScreen from './AboutScreen.svelte';

vi.mock('../lib/backend');

describe('About screen', () => {
  beforeEach(resetAll);

  it('shows version, mode, folders and a privacy note', () => {
    render(AboutScreen, { info: appInfo(), onback: vi.fn() });
    expect(screen.getByRole('heading', { level: 1, name: 'About Outlook Connect' })).toHaveFocus();
    expect(screen.getByText('1.2.3')).toBeVisible();
    expect(screen.getByText('Demo')).toBeVisible();
    expect(screen.getByText('/home/sam/.config/outlook-connect')).toBeVisible();
    expect(screen.getByText('/home/sam/.config/outlook-connect/logs')).toBeVisible();
    expect(screen.getByRole('heading', { name: 'Your privacy' })).toBeInTheDocument();
  });

  it('says Configured when set up', () => {
    render(AboutScreen, { info: appInfo({ demo: false, demoReason: '', configured: true }), onback: vi.fn() });
    expect(screen.getByText('Configured')).toBeVisible();
  });

  it('opens the logs folder and copies the diagnostics', async () => {
    const user = userEvent.setup();
    mock.GetDiagnostics.mockResolvedValue('diag text');
    render(AboutScreen, { info: appInfo(), onback: vi.fn() });
    await user.click(screen.getByRole('button', { name: /Open logs folder/ }));
    expect(mock.OpenLogsFolder).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: /Copy diagnostics/ }));
    await waitFor(() => expect(mock.CopyText).toHaveBeenCalledWith('diag text'));
    const feedback = await screen.findByText('Diagnostics copied');
    expect(feedback).toHaveAttribute('aria-live', 'polite');
  });

  it('explains when the logs folder cannot be opened', async () => {
    const user = userEvent.setup();
    mock.OpenLogsFolder.mockRejectedValue(new Error('No file manager found.'));
    render(AboutScreen, { info: appInfo(), onback: vi.fn() });
    await user.click(screen.getByRole('button', { name: /Open logs folder/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('No file manager found.');
  });

  it('Back calls onback', async () => {
    const user = userEvent.setup();
    const onback = vi.fn();
    render(AboutScreen, { info: appInfo(), onback });
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(onback).toHaveBeenCalled();
  });
});
