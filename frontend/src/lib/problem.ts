import type { Problem } from './types';

/** "Problem: code\nLabel: value\n…" — the same text Go's DetailsText makes. */
export function detailsText(p: Problem): string {
  const lines = [`Problem: ${p.code}`];
  for (const d of p.details ?? []) lines.push(`${d.label}: ${d.value}`);
  return lines.join('\n') + '\n';
}

/** A Problem for a bound method that rejected (rare: Go normally puts problems in the State). */
export function problemFromError(err: unknown): Problem {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return {
    code: 'app.call_failed',
    title: "That didn't work",
    message: message || 'Outlook Connect ran into a problem it does not recognise.',
    nextStep: 'Try again. If it keeps happening, copy the details below and send them to your IT support.',
    details: message ? [{ label: 'Error', value: message }] : [],
    retryable: true,
    forAdmin: false,
  };
}

/** Only http(s) links are offered to open in the browser. */
export function isWebLink(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value);
}
