// Local times of day as instants, where daylight saving makes them interesting: a time the clock
// skips is the instant it jumps; a time it shows twice is its first showing.
import { describe, expect, it } from 'vitest';
import {
  describeLocal,
  instantAt,
  isKnownTimeZone,
  localDateOf,
  minutesOf,
  rfc3339In,
  weekdayOf,
} from '../../src/api/wall-clock.js';

describe('instantAt', () => {
  it.each([
    ['a winter morning in Berlin', 'Europe/Berlin', '2026-03-28', '08:00', '2026-03-28T07:00:00Z'],
    [
      'a summer morning in Berlin, the day clocks go forward',
      'Europe/Berlin',
      '2026-03-29',
      '08:00',
      '2026-03-29T06:00:00Z',
    ],
    [
      'a time Berlin skips: when the clock jumps to 03:00',
      'Europe/Berlin',
      '2026-03-29',
      '02:30',
      '2026-03-29T01:00:00Z',
    ],
    ['the start of the skipped hour', 'Europe/Berlin', '2026-03-29', '02:00', '2026-03-29T01:00:00Z'],
    ['the first minute after it', 'Europe/Berlin', '2026-03-29', '03:00', '2026-03-29T01:00:00Z'],
    [
      'a time Berlin shows twice: the first, in summer time',
      'Europe/Berlin',
      '2026-10-25',
      '02:30',
      '2026-10-25T00:30:00Z',
    ],
    ['a morning after clocks went back', 'Europe/Berlin', '2026-10-25', '08:00', '2026-10-25T07:00:00Z'],
    ['24:00, the start of the next day', 'Europe/Berlin', '2026-03-28', '24:00', '2026-03-28T23:00:00Z'],
    ['a time New York skips', 'America/New_York', '2026-03-08', '02:30', '2026-03-08T07:00:00Z'],
    ['a time New York shows twice', 'America/New_York', '2026-11-01', '01:30', '2026-11-01T05:30:00Z'],
    ['half an hour Lord Howe shows twice', 'Australia/Lord_Howe', '2026-04-05', '01:45', '2026-04-04T14:45:00Z'],
    ['half an hour Lord Howe skips', 'Australia/Lord_Howe', '2026-10-04', '02:15', '2026-10-03T15:30:00Z'],
    [
      'a midnight Santiago skips: its day begins at 01:00',
      'America/Santiago',
      '2026-09-06',
      '00:00',
      '2026-09-06T04:00:00Z',
    ],
    ['a zone half an hour off, no daylight saving', 'Asia/Kolkata', '2026-01-05', '09:00', '2026-01-05T03:30:00Z'],
    ['UTC', 'UTC', '2026-01-05', '23:59', '2026-01-05T23:59:00Z'],
  ])('%s', (_, zone, date, time, expected) => {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    expect(instantAt({ year, month, day }, minutesOf(time), zone).toISOString()).toBe(expected.replace('Z', '.000Z'));
  });
});

describe('the local calendar', () => {
  it('reads the local date and weekday, not the UTC ones', () => {
    const lateInNewYork = new Date('2026-03-24T02:30:00Z'); // Monday 22:30 in New York, Tuesday in UTC
    expect(localDateOf(lateInNewYork, 'America/New_York')).toEqual({ year: 2026, month: 3, day: 23 });
    expect(weekdayOf(localDateOf(lateInNewYork, 'America/New_York'))).toBe(0);
    expect(weekdayOf(localDateOf(lateInNewYork, 'UTC'))).toBe(1);
  });

  it('writes instants with the offset in force then', () => {
    expect(rfc3339In(new Date('2026-03-29T06:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29T08:00:00+02:00');
    expect(rfc3339In(new Date('2026-03-28T07:00:00Z'), 'Europe/Berlin')).toBe('2026-03-28T08:00:00+01:00');
    expect(rfc3339In(new Date('2026-01-05T03:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-05T09:00:00+05:30');
    expect(rfc3339In(new Date('2026-01-05T13:00:00Z'), 'America/St_Johns')).toBe('2026-01-05T09:30:00-03:30');
    expect(rfc3339In(new Date('2026-01-05T09:00:00Z'), 'UTC')).toBe('2026-01-05T09:00:00Z');
  });

  it('says when for people: a time today, a weekday within the week, a date beyond', () => {
    const now = new Date('2026-03-27T16:00:00Z'); // Friday 17:00 in Berlin
    expect(describeLocal(new Date('2026-03-27T17:00:00Z'), 'Europe/Berlin', now)).toBe('18:00');
    expect(describeLocal(new Date('2026-03-30T06:00:00Z'), 'Europe/Berlin', now)).toBe('Monday 08:00');
    expect(describeLocal(new Date('2026-04-06T06:00:00Z'), 'Europe/Berlin', now)).toBe('Monday 2026-04-06 08:00');
  });

  it('knows the zones of the IANA database, and not others', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
