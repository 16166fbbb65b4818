import { describe, expect, it } from 'vitest';
import { HOUR_MS, type HourUsage, lastDay } from '../../src/api/pool-usage.js';
import type { Place } from '../../src/controllers/desktop-seconds.js';
import { mergeHours, newerHours, UnwrittenHours } from '../../src/controllers/usage-hours.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');
const h = (n: number) => T0 + n * HOUR_MS;
const at = (state: Place['state'], pool = 'sales'): Place => ({ namespace: 'team', pool, state });
const hour = (n: number, runningHeld: number, runningFree = 0, halted = 0): HourUsage => ({
  start: new Date(h(n)).toISOString().replace('.000Z', 'Z'),
  runningHeld,
  runningFree,
  halted,
});

describe('unwritten hours', () => {
  it('splits a stretch of time at the hours it spans', () => {
    const unwritten = new UnwrittenHours();
    // 08:30 → 10:15 held, 09:00 → 09:00:10 free.
    unwritten.add({ place: at('running-held'), fromMs: h(0.5), toMs: h(2.25) });
    unwritten.add({ place: at('running-free'), fromMs: h(1), toMs: h(1) + 10_000 });
    const taken = unwritten.take('team/sales', Number.POSITIVE_INFINITY);
    expect([...taken].map(([start, s]) => [(start - T0) / HOUR_MS, s])).toEqual([
      [0, { 'running-held': 1800, 'running-free': 0, halted: 0 }],
      [1, { 'running-held': 3600, 'running-free': 10, halted: 0 }],
      [2, { 'running-held': 900, 'running-free': 0, halted: 0 }],
    ]);
  });

  it('hands out only the hours that have ended, and takes back what could not be written', () => {
    const unwritten = new UnwrittenHours();
    unwritten.add({ place: at('halted'), fromMs: h(0.5), toMs: h(1.5) });
    unwritten.add({ place: at('halted', 'lab'), fromMs: h(1.2), toMs: h(1.4) });
    expect(unwritten.poolsWithHoursBefore(h(1))).toEqual(['team/sales']);
    const taken = unwritten.take('team/sales', h(1));
    expect([...taken.keys()]).toEqual([h(0)]);
    expect(unwritten.poolsWithHoursBefore(h(1))).toEqual([]);
    unwritten.putBack('team/sales', taken);
    unwritten.add({ place: at('halted'), fromMs: h(0.9), toMs: h(1) });
    expect(unwritten.take('team/sales', h(1)).get(h(0))).toEqual({
      'running-held': 0,
      'running-free': 0,
      halted: 2160,
    });
  });
});

describe("a pool's hours in its status", () => {
  it('adds new seconds to the hours already there, in whole seconds, oldest first', () => {
    const added = new Map([
      [h(1), { 'running-held': 10.4, 'running-free': 0.6, halted: 0 }],
      [h(2), { 'running-held': 1, 'running-free': 2, halted: 3 }],
    ]);
    expect(mergeHours([hour(1, 100, 5, 7), hour(0, 50)], added, h(2.5))).toEqual([
      hour(0, 50),
      hour(1, 110, 6, 7),
      hour(2, 1, 2, 3),
    ]);
  });

  it('keeps the current hour and the 24 before it, nothing older and nothing ahead of the clock', () => {
    const previous = Array.from({ length: 30 }, (_, i) => hour(i, i + 1));
    const merged = mergeHours(previous, new Map(), h(28.5));
    expect(merged.map((x) => x.start)).toEqual(Array.from({ length: 25 }, (_, i) => hour(i + 4, 0).start));
  });

  it("builds on what this process wrote until the watch brings it back, else on the cache's", () => {
    const written = [hour(0, 10), hour(1, 20)];
    expect(newerHours([hour(0, 10)], written)).toBe(written);
    const cached = [hour(0, 10), hour(1, 25)]; // another leader's part of the hour is in too
    expect(newerHours(cached, written)).toBe(cached);
    expect(newerHours(cached, undefined)).toBe(cached);
    expect(newerHours([], written)).toBe(written);
  });
});

describe('the last day the Admin Portal shows', () => {
  it('sums the 24 whole hours before the current one, in desktop-hours, and says how many it has', () => {
    const hours = [hour(-1, 3600), ...Array.from({ length: 24 }, (_, i) => hour(i, 3600, 1800, 360)), hour(24, 7200)];
    // At 08:20 the next day: 08:00 yesterday … 07:00 today; today's 08:00 is not over.
    const day = lastDay(hours, new Date(h(24) + 20 * 60_000));
    expect(day).toEqual({
      from: '2026-12-07T08:00:00.000Z',
      to: '2026-12-08T08:00:00.000Z',
      runningHeld: 24,
      runningFree: 12,
      halted: 2.4,
      hoursCounted: 24,
    });
    expect(lastDay(undefined, new Date(h(3)))).toMatchObject({ runningHeld: 0, hoursCounted: 0 });
    expect(lastDay([hour(1, 5400)], new Date(h(3)))).toMatchObject({ runningHeld: 1.5, hoursCounted: 1 });
  });
});
