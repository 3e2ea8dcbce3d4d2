// Time formatting with Intl, in the person's own language and clock.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

function parse(iso: string | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "5 minutes ago", "in 10 minutes", "just now". */
export function relativeTime(iso: string | undefined, now: number = Date.now(), locale?: string): string {
  const d = parse(iso);
  if (!d) return '';
  const seconds = Math.round((d.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') {
      return rtf.format(Math.round(seconds / size), unit);
    }
  }
  return rtf.format(Math.round(seconds / 60), 'minute');
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * Hour and minute in the locale's own clock: "3:45 PM" where clocks have 12
 * hours, "09:30" / "00:05" where they have 24 (Intl's "numeric" hour would
 * give "0:05", which nobody in those places writes).
 */
export function clockOptions(locale?: string, timeZone?: string): Intl.DateTimeFormatOptions {
  const cycle = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  const h24 = cycle === 'h23' || cycle === 'h24';
  return { hour: h24 ? '2-digit' : 'numeric', minute: '2-digit', timeZone };
}

/** "3:45 PM" today, otherwise "28 Nov, 3:45 PM" (style follows the locale). */
export function absoluteTime(iso: string | undefined, now: number = Date.now(), locale?: string): string {
  const d = parse(iso);
  if (!d) return '';
  const time = clockOptions(locale);
  if (sameDay(d, new Date(now))) return new Intl.DateTimeFormat(locale, time).format(d);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    ...time,
    day: 'numeric',
    month: 'short',
    year: sameYear ? undefined : 'numeric',
  }).format(d);
}

/** Clock time only: "3:45 PM" / "15:45", in the given zone (default: the computer's). */
export function clockTime(iso: string | undefined, locale?: string, timeZone?: string): string {
  const d = parse(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat(locale, clockOptions(locale, timeZone)).format(d);
}

/** Full date and time for a tooltip / datetime attribute. */
export function fullTime(iso: string | undefined, locale?: string): string {
  const d = parse(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(d);
}
