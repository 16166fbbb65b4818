// The warm target a capacity schedule gives at an instant, and when it changes next: as a table of
// time zones, daylight-saving days, the edges of windows, the power-off delay and percentages of
// the recent peak with their floor and ceiling.
import { describe, expect, it } from 'vitest';
import { Capacity } from '../../src/api/capacity.js';
import { capacityAt, windowAt, windowWarm } from '../../src/api/capacity-schedule.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const office = { name: 'office-hours', days: WEEKDAYS, from: '08:00', to: '18:00', warm: 10 };
const berlin = (over: Record<string, unknown> = {}) =>
  Capacity.parse({ timeZone: 'Europe/Berlin', schedules: [office], ...over });

type Row = [
  string,
  Capacity,
  string, // now (UTC)
  { phase: string; window?: string; warm: number },
  { at: string; phase: string; window?: string; warm: number } | undefined,
];

// 2026: Berlin goes to summer time on Sunday 29 March (02:00 → 03:00) and back on Sunday 25
// October (03:00 → 02:00); New York on 8 March and 1 November. 23 March 2026 is a Monday.
const rows: Row[] = [
  [
    'a minute before the window, off-peak',
    berlin(),
    '2026-03-23T06:59:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-23T07:00:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'the first instant of the window',
    berlin(),
    '2026-03-23T07:00:00Z',
    { phase: 'InWindow', window: 'office-hours', warm: 10 },
    { at: '2026-03-23T17:00:00Z', phase: 'RampDown', window: 'office-hours', warm: 10 },
  ],
  [
    'the window closing: surplus stays warm for the delay',
    berlin(),
    '2026-03-23T17:00:00Z',
    { phase: 'RampDown', window: 'office-hours', warm: 10 },
    { at: '2026-03-23T17:30:00Z', phase: 'OffPeak', warm: 0 },
  ],
  [
    'the delay over',
    berlin(),
    '2026-03-23T17:30:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-24T07:00:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'no delay: off-peak as the window closes',
    berlin({ powerOffDelayMinutes: 0 }),
    '2026-03-23T17:00:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-24T07:00:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'Friday evening: the next window is Monday, after the clocks went forward',
    berlin(),
    '2026-03-27T18:00:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-30T06:00:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'Monday 08:00 in summer time is 06:00 UTC',
    berlin(),
    '2026-03-30T06:00:00Z',
    { phase: 'InWindow', window: 'office-hours', warm: 10 },
    { at: '2026-03-30T16:00:00Z', phase: 'RampDown', window: 'office-hours', warm: 10 },
  ],
  [
    'the weekend the clocks go back: Monday 08:00 in winter time is 07:00 UTC',
    berlin(),
    '2026-10-24T12:00:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-10-26T07:00:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'a window from a skipped time opens when the clock jumps',
    berlin({ schedules: [{ name: 'patch', days: ['Sunday'], from: '02:30', to: '04:00', warm: 2 }] }),
    '2026-03-29T00:59:59Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-29T01:00:00Z', phase: 'InWindow', window: 'patch', warm: 2 },
  ],
  [
    '... and closes at 04:00 summer time',
    berlin({ schedules: [{ name: 'patch', days: ['Sunday'], from: '02:30', to: '04:00', warm: 2 }] }),
    '2026-03-29T01:00:00Z',
    { phase: 'InWindow', window: 'patch', warm: 2 },
    { at: '2026-03-29T02:00:00Z', phase: 'RampDown', window: 'patch', warm: 2 },
  ],
  [
    'a window inside the skipped hour does not happen that day',
    berlin({ schedules: [{ name: 'never', days: ['Sunday'], from: '02:10', to: '02:50', warm: 2 }] }),
    '2026-03-29T00:30:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-04-05T00:10:00Z', phase: 'InWindow', window: 'never', warm: 2 },
  ],
  [
    'a window in the hour shown twice holds the first time only',
    berlin({
      powerOffDelayMinutes: 0,
      schedules: [{ name: 'twice', days: ['Sunday'], from: '02:00', to: '02:30', warm: 2 }],
    }),
    '2026-10-25T00:10:00Z',
    { phase: 'InWindow', window: 'twice', warm: 2 },
    { at: '2026-10-25T00:30:00Z', phase: 'OffPeak', warm: 0 },
  ],
  [
    '... and not when the clock shows 02:10 again',
    berlin({
      powerOffDelayMinutes: 0,
      schedules: [{ name: 'twice', days: ['Sunday'], from: '02:00', to: '02:30', warm: 2 }],
    }),
    '2026-10-25T01:10:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-11-01T01:00:00Z', phase: 'InWindow', window: 'twice', warm: 2 },
  ],
  [
    'a window that wants fewer: the one before stays warm for the delay',
    berlin({
      schedules: [
        { name: 'morning', days: WEEKDAYS, from: '08:00', to: '12:00', warm: 10 },
        { name: 'afternoon', days: WEEKDAYS, from: '12:00', to: '18:00', warm: 4 },
      ],
    }),
    '2026-03-23T11:10:00Z',
    { phase: 'RampDown', window: 'morning', warm: 10 },
    { at: '2026-03-23T11:30:00Z', phase: 'InWindow', window: 'afternoon', warm: 4 },
  ],
  [
    'a window that wants more than the one before: at once',
    berlin({
      schedules: [
        { name: 'early', days: WEEKDAYS, from: '07:00', to: '08:00', warm: 2 },
        { name: 'rush', days: WEEKDAYS, from: '08:00', to: '10:00', warm: 20 },
      ],
    }),
    '2026-03-23T06:59:00Z',
    { phase: 'InWindow', window: 'early', warm: 2 },
    { at: '2026-03-23T07:00:00Z', phase: 'InWindow', window: 'rush', warm: 20 },
  ],
  [
    'a window below the off-peak count: off-peak stays warm for the delay',
    berlin({
      offPeakWarm: 5,
      schedules: [{ name: 'maintenance', days: ['Sunday'], from: '02:00', to: '04:00', warm: 0 }],
    }),
    '2026-03-22T01:10:00Z',
    { phase: 'RampDown', window: 'maintenance', warm: 5 },
    { at: '2026-03-22T01:30:00Z', phase: 'InWindow', window: 'maintenance', warm: 0 },
  ],
  [
    'over midnight as two windows: the name changes at midnight, the count does not',
    berlin({
      schedules: [
        { name: 'late', days: ['Friday'], from: '22:00', to: '24:00', warm: 3 },
        { name: 'night', days: ['Saturday'], from: '00:00', to: '06:00', warm: 3 },
      ],
    }),
    '2026-03-27T22:59:00Z',
    { phase: 'InWindow', window: 'late', warm: 3 },
    { at: '2026-03-27T23:00:00Z', phase: 'InWindow', window: 'night', warm: 3 },
  ],
  [
    'New York office hours on the Sunday the clocks go forward',
    Capacity.parse({
      timeZone: 'America/New_York',
      schedules: [{ name: 'sunday', days: ['Sunday'], from: '09:00', to: '17:00', warm: 4 }],
    }),
    '2026-03-08T12:59:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-08T13:00:00Z', phase: 'InWindow', window: 'sunday', warm: 4 },
  ],
  [
    'a zone half an hour off UTC',
    Capacity.parse({ timeZone: 'Asia/Kolkata', schedules: [office] }),
    '2026-03-23T02:00:00Z',
    { phase: 'OffPeak', warm: 0 },
    { at: '2026-03-23T02:30:00Z', phase: 'InWindow', window: 'office-hours', warm: 10 },
  ],
  [
    'no windows at all: off-peak for good',
    berlin({ schedules: [], offPeakWarm: 3 }),
    '2026-03-23T12:00:00Z',
    { phase: 'OffPeak', warm: 3 },
    undefined,
  ],
];

describe('capacityAt', () => {
  it.each(rows)('%s', (_, capacity, now, expected, next) => {
    const got = capacityAt(capacity, 0, new Date(now));
    expect({ phase: got.phase, window: got.window, warm: got.warm }).toEqual({ window: undefined, ...expected });
    expect(
      got.next && {
        at: got.next.at.toISOString(),
        phase: got.next.phase,
        window: got.next.window,
        warm: got.next.warm,
      },
    ).toEqual(next && { window: undefined, ...next, at: next.at.replace('Z', '.000Z') });
  });

  it('answers the same from its cache as afresh, at every quarter hour of a week with a DST change', () => {
    const capacity = berlin({
      schedules: [
        office,
        { name: 'sunday', days: ['Sunday'], from: '02:30', to: '04:00', warm: 2 },
        { name: 'late', days: ['Friday'], from: '18:00', to: '24:00', warm: '50%', minWarm: 1 },
      ],
    });
    for (let t = Date.parse('2026-03-26T00:00:00Z'); t < Date.parse('2026-04-02T00:00:00Z'); t += 15 * 60_000) {
      const now = new Date(t);
      expect(capacityAt(capacity, 4, now)).toEqual(capacityAt(structuredClone(capacity), 4, now));
    }
    // 672 moments, each worked out twice: seconds of CPU on a loaded machine.
  }, 60_000);

  it('keeps off-peak, and says why, in a time zone it does not know', () => {
    const got = capacityAt(berlin({ timeZone: 'Mars/Olympus_Mons', offPeakWarm: 1 }), 0, new Date());
    expect(got).toEqual({
      phase: 'OffPeak',
      warm: 1,
      problem:
        'time zone Mars/Olympus_Mons is not one the operator knows (IANA names such as Europe/Berlin); the pool keeps offPeakWarm desktops warm until it is fixed',
    });
  });
});

describe('windowWarm', () => {
  const window = (warm: number | string, bounds: { minWarm?: number; maxWarm?: number } = {}) =>
    Capacity.parse({ timeZone: 'UTC', schedules: [{ ...office, warm, ...bounds }] }).schedules[0] as never;

  it.each([
    ['a number is that number', 10, {}, 50, 10],
    ['a percentage of the peak, rounded up', '20%', {}, 12, 3],
    ['a percentage of an exact multiple', '25%', {}, 40, 10],
    ['no peak yet: the floor', '20%', { minWarm: 2 }, 0, 2],
    ['a quiet week: the floor', '20%', { minWarm: 2, maxWarm: 8 }, 4, 2],
    ['a busy week: the ceiling', '20%', { minWarm: 2, maxWarm: 8 }, 100, 8],
    ['in between: the percentage', '20%', { minWarm: 2, maxWarm: 8 }, 30, 6],
    ['0% is none', '0%', {}, 100, 0],
    ['100% is the whole peak', '100%', {}, 37, 37],
  ])('%s', (_, warm, bounds, peak, expected) => {
    expect(windowWarm(window(warm, bounds), peak)).toBe(expected);
  });

  it('resolves a window percentage against the peak it is given', () => {
    const capacity = berlin({ schedules: [{ ...office, warm: '50%', minWarm: 1 }] });
    expect(capacityAt(capacity, 9, new Date('2026-03-23T09:00:00Z')).warm).toBe(5);
    expect(capacityAt(capacity, 0, new Date('2026-03-23T09:00:00Z')).warm).toBe(1);
  });
});

describe('windowAt', () => {
  const schedule = Capacity.parse(
    berlin({
      schedules: [
        { ...office, to: '12:00' },
        { name: 'afternoon', days: WEEKDAYS, from: '12:00', to: '18:00', warm: 5 },
      ],
    }),
  );
  it('holds to the end of windows back to back, and says when the last one closed', () => {
    // Monday 23 March 2026, Berlin +01:00.
    expect(windowAt(schedule, new Date('2026-03-23T09:00:00+01:00'))).toEqual({
      holds: true,
      window: 'office-hours',
      until: new Date('2026-03-23T18:00:00+01:00'),
    });
    expect(windowAt(schedule, new Date('2026-03-23T18:00:00+01:00'))).toEqual({
      holds: false,
      closedAt: new Date('2026-03-23T18:00:00+01:00'),
    });
    // Saturday: the last close was Friday's. Before the first window of the days looked at: none.
    expect(windowAt(schedule, new Date('2026-03-21T10:00:00+01:00'))).toEqual({
      holds: false,
      closedAt: new Date('2026-03-20T18:00:00+01:00'),
    });
    expect(windowAt(schedule, new Date('2026-03-23T07:00:00+01:00'))).toEqual({ holds: false });
  });

  it('holds no window in a time zone the operator does not know', () => {
    expect(windowAt(Capacity.parse(berlin({ timeZone: 'Mars/Olympus' })), new Date())).toEqual({ holds: false });
  });
});
