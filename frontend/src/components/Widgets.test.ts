import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Field from './Field.svelte';
import StatusBadge from './StatusBadge.svelte';
import SourceTag from './SourceTag.svelte';
import Switch from './Switch.svelte';

vi.mock('../lib/backend');

describe('StatusBadge', () => {
  it.each([
    ['connecting', 'Connecting…'],
    ['connected', 'Connected'],
    ['disconnected', 'Disconnected'],
    ['weird', 'Unknown'],
  ])('%s reads "%s" with an icon, not colour alone', (status, text) => {
    const { container } = render(StatusBadge, { status });
    expect(screen.getByText(text)).toBeVisible();
    expect(container.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
  });
});

describe('SourceTag', () => {
  it.each([
    ['environment', true, 'From environment'],
    ['saved', true, 'Saved'],
    ['profile', true, "From your organisation's build"],
    ['default', true, 'Default'],
    ['default', false, 'Not set'],
  ] as const)('%s (set=%s) reads "%s"', (source, set, text) => {
    render(SourceTag, { source, set });
    expect(screen.getByText(text)).toBeInTheDocument();
  });
});

describe('Field', () => {
  it('labels the control and links hint and error', () => {
    render(Field, { name: 'x', label: 'Tenant', hint: 'A hint.', error: 'Bad value.', value: 'a' });
    const input = screen.getByLabelText('Tenant');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('Bad value. A hint.');
  });

  it('locked fields are disabled and say why', () => {
    render(Field, { name: 'y', label: 'Region', type: 'select', locked: true, source: 'environment', value: 'a', options: [{ value: 'a', label: 'a' }] });
    const select = screen.getByLabelText('Region');
    expect(select).toBeDisabled();
    expect(select).toHaveAccessibleDescription(/Set by an environment variable/);
  });
});

describe('Switch', () => {
  it('is a named role="switch" whose click asks for the other state', async () => {
    const onchange = vi.fn();
    const { rerender } = render(Switch, { checked: false, label: 'Record Weekly sync', onchange });
    const sw = screen.getByRole('switch', { name: 'Record Weekly sync' });
    expect(sw).toHaveAttribute('aria-checked', 'false');
    sw.click();
    expect(onchange).toHaveBeenLastCalledWith(true);
    await rerender({ checked: true, label: 'Record Weekly sync', onchange });
    expect(sw).toHaveAttribute('aria-checked', 'true');
    sw.click();
    expect(onchange).toHaveBeenLastCalledWith(false);
  });

  it('while busy it keeps focus but ignores clicks; disabled is disabled', async () => {
    const onchange = vi.fn();
    const { rerender } = render(Switch, { checked: false, label: 'x', busy: true, onchange });
    const sw = screen.getByRole('switch');
    sw.focus();
    sw.click();
    expect(onchange).not.toHaveBeenCalled();
    expect(sw).toHaveFocus();
    expect(sw).toHaveAttribute('aria-busy', 'true');
    await rerender({ checked: false, label: 'x', disabled: true, onchange });
    expect(sw).toBeDisabled();
  });
});
