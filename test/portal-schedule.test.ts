// A pool's warm desktops in the Admin Portal, the pure parts: the schedule and the chart's data
// from the pool (the target line by the operator's own resolver), the chart laid out as SVG, and
// the words around it.
import { describe, expect, it } from 'vitest';
import type { Capacity } from '../src/api/capacity.js';
import { poolSchedule } from '../src/portal/admin/pool-schedule.js';
import type { PoolSchedule, ScheduleChart } from '../src/portal/admin/types.js';
import { PoolSchedule as PoolScheduleSchema } from '../src/portal/admin/types.js';
import {
  capacityChart,
  chartZone,
  describeChart,
  niceStep,
  timeTicks,
} from '../src/portal/web/admin/capacity-chart.js';
import { poolScheduleHash, routeOf } from '../src/portal/web/admin/routes.js';
import {
  daysText,
  localWhen,
  minutesText,
  nextChangeText,
  phaseText,
  warmText,
} from '../src/portal/web/admin/schedule-text.js';
import { findNodes, type SvgNode } from '../src/portal/web/svg.js';

const HOUR = 3_600_000;
const capacity: Capacity = {
  timeZone: 'Europe/Berlin',
  schedules: [
    {
      name: 'office-hours',
      days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
      from: '08:00',
      to: '18:00',
      warm: 20,
    },
    { name: 'saturday', days: ['Saturday'], from: '09:00', to: '13:00', warm: '50%', minWarm: 1, maxWarm: 4 },
  ],
  offPeakWarm: 2,
  powerOffDelayMinutes: 30,
  warmTimeToLiveMinutes: 240,
  rampDown: { idleMinutes: 60, action: 'PowerOff', evenIfLoggedOn: false },
};
// Tuesday 8 December 2026, 15:20 in Berlin (winter time, +01:00).
const now = new Date('2026-12-08T14:20:00Z');
const hours = Array.from({ length: 24 }, (_, i) => ({
  start: new Date(Date.parse('2026-12-07T14:00:00Z') + i * HOUR).toISOString(),
  runningHeld: 3600 * (i % 5),
  runningFree: 1800,
  halted: 7200,
}));
const pool = {
  metadata: { name: 'sales', namespace: 'ns' },
  spec: { size: 30, prestarted: 0, capacity, growth: { minSize: 5, spare: 2, removeAfterMinutes: 30 } },
  status: {
    capacity: {
      phase: 'InWindow' as const,
      window: 'office-hours',
      warmTarget: 20,
      nextChange: '2026-12-08T18:00:00+01:00',
      nextWarmTarget: 2,
      heldPeak: 5,
    },
    growth: { targetSize: 25 },
    usage: { hours: [{ ...(hours[0] as (typeof hours)[number]), start: '2026-12-06T10:00:00.000Z' }, ...hours] },
  },
};

describe('a pool’s schedule for the Admin Portal', () => {
  it('carries the schedule as written, what each window asks for now, growth and the operator’s status', () => {
    const schedule = PoolScheduleSchema.parse(poolSchedule(pool, now));
    expect(schedule.capacity?.windows).toEqual([
      {
        name: 'office-hours',
        days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
        from: '08:00',
        to: '18:00',
        warm: '20',
        warmNow: 20,
      },
      // 50% of a peak of 5, rounded up, within 1 and 4.
      {
        name: 'saturday',
        days: ['Saturday'],
        from: '09:00',
        to: '13:00',
        warm: '50%',
        minWarm: 1,
        maxWarm: 4,
        warmNow: 3,
      },
    ]);
    expect(schedule.capacity).toMatchObject({
      timeZone: 'Europe/Berlin',
      offPeakWarm: 2,
      warmTimeToLiveMinutes: 240,
      rampDown: { idleMinutes: 60, action: 'PowerOff', evenIfLoggedOn: false },
    });
    expect(schedule.growth).toEqual({ minSize: 5, maxSize: 30, spare: 2, removeAfterMinutes: 30, targetSize: 25 });
    expect(schedule.now).toMatchObject({ phase: 'InWindow', warmTarget: 20, nextWarmTarget: 2 });
  });

  it('charts the 24 whole hours before now in average desktops, and the target by the resolver over them and the next day', () => {
    const { chart } = poolSchedule(pool, now);
    expect(chart.from).toBe('2026-12-07T14:00:00.000Z');
    expect(chart.until).toBe('2026-12-09T14:20:00.000Z');
    // The hour two days back is not in the chart; the others are, in desktops.
    expect(chart.hours).toHaveLength(24);
    expect(chart.hours[2]).toEqual({ start: '2026-12-07T16:00:00.000Z', free: 0.5, held: 2, halted: 2 });
    // Monday 15:00 Berlin: in the window (20); at 18:00 it closes, 30 minutes later 2; Tuesday
    // 08:00 20 again; 18:00 + 30 minutes 2; Wednesday 08:00 20 (before until, Wednesday 15:20).
    expect(chart.target).toEqual([
      { at: '2026-12-07T14:00:00.000Z', warm: 20 },
      { at: '2026-12-07T17:30:00.000Z', warm: 2 },
      { at: '2026-12-08T07:00:00.000Z', warm: 20 },
      { at: '2026-12-08T17:30:00.000Z', warm: 2 },
      { at: '2026-12-09T07:00:00.000Z', warm: 20 },
    ]);
  });

  it('draws a fixed pool’s prestarted count as a flat target, and no hours before the operator counted any', () => {
    const fixed = poolSchedule({ spec: { prestarted: 3 }, status: {} }, now);
    expect(fixed.capacity).toBeUndefined();
    expect(fixed.chart.target).toEqual([{ at: '2026-12-07T14:00:00.000Z', warm: 3 }]);
    expect(fixed.chart.hours).toEqual([]);
    expect(phaseText(fixed)).toBe('Fixed: 3 desktops kept warm day and night (prestarted; no schedule).');
  });
});

const schedule = poolSchedule(pool, now) as PoolSchedule;

describe('the schedule in words', () => {
  it('names days as runs, warm counts with their percentage, the phase and the next change in the schedule’s zone', () => {
    expect(daysText(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])).toBe('Monday–Friday');
    expect(daysText(['Sunday', 'Monday', 'Wednesday', 'Saturday'])).toBe('Monday, Wednesday, Saturday, Sunday');
    expect(daysText(['Thursday', 'Friday', 'Saturday', 'Monday'])).toBe('Monday, Thursday–Saturday');
    expect(daysText(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])).toBe('Every day');
    expect(schedule.capacity?.windows.map(warmText)).toEqual([
      '20 desktops',
      '50% of the peak: 3 now (at least 1, at most 4)',
    ]);
    expect(phaseText(schedule)).toBe('In window office-hours: 20 desktops kept warm.');
    expect(nextChangeText(schedule, now)).toBe('At 18:00 Europe/Berlin the warm target goes 20 → 2.');
    const friday = {
      ...schedule,
      now: {
        ...schedule.now,
        phase: 'OffPeak',
        warmTarget: 2,
        nextChange: '2026-12-14T08:00:00+01:00',
        nextWarmTarget: 20,
      },
    };
    expect(nextChangeText(friday, now)).toBe('On Monday at 08:00 Europe/Berlin the warm target goes 2 → 20.');
    expect(localWhen(new Date('2026-12-14T07:00:00Z'), 'Europe/Berlin', now)).toBe('Monday 08:00');
    expect(localWhen(new Date('2026-12-24T07:00:00Z'), 'Europe/Berlin', now)).toBe('Thursday 2026-12-24 08:00');
    expect(routeOf(poolScheduleHash('team a', 'sales'))).toEqual({
      view: 'pool-edit',
      namespace: 'team a',
      name: 'sales',
      part: 'schedule',
    });
    expect([30, 60, 150, 1].map(minutesText)).toEqual(['30 minutes', '1 hour', '2 hours 30 minutes', '1 minute']);
  });
});

const attr = (n: SvgNode, name: string) => n.attrs?.[name];
const byClass = (root: SvgNode, cls: string) =>
  findNodes(root, (n) =>
    String(attr(n, 'class') ?? '')
      .split(' ')
      .includes(cls),
  );
const texts = (root: SvgNode) => findNodes(root, (n) => n.tag === 'text').map((n) => n.text);

describe('the 24-hour chart', () => {
  const chart: ScheduleChart = schedule.chart;

  it('is an accessible picture: a title and a description in words, labelled by both', () => {
    const svg = capacityChart(chart, { width: 1000, timeZone: 'Europe/Berlin', pool: 'Sales' });
    expect(svg.attrs).toMatchObject({
      role: 'img',
      width: 1000,
      'aria-labelledby': 'capacity-chart-title capacity-chart-desc',
    });
    expect(findNodes(svg, (n) => n.tag === 'title')[0]?.text).toBe('Warm desktops of Sales');
    expect(describeChart(chart, 'Europe/Berlin')).toBe(
      'The warm target is 20 now; in the next 24 hours it goes to 2 at 18:30, to 20 at 08:00. ' +
        'Counted by the operator over 24 of the last 24 hours; in the last, from 14:00, on average 0.5 desktops free and running, 3 desktops held and 2 desktops halted.',
    );
  });

  it('stacks free, held and halted per hour on one scale with the target, solid up to now and dashed after', () => {
    const svg = capacityChart(chart, { width: 1000, timeZone: 'Europe/Berlin', pool: 'Sales' });
    const bars = byClass(svg, 'chart-hour');
    expect(bars).toHaveLength(24);
    // Hour 3 (held 3): free from the axis up, held on it, halted on top, heights in proportion.
    const [free, held, halted] = (bars[3]?.children ?? []).filter((n) => n.tag === 'rect');
    const h = (n: SvgNode | undefined) => Number(attr(n as SvgNode, 'height'));
    const y = (n: SvgNode | undefined) => Number(attr(n as SvgNode, 'y'));
    expect(h(held) / h(free)).toBeCloseTo(6, 0);
    expect(h(halted) / h(free)).toBeCloseTo(4, 0);
    expect(y(free)).toBeGreaterThan(y(held));
    expect(y(held)).toBeGreaterThan(y(halted));
    expect(bars[3]?.children?.[0]?.text).toBe(
      '18:00–19:00: 0.5 desktops free and running, 3 desktops held, 2 desktops halted (averages)',
    );
    // The y axis reaches the target's 20: ticks 0, 5, ... 20.
    expect(
      byClass(svg, 'chart-tick')
        .filter((n) => attr(n, 'text-anchor') === 'end')
        .map((n) => n.text),
    ).toEqual(['0', '5', '10', '15', '20']);
    const lines = byClass(svg, 'chart-target').filter((n) => n.tag === 'path');
    expect(lines.map((n) => String(attr(n, 'class')))).toEqual(['chart-target', 'chart-target chart-ahead']);
    const nowX = Number(attr(byClass(svg, 'chart-now')[0] as SvgNode, 'x1'));
    const xs = (n: SvgNode) => [...String(attr(n, 'd')).matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(Math.max(...xs(lines[0] as SvgNode))).toBeCloseTo(nowX, 0);
    expect(Math.min(...xs(lines[1] as SvgNode))).toBeCloseTo(nowX, 0);
    expect(texts(svg)).toEqual(expect.arrayContaining(['Desktops', 'Time in Europe/Berlin', 'now', 'Warm target']));
  });

  it('keeps its text readable on a phone: laid out for the width, fewer ticks, the legend in rows', () => {
    const wide = capacityChart(chart, { width: 1000, timeZone: 'Europe/Berlin', pool: 'Sales' });
    const phone = capacityChart(chart, { width: 340, timeZone: 'Europe/Berlin', pool: 'Sales' });
    expect(phone.attrs).toMatchObject({ width: 340, viewBox: `0 0 340 ${attr(phone, 'height')}` });
    const xTicks = (svg: SvgNode) => byClass(svg, 'chart-tick').filter((n) => attr(n, 'text-anchor') === 'middle');
    expect(xTicks(phone).length).toBeLessThan(xTicks(wide).length);
    expect(xTicks(phone).map((n) => n.text)).toEqual(['Tue', '12:00', 'Wed', '12:00']);
    const rows = (svg: SvgNode) =>
      new Set(byClass(svg, 'chart-legend-item').map((n) => String(attr(n, 'transform')).split(',')[1])).size;
    expect(rows(wide)).toBe(1);
    expect(rows(phone)).toBeGreaterThan(1);
    // Nothing is drawn past the right edge.
    for (const n of findNodes(phone, (n) => n.attrs?.x !== undefined))
      expect(Number(attr(n, 'x'))).toBeLessThanOrEqual(340);
  });

  it('says so where the hours would be when the operator has counted none', () => {
    const empty = capacityChart({ ...chart, hours: [] }, { width: 1000, timeZone: 'UTC', pool: 'Lab' });
    expect(byClass(empty, 'chart-hour')).toEqual([]);
    expect(byClass(empty, 'chart-empty').map((n) => n.text)).toEqual(['No hours counted yet']);
    expect(byClass(capacityChart(chart, { width: 1000, timeZone: 'UTC', pool: 'Sales' }), 'chart-empty')).toEqual([]);
  });

  it('puts hour ticks on the zone’s whole hours, also half an hour off UTC', () => {
    const from = Date.parse('2026-12-07T00:00:00Z');
    expect(timeTicks(from, from + 7 * HOUR, 'Asia/Kolkata', 3).map((t) => t.label)).toEqual([
      '06:00',
      '09:00',
      '12:00',
    ]);
    expect(new Date(timeTicks(from, from + 7 * HOUR, 'Asia/Kolkata', 3)[0]?.at ?? 0).toISOString()).toBe(
      '2026-12-07T00:30:00.000Z',
    );
    expect([1, 4, 5, 7, 20, 23, 180].map((n) => niceStep(n))).toEqual([1, 1, 1, 2, 5, 5, 50]);
    // A zone the API server let through by its pattern but nobody knows: the chart goes by UTC.
    expect([chartZone('Europe/Berlin'), chartZone('Mars/Olympus_Mons')]).toEqual(['Europe/Berlin', 'UTC']);
  });
});
