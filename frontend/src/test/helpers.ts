import { vi } from 'vitest';
import * as mock from '../lib/__mocks__/backend';
import { store } from '../lib/state.svelte';

export { mock };

/** Fresh mock backend and store before each test. */
export function resetAll(): void {
  mock.resetBackendMock();
  store.reset();
}

/** Let pending promises and Svelte updates settle. */
export async function flush(times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}

export const NOW = new Date('2026-11-28T15:00:00Z').getTime();

export function useClipboardSpy() {
  const writeText = vi.fn().mockResolvedValue(undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  return writeText;
}
