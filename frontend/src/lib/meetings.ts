// Pure helpers for the meetings part of the Connected screen: grouping by the
// person's own calendar day, the words for counts and rules, and times via
// Intl in the person's locale and time zone. No Svelte, no backend: easy to test.
import { clockTime } from './time';
import type { ChoiceSource, MeetingView, RuleName } from './types';

export interface ZoneOptions {
  /** BCP 47 locale; undefined = the person's own */
  locale?: string;
  /** IANA zone; undefined = the computer's own */
  timeZone?: string;
}

export interface DayGroup {
  /** 'YYYY-MM-DD' in the person's time zone */
  key: string;
  /** "Today", "Tomorrow" or e.g. "Wednesday, December 2" */
  label: string;
  /** The date in words, shown beside "Today"/"Tomorrow" (empty otherwise) */
  date: string;
  meetings: MeetingView[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar day ('YYYY-MM-DD') a moment falls on in a time zone. */
export function dayKey(at: Date | number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Noon UTC on a calendar day: formatting it in UTC never shifts the date. */
function keyToDate(key: string): Date {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

/** The calendar day n days after key (n may be negative). */
export function addDays(key: string, n: number): string {
  const d = keyToDate(key);
  d.setUTCDate(d.getUTCDate() + n);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * The day a meeting belongs to. An all-day event's date is a calendar date
 * with no time zone, so it is used as it is: converting its start instant
 * would move it to the day before for everyone west of UTC.
 */
export function meetingDay(m: MeetingView, timeZone?: string): string {
  if (m.allDay && m.allDayDate && /^\d{4}-\d{2}-\d{2}$/.test(m.allDayDate)) return m.allDayDate;
  const t = Date.parse(m.start);
  return Number.isNaN(t) ? '' : dayKey(t, timeZone);
}

/** A calendar day in words, e.g. "Wednesday, December 2" (order follows the locale). */
export function dateWords(key: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
    keyToDate(key),
  );
}

/**
 * Meetings grouped by the person's calendar day, days in order. Meetings in
 * progress that began before today are listed under Today; within a day,
 * all-day events come first, the rest keep Go's order (by start, then id).
 */
export function groupByDay(meetings: MeetingView[], now: number, opts: ZoneOptions = {}): DayGroup[] {
  const today = dayKey(now, opts.timeZone);
  const tomorrow = addDays(today, 1);
  const byKey = new Map<string, MeetingView[]>();
  for (const m of meetings) {
    let key = meetingDay(m, opts.timeZone);
    if (!key) continue;
    if (key < today) key = today;
    const list = byKey.get(key);
    if (list) list.push(m);
    else byKey.set(key, [m]);
  }
  return [...byKey.keys()].sort().map((key) => {
    const list = byKey.get(key)!;
    const ordered = [...list.filter((m) => m.allDay), ...list.filter((m) => !m.allDay)];
    const label = key === today ? 'Today' : key === tomorrow ? 'Tomorrow' : dateWords(key, opts.locale);
    const date = key === today || key === tomorrow ? dateWords(key, opts.locale) : '';
    return { key, label, date, meetings: ordered };
  });
}

/** Clock time in the person's locale and zone: "9:30 AM" / "09:30". */
export function clock(iso: string | undefined, opts: ZoneOptions = {}): string {
  return clockTime(iso, opts.locale, opts.timeZone);
}

export function displayTitle(m: Pick<MeetingView, 'title'>): string {
  return m.title.trim() || '(No title)';
}

export function hasEnded(m: Pick<MeetingView, 'end'>, now: number): boolean {
  const t = Date.parse(m.end);
  return !Number.isNaN(t) && t <= now;
}

export function inProgress(m: Pick<MeetingView, 'start' | 'end' | 'allDay'>, now: number): boolean {
  if (m.allDay) return false;
  const s = Date.parse(m.start);
  const e = Date.parse(m.end);
  return s <= now && now < e;
}

/**
 * When a meeting is, for a screen reader's label: "Tomorrow at 10:00 AM",
 * "Today, all day". dayLabel is the group's label.
 */
export function whenWords(m: MeetingView, dayLabel: string, opts: ZoneOptions = {}): string {
  if (m.allDay) return `${dayLabel}, all day`;
  return `${dayLabel} at ${clock(m.start, opts)}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "3 of 9 meetings this week will be recorded." */
export function countsText(counts: { recorded: number; total: number }): string {
  const { recorded, total } = counts;
  if (total <= 0) return 'No meetings this week.';
  if (recorded <= 0) return total === 1 ? 'Your 1 meeting this week will not be recorded.' : `None of your ${total} meetings this week will be recorded.`;
  if (recorded >= total) return total === 1 ? 'Your 1 meeting this week will be recorded.' : `All ${total} meetings this week will be recorded.`;
  return `${recorded} of ${plural(total, 'meeting', 'meetings')} this week will be recorded.`;
}

/** "Updated — 4 meetings changed." (from RuleResult.changed) */
export function changedText(changed: number): string {
  if (changed <= 0) return 'Updated — no meetings changed.';
  return `Updated — ${plural(changed, 'meeting', 'meetings')} changed.`;
}

/** "2 assistants" */
export function assistantsText(n: number): string {
  return plural(n, 'assistant', 'assistants');
}

export interface RuleOption {
  value: RuleName;
  label: string;
  hint: string;
}

/** The four recording rules, in the order they are offered. */
export const ruleOptions: readonly RuleOption[] = [
  {
    value: 'all_with_link',
    label: 'Every meeting with a meeting link',
    hint: 'Every Teams, Zoom, Google Meet or Webex meeting gets the assistant.',
  },
  {
    value: 'external',
    label: 'Only meetings with people outside my organisation',
    hint: "When at least one attendee's email address is outside your organisation.",
  },
  {
    value: 'organised',
    label: 'Only meetings I organise',
    hint: 'Meetings you set up yourself; invitations from others are left alone.',
  },
  {
    value: 'none',
    label: 'None — I choose meeting by meeting',
    hint: 'Nothing is recorded unless you switch it on for a meeting.',
  },
];

export function ruleLabel(rule: RuleName): string {
  return ruleOptions.find((o) => o.value === rule)?.label ?? rule;
}

export const acceptedOnlyLabel = 'Only meetings I have accepted';
export const acceptedOnlyHint = "Skip invitations you declined, marked tentative or haven't answered.";

/** Where the rule (or a switch) came from, in a few quiet words. */
export function sourceWords(source: ChoiceSource): string {
  switch (source) {
    case 'person':
      return 'Your choice';
    case 'admin':
      return "Your organisation's default";
    default:
      return 'Default — nothing is recorded until you choose';
  }
}
