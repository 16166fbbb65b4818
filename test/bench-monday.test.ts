// The pure parts of the Monday-morning benchmark (bench/monday.ts): the shape of the logon storm,
// percentiles, the simulated day's mapping to real time, desktop-hours, and who waited for a boot.
import { describe, expect, it } from 'vitest';
import { lineChart } from '../bench/harness/chart.js';
import { hoursShare, mondayRows } from '../bench/harness/report-monday.js';
import { distribution, percentile } from '../bench/harness/stats.js';
import {
  DAY_MINUTES,
  dayPlan,
  dayRealMs,
  desktopHours,
  minuteAt,
  realOffsetMs,
  tickAt,
  waitedForBoot,
} from '../bench/monday/day.js';
import { MONDAY_EVENING, MONDAY_MORNING, mondayPeople, shareWithin, timesOf } from '../bench/monday/storm.js';
import type { MondayResult, MondayRun } from '../bench/monday.js';

const at = (h: number, m = 0) => h * 60 + m;

describe('the logon storm', () => {
  const logons = timesOf(1000, MONDAY_MORNING, 7);

  it('keeps everyone between 8:40 and 9:20', () => {
    expect(Math.min(...logons)).toBeGreaterThanOrEqual(at(8, 40));
    expect(Math.max(...logons)).toBeLessThan(at(9, 20));
  });

  it('puts most people in the ten minutes around 9:00, and some in every ten minutes of the range', () => {
    expect(shareWithin(logons, at(8, 55), at(9, 5))).toBeGreaterThan(0.55);
    expect(shareWithin(logons, at(8, 55), at(9, 5))).toBeLessThan(0.75);
    for (const from of [at(8, 40), at(8, 50), at(9, 5), at(9, 10)]) {
      expect(shareWithin(logons, from, from + 10)).toBeGreaterThan(0.02);
    }
    // Thicker near 9:00 than at the edges.
    expect(shareWithin(logons, at(8, 58), at(9, 2))).toBeGreaterThan(4 * shareWithin(logons, at(8, 40), at(8, 44)));
  });

  it('is the same for the same seed and differs for another', () => {
    expect(timesOf(50, MONDAY_MORNING, 7)).toEqual(timesOf(50, MONDAY_MORNING, 7));
    expect(timesOf(50, MONDAY_MORNING, 8)).not.toEqual(timesOf(50, MONDAY_MORNING, 7));
  });

  it('gives every person a logon in the morning and a logoff in the evening', () => {
    const people = mondayPeople(200);
    expect(people).toHaveLength(200);
    for (const p of people) {
      expect(p.logon).toBeGreaterThanOrEqual(MONDAY_MORNING.from);
      expect(p.logoff).toBeGreaterThanOrEqual(MONDAY_EVENING.from);
      expect(p.logoff).toBeLessThan(MONDAY_EVENING.to);
    }
    expect(new Set(people.map((p) => p.index)).size).toBe(200);
  });
});

describe('percentiles', () => {
  it('are nearest-rank: always a measured value', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1).reverse();
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(distribution([3, 1, 2])).toEqual({ n: 3, p50: 2, p95: 3, p99: 3, max: 3 });
    expect(() => percentile([], 50)).toThrow();
  });
});

describe('the simulated day', () => {
  const plan = dayPlan(10);

  it('covers the whole day without gaps, the storm at the storm speed', () => {
    expect(plan[0]?.from).toBe(0);
    expect(plan.at(-1)?.to).toBe(DAY_MINUTES);
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.from).toBe(plan[i - 1]?.to);
    const storm = plan.find((s) => s.from <= MONDAY_MORNING.from && s.to >= MONDAY_MORNING.to);
    expect(storm?.speed).toBe(10);
    // The window opens (08:30) and closes (18:00) in slower segments than the night's.
    expect(plan.find((s) => s.from <= at(8, 30) && at(8, 30) < s.to)?.speed).toBe(30);
    expect(plan.find((s) => s.from <= at(18) && at(18) < s.to)?.speed).toBe(60);
  });

  it('maps simulated minutes to real time and back', () => {
    for (const minute of [0, 100, at(8, 25), at(8, 59) + 0.5, at(9, 21), at(17, 30), at(23, 59)]) {
      expect(minuteAt(plan, realOffsetMs(plan, minute))).toBeCloseTo(minute, 6);
    }
    // 40 storm minutes at 10× are 240 real seconds.
    expect(realOffsetMs(plan, at(9, 20)) - realOffsetMs(plan, at(8, 40))).toBeCloseTo(240_000, 6);
    // A quiet hour is a real second.
    expect(realOffsetMs(plan, at(3)) - realOffsetMs(plan, at(2))).toBeCloseTo(1000, 6);
    expect(minuteAt(plan, dayRealMs(plan) + 5000)).toBe(DAY_MINUTES);
    expect(tickAt(plan, at(9))).toBe(1000);
    expect(tickAt(plan, at(3))).toBe(500);
  });
});

describe('desktop-hours', () => {
  it('are the difference of the desktop-seconds counters, in hours', () => {
    const before = { 'running-held': 3600, 'running-free': 0, halted: 100 };
    const after = { 'running-held': 3600 + 8.5 * 3600 * 10, 'running-free': 2 * 3600 * 5, halted: 100 + 1800 };
    expect(desktopHours(before, after)).toEqual({ runningHeld: 85, runningFree: 10, running: 95, halted: 0.5 });
  });

  it('of the schedule are compared with keeping everything warm all day', () => {
    const run = (strategy: MondayRun['strategy'], running: number) =>
      ({ strategy, desktopHours: { running, runningHeld: 0, runningFree: 0, halted: 0 } }) as MondayRun;
    const result = { runs: [run('schedule', 10_500), run('prestarted', 24_000)] } as MondayResult;
    expect(hoursShare(result)).toBe(0.44);
    expect(hoursShare({ runs: [run('schedule', 1)] } as MondayResult)).toBeUndefined();
  });
});

describe('the results table', () => {
  it('keeps the pools that finished and names the one that failed, with why', () => {
    const finished = {
      strategy: 'schedule',
      insideWindow: { p50: 300, p95: 700, p99: 900, max: 1200 },
      raw: { p50: 30, p99: 500 },
      ratio: { p50: 10, p99: 1.8 },
      waitedForBoot: 0,
      desktopHours: { running: 9800, runningHeld: 9100, runningFree: 700, halted: 0 },
    } as MondayRun;
    const rows = mondayRows({
      people: 1000,
      runs: [finished],
      failed: [{ strategy: 'growth', error: 'timed out | at 09:22' }],
      targets: { p99RatioToFloor: 2, hoursShareOfAlwaysWarm: 0.5 },
    } as MondayResult);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('p99 **900 ms**');
    expect(rows[0]).toContain('p99 ≤ 2× the floor ✅');
    expect(rows[1]).toContain('growth');
    expect(rows[1]).toContain('failed: timed out \\| at 09:22');
  });
});

describe('who waited for a boot', () => {
  it('is whoever was seen Pending, or Bound to a desktop not ready, before Bound and ready', () => {
    expect(waitedForBoot([{}, { phase: 'Bound', ready: true }])).toBe(false);
    expect(
      waitedForBoot([
        { phase: 'Bound', ready: false },
        { phase: 'Bound', ready: true },
      ]),
    ).toBe(true);
    expect(waitedForBoot([{ phase: 'Pending' }, { phase: 'Bound', ready: true }])).toBe(true);
    // What comes after Bound and ready does not count (a desktop restarted later in the day).
    expect(
      waitedForBoot([
        { phase: 'Bound', ready: true },
        { phase: 'Bound', ready: false },
      ]),
    ).toBe(false);
  });
});

describe('the chart', () => {
  it('draws one line per series with a legend, as SVG', () => {
    const svg = lineChart({
      title: 'a <day>',
      xLabel: 'hour',
      xTicks: [{ x: 0, label: '0' }],
      xMax: 24,
      series: [
        {
          name: 'running',
          color: '#00f',
          steps: true,
          points: [
            [0, 1],
            [12, 5],
            [24, 1],
          ],
        },
        {
          name: 'held',
          color: '#f00',
          points: [
            [0, 0],
            [24, 0],
          ],
        },
      ],
    });
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('a &lt;day>');
    expect(svg).toContain('>running</text>');
    // Steps: the value holds until the next sample, so 3 points make 5 corners.
    expect(svg.match(/points="([^"]*)"/)?.[1]?.split(' ')).toHaveLength(5);
  });
});
