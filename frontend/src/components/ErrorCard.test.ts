import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { problems } from '../lib/fixtures';
import { mock, resetAll } from '../test/helpers';
import ErrorCard from './ErrorCard.svelte';

vi.mock('../lib/backend');

describe('ErrorCard', () => {
  beforeEach(resetAll);

  it('shows title, message, next step and a collapsed Details for IT', () => {
    render(ErrorCard, { problem: problems.adminApproval });
    const card = screen.getByRole('alert', { name: problems.adminApproval.title });
    expect(card).toHaveTextContent(problems.adminApproval.message);
    expect(screen.getByText('What to do:').tagName).toBe('STRONG');
    expect(card).toHaveTextContent('Your IT team can fix this.');
    const summary = screen.getByText('Details for IT');
    expect(summary.closest('details')).not.toHaveAttribute('open');
    expect(screen.queryByRole('button', { name: 'Dismiss' })).not.toBeInTheDocument();
  });

  it('opens links with the system browser and copies them', async () => {
    const user = userEvent.setup();
    render(ErrorCard, { problem: problems.adminApproval });
    await user.click(screen.getByText('Details for IT'));
    expect(screen.getByText('AADSTS65001')).toBeVisible();
    await user.click(screen.getByRole('button', { name: 'Open Admin approval link in your browser' }));
    expect(mock.BrowserOpenURL).toHaveBeenCalledWith(problems.adminApproval.details[2].value);
    await user.click(screen.getByRole('button', { name: 'Copy Admin approval link' }));
    expect(mock.CopyText).toHaveBeenCalledWith(problems.adminApproval.details[2].value);
    // no link elements that could navigate the webview
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('Copy details copies "Problem: code" and each label: value', async () => {
    const user = userEvent.setup();
    render(ErrorCard, { problem: problems.adminApproval });
    await user.click(screen.getByText('Details for IT'));
    await user.click(screen.getByRole('button', { name: /Copy details/ }));
    expect(mock.CopyText).toHaveBeenCalledWith(
      'Problem: msauth.admin_approval_required\nMicrosoft code: AADSTS65001\n' +
        'Correlation ID: 3f1c2a9e-7b7d-4d0e-9a51-2c1f0b8e6d44\n' +
        `Admin approval link: ${problems.adminApproval.details[2].value}\n`,
    );
    expect(await screen.findByText('Details copied')).toBeInTheDocument();
  });

  it('has a Dismiss button when asked', async () => {
    const user = userEvent.setup();
    const ondismiss = vi.fn();
    render(ErrorCard, { problem: problems.recallUnreachable, ondismiss });
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(ondismiss).toHaveBeenCalled();
  });
});
