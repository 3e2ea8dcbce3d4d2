import { describe, expect, it } from 'vitest';
import { meeting } from './fixtures';
import {
  addDays,
  changedText,
  clock,
  countsText,
  dateWords,
  dayKey,
  displayTitle,
  groupByDay,
  meetingDay,
  whenWords,
} from './meetings';

// Every zone is named, so these pass on any machine.
const LA = 'America/Los_Angeles';
const TOKYO = 'Asia/Tokyo';

describe('dayKey / addDays', () => {
  it('gives the calendar day in the named zone', () => {
    const t = Date.parse('2026-11-28T23:30:00Z');
    expect(dayKey(t, 'UTC')).toBe('2026-11-28');
    expect(dayKey(t, LA)).toBe('2026-11-28');
    expect(dayKey(t, TOKYO)).toBe('2026-11-29');
  });

  it('adds calendar days across months, years and clock changes', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09'); // US clocks go forward that night
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('meetingDay', () => {
  it('uses an all-day event’s date as it is, with no zone shift', () => {
    // Recall sends the all-day start as midnight UTC: in Los Angeles that
    // instant is the afternoon before, which must not move the event.
    const offsite = meeting({ allDay: true, allDayDate: '2026-11-30', start: '2026-11-30T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    expect(meetingDay(offsite, LA)).toBe('2026-11-30');
    expect(meetingDay(offsite, TOKYO)).toBe('2026-11-30');
  });

  it('falls back to the start when an all-day date is missing or malformed', () => {
    const m = meeting({ allDay: true, allDayDate: '30/11/2026', start: '2026-11-30T00:00:00Z' });
    expect(meetingDay(m, 'UTC')).toBe('2026-11-30');
    expect(meetingDay(meeting({ start: 'garbage' }), 'UTC')).toBe('');
  });
});

describe('groupByDay', () => {
  // Saturday 28 November 2026, noon in Los Angeles.
  const now = Date.parse('2026-11-28T20:00:00Z');
  const meetings = [
    // started yesterday evening (LA), still running: listed under Today
    meeting({ id: 'running', start: '2026-11-28T07:00:00Z', end: '2026-11-28T21:00:00Z' }),
    meeting({ id: 'late', start: '2026-11-29T07:30:00Z', end: '2026-11-29T08:00:00Z' }), // 23:30 Sat in LA
    meeting({ id: 'early', start: '2026-11-29T08:30:00Z', end: '2026-11-29T09:00:00Z' }), // 00:30 Sun in LA
    meeting({ id: 'allday', allDay: true, allDayDate: '2026-11-30', start: '2026-11-30T00:00:00Z', end: '2026-12-01T00:00:00Z' }),
    meeting({ id: 'monday', start: '2026-11-30T17:00:00Z', end: '2026-11-30T17:30:00Z' }),
  ];

  it('groups by the person’s local day: Today, Tomorrow, then weekday and date', () => {
    const groups = groupByDay(meetings, now, { timeZone: LA, locale: 'en-US' });
    expect(groups.map((g) => [g.key, g.label, g.meetings.map((m) => m.id)])).toEqual([
      ['2026-11-28', 'Today', ['running', 'late']],
      ['2026-11-29', 'Tomorrow', ['early']],
      ['2026-11-30', 'Monday, November 30', ['allday', 'monday']],
    ]);
    expect(groups[0].date).toBe('Saturday, November 28');
    expect(groups[2].date).toBe('');
  });

  it('the same meetings fall on other days in another zone', () => {
    const groups = groupByDay(meetings, now, { timeZone: TOKYO, locale: 'en-US' });
    // In Tokyo it is already Sunday 05:00: "late" and "early" are today, Monday is tomorrow.
    expect(groups.map((g) => [g.label, g.meetings.map((m) => m.id)])).toEqual([
      ['Today', ['running', 'late', 'early']],
      ['Tomorrow', ['allday']],
      ['Tuesday, December 1', ['monday']],
    ]);
  });

  it('puts all-day events first within their day and keeps Go’s order otherwise', () => {
    const day = [
      meeting({ id: 'b', start: '2026-11-30T09:00:00Z', end: '2026-11-30T10:00:00Z' }),
      meeting({ id: 'a', allDay: true, allDayDate: '2026-11-30', start: '2026-11-30T00:00:00Z' }),
      meeting({ id: 'c', start: '2026-11-30T09:00:00Z', end: '2026-11-30T09:30:00Z' }),
    ];
    expect(groupByDay(day, now, { timeZone: 'UTC' })[0].meetings.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('follows the locale for weekday and date words', () => {
    expect(dateWords('2026-11-30', 'en-GB')).toBe('Monday 30 November');
    expect(dateWords('2026-11-30', 'de-DE')).toBe('Montag, 30. November');
  });

  it('is empty for no meetings', () => {
    expect(groupByDay([], now)).toEqual([]);
  });
});

describe('words', () => {
  it('clock follows locale and zone', () => {
    expect(clock('2026-11-28T15:05:00Z', { locale: 'en-US', timeZone: 'UTC' })).toBe('3:05 PM');
    expect(clock('2026-11-28T15:05:00Z', { locale: 'en-GB', timeZone: TOKYO })).toBe('00:05');
    expect(clock(undefined)).toBe('');
  });

  it('an empty or blank title reads "(No title)"', () => {
    expect(displayTitle({ title: '' })).toBe('(No title)');
    expect(displayTitle({ title: '   ' })).toBe('(No title)');
    expect(displayTitle({ title: ' Weekly sync ' })).toBe('Weekly sync');
  });

  it('whenWords names the day and time for screen readers', () => {
    const m = meeting({ start: '2026-11-28T15:05:00Z' });
    expect(whenWords(m, 'Tomorrow', { locale: 'en-US', timeZone: 'UTC' })).toBe('Tomorrow at 3:05 PM');
    expect(whenWords(meeting({ allDay: true }), 'Today')).toBe('Today, all day');
  });

  it.each([
    [3, 9, '3 of 9 meetings this week will be recorded.'],
    [1, 1, 'Your 1 meeting this week will be recorded.'],
    [9, 9, 'All 9 meetings this week will be recorded.'],
    [0, 9, 'None of your 9 meetings this week will be recorded.'],
    [0, 1, 'Your 1 meeting this week will not be recorded.'],
    [0, 0, 'No meetings this week.'],
  ])('counts %i of %i: %s', (recorded, total, text) => {
    expect(countsText({ recorded, total })).toBe(text);
  });

  it.each([
    [4, 'Updated — 4 meetings changed.'],
    [1, 'Updated — 1 meeting changed.'],
    [0, 'Updated — no meetings changed.'],
  ])('changed %i: %s', (n, text) => {
    expect(changedText(n)).toBe(text);
  });
});
